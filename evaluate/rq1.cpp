#include "evaluate/rq1.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include "core/csv.h"
#include "core/error.h"
#include "core/seed.h"
#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/bootstrap.h"
#include "evaluate/channel_sets.h"
#include "evaluate/comparison.h"
#include "evaluate/program_z.h"
#include "evaluate/labels.h"
#include "evaluate/preprocess.h"
#include "evaluate/separation.h"
#include "evaluate/splits.h"
#include "evaluate/diagnosis_problem.h"

namespace dynfault::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
enum class Scheme { Within, HeldOut, Lopo };
const char* scheme_name(Scheme s) { return s == Scheme::Within ? "within" : s == Scheme::HeldOut ? "heldout" : "lopo"; }
enum class Variant { Raw, ProgramZ, Permuted, Identity, IdentityZ };


// Programs as sorted codes, and the rows of each.
struct ProgramIndex {
  std::vector<std::string> names;        // sorted unique
  std::vector<int> code;                 // per row
  std::vector<std::vector<int>> rows;    // per program
};
ProgramIndex index_programs(const std::vector<std::string>& programs) {
  ProgramIndex p;
  p.names = programs;
  std::sort(p.names.begin(), p.names.end());
  p.names.erase(std::unique(p.names.begin(), p.names.end()), p.names.end());
  p.rows.assign(p.names.size(), {});
  for (size_t i = 0; i < programs.size(); ++i) {
    const int g = static_cast<int>(std::lower_bound(p.names.begin(), p.names.end(), programs[i]) - p.names.begin());
    p.code.push_back(g);
    p.rows[g].push_back(static_cast<int>(i));
  }
  return p;
}

std::optional<uint32_t> within_seed(const Rq1Options& o) {
  return o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt;
}

struct TaskData {
  const DiagnosisProblem* def = nullptr;
  Labeling labels;
  ProgramIndex programs;
  std::vector<int> fold_within, fold_heldout, fold_lopo;
  std::map<int, Eigen::MatrixXd> X;  // per window
  Eigen::MatrixXd Xz;                // per-program z-normalised, at the table window
};

// What the analyses read: runs, features per window, tasks and program identity.
struct Inputs {
  RunTable table;
  std::vector<std::string> channels;
  std::map<int, FeatureMatrix> features;
  std::vector<TaskData> tasks;
  ProgramIndex identity;            // over every evaluated run
  std::vector<int> identity_fold;   // empty: identity skipped
  Eigen::MatrixXd identity_Xz;      // per-program z-normalised features at the table window
};

// One planned evaluation with what the tables need to find it again.
struct Spec {
  int task = -1;  // index into tasks; -1: program identity
  int k = 0;
  Scheme scheme = Scheme::Within;
  Variant variant = Variant::Raw;
  int permutation = -1;
};

struct Plan {
  std::vector<Spec> specs;
  std::vector<Evaluation> evaluations;  // parallel to specs
  size_t bootstrapped = 0;              // specs [0, bootstrapped) get CIs (raw and program_z)
  size_t find(int task, int k, Scheme s, Variant v, int perm = -1) const {
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].task == task && specs[i].k == k && specs[i].scheme == s && specs[i].variant == v &&
          specs[i].permutation == perm)
        return i;
    throw Error("rq1", "internal: evaluation not planned");
  }
};

void check_options(const Rq1Options& o) {
  if (o.permutations < 0) throw Error("--permutations", "must not be negative");
  check_cv_options(o.folds, o.bootstrap, o.windows, o.table_window);
}

TaskInfo describe_task(const DiagnosisProblem& def, const RunTable& table) {
  TaskInfo info;
  info.name = def.name;
  info.title = def.title;
  info.class_counts.assign(def.classes.size(), 0);
  std::set<std::string> programs;
  for (const auto& r : table.runs)
    if (const auto c = def.class_of(r.label)) {
      ++info.class_counts[*c];
      ++info.runs;
      programs.insert(r.program);
    }
  info.programs = programs.size();
  std::vector<std::string> absent;
  for (size_t c = 0; c < def.classes.size(); ++c) {
    info.classes.push_back(def.classes[c].name);
    if (info.class_counts[c] == 0) absent.push_back(def.classes[c].name);
  }
  if (!absent.empty()) {
    std::string list;
    for (const auto& a : absent) list += (list.empty() ? "" : ", ") + a;
    const size_t present = def.classes.size() - absent.size();
    info.note = "skipped: class" + std::string(absent.size() > 1 ? "es " : " ") + list + " absent from the corpus (" +
                std::to_string(present) + " of " + std::to_string(def.classes.size()) + " classes present)";
  }
  info.evaluated = absent.empty();
  return info;
}

