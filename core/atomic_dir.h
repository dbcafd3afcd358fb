#pragma once
// A whole output directory written atomically (evaluate results, reports): every file is staged in a
// sibling temporary directory (each with core/atomic_file.h), and only when all
// are written is the directory renamed into place (an existing one is replaced
// the same way). A failure leaves no partial results and the old ones intact.
#include <map>
#include <string>

namespace dynfault {

// Fails early (before any work) when `dir` could not be written: its parent
// is missing or it exists as a file.
void check_output_directory(const std::string& dir);

// files: relative path (may contain '/') -> content.
void write_directory_atomically(const std::string& dir, const std::map<std::string, std::string>& files);

}  // namespace dynfault
