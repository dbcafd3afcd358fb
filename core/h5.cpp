#include "core/h5.h"

#include <hdf5.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/atomic_file.h"
#include "core/error.h"

namespace dynfault::h5 {
namespace {

// Less than 64 KiB free for unprivileged writers where `file` lives.
bool no_space_left(const std::string& file) {
  const auto slash = file.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : file.substr(0, slash);
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return false;
  return static_cast<unsigned long long>(st.f_bavail) * st.f_frsize < 64 * 1024;
}

void close_id(hid id, Handle::Kind kind) {
  if (id < 0) return;
  switch (kind) {
    case Handle::Kind::File: H5Fclose(id); break;
    case Handle::Kind::Group: H5Gclose(id); break;
    case Handle::Kind::Dataset: H5Dclose(id); break;
    case Handle::Kind::Dataspace: H5Sclose(id); break;
    case Handle::Kind::Datatype: H5Tclose(id); break;
    case Handle::Kind::Attribute: H5Aclose(id); break;
    case Handle::Kind::Plist: H5Pclose(id); break;
    case Handle::Kind::None: break;
  }
}

Handle check(hid id, Handle::Kind kind, const std::string& where, const std::string& what) {
  if (id < 0) throw Error(where, what);
  return Handle(id, kind);
}

void check_status(herr_t status, const std::string& where, const std::string& what) {
  if (status < 0) throw Error(where, what);
}

// The file name part of an object's "<file>:<path>" where.
std::string file_of(const std::string& where) {
  const auto colon = where.rfind(':');
  return colon == std::string::npos ? where : where.substr(0, colon);
}

// A failed write, create or flush: HDF5 leaves the errno of the failed
// pwrite (ENOSPC, EDQUOT, EIO) in place, which makes it a StorageError
// (exit 75). A write that fails without one on a file system with no space
// left is one too.
[[noreturn]] void write_failed(const std::string& where_written, const std::string& what) {
  const int err = errno;
  // Name the file the user asked for, not its temporary.
  const std::string file = file_of(where_written);
  const std::string where = shown_path(file) + where_written.substr(file.size());
  if (is_storage_errno(err)) throw StorageError(where, what, err);
  if (no_space_left(file)) throw StorageError(where, what, ENOSPC);
  throw Error(where, what);
}

Handle check_write(hid id, Handle::Kind kind, const std::string& where, const std::string& what) {
  if (id < 0) write_failed(where, what);
  return Handle(id, kind);
}

void check_write_status(herr_t status, const std::string& where, const std::string& what) {
  if (status < 0) write_failed(where, what);
}

// The element count of a dataspace about to be read into memory, checked
// against the file's size first: a corrupt or hostile header may claim 2^60
// elements, and the allocation would end the process (std::bad_alloc) before
// libhdf5 noticed anything. The data of n elements of `element_bytes` cannot
// be much larger than the file (datasets are not compressed; 16x allows for
// variable-length string references and fill values).
size_t checked_count(hid obj, hssize_t n, size_t element_bytes, const std::string& where) {
  if (n < 0) throw Error(where, "corrupt dataspace (corrupt file?)");
  hsize_t file_bytes = 0;
  if (const hid file = H5Iget_file_id(obj); file >= 0) {
    H5Fget_filesize(file, &file_bytes);
    H5Fclose(file);
  }
  const long double claimed = static_cast<long double>(n) * static_cast<long double>(element_bytes);
  if (claimed > 16.0L * static_cast<long double>(file_bytes) + static_cast<long double>(1 << 26))
    throw Error(where, "claims " + std::to_string(n) + " elements, more than the file can hold (corrupt file?)");
  return static_cast<size_t>(n);
}

Handle vlen_string_type() {
  hid t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return Handle(t, Handle::Kind::Datatype);
}

// Object modification times would make two writes of the same content differ
// byte for byte; corpora must be reproducible, so no object records its times.
Handle untimed_group_plist() {
  Handle p(H5Pcreate(H5P_GROUP_CREATE), Handle::Kind::Plist);
  H5Pset_obj_track_times(p.get(), 0);
  return p;
}

Handle untimed_dataset_plist() {
  Handle p(H5Pcreate(H5P_DATASET_CREATE), Handle::Kind::Plist);
  H5Pset_obj_track_times(p.get(), 0);
  return p;
}

Handle scalar_space() { return Handle(H5Screate(H5S_SCALAR), Handle::Kind::Dataspace); }

Handle simple_space(std::vector<hsize_t> dims) {
  return Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), Handle::Kind::Dataspace);
}