TaskData make_task(const DiagnosisProblem& def, const Inputs& in, const Rq1Options& o) {
  TaskData t;
  t.def = &def;
  t.labels = fault_category_labels(in.table, def);
  std::vector<std::string> programs;
  for (int r : t.labels.rows) programs.push_back(in.table.runs[r].program);
  t.programs = index_programs(programs);
  const std::string where = "task " + def.name;
  t.fold_within = stratified_kfold(t.labels.y, o.folds, within_seed(o), where + " (within-program folds)");
  t.fold_heldout = group_kfold(programs, o.folds, where + " (program-held-out folds)");
  t.fold_lopo = leave_one_group_out(programs, where + " (leave-one-program-out)");
  for (int k : o.windows) t.X[k] = take_rows(in.features.at(k).values, t.labels.rows);
  t.Xz = normalise_within_groups(t.X[o.table_window], t.programs.code);
  return t;
}

Inputs prepare(const CorpusReader& corpus, const Rq1Options& o, Rq1Results& res) {
  Inputs in;
  in.table = load_runs(corpus, o.labels, o.include_terminated);
  const RunTable& table = in.table;
  in.channels = resolve_channels(o.channels, table.all_channels).channels;
  res.channels = in.channels;
  res.runs = table.runs.size();
  res.skipped_unlabelled = table.skipped_unlabelled;
  res.skipped_empty = table.skipped_empty;
  res.skipped_terminated = table.skipped_terminated;
  std::vector<std::string> all_programs;
  for (const auto& r : table.runs) all_programs.push_back(r.program);
  in.identity = index_programs(all_programs);
  res.programs = in.identity.names.size();
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
  for (int k : o.windows) in.features[k] = window_features(table, k, in.channels);

  std::vector<const DiagnosisProblem*> requested;
  if (o.tasks.empty()) {
    for (const auto& t : diagnosis_problems()) requested.push_back(&t);
  } else {
    for (const auto& name : o.tasks) requested.push_back(&find_problem(name));
  }
  for (const DiagnosisProblem* def : requested) {
    TaskInfo info = describe_task(*def, table);
    if (!info.evaluated && !o.tasks.empty()) {
      const size_t present = std::count_if(info.class_counts.begin(), info.class_counts.end(), [](size_t n) { return n > 0; });
      throw Error(corpus.path(), "task " + def->name + " cannot be evaluated: " + info.note.substr(9) +
                                     (present < 2 ? "; a task needs at least two classes" : ""));
    }
    res.tasks.push_back(info);
    if (info.evaluated) in.tasks.push_back(make_task(*def, in, o));
  }
  if (in.tasks.empty()) {
    std::set<std::string> labels;
    for (const auto& r : table.runs) labels.insert(r.label);
    std::string list;
    for (const auto& l : labels) list += (list.empty() ? "" : ", ") + l;
    throw CannotRun(corpus.path(), "no task can be evaluated: the labelled runs hold " + std::to_string(labels.size()) +
                                   " class" + (labels.size() == 1 ? "" : "es") + " (" + list +
                                   ") and every task needs all of its classes");
  }
  try {
    if (in.identity.names.size() < 2) throw Error("program identity", "needs at least two programs");
    in.identity_fold = stratified_kfold(in.identity.code, o.folds, within_seed(o), "program identity");
    in.identity_Xz = normalise_within_groups(in.features.at(o.table_window).values, in.identity.code);
  } catch (const Error& e) {
    res.identity_note = std::string("skipped: ") + e.what();
  }
  return in;
}

std::vector<int> permute_within_programs(const TaskData& t, uint64_t seed, int p) {
  UnitRng rng(derive_seed(seed, "rq1/permutation/" + t.def->name + "/" + std::to_string(p)));
  std::vector<int> y = t.labels.y;
  for (const auto& rows : t.programs.rows) {
    std::vector<int> labels;
    for (int r : rows) labels.push_back(t.labels.y[r]);
    rng.shuffle(labels);
    for (size_t i = 0; i < rows.size(); ++i) y[rows[i]] = labels[i];
  }
  return y;
}

