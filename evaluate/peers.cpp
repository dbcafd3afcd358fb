#include "evaluate/peers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/error.h"
#include "core/seed.h"
#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/bootstrap.h"
#include "evaluate/comparison.h"
#include "evaluate/diagnosis_problem.h"
#include "evaluate/labels.h"
#include "evaluate/peer_inputs.h"
#include "evaluate/preprocess.h"
#include "evaluate/splits.h"

namespace dynfault::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kLevelPercent = 95;

bool is_feature_technique(const std::string& t) { return t == "default" || t == "deepfd"; }
std::string forest_of(const std::string& t) { return "random_forest_" + t; }

std::vector<std::string> requested_techniques(const PeersOptions& o) {
  if (o.techniques.empty()) return peer_techniques();
  for (const auto& t : o.techniques)
    if (std::find(peer_techniques().begin(), peer_techniques().end(), t) == peer_techniques().end())
      throw Error("--techniques", "unknown technique '" + t + "' (default, deepfd, autotrainer, deepdiagnosis)");
  return o.techniques;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

// A technique that cannot run: an error when requested by name, a note otherwise.
void cannot_run(const PeersOptions& o, PeersResults& res, const std::string& corpus, const std::string& technique,
                const std::string& why) {
  if (!o.techniques.empty()) throw CannotRun(corpus, "peer technique " + technique + " cannot run: " + why);
  res.notes.push_back(technique + " skipped: " + why);
}

void run_rules(const RunTable& table, const PeersOptions& o, PeersResults& res) {
  for (const PeerRuleSet& set : peer_rule_sets()) {
    const auto techniques = requested_techniques(o);
    if (std::find(techniques.begin(), techniques.end(), set.name) == techniques.end()) continue;
    const auto& rules = set.rules();
    std::vector<bool> computable(rules.size(), true);
    std::vector<std::string> missing;
    for (size_t i = 0; i < rules.size(); ++i) {
      std::set<std::string> absent;
      for (size_t r = 0; r < table.runs.size(); ++r) {
        const RunInputs run(table, r);
        for (const auto& in : rules[i].inputs)
          if (!has_input(run, in)) absent.insert(in);
      }
      if (!absent.empty()) {
        computable[i] = false;
        missing.push_back(rules[i].name + " (" + join({absent.begin(), absent.end()}) + ")");
      }
    }
    if (std::none_of(computable.begin(), computable.end(), [](bool c) { return c; })) {
      cannot_run(o, res, table.corpus, set.name, "no rule has its inputs: " + join(missing));
      continue;
    }
    res.not_computable[set.name] = missing;
    // fired[rule][run]; the last row is "any computable rule".
    std::vector<std::vector<bool>> fired(rules.size() + 1, std::vector<bool>(table.runs.size(), false));
    for (size_t r = 0; r < table.runs.size(); ++r) {
      const RunInputs run(table, r);
      for (size_t i = 0; i < rules.size(); ++i)
        if (computable[i] && rules[i].fires(run)) fired[i][r] = fired[rules.size()][r] = true;
    }
    std::vector<std::string> groups = {"all"};
    groups.insert(groups.end(), res.categories.begin(), res.categories.end());
    for (size_t i = 0; i <= rules.size(); ++i)
      for (const auto& g : groups) {
        RuleRow row;
        row.rule_set = set.name;
        row.rule = i < rules.size() ? rules[i].name : "any_rule";
        row.category = g;
        row.computable = i < rules.size() ? bool(computable[i]) : true;
        for (size_t r = 0; r < table.runs.size(); ++r)
          if (g == "all" || table.runs[r].label == g) {
            ++row.traces;
            row.fired += fired[i][r];
          }
        res.rules.push_back(row);
      }
  }
}

struct Planned {
  size_t technique;  // index into res.features
  std::string classifier;
  bool within;
};

}  // namespace

const std::vector<std::string>& peer_techniques() {
  static const std::vector<std::string> t = {"default", "deepfd", "autotrainer", "deepdiagnosis"};
  return t;
}

