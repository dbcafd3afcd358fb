// Every `--seed` option is parsed one way (core/seed.h): the full unsigned range, nothing else.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/seed.h"

using namespace dynfault;

TEST(ParseSeed, AcceptsTheFullUnsignedRange) {
  EXPECT_EQ(parse_seed("--seed", "0"), 0u);
  EXPECT_EQ(parse_seed("--seed", "42"), 42u);
  EXPECT_EQ(parse_seed("--seed", "007"), 7u);
  EXPECT_EQ(parse_seed("--seed", "18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_seed("--seed", "4294967295", UINT32_MAX), UINT32_MAX);
}

TEST(ParseSeed, RejectsNegativesNonNumbersAndOverflowNamingTheOption) {
  for (const std::string bad : {"-1", "", "abc", "1e3", "+1", " 1", "1 ", "0x10", "1.0", "18446744073709551616",
                                "99999999999999999999999"}) {
    try {
      parse_seed("--seed", bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("--seed: ", 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  EXPECT_THROW(parse_seed("--seed", "4294967296", UINT32_MAX), Error);
}

TEST(ParseUnsigned, EnforcesTheMinimum) {
  EXPECT_EQ(parse_unsigned("--threads", "1", 1, 256), 1u);
  EXPECT_THROW(parse_unsigned("--threads", "0", 1, 256), Error);
  EXPECT_THROW(parse_unsigned("--threads", "257", 1, 256), Error);
}