// Every evaluation: raw and program_z splits (bootstrapped), the permutations,
// program identity.
Plan plan_evaluations(const Inputs& in, const Rq1Options& o) {
  Plan plan;
  auto add = [&](Spec spec, const Eigen::MatrixXd* X, std::vector<int> y, std::vector<int> fold, int n_classes,
                 std::string name) {
    plan.specs.push_back(spec);
    Evaluation e;
    e.name = std::move(name);
    e.X = X;
    e.y = std::move(y);
    e.fold = std::move(fold);
    e.n_classes = n_classes;
    plan.evaluations.push_back(std::move(e));
  };
  for (size_t t = 0; t < in.tasks.size(); ++t) {
    const TaskData& td = in.tasks[t];
    const int C = static_cast<int>(td.def->classes.size());
    const int ti = static_cast<int>(t);
    for (int k : o.windows)
      for (Scheme s : {Scheme::Within, Scheme::HeldOut, Scheme::Lopo})
        add({ti, k, s, Variant::Raw}, &td.X.at(k), td.labels.y,
            s == Scheme::Within ? td.fold_within : s == Scheme::HeldOut ? td.fold_heldout : td.fold_lopo, C,
            td.def->name + "_k" + std::to_string(k) + "_" + scheme_name(s));
    for (Scheme s : {Scheme::Within, Scheme::HeldOut})
      add({ti, o.table_window, s, Variant::ProgramZ}, &td.Xz, td.labels.y,
          s == Scheme::Within ? td.fold_within : td.fold_heldout, C,
          td.def->name + "_k" + std::to_string(o.table_window) + "_" + scheme_name(s) + "_program_z");
  }
  plan.bootstrapped = plan.specs.size();
  for (size_t t = 0; t < in.tasks.size(); ++t) {
    const TaskData& td = in.tasks[t];
    for (int p = 0; p < o.permutations; ++p) {
      const std::vector<int> y_perm = permute_within_programs(td, o.seed, p);
      const std::vector<int> fold_within = stratified_kfold(
          y_perm, o.folds, within_seed(o), "task " + td.def->name + " permutation " + std::to_string(p));
      for (int k : o.windows)
        for (Scheme s : {Scheme::Within, Scheme::HeldOut})
          add({static_cast<int>(t), k, s, Variant::Permuted, p}, &td.X.at(k), y_perm,
              s == Scheme::Within ? fold_within : td.fold_heldout, static_cast<int>(td.def->classes.size()),
              td.def->name + "_k" + std::to_string(k) + "_" + scheme_name(s) + "_perm" + std::to_string(p));
    }
  }
  if (!in.identity_fold.empty()) {
    const int G = static_cast<int>(in.identity.names.size());
    for (int k : o.windows)
      add({-1, k, Scheme::Within, Variant::Identity}, &in.features.at(k).values, in.identity.code, in.identity_fold, G,
          "program_identity_k" + std::to_string(k) + "_within");
    add({-1, o.table_window, Scheme::Within, Variant::IdentityZ}, &in.identity_Xz, in.identity.code, in.identity_fold, G,
        "program_identity_k" + std::to_string(o.table_window) + "_within_program_z");
  }
  return plan;
}

struct Scores {
  std::vector<std::unique_ptr<ScoredPredictions>> predictions;
  std::vector<ScoredSet> sets;
  std::vector<std::vector<double>> point;  // spec -> metric of its set
};

Scores score(const Plan& plan, const std::vector<OutOfFold>& oof) {
  Scores s;
  for (size_t i = 0; i < plan.specs.size(); ++i) {
    s.predictions.push_back(
        std::make_unique<ScoredPredictions>(plan.evaluations[i].y, oof[i].proba, oof[i].predicted));
    const bool identity = plan.specs[i].variant == Variant::Identity || plan.specs[i].variant == Variant::IdentityZ;
    const MetricSet& set = metric_set(identity ? "identity" : "diagnosis");
    s.sets.push_back({s.predictions.back().get(), &set});
    s.point.push_back(eval_metrics(set, *s.predictions.back(), std::vector<double>(plan.evaluations[i].y.size(), 1.0)));
  }
  return s;
}

