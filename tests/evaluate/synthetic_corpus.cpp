#include "synthetic_corpus.h"

#include <cmath>
#include <limits>
#include <random>

#include "core/hvp_profile.h"
#include "core/corpus.h"
#include "core/seed.h"

namespace dynfault::evaluate::synthetic {
namespace {

struct Normal {
  std::mt19937_64 engine;
  explicit Normal(uint64_t seed) : engine(seed) {}
  double uniform() { return (double(engine() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double operator()() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
};

const std::vector<std::string> kChannels = {"train_loss", "train_acc", "val_loss", "val_acc", "cf_hvp_norm",
                                            "of_grad_norm"};

Trace make_trace(const std::string& run_id, const std::string& program, const std::string& category,
                 const std::vector<double>& program_offset, const std::vector<double>& category_offset, int epochs,
                 double noise, uint64_t seed) {
  Trace t;
  t.run_id = run_id;
  t.program = program;
  t.architecture = "FFNN";
  t.category = category;
  t.mutant_id = category.empty() ? "" : run_id;
  t.operator_name = category.empty() ? "" : "synthetic";
  t.source = "synthetic";
  t.seed = seed;
  std::vector<std::string> units(kChannels.size(), "1");
  t.set_channels(kChannels, units);
  Normal normal(seed);
  for (int e = 0; e < epochs; ++e) {
    std::vector<double> row(kChannels.size());
    for (size_t c = 0; c < kChannels.size(); ++c) {
      const double trend = (program_offset[c] * 0.02 + category_offset[c] * 0.05) * e;
      row[c] = program_offset[c] + category_offset[c] + trend + noise * normal();
    }
    t.append_epoch(row);
  }
  return t;
}

}  // namespace

void write_synthetic_corpus(const std::string& path, const SyntheticCorpusSpec& spec) {
  CorpusWriter writer(path);
  Normal offsets(derive_seed(spec.seed, "offsets"));
  std::vector<std::vector<double>> category_offset(spec.categories.size(), std::vector<double>(kChannels.size()));
  for (auto& v : category_offset)
    for (auto& x : v) x = spec.category_effect * offsets();
  for (int p = 0; p < spec.programs; ++p) {
    const std::string program = std::to_string(31000000 + 7919 * p);
    std::vector<double> program_offset(kChannels.size());
    for (auto& x : program_offset) x = spec.program_effect * offsets();
    const std::string stored_program = spec.program_ids ? program : "";
    for (size_t c = 0; c < spec.categories.size(); ++c) {
      std::vector<double> effect = category_offset[c];
      for (auto& x : effect) x += spec.interaction_effect * offsets();
      // Not every program carries every category, as in the published corpus.
      if (spec.categories.size() > 2 && (p + static_cast<int>(c)) % 5 == 4) continue;
      const bool dominant = spec.categories.size() > 1 && static_cast<size_t>(p) % spec.categories.size() == c;
      const int runs = dominant ? 3 * spec.runs_per_pair : spec.runs_per_pair;
      for (int r = 0; r < runs; ++r) {
        const std::string id = program + "_" + spec.categories[c] + "_" + std::to_string(r + 1);
        Trace t = make_trace(id, stored_program, spec.categories[c], program_offset, effect, spec.epochs,
                             spec.noise, derive_seed(spec.seed, id));
        if (spec.extras && p == 1 && c == 0 && r == 0) t.values[3 * kChannels.size() + 2] = std::nan("");
        writer.add(t, RunVerdict{1, spec.categories[c]});
      }
    }
    if (spec.extras) {
      const std::string id = program + "_Original_1";
      Trace t = make_trace(id, stored_program, "", program_offset, std::vector<double>(kChannels.size(), 0.0),
                           spec.epochs, spec.noise, derive_seed(spec.seed, id));
      writer.add(t, RunVerdict{-1, ""});
    }
  }
  if (spec.extras) {
    Trace crashed;
    crashed.run_id = "crashed_mutant";
    crashed.program = "31000000";
    crashed.category = spec.categories[0];
    crashed.status = RunStatus::Crashed;
    crashed.error = "shape mismatch";
    writer.add(crashed, RunVerdict{1, spec.categories[0]});
  }
  writer.finish();
}

InstabilityTruth write_instability_corpus(const std::string& path, const InstabilitySpec& spec) {
  CorpusWriter writer(path);
  Normal normal(derive_seed(spec.seed, "instability"));
  InstabilityTruth truth;
  std::vector<std::string> channels = {"train_loss", "train_acc", "val_loss", "val_acc"};
  if (spec.curvature) {  // the CF probe's schema-2 channels (runner/probes/cf.cpp)
    for (const char* c : {"cf_hvp_norm", "cf_hvp_norm_spread", "cf_grad_std"}) channels.push_back(c);
    for (const auto& c : hvp_layer_profile_channels()) channels.push_back(c);
  }
  const std::vector<std::string> units(channels.size(), "1");
  for (int p = 0; p < spec.programs; ++p) {
    const std::string program = std::to_string(52000000 + 101 * p);
    const bool fragile = p % 2 == 0;
    const int layers = 2 + p % 3;
    const double program_loss = 0.5 + 0.3 * p;
    for (int r = 0; r <= spec.runs_per_program; ++r) {
      const bool original = r == spec.runs_per_program;
      const std::string category = original ? "" : spec.categories[r % spec.categories.size()];
      const std::string id = program + (original ? "_Original" : "_" + category + "_" + std::to_string(r + 1));
      const bool unstable = fragile && !original && r % 3 == 0;
      const bool late = unstable && p == 0 && r == 0;       // explodes at epoch 2
      const bool nan_val = unstable && p == 0 && r == 3;    // NaN val_loss at epoch 0
      const bool moderate = !unstable && !original && r == 1;  // 5e3 at epoch 1
      Trace t;
      t.run_id = id;
      t.program = program;
      t.architecture = "FFNN";
      t.category = category;
      t.mutant_id = original ? "" : id;
      t.operator_name = original ? "" : "synthetic";
      t.source = "synthetic";
      t.set_channels(channels, units);
      const double hvp0 = spec.separable ? (unstable ? 5.0 : 1.0) + 0.3 * normal() : 1.0 + 1.5 * normal();
      LayerSeries ls{"hvp_norm", "1", {}, {}};
      for (int l = 0; l < layers; ++l) ls.layers.push_back("dense_" + std::to_string(l));
      for (int e = 0; e < spec.epochs; ++e) {
        double loss = program_loss * std::exp(-0.2 * e) + 0.05 * normal();
        if (unstable && e >= (late ? 2 : nan_val ? 1 : 0)) loss = 1e8 * (1 + e);
        if (moderate && e == 1) loss = 5e3;
        const double acc = 0.5 + 0.05 * e + 0.05 * normal();
        double val_loss = loss * 1.1;
        if (nan_val && e == 0) val_loss = std::nan("");
        std::vector<double> row = {loss, acc, val_loss, acc - 0.02};
        const double hvp = std::pow(10.0, hvp0 - 0.1 * e);
        std::vector<double> per_layer;
        for (int l = 0; l < layers; ++l) per_layer.push_back(hvp * std::pow(10.0, 0.2 * l + 0.1 * normal()));
        if (spec.curvature) {
          row.push_back(hvp);
          row.push_back(hvp * 0.3 * std::pow(10.0, 0.1 * normal()));
          row.push_back(std::pow(10.0, (unstable && spec.separable ? 1.0 : -1.0) + 0.2 * normal()));
          for (double v : values_of(hvp_layer_profile(per_layer))) row.push_back(v);
        }
        t.append_epoch(row);
        ls.values.insert(ls.values.end(), per_layer.begin(), per_layer.end());
      }
      if (spec.curvature) t.layer_series.push_back(ls);
      ++truth.runs;
      truth.unstable_1e6 += unstable;
      truth.at_epoch0_1e6 += unstable && !late;
      truth.non_finite += nan_val;
      truth.moderate += moderate;
      writer.add(t, original ? RunVerdict{-1, ""} : RunVerdict{1, category});
    }
  }
  writer.finish();
  return truth;
}

MismatchTruth write_mismatch_corpus(const std::string& path, const MismatchSpec& spec) {
  CorpusWriter writer(path);
  Normal normal(derive_seed(spec.seed, "mismatch"));
  MismatchTruth truth;
  const std::vector<std::string> base = {"train_loss", "train_acc", "val_loss", "val_acc"};
  const std::vector<std::string> cf = {"cf_hvp_norm"};
  const std::vector<std::string> of = {"mean_activation", "std_activation", "gradient_max", "learning_rate",
                                       "sys_cpu_percent"};
  using Probes = MismatchSpec::Probes;
  for (int p = 0; p < spec.programs; ++p) {
    const std::string program = std::to_string(64000000 + 37 * p);
    const double program_acc = 0.3 + 0.04 * p, program_activation = 0.5 * (p % 4);
    bool under_cf = false, under_of = false;
    const int runs = spec.runs_per_program + (p == 2 ? 1 : 0);
    for (int r = 0; r < runs; ++r) {
      const bool no_accuracy = r == spec.runs_per_program;  // program 2's extra run
      const bool has_cf = spec.probes == Probes::Both || (spec.probes == Probes::Split && (p < 2 || (p >= 4 && r % 2 == 0)));
      const bool has_of = spec.probes != Probes::Split || (p >= 2 && p < 4) || (p >= 4 && r % 2 == 1);
      const bool mismatch = r % 3 == 0;
      const int spike_epoch = r % 2 == 1 ? 0 : 2;
      const double spike_sign = (r / 3 + p) % 2 == 0 ? 1.0 : -1.0;
      const bool boundary = p == 0 && r == 1;
      const bool unstable = p < 2 && r == 2;
      std::vector<std::string> channels = {"train_loss", "val_loss"};
      if (!no_accuracy) channels = base;
      if (has_cf) channels.insert(channels.end(), cf.begin(), cf.end());
      if (has_of) channels.insert(channels.end(), of.begin(), of.end());
      const std::string category = r % 2 ? "Layer" : "Optimization";
      Trace t;
      t.run_id = program + "_" + category + "_" + std::to_string(r + 1);
      t.program = program;
      t.architecture = "FFNN";
      t.category = category;
      t.mutant_id = t.run_id;
      t.operator_name = "synthetic";
      t.source = "synthetic";
      t.set_channels(channels, std::vector<std::string>(channels.size(), "1"));
      bool positive_ge_k5 = false, positive_gt_k5 = false, positive_ge_k1 = false;
      for (int e = 0; e < spec.epochs; ++e) {
        double loss = std::exp(-0.2 * e) + 0.05 * normal();
        if (unstable && e >= 3) loss = 1e8;
        double train_acc = program_acc + 0.03 * e + 0.01 * normal();
        double gap = 0.02 + 0.005 * normal();
        if (mismatch && e == spike_epoch) gap = 0.3 * spike_sign;
        double val_acc = train_acc - gap;
        if (boundary && e == 1) train_acc = 0.1, val_acc = 0.0;
        const double d = std::abs(train_acc - val_acc);
        if (e < 5) {
          positive_ge_k5 = positive_ge_k5 || d >= 0.1;
          positive_gt_k5 = positive_gt_k5 || d > 0.1;
        }
        if (e < 1) positive_ge_k1 = positive_ge_k1 || d >= 0.1;
        std::vector<double> row = {loss};
        if (!no_accuracy) row.push_back(train_acc);
        row.push_back(loss * 1.1);
        if (!no_accuracy) row.push_back(val_acc);
        if (has_cf) row.push_back(1.0 + 0.3 * normal());
        if (has_of) {
          row.push_back(program_activation + (spec.activation_signal && mismatch ? 3.0 : 0.0) + 0.3 * normal());
          row.push_back(1.0 + 0.1 * normal());
          row.push_back(0.5 + 0.1 * normal());
          row.push_back(0.01 * (1 + p % 3));
          row.push_back(90 + 5 * normal());
        }
        t.append_epoch(row);
      }
      ++truth.runs;
      writer.add(t, RunVerdict{1, category});
      if (unstable) {
        ++truth.unstable;
        continue;
      }
      if (no_accuracy) {
        ++truth.no_accuracy;
        continue;
      }
      ++truth.labelled;
      truth.positives_ge_k5 += positive_ge_k5;
      truth.positives_gt_k5 += positive_gt_k5;
      truth.positives_ge_k1 += positive_ge_k1;
      truth.labelled_cf += has_cf;
      truth.labelled_of += has_of;
      truth.labelled_both += has_cf && has_of;
      under_cf = under_cf || has_cf;
      under_of = under_of || has_of;
    }
    if (spec.probes == Probes::Split && under_cf && under_of) truth.overlap_programs.push_back(program);
  }
  writer.finish();
  return truth;
}

}  // namespace dynfault::evaluate::synthetic

