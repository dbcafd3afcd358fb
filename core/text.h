#pragma once
// Text formatting shared by every stage, so numbers and lists print the same
// way in every file and message.
#include <string>
#include <vector>

namespace dynfault {

// printf's "%.17g": round-trips every double (result tables, dumps).
std::string format_g17(double value);

// printf's "%g": short labels such as thresholds ("1e+06", "1000").
std::string format_g(double value);

// printf's "%.<decimals>f" (tables for people: "0.469"); NaN gives "n/a".
std::string format_fixed(double value, int decimals);

// printf's "%.<digits>g" (values spanning decades: "764.5", "1.139e+09"); NaN gives "n/a".
std::string format_significant(double value, int digits);

// The names of a comma-separated option ("cat4,,fam3" -> {"cat4", "fam3"}):
// empty items are dropped.
std::vector<std::string> split_names(const std::string& text);

// "a, b, c" (or joined with `separator`), for messages and tables.
std::string joined(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace dynfault
