// `dynfault evaluate rq1 corpus.h5 --out results/`: the RQ1 analyses
// (docs/evaluate.md). Under `mpirun -np R` the work is sharded over ranks and
// rank 0 writes the (rank-count independent) results.
#include <chrono>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "core/corpus.h"
#include "core/error.h"
#include "core/mpi.h"
#include "core/seed.h"
#include "evaluate/output_dir.h"
#include "evaluate/rq1.h"

namespace dynfault::cli {
namespace {

std::vector<int> parse_windows(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const int k = std::stoi(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(k);
    } catch (const std::exception&) {
      throw Error("--k", "'" + item + "' is not a window length");
    }
  }
  return out;
}

struct Rq1Args {
  std::string corpus, out, dump, windows = "1,3,5,10,20,50", channels = "baseline", tasks, labels = "killed";
  int table_window = 5, folds = 5, bootstrap = 1000, permutations = 25;
  std::string seed = "0";  // text: parse_seed
  bool no_shuffle = false, quiet = false;
};

void run_rq1_command(const Rq1Args& a) {
  using namespace evaluate;
  mpi::Session comm;
  const auto start = std::chrono::steady_clock::now();
  Rq1Options o;
  o.channels = a.channels;
  o.labels = parse_label_source(a.labels);
  o.windows = parse_windows(a.windows);
  o.table_window = a.table_window;
  o.folds = a.folds;
  o.bootstrap = a.bootstrap;
  o.permutations = a.permutations;
  o.seed = static_cast<uint32_t>(parse_seed("--seed", a.seed, UINT32_MAX));  // numpy's RandomState range
  o.shuffle_within = !a.no_shuffle;
  if (!a.tasks.empty()) {
    std::stringstream in(a.tasks);
    std::string t;
    while (std::getline(in, t, ','))
      if (!t.empty()) o.tasks.push_back(t);
  }
  o.dump = !a.dump.empty();
  check_output_directory(a.out);
  if (o.dump) check_output_directory(a.dump);
  const CorpusReader corpus(a.corpus);
  Rq1Output result = run_rq1(corpus, o, comm);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (comm.rank() != 0) return;
  write_directory_atomically(a.out, render_rq1(result.results));
  if (o.dump) write_directory_atomically(a.dump, result.dump);
  if (!a.quiet)
    std::cerr << "dynfault evaluate rq1: " << result.results.runs << " runs, " << result.results.programs
              << " programs, " << comm.size() << " rank(s), " << seconds << " s; results in " << a.out << "\n";
}

const Register reg("evaluate", "Evaluate diagnosis on a corpus (rq1: within-program vs program-held-out)",
                   [](CLI::App& sub) {
                     sub.require_subcommand(1);
                     auto* rq1 = sub.add_subcommand("rq1", "RQ1 tables and figures data (docs/evaluate.md)");
                     auto a = std::make_shared<Rq1Args>();
                     rq1->add_option("corpus", a->corpus, "corpus file (HDF5)")->required();
                     rq1->add_option("--out", a->out, "results directory (written atomically)")->required();
                     rq1->add_option("--dump", a->dump, "also write folds, features and predictions here");
                     rq1->add_option("--k", a->windows, "windows in epochs, comma-separated")->capture_default_str();
                     rq1->add_option("--table-k", a->table_window, "window of Tables IV/V and the MMD")->capture_default_str();
                     rq1->add_option("--channels", a->channels, "channel sets/names: baseline, cf, of, all, or channels")
                         ->capture_default_str();
                     rq1->add_option("--tasks", a->tasks, "cat4,cat6,fam3 (default: all that the corpus supports)");
                     rq1->add_option("--labels", a->labels,
                                     "killed: killed mutants labelled by category (the paper); category: every mutant run")
                         ->capture_default_str();
                     rq1->add_option("--folds", a->folds, "K of the K-fold splits")->capture_default_str();
                     rq1->add_option("--bootstrap", a->bootstrap, "cluster-bootstrap replicates (0: no CIs)")
                         ->capture_default_str();
                     rq1->add_option("--permutations", a->permutations, "within-program label permutations")
                         ->capture_default_str();
                     rq1->add_option("--seed", a->seed, "seed (StratifiedKFold random_state; base of all streams)")
                         ->capture_default_str();
                     rq1->add_flag("--no-shuffle", a->no_shuffle, "StratifiedKFold(shuffle=False) for within-program folds");
                     rq1->add_flag("--quiet", a->quiet, "no progress line");
                     rq1->callback([a] { run_rq1_command(*a); });
                   });

}  // namespace
}  // namespace dynfault::cli
