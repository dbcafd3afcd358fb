#include "evaluate/rq2.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "core/csv.h"
#include "core/error.h"
#include "core/seed.h"
#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/bootstrap.h"
#include "evaluate/channel_sets.h"
#include "evaluate/clustering.h"
#include "evaluate/comparison.h"
#include "evaluate/curvature.h"
#include "evaluate/features.h"
#include "evaluate/labels.h"
#include "evaluate/pca.h"
#include "evaluate/preprocess.h"
#include "evaluate/separation.h"
#include "evaluate/splits.h"

namespace dynfault::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();


// log10 of a curvature magnitude, clamped to [1e-12, 1e12] as features are clipped; NaN stays NaN.
// The triage rule applies the same transform at training time (triage/rule.h).
double lg(double x) { return triage::log10_clamped(x); }

double median_of(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  return v.empty() ? kNaN : percentile(v, 50);
}

double ratio(double a, double b) { return b > 0 ? a / b : kNaN; }

TriageCounts finish_counts(TriageCounts c) {
  const triage::Counts r = triage::with_ratios({c.runs, c.tp, c.fp, c.fn, c.tn});
  c.precision = r.precision;
  c.recall = r.recall;
  c.f1 = r.f1;
  return c;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void check_options(const Rq2Options& o) {
  if (o.thresholds.empty()) throw Error("--thresholds", "no threshold given");
  for (double t : o.thresholds)
    if (!(t > 0) || !std::isfinite(t)) throw Error("--thresholds", "thresholds must be positive and finite");
  check_cv_options(o.folds, o.bootstrap, o.windows);
  if (o.mismatch_window < 1) throw Error("--table-k", "must be at least 1 epoch");
  for (int K : o.clusters)
    if (K < 2) throw Error("--clusters", "K must be at least 2 (a silhouette needs two clusters)");
  if (o.triage_k < 2) throw Error("--triage-k", "K must be at least 2");
  if (o.restarts < 1) throw Error("--restarts", "at least one k-means restart is needed");
  for (const auto& p : o.parts)
    if (std::find(rq2_parts().begin(), rq2_parts().end(), p) == rq2_parts().end())
      throw Error("--parts", "unknown part '" + p + "'");
}

// Which parts run; a part that cannot run is an error when requested by name.
struct PartGate {
  const Rq2Options& o;
  const std::string& corpus;
  Rq2Results& res;
  bool wanted(const std::string& part) const {
    return o.parts.empty() || std::find(o.parts.begin(), o.parts.end(), part) != o.parts.end();
  }
  bool skip(const std::string& part, const std::string& why) const {
    if (!o.parts.empty()) throw CannotRun(corpus, "rq2 part " + part + " cannot run: " + why);
    res.notes[part] = "skipped: " + why;
    return false;
  }
  // True when the part runs; records the reason otherwise.
  bool run(const std::string& part, bool possible, const std::string& why) const {
    if (!wanted(part)) return false;
    if (!possible) return skip(part, why);
    res.notes[part] = "";
    return true;
  }
};

// Epoch-0 curvature geometry of the runs with a finite epoch-0 mean HVP.
struct Geometry {
  std::vector<int> rows;  // RunTable rows
  std::vector<double> mean_hvp, hvp_std, grad_std;  // raw epoch-0 values
  std::vector<std::vector<double>> layer_hvp;       // per run, per layer (empty without the series)
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> sources;  // per name: epoch-0 channel, transform
  Eigen::MatrixXd raw;  // runs x features (log-scaled, NaN where missing)
  Eigen::MatrixXd Z;    // median-imputed and standardised over these runs
  std::vector<int> kept;  // columns of raw in Z (all-missing ones are dropped)
  std::vector<int> unstable;
  std::vector<std::string> programs;
};

Geometry epoch0_geometry(const RunTable& table, const std::vector<int>& cf_rows, const Labeling& instability,
                         size_t& excluded, bool at_init) {
  const CurvatureChannels& cc = curvature_channels();
  auto col = [&](const std::string& c) -> Eigen::Index {
    const auto it = std::find(table.channels.begin(), table.channels.end(), c);
    return it == table.channels.end() ? -1 : it - table.channels.begin();
  };
  const Eigen::Index c_mean = col(cc.mean_hvp), c_std = col(cc.hvp_std), c_grad = col(cc.grad_std);
  // The per-layer profile summaries (median, max, min log10 ||Hv||, slope over depth), when logged.
  const std::string* profile_channels[] = {&cc.layer_median, &cc.layer_max, &cc.layer_min, &cc.layer_log_slope};
  std::vector<Eigen::Index> c_profile;
  for (const std::string* c : profile_channels) c_profile.push_back(col(*c));
  const bool profile = std::all_of(c_profile.begin(), c_profile.end(), [](Eigen::Index c) { return c >= 0; });
  Geometry g;
  std::vector<std::vector<double>> profile_values;
  for (int r : cf_rows) {
    const Eigen::MatrixXd& s = table.series[r];
    // Epoch 0's probe row, or the same channel's value before any update.
    auto value = [&](Eigen::Index c, const std::string& name) {
      if (c < 0) return kNaN;
      if (!at_init) return s(0, c);
      const auto it = table.at_init[r].find(name);
      return it == table.at_init[r].end() ? kNaN : it->second;
    };
    const double m = value(c_mean, cc.mean_hvp);
    if (std::isnan(m)) {  // inf is kept (clamped like a feature); NaN cannot be ranked
      ++excluded;
      continue;
    }
    g.rows.push_back(r);
    g.mean_hvp.push_back(m);
    g.hvp_std.push_back(value(c_std, cc.hvp_std));
    g.grad_std.push_back(value(c_grad, cc.grad_std));
    std::vector<double> layers;
    for (const auto& ls : table.layer_series[r])
      if (ls.name == cc.layer_hvp && !ls.layers.empty() && ls.values.size() >= ls.layers.size()) {
        if (!at_init) {
          layers.assign(ls.values.begin(), ls.values.begin() + static_cast<std::ptrdiff_t>(ls.layers.size()));
        } else {  // the CF probe's at_init keys "<series>/<layer>"
          for (const auto& layer : ls.layers) {
            const auto it = table.at_init[r].find(ls.name + "/" + layer);
            layers.push_back(it == table.at_init[r].end() ? kNaN : it->second);
          }
        }
      }
    g.layer_hvp.push_back(std::move(layers));
    std::vector<double> pv;
    if (profile)
      for (size_t k = 0; k < c_profile.size(); ++k) pv.push_back(value(c_profile[k], *profile_channels[k]));
    profile_values.push_back(std::move(pv));
    g.unstable.push_back(instability.y[r]);
    g.programs.push_back(table.runs[r].program);
  }
  g.names = {"log10_mean_hvp", "log10_hvp_std", "log10_grad_std"};
  g.sources = {{cc.mean_hvp, "log10_clamped"}, {cc.hvp_std, "log10_clamped"}, {cc.grad_std, "log10_clamped"}};
  if (profile) {
    for (const char* n : {"layer_log10_hvp_median", "layer_log10_hvp_max", "layer_log10_hvp_min", "layer_log10_hvp_depth_slope"})
      g.names.push_back(n);
    g.sources.insert(g.sources.end(), {{cc.layer_median, "log10_clamped"},
                                       {cc.layer_max, "log10_clamped"},
                                       {cc.layer_min, "log10_clamped"},
                                       {cc.layer_log_slope, "identity"}});
  }
  const Eigen::Index n = static_cast<Eigen::Index>(g.rows.size());
  g.raw.resize(n, static_cast<Eigen::Index>(g.names.size()));
  for (Eigen::Index i = 0; i < n; ++i) {
    g.raw(i, 0) = lg(g.mean_hvp[i]);
    g.raw(i, 1) = lg(g.hvp_std[i]);
    g.raw(i, 2) = lg(g.grad_std[i]);
    if (!profile) continue;
    for (Eigen::Index j = 0; j < 3; ++j) g.raw(i, 3 + j) = lg(profile_values[i][j]);
    g.raw(i, 6) = profile_values[i][3];  // already a slope of log10 values
  }
  return g;
}

Eigen::MatrixXd standardise(const Eigen::MatrixXd& fit_on, const Eigen::MatrixXd& apply_to) {
  MedianImputer imputer;
  imputer.fit(fit_on);
  StandardScaler scaler;
  scaler.fit(imputer.transform(fit_on));
  return scaler.transform(imputer.transform(apply_to));
}

UnitResult pack(const Clustering& c) {
  UnitResult r = {c.inertia, double(c.iterations)};
  for (int l : c.labels) r.push_back(l);
  for (Eigen::Index i = 0; i < c.centres.rows(); ++i)
    for (Eigen::Index j = 0; j < c.centres.cols(); ++j) r.push_back(c.centres(i, j));
  return r;
}
Clustering unpack(const UnitResult& r, size_t n, Eigen::Index K, Eigen::Index d) {
  Clustering c;
  c.inertia = r[0];
  c.iterations = static_cast<int>(r[1]);
  for (size_t i = 0; i < n; ++i) c.labels.push_back(static_cast<int>(r[2 + i]));
  c.centres.resize(K, d);
  size_t at = 2 + n;
  for (Eigen::Index i = 0; i < K; ++i)
    for (Eigen::Index j = 0; j < d; ++j) c.centres(i, j) = r[at++];
  return c;
}

// Rows of a matrix as CSV lines (no header), every value with %.17g.
std::string matrix_csv(const Eigen::MatrixXd& m) {
  std::ostringstream f;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) f << (j ? "," : "") << format_g17(m(i, j));
    f << "\n";
  }
  return f.str();
}

