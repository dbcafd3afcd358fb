#include "core/domain.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/probe_catalogue.h"

namespace dynfault {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string to_string(Architecture a) {
  switch (a) {
    case Architecture::FFNN: return "FFNN";
    case Architecture::RNN: return "RNN";
    case Architecture::CNN: return "CNN";
  }
  return "?";
}

std::string to_string(FaultCategory c) {
  switch (c) {
    case FaultCategory::Hyperparameter: return "Hyperparameter";
    case FaultCategory::Loss: return "Loss";
    case FaultCategory::Activation: return "Activation";
    case FaultCategory::Layer: return "Layer";
    case FaultCategory::Optimization: return "Optimization";
    case FaultCategory::Weight: return "Weight";
    case FaultCategory::Regularization: return "Regularization";
  }
  return "?";
}

std::string to_string(Scale s) {
  switch (s) {
    case Scale::Full: return "full";
    case Scale::Reduced: return "reduced";
    case Scale::Smoke: return "smoke";
    case Scale::Tiny: return "tiny";
  }
  return "?";
}

std::string to_string(const ProbeSet& p) {
  if (p.names.empty()) return "none";
  std::string out;
  for (const auto& name : p.names) out += (out.empty() ? "" : ",") + name;
  return out;
}

Architecture parse_architecture(std::string_view text, const std::string& where) {
  const std::string t = lower(text);
  if (t == "ffnn" || t == "fnn") return Architecture::FFNN;
  if (t == "rnn") return Architecture::RNN;
  if (t == "cnn") return Architecture::CNN;
  throw Error(where, "unknown architecture '" + std::string(text) + "' (expected FFNN, RNN or CNN)");
}

FaultCategory parse_category(std::string_view text, const std::string& where) {
  const std::string t = lower(text);
  for (FaultCategory c : kAllCategories)
    if (lower(to_string(c)) == t) return c;
  // Accepted synonyms from the literature.
  if (t == "optimizer" || t == "optimiser") return FaultCategory::Optimization;
  if (t == "weights" || t == "weight_initialisation" || t == "weight_initialization") return FaultCategory::Weight;
  if (t == "regularisation") return FaultCategory::Regularization;
  throw Error(where, "unknown fault category '" + std::string(text) +
                         "' (expected Hyperparameter, Loss, Activation, Layer, Optimization, Weight or Regularization)");
}

Scale parse_scale(std::string_view text, const std::string& where) {
  const std::string t = lower(text);
  if (t == "full") return Scale::Full;
  if (t == "reduced") return Scale::Reduced;
  if (t == "smoke") return Scale::Smoke;
  if (t == "tiny") return Scale::Tiny;
  throw Error(where, "unknown scale '" + std::string(text) + "' (expected full, reduced, tiny or smoke)");
}

ProbeSet parse_probes(std::string_view text, const std::string& where) {
  ProbeSet p;
  const std::string t = lower(text);
  if (t == "none" || t.empty()) return p;
  size_t start = 0;
  while (start <= t.size()) {
    size_t end = t.find(',', start);
    if (end == std::string::npos) end = t.size();
    const std::string item = t.substr(start, end - start);
    if (!find_probe(item)) throw Error(where, "unknown probe '" + item + "' (expected " + probe_choices() + ")");
    p.names.insert(item);
    start = end + 1;
  }
  return p;
}

ScaleCaps caps_for(Scale s) {
  switch (s) {
    case Scale::Full: return {};
    case Scale::Reduced: return {512, 128, 64, -1};
    case Scale::Smoke: return {64, 32, 16, 3};
    case Scale::Tiny: return {64, 32, 16, -1};
  }
  return {};
}

}  // namespace dynfault