// (Re)create an attribute: delete first so the type may change.
Handle make_attr(hid obj, const std::string& name, hid type, hid space, const std::string& where) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  return check_write(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), Handle::Kind::Attribute, where,
               "cannot create attribute '" + name + "'");
}

Handle open_attr(hid obj, const std::string& name, const std::string& where) {
  if (H5Aexists(obj, name.c_str()) <= 0) throw Error(where, "missing attribute '" + name + "'");
  return check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), Handle::Kind::Attribute, where,
               "cannot open attribute '" + name + "'");
}

void write_string_attr(hid obj, const std::string& name, const std::string& value, const std::string& where) {
  Handle type = vlen_string_type();
  Handle space = scalar_space();
  Handle attr = make_attr(obj, name, type.get(), space.get(), where);
  const char* p = value.c_str();
  check_write_status(H5Awrite(attr.get(), type.get(), &p), where, "cannot write attribute '" + name + "'");
}

void write_strings_attr(hid obj, const std::string& name, const std::vector<std::string>& values,
                        const std::string& where) {
  Handle type = vlen_string_type();
  Handle space = simple_space({values.size()});
  Handle attr = make_attr(obj, name, type.get(), space.get(), where);
  std::vector<const char*> ptrs;
  for (const auto& s : values) ptrs.push_back(s.c_str());
  if (values.empty()) return;  // an empty list: H5Awrite refuses a null buffer
  check_write_status(H5Awrite(attr.get(), type.get(), ptrs.data()), where, "cannot write attribute '" + name + "'");
}

std::vector<std::string> read_strings_attr(hid obj, const std::string& name, const std::string& where) {
  Handle attr = open_attr(obj, name, where);
  Handle space(H5Aget_space(attr.get()), Handle::Kind::Dataspace);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  Handle ftype(H5Aget_type(attr.get()), Handle::Kind::Datatype);
  if (H5Tget_class(ftype.get()) != H5T_STRING) throw Error(where, "attribute '" + name + "' is not text");
  std::vector<std::string> out;
  if (n <= 0) return out;  // an empty list
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle type = vlen_string_type();
    std::vector<char*> ptrs(checked_count(attr.get(), n, sizeof(char*), where), nullptr);
    check_status(H5Aread(attr.get(), type.get(), ptrs.data()), where, "cannot read attribute '" + name + "'");
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const size_t size = H5Tget_size(ftype.get());
    std::vector<char> buf(checked_count(attr.get(), n, std::max<size_t>(size, 1), where) * size + 1, '\0');
    Handle mtype(H5Tcopy(ftype.get()), Handle::Kind::Datatype);
    check_status(H5Aread(attr.get(), mtype.get(), buf.data()), where, "cannot read attribute '" + name + "'");
    for (hssize_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * size, size);
      s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace

void quiet_hdf5_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle::~Handle() { close_id(id_, kind_); }
Handle::Handle(Handle&& o) noexcept : id_(o.id_), kind_(o.kind_) { o.id_ = -1; }
Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    close_id(id_, kind_);
    id_ = o.id_;
    kind_ = o.kind_;
    o.id_ = -1;
  }
  return *this;
}

std::string Group::where(const std::string& name) const {
  std::string p = path_ == "/" ? "/" + name : (name.empty() ? path_ : path_ + "/" + name);
  return file_ + ":" + p;
}

