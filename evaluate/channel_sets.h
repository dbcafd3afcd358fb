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

// The feature groups of the OF set, for RQ3's ablation (Fig. 12): the one table
// that says which channel belongs to which group (channel_sets.cpp). Names, or
// prefixes ending in '*'; dynfault's own channel and the published V2 column
// of the same measurement are in the same group.
struct ChannelGroup {
  std::string name;   // activation, system, gradient, learning_rate
  std::string title;  // as in the paper's Fig. 12
  std::vector<std::string> channels;
  bool claims(const std::string& channel) const;
};
const std::vector<ChannelGroup>& of_channel_groups();
// The group of an OF-set channel; nullptr for one in no group (kept in every ablation).
const ChannelGroup* of_group_of(const std::string& channel);

}  // namespace dynfault::evaluate
