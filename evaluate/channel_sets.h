#pragma once
// Named channel sets, so analyses can ablate groups of per-epoch channels.
//   baseline  train_loss, train_acc, val_loss, val_acc
//   <probe>   one per probe of the catalogue (core/probe_catalogue.h): baseline
//             + every channel the probe's DYNFAULT_PROBE_CHANNELS declares
//             (runner/probes/<probe>.cpp), but the trainer's sys_wall_seconds.
//             cf: cf_* + the published V1 curvature columns mean_hvp, hvp_std;
//             of: of_*, sys_* + learning_rate, grad_global_norm + the 11
//             extended columns of the published V2 schema. Per-layer series
//             are not features.
//   all       every channel but `epoch`
// A spec is a comma-separated list of set names and/or channel names, e.g.
// "baseline", "cf,of", "baseline,gradient_max".
#include <string>
#include <vector>

namespace dynfault::evaluate {

const std::vector<std::string>& baseline_channels();

struct ChannelSelection {
  std::string spec;
  std::vector<std::string> channels;  // baseline first (fixed order), then the rest by name
};

// corpus_channels: every channel name found in the evaluated runs. Throws
// dynfault::Error for an unknown name or a set with nothing in the corpus.
ChannelSelection resolve_channels(const std::string& spec, const std::vector<std::string>& corpus_channels);

}  // namespace dynfault::evaluate
