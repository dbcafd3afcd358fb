#pragma once
// Vocabulary shared by every stage: architectures, fault categories, probe sets,
// data scales. Each has one canonical spelling used in specs, traces and CLIs.
#include <array>
#include <set>
#include <string>
#include <string_view>

namespace dynfault {

enum class Architecture { FFNN, RNN, CNN };
inline constexpr std::array<Architecture, 3> kAllArchitectures = {Architecture::FFNN, Architecture::RNN,
                                                                  Architecture::CNN};

// DeepCrime's seven non-data fault categories. The published Deep4ge traces use
// the capitalised names "Hyperparameter", "Layer", "Loss", "Optimization"; we
// use the same spelling everywhere.
enum class FaultCategory { Hyperparameter, Loss, Activation, Layer, Optimization, Weight, Regularization };
inline constexpr std::array<FaultCategory, 7> kAllCategories = {
    FaultCategory::Hyperparameter, FaultCategory::Loss,   FaultCategory::Activation,
    FaultCategory::Layer,          FaultCategory::Optimization, FaultCategory::Weight,
    FaultCategory::Regularization};

// How much of a program's original data and sequence length a run uses.
//   full    - as the original program
//   reduced - samples and sequence lengths capped for small machines
//   smoke   - tiny, for tests: also caps epochs
// Tiny: smoke's sample caps with the program's full epochs, for regenerating a
// corpus on a workstation (docs/run.md). Appended last: the value is serialised.
enum class Scale { Full, Reduced, Smoke, Tiny };

// The CF/OF probes' defaults (--hvp-vectors, --probe-batch), chosen by measured
// error (docs/run.md#choosing-k-and-p). Files record other values only.
inline constexpr int kDefaultHvpVectors = 4;
inline constexpr int kDefaultProbeBatch = 64;

// Which per-epoch probes a run records: names from the probe catalogue
// (core/probe_catalogue.h; today cf = curvature, of = optimizer/system).
struct ProbeSet {
  std::set<std::string> names;
  bool has(const std::string& name) const { return names.count(name) > 0; }
  bool operator==(const ProbeSet& o) const { return names == o.names; }
};

std::string to_string(Architecture a);
std::string to_string(FaultCategory c);
std::string to_string(Scale s);
std::string to_string(const ProbeSet& p);  // the names in order joined by ",": "cf,of", "cf", ...; or "none"

// Parsers throw dynfault::Error naming `where` and the bad value.
Architecture parse_architecture(std::string_view text, const std::string& where = "");
FaultCategory parse_category(std::string_view text, const std::string& where = "");
Scale parse_scale(std::string_view text, const std::string& where = "");
ProbeSet parse_probes(std::string_view text, const std::string& where = "");  // names checked against the catalogue

// Sample/length/epoch caps applied by a scale (Full has none: all -1).
struct ScaleCaps {
  long max_train = -1;
  long max_val = -1;
  long max_sequence = -1;
  int max_epochs = -1;
};
ScaleCaps caps_for(Scale s);

}  // namespace dynfault
