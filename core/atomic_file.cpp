#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace dynfault {
namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A file's fsync must succeed: on NFS and under quotas a full disk is often
// reported only here. A directory's is best effort (some filesystems refuse
// directory fds).
void fsync_path(const std::string& path, bool directory, const std::string& name) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (directory) return;
    throw_write_error(name, "cannot reopen the written file to fsync it", errno);
  }
  if (::fsync(fd) != 0 && !directory) {
    const int err = errno;
    ::close(fd);
    throw_write_error(name, "fsync failed", err);
  }
  ::close(fd);
}

}  // namespace

std::string shown_path(const std::string& path) {
  // <final>.tmp.<pid>.<counter>, as the constructor below names it.
  const auto last = path.rfind('.');
  if (last == std::string::npos || last + 1 == path.size()) return path;
  const auto middle = path.rfind('.', last - 1);
  if (middle == std::string::npos || middle < 4 || path.compare(middle - 4, 5, ".tmp.") != 0) return path;
  auto digits = [&](size_t from, size_t to) {
    if (from >= to) return false;
    for (size_t i = from; i < to; ++i)
      if (path[i] < '0' || path[i] > '9') return false;
    return true;
  };
  if (!digits(middle + 1, last) || !digits(last + 1, path.size())) return path;
  return path.substr(0, middle - 4);
}

AtomicFile::AtomicFile(std::string final_path) : final_(std::move(final_path)) {
  static std::atomic<unsigned> counter{0};
  temp_ = final_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicFile::commit() {
  fsync_path(temp_, false, final_);
  if (std::rename(temp_.c_str(), final_.c_str()) != 0)
    throw_write_error(final_, "cannot rename temporary file into place", errno);
  committed_ = true;
  fsync_path(dir_of(final_), true, final_);
}

void write_file(const std::string& path, const std::string& content, const std::string& name) {
  const std::string shown = name.empty() ? shown_path(path) : name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_write_error(shown, "cannot open for writing", errno);
  for (size_t off = 0; off < content.size();) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      throw_write_error(shown, "write failed", err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    throw_write_error(shown, "fsync failed", err);
  }
  if (::close(fd) != 0) throw_write_error(shown, "write failed", errno);
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicFile file(path);
  write_file(file.temp_path(), content, path);
  file.commit();
}

namespace {

// Appends up to `chunk` bytes of `fd` to `out` in one read; returns how many (0 at the end).
size_t read_some(int fd, const std::string& path, std::string& out, size_t chunk) {
  const size_t used = out.size();
  out.resize(used + chunk);
  ssize_t n;
  do {
    n = ::read(fd, &out[used], chunk);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int e = errno;
    out.resize(used);
    throw Error(path, std::string("cannot read: ") + std::strerror(e));
  }
  out.resize(used + static_cast<size_t>(n));
  return static_cast<size_t>(n);
}

struct ReadFd {
  int fd;
  explicit ReadFd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd < 0) throw Error(path, "cannot open for reading");
  }
  ~ReadFd() { ::close(fd); }
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
};

}  // namespace

std::string read_text_file(const std::string& path) {
  const ReadFd in(path);
  struct stat st {};
  std::string out;
  // One read of the whole size when it is known (a journal or plan of hundreds of megabytes is not
  // grown and copied by doubling); files that report no size (/proc) are read in chunks.
  const size_t size = ::fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  out.reserve(size + 1);
  for (;;) {
    const size_t want = out.size() < size ? size - out.size() + 1 : size_t{1} << 16;
    if (read_some(in.fd, path, out, want) == 0) return out;
  }
}

void for_each_line(const std::string& path,
                   const std::function<void(std::string_view line, bool terminated, uint64_t end)>& fn) {
  const ReadFd in(path);
  constexpr size_t kChunk = size_t{4} << 20;
  std::string buffer;
  uint64_t offset = 0;  // file offset of buffer[0]
  bool eof = false;
  size_t pos = 0;
  while (!eof || pos < buffer.size()) {
    const size_t nl = buffer.find('\n', pos);
    if (nl != std::string::npos) {
      fn(std::string_view(buffer).substr(pos, nl - pos), true, offset + nl + 1);
      pos = nl + 1;
      continue;
    }
    if (eof) {  // a last line without its newline
      fn(std::string_view(buffer).substr(pos), false, offset + buffer.size());
      break;
    }
    buffer.erase(0, pos);  // keep the partial line, read more after it
    offset += pos;
    pos = 0;
    eof = read_some(in.fd, path, buffer, kChunk) == 0;
  }
}

void check_output_file(const std::string& path) {
  struct stat st {};
  const std::string dir = dir_of(path);
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error(path, "output directory '" + dir + "' does not exist");
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw Error(path, "is a directory");
}

}  // namespace dynfault
