#pragma once
// The runner's probes as the torch-free stages see them: name, help and the
// channels of each probe's evaluation set. Generated at configure time from
// the DYNFAULT_PROBE / DYNFAULT_PROBE_CHANNELS lines of runner/probes/*.cpp
// (core/CMakeLists.txt), so `--probes` is validated and evaluate's channel sets
// are formed without LibTorch, and a new probe is listed by its own file.
#include <string>
#include <string_view>
#include <vector>

namespace dynfault {

struct ProbeDeclaration {
  std::string name;
  std::string help;
  // Names, or prefixes ending in '*'. Besides what the probe writes, the
  // published columns (V1/V2 imports) of the same measurements.
  std::vector<std::string> channels;
  bool claims(const std::string& channel) const;
};

// Sorted by name, the order of a ProbeSet's text form.
const std::vector<ProbeDeclaration>& probe_catalogue();
const ProbeDeclaration* find_probe(std::string_view name);  // nullptr when unknown
// What --probes accepts, for help texts and errors: "a comma-separated list of cf, of, or none".
std::string probe_choices();

}  // namespace dynfault
