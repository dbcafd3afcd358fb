#pragma once
// Vocabulary shared by every stage: architectures, fault categories, probe sets,
// data scales. Each has one canonical spelling used in specs, traces and CLIs.
#include <array>
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
enum class Scale { Full, Reduced, Smoke };

// Which per-epoch probes a run records (both may be on).
struct ProbeSet {
  bool cf = false;  // curvature: Hessian-vector products
  bool of = false;  // optimizer, activation and system metrics
  bool operator==(const ProbeSet& o) const { return cf == o.cf && of == o.of; }
};

std::string to_string(Architecture a);
std::string to_string(FaultCategory c);
std::string to_string(Scale s);
std::string to_string(ProbeSet p);  // "cf,of", "cf", "of" or "none"

// Parsers throw dynfault::Error naming `where` and the bad value.
Architecture parse_architecture(std::string_view text, const std::string& where = "");
FaultCategory parse_category(std::string_view text, const std::string& where = "");
Scale parse_scale(std::string_view text, const std::string& where = "");
ProbeSet parse_probes(std::string_view text, const std::string& where = "");

// Sample/length/epoch caps applied by a scale (Full has none: all -1).
struct ScaleCaps {
  long max_train = -1;
  long max_val = -1;
  long max_sequence = -1;
  int max_epochs = -1;
};
ScaleCaps caps_for(Scale s);

}  // namespace dynfault
