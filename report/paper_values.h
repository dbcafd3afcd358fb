#pragma once
// The seed paper's published numbers (docs/paper-values.json, compiled into the
// binary), and the comparison the report prints beside each result.
#include <optional>
#include <string>
#include <vector>

namespace dynfault::report {

struct PaperValue {
  std::string id, artefact, section, quantity, text;
  std::optional<double> value;                 // none: the paper states a qualitative result
  std::optional<double> ci_low, ci_high;       // the paper's 95 % CI, if it gives one
  std::optional<int> k;                        // the window the paper used, if it says
};

class PaperValues {
 public:
  static const PaperValues& embedded();  // docs/paper-values.json as built into the binary
  static PaperValues parse(const std::string& json_text, const std::string& where);
  const PaperValue* find(const std::string& id) const;
  const std::vector<PaperValue>& all() const { return values_; }
  const std::string& citation() const { return citation_; }

 private:
  std::vector<PaperValue> values_;
  std::string citation_;
};

// A result beside the paper's value.
struct Comparison {
  std::string paper;     // "0.469 [0.343, 0.545]" or the paper's words
  std::string verdict;   // "within our CI", "differs: ...", "not compared: ..."
  bool differs = false;  // the paper's value lies outside our CI (or ours outside the paper's, when we have none)
};

// `k` is the window of our result (nullopt when the quantity has none).
Comparison compare(const PaperValue& paper, double value, double ci_low, double ci_high, std::optional<int> k);

// "0.469", "5,542"-free plain numbers: integers print without decimals, others with three.
std::string format_value(double v);
std::string format_ci(double value, double low, double high);

}  // namespace dynfault::report
