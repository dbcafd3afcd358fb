#include "evaluate/rq3.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "core/csv.h"
#include "core/error.h"
#include "core/probe_catalogue.h"
#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/channel_sets.h"
#include "evaluate/comparison.h"
#include "evaluate/features.h"
#include "evaluate/logistic.h"
#include "evaluate/preprocess.h"
#include "evaluate/splits.h"

namespace dynfault::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_options(const Rq3Options& o) {
  check_cv_options(o.folds, o.bootstrap, o.windows, o.table_window);
  if (!(o.instability_threshold > 0) || !std::isfinite(o.instability_threshold))
    throw Error("--thresholds", "the instability threshold must be positive and finite");
}

// Channels of a probe's set present in the corpus, beyond the baseline (empty when none).
std::vector<std::string> probe_extra_channels(const std::string& probe, const std::vector<std::string>& present) {
  std::vector<std::string> out;
  try {
    for (const auto& c : resolve_channels(probe, present).channels)
      if (std::find(baseline_channels().begin(), baseline_channels().end(), c) == baseline_channels().end())
        out.push_back(c);
  } catch (const Error&) {  // the corpus has no channel of the set
  }
  return out;
}

bool carries(const RunTable& table, size_t row, const std::vector<Eigen::Index>& columns) {
  for (Eigen::Index c : columns)
    if (table.has_channel[row][c]) return true;
  return false;
}

std::vector<Eigen::Index> columns_of(const RunTable& table, const std::vector<std::string>& channels) {
  std::vector<Eigen::Index> out;
  for (const auto& c : channels)
    out.push_back(std::find(table.channels.begin(), table.channels.end(), c) - table.channels.begin());
  return out;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A population as the engine sees it: labelled-table rows and their programs.
struct Population {
  Rq3Population info;
  std::vector<int> rows;  // RunTable rows
  std::vector<std::string> programs;
  ProgramRows by_program;
};

// (population, feature set, window): one within and one held-out evaluation.
struct Key {
  size_t population;
  std::string features;
  int k;
  bool operator<(const Key& o) const { return std::tie(population, features, k) < std::tie(o.population, o.features, o.k); }
};

std::string group_of(const std::string& feature_channel) {
  if (std::find(baseline_channels().begin(), baseline_channels().end(), feature_channel) != baseline_channels().end())
    return "baseline";
  const ChannelGroup* g = of_group_of(feature_channel);
  return g ? g->name : "other";
}

// The channel of a window feature name: "<channel>_mean_k5" / "<channel>_slope_k5".
std::string channel_of_feature(const std::string& feature) {
  for (const char* suffix : {"_mean_k", "_slope_k"}) {
    const size_t at = feature.rfind(suffix);
    if (at != std::string::npos) return feature.substr(0, at);
  }
  return feature;
}

}  // namespace