bool Group::exists(const std::string& name) const {
  return H5Lexists(h_.get(), name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  H5Literate(
      h_.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  std::sort(names.begin(), names.end());
  return names;
}

Group Group::create_group(const std::string& name) {
  Handle gcpl = untimed_group_plist();
  Handle g = check_write(H5Gcreate2(h_.get(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), Handle::Kind::Group,
                   where(name), "cannot create group");
  return Group(std::move(g), file_, path_ == "/" ? "/" + name : path_ + "/" + name);
}

Group Group::open_group(const std::string& name) const {
  if (!exists(name)) throw Error(where(name), "missing group");
  Handle g = check(H5Gopen2(h_.get(), name.c_str(), H5P_DEFAULT), Handle::Kind::Group, where(name),
                   "cannot open group");
  return Group(std::move(g), file_, path_ == "/" ? "/" + name : path_ + "/" + name);
}

void Group::remove(const std::string& name) {
  check_status(H5Ldelete(h_.get(), name.c_str(), H5P_DEFAULT), where(name), "cannot delete");
}

bool Group::has_attr(const std::string& name) const { return H5Aexists(h_.get(), name.c_str()) > 0; }

void Group::set_attr(const std::string& name, const std::string& value) {
  write_string_attr(h_.get(), name, value, where());
}

void Group::set_attr(const std::string& name, int64_t value) {
  Handle space = scalar_space();
  Handle attr = make_attr(h_.get(), name, H5T_STD_I64LE, space.get(), where());
  check_write_status(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), where(), "cannot write attribute '" + name + "'");
}

void Group::set_attr(const std::string& name, double value) {
  Handle space = scalar_space();
  Handle attr = make_attr(h_.get(), name, H5T_IEEE_F64LE, space.get(), where());
  check_write_status(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), where(), "cannot write attribute '" + name + "'");
}

void Group::set_attr(const std::string& name, const std::vector<std::string>& values) {
  write_strings_attr(h_.get(), name, values, where());
}

std::string Group::attr_string(const std::string& name) const {
  auto v = read_strings_attr(h_.get(), name, where());
  if (v.size() != 1) throw Error(where(), "attribute '" + name + "' is not a single string");
  return v[0];
}

int64_t Group::attr_int(const std::string& name) const {
  Handle attr = open_attr(h_.get(), name, where());
  int64_t v = 0;
  check_status(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), where(), "attribute '" + name + "' is not an integer");
  return v;
}

double Group::attr_double(const std::string& name) const {
  Handle attr = open_attr(h_.get(), name, where());
  double v = 0;
  check_status(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), where(), "attribute '" + name + "' is not a number");
  return v;
}

std::vector<std::string> Group::attr_strings(const std::string& name) const {
  return read_strings_attr(h_.get(), name, where());
}

void Group::write_matrix(const std::string& name, const Matrix& m) {
  if (m.values.size() != m.rows * m.cols) throw Error(where(name), "matrix size does not match its shape");
  if (exists(name)) remove(name);
  Handle space = simple_space({m.rows, m.cols});
  Handle plist = untimed_dataset_plist();
  if (m.rows > 1 && m.cols > 0) {
    hsize_t chunk[2] = {std::min<hsize_t>(m.rows, 64), static_cast<hsize_t>(m.cols)};
    H5Pset_chunk(plist.get(), 2, chunk);
    H5Pset_shuffle(plist.get());
    H5Pset_deflate(plist.get(), 4);
  }
  Handle ds = check_write(H5Dcreate2(h_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, plist.get(),
                               H5P_DEFAULT),
                    Handle::Kind::Dataset, where(name), "cannot create dataset");
  if (!m.values.empty())
    check_write_status(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.values.data()), where(name),
                 "cannot write dataset");
}

Matrix Group::read_matrix(const std::string& name) const {
  if (!exists(name)) throw Error(where(name), "missing dataset");
  Handle ds = check(H5Dopen2(h_.get(), name.c_str(), H5P_DEFAULT), Handle::Kind::Dataset, where(name),
                    "cannot open dataset");
  Handle space(H5Dget_space(ds.get()), Handle::Kind::Dataspace);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 2) throw Error(where(name), "expected a 2-D dataset");
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  Matrix m;
  m.rows = dims[0];
  m.cols = dims[1];
  if (m.cols != 0 && m.rows > static_cast<size_t>(INT64_MAX) / m.cols)
    throw Error(where(name), "corrupt dataspace (corrupt file?)");
  m.values.resize(checked_count(ds.get(), static_cast<hssize_t>(m.rows * m.cols), sizeof(double), where(name)));
  if (!m.values.empty())
    check_status(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.values.data()), where(name),
                 "cannot read dataset (corrupt file?)");
  return m;
}

