#include "evaluate/peer_features.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "evaluate/peer_inputs.h"

namespace dynfault::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kClip = 1e12;

double clip(double v) { return std::isnan(v) ? v : std::max(-kClip, std::min(kClip, v)); }

size_t window_of(const RunInputs& run, int k) { return std::min(static_cast<size_t>(k), run.epochs()); }

// DEFault column -> the dynfault channels that log it, in order of preference
// (imported V2 traces, then dynfault-trained ones; collect/published_schema.cpp).
struct DefaultColumn {
  const char* name;
  std::vector<std::string> channels;
  bool zero_without_gpu = false;  // V2 logs 0 without a GPU; dynfault trains on CPU
};
const std::vector<DefaultColumn>& default_columns() {
  static const std::vector<DefaultColumn> columns = {
      {"gpu_memory_utilization", {"sys_gpu_memory_utilization"}, true},
      {"cpu_utilization", {"sys_cpu_utilization", "sys_cpu_percent"}},
      {"train_acc", {"train_acc"}},
      {"val_acc", {"val_acc"}},
      {"memory_usage", {"sys_memory_usage", "sys_rss_mb"}},
      {"loss_oscillation", {"loss_oscillation"}},
      {"acc_gap_too_big", {"acc_gap_too_big"}},
      {"adjusted_lr", {"adjusted_lr", "learning_rate"}},
      {"dying_relu", {"dying_relu"}},
      {"gradient_vanish", {"gradient_vanish"}},
      {"gradient_explode", {"gradient_explode"}},
      {"gradient_median", {"gradient_median"}},
      {"std_grad", {"std_grad"}},
      {"gradient_min", {"gradient_min"}},
      {"mean_grad", {"mean_grad"}},
      {"large_weight_count", {"large_weight_count"}},
      {"mean_activation", {"mean_activation"}},
      {"std_activation", {"std_activation"}},
      {"gradient_std", {"gradient_std"}},
      {"gradient_max", {"gradient_max"}},
  };
  return columns;
}

// A column's window values for one run, or empty if the run logs none of its channels.
std::vector<double> window_values(const RunInputs& run, const std::vector<std::string>& channels, size_t m) {
  for (const auto& c : channels)
    if (run.has(c)) {
      std::vector<double> v(m);
      for (size_t e = 0; e < m; ++e) v[e] = run.at(c, e);
      return v;
    }
  return {};
}

double nan_mean(const std::vector<double>& v) {
  double sum = 0;
  size_t n = 0;
  for (double x : v)
    if (!std::isnan(x)) sum += x, ++n;
  return n ? sum / double(n) : kNaN;
}

// ---- DeepFD monitors, one value per epoch (a check per epoch) ----
constexpr double kTheta = 0.6, kGamma = 0.7, kBeta1 = 1e-3, kBeta2 = 1e-4, kBeta3 = 70, kDelta = 0.01;

struct Monitor {
  const char* name;
  std::vector<std::string> inputs;  // has_input() names
  // Values at every epoch 0..m-1 (counters cumulative, booleans sticky as in DeepFD).
  std::vector<double> (*values)(const RunInputs& run, size_t m);
};

std::vector<double> head(const std::vector<double>& v, size_t n) {
  return std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
}

// Cumulative count of epochs whose condition holds.
template <typename Condition>
std::vector<double> counter(size_t m, Condition holds) {
  std::vector<double> out(m);
  double count = 0;
  for (size_t e = 0; e < m; ++e) out[e] = count += holds(e) ? 1 : 0;
  return out;
}
// Set once the condition has held.
template <typename Condition>
std::vector<double> sticky(size_t m, Condition holds) {
  std::vector<double> out(m);
  bool set = false;
  for (size_t e = 0; e < m; ++e) out[e] = set = set || holds(e);
  return out;
}

double max_of(const std::vector<double>& v, size_t upto) {
  double best = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i <= upto; ++i) best = std::max(best, v[i]);
  return best;
}

