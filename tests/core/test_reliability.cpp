// Storage errors, the HDF5 signature check and the isolated reader
// (docs/reliability.md). The full-disk behaviour of whole commands is
// tests/integration/disk_full.sh; here the pieces, with /dev/full (every
// write fails with ENOSPC) as the full disk.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/h5.h"
#include "core/isolate.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;

TEST(StorageErrors, AFullDiskIsAStorageErrorNamingTheFile) {
  try {
    write_file("/dev/full", "some bytes", "out/corpus.h5");
    FAIL() << "a write to /dev/full must fail";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.error_number(), ENOSPC);
    EXPECT_EQ(std::string(e.what()).rfind("out/corpus.h5: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(is_storage_errno(EDQUOT));
  EXPECT_TRUE(is_storage_errno(EIO));
  EXPECT_FALSE(is_storage_errno(EACCES));
  // Other failures stay ordinary errors (exit 1), with their reason.
  try {
    write_file("/nonexistent-dir/x", "y");
    FAIL();
  } catch (const StorageError&) {
    FAIL() << "ENOENT is not a storage error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
}

TEST(StorageErrors, AtomicWriteLeavesTheOldFileWhenItFails) {
  const dynfault_test::TempDir dir;
  const std::string path = dir / "out.txt";
  write_file_atomically(path, "old");
  EXPECT_EQ(read_text_file(path), "old");
  write_file_atomically(path, "new");
  EXPECT_EQ(read_text_file(path), "new");
}

TEST(Hdf5Signature, RefusesWhatIsNotHdf5BeforeLibhdf5SeesIt) {
  const dynfault_test::TempDir dir;
  auto message = [](const std::string& path) {
    try {
      h5::check_signature(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::ofstream(dir / "text.h5") << "not a corpus";
  EXPECT_EQ(message(dir / "text.h5"), dir / "text.h5" + ": not an HDF5 file (no HDF5 signature)");
  const std::string signature("\x89HDF\r\n\x1a\n", 8);
  std::ofstream(dir / "v9.h5", std::ios::binary) << signature << '\x09' << std::string(100, '\0');
  EXPECT_NE(message(dir / "v9.h5").find("superblock version 9 is unknown"), std::string::npos);
  std::ofstream(dir / "sizes.h5", std::ios::binary) << signature << '\x02' << '\x07' << '\x08' << std::string(100, '\0');
  EXPECT_NE(message(dir / "sizes.h5").find("superblock is corrupt"), std::string::npos);
  std::ofstream(dir / "short.h5", std::ios::binary) << signature << '\x02' << '\x08' << '\x08';
  EXPECT_NE(message(dir / "short.h5").find("truncated"), std::string::npos);
  EXPECT_NE(message(dir / "missing.h5").find("not a readable HDF5 file"), std::string::npos);
  // A real file passes, also behind a 512-byte user block.
  {
    h5::File f(dir / "real.h5", h5::File::Mode::Truncate);
    f.set_attr("kind", std::string("test"));
    f.flush();
  }
  EXPECT_EQ(message(dir / "real.h5"), "");
  std::ifstream in(dir / "real.h5", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "userblock.h5", std::ios::binary) << std::string(512, 'u') << bytes;
  EXPECT_EQ(message(dir / "userblock.h5"), "");
}

TEST(Isolation, ACrashInTheReaderIsAOneLineError) {
  EXPECT_NO_THROW(run_isolated("f.h5", [] {}));
  try {
    run_isolated("f.h5", [] { throw Error("f.h5", "index column 'x' has the wrong length"); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "f.h5: index column 'x' has the wrong length");
  }
  try {
    run_isolated("f.h5", [] {
      ::signal(SIGSEGV, SIG_DFL);  // as an unhandled crash in libhdf5 (also under ASan, which handles SIGSEGV)
      ::raise(SIGSEGV);
    });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("f.h5: the reader crashed on this file (signal 11", 0), 0u) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

// read_text_file and for_each_line: whole files, lines across the reader's 4 MiB chunks, a torn
// last line, and the offsets the journal keeps as its valid prefix.
TEST(TextFiles, LinesAcrossChunksAndATornTail) {
  const std::string path = ::testing::TempDir() + "/dynfault_lines.txt";
  std::string text;
  for (int i = 0; i < 3; ++i) text += std::string(size_t(3) << 20, char('a' + i)) + "\n";  // straddles chunks
  text += "short\n\ntorn";
  std::ofstream(path, std::ios::binary) << text;
  EXPECT_EQ(read_text_file(path), text);
  std::vector<std::string> lines;
  std::vector<bool> terminated;
  std::vector<uint64_t> ends;
  for_each_line(path, [&](std::string_view line, bool t, uint64_t end) {
    lines.emplace_back(line);
    terminated.push_back(t);
    ends.push_back(end);
  });
  ASSERT_EQ(lines.size(), 6u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lines[i], std::string(size_t(3) << 20, char('a' + i)));
  EXPECT_EQ(lines[3], "short");
  EXPECT_EQ(lines[4], "");
  EXPECT_EQ(lines[5], "torn");
  EXPECT_EQ(terminated, (std::vector<bool>{true, true, true, true, true, false}));
  EXPECT_EQ(ends.back(), text.size());
  EXPECT_EQ(ends[3], text.size() - std::string("\ntorn").size());
  // Ending in a newline: no empty last line. An empty file: no line.
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "x\n";
  lines.clear();
  for_each_line(path, [&](std::string_view line, bool, uint64_t) { lines.emplace_back(line); });
  EXPECT_EQ(lines, std::vector<std::string>{"x"});
  std::ofstream(path, std::ios::binary | std::ios::trunc).flush();
  lines.clear();
  for_each_line(path, [&](std::string_view line, bool, uint64_t) { lines.emplace_back(line); });
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(read_text_file(path), "");
  EXPECT_THROW(for_each_line(path + ".missing", [](std::string_view, bool, uint64_t) {}), dynfault::Error);
  std::remove(path.c_str());
}