std::vector<BootstrapGroup> bootstrap_groups(const Inputs& in, const Plan& plan) {
  std::vector<BootstrapGroup> groups;
  for (size_t t = 0; t < in.tasks.size(); ++t) {
    const TaskData& td = in.tasks[t];
    BootstrapGroup g;
    g.stream = "rq1/bootstrap/" + td.def->name;
    g.where = "task " + td.def->name;
    g.rows_of_program = td.programs.rows;
    g.y = td.labels.y;
    g.n_classes = static_cast<int>(td.def->classes.size());
    for (size_t s = 0; s < plan.bootstrapped; ++s)
      if (plan.specs[s].task == static_cast<int>(t)) g.members.push_back(s);
    groups.push_back(std::move(g));
  }
  // Program identity: programs are the classes, so a resample holds only the
  // programs drawn; no redraws (accuracy and balanced accuracy over the drawn ones).
  if (!in.identity_fold.empty()) {
    BootstrapGroup g;
    g.stream = "rq1/bootstrap/program_identity";
    g.where = "program identity";
    g.rows_of_program = in.identity.rows;
    g.y = in.identity.code;
    g.n_classes = static_cast<int>(in.identity.names.size());
    g.require_every_class = false;
    for (size_t s = 0; s < plan.specs.size(); ++s)
      if (plan.specs[s].variant == Variant::Identity || plan.specs[s].variant == Variant::IdentityZ) g.members.push_back(s);
    groups.push_back(std::move(g));
  }
  return groups;
}

// Table IV / Fig. 2 / Table V rows with their bootstrap CIs.
void summarise_splits(const Inputs& in, const Plan& plan, const Scores& sc, const BootstrapResult& boot,
                      const Rq1Options& o, Rq1Results& res) {
  const std::vector<double> no_replicates;
  auto replicates = [&](size_t s, size_t m) -> const std::vector<double>& {
    return o.bootstrap > 0 ? boot.values[s][m] : no_replicates;
  };
  auto cell = [&](size_t s, size_t m) { return bootstrap_cell(sc.point[s][m], replicates(s, m), o.level_percent); };
  auto gap_cell = [&](size_t a, size_t b, size_t m) {
    return paired_gap_cell(sc.point[a][m], sc.point[b][m], replicates(a, m), replicates(b, m), o.level_percent);
  };
  const MetricSet& metrics = metric_set("diagnosis");
  const Cell none{kNaN, kNaN, kNaN};
  for (size_t t = 0; t < in.tasks.size(); ++t) {
    const int ti = static_cast<int>(t);
    const std::string& task = in.tasks[t].def->name;
    int redraws = 0;
    for (int r : boot.redraws[t]) redraws += r;
    res.bootstrap_redraws[task] = redraws;
    for (int k : o.windows) {
      const size_t w = plan.find(ti, k, Scheme::Within, Variant::Raw), h = plan.find(ti, k, Scheme::HeldOut, Variant::Raw),
                   l = plan.find(ti, k, Scheme::Lopo, Variant::Raw);
      for (size_t m = 0; m < metrics.size(); ++m)
        res.splits.push_back({task, k, "raw", metrics[m]->name(), cell(w, m), cell(h, m), cell(l, m), gap_cell(w, h, m),
                              gap_cell(w, l, m)});
    }
    const size_t w = plan.find(ti, o.table_window, Scheme::Within, Variant::ProgramZ),
                 h = plan.find(ti, o.table_window, Scheme::HeldOut, Variant::ProgramZ);
    for (size_t m = 0; m < metrics.size(); ++m)
      res.splits.push_back(
          {task, o.table_window, "program_z", metrics[m]->name(), cell(w, m), cell(h, m), none, gap_cell(w, h, m), none});
  }
}

// Fig. 3b: permuted scores against the observed one.
void summarise_permutations(const Inputs& in, const Plan& plan, const Scores& sc, const Rq1Options& o,
                            Rq1Results& res) {
  if (o.permutations == 0) return;
  const MetricSet& metrics = metric_set("diagnosis");
  for (size_t t = 0; t < in.tasks.size(); ++t)
    for (int k : o.windows)
      for (Scheme s : {Scheme::Within, Scheme::HeldOut}) {
        const int ti = static_cast<int>(t);
        const size_t observed = plan.find(ti, k, s, Variant::Raw);
        for (size_t m = 0; m < metrics.size(); ++m) {
          PermutationRow row;
          row.task = in.tasks[t].def->name;
          row.k = k;
          row.scheme = scheme_name(s);
          row.metric = metrics[m]->name();
          row.observed = sc.point[observed][m];
          for (int p = 0; p < o.permutations; ++p) row.values.push_back(sc.point[plan.find(ti, k, s, Variant::Permuted, p)][m]);
          row.median = percentile(row.values, 50);
          row.q25 = percentile(row.values, 25);
          row.q75 = percentile(row.values, 75);
          row.min = *std::min_element(row.values.begin(), row.values.end());
          row.max = *std::max_element(row.values.begin(), row.values.end());
          for (double v : row.values)
            row.at_least_observed += metrics[m]->bigger_is_better() ? v >= row.observed : v <= row.observed;
          res.permutations.push_back(std::move(row));
        }
      }
}