void Group::write_doubles(const std::string& name, const std::vector<double>& v) {
  if (exists(name)) remove(name);
  Handle space = simple_space({v.size()});
  Handle dcpl = untimed_dataset_plist();
  Handle ds = check_write(H5Dcreate2(h_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                               H5P_DEFAULT),
                    Handle::Kind::Dataset, where(name), "cannot create dataset");
  if (!v.empty())
    check_write_status(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), where(name),
                 "cannot write dataset");
}

namespace {
template <typename T>
std::vector<T> read_1d(hid group, const std::string& name, hid mem_type, const std::string& where) {
  Handle ds = check(H5Dopen2(group, name.c_str(), H5P_DEFAULT), Handle::Kind::Dataset, where, "missing dataset");
  Handle space(H5Dget_space(ds.get()), Handle::Kind::Dataspace);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw Error(where, "expected a 1-D dataset");
  std::vector<T> v(checked_count(ds.get(), H5Sget_simple_extent_npoints(space.get()), sizeof(T), where));
  if (!v.empty())
    check_status(H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), where,
                 "cannot read dataset (corrupt file?)");
  return v;
}
}  // namespace

std::vector<double> Group::read_doubles(const std::string& name) const {
  return read_1d<double>(h_.get(), name, H5T_NATIVE_DOUBLE, where(name));
}

void Group::write_ints(const std::string& name, const std::vector<int64_t>& v) {
  if (exists(name)) remove(name);
  Handle space = simple_space({v.size()});
  Handle dcpl = untimed_dataset_plist();
  Handle ds = check_write(H5Dcreate2(h_.get(), name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                               H5P_DEFAULT),
                    Handle::Kind::Dataset, where(name), "cannot create dataset");
  if (!v.empty())
    check_write_status(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), where(name),
                 "cannot write dataset");
}

std::vector<int64_t> Group::read_ints(const std::string& name) const {
  return read_1d<int64_t>(h_.get(), name, H5T_NATIVE_INT64, where(name));
}

void Group::write_strings(const std::string& name, const std::vector<std::string>& v) {
  if (exists(name)) remove(name);
  Handle type = vlen_string_type();
  Handle space = simple_space({v.size()});
  Handle dcpl = untimed_dataset_plist();
  Handle ds = check_write(H5Dcreate2(h_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                    Handle::Kind::Dataset, where(name), "cannot create dataset");
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  if (!v.empty())
    check_write_status(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), where(name),
                 "cannot write dataset");
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  Handle ds = check(H5Dopen2(h_.get(), name.c_str(), H5P_DEFAULT), Handle::Kind::Dataset, where(name),
                    "missing dataset");
  Handle space(H5Dget_space(ds.get()), Handle::Kind::Dataspace);
  const size_t n = checked_count(ds.get(), H5Sget_simple_extent_npoints(space.get()), sizeof(char*), where(name));
  Handle type = vlen_string_type();
  std::vector<char*> ptrs(n, nullptr);
  if (n > 0)
    check_status(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), where(name),
                 "cannot read text dataset (corrupt file?)");
  std::vector<std::string> out;
  out.reserve(n);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n > 0) H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

void Group::set_dataset_attr(const std::string& dataset, const std::string& attr,
                             const std::vector<std::string>& values) {
  Handle ds = check(H5Dopen2(h_.get(), dataset.c_str(), H5P_DEFAULT), Handle::Kind::Dataset, where(dataset),
                    "missing dataset");
  write_strings_attr(ds.get(), attr, values, where(dataset));
}

