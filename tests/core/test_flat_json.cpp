// FlatJson (core/flat_json.h) must accept exactly the JSON objects with members that nlohmann's
// parser accepts, with the same members and types, whether its fast path or nlohmann reads the text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/flat_json.h"

using dynfault::FlatJson;

namespace {

// nlohmann's verdict: the members of `text` if it is an object with members, else none.
bool reference(const std::string& text, nlohmann::json& out) {
  out = nlohmann::json::parse(text, nullptr, false);
  return out.is_object() && !out.empty();
}

void expect_same(const std::string& text) {
  SCOPED_TRACE(text);
  nlohmann::json want;
  const bool flat = reference(text, want);
  FlatJson got;
  ASSERT_EQ(got.parse(text), flat);
  if (!flat) return;
  for (const auto& [k, v] : got.members) EXPECT_TRUE(want.contains(k)) << k;
  for (const auto& [k, v] : want.items()) {
    const nlohmann::json* mine = got.find(k.c_str());
    ASSERT_NE(mine, nullptr) << k;
    EXPECT_EQ(*mine, v) << k;
    EXPECT_EQ(mine->type(), v.type()) << k;  // uint vs int vs float, as nlohmann types them
  }
}

}  // namespace

TEST(FlatJson, AgreesWithNlohmannOnRecordsAndEdgeCases) {
  for (const std::string& text : std::vector<std::string>{
           // what the journal and status.jsonl writers produce
           R"({"attempts":1,"batch":"batch-000001.dfb","checksum":"a5943ae3266644d5","status":"ok","task":"p.orig.r000","type":"done"})",
           R"({"attempt":1,"host":"vm","id":"x.r001","rank":2,"seconds":5.670997779816389e-06,"start":1796656953.2634602})",
           R"({"killed":true,"label":"","n_original":20,"x":null,"y":false})",
           // whitespace, numbers at their limits and in every JSON form
           " { \"a\" : 1 , \"b\":\t-2 }\n", R"({"a":0,"b":-0,"c":0.5,"d":-1.25e-3,"e":1E5,"f":2e+2})",
           R"({"u":18446744073709551615,"i":-9223372036854775808,"big":18446744073709551616,"tiny":1e-400})",
           R"({"huge":1e999})",
           // text the fast path leaves to nlohmann: escapes, UTF-8, control bytes
           R"({"a":"tab\tquote\"","b":"\u00e9"})", "{\"a\":\"caf\xc3\xa9\"}", "{\"a\":\"bad\xff\"}",
           std::string("{\"a\":\"nul\x01\"}"),
           // objects with nested members (nlohmann reads them whole), then what is no object with
           // members, or no JSON
           R"({"a":[1],"b":{"c":"d"},"e":2})", R"({"a":{"b":1}})",
           "{}", "[]", "[1,2]", "7", "\"s\"", "null", R"({"a":1,})", R"({"a":1} x)",
           R"({"a":01})", R"({"a":1.})", R"({"a":.5})", R"({"a":-})", R"({"a":1e})", R"({"a":tru})", R"({"a" 1})",
           R"({a:1})", R"({"a":1)", R"({"a":"unterminated)", "", "   ", R"({"a":1,"a":2})"}) {
    expect_same(text);
  }
}

TEST(FlatJson, FieldsNameTheKeyAndTheProblem) {
  FlatJson j;
  ASSERT_TRUE(j.parse(R"({"n":"x","k":3})"));
  EXPECT_EQ(dynfault::flat_field<int>(j, "k", "f"), 3);
  EXPECT_EQ(dynfault::optional_flat_field<int>(j, "absent", 9, "f"), 9);
  try {
    dynfault::flat_field<int>(j, "n", "journal.log: line 4");
    FAIL();
  } catch (const dynfault::Error& e) {
    EXPECT_STREQ(e.what(), "journal.log: line 4: field 'n' has the wrong type (string)");
  }
  try {
    dynfault::flat_field<int>(j, "m", "journal.log: line 4");
    FAIL();
  } catch (const dynfault::Error& e) {
    EXPECT_STREQ(e.what(), "journal.log: line 4: missing field 'm'");
  }
}
