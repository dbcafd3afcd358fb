#include "evaluate/channel_sets.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "core/error.h"

namespace dynfault::evaluate {

const std::vector<std::string>& baseline_channels() {
  static const std::vector<std::string> names = {"train_loss", "train_acc", "val_loss", "val_acc"};
  return names;
}

namespace {
bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Optimizer/system channels by name: the 11 extended columns of the published V2
// schema (hardware ones also under their imported sys_* names) and the runner's
// OF probe additions (global gradient norm, learning rate).
const std::set<std::string>& named_of_channels() {
  static const std::set<std::string> names = {
      "gradient_max",  "gradient_min",    "gradient_median", "adjusted_lr",     "mean_activation",
      "std_activation", "mean_grad",      "std_grad",        "cpu_utilization", "memory_usage",
      "gpu_memory_utilization", "learning_rate", "grad_global_norm"};
  return names;
}
bool is_of_channel(const std::string& c) {
  // sys_wall_seconds is the always-logged epoch time, not an OF probe.
  return starts_with(c, "of_") || (starts_with(c, "sys_") && c != "sys_wall_seconds") || named_of_channels().count(c);
}
}  // namespace

ChannelSelection resolve_channels(const std::string& spec, const std::vector<std::string>& corpus_channels) {
  const std::set<std::string> present(corpus_channels.begin(), corpus_channels.end());
  const std::string where = "--channels " + spec;
  std::set<std::string> chosen;
  std::stringstream in(spec);
  std::string item;
  bool any = false;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    any = true;
    auto add_baseline = [&] {
      for (const auto& c : baseline_channels()) {
        if (!present.count(c)) throw Error(where, "the corpus has no '" + c + "' channel");
        chosen.insert(c);
      }
    };
    if (item == "baseline") {
      add_baseline();
    } else if (item == "cf" || item == "of") {
      add_baseline();
      size_t extra = 0;
      for (const auto& c : present) {
        const bool member = item == "cf" ? (starts_with(c, "cf_") || c == "mean_hvp" || c == "hvp_std")
                                         : is_of_channel(c);
        if (member) {
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
  if (!any || chosen.empty()) throw Error(where, "no channels selected");
  ChannelSelection out;
  out.spec = spec;
  for (const auto& c : baseline_channels())
    if (chosen.count(c)) out.channels.push_back(c);
  for (const auto& c : chosen)
    if (std::find(out.channels.begin(), out.channels.end(), c) == out.channels.end()) out.channels.push_back(c);
  return out;
}

}  // namespace dynfault::evaluate