int terminate_cluster(const Eigen::MatrixXd& centres) {
  Eigen::Index best;
  centres.col(0).maxCoeff(&best);  // column 0: standardised log10 mean HVP
  return static_cast<int>(best);
}

}  // namespace

const std::vector<std::string>& rq2_parts() {
  static const std::vector<std::string> parts = {"fig5a", "table6", "fig6", "fig7", "table7", "triage", "fig9"};
  return parts;
}

Rq2Output run_rq2(const CorpusReader& corpus, const Rq2Options& o, Engine& engine) {
  check_options(o);
  Rq2Output out;
  Rq2Results& res = out.results;
  res.options = o;
  res.corpus = corpus.path();
  res.ranks = engine.size();
  const PartGate gate{o, corpus.path(), res};
  const RunTable table = load_runs(corpus, LabelSource::Every, o.include_terminated);
  for (const std::string& c : baseline_channels())
    if (std::find(table.all_channels.begin(), table.all_channels.end(), c) == table.all_channels.end())
      throw Error(corpus.path(), "RQ2 needs the channel '" + c + "'");
  res.runs = table.runs.size();
  res.skipped_empty = table.skipped_empty;
  res.skipped_terminated = table.skipped_terminated;
  std::vector<std::string> all_programs;
  for (const auto& r : table.runs) all_programs.push_back(r.program);
  res.programs = sorted_unique(all_programs).size();
  const size_t longest = table.max_epochs();
  for (int k : o.windows)
    if (static_cast<size_t>(k) > longest)
      throw Error("--k", "window k=" + std::to_string(k) + " is longer than every run (the longest logged " +
                             std::to_string(longest) + " epochs)");

  const Labeling instability = instability_labels(table, o.thresholds[0]);
  const size_t n_unstable = static_cast<size_t>(std::count(instability.y.begin(), instability.y.end(), 1));
  if (n_unstable == 0)
    throw CannotRun(corpus.path(), "no unstable run (no loss above " + format_g17(o.thresholds[0]) +
                                       " or non-finite) among " + std::to_string(table.runs.size()) + " runs");

  // ---- Fig. 5a: first explosion epochs at every threshold ------------------
  if (gate.run("fig5a", true, "")) {
    for (double t : o.thresholds) {
      ThresholdSummary s;
      s.threshold = t;
      s.runs = table.runs.size();
      for (size_t r = 0; r < table.runs.size(); ++r) {
        const Explosion e = first_explosion(table, r, t);
        if (e.epoch < 0) continue;
        ++s.unstable;
        s.at_epoch0 += e.epoch == 0;
        s.by_epoch1 += e.epoch <= 1;
        s.non_finite += e.non_finite;
        ++s.by_epoch[e.epoch];
        res.explosions.push_back({table.runs[r].run_id, table.runs[r].program, t, e.epoch, e.non_finite});
      }
      res.thresholds.push_back(s);
    }
  }

  // ---- Populations ---------------------------------------------------------
  const CurvatureChannels& cc = curvature_channels();
  const bool has_mean_hvp =
      std::find(table.all_channels.begin(), table.all_channels.end(), cc.mean_hvp) != table.all_channels.end();
  std::vector<int> cf_rows;
  if (has_mean_hvp) {
    const Eigen::Index c = std::find(table.channels.begin(), table.channels.end(), cc.mean_hvp) - table.channels.begin();
    for (size_t r = 0; r < table.runs.size(); ++r)
      if (table.has_channel[r][c]) cf_rows.push_back(static_cast<int>(r));
  }
  const std::string no_cf = "the corpus has no curvature channel '" + cc.mean_hvp + "' (curvature.h)";
  {
    std::vector<std::string> p;
    for (int r : cf_rows) p.push_back(table.runs[r].program);
    res.cf_runs = cf_rows.size();
    res.cf_programs = sorted_unique(p).size();
  }

  // ---- Table VI / Fig. 5b: instability detection ---------------------------
  std::vector<int> population = cf_rows;
  res.detection_population = "runs with the curvature channels (baseline and +CF on the same runs)";
  if (population.empty()) {
    for (size_t r = 0; r < table.runs.size(); ++r) population.push_back(static_cast<int>(r));
    res.detection_population = "every run (the corpus has no curvature channels: baseline variants only)";
  }
  std::vector<int> y_pop;
  std::vector<std::string> programs_pop;
  for (int r : population) {
    y_pop.push_back(instability.y[r]);
    programs_pop.push_back(table.runs[r].program);
  }
  const size_t pop_unstable = static_cast<size_t>(std::count(y_pop.begin(), y_pop.end(), 1));
  const std::vector<std::string> pop_program_names = sorted_unique(programs_pop);
  res.detection_runs = population.size();
  res.detection_programs = pop_program_names.size();
  res.detection_unstable = pop_unstable;

  struct Variant {
    std::string name;
    std::vector<std::string> channels;
  };
  std::vector<Variant> variants = {{"baseline", baseline_channels()}, {"baseline_no_loss", {"train_acc", "val_acc"}}};
  const bool has_hvp_std =
      std::find(table.all_channels.begin(), table.all_channels.end(), cc.hvp_std) != table.all_channels.end();
  if (has_mean_hvp) {
    std::vector<std::string> cf = baseline_channels(), cf_nl = {"train_acc", "val_acc"};
    for (const std::string* c : {&cc.mean_hvp, &cc.hvp_std})
      if (*c == cc.mean_hvp || has_hvp_std) {
        cf.push_back(*c);
        cf_nl.push_back(*c);
      }
    variants.push_back({"cf", cf});
    variants.push_back({"cf_no_loss", cf_nl});
  }
  if ((gate.wanted("table6") || gate.wanted("fig9")) && pop_program_names.size() < static_cast<size_t>(o.folds))
    throw Error("--folds", "fewer programs (" + std::to_string(pop_program_names.size()) + ") than folds (" +
                               std::to_string(o.folds) + ") for the program-held-out instability folds");
  // Every training split needs both classes (sklearn's LogisticRegression refuses one).
  std::vector<int> fold_heldout, fold_within;
  std::string cannot_detect;
  if (pop_unstable == 0 || pop_unstable == population.size()) {
    cannot_detect = "the detection runs hold one class only";
  } else if (gate.wanted("table6") || gate.wanted("fig9")) {
    BinaryFolds folds = binary_folds(y_pop, programs_pop, o.folds,
                                     o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt,
                                     "rq2 instability", "unstable");
    fold_heldout = std::move(folds.heldout);
    fold_within = std::move(folds.within);
    cannot_detect = folds.problem;
  }
  const bool can_detect = cannot_detect.empty();
  const bool table6 = gate.run("table6", can_detect, cannot_detect);
  if (table6 && !has_mean_hvp) res.notes["table6"] = "+CF variants skipped: " + no_cf;
  const bool fig9 = gate.run("fig9", can_detect && has_mean_hvp, can_detect ? no_cf : cannot_detect);

  std::map<std::pair<std::string, int>, Eigen::MatrixXd> X;  // (variant, k) -> features of the population
  struct Spec {
    std::string variant, split;
    int k;
  };
  std::vector<Spec> specs;
  std::vector<Evaluation> evaluations;
  std::vector<OutOfFold> oof;
  if (table6 || fig9) {
    for (const Variant& v : variants)
      for (int k : o.windows) X[{v.name, k}] = take_rows(window_features(table, k, v.channels).values, population);
    for (const Variant& v : variants)
      for (int k : o.windows)
        for (const char* split : {"heldout", "within"}) {
          specs.push_back({v.name, split, k});
          Evaluation e;
          e.name = "instability_" + v.name + "_k" + std::to_string(k) + "_" + split;
          e.X = &X.at({v.name, k});
          e.y = y_pop;
          e.fold = std::string(split) == "heldout" ? fold_heldout : fold_within;
          e.n_classes = 2;
          evaluations.push_back(std::move(e));
        }
    oof = engine.cross_validate(evaluations);
    std::vector<std::unique_ptr<ScoredPredictions>> scored;
    std::vector<ScoredSet> sets;
    const MetricSet& detection = metric_set("detection");
    for (size_t i = 0; i < evaluations.size(); ++i) {
      scored.push_back(std::make_unique<ScoredPredictions>(y_pop, oof[i].proba, oof[i].predicted));
      sets.push_back({scored.back().get(), &detection});
    }
    BootstrapGroup g;
    g.stream = "rq2/bootstrap/instability";
    g.where = "rq2 instability";
    g.y = y_pop;
    g.n_classes = 2;
    g.rows_of_program = index_by_program(programs_pop).rows;
    for (size_t i = 0; i < evaluations.size(); ++i) g.members.push_back(i);
    const BootstrapResult boot = engine.cluster_bootstrap({g}, sets, o.bootstrap, o.seed, o.dump);
    for (int r : boot.redraws[0]) res.bootstrap_redraws += r;
    if (o.dump) {
      std::vector<std::string> names;
      for (const Evaluation& e : evaluations) names.push_back(e.name);
      dump_bootstrap_group(out.dump, "bootstrap/instability", boot, 0, g, sets, names, pop_program_names);
    }
    for (size_t i = 0; i < evaluations.size(); ++i)
      for (size_t m = 0; m < detection.size(); ++m) {
        Cell c{detection[m]->eval(*scored[i]), kNaN, kNaN};
        if (o.bootstrap > 0) {
          const Interval iv = percentile_interval(boot.values[i][m], o.level_percent);
          c.low = iv.low;
          c.high = iv.high;
        }
        res.detection.push_back({specs[i].k, specs[i].variant, specs[i].split, detection[m]->name(), c});
      }
    if (o.dump)
      for (size_t i = 0; i < evaluations.size(); ++i) {
        std::ostringstream f;
        f << "run_id,program,y,fold,predicted,p_unstable\n";
        for (size_t j = 0; j < population.size(); ++j)
          f << csv_field(table.runs[population[j]].run_id) << "," << csv_field(programs_pop[j]) << "," << y_pop[j] << ","
            << evaluations[i].fold[j] << "," << oof[i].predicted[j] << "," << format_g17(oof[i].proba(j, 1)) << "\n";
        out.dump["predictions/" + evaluations[i].name + ".csv"] = f.str();
      }
  }

  // ---- Curvature geometry at epoch 0 ---------------------------------------
  Geometry geo;
  if (has_mean_hvp) geo = epoch0_geometry(table, cf_rows, instability, res.cf_excluded, o.geometry_at_init);
  const bool geometry = !geo.rows.empty();
  res.geometry_features = geo.names;
  const std::string no_geometry = has_mean_hvp ? "no run with a finite epoch-0 '" + cc.mean_hvp + "'" : no_cf;
  if (geometry) {
    geo.Z = standardise(geo.raw, geo.raw);
    MedianImputer imputer;
    imputer.fit(geo.raw);
    geo.kept = imputer.kept_columns();
  }
  const size_t n_geo = geo.rows.size();

  // ---- Fig. 6: instability by quintile -------------------------------------
  if (gate.run("fig6", geometry, no_geometry)) {
    using Quantity = std::pair<std::string, const std::vector<double>*>;
    for (const auto& [name, values] : {Quantity{"mean_hvp", &geo.mean_hvp}, Quantity{"grad_std", &geo.grad_std}}) {
      std::vector<double> finite;
      for (double v : *values)
        if (!std::isnan(v)) finite.push_back(v);
      if (finite.empty()) continue;
      std::vector<double> edges;
      for (double q : {20.0, 40.0, 60.0, 80.0}) edges.push_back(percentile(finite, q));
      std::vector<QuintileRow> rows(5);
      for (int q = 0; q < 5; ++q) rows[q] = {name, q + 1, kNaN, kNaN, 0, 0, kNaN};
      for (size_t i = 0; i < n_geo; ++i) {
        const double v = (*values)[i];
        if (std::isnan(v)) continue;
        // Right-closed bins (pandas.qcut): a value on an edge belongs to the lower bin.
        const int q = static_cast<int>(std::count_if(edges.begin(), edges.end(), [&](double e) { return e < v; }));
        QuintileRow& row = rows[q];
        row.low = row.runs == 0 ? v : std::min(row.low, v);
        row.high = row.runs == 0 ? v : std::max(row.high, v);
        ++row.runs;
        row.unstable += geo.unstable[i];
      }
      for (auto& row : rows) {
        row.rate = ratio(double(row.unstable), double(row.runs));
        res.quintiles.push_back(row);
      }
    }
  }

  // ---- Fig. 7: per-layer ||Hv|| by relative depth --------------------------
  bool any_layers = false;
  for (const auto& l : geo.layer_hvp) any_layers = any_layers || !l.empty();
  if (gate.run("fig7", any_layers, geometry ? "no run has the per-layer series '" + cc.layer_hvp + "'" : no_geometry)) {
    const int B = res.depth_bins;
    std::vector<std::vector<double>> per_group[2];
    per_group[0].assign(B, {});
    per_group[1].assign(B, {});
    for (size_t i = 0; i < n_geo; ++i) {
      const auto& layers = geo.layer_hvp[i];
      const size_t L = layers.size();
      std::vector<double> sum(B, 0.0), count(B, 0.0);
      for (size_t l = 0; l < L; ++l) {
        const double v = lg(layers[l]);
        if (std::isnan(v)) continue;
        const double depth = (double(l) + 0.5) / double(L);
        const int b = std::min(B - 1, static_cast<int>(depth * B));
        sum[b] += v;
        count[b] += 1;
      }
      for (int b = 0; b < B; ++b)
        if (count[b] > 0) per_group[geo.unstable[i]][b].push_back(sum[b] / count[b]);
    }
    for (int b = 0; b < B; ++b)
      res.depth.push_back({b, double(b) / B, double(b + 1) / B, per_group[0][b].size(), per_group[1][b].size(),
                           median_of(per_group[0][b]), median_of(per_group[1][b])});
  }

  // ---- Table VII / Fig. 8: k-means on the geometry -------------------------
  const std::unique_ptr<Clusterer> kmeans = clusterers().make("kmeans");
  const bool table7 = gate.run("table7", geometry, no_geometry);
  const bool triage = gate.run("triage", geometry, no_geometry);
  std::vector<int> Ks = o.clusters;
  if (std::find(Ks.begin(), Ks.end(), o.triage_k) == Ks.end()) Ks.push_back(o.triage_k);
  Clustering at_triage_k;
  if (table7 || triage) {
    for (int K : Ks)
      if (static_cast<size_t>(K) > n_geo)
        throw Error(K == o.triage_k ? "--triage-k" : "--clusters",
                    "K=" + std::to_string(K) + " is larger than the number of clustered runs (" + std::to_string(n_geo) + ")");
    const size_t R = static_cast<size_t>(o.restarts);
    const Eigen::Index d = geo.Z.cols();
    const auto restarts = engine.run("k-means restarts", Ks.size() * R, [&](size_t u) {
      const int K = Ks[u / R];
      return pack(kmeans->fit_once(geo.Z, K, derive_seed(o.seed, "rq2/kmeans/K" + std::to_string(K) + "/r" +
                                                                     std::to_string(u % R))));
    });
    std::vector<Clustering> best_of(Ks.size());
    for (size_t ki = 0; ki < Ks.size(); ++ki) {
      const int K = Ks[ki];
      Clustering& best = best_of[ki];
      for (size_t r = 0; r < R; ++r) {
        Clustering c = unpack(restarts[ki * R + r], n_geo, K, d);
        if (r == 0 || kmeans->better(c, best)) best = std::move(c);
        if (o.dump) {
          const Eigen::MatrixXd init =
              kmeans->initial_centres(geo.Z, K, derive_seed(o.seed, "rq2/kmeans/K" + std::to_string(K) + "/r" + std::to_string(r)));
          out.dump["kmeans/K" + std::to_string(K) + "_r" + std::to_string(r) + "_init.csv"] = matrix_csv(init);
        }
      }
      if (K == o.triage_k) at_triage_k = best;
    }
    // Silhouettes are O(n^2) each: work units too, one per K of the sweep. A rank that scores any
    // computes the distance matrix once for all of them (the same bits as from the points) when it
    // fits in kSilhouetteMatrixBytes; larger corpora score from the points, O(n^2 d) each.
    constexpr double kSilhouetteMatrixBytes = 1024.0 * 1024 * 1024;
    std::optional<Eigen::MatrixXd> distances;
    const auto silhouettes = engine.run("silhouettes", Ks.size(), [&](size_t ki) {
      const Clustering& best = best_of[ki];
      const std::set<int> distinct(best.labels.begin(), best.labels.end());
      if (distinct.size() < 2 || distinct.size() > n_geo - 1) return UnitResult{kNaN};
      if (double(n_geo) * double(n_geo) * sizeof(double) > kSilhouetteMatrixBytes)
        return UnitResult{silhouette_score(geo.Z, best.labels)};
      if (!distances) distances = euclidean_distances(geo.Z);
      return UnitResult{silhouette_score_precomputed(*distances, best.labels)};
    });
    for (size_t ki = 0; ki < Ks.size(); ++ki)
      if (std::find(o.clusters.begin(), o.clusters.end(), Ks[ki]) != o.clusters.end())
        res.silhouettes.push_back({Ks[ki], silhouettes[ki][0], best_of[ki].inertia});
    std::sort(res.silhouettes.begin(), res.silhouettes.end(), [](const auto& a, const auto& b) { return a.K < b.K; });
  }
  if (table7) {
    const Labeling mismatch = mismatch_labels(table, o.mismatch_window, o.thresholds[0]);
    std::map<int, int> mismatch_of;  // table row -> 0/1 for stable runs
    for (size_t i = 0; i < mismatch.rows.size(); ++i) mismatch_of[mismatch.rows[i]] = mismatch.y[i];
    const int terminate = terminate_cluster(at_triage_k.centres);
    for (int c = 0; c < o.triage_k; ++c) {
      PhenotypeRow p;
      p.cluster = c;
      std::vector<double> mh, gs;
      std::vector<std::string> progs;
      for (size_t i = 0; i < n_geo; ++i) {
        if (at_triage_k.labels[i] != c) continue;
        ++p.runs;
        mh.push_back(geo.mean_hvp[i]);
        gs.push_back(geo.grad_std[i]);
        progs.push_back(geo.programs[i]);
        p.unstable += geo.unstable[i];
        const auto it = mismatch_of.find(geo.rows[i]);
        if (it != mismatch_of.end()) {
          ++p.stable;
          p.mismatch += it->second;
        }
      }
      p.programs = sorted_unique(progs).size();
      p.median_mean_hvp = median_of(mh);
      p.median_grad_std = median_of(gs);
      p.instability_rate = ratio(double(p.unstable), double(p.runs));
      p.mismatch_prevalence = ratio(double(p.mismatch), double(p.stable));
      p.centre_mean_hvp = at_triage_k.centres(c, 0);
      p.terminate = c == terminate;
      res.phenotypes.push_back(p);
    }
    if (geo.Z.cols() >= 2 && n_geo >= 2) {
      const PcaResult p = pca(geo.Z, 2);
      for (size_t i = 0; i < n_geo; ++i)
        res.pca.push_back({table.runs[geo.rows[i]].run_id, geo.programs[i], at_triage_k.labels[i], geo.unstable[i],
                           p.coordinates(i, 0), p.coordinates(i, 1)});
      res.pca_explained = {p.explained_variance_ratio(0), p.explained_variance_ratio(1)};
    }
  }

  // ---- Algorithm 1: LOPO triage, and the in-sample rule --------------------
  if (triage) {
    const int terminate = terminate_cluster(at_triage_k.centres);
    TriageCounts in_sample;
    in_sample.program = "all";
    for (size_t i = 0; i < n_geo; ++i) {
      const bool flagged = at_triage_k.labels[i] == terminate, unstable = geo.unstable[i] == 1;
      ++in_sample.runs;
      in_sample.tp += flagged && unstable;
      in_sample.fp += flagged && !unstable;
      in_sample.fn += !flagged && unstable;
      in_sample.tn += !flagged && !unstable;
    }
    res.triage_in_sample = finish_counts(in_sample);
    {  // the rule itself: the Table VII clustering's preprocessing and centroids
      MedianImputer imputer;
      imputer.fit(geo.raw);
      StandardScaler scaler;
      scaler.fit(imputer.transform(geo.raw));
      auto& fit = res.triage_fit;
      const std::vector<int>& kept = imputer.kept_columns();
      for (size_t j = 0; j < kept.size(); ++j) {
        const auto& [channel, transform] = geo.sources[static_cast<size_t>(kept[j])];
        fit.features.push_back({geo.names[static_cast<size_t>(kept[j])], channel, transform,
                                imputer.statistics()[static_cast<size_t>(kept[j])], scaler.mean()(j), scaler.scale()(j)});
      }
      for (Eigen::Index c = 0; c < at_triage_k.centres.rows(); ++c) {
        std::vector<double> row(at_triage_k.centres.cols());
        for (Eigen::Index j = 0; j < at_triage_k.centres.cols(); ++j) row[j] = at_triage_k.centres(c, j);
        fit.centroids.push_back(std::move(row));
      }
      fit.terminate_cluster = terminate;
      fit.runs = n_geo;
      fit.programs = sorted_unique(geo.programs).size();
      for (int u : geo.unstable) fit.unstable += u;
    }
    const std::vector<std::string> programs = sorted_unique(geo.programs);
    const auto lopo = engine.run("LOPO triage", programs.size(), [&](size_t u) {
      std::vector<int> train, test;
      for (size_t i = 0; i < n_geo; ++i) (geo.programs[i] == programs[u] ? test : train).push_back(static_cast<int>(i));
      if (train.size() < static_cast<size_t>(o.triage_k))
        throw Error("--triage-k", "K=" + std::to_string(o.triage_k) + " is larger than the runs left without program " +
                                      programs[u] + " (" + std::to_string(train.size()) + ")");
      const Eigen::MatrixXd raw_train = take_rows(geo.raw, train);
      const Eigen::MatrixXd Zt = standardise(raw_train, raw_train);
      const Clustering c = cluster_best_of(*kmeans, Zt, o.triage_k, o.restarts, o.seed, "rq2/triage/" + programs[u]);
      const int term = terminate_cluster(c.centres);
      const std::vector<int> assigned = nearest_centre(standardise(raw_train, take_rows(geo.raw, test)), c.centres);
      // tp, fp, fn, tn, the terminate cluster, then the cluster of every held-out run (for --dump)
      UnitResult r(5 + test.size(), 0.0);
      r[4] = term;
      for (size_t j = 0; j < test.size(); ++j) {
        const bool flagged = assigned[j] == term, unstable = geo.unstable[test[j]] == 1;
        r[flagged ? (unstable ? 0 : 1) : (unstable ? 2 : 3)] += 1;
        r[5 + j] = assigned[j];
      }
      return r;
    });
    if (o.dump) {  // every held-out run's LOPO assignment, in program then run order
      std::ostringstream f;
      f << "run_id,program,cluster,terminate_cluster,flagged,unstable\n";
      for (size_t u = 0; u < programs.size(); ++u) {
        size_t j = 0;
        const int term = static_cast<int>(lopo[u][4]);
        for (size_t i = 0; i < n_geo; ++i)
          if (geo.programs[i] == programs[u]) {
            const int cluster = static_cast<int>(lopo[u][5 + j++]);
            f << csv_field(table.runs[geo.rows[i]].run_id) << "," << csv_field(programs[u]) << "," << cluster << ","
              << term << "," << (cluster == term) << "," << geo.unstable[i] << "\n";
          }
      }
      out.dump["triage/lopo_assignments.csv"] = f.str();
    }
    if (o.dump)  // every LOPO restart's initial centres, recomputed (cheap) for a scikit-learn replay
      for (size_t u = 0; u < programs.size(); ++u) {
        std::vector<int> train;
        for (size_t i = 0; i < n_geo; ++i)
          if (geo.programs[i] != programs[u]) train.push_back(static_cast<int>(i));
        const Eigen::MatrixXd raw_train = take_rows(geo.raw, train);
        const Eigen::MatrixXd Zt = standardise(raw_train, raw_train);
        for (int r = 0; r < o.restarts; ++r) {
          const Eigen::MatrixXd init = kmeans->initial_centres(
              Zt, o.triage_k, derive_seed(o.seed, "rq2/triage/" + programs[u] + "/r" + std::to_string(r)));
          out.dump["triage/" + programs[u] + "_r" + std::to_string(r) + "_init.csv"] = matrix_csv(init);
        }
      }
    TriageCounts pooled;
    pooled.program = "all";
    for (size_t u = 0; u < programs.size(); ++u) {
      TriageCounts c;
      c.program = programs[u];
      c.tp = static_cast<size_t>(lopo[u][0]);
      c.fp = static_cast<size_t>(lopo[u][1]);
      c.fn = static_cast<size_t>(lopo[u][2]);
      c.tn = static_cast<size_t>(lopo[u][3]);
      c.runs = c.tp + c.fp + c.fn + c.tn;
      pooled.runs += c.runs;
      pooled.tp += c.tp;
      pooled.fp += c.fp;
      pooled.fn += c.fn;
      pooled.tn += c.tn;
      res.triage_lopo.push_back(finish_counts(c));
    }
    res.triage_lopo.push_back(finish_counts(pooled));
  }

  // ---- Fig. 9: held-out PR curves ------------------------------------------
  if (fig9) {
    for (const char* variant : {"baseline", "cf"})
      for (int k : {1, 5}) {
        size_t i = 0;
        while (i < specs.size() && !(specs[i].variant == variant && specs[i].k == k && specs[i].split == "heldout")) ++i;
        if (i == specs.size()) continue;  // k not among --k
        std::vector<double> score(y_pop.size());
        for (size_t j = 0; j < y_pop.size(); ++j) score[j] = oof[i].proba(j, 1);
        const PrCurve c = precision_recall_curve(y_pop, score);
        for (size_t j = 0; j < c.precision.size(); ++j)
          res.pr_curves.push_back({variant, k, c.precision[j], c.recall[j], c.thresholds[j]});
      }
  }

  if (o.dump && geometry) {
    std::ostringstream f;
    f << "run_id,program,unstable,mean_hvp,hvp_std,grad_std";
    for (const auto& n : geo.names) f << "," << n;
    for (int j : geo.kept) f << "," << geo.names[j] << "_standardised";
    f << (at_triage_k.labels.empty() ? "" : ",cluster") << "\n";
    for (size_t i = 0; i < n_geo; ++i) {
      f << csv_field(table.runs[geo.rows[i]].run_id) << "," << csv_field(geo.programs[i]) << "," << geo.unstable[i] << ","
        << format_g17(geo.mean_hvp[i]) << "," << format_g17(geo.hvp_std[i]) << "," << format_g17(geo.grad_std[i]);
      for (Eigen::Index j = 0; j < geo.raw.cols(); ++j) f << "," << format_g17(geo.raw(i, j));
      for (Eigen::Index j = 0; j < geo.Z.cols(); ++j) f << "," << format_g17(geo.Z(i, j));
      if (!at_triage_k.labels.empty()) f << "," << at_triage_k.labels[i];
      f << "\n";
    }
    out.dump["geometry/epoch0.csv"] = f.str();
  }
  return out;
}

}  // namespace dynfault::evaluate
