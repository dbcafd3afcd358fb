#include "core/csv.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace dynfault {

std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& where) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  const size_t n = text.size();
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  int64_t line = 1;
  auto at_line_end = [&](size_t k) { return k >= n || text[k] == '\n' || text[k] == '\r'; };
  auto skip_line_end = [&] {
    if (i < n && text[i] == '\r') ++i;
    if (i < n && text[i] == '\n') ++i;
    ++line;
  };
  while (i < n) {
    CsvRecord record;
    record.line = line;
    // One record: fields until an unquoted line end.
    while (true) {
      std::string field;
      if (i < n && text[i] == '"') {
        const int64_t opened_on = line;
        ++i;
        while (true) {
          if (i >= n) throw Error(where, "line " + std::to_string(opened_on) + ": unterminated quoted field");
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        if (!at_line_end(i) && text[i] != ',')
          throw Error(where, "line " + std::to_string(line) + ", column " + std::to_string(record.fields.size() + 1) +
                                 ": text after a closing quote");
      } else {
        while (!at_line_end(i) && text[i] != ',') field += text[i++];
      }
      record.fields.push_back(std::move(field));
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      skip_line_end();
      break;
    }
    records.push_back(std::move(record));
  }
  // Trailing blank lines (a lone empty field) are not records.
  while (!records.empty() && records.back().fields.size() == 1 && records.back().fields[0].empty()) records.pop_back();
  return records;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string format_python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  const bool negative = sci[0] == '-';
  std::string digits;
  for (size_t k = negative ? 1 : 0; k < e_pos; ++k)
    if (sci[k] != '.') digits += sci[k];
  const int exponent = std::atoi(sci.c_str() + e_pos + 1);
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += exponent < 0 ? "e-" : "e+";
    const std::string mag = std::to_string(std::abs(exponent));
    out += (mag.size() < 2 ? "0" : "") + mag;
    return out;
  }
  if (exponent < 0) return out + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  const size_t int_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= int_digits) return out + digits + std::string(int_digits - digits.size(), '0') + ".0";
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (*first == '+') {  // from_chars rejects a leading '+'
    ++first;
    if (first == last || *first == '-' || *first == '+') return false;
  }
  const auto res = std::from_chars(first, last, value, std::chars_format::general);
  return res.ec == std::errc() && res.ptr == last;
}

}  // namespace dynfault