const std::vector<Monitor>& monitors() {
  static const std::vector<Monitor> list = {
      {"not_converge", {"train_acc", "val_acc"},
       [](const RunInputs& r, size_t m) {
         const auto acc = r.series("train_acc"), val = r.series("val_acc");
         return sticky(m, [&](size_t e) {
           return double(e) >= 0.3 * double(r.epochs()) && (max_of(val, e) < kTheta || max_of(acc, e) < kTheta);
         });
       }},
      {"unstable_loss", {"train_acc"},
       [](const RunInputs& r, size_t m) {
         const auto acc = r.series("train_acc");
         return sticky(m, [&](size_t e) { return autotrainer_oscillates(head(acc, e + 1)); });
       }},
      {"nan_loss", {"train_loss", "val_loss"},
       [](const RunInputs& r, size_t m) {
         return counter(m, [&](size_t e) {
           const double l = r.at("train_loss", e), v = r.at("val_loss", e);
           return !std::isfinite(l) || !std::isfinite(v) || v >= 1e5;
         });
       }},
      {"test_not_well", {"train_acc", "val_acc"},
       [](const RunInputs& r, size_t m) {
         return counter(m, [&](size_t e) {
           const double a = r.at("train_acc", e), gap = a - r.at("val_acc", e);
           return a <= 0.9 ? gap >= 0.1 : gap >= 0.07;
         });
       }},
      {"test_turn_bad", {"train_loss", "val_loss"},
       [](const RunInputs& r, size_t m) {  // the last step only, not cumulative
         std::vector<double> out(m, 0.0);
         for (size_t e = 1; e < m; ++e)
           out[e] = r.at("train_loss", e - 1) - r.at("train_loss", e) > 0.01 &&
                    r.at("val_loss", e) - r.at("val_loss", e - 1) > 0.01;
         return out;
       }},
      {"sc_accuracy", {"train_acc", "val_acc"},
       [](const RunInputs& r, size_t m) {
         const auto acc = r.series("train_acc"), val = r.series("val_acc");
         std::vector<double> out(m, 0.0);
         for (size_t e = 1; e < m; ++e)
           out[e] = largest_increase(head(val, e + 1)) < kDelta && largest_increase(head(acc, e + 1)) < kDelta;
         return out;
       }},
      {"died_relu", {"grad_zero_share"},
       [](const RunInputs& r, size_t m) { return counter(m, [&](size_t e) { return r.at("grad_zero_share", e) >= kGamma; }); }},
      {"vanish_gradient", {"layers:grad_norm"},
       [](const RunInputs& r, size_t m) {
         const LayerSeries* g = r.layers("grad_norm");
         return counter(m, [&](size_t e) {
           const double first = r.layer_at(*g, e, 0), rho = first / r.layer_at(*g, e, g->layers.size() - 1);
           return rho < kBeta1 && first < kBeta2;
         });
       }},
      {"explode_gradient", {"layers:grad_norm"},
       [](const RunInputs& r, size_t m) {
         const LayerSeries* g = r.layers("grad_norm");
         return counter(m, [&](size_t e) { return r.layer_at(*g, e, 0) / r.layer_at(*g, e, g->layers.size() - 1) > kBeta3; });
       }},
      {"nan_gradient", {"nan_gradients_count"},
       [](const RunInputs& r, size_t m) { return sticky(m, [&](size_t e) { return r.at("nan_gradients_count", e) > 0; }); }},
      {"large_weight", {"weight_abs_over_5_count"},
       [](const RunInputs& r, size_t m) { return counter(m, [&](size_t e) { return r.at("weight_abs_over_5_count", e) > 0; }); }},
      {"nan_weight", {"nan_weight_count"},
       [](const RunInputs& r, size_t m) { return sticky(m, [&](size_t e) { return r.at("nan_weight_count", e) > 0; }); }},
      {"weight_change_little", {},  // never updated by DeepFD: always 0
       [](const RunInputs&, size_t m) { return std::vector<double>(m, 0.0); }},
      {"decrease_acc", {"train_acc"},
       [](const RunInputs& r, size_t m) {
         return counter(m, [&](size_t e) { return e > 0 && r.at("train_acc", e) < r.at("train_acc", e - 1); });
       }},
      {"increase_loss", {"train_loss"},
       [](const RunInputs& r, size_t m) {
         return counter(m, [&](size_t e) { return e > 0 && r.at("train_loss", e) > r.at("train_loss", e - 1); });
       }},
      {"cons_mean_weight", {"layers:weight_mean"},
       [](const RunInputs& r, size_t m) {
         const LayerSeries* w = r.layers("weight_mean");
         std::vector<double> out(m);
         double count = 0;
         for (size_t e = 0; e < m; ++e) {
           for (size_t l = 0; e > 0 && l < w->layers.size(); ++l) count += r.layer_at(*w, e, l) == r.layer_at(*w, e - 1, l);
           out[e] = count;
         }
         return out;
       }},
      {"cons_std_weight", {"layers:unchanged_weight_share"},
       [](const RunInputs& r, size_t m) {
         // A layer's std is unchanged when all its entries are (bit-equal): the OF
         // probe logs no per-layer std, so this counts wholly unchanged layers.
         const LayerSeries* u = r.layers("unchanged_weight_share");
         std::vector<double> out(m);
         double count = 0;
         for (size_t e = 0; e < m; ++e) {
           for (size_t l = 0; e > 0 && l < u->layers.size(); ++l) count += r.layer_at(*u, e, l) == 1.0;
           out[e] = count;
         }
         return out;
       }},
      {"nan_acc", {"train_acc", "val_acc"},
       [](const RunInputs& r, size_t m) {
         return sticky(m, [&](size_t e) { return !std::isfinite(r.at("train_acc", e)) || !std::isfinite(r.at("val_acc", e)); });
       }},
  };
  return list;
}

std::string describe_inputs(const std::vector<std::string>& inputs) {
  std::string s;
  for (const auto& i : inputs) s += (s.empty() ? "" : ", ") + i;
  return s;
}

}  // namespace

