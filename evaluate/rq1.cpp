#include "evaluate/rq1.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/seed.h"
#include "evaluate/bootstrap.h"
#include "evaluate/channel_sets.h"
#include "evaluate/cross_validation.h"
#include "evaluate/features.h"
#include "evaluate/metrics.h"
#include "evaluate/preprocess.h"
#include "evaluate/separation.h"
#include "evaluate/splits.h"
#include "evaluate/tasks.h"
#include "evaluate/work_units.h"

namespace dynfault::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
enum class Scheme { Within, HeldOut, Lopo };
const char* scheme_name(Scheme s) { return s == Scheme::Within ? "within" : s == Scheme::HeldOut ? "heldout" : "lopo"; }
enum class Variant { Raw, ProgramZ, Permuted, Identity };

std::string fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct TaskData {
  const TaskDefinition* def = nullptr;
  std::vector<int> rows;                     // indices into RunTable::runs
  std::vector<int> y;                        // class code per task row
  std::vector<std::string> programs;         // per task row
  std::vector<std::string> program_names;    // sorted unique
  std::vector<std::vector<int>> rows_of_program;  // task rows per program
  std::vector<int> fold_within, fold_heldout, fold_lopo;
};

struct Spec {
  int task = -1;  // index into tasks; -1: program identity
  int k = 0;
  Scheme scheme = Scheme::Within;
  Variant variant = Variant::Raw;
  int permutation = -1;
  const Eigen::MatrixXd* X = nullptr;
  std::vector<int> y;
  std::vector<int> fold;
  int n_folds = 0;
  int n_classes = 0;
  std::string name;  // for messages and dump files
};

TaskData make_task(const TaskDefinition& def, const RunTable& table, const Rq1Options& o) {
  TaskData t;
  t.def = &def;
  for (size_t r = 0; r < table.runs.size(); ++r) {
    const auto code = def.class_of(table.runs[r].label);
    if (!code) continue;
    t.rows.push_back(static_cast<int>(r));
    t.y.push_back(*code);
    t.programs.push_back(table.runs[r].program);
  }
  t.program_names = t.programs;
  std::sort(t.program_names.begin(), t.program_names.end());
  t.program_names.erase(std::unique(t.program_names.begin(), t.program_names.end()), t.program_names.end());
  t.rows_of_program.assign(t.program_names.size(), {});
  for (size_t i = 0; i < t.programs.size(); ++i) {
    const auto g = std::lower_bound(t.program_names.begin(), t.program_names.end(), t.programs[i]) -
                   t.program_names.begin();
    t.rows_of_program[g].push_back(static_cast<int>(i));
  }
  const std::string where = "task " + def.name;
  t.fold_within = stratified_kfold(t.y, o.folds, o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt,
                                   where + " (within-program folds)");
  t.fold_heldout = group_kfold(t.programs, o.folds, where + " (program-held-out folds)");
  t.fold_lopo = leave_one_group_out(t.programs, where + " (leave-one-program-out)");
  return t;
}

std::vector<int> permute_within_programs(const TaskData& t, uint64_t seed, int p) {
  UnitRng rng(derive_seed(seed, "rq1/permutation/" + t.def->name + "/" + std::to_string(p)));
  std::vector<int> y = t.y;
  for (const auto& rows : t.rows_of_program) {
    std::vector<int> labels;
    for (int r : rows) labels.push_back(t.y[r]);
    rng.shuffle(labels);
    for (size_t i = 0; i < rows.size(); ++i) y[rows[i]] = labels[i];
  }
  return y;
}

}  // namespace