Rq3Output run_rq3(const CorpusReader& corpus, const Rq3Options& o, Engine& engine) {
  check_options(o);
  Rq3Output out;
  Rq3Results& res = out.results;
  res.options = o;
  res.corpus = corpus.path();
  res.ranks = engine.size();
  const RunTable table = load_runs(corpus, LabelSource::Every, o.include_terminated);
  res.runs = table.runs.size();
  res.skipped_empty = table.skipped_empty;
  res.skipped_terminated = table.skipped_terminated;
  {
    std::set<std::string> p;
    for (const auto& r : table.runs) p.insert(r.program);
    res.programs = p.size();
  }
  for (const std::string& c : baseline_channels())
    if (std::find(table.all_channels.begin(), table.all_channels.end(), c) == table.all_channels.end())
      throw CannotRun(corpus.path(), "RQ3 needs the channel '" + c + "' (no run logs it)");
  const size_t longest = table.max_epochs();
  for (int k : o.windows)
    if (static_cast<size_t>(k) > longest)
      throw Error("--k", "window k=" + std::to_string(k) + " is longer than every run (the longest logged " +
                             std::to_string(longest) + " epochs)");

  // ---- Labels and who carries which probe ------------------------------------
  MismatchExclusions excluded;
  const Labeling at_table_k =
      mismatch_labels(table, o.table_window, o.instability_threshold, o.gap, o.gap_rule, &excluded);
  res.excluded_unstable = excluded.unstable;
  res.excluded_no_accuracy = excluded.no_accuracy;
  res.labelled = at_table_k.rows.size();
  if (at_table_k.rows.empty())
    throw CannotRun(corpus.path(), "no stable run with train_acc and val_acc (" + std::to_string(excluded.unstable) +
                                       " unstable under " + format_g17(o.instability_threshold) + ", " +
                                       std::to_string(excluded.no_accuracy) + " without accuracy)");
  std::map<int, std::vector<int>> y_of_k;  // window -> label of every labelled run (rows as at_table_k.rows)
  for (int k : o.windows) {
    const Labeling l = mismatch_labels(table, k, o.instability_threshold, o.gap, o.gap_rule);
    y_of_k[k] = l.y;  // same rows for every k: stability and accuracy do not depend on the window
  }
  res.cf_channels = probe_extra_channels("cf", table.all_channels);
  res.of_channels = probe_extra_channels("of", table.all_channels);
  for (const auto& c : res.of_channels)
    if (!of_group_of(c)) res.ungrouped_of_channels.push_back(c);
  if (res.cf_channels.empty() && res.of_channels.empty())
    throw CannotRun(corpus.path(), "no run carries a CF or OF probe channel (channel_sets.h): nothing to add to the baseline");
  const auto cf_cols = columns_of(table, res.cf_channels), of_cols = columns_of(table, res.of_channels);
  std::vector<int> cf_rows, of_rows, both_rows;  // positions in at_table_k.rows
  for (size_t i = 0; i < at_table_k.rows.size(); ++i) {
    const size_t r = static_cast<size_t>(at_table_k.rows[i]);
    const bool cf = carries(table, r, cf_cols), of = carries(table, r, of_cols);
    if (cf) cf_rows.push_back(static_cast<int>(i));
    if (of) of_rows.push_back(static_cast<int>(i));
    if (cf && of) both_rows.push_back(static_cast<int>(i));
  }
  res.runs_cf = cf_rows.size();
  res.runs_of = of_rows.size();
  res.runs_both = both_rows.size();

  std::vector<Population> pops;
  auto add_population = [&](const std::string& name, const std::string& description, const std::vector<int>& rows) {
    Population p;
    p.info.name = name;
    p.info.description = description;
    p.rows = rows;
    for (int i : rows) p.programs.push_back(table.runs[at_table_k.rows[i]].program);
    p.by_program = index_by_program(p.programs);
    p.info.runs = rows.size();
    p.info.programs = p.by_program.names.size();
    for (const auto& q : pops)
      if (q.rows == rows && p.info.same_runs_as.empty()) p.info.same_runs_as = q.info.name;
    pops.push_back(std::move(p));
    return pops.size() - 1;
  };
  const std::vector<std::string> baseline = baseline_channels();
  std::map<std::string, std::vector<std::string>> feature_sets = {{"baseline", baseline}};
  if (!res.cf_channels.empty()) feature_sets["cf"] = concat(baseline, res.cf_channels);
  if (!res.of_channels.empty()) feature_sets["of"] = concat(baseline, res.of_channels);

  // Table IX populations (and Fig. 10's): the full probe subsets.
  std::vector<std::pair<size_t, std::string>> table9_plan;  // (population, probe set)
  if (!cf_rows.empty()) table9_plan.push_back({add_population("cf_all", "every labelled run carrying the CF probe", cf_rows), "cf"});
  if (!of_rows.empty()) table9_plan.push_back({add_population("of_all", "every labelled run carrying the OF probe", of_rows), "of"});
  std::vector<std::pair<size_t, std::vector<std::string>>> table8_plan;  // (population, probe sets)
  if (!both_rows.empty()) {
    res.control = "exact";
    res.control_description =
        "the same runs (those carrying both probes) with baseline, +CF and +OF features; a control the paper's "
        "per-program probe split could not support";
    table8_plan.push_back({add_population("both", "labelled runs carrying both the CF and the OF probe", both_rows), {"cf", "of"}});
  } else if (!cf_rows.empty() && !of_rows.empty()) {
    res.control = "program_overlap";
    res.control_description =
        "the paper's control: each configuration's runs restricted to the programs with labelled runs under both "
        "probes";
    std::set<std::string> cf_programs, of_programs;
    for (int i : cf_rows) cf_programs.insert(table.runs[at_table_k.rows[i]].program);
    for (int i : of_rows) of_programs.insert(table.runs[at_table_k.rows[i]].program);
    std::set_intersection(cf_programs.begin(), cf_programs.end(), of_programs.begin(), of_programs.end(),
                          std::back_inserter(res.overlap_programs));
    const std::set<std::string> overlap(res.overlap_programs.begin(), res.overlap_programs.end());
    for (const char* probe : {"cf", "of"}) {
      std::vector<int> rows;
      for (int i : std::string(probe) == "cf" ? cf_rows : of_rows)
        if (overlap.count(table.runs[at_table_k.rows[i]].program)) rows.push_back(i);
      table8_plan.push_back({add_population(std::string(probe) + "_overlap",
                                            std::string("labelled runs carrying the ") + (probe[0] == 'c' ? "CF" : "OF") +
                                                " probe, of the programs with runs under both probes",
                                            rows),
                             {probe}});
    }
  } else {
    res.control = "single_probe";
    res.control_description = std::string("no control: the corpus carries only the ") +
                              (cf_rows.empty() ? "OF" : "CF") + " probe, so Table VIII is that probe's runs (Table IX)";
    table8_plan.push_back({table9_plan[0].first, {table9_plan[0].second}});
  }
  if (res.control == "exact" && both_rows == cf_rows && both_rows == of_rows)
    res.table9_note = "every labelled run carries both probes: Table IX's subsets are Table VIII's runs";
  else if (res.control == "single_probe")
    res.table9_note = "one probe only: Table IX equals Table VIII";
  for (const auto& p : pops) res.populations.push_back(p.info);

  // Fig. 12's feature sets: the OF set without each group in turn.
  std::vector<std::pair<std::string, std::string>> ablation;  // (feature set, group)
  if (feature_sets.count("of"))
    for (const ChannelGroup& g : of_channel_groups()) {
      std::vector<std::string> kept = baseline, removed;
      for (const auto& c : res.of_channels) (g.claims(c) ? removed : kept).push_back(c);
      if (removed.empty()) {
        res.notes["fig12"] += (res.notes["fig12"].empty() ? "" : "; ") + std::string("no channel of group ") + g.name;
        continue;
      }
      feature_sets["of_without_" + g.name] = kept;
      ablation.push_back({"of_without_" + g.name, g.name});
    }

  // ---- Plan the comparisons --------------------------------------------------
  std::set<Key> keys;
  for (const auto& [p, sets] : table8_plan) {
    keys.insert({p, "baseline", o.table_window});
    for (const auto& s : sets) keys.insert({p, s, o.table_window});
  }
  for (const auto& [p, s] : table9_plan)
    for (int k : o.windows) {
      keys.insert({p, "baseline", k});
      keys.insert({p, s, k});
    }
  size_t of_all = pops.size();
  for (const auto& [p, s] : table9_plan)
    if (s == "of") of_all = p;
  if (of_all < pops.size())
    for (const auto& [set, group] : ablation) keys.insert({of_all, set, o.table_window});

  // Folds per (population, k); a population whose label cannot be cross-validated gets a note.
  const std::optional<uint32_t> within_seed = o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt;
  std::map<std::pair<size_t, int>, std::vector<int>> y_pop;
  std::map<std::pair<size_t, int>, BinaryFolds> folds;
  for (const Key& key : keys) {
    const auto pk = std::make_pair(key.population, key.k);
    if (folds.count(pk)) continue;
    std::vector<int> y;
    for (int i : pops[key.population].rows) y.push_back(y_of_k.at(key.k)[i]);
    folds[pk] = binary_folds(y, pops[key.population].programs, o.folds, within_seed,
                             "rq3 " + pops[key.population].info.name + " k=" + std::to_string(key.k));
    y_pop[pk] = std::move(y);
  }
  std::map<std::pair<std::string, int>, FeatureMatrix> features;  // (feature set, k) over every run
  std::map<std::pair<size_t, std::pair<std::string, int>>, Eigen::MatrixXd> X;
  std::vector<Key> evaluated;
  std::vector<Evaluation> evaluations;  // within, heldout per evaluated key
  for (const Key& key : keys) {
    const auto& f = folds.at({key.population, key.k});
    if (!f.problem.empty()) continue;
    const auto fk = std::make_pair(key.features, key.k);
    if (!features.count(fk)) features[fk] = window_features(table, key.k, feature_sets.at(key.features));
    std::vector<int> table_rows;
    for (int i : pops[key.population].rows) table_rows.push_back(at_table_k.rows[i]);
    X[{key.population, fk}] = take_rows(features.at(fk).values, table_rows);
  }
  for (const Key& key : keys) {
    const auto& f = folds.at({key.population, key.k});
    if (!f.problem.empty()) continue;
    evaluated.push_back(key);
    for (const char* split : {"within", "heldout"}) {
      Evaluation e;
      e.name = "mismatch_" + pops[key.population].info.name + "_" + key.features + "_k" + std::to_string(key.k) + "_" + split;
      e.X = &X.at({key.population, {key.features, key.k}});
      e.y = y_pop.at({key.population, key.k});
      e.fold = std::string(split) == "within" ? f.within : f.heldout;
      e.n_classes = 2;
      evaluations.push_back(std::move(e));
    }
  }
  const std::vector<OutOfFold> oof = engine.cross_validate(evaluations);

  // ---- Scores and the cluster bootstrap (one group per population and window) ----
  const MetricSet& detection = metric_set("detection");  // [0] = roc_auc
  std::vector<std::unique_ptr<ScoredPredictions>> scored;
  std::vector<ScoredSet> sets;
  std::vector<double> point;
  for (size_t i = 0; i < evaluations.size(); ++i) {
    scored.push_back(std::make_unique<ScoredPredictions>(evaluations[i].y, oof[i].proba, oof[i].predicted));
    sets.push_back({scored.back().get(), &detection});
    point.push_back(detection[0]->eval(*scored.back()));
  }
  std::vector<BootstrapGroup> groups;
  std::map<std::pair<size_t, int>, size_t> group_of_pk;
  for (size_t e = 0; e < evaluated.size(); ++e) {
    const auto pk = std::make_pair(evaluated[e].population, evaluated[e].k);
    if (!group_of_pk.count(pk)) {
      BootstrapGroup g;
      g.stream = "rq3/bootstrap/" + pops[pk.first].info.name + "/k" + std::to_string(pk.second);
      g.where = "rq3 " + pops[pk.first].info.name + " k=" + std::to_string(pk.second);
      g.rows_of_program = pops[pk.first].by_program.rows;
      g.y = y_pop.at(pk);
      g.n_classes = 2;
      group_of_pk[pk] = groups.size();
      groups.push_back(std::move(g));
    }
    groups[group_of_pk[pk]].members.push_back(2 * e);
    groups[group_of_pk[pk]].members.push_back(2 * e + 1);
  }
  const BootstrapResult boot = engine.cluster_bootstrap(groups, sets, o.bootstrap, o.seed, o.dump);
  for (const auto& g : boot.redraws)
    for (int r : g) res.bootstrap_redraws += r;
  auto replicates = [&](size_t i) -> const std::vector<double>& {
    static const std::vector<double> none;
    return o.bootstrap > 0 ? boot.values[i][0] : none;
  };
  auto row_of = [&](const Key& key) {
    Rq3Row row;
    const Population& p = pops[key.population];
    row.population = p.info.name;
    row.features = key.features;
    row.k = key.k;
    row.runs = p.rows.size();
    row.programs = p.info.programs;
    const auto& y = y_pop.at({key.population, key.k});
    row.positives = static_cast<size_t>(std::count(y.begin(), y.end(), 1));
    row.prevalence = y.empty() ? kNaN : double(row.positives) / double(y.size());
    const auto it = std::find_if(evaluated.begin(), evaluated.end(), [&](const Key& k) {
      return k.population == key.population && k.features == key.features && k.k == key.k;
    });
    if (it == evaluated.end()) {
      row.within = row.heldout = row.gap = {kNaN, kNaN, kNaN};
      row.note = "not evaluated: " + folds.at({key.population, key.k}).problem;
      return row;
    }
    const size_t e = static_cast<size_t>(it - evaluated.begin());
    row.feature_count = static_cast<size_t>(evaluations[2 * e].X->cols());
    row.within = bootstrap_cell(point[2 * e], replicates(2 * e), o.level_percent);
    row.heldout = bootstrap_cell(point[2 * e + 1], replicates(2 * e + 1), o.level_percent);
    row.gap = paired_gap_cell(point[2 * e], point[2 * e + 1], replicates(2 * e), replicates(2 * e + 1), o.level_percent);
    return row;
  };

  // ---- Tables VIII, IX, Fig. 10 ------------------------------------------------
  for (const auto& [p, probes] : table8_plan) {
    res.table8.push_back(row_of({p, "baseline", o.table_window}));
    for (const auto& s : probes) res.table8.push_back(row_of({p, s, o.table_window}));
  }
  for (const auto& [p, s] : table9_plan) {
    res.table9.push_back(row_of({p, "baseline", o.table_window}));
    res.table9.push_back(row_of({p, s, o.table_window}));
    for (int k : o.windows) {
      res.fig10.push_back(row_of({p, "baseline", k}));
      res.fig10.push_back(row_of({p, s, k}));
    }
  }
  bool any = false;
  for (const auto& r : res.table8) any = any || r.note.empty();
  if (!any) throw CannotRun(corpus.path(), "rq3 Table VIII cannot be evaluated: " + res.table8.front().note.substr(15));

  // ---- Fig. 12: group ablation of the OF set on of_all ---------------------------
  if (of_all < pops.size()) {
    const Rq3Row full = row_of({of_all, "of", o.table_window});
    res.fig12.push_back({"full", "", {}, full});
    for (const auto& [set, group] : ablation) {
      std::vector<std::string> removed;
      for (const auto& c : res.of_channels)
        if (of_group_of(c) && of_group_of(c)->name == group) removed.push_back(c);
      res.fig12.push_back({"without_" + group, group, removed, row_of({of_all, set, o.table_window})});
    }
    res.fig12.push_back({"baseline_only", "all OF channels", res.of_channels, row_of({of_all, "baseline", o.table_window})});
  } else {
    res.notes["fig12"] = "skipped: no run carries the OF probe";
    res.notes["fig11"] = "skipped: no run carries the OF probe";
  }

  // ---- Fig. 11: the +OF model's coefficients in every within fold ----------------
  const auto of_folds = of_all < pops.size() ? folds.find({of_all, o.table_window}) : folds.end();
  if (of_folds != folds.end() && !of_folds->second.problem.empty())
    res.notes["fig11"] = "skipped: " + of_folds->second.problem;
  if (of_folds != folds.end() && of_folds->second.problem.empty()) {
    const Eigen::MatrixXd& Xof = X.at({of_all, {"of", o.table_window}});
    const std::vector<int>& fold = of_folds->second.within;
    const std::vector<int>& y = y_pop.at({of_all, o.table_window});
    const std::vector<std::string>& names = features.at({"of", o.table_window}).names;
    const auto units = engine.run("rq3 fold coefficients", static_cast<size_t>(o.folds), [&](size_t f) {
      // The same pipeline as a cross-validation fold (classifier.h), keeping the model.
      std::vector<int> train;
      for (size_t i = 0; i < fold.size(); ++i)
        if (fold[i] != static_cast<int>(f)) train.push_back(static_cast<int>(i));
      const Eigen::MatrixXd raw = take_rows(Xof, train);
      MedianImputer imputer;
      imputer.fit(raw);
      Eigen::MatrixXd Xt = imputer.transform(raw);
      StandardScaler scaler;
      scaler.fit(Xt);
      scaler.transform_in_place(Xt);
      std::vector<int> yt;
      for (int i : train) yt.push_back(y[i]);
      const LogisticModel m = fit_logistic_ovr(Xt, yt);
      UnitResult r(names.size(), kNaN);
      const auto& kept = imputer.kept_columns();
      for (size_t j = 0; j < kept.size(); ++j) r[kept[j]] = m.coef(0, static_cast<Eigen::Index>(j));
      return r;
    });
    Rq3Coefficients& c = res.fig11;
    c.population = pops[of_all].info.name;
    c.k = o.table_window;
    c.features = names;
    for (const auto& n : names) c.groups.push_back(group_of(channel_of_feature(n)));
    for (const auto& u : units) c.by_fold.push_back(u);
    for (size_t j = 0; j < names.size(); ++j) {
      Rq3Coefficients::Spread s{kNaN, kNaN, kNaN, kNaN, 0, 0, false};
      std::vector<double> v;
      for (const auto& f : c.by_fold)
        if (!std::isnan(f[j])) v.push_back(f[j]);
      if (!v.empty()) {
        double sum = 0;
        for (double x : v) sum += x;
        s.mean = sum / double(v.size());
        double ss = 0;
        for (double x : v) ss += (x - s.mean) * (x - s.mean);
        s.std = std::sqrt(ss / double(v.size()));
        s.min = *std::min_element(v.begin(), v.end());
        s.max = *std::max_element(v.begin(), v.end());
        for (double x : v) s.positive += x > 0, s.negative += x < 0;
        s.sign_flip = s.positive > 0 && s.negative > 0;
      }
      c.spread.push_back(s);
    }
  }

  // ---- --dump: labels, folds and out-of-fold predictions ----------------------------
  if (o.dump) {
    std::ostringstream f;
    f << "run_id,program,carries_cf,carries_of";
    for (int k : o.windows) f << ",mismatch_k" << k;
    f << "\n";
    for (size_t i = 0; i < at_table_k.rows.size(); ++i) {
      const size_t r = static_cast<size_t>(at_table_k.rows[i]);
      f << csv_field(table.runs[r].run_id) << "," << csv_field(table.runs[r].program) << "," << carries(table, r, cf_cols)
        << "," << carries(table, r, of_cols);
      for (int k : o.windows) f << "," << y_of_k.at(k)[i];
      f << "\n";
    }
    out.dump["labels.csv"] = f.str();
    for (const auto& [pk, bf] : folds) {
      if (!bf.problem.empty()) continue;
      std::ostringstream d;
      d << "run_id,program,y,fold_within,fold_heldout\n";
      const Population& p = pops[pk.first];
      for (size_t j = 0; j < p.rows.size(); ++j)
        d << csv_field(table.runs[at_table_k.rows[p.rows[j]]].run_id) << "," << csv_field(p.programs[j]) << ","
          << y_pop.at(pk)[j] << "," << bf.within[j] << "," << bf.heldout[j] << "\n";
      out.dump["folds/" + p.info.name + "_k" + std::to_string(pk.second) + ".csv"] = d.str();
    }
    for (size_t i = 0; i < evaluations.size(); ++i) {
      const Population& p = pops[evaluated[i / 2].population];
      std::ostringstream d;
      d << "run_id,program,y,fold,p_mismatch\n";
      for (size_t j = 0; j < p.rows.size(); ++j)
        d << csv_field(table.runs[at_table_k.rows[p.rows[j]]].run_id) << "," << csv_field(p.programs[j]) << ","
          << evaluations[i].y[j] << "," << evaluations[i].fold[j] << "," << format_g17(oof[i].proba(j, 1)) << "\n";
      out.dump["predictions/" + evaluations[i].name + ".csv"] = d.str();
    }
  }
  return out;
}

}  // namespace dynfault::evaluate
