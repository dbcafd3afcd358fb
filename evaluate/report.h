#pragma once
// Result cells (a value with its CI) and their formatting, shared by the
// analyses' renderers: CSV cells "%.17g" (empty when undefined), JSON null for
// NaN, three decimals (or four significant digits) in Markdown.
#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace dynfault::evaluate {

struct Cell {
  double value, low, high;  // CI bounds NaN without bootstrap
};

inline std::string num(double v) { return std::isnan(v) ? "" : format_g17(v); }
inline std::string num3(double v) { return format_fixed(v, 3); }
// Four significant digits, for Markdown cells whose scale spans decades (curvature).
inline std::string sig4(double v) { return format_significant(v, 4); }
inline std::string ci3(const Cell& c) {
  if (std::isnan(c.low)) return num3(c.value);
  return num3(c.value) + " [" + num3(c.low) + ", " + num3(c.high) + "]";
}
inline nlohmann::json jnum(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }
inline nlohmann::json jcell(const Cell& c) {
  return {{"value", jnum(c.value)}, {"ci_low", jnum(c.low)}, {"ci_high", jnum(c.high)}};
}
inline std::string cell_csv(const Cell& c) { return num(c.value) + "," + num(c.low) + "," + num(c.high); }
// An analysis's run.json text. Runs a triage rule stopped, which load_runs left
// out, are counted under "runs_skipped_terminated" only when there are any (so
// ordinary results keep their bytes); report/ adds them to the runs accounted.
inline std::string run_json_text(nlohmann::json run, size_t skipped_terminated) {
  if (skipped_terminated) run["runs_skipped_terminated"] = skipped_terminated;
  return run.dump(2) + "\n";
}
inline std::string cell_header(const std::string& p) { return p + "," + p + "_ci_low," + p + "_ci_high"; }

}  // namespace dynfault::evaluate