PeersOutput run_peers(const CorpusReader& corpus, const PeersOptions& o, Engine& engine) {
  if (o.k < 1) throw Error("--table-k", "the window must be at least 1 epoch");
  check_cv_options(o.folds, o.bootstrap, {o.k});
  if (o.classifiers.empty()) throw Error("--classifiers", "no classifier given (lr, rf)");
  for (const auto& c : o.classifiers)
    if (c != "lr" && c != "rf") throw Error("--classifiers", "unknown classifier '" + c + "' (lr, rf)");
  PeersOutput out;
  PeersResults& res = out.results;
  res.options = o;
  res.corpus = corpus.path();
  res.ranks = engine.size();
  const std::vector<std::string> techniques = requested_techniques(o);
  const RunTable table = load_runs(corpus, o.labels, o.include_terminated);
  if (static_cast<size_t>(o.k) > table.max_epochs())
    throw Error("--table-k", "window k=" + std::to_string(o.k) + " is longer than every run (the longest logged " +
                                 std::to_string(table.max_epochs()) + " epochs)");
  res.runs = table.runs.size();
  res.skipped_unlabelled = table.skipped_unlabelled;
  res.skipped_empty = table.skipped_empty;
  res.skipped_terminated = table.skipped_terminated;
  std::set<std::string> programs, categories;
  for (const auto& r : table.runs) programs.insert(r.program), categories.insert(r.label);
  res.programs = programs.size();
  res.categories.assign(categories.begin(), categories.end());
  res.run_identity = table.runs;

  // Features, and the cat4 task they are diagnosed on.
  const DiagnosisProblem& task = find_problem("cat4");
  const Labeling labels = fault_category_labels(table, task);
  std::vector<std::string> missing_classes;
  for (size_t c = 0; c < task.classes.size(); ++c)
    if (std::find(labels.y.begin(), labels.y.end(), static_cast<int>(c)) == labels.y.end())
      missing_classes.push_back(task.classes[c].name);
  for (const auto& t : techniques) {
    if (!is_feature_technique(t)) continue;
    PeerFeatures f = t == "default" ? default_features(table, o.k) : deepfd_features(table, o.k);
    if (!f.required_missing.empty()) {
      cannot_run(o, res, corpus.path(), t, "the corpus lacks " + join(f.required_missing));
      continue;
    }
    if (!missing_classes.empty()) {
      cannot_run(o, res, corpus.path(), t, "task cat4 lacks class(es) " + join(missing_classes));
      continue;
    }
    res.not_computable[t] = f.not_computable;
    res.features.push_back(std::move(f));
  }
  run_rules(table, o, res);
  if (res.features.empty() && res.rules.empty())
    throw CannotRun(corpus.path(), "no peer technique can run: " + join(res.notes));

  if (!res.features.empty()) {
    std::vector<std::string> row_programs;
    for (int r : labels.rows) row_programs.push_back(table.runs[static_cast<size_t>(r)].program);
    const std::vector<int> fold_within =
        stratified_kfold(labels.y, o.folds, o.shuffle_within ? std::optional<uint32_t>(o.seed) : std::nullopt,
                         "task cat4 (within-program folds)");
    const std::vector<int> fold_heldout = group_kfold(row_programs, o.folds, "task cat4 (program-held-out folds)");
    std::vector<Eigen::MatrixXd> X;
    for (const auto& f : res.features) X.push_back(take_rows(f.values, labels.rows));
    std::vector<Planned> plan;
    std::vector<Evaluation> evaluations;
    for (size_t t = 0; t < res.features.size(); ++t)
      for (const std::string& part : o.classifiers)
        for (bool within : {true, false}) {
          const std::string& technique = res.features[t].technique;
          const std::string classifier = part == "lr" ? "logistic_regression"
                                         : o.rf_grid && technique == "default" ? forest_of(technique) + "_grid"
                                                                               : forest_of(technique);
          plan.push_back({t, classifier, within});
          Evaluation e;
          e.name = res.features[t].technique + "_" + classifier + (within ? "_within" : "_heldout");
          e.X = &X[t];
          e.y = labels.y;
          e.fold = within ? fold_within : fold_heldout;
          e.n_classes = static_cast<int>(task.classes.size());
          e.classifier = classifier;
          e.seed = derive_seed(o.seed, "peers/forest");
          evaluations.push_back(std::move(e));
        }
    const std::vector<OutOfFold> oof = engine.cross_validate(evaluations);
    std::vector<std::unique_ptr<ScoredPredictions>> predictions;
    std::vector<ScoredSet> sets;
    std::vector<double> point;
    const MetricSet& metrics = metric_set("diagnosis");  // [0] balanced accuracy
    for (size_t i = 0; i < evaluations.size(); ++i) {
      predictions.push_back(std::make_unique<ScoredPredictions>(evaluations[i].y, oof[i].proba, oof[i].predicted));
      sets.push_back({predictions.back().get(), &metrics});
      point.push_back(eval_metrics(metrics, *predictions.back(), std::vector<double>(labels.y.size(), 1.0))[0]);
    }
    BootstrapGroup group;
    group.stream = "peers/bootstrap/cat4";
    group.where = "task cat4";
    std::map<std::string, int> program_code;
    for (const auto& p : row_programs) program_code.emplace(p, 0);
    int code = 0;
    for (auto& [p, c] : program_code) c = code++;
    group.rows_of_program.assign(program_code.size(), {});
    for (size_t i = 0; i < row_programs.size(); ++i) group.rows_of_program[program_code[row_programs[i]]].push_back(int(i));
    group.y = labels.y;
    group.n_classes = static_cast<int>(task.classes.size());
    for (size_t i = 0; i < evaluations.size(); ++i) group.members.push_back(i);
    const BootstrapResult boot = engine.cluster_bootstrap({group}, sets, o.bootstrap, o.seed, false);
    auto interval = [&](const std::vector<double>& values, double value) {
      Cell c{value, kNaN, kNaN};
      if (o.bootstrap > 0) {
        const Interval iv = percentile_interval(values, kLevelPercent);
        c.low = iv.low;
        c.high = iv.high;
      }
      return c;
    };
    for (size_t i = 0; i < plan.size(); i += 2) {  // (within, heldout) pairs
      const size_t w = i, h = i + 1;
      Fig13Row row;
      row.technique = res.features[plan[i].technique].technique;
      row.classifier = plan[i].classifier;
      row.features = static_cast<size_t>(X[plan[i].technique].cols());
      row.runs = labels.y.size();
      row.programs = program_code.size();
      row.within = interval(boot.values[w][0], point[w]);
      row.heldout = interval(boot.values[h][0], point[h]);
      std::vector<double> d(boot.values[w][0].size());
      for (size_t b = 0; b < d.size(); ++b) d[b] = boot.values[w][0][b] - boot.values[h][0][b];
      row.gap = interval(d, point[w] - point[h]);
      res.fig13.push_back(row);
    }
    if (o.dump) {
      std::ostringstream folds;  // the folds every evaluation used (bench/peers_sklearn.py refits on them)
      folds << "run_id,program,label,class,fold_within,fold_heldout\n";
      for (size_t r = 0; r < labels.rows.size(); ++r) {
        const auto& run = table.runs[static_cast<size_t>(labels.rows[r])];
        folds << csv_field(run.run_id) << "," << csv_field(run.program) << "," << csv_field(run.label) << ","
              << labels.y[r] << "," << fold_within[r] << "," << fold_heldout[r] << "\n";
      }
      out.dump["folds/cat4.csv"] = folds.str();
      for (size_t i = 0; i < evaluations.size(); ++i) {
        std::ostringstream f;
        f << "run_id,program,y,fold,predicted\n";
        for (size_t r = 0; r < labels.rows.size(); ++r) {
          const auto& run = table.runs[static_cast<size_t>(labels.rows[r])];
          f << csv_field(run.run_id) << "," << csv_field(run.program) << "," << labels.y[r] << ","
            << evaluations[i].fold[r] << "," << oof[i].predicted[r] << "\n";
        }
        out.dump["predictions/" + evaluations[i].name + ".csv"] = f.str();
      }
    }
  }
  return out;
}

