#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/csv.h"
#include "collect/published_schema.h"
#include "core/error.h"

using namespace dynfault;
using namespace dynfault::collect;

TEST(PythonFloat, MatchesPythonReprOnGoldenValues) {
  // golden/make_python_float_repr.py: repr() of 3026 doubles (edge cases,
  // random bit patterns, metric magnitudes, widened float32 values).
  std::ifstream in(std::string(DYNFAULT_COLLECT_GOLDEN_DIR) + "/python_float_repr.txt");
  ASSERT_TRUE(in) << "golden file missing";
  std::string hex, expected;
  size_t n = 0, mismatches = 0;
  while (in >> hex >> expected) {
    const uint64_t bits = std::stoull(hex, nullptr, 16);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    const std::string got = format_python_float(v);
    if (got != expected && ++mismatches <= 5) ADD_FAILURE() << hex << ": got " << got << ", Python " << expected;
    ++n;
  }
  EXPECT_EQ(n, 3026u);
  EXPECT_EQ(mismatches, 0u);
}

TEST(PythonFloat, ParsesBackExactly) {
  for (double v : {0.1, 1e-5, 123456.789, -2.5e300, 5e-324}) {
    double back;
    ASSERT_TRUE(parse_number(format_python_float(v), back));
    EXPECT_EQ(back, v);
  }
}

TEST(ParseNumber, AcceptsPublishedSpellingsAndRejectsJunk) {
  double v;
  EXPECT_TRUE(parse_number("nan", v) && std::isnan(v));
  EXPECT_TRUE(parse_number("NaN", v) && std::isnan(v));
  EXPECT_TRUE(parse_number("-inf", v) && std::isinf(v) && v < 0);
  EXPECT_TRUE(parse_number("Infinity", v) && std::isinf(v) && v > 0);
  EXPECT_TRUE(parse_number("+1.5", v) && v == 1.5);
  EXPECT_TRUE(parse_number("-3", v) && v == -3);
  EXPECT_TRUE(parse_number("1e-05", v) && v == 1e-05);
  for (const char* bad : {"", "abc", "1.5x", "1,5", "+-1", "--1", "0x10", " 1"}) EXPECT_FALSE(parse_number(bad, v)) << bad;
}

TEST(Csv, QuotesLineEndingsAndLineNumbers) {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\n"
      "2,\"two\nlines\",3\r\n"
      ",,\n"
      "\n\r\n";
  const auto records = parse_csv(text, "t.csv");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"2", "two\nlines", "3"}));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[3].line, 5);  // the quoted line break counted
  EXPECT_EQ(records[3].fields, (std::vector<std::string>{"", "", ""}));
}

TEST(Csv, RejectsUnterminatedQuoteAndTextAfterQuote) {
  try {
    parse_csv("a,b\n1,\"open\n", "bad.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bad.csv: line 2: unterminated quoted field");
  }
  try {
    parse_csv("a,b\n1,\"x\"y\n", "bad.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bad.csv: line 2, column 2: text after a closing quote");
  }
}

TEST(Csv, FieldQuotingRoundTrips) {
  const std::vector<std::string> fields = {"plain", "a,b", "say \"x\"", "two\nlines"};
  std::string line;
  for (const auto& f : fields) line += (line.empty() ? "" : ",") + csv_field(f);
  const auto records = parse_csv(line + "\n", "q.csv");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, fields);
}

TEST(PublishedSchema, ThirtyOneColumnsInPublishedOrder) {
  // The header from trace-metrics.md / the sample README, verbatim.
  EXPECT_EQ(published_header(),
            "epoch,train_loss,train_acc,val_loss,val_acc,large_weight_count,acc_gap_too_big,loss_oscillation,"
            "dying_relu,gradient_vanish,gradient_explode,decrease_acc_count,increase_loss_count,"
            "cons_mean_weight_count,cons_std_weight_count,nan_weight_count,nan_gradients_count,saturated_activation,"
            "mean_gradient,gradient_std,gradient_max,gradient_min,gradient_median,adjusted_lr,mean_activation,"
            "std_activation,mean_grad,std_grad,cpu_utilization,gpu_memory_utilization,memory_usage");
  ASSERT_EQ(published_columns().size(), 31u);
  // Only the three hardware columns are execution channels, and they are exactly those.
  std::vector<std::string> sys;
  for (const auto& c : published_columns())
    if (std::string(c.channel).rfind("sys_", 0) == 0) sys.push_back(c.channel);
  EXPECT_EQ(sys, (std::vector<std::string>{"sys_cpu_utilization", "sys_gpu_memory_utilization", "sys_memory_usage"}));
  EXPECT_EQ(published_column_of_channel("sys_memory_usage"), 30);
  EXPECT_EQ(published_column_of_channel("memory_usage"), -1);
  EXPECT_EQ(published_column_of_channel("adjusted_lr"), 23);
}