void Group::set_dataset_attr(const std::string& dataset, const std::string& attr, const std::string& value) {
  Handle ds = check(H5Dopen2(h_.get(), dataset.c_str(), H5P_DEFAULT), Handle::Kind::Dataset, where(dataset),
                    "missing dataset");
  write_string_attr(ds.get(), attr, value, where(dataset));
}

std::vector<std::string> Group::dataset_attr_strings(const std::string& dataset, const std::string& attr) const {
  Handle ds = check(H5Dopen2(h_.get(), dataset.c_str(), H5P_DEFAULT), Handle::Kind::Dataset, where(dataset),
                    "missing dataset");
  return read_strings_attr(ds.get(), attr, where(dataset));
}

std::string Group::dataset_attr_string(const std::string& dataset, const std::string& attr) const {
  auto v = dataset_attr_strings(dataset, attr);
  if (v.size() != 1) throw Error(where(dataset), "attribute '" + attr + "' is not a single string");
  return v[0];
}

void check_signature(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path, "not a readable HDF5 file (" + std::string(std::strerror(errno)) + ")");
  static const unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  unsigned char sb[16] = {};
  long at = -1;
  for (long offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
    std::fseek(f, offset, SEEK_SET);
    const size_t got = std::fread(sb, 1, sizeof sb, f);
    if (got >= 8 && std::memcmp(sb, kSignature, 8) == 0) {
      at = offset;
      break;
    }
  }
  std::fclose(f);
  if (at < 0) throw Error(path, "not an HDF5 file (no HDF5 signature)");
  const unsigned version = sb[8];
  if (version > 3) throw Error(path, "HDF5 superblock version " + std::to_string(version) + " is unknown");
  auto size_ok = [](unsigned n) { return n == 2 || n == 4 || n == 8 || n == 16 || n == 32; };
  // Versions 0 and 1 keep the sizes at bytes 13 and 14, versions 2 and 3 at 9 and 10.
  const unsigned offsets = version < 2 ? sb[13] : sb[9], lengths = version < 2 ? sb[14] : sb[10];
  if (!size_ok(offsets) || !size_ok(lengths))
    throw Error(path, "HDF5 superblock is corrupt (sizes of offsets/lengths " + std::to_string(offsets) + "/" +
                          std::to_string(lengths) + ")");
  // The smallest superblock: v0 24 bytes + 4 addresses + a symbol table entry; v2/v3 12 + 4 addresses + checksum.
  const long minimum = version < 2 ? 24 + 4L * offsets + (offsets + 24) : 12 + 4L * offsets + 4;
  if (size - at < minimum) throw Error(path, "HDF5 file is truncated (shorter than its superblock)");
}

namespace {
Handle open_file(const std::string& path, File::Mode mode) {
  quiet_hdf5_errors();
  hid id = -1;
  switch (mode) {
    case File::Mode::ReadOnly:
      check_signature(path);
      if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path, "not a readable HDF5 file");
      id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      break;
    case File::Mode::ReadWrite:
      if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path, "not a readable HDF5 file");
      id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      break;
    case File::Mode::Truncate:
      errno = 0;
      id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      return check_write(id, Handle::Kind::File, path, "cannot create HDF5 file");
  }
  return check(id, Handle::Kind::File, path, "cannot open HDF5 file");
}

Handle open_root(const Handle& file, const std::string& path) {
  return check(H5Gopen2(file.get(), "/", H5P_DEFAULT), Handle::Kind::Group, path, "cannot open root group");
}
}  // namespace

File::File(const std::string& path, Mode mode) : Group(Handle(), path, "/") {
  Handle file = open_file(path, mode);
  h_ = open_root(file, path);
  // `file` closes here; HDF5's default "weak" close degree keeps the file open
  // for as long as the root group handle lives.
}

void File::flush() {
  errno = 0;
  if (H5Fflush(h_.get(), H5F_SCOPE_GLOBAL) < 0) {
    if (errno == 0) errno = EIO;  // a flush that fails is an I/O failure
    write_failed(file_, "cannot write the HDF5 file");
  }
}

}  // namespace dynfault::h5