std::map<std::string, std::string> render_peers(const PeersResults& res) {
  std::map<std::string, std::string> files;
  const PeersOptions& o = res.options;
  nlohmann::json not_computable = nlohmann::json::object();
  for (const auto& [t, items] : res.not_computable) not_computable[t] = items;
  // "runs" + "runs_skipped_zero_epochs" = the corpus's runs (report/results.cpp checks it).
  files["run.json"] = run_json_text(nlohmann::json{{"analysis", "peers"},
                     {"corpus", res.corpus},
                     {"runs", res.runs + res.skipped_unlabelled},
                     {"runs_evaluated", res.runs},
                     {"runs_skipped_unlabelled", res.skipped_unlabelled},
                     {"runs_skipped_zero_epochs", res.skipped_empty},
                     {"programs", res.programs},
                     {"task", "cat4"},
                     {"table_window", o.k},
                     {"folds", o.folds},
                     {"within_split", o.shuffle_within ? "StratifiedKFold(shuffle=True, random_state=seed)"
                                                        : "StratifiedKFold(shuffle=False)"},
                     {"heldout_split", "GroupKFold by program"},
                     {"seed", o.seed},
                     {"bootstrap_replicates", o.bootstrap},
                     {"confidence_level_percent", kLevelPercent},
                     {"classifiers", o.classifiers},
                     {"techniques", o.techniques.empty() ? peer_techniques() : o.techniques},
                     {"not_computable", not_computable},
                     {"notes", res.notes}}
          , res.skipped_terminated);
  {
    std::ostringstream f;
    f << "technique,classifier,features,runs,programs,within,within_low,within_high,heldout,heldout_low,heldout_high,"
         "gap,gap_low,gap_high\n";
    for (const auto& r : res.fig13)
      f << r.technique << "," << r.classifier << "," << r.features << "," << r.runs << "," << r.programs << ","
        << num(r.within.value) << "," << num(r.within.low) << "," << num(r.within.high) << "," << num(r.heldout.value)
        << "," << num(r.heldout.low) << "," << num(r.heldout.high) << "," << num(r.gap.value) << ","
        << num(r.gap.low) << "," << num(r.gap.high) << "\n";
    files["fig13.csv"] = f.str();
  }
  {
    std::ostringstream f;
    f << "rule_set,rule,category,computable,traces,fired,share\n";
    for (const auto& r : res.rules)
      f << r.rule_set << "," << r.rule << "," << csv_field(r.category) << "," << (r.computable ? 1 : 0) << ","
        << r.traces << "," << (r.computable ? std::to_string(r.fired) : "") << ","
        << (r.computable && r.traces ? format_g17(double(r.fired) / double(r.traces)) : "") << "\n";
    files["rules.csv"] = f.str();
  }
  {
    std::ostringstream f;
    f << "technique,not_computable\n";
    for (const auto& [t, items] : res.not_computable)
      for (const auto& i : items) f << t << "," << csv_field(i) << "\n";
    files["not_computable.csv"] = f.str();
  }
  for (const auto& feat : res.features) {
    std::ostringstream f;
    f << "run_id,program,label";
    for (const auto& n : feat.names) f << "," << n;
    f << "\n";
    for (size_t r = 0; r < res.run_identity.size(); ++r) {
      const auto& run = res.run_identity[r];
      f << csv_field(run.run_id) << "," << csv_field(run.program) << "," << csv_field(run.label);
      for (Eigen::Index c = 0; c < feat.values.cols(); ++c) f << "," << format_g17(feat.values(static_cast<Eigen::Index>(r), c));
      f << "\n";
    }
    files["features_" + feat.technique + ".csv"] = f.str();
  }
  std::ostringstream s;
  s << "# Peer re-evaluation\n\n"
    << "Corpus `" << res.corpus << "`: " << res.runs << " runs, " << res.programs << " programs; cat4 at k="
    << res.options.k << ", balanced accuracy, 95 % cluster-bootstrap CIs over programs (" << res.options.bootstrap
    << " replicates).\n\n## Fig. 13: within-program vs program-held-out\n\n"
    << "| technique | classifier | features | within | held-out | gap |\n|---|---|---|---|---|---|\n";
  auto cell = [](const Cell& c) {
    return num3(c.value) + (std::isnan(c.low) ? "" : " [" + num3(c.low) + ", " + num3(c.high) + "]");
  };
  for (const auto& r : res.fig13)
    s << "| " << r.technique << " | " << r.classifier << " | " << r.features << " | " << cell(r.within) << " | "
      << cell(r.heldout) << " | " << cell(r.gap) << " |\n";
  s << "\n## Rules (they flag training problems; they do not classify fault types)\n\n"
    << "| rule set | rule | traces | fired | share |\n|---|---|---|---|---|\n";
  for (const auto& r : res.rules)
    if (r.category == "all")
      s << "| " << r.rule_set << " | " << r.rule << " | " << r.traces << " | "
        << (r.computable ? std::to_string(r.fired) : "not computable") << " | "
        << (r.computable && r.traces ? format_fixed(100.0 * double(r.fired) / double(r.traces), 1) + " %" : "") << " |\n";
  s << "\n## Not computable on this corpus\n\n";
  for (const auto& [t, items] : res.not_computable)
    s << "- " << t << ": " << (items.empty() ? "none" : join(items)) << "\n";
  for (const auto& n : res.notes) s << "- " << n << "\n";
  files["summary.md"] = s.str();
  return files;
}

}  // namespace dynfault::evaluate
