#pragma once
// Write-to-temporary-then-rename, so a reader never sees a half-written file and
// a crash never destroys what was there before.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dynfault {

class AtomicFile {
 public:
  explicit AtomicFile(std::string final_path);
  ~AtomicFile();  // removes the temporary unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Where to write: a unique name in the same directory as the final path.
  const std::string& temp_path() const { return temp_; }
  const std::string& final_path() const { return final_; }

  // fsyncs the temporary, renames it over the final path and fsyncs the directory.
  void commit();

 private:
  std::string final_;
  std::string temp_;
  bool committed_ = false;
};

// The name to show for a path that may be an AtomicFile temporary: the final
// path ("out.h5.tmp.123.0" -> "out.h5"); any other path as it is.
std::string shown_path(const std::string& path);

// Fails early (before any work) when `path` could not be written as a file:
// its directory is missing, or it is a directory.
void check_output_file(const std::string& path);

// Convenience: writes `content` to `path` atomically.
void write_file_atomically(const std::string& path, const std::string& content);

// Writes `content` to `path` (created or truncated) and fsyncs it, in place:
// for files inside a staging directory that is renamed into place as a whole.
// A failed write throws StorageError (ENOSPC, EDQUOT, EIO) or Error, both
// naming `name` (default: `path`).
void write_file(const std::string& path, const std::string& content, const std::string& name = "");

// Reads a whole text file; throws dynfault::Error naming the path.
std::string read_text_file(const std::string& path);

// Calls fn(line, terminated, end) for each line of a text file in order, reading it in chunks so a
// journal of hundreds of megabytes is never held whole: `line` without its '\n', `terminated`
// false only for a last line without one (a torn write), `end` the file offset just after the line.
// A file that ends in '\n' has no empty last line. Throws dynfault::Error naming the path.
void for_each_line(const std::string& path,
                   const std::function<void(std::string_view line, bool terminated, uint64_t end)>& fn);

}  // namespace dynfault