// Fig. 3a: program identity vs k; Table V's identity row (raw and program_z at the table window).
void summarise_identity(const Inputs& in, const Plan& plan, const Scores& sc, const BootstrapResult& boot,
                        const Rq1Options& o, Rq1Results& res) {
  if (in.identity_fold.empty()) return;
  const size_t G = in.identity.names.size(), n = in.identity.code.size();
  size_t largest = 0;
  for (const auto& rows : in.identity.rows) largest = std::max(largest, rows.size());
  const std::vector<double> no_replicates;
  auto cell = [&](size_t s, size_t m) {  // identity set: accuracy, balanced accuracy
    return bootstrap_cell(sc.point[s][m], o.bootstrap > 0 ? boot.values[s][m] : no_replicates, o.level_percent);
  };
  auto row = [&](size_t s, int k, const char* variant) {
    res.identity.push_back({k, variant, cell(s, 0), cell(s, 1), 1.0 / double(G), double(largest) / double(n), n, G});
  };
  for (int k : o.windows) row(plan.find(-1, k, Scheme::Within, Variant::Identity), k, "raw");
  row(plan.find(-1, o.table_window, Scheme::Within, Variant::IdentityZ), o.table_window, "program_z");
}

// Fig. 4: MMD^2 between programs and labels, silhouettes, on baseline features.
struct SeparationData {
  FeatureMatrix base;
  std::vector<int> kept;  // columns of base after imputation
  Eigen::MatrixXd Z;
};

