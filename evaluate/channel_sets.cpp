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

}  // namespace dynfault::evaluate
