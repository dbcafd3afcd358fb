#include "evaluate/channel_sets.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/probe_catalogue.h"
#include "core/text.h"

namespace dynfault::evaluate {

const std::vector<std::string>& baseline_channels() {
  static const std::vector<std::string> names = {"train_loss", "train_acc", "val_loss", "val_acc"};
  return names;
}

namespace {
// The trainer's always-logged epoch time belongs to no probe's set.
bool in_probe_set(const ProbeDeclaration& probe, const std::string& channel) {
  return channel != "sys_wall_seconds" && probe.claims(channel);
}
}  // namespace

ChannelSelection resolve_channels(const std::string& spec, const std::vector<std::string>& corpus_channels) {
  const std::set<std::string> present(corpus_channels.begin(), corpus_channels.end());
  const std::string where = "--channels " + spec;
  std::set<std::string> chosen;
  const std::vector<std::string> items = split_names(spec);
  for (const std::string& item : items) {
    auto add_baseline = [&] {
      for (const auto& c : baseline_channels()) {
        if (!present.count(c)) throw Error(where, "the corpus has no '" + c + "' channel");
        chosen.insert(c);
      }
    };
    if (item == "baseline") {
      add_baseline();
    } else if (const ProbeDeclaration* probe = find_probe(item)) {
      add_baseline();
      size_t extra = 0;
      for (const auto& c : present) {
        if (in_probe_set(*probe, c)) {
          chosen.insert(c);
          ++extra;
        }
      }
      if (extra == 0) throw Error(where, "the corpus has no channel of set '" + item + "'");
    } else if (item == "all") {
      for (const auto& c : present)
        if (c != "epoch") chosen.insert(c);
    } else {
      if (!present.count(item)) throw Error(where, "the corpus has no channel '" + item + "'");
      chosen.insert(item);
    }
  }
  if (items.empty() || chosen.empty()) throw Error(where, "no channels selected");
  ChannelSelection out;
  out.spec = spec;
  for (const auto& c : baseline_channels())
    if (chosen.count(c)) out.channels.push_back(c);
  for (const auto& c : chosen)
    if (std::find(out.channels.begin(), out.channels.end(), c) == out.channels.end()) out.channels.push_back(c);
  return out;
}

// Every channel that the `of` set names (runner/probes/of.cpp's
// DYNFAULT_PROBE_CHANNELS) is in exactly one group, tests/evaluate/test_rq3.cpp
// checks it against the probe catalogue; a future of_* channel is in none until
// it is added here (the ablation keeps it in every row and lists it).
//   activation     V2's mean/std of the layers' outputs on the probe batch
//   system         the execution's resources: dynfault's sys_* (CPU %, RSS; not
//                  sys_wall_seconds, which is in no probe set) and V2's psutil columns
//   gradient       V2's gradient statistics and dynfault's global norm
//   learning_rate  V2's rescaled adjusted_lr; dynfault's logged learning_rate
const std::vector<ChannelGroup>& of_channel_groups() {
  static const std::vector<ChannelGroup> groups = {
      {"activation", "activation statistics", {"mean_activation", "std_activation"}},
      {"system", "system resources", {"sys_*", "cpu_utilization", "memory_usage", "gpu_memory_utilization"}},
      {"gradient",
       "gradient statistics",
       {"gradient_max", "gradient_min", "gradient_median", "mean_grad", "std_grad", "grad_global_norm"}},
      {"learning_rate", "learning rate", {"adjusted_lr", "learning_rate"}},
  };
  return groups;
}

bool ChannelGroup::claims(const std::string& channel) const {
  for (const auto& c : channels) {
    if (!c.empty() && c.back() == '*' ? channel.rfind(c.substr(0, c.size() - 1), 0) == 0 : channel == c) return true;
  }
  return false;
}

const ChannelGroup* of_group_of(const std::string& channel) {
  for (const auto& g : of_channel_groups())
    if (g.claims(channel)) return &g;
  return nullptr;
}

}  // namespace dynfault::evaluate