SeparationData separate(const Inputs& in, const Rq1Options& o, Engine& engine, Separation& sep) {
  const RunTable& table = in.table;
  sep.k = o.table_window;
  sep.channels = baseline_channels();
  for (const auto& c : sep.channels)
    if (std::find(table.all_channels.begin(), table.all_channels.end(), c) == table.all_channels.end())
      throw Error(table.corpus, "MMD needs the baseline channel '" + c + "'");
  SeparationData d;
  d.base = window_features(table, o.table_window, sep.channels);
  MedianImputer imputer;
  imputer.fit(d.base.values);
  d.kept = imputer.kept_columns();
  d.Z = imputer.transform(d.base.values);
  StandardScaler scaler;
  scaler.fit(d.Z);
  scaler.transform_in_place(d.Z);
  const Eigen::MatrixXd& Z = d.Z;
  sep.programs = in.identity.names;
  sep.median_sq_distance = median_squared_distance(Z);
  const size_t G = sep.programs.size();
  const auto& program_rows = in.identity.rows;
  const auto mmd_rows = engine.run("MMD", G, [&](size_t i) {
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
  const ProgramIndex by_label = index_programs(labels);
  sep.labels = by_label.names;
  const size_t L = sep.labels.size();
  sep.label_mmd2.assign(L, std::vector<double>(L, 0.0));
  for (size_t i = 0; i < L; ++i)
    for (size_t j = i + 1; j < L; ++j)
      sep.label_mmd2[i][j] = sep.label_mmd2[j][i] =
          mmd2_biased(take_rows(Z, by_label.rows[i]), take_rows(Z, by_label.rows[j]), sep.median_sq_distance);
  const size_t n = in.identity.code.size();
  sep.silhouette_program = G >= 2 && G <= n - 1 ? silhouette_score(Z, in.identity.code) : kNaN;
  sep.silhouette_label_defined = L >= 2 && L <= labels.size() - 1;
  sep.silhouette_label = sep.silhouette_label_defined ? silhouette_score(Z, by_label.code) : kNaN;
  return d;
}

// --dump: folds, features, predictions and replicates behind every number.
std::map<std::string, std::string> dump(const Inputs& in, const Plan& plan, const std::vector<OutOfFold>& oof,
                                        const BootstrapResult& boot, const std::vector<BootstrapGroup>& groups,
                                        const Scores& sc, const SeparationData& sep, const Rq1Options& o) {
  std::map<std::string, std::string> files;
  const RunTable& table = in.table;
  auto run_prefix = [&](const EvaluatedRun& run) {
    return csv_field(run.run_id) + "," + csv_field(run.program) + "," + csv_field(run.label);
  };
  for (int k : o.windows) {
    const FeatureMatrix& fm = in.features.at(k);
    std::ostringstream f;
    f << "run_id,program,label";
    for (const auto& n : fm.names) f << "," << n;
    f << "\n";
    for (size_t r = 0; r < table.runs.size(); ++r) {
      f << run_prefix(table.runs[r]);
      for (Eigen::Index j = 0; j < fm.values.cols(); ++j) f << "," << format_g17(fm.values(r, j));
      f << "\n";
    }
    files["features/k" + std::to_string(k) + ".csv"] = f.str();
  }
  for (const auto& td : in.tasks) {
    std::ostringstream f;
    f << "run_id,program,label,class,fold_within,fold_heldout,fold_lopo\n";
    for (size_t i = 0; i < td.labels.rows.size(); ++i)
      f << run_prefix(table.runs[td.labels.rows[i]]) << "," << csv_field(td.labels.classes[td.labels.y[i]]) << ","
        << td.fold_within[i] << "," << td.fold_heldout[i] << "," << td.fold_lopo[i] << "\n";
    files["folds/" + td.def->name + ".csv"] = f.str();
  }
  for (size_t s = 0; s < plan.specs.size(); ++s) {
    const Spec& sp = plan.specs[s];
    const Evaluation& ev = plan.evaluations[s];
    const bool identity = sp.variant == Variant::Identity || sp.variant == Variant::IdentityZ;
    std::ostringstream f;
    f << "run_id,program,y,fold,predicted";
    for (int c = 0; c < ev.n_classes; ++c)
      f << ",p_" << csv_field(identity ? in.identity.names[c] : in.tasks[sp.task].labels.classes[c]);
    f << "\n";
    for (size_t i = 0; i < ev.y.size(); ++i) {
      const auto& run = table.runs[identity ? i : static_cast<size_t>(in.tasks[sp.task].labels.rows[i])];
      f << csv_field(run.run_id) << "," << csv_field(run.program) << "," << ev.y[i] << "," << ev.fold[i] << ","
        << oof[s].predicted[i];
      for (int c = 0; c < ev.n_classes; ++c) f << "," << format_g17(oof[s].proba(i, c));
      f << "\n";
    }
    files[(sp.variant == Variant::Permuted ? "permutations/" : "predictions/") + ev.name + ".csv"] = f.str();
  }
  std::vector<std::string> evaluation_names;
  for (const Evaluation& ev : plan.evaluations) evaluation_names.push_back(ev.name);
  for (size_t t = 0; t < groups.size(); ++t) {
    const bool identity = t == in.tasks.size();  // bootstrap_groups() appends the identity group last
    dump_bootstrap_group(files, "bootstrap/" + (identity ? std::string("program_identity") : in.tasks[t].def->name), boot,
                         t, groups[t], sc.sets, evaluation_names,
                         identity ? in.identity.names : in.tasks[t].programs.names);
  }
  std::ostringstream f;
  f << "run_id,program,label";
  for (Eigen::Index j = 0; j < sep.Z.cols(); ++j) f << "," << sep.base.names[sep.kept[j]] << "_standardised";
  f << "\n";
  for (size_t r = 0; r < table.runs.size(); ++r) {
    f << run_prefix(table.runs[r]);
    for (Eigen::Index j = 0; j < sep.Z.cols(); ++j) f << "," << format_g17(sep.Z(r, j));
    f << "\n";
  }
  files["separation/features.csv"] = f.str();
  return files;
}

}  // namespace

Rq1Output run_rq1(const CorpusReader& corpus, const Rq1Options& o, Engine& engine) {
  check_options(o);
  Rq1Output out;
  Rq1Results& res = out.results;
  res.options = o;
  res.corpus = corpus.path();
  res.ranks = engine.size();
  const Inputs in = prepare(corpus, o, res);
  const Plan plan = plan_evaluations(in, o);
  const std::vector<OutOfFold> oof = engine.cross_validate(plan.evaluations);
  const Scores sc = score(plan, oof);
  const std::vector<BootstrapGroup> groups = bootstrap_groups(in, plan);
  const BootstrapResult boot = engine.cluster_bootstrap(groups, sc.sets, o.bootstrap, o.seed, o.dump);
  summarise_splits(in, plan, sc, boot, o, res);
  summarise_permutations(in, plan, sc, o, res);
  summarise_identity(in, plan, sc, boot, o, res);
  const SeparationData sep = separate(in, o, engine, res.separation);
  if (o.dump) out.dump = dump(in, plan, oof, boot, groups, sc, sep, o);
  return out;
}

}  // namespace dynfault::evaluate
