#include "evaluate/features.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/error.h"
#include "evaluate/preprocess.h"

namespace dynfault::evaluate {

size_t RunTable::max_epochs() const {
  size_t m = 0;
  for (const auto& r : runs) m = std::max(m, r.epochs);
  return m;
}

LabelSource parse_label_source(const std::string& text) {
  if (text == "killed") return LabelSource::Killed;
  if (text == "category") return LabelSource::Category;
  if (text == "every") return LabelSource::Every;
  throw Error("--labels", "unknown label source '" + text + "' (expected killed or category)");
}

RunTable load_runs(const CorpusReader& corpus, LabelSource source, bool include_terminated) {
  RunTable table;
  table.corpus = corpus.path();
  if (corpus.index().empty()) throw Error(corpus.path(), "the corpus holds no runs");
  std::vector<Trace> traces;
  std::set<std::string> names;
  for (const auto& row : corpus.index()) {
    const std::string& label = source == LabelSource::Killed ? row.label : row.category;
    if (label.empty() && source != LabelSource::Every) {
      ++table.skipped_unlabelled;
      continue;
    }
    if (row.program.empty())
      throw Error(corpus.path(), "run '" + row.run_id + "' has no program id; held-out evaluation needs one per run");
    if (row.epochs <= 0) {
      ++table.skipped_empty;
      continue;
    }
    if (row.status == "terminated" && !include_terminated) {
      ++table.skipped_terminated;
      continue;
    }
    Trace t = corpus.read(row.run_id, TraceParts::Series);  // the index row has the rest
    for (const auto& c : t.channel_names) names.insert(c);
    table.runs.push_back({row.run_id, row.program, label, t.epochs()});
    traces.push_back(std::move(t));
  }
  if (table.runs.empty())
    throw Error(corpus.path(), "no labelled run with at least one epoch (" + std::to_string(table.skipped_unlabelled) +
                                   " unlabelled, " + std::to_string(table.skipped_empty) + " empty, " +
                                   std::to_string(table.skipped_terminated) + " terminated by triage)");
  table.all_channels.assign(names.begin(), names.end());
  table.channels = table.all_channels;
  table.series.reserve(traces.size());
  for (auto& t : traces) {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(t.epochs()), static_cast<Eigen::Index>(table.channels.size()));
    std::vector<bool> has(table.channels.size());
    for (size_t c = 0; c < table.channels.size(); ++c) {
      const auto idx = t.channel_index(table.channels[c]);
      has[c] = idx.has_value();
      for (size_t e = 0; e < t.epochs(); ++e)
        m(e, c) = idx ? t.value(e, *idx) : std::numeric_limits<double>::quiet_NaN();
    }
    table.series.push_back(std::move(m));
    table.has_channel.push_back(std::move(has));
    table.layer_series.push_back(std::move(t.layer_series));
    table.at_init.push_back(std::move(t.at_init));
  }
  return table;
}

FeatureMatrix window_features(const RunTable& table, int k, const std::vector<std::string>& channels) {
  if (k < 1) throw Error("--k", "windows must be at least 1 epoch");
  std::vector<Eigen::Index> cols;
  for (const auto& c : channels) {
    const auto it = std::find(table.channels.begin(), table.channels.end(), c);
    if (it == table.channels.end()) throw Error(table.corpus, "no channel '" + c + "' loaded");
    cols.push_back(it - table.channels.begin());
  }
  const bool with_slope = k > 1;
  FeatureMatrix out;
  const std::string suffix = "_k" + std::to_string(k);
  for (const auto& c : channels) {
    out.names.push_back(c + "_mean" + suffix);
    if (with_slope) out.names.push_back(c + "_slope" + suffix);
  }
  out.values.resize(static_cast<Eigen::Index>(table.runs.size()), static_cast<Eigen::Index>(out.names.size()));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (size_t r = 0; r < table.runs.size(); ++r) {
    const Eigen::MatrixXd& s = table.series[r];
    const Eigen::Index m = std::min<Eigen::Index>(k, s.rows());
    Eigen::Index f = 0;
    for (Eigen::Index col : cols) {
      double sum = 0;
      for (Eigen::Index e = 0; e < m; ++e) sum += s(e, col);
      const double mean = sum / double(m);
      out.values(r, f++) = mean;
      if (!with_slope) continue;
      if (m < 2) {
        out.values(r, f++) = nan;
        continue;
      }
      const double x_mean = double(m - 1) / 2.0;
      double sxy = 0, sxx = 0;
      for (Eigen::Index e = 0; e < m; ++e) {
        const double dx = double(e) - x_mean;
        sxy += dx * (s(e, col) - mean);
        sxx += dx * dx;
      }
      out.values(r, f++) = sxy / sxx;
    }
  }
  clip_features(out.values);
  return out;
}

}  // namespace dynfault::evaluate
