#include "report/paper_values.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_fields.h"
#include "core/text.h"

namespace dynfault::report {

extern const char* const kPaperValuesJson;  // generated from docs/paper-values.json

const PaperValues& PaperValues::embedded() {
  static const PaperValues values = parse(kPaperValuesJson, "docs/paper-values.json");
  return values;
}

PaperValues PaperValues::parse(const std::string& json_text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(where, std::string("corrupt JSON (") + e.what() + ")");
  }
  PaperValues out;
  const nlohmann::json& source = required(j, "source", where);
  out.citation_ = field<std::string>(source, "title", where) + ", arXiv " + field<std::string>(source, "arxiv", where) +
                  " (" + field<std::string>(source, "licence", where) + ")";
  for (const nlohmann::json& v : field<nlohmann::json>(j, "values", where)) {
    PaperValue p;
    p.id = field<std::string>(v, "id", where);
    const std::string at = where + " (" + p.id + ")";
    p.artefact = field<std::string>(v, "artefact", at);
    p.section = field<std::string>(v, "section", at);
    p.quantity = field<std::string>(v, "quantity", at);
    p.text = optional_field<std::string>(v, "text", "", at);
    if (!required(v, "value", at).is_null()) p.value = field<double>(v, "value", at);
    if (v.contains("ci")) {
      const auto ci = field<std::vector<double>>(v, "ci", at);
      if (ci.size() != 2) throw Error(at, "field 'ci' needs two numbers");
      p.ci_low = ci[0], p.ci_high = ci[1];
    }
    if (v.contains("k")) p.k = field<int>(v, "k", at);
    if (out.find(p.id)) throw Error(at, "id given twice");
    out.values_.push_back(std::move(p));
  }
  return out;
}

const PaperValue* PaperValues::find(const std::string& id) const {
  for (const auto& v : values_)
    if (v.id == id) return &v;
  return nullptr;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return format_fixed(v, 0);  // counts (and exact 0, 1)
  if (std::fabs(v) >= 1000) {  // magnitudes such as a median HVP: 4 significant digits
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
  }
  return format_fixed(v, 3);
}

std::string format_ci(double value, double low, double high) {
  if (std::isnan(low) || std::isnan(high)) return format_value(value);
  return format_value(value) + " [" + format_value(low) + ", " + format_value(high) + "]";
}

Comparison compare(const PaperValue& p, double value, double low, double high, std::optional<int> k) {
  Comparison c;
  if (!p.value) {
    c.paper = p.text;
    c.verdict = "qualitative in the paper";
    return c;
  }
  c.paper = p.ci_low ? format_ci(*p.value, *p.ci_low, *p.ci_high) : format_value(*p.value);
  if (std::isnan(value)) {
    c.verdict = "no value here";
  } else if (p.k && k && *p.k != *k) {
    c.verdict = "not compared: paper k = " + std::to_string(*p.k) + ", here k = " + std::to_string(*k);
  } else if (!std::isnan(low) && !std::isnan(high)) {
    c.differs = *p.value < low || *p.value > high;
    c.verdict = c.differs ? "differs: paper value outside our CI" : "within our CI";
  } else if (p.ci_low) {
    c.differs = value < *p.ci_low || value > *p.ci_high;
    c.verdict = c.differs ? "differs: our value outside the paper's CI" : "within the paper's CI";
  } else {
    c.verdict = "no CI to test";
  }
  return c;
}

}  // namespace dynfault::report