std::vector<double> pandas_statistics(const std::vector<double>& column) {
  std::vector<double> v;
  for (double x : column)
    if (!std::isnan(x)) v.push_back(x);
  const double n = static_cast<double>(v.size());
  if (v.empty()) return std::vector<double>(8, kNaN);
  double mean = 0;
  for (double x : v) mean += x;
  mean /= n;
  double m2 = 0, m3 = 0;
  for (double x : v) {
    const double d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  const double var = v.size() > 1 ? m2 / (n - 1) : kNaN;
  const double std = std::sqrt(var);
  double skew = kNaN;  // pandas nanskew: adjusted Fisher-Pearson G1, 0 for a constant column, NaN for n < 3
  if (v.size() >= 3) {
    const double b2 = m2 / n, b3 = m3 / n;
    skew = b2 == 0 ? 0.0 : std::sqrt(n * (n - 1)) / (n - 2) * b3 / std::pow(b2, 1.5);
  }
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  const size_t h = sorted.size() / 2;
  const double median = sorted.size() % 2 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
  return {mean, std, skew, median, var, std / std::sqrt(n), sorted.back(), sorted.front()};
}

const std::vector<std::string>& deepfd_statistics() {
  static const std::vector<std::string> s = {"mean", "std", "skew", "median", "var", "sem", "max", "min"};
  return s;
}

const std::vector<std::string>& deepfd_monitor_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& m : monitors()) n.push_back(m.name);
    return n;
  }();
  return names;
}

PeerFeatures default_features(const RunTable& table, int k) {
  PeerFeatures f;
  f.technique = "default";
  std::vector<std::vector<double>> columns;
  for (const auto& col : default_columns()) {
    std::vector<double> values(table.runs.size());
    bool complete = true;
    for (size_t r = 0; r < table.runs.size(); ++r) {
      const RunInputs run(table, r);
      const auto v = window_values(run, col.channels, window_of(run, k));
      if (v.empty() && !col.zero_without_gpu) {
        complete = false;
        break;
      }
      values[r] = v.empty() ? 0.0 : clip(nan_mean(v));
    }
    if (!complete) {
      f.not_computable.push_back(std::string(col.name) + " (" + describe_inputs(col.channels) + ")");
      continue;
    }
    f.names.push_back(col.name);
    columns.push_back(std::move(values));
  }
  for (const char* core : {"train_acc", "val_acc"})
    if (std::find(f.names.begin(), f.names.end(), core) == f.names.end()) f.required_missing.push_back(core);
  f.values.resize(static_cast<Eigen::Index>(table.runs.size()), static_cast<Eigen::Index>(columns.size()));
  for (size_t c = 0; c < columns.size(); ++c)
    for (size_t r = 0; r < table.runs.size(); ++r) f.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = columns[c][r];
  return f;
}

PeerFeatures deepfd_features(const RunTable& table, int k) {
  PeerFeatures f;
  f.technique = "deepfd";
  std::vector<size_t> kept;
  const auto& list = monitors();
  for (size_t i = 0; i < list.size(); ++i) {
    bool complete = true;
    for (size_t r = 0; r < table.runs.size() && complete; ++r) {
      const RunInputs run(table, r);
      for (const auto& in : list[i].inputs) complete = complete && has_input(run, in);
    }
    if (complete) kept.push_back(i);
    else f.not_computable.push_back(std::string(list[i].name) + " (" + describe_inputs(list[i].inputs) + ")");
  }
  static const std::vector<std::pair<std::string, std::string>> last = {
      {"val_loss", "val_loss"}, {"val_accuracy", "val_acc"}, {"loss", "train_loss"}, {"accuracy", "train_acc"}};
  for (const auto& [name, channel] : last) {
    for (size_t r = 0; r < table.runs.size(); ++r)
      if (!RunInputs(table, r).has(channel)) {
        f.required_missing.push_back(channel);
        break;
      }
  }
  for (size_t i : kept)
    for (const auto& s : deepfd_statistics()) f.names.push_back("ft_" + std::string(list[i].name) + "_" + s);
  for (const auto& [name, channel] : last) f.names.push_back("ft_" + name);
  f.values.resize(static_cast<Eigen::Index>(table.runs.size()), static_cast<Eigen::Index>(f.names.size()));
  if (!f.required_missing.empty()) return f;
  for (size_t r = 0; r < table.runs.size(); ++r) {
    const RunInputs run(table, r);
    const size_t m = window_of(run, k);
    Eigen::Index c = 0;
    for (size_t i : kept)
      for (double s : pandas_statistics(list[i].values(run, m))) f.values(static_cast<Eigen::Index>(r), c++) = clip(s);
    for (const auto& [name, channel] : last)
      f.values(static_cast<Eigen::Index>(r), c++) = clip(m ? run.at(channel, m - 1) : kNaN);
  }
  return f;
}

}  // namespace dynfault::evaluate