Rq1Output run_rq1(const CorpusReader& corpus, const Rq1Options& o, const mpi::Session& comm) {
  Rq1Output out;
  Rq1Results& res = out.results;
  res.options = o;
  res.corpus = corpus.path();
  res.ranks = comm.size();
  if (o.folds < 2) throw Error("--folds", "at least 2 folds are needed");
  if (o.bootstrap < 0 || o.permutations < 0) throw Error("--bootstrap/--permutations", "must not be negative");
  if (o.windows.empty()) throw Error("--k", "no window given");
  if (std::find(o.windows.begin(), o.windows.end(), o.table_window) == o.windows.end())
    throw Error("--table-k", "the table window k=" + std::to_string(o.table_window) + " must be one of --k");
  {
    std::set<int> distinct(o.windows.begin(), o.windows.end());
    if (distinct.size() != o.windows.size()) throw Error("--k", "a window is listed twice");
  }

  RunTable table = load_runs(corpus, o.labels);
  const ChannelSelection selection = resolve_channels(o.channels, table.all_channels);
  res.channels = selection.channels;
  res.runs = table.runs.size();
  res.skipped_unlabelled = table.skipped_unlabelled;
  res.skipped_empty = table.skipped_empty;
  {
    std::set<std::string> programs;
    for (const auto& r : table.runs) programs.insert(r.program);
    res.programs = programs.size();
  }
  const size_t longest = table.max_epochs();
  for (int k : o.windows) {
    if (k < 1) throw Error("--k", "windows must be at least 1 epoch");
    if (static_cast<size_t>(k) > longest)
      throw Error("--k", "window k=" + std::to_string(k) + " is longer than every run (the longest logged " +
                             std::to_string(longest) + " epochs)");
    size_t shorter = 0;
    for (const auto& r : table.runs) shorter += r.epochs < static_cast<size_t>(k);
    res.runs_shorter_than_k[k] = shorter;
  }

  // Features per window: all evaluated runs x selected channels.
  std::map<int, FeatureMatrix> features;
  for (int k : o.windows) features[k] = window_features(table, k, selection.channels);

  // Tasks.
  std::vector<TaskData> tasks;
  std::vector<const TaskDefinition*> requested;
  if (o.tasks.empty()) {
    for (const auto& t : rq1_tasks()) requested.push_back(&t);
  } else {
    for (const auto& name : o.tasks) requested.push_back(&find_task(name));
  }
  for (const TaskDefinition* def : requested) {
    TaskInfo info;
    info.name = def->name;
    info.title = def->title;
    info.class_counts.assign(def->classes.size(), 0);
    std::set<std::string> programs;
    for (const auto& r : table.runs)
      if (const auto c = def->class_of(r.label)) {
        ++info.class_counts[*c];
        ++info.runs;
        programs.insert(r.program);
      }
    info.programs = programs.size();
    std::vector<std::string> absent;
    for (size_t c = 0; c < def->classes.size(); ++c) {
      info.classes.push_back(def->classes[c].name);
      if (info.class_counts[c] == 0) absent.push_back(def->classes[c].name);
    }
    if (!absent.empty()) {
      std::string list;
      for (const auto& a : absent) list += (list.empty() ? "" : ", ") + a;
      const size_t present = def->classes.size() - absent.size();
      info.note = "skipped: class" + std::string(absent.size() > 1 ? "es " : " ") + list + " absent from the corpus (" +
                  std::to_string(present) + " of " + std::to_string(def->classes.size()) + " classes present)";
      if (!o.tasks.empty())
        throw Error(corpus.path(), "task " + def->name + " cannot be evaluated: " + info.note.substr(9) +
                                       (present < 2 ? "; a task needs at least two classes" : ""));
      res.tasks.push_back(info);
      continue;
    }
    info.evaluated = true;
    res.tasks.push_back(info);
    tasks.push_back(make_task(*def, table, o));
  }
  if (tasks.empty()) {
    std::set<std::string> labels;
    for (const auto& r : table.runs) labels.insert(r.label);
    std::string list;
    for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
    throw Error(corpus.path(), "no task can be evaluated: the labelled runs hold " + std::to_string(labels.size()) +
                                   " class" + (labels.size() == 1 ? "" : "es") + " (" + list +
                                   ") and every task needs all of its classes");
  }

  // Feature matrices per (task, window), and the per-program z-normalised ones.
  std::vector<std::map<int, Eigen::MatrixXd>> task_X(tasks.size()), task_Xz(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    std::vector<int> program_code(tasks[t].rows.size());
    for (size_t g = 0; g < tasks[t].rows_of_program.size(); ++g)
      for (int r : tasks[t].rows_of_program[g]) program_code[r] = static_cast<int>(g);
    for (int k : o.windows) task_X[t][k] = take_rows(features[k].values, tasks[t].rows);
    task_Xz[t][o.table_window] = normalise_within_groups(task_X[t][o.table_window], program_code);
  }

  // Program identity over every evaluated run.
  std::vector<std::string> all_programs;
  for (const auto& r : table.runs) all_programs.push_back(r.program);
  std::vector<std::string> identity_names = all_programs;
  std::sort(identity_names.begin(), identity_names.end());
  identity_names.erase(std::unique(identity_names.begin(), identity_names.end()), identity_names.end());
  std::vector<int> identity_y(all_programs.size());
  for (size_t i = 0; i < all_programs.size(); ++i)
    identity_y[i] = static_cast<int>(std::lower_bound(identity_names.begin(), identity_names.end(), all_programs[i]) -
                                      identity_names.begin());
  std::vector<int> identity_fold;
  try {
    if (identity_names.size() < 2) throw Error("program identity", "needs at least two programs");
    identity_fold = stratified_kfold(identity_y, o.folds, o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt,
                                     "program identity");
  } catch (const Error& e) {
    res.identity_note = std::string("skipped: ") + e.what();
  }

  // ---- Evaluation specs ------------------------------------------------------
  std::vector<Spec> specs;
  auto add_spec = [&](Spec s) { specs.push_back(std::move(s)); };
  for (size_t t = 0; t < tasks.size(); ++t) {
    const TaskData& td = tasks[t];
    const int C = static_cast<int>(td.def->classes.size());
    for (int k : o.windows)
      for (Scheme s : {Scheme::Within, Scheme::HeldOut, Scheme::Lopo}) {
        Spec sp;
        sp.task = static_cast<int>(t);
        sp.k = k;
        sp.scheme = s;
        sp.X = &task_X[t][k];
        sp.y = td.y;
        sp.fold = s == Scheme::Within ? td.fold_within : s == Scheme::HeldOut ? td.fold_heldout : td.fold_lopo;
        sp.n_folds = fold_count(sp.fold);
        sp.n_classes = C;
        sp.name = td.def->name + "_k" + std::to_string(k) + "_" + scheme_name(s);
        add_spec(std::move(sp));
      }
    for (Scheme s : {Scheme::Within, Scheme::HeldOut}) {
      Spec sp;
      sp.task = static_cast<int>(t);
      sp.k = o.table_window;
      sp.scheme = s;
      sp.variant = Variant::ProgramZ;
      sp.X = &task_Xz[t][o.table_window];
      sp.y = td.y;
      sp.fold = s == Scheme::Within ? td.fold_within : td.fold_heldout;
      sp.n_folds = fold_count(sp.fold);
      sp.n_classes = C;
      sp.name = td.def->name + "_k" + std::to_string(o.table_window) + "_" + scheme_name(s) + "_program_z";
      add_spec(std::move(sp));
    }
  }
  const size_t n_bootstrapped_specs = specs.size();
  for (size_t t = 0; t < tasks.size(); ++t) {
    const TaskData& td = tasks[t];
    for (int p = 0; p < o.permutations; ++p) {
      const std::vector<int> y_perm = permute_within_programs(td, o.seed, p);
      const std::string where = "task " + td.def->name + " permutation " + std::to_string(p);
      const std::vector<int> fold_within = stratified_kfold(
          y_perm, o.folds, o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt, where);
      for (int k : o.windows)
        for (Scheme s : {Scheme::Within, Scheme::HeldOut}) {
          Spec sp;
          sp.task = static_cast<int>(t);
          sp.k = k;
          sp.scheme = s;
          sp.variant = Variant::Permuted;
          sp.permutation = p;
          sp.X = &task_X[t][k];
          sp.y = y_perm;
          sp.fold = s == Scheme::Within ? fold_within : td.fold_heldout;
          sp.n_folds = fold_count(sp.fold);
          sp.n_classes = static_cast<int>(td.def->classes.size());
          sp.name = td.def->name + "_k" + std::to_string(k) + "_" + scheme_name(s) + "_perm" + std::to_string(p);
          add_spec(std::move(sp));
        }
    }
  }
  if (!identity_fold.empty())
    for (int k : o.windows) {
      Spec sp;
      sp.k = k;
      sp.variant = Variant::Identity;
      sp.X = &features[k].values;
      sp.y = identity_y;
      sp.fold = identity_fold;
      sp.n_folds = fold_count(identity_fold);
      sp.n_classes = static_cast<int>(identity_names.size());
      sp.name = "program_identity_k" + std::to_string(k) + "_within";
      add_spec(std::move(sp));
    }

  // ---- Phase 1: every fold of every spec is a work unit ----------------------
  std::vector<std::pair<size_t, int>> units;
  std::vector<std::vector<std::vector<int>>> tests(specs.size());
  for (size_t s = 0; s < specs.size(); ++s) {
    tests[s] = test_indices(specs[s].fold, specs[s].n_folds);
    for (int f = 0; f < specs[s].n_folds; ++f) units.emplace_back(s, f);
  }
  const auto fold_results = run_units(comm, units.size(), [&](size_t u) {
    const Spec& sp = specs[units[u].first];
    const std::vector<int>& test = tests[units[u].first][units[u].second];
    std::vector<int> train;
    for (size_t i = 0; i < sp.fold.size(); ++i)
      if (sp.fold[i] != units[u].second) train.push_back(static_cast<int>(i));
    try {
      const Eigen::MatrixXd p = fit_predict_fold(*sp.X, sp.y, sp.n_classes, train, test);
      UnitResult r(static_cast<size_t>(p.size()));
      for (Eigen::Index i = 0; i < p.rows(); ++i)
        for (Eigen::Index c = 0; c < p.cols(); ++c) r[i * p.cols() + c] = p(i, c);
      return r;
    } catch (const Error& e) {
      throw Error(sp.name + " fold " + std::to_string(units[u].second), e.what());
    }
  });
  std::vector<Eigen::MatrixXd> oof(specs.size());
  for (size_t s = 0; s < specs.size(); ++s) oof[s].resize(static_cast<Eigen::Index>(specs[s].y.size()), specs[s].n_classes);
  for (size_t u = 0; u < units.size(); ++u) {
    const auto [s, f] = units[u];
    const auto& test = tests[s][f];
    const int C = specs[s].n_classes;
    for (size_t i = 0; i < test.size(); ++i)
      for (int c = 0; c < C; ++c) oof[s](test[i], c) = fold_results[u][i * C + c];
  }
  std::vector<std::vector<double>> point(specs.size());
  for (size_t s = 0; s < specs.size(); ++s) {
    if (specs[s].variant == Variant::Identity) {
      const auto pred = argmax_rows(oof[s]);
      point[s] = {balanced_accuracy(specs[s].y, pred), kNaN, kNaN, accuracy(specs[s].y, pred)};
    } else {
      point[s] = all_metrics(specs[s].y, oof[s]);
    }
  }

  // ---- Phase 2: bootstrap replicates, one unit per (task, replicate) ---------
  std::vector<std::vector<size_t>> task_specs(tasks.size());
  for (size_t s = 0; s < n_bootstrapped_specs; ++s) task_specs[specs[s].task].push_back(s);
  const size_t B = static_cast<size_t>(o.bootstrap);
  std::vector<std::unique_ptr<ScoredPredictions>> scored(n_bootstrapped_specs);
  for (size_t s = 0; s < n_bootstrapped_specs; ++s) scored[s] = std::make_unique<ScoredPredictions>(specs[s].y, oof[s]);
  const auto boot = run_units(comm, tasks.size() * B, [&](size_t u) {
    const size_t t = u / B, b = u % B;
    const TaskData& td = tasks[t];
    UnitRng rng(derive_seed(o.seed, "rq1/bootstrap/" + td.def->name + "/" + std::to_string(b)));
    const ClusterResample rs = draw_cluster_resample(rng, td.rows_of_program, td.y,
                                                     static_cast<int>(td.def->classes.size()), "task " + td.def->name);
    UnitResult r;
    r.push_back(rs.redraws);
    // A row counts as often as its program was drawn.
    std::vector<double> weight(td.y.size(), 0.0);
    for (int g : rs.programs)
      for (int row : td.rows_of_program[g]) weight[row] += 1.0;
    for (size_t s : task_specs[t]) {
      const auto m = scored[s]->metrics(weight);
      r.insert(r.end(), m.begin(), m.end());
    }
    if (o.dump)
      for (int g : rs.programs) r.push_back(g);
    return r;
  });
  // replicate values: spec -> metric -> values
  std::vector<std::vector<std::vector<double>>> reps(n_bootstrapped_specs,
                                                     std::vector<std::vector<double>>(kMetricCount));
  for (size_t t = 0; t < tasks.size(); ++t) {
    int redraws = 0;
    for (size_t b = 0; b < B; ++b) {
      const UnitResult& r = boot[t * B + b];
      redraws += static_cast<int>(r[0]);
      size_t at = 1;
      for (size_t s : task_specs[t])
        for (int m = 0; m < kMetricCount; ++m) reps[s][m].push_back(r[at++]);
    }
    res.bootstrap_redraws[tasks[t].def->name] = redraws;
  }
  auto cell = [&](size_t s, int m) {
    Cell c{point[s][m], kNaN, kNaN};
    if (B > 0) {
      const Interval iv = percentile_interval(reps[s][m], o.level_percent);
      c.low = iv.low;
      c.high = iv.high;
    }
    return c;
  };
  auto gap_cell = [&](size_t a, size_t b, int m) {
    Cell c{point[a][m] - point[b][m], kNaN, kNaN};
    if (B > 0) {
      std::vector<double> d(B);
      for (size_t i = 0; i < B; ++i) d[i] = reps[a][m][i] - reps[b][m][i];
      const Interval iv = percentile_interval(d, o.level_percent);
      c.low = iv.low;
      c.high = iv.high;
    }
    return c;
  };
  auto find_spec = [&](int task, int k, Scheme s, Variant v, int perm = -1) {
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].task == task && specs[i].k == k && specs[i].scheme == s && specs[i].variant == v &&
          specs[i].permutation == perm)
        return i;
    throw Error("rq1", "internal: evaluation not planned");
  };
  const Cell none{kNaN, kNaN, kNaN};
  for (size_t t = 0; t < tasks.size(); ++t) {
    const int ti = static_cast<int>(t);
    for (int k : o.windows) {
      const size_t w = find_spec(ti, k, Scheme::Within, Variant::Raw), h = find_spec(ti, k, Scheme::HeldOut, Variant::Raw),
                   l = find_spec(ti, k, Scheme::Lopo, Variant::Raw);
      for (int m = 0; m < kMetricCount; ++m)
        res.splits.push_back({tasks[t].def->name, k, "raw", metric_name(m), cell(w, m), cell(h, m), cell(l, m),
                              gap_cell(w, h, m), gap_cell(w, l, m)});
    }
    const size_t w = find_spec(ti, o.table_window, Scheme::Within, Variant::ProgramZ),
                 h = find_spec(ti, o.table_window, Scheme::HeldOut, Variant::ProgramZ);
    for (int m = 0; m < kMetricCount; ++m)
      res.splits.push_back({tasks[t].def->name, o.table_window, "program_z", metric_name(m), cell(w, m), cell(h, m),
                            none, gap_cell(w, h, m), none});
  }

  // Permutation summaries.
  if (o.permutations > 0)
    for (size_t t = 0; t < tasks.size(); ++t)
      for (int k : o.windows)
        for (Scheme s : {Scheme::Within, Scheme::HeldOut}) {
          const size_t observed = find_spec(static_cast<int>(t), k, s, Variant::Raw);
          for (int m = 0; m < kMetricCount; ++m) {
            PermutationRow row;
            row.task = tasks[t].def->name;
            row.k = k;
            row.scheme = scheme_name(s);
            row.metric = metric_name(m);
            row.observed = point[observed][m];
            for (int p = 0; p < o.permutations; ++p)
              row.values.push_back(point[find_spec(static_cast<int>(t), k, s, Variant::Permuted, p)][m]);
            row.median = percentile(row.values, 50);
            row.q25 = percentile(row.values, 25);
            row.q75 = percentile(row.values, 75);
            row.min = *std::min_element(row.values.begin(), row.values.end());
            row.max = *std::max_element(row.values.begin(), row.values.end());
            for (double v : row.values) row.at_least_observed += v >= row.observed;
            res.permutations.push_back(std::move(row));
          }
        }

  // Program identity.
  if (!identity_fold.empty()) {
    std::vector<size_t> counts(identity_names.size(), 0);
    for (int y : identity_y) ++counts[y];
    const double majority = double(*std::max_element(counts.begin(), counts.end())) / double(identity_y.size());
    for (int k : o.windows) {
      const size_t s = find_spec(-1, k, Scheme::Within, Variant::Identity);
      res.identity.push_back({k, point[s][kAccuracy], point[s][kBalancedAccuracy], 1.0 / double(identity_names.size()),
                              majority, identity_y.size(), identity_names.size()});
    }
  }

  // ---- Phase 3: separation of programs (MMD^2, silhouette) on baseline features
  Separation& sep = res.separation;
  sep.k = o.table_window;
  sep.channels = baseline_channels();
  for (const auto& c : sep.channels)
    if (std::find(table.all_channels.begin(), table.all_channels.end(), c) == table.all_channels.end())
      throw Error(corpus.path(), "MMD needs the baseline channel '" + c + "'");
  FeatureMatrix base = window_features(table, o.table_window, sep.channels);
  MedianImputer imputer;
  imputer.fit(base.values);
  Eigen::MatrixXd Z = imputer.transform(base.values);
  StandardScaler scaler;
  scaler.fit(Z);
  scaler.transform_in_place(Z);
  sep.programs = identity_names;
  std::vector<std::vector<int>> program_rows(identity_names.size());
  for (size_t i = 0; i < identity_y.size(); ++i) program_rows[identity_y[i]].push_back(static_cast<int>(i));
  sep.median_sq_distance = median_squared_distance(Z);
  const size_t G = identity_names.size();
  const auto mmd_rows = run_units(comm, G, [&](size_t i) {
    UnitResult r;
    const Eigen::MatrixXd A = take_rows(Z, program_rows[i]);
    for (size_t j = i + 1; j < G; ++j) r.push_back(mmd2_biased(A, take_rows(Z, program_rows[j]), sep.median_sq_distance));
    return r;
  });
  sep.program_mmd2.assign(G, std::vector<double>(G, 0.0));
  for (size_t i = 0; i < G; ++i)
    for (size_t j = i + 1; j < G; ++j) sep.program_mmd2[i][j] = sep.program_mmd2[j][i] = mmd_rows[i][j - i - 1];
  std::vector<std::string> labels;
  for (const auto& r : table.runs) labels.push_back(r.label);
  sep.labels = labels;
  std::sort(sep.labels.begin(), sep.labels.end());
  sep.labels.erase(std::unique(sep.labels.begin(), sep.labels.end()), sep.labels.end());
  std::vector<int> label_code(labels.size());
  std::vector<std::vector<int>> label_rows(sep.labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    label_code[i] = static_cast<int>(std::lower_bound(sep.labels.begin(), sep.labels.end(), labels[i]) - sep.labels.begin());
    label_rows[label_code[i]].push_back(static_cast<int>(i));
  }
  sep.label_mmd2.assign(sep.labels.size(), std::vector<double>(sep.labels.size(), 0.0));
  for (size_t i = 0; i < sep.labels.size(); ++i)
    for (size_t j = i + 1; j < sep.labels.size(); ++j)
      sep.label_mmd2[i][j] = sep.label_mmd2[j][i] =
          mmd2_biased(take_rows(Z, label_rows[i]), take_rows(Z, label_rows[j]), sep.median_sq_distance);
  sep.silhouette_program = G >= 2 && G <= identity_y.size() - 1 ? silhouette_score(Z, identity_y) : kNaN;
  sep.silhouette_label_defined = sep.labels.size() >= 2 && sep.labels.size() <= labels.size() - 1;
  sep.silhouette_label = sep.silhouette_label_defined ? silhouette_score(Z, label_code) : kNaN;

  // ---- Dump: folds, features and predictions behind every number ------------
  if (o.dump) {
    for (int k : o.windows) {
      std::ostringstream f;
      f << "run_id,program,label";
      for (const auto& n : features[k].names) f << "," << n;
      f << "\n";
      for (size_t r = 0; r < table.runs.size(); ++r) {
        f << csv_field(table.runs[r].run_id) << "," << csv_field(table.runs[r].program) << ","
          << csv_field(table.runs[r].label);
        for (Eigen::Index j = 0; j < features[k].values.cols(); ++j) f << "," << fmt(features[k].values(r, j));
        f << "\n";
      }
      out.dump["features/k" + std::to_string(k) + ".csv"] = f.str();
    }
    for (const auto& td : tasks) {
      std::ostringstream f;
      f << "run_id,program,label,class,fold_within,fold_heldout,fold_lopo\n";
      for (size_t i = 0; i < td.rows.size(); ++i) {
        const auto& run = table.runs[td.rows[i]];
        f << csv_field(run.run_id) << "," << csv_field(run.program) << "," << csv_field(run.label) << ","
          << csv_field(td.def->classes[td.y[i]].name) << "," << td.fold_within[i] << "," << td.fold_heldout[i] << ","
          << td.fold_lopo[i] << "\n";
      }
      out.dump["folds/" + td.def->name + ".csv"] = f.str();
    }
    for (size_t s = 0; s < specs.size(); ++s) {
      const Spec& sp = specs[s];
      const bool identity = sp.variant == Variant::Identity;
      const std::vector<int> pred = argmax_rows(oof[s]);
      std::ostringstream f;
      f << "run_id,program,y,fold,predicted";
      for (int c = 0; c < sp.n_classes; ++c)
        f << ",p_" << csv_field(identity ? identity_names[c] : tasks[sp.task].def->classes[c].name);
      f << "\n";
      for (size_t i = 0; i < sp.y.size(); ++i) {
        const auto& run = table.runs[identity ? i : static_cast<size_t>(tasks[sp.task].rows[i])];
        f << csv_field(run.run_id) << "," << csv_field(run.program) << "," << sp.y[i] << "," << sp.fold[i] << ","
          << pred[i];
        for (int c = 0; c < sp.n_classes; ++c) f << "," << fmt(oof[s](i, c));
        f << "\n";
      }
      const std::string dir = sp.variant == Variant::Permuted ? "permutations/" : "predictions/";
      out.dump[dir + sp.name + ".csv"] = f.str();
    }
    for (size_t t = 0; t < tasks.size(); ++t) {
      std::ostringstream f;
      f << "replicate,redraws,evaluation,metric,value\n";
      for (size_t b = 0; b < B; ++b) {
        const UnitResult& r = boot[t * B + b];
        size_t at = 1;
        for (size_t s : task_specs[t])
          for (int m = 0; m < kMetricCount; ++m)
            f << b << "," << r[0] << "," << specs[s].name << "," << metric_name(m) << "," << fmt(r[at++]) << "\n";
      }
      out.dump["bootstrap/" + tasks[t].def->name + "_replicates.csv"] = f.str();
      std::ostringstream d;
      d << "replicate,draw,program\n";
      for (size_t b = 0; b < B; ++b) {
        const UnitResult& r = boot[t * B + b];
        const size_t first = 1 + task_specs[t].size() * kMetricCount;
        for (size_t i = first; i < r.size(); ++i)
          d << b << "," << (i - first) << "," << csv_field(tasks[t].program_names[static_cast<size_t>(r[i])]) << "\n";
      }
      out.dump["bootstrap/" + tasks[t].def->name + "_draws.csv"] = d.str();
    }
    std::ostringstream f;
    f << "run_id,program,label";
    for (Eigen::Index j = 0; j < Z.cols(); ++j) f << "," << base.names[imputer.kept_columns()[j]] << "_standardised";
    f << "\n";
    for (size_t r = 0; r < table.runs.size(); ++r) {
      f << csv_field(table.runs[r].run_id) << "," << csv_field(table.runs[r].program) << "," << csv_field(table.runs[r].label);
      for (Eigen::Index j = 0; j < Z.cols(); ++j) f << "," << fmt(Z(r, j));
      f << "\n";
    }
    out.dump["separation/features.csv"] = f.str();
  }
  return out;
}

}  // namespace dynfault::evaluate
