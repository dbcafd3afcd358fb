// SHA-256 against the FIPS 180-4 examples and a multi-block file.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/sha256.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;

TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FileOfAMillionAs) {
  dynfault_test::TempDir dir("sha256");
  const std::string path = dir / "a.bin";
  std::ofstream(path, std::ios::binary) << std::string(1000000, 'a');
  EXPECT_EQ(sha256_file_hex(path), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_THROW(sha256_file_hex(dir / "missing"), Error);
}
