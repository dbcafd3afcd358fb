#pragma once
// SHA-256 (FIPS 180-4), the checksum the report prints for a corpus so a reader
// can compare it with `sha256sum corpus.h5`. Streams files in blocks.
#include <string>

namespace dynfault {

// Lower-case hex digest of `data`.
std::string sha256_hex(const std::string& data);

// Lower-case hex digest of a file's bytes; throws dynfault::Error naming the path.
std::string sha256_file_hex(const std::string& path);

}  // namespace dynfault
