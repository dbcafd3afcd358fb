#pragma once
// Thin RAII layer over the HDF5 C API (in the manner of HighFive): every hid_t
// lives inside a Handle; nothing outside core/h5.cpp sees a raw id. Errors
// become dynfault::Error naming the file and the object.
#include <cstdint>
#include <string>
#include <vector>

namespace dynfault::h5 {

using hid = int64_t;  // hid_t without including hdf5.h in our headers

class Handle {
 public:
  enum class Kind { None, File, Group, Dataset, Dataspace, Datatype, Attribute, Plist };
  Handle() = default;
  Handle(hid id, Kind kind) : id_(id), kind_(kind) {}
  ~Handle();
  Handle(Handle&& o) noexcept;
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

 private:
  hid id_ = -1;
  Kind kind_ = Kind::None;
};

// A row-major matrix of doubles, the shape of every numeric dataset we store.
struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<double> values;
  double at(size_t r, size_t c) const { return values[r * cols + c]; }
};

class Group {
 public:
  Group(Handle h, std::string file, std::string path) : h_(std::move(h)), file_(std::move(file)), path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

  bool exists(const std::string& name) const;
  std::vector<std::string> children() const;  // sorted by name
  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  void remove(const std::string& name);

  // Attributes (scalars, strings, string lists).
  bool has_attr(const std::string& name) const;
  void set_attr(const std::string& name, const std::string& value);
  void set_attr(const std::string& name, const char* value) { set_attr(name, std::string(value)); }
  void set_attr(const std::string& name, int64_t value);
  void set_attr(const std::string& name, double value);
  void set_attr(const std::string& name, const std::vector<std::string>& values);
  std::string attr_string(const std::string& name) const;
  int64_t attr_int(const std::string& name) const;
  double attr_double(const std::string& name) const;
  std::vector<std::string> attr_strings(const std::string& name) const;

  // Datasets. Matrices are chunked and deflated when they have more than one row.
  void write_matrix(const std::string& name, const Matrix& m);
  Matrix read_matrix(const std::string& name) const;
  void write_doubles(const std::string& name, const std::vector<double>& v);
  std::vector<double> read_doubles(const std::string& name) const;
  void write_ints(const std::string& name, const std::vector<int64_t>& v);
  std::vector<int64_t> read_ints(const std::string& name) const;
  void write_strings(const std::string& name, const std::vector<std::string>& v);
  std::vector<std::string> read_strings(const std::string& name) const;
  // Attributes on a dataset (units, column names).
  void set_dataset_attr(const std::string& dataset, const std::string& attr, const std::vector<std::string>& values);
  void set_dataset_attr(const std::string& dataset, const std::string& attr, const std::string& value);
  std::vector<std::string> dataset_attr_strings(const std::string& dataset, const std::string& attr) const;
  std::string dataset_attr_string(const std::string& dataset, const std::string& attr) const;

 protected:
  std::string where(const std::string& name = "") const;
  Handle h_;
  std::string file_;
  std::string path_;
};

class File : public Group {
 public:
  enum class Mode { ReadOnly, ReadWrite, Truncate };
  File(const std::string& path, Mode mode);
  void flush();
};

// Silences HDF5's own error printing once per process; we report errors ourselves.
void quiet_hdf5_errors();

// The first check of a file from outside, with plain reads before libhdf5
// sees it: the HDF5 signature at offset 0 or at a user-block offset (512,
// 1024, ... as HDF5 searches), a superblock version HDF5 1.10 knows (0-3),
// offset and length sizes of 2, 4, 8, 16 or 32 bytes, and a file long enough
// to hold that superblock. Throws dynfault::Error naming `path`. Every
// read-only open runs it.
void check_signature(const std::string& path);

}  // namespace dynfault::h5
