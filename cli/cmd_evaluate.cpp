// `dynfault evaluate <analysis> corpus.h5 --out results/` (docs/evaluate.md):
// one subcommand per analysis of evaluate/analyses/, plus `all`. Under
// `mpirun -np R` the work is sharded over ranks and rank 0 writes the
// (rank-count independent) results.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>

#include "cli/command.h"
#include "core/corpus.h"
#include "core/error.h"
#include "evaluate/analysis.h"
#include "core/atomic_dir.h"

namespace dynfault::cli {
namespace {

struct Args {
  std::string analysis, corpus, out, dump;
  bool quiet = false;
  evaluate::AnalysisArgs a;
};

void run_command(const Args& args) {
  using namespace evaluate;
  const auto start = std::chrono::steady_clock::now();
  AnalysisArgs a = args.a;
  a.dump = !args.dump.empty();
  check_output_directory(args.out);
  if (a.dump) check_output_directory(args.dump);
  Engine engine(!args.quiet);
  const CorpusReader corpus(args.corpus);
  const AnalysisOutput result = args.analysis == "all" ? run_all_analyses(corpus, a, engine)
                                                       : analyses().make(args.analysis)->run(corpus, a, engine);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (engine.rank() != 0) return;
  write_directory_atomically(args.out, result.files);
  if (a.dump) write_directory_atomically(args.dump, result.dump);
  if (!args.quiet)
    std::cerr << "dynfault evaluate " << args.analysis << ": " << result.summary << ", " << engine.size()
              << " rank(s), " << seconds << " s; results in " << args.out << "\n";
}

// Every analysis option, added to the subcommands whose analysis reads it.
using OptionAdder = std::function<void(CLI::App&, evaluate::AnalysisArgs&)>;
const std::map<std::string, OptionAdder>& option_table() {
  static const std::map<std::string, OptionAdder> table = {
      {"--k", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--k", a.windows, "windows in epochs, comma-separated")->capture_default_str();
       }},
      {"--table-k", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--table-k", a.table_window, "window of Tables IV/V and the MMD")->capture_default_str();
       }},
      {"--channels", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--channels", a.channels, "channel sets/names: baseline, cf, of, all, or channels")
             ->capture_default_str();
       }},
      {"--tasks", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--tasks", a.tasks, "cat4,cat6,fam3 (default: all that the corpus supports)");
       }},
      {"--labels", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--labels", a.labels,
                      "killed: killed mutants labelled by category (the paper); category: every mutant run")
             ->capture_default_str();
       }},
      {"--folds", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--folds", a.folds, "K of the K-fold splits")->capture_default_str();
       }},
      {"--bootstrap", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--bootstrap", a.bootstrap, "cluster-bootstrap replicates (0: no CIs)")->capture_default_str();
       }},
      {"--permutations", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--permutations", a.permutations, "within-program label permutations")->capture_default_str();
       }},
      {"--seed", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--seed", a.seed, "seed (StratifiedKFold random_state; base of all streams)")->capture_default_str();
       }},
      {"--include-terminated", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_flag("--include-terminated", a.include_terminated,
                    "also evaluate runs a triage rule stopped (they hold only the epochs before the stop)");
       }},
      {"--no-shuffle", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_flag("--no-shuffle", a.no_shuffle, "StratifiedKFold(shuffle=False) for within-program folds");
       }},
      {"--thresholds", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--thresholds", a.thresholds,
                      "loss thresholds: the first labels instability, the others are sensitivity checks")
             ->capture_default_str();
       }},
      {"--clusters", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--clusters", a.clusters, "K values of the k-means silhouette sweep")->capture_default_str();
       }},
      {"--triage-k", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--triage-k", a.triage_k, "K of Table VII and the LOPO triage (Algorithm 1)")->capture_default_str();
       }},
      {"--parts", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--parts", a.parts,
                      "fig5a,table6,fig6,fig7,table7,triage,fig9 (default: every part the corpus supports)");
       }},
      {"--restarts", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--restarts", a.restarts, "k-means restarts (n_init)")->capture_default_str();
       }},
      // rq3
      {"--gap-rule", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--gap-rule", a.gap_rule,
                      "mismatch label: ge = |train_acc - val_acc| >= 0.1 (paper Eq. 4), gt = > 0.1 (acc_gap_too_big)")
             ->capture_default_str();
       }},
      // peers
      {"--techniques", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--techniques", a.techniques,
                      "default,deepfd,autotrainer,deepdiagnosis (default: every technique the corpus supports)");
       }},
      {"--rf-grid", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_flag("--rf-grid", a.rf_grid,
                    "DEFault's forest chosen by its grid search (216 settings x 5 inner folds per fold; docs/peers.md)");
       }},
      {"--classifiers", [](CLI::App& s, evaluate::AnalysisArgs& a) {
         s.add_option("--classifiers", a.peer_classifiers,
                      "Fig. 13 classifiers: lr (logistic regression), rf (each technique's random forest)")
             ->capture_default_str();
       }},
  };
  return table;
}

void add_subcommand(CLI::App& parent, const std::string& name, const std::string& help,
                    const std::vector<std::string>& options) {
  auto* sub = parent.add_subcommand(name, help);
  auto args = std::make_shared<Args>();
  args->analysis = name;
  sub->add_option("corpus", args->corpus, "corpus file (HDF5)")->required();
  sub->add_option("--out", args->out, "results directory (written atomically)")->required();
  sub->add_option("--dump", args->dump, "also write folds, features, predictions and every unit's result here");
  for (const auto& o : options) option_table().at(o)(*sub, args->a);
  sub->add_flag("--quiet", args->quiet, "no progress or summary line");
  sub->callback([args] { run_command(*args); });
}

const Register reg("evaluate", "Evaluate diagnosis on a corpus (rq1, rq2, ..., all; docs/evaluate.md)",
                   [](CLI::App& sub) {
                     sub.require_subcommand(1);
                     std::vector<std::string> every;
                     for (const auto& [name, summary] : evaluate::analyses().list()) {
                       const auto options = evaluate::analyses().make(name)->options();
                       add_subcommand(sub, name, summary, options);
                       for (const auto& o : options)
                         if (std::find(every.begin(), every.end(), o) == every.end()) every.push_back(o);
                     }
                     add_subcommand(sub, "all", "every analysis, each into <out>/<name>/", every);
                   });

}  // namespace
}  // namespace dynfault::cli
