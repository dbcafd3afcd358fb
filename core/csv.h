#pragma once
// CSV reading and writing, the one implementation every stage uses (the
// published trace layout in collect/, result tables in evaluate/): RFC 4180
// quoting, CRLF/LF/mixed line endings, and Python-compatible float printing so
// exported files match files written by Python (pandas / csv module).
#include <cstdint>
#include <string>
#include <vector>

namespace dynfault {

struct CsvRecord {
  int64_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

// Parses CSV text: ',' separators, "..." quoting with "" escapes (quoted fields
// may span lines), CRLF or LF line endings in any mix, an optional UTF-8 BOM.
// Blank lines at the end are ignored. `where` (the file) prefixes errors.
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& where);

// Quotes a field when it holds ',', '"' or a line break.
std::string csv_field(const std::string& text);

// Python's repr(float): shortest round-trip digits, fixed notation for
// 1e-4 <= |v| < 1e16 with at least one decimal ("1.0"), else "1e-05" style;
// "nan", "inf", "-inf".
std::string format_python_float(double value);

// Parses a numeric cell: decimal or exponent notation, nan/inf (any case, with
// sign); the whole text must be consumed. Returns false if it is not a number.
bool parse_number(const std::string& text, double& value);

}  // namespace dynfault
