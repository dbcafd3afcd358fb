#pragma once
// The evaluation engine. Analyses describe their work as units; the engine
// runs them over MPI ranks (work_units.h: unit u on rank u mod R, seeds from
// the unit's identity, never the rank), gathers every result on every rank in
// unit order, and reports progress (units done/total, ETA) on stderr when a
// phase runs longer than a few seconds. The two unit kinds every analysis
// shares are here: (evaluation x fold) fits and (group x replicate) cluster-
// bootstrap draws. The engine owns the only MPI communicator of the process.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "evaluate/metrics.h"
#include "evaluate/work_units.h"

namespace dynfault::evaluate {


// One cross-validated evaluation: out-of-fold predictions of a classifier.
struct Evaluation {
  std::string name;                   // for messages and dump files
  const Eigen::MatrixXd* X = nullptr; // clipped features, rows as y
  std::vector<int> y;                 // class codes 0..n_classes-1
  std::vector<int> fold;              // test fold of every row
  int n_classes = 0;
  std::string classifier = "logistic_regression";
  uint64_t seed = 0;  // randomised classifiers: fold f fits with derive_seed(seed, name + "/fold/" + f)
};

struct OutOfFold {
  Eigen::MatrixXd proba;       // rows x n_classes, pooled over the folds
  std::vector<int> predicted;  // class code per row
};

// Cluster bootstrap over programs (bootstrap.h) for a group of prediction sets
// on the same rows (e.g. every window and split of a task): replicate b draws
// programs with UnitRng(derive_seed(seed, stream + "/" + b)) and scores every
// member under the draw counts.
struct BootstrapGroup {
  std::string stream;
  std::string where;  // for messages, e.g. "task cat4"
  std::vector<std::vector<int>> rows_of_program;
  std::vector<int> y;
  int n_classes = 0;
  bool require_every_class = true;  // false: no redraws (metrics over the classes drawn)
  std::vector<size_t> members;      // indices into the scored sets
};

struct ScoredSet {
  const ScoredPredictions* predictions = nullptr;
  const MetricSet* metrics = nullptr;
};

struct BootstrapResult {
  std::vector<std::vector<std::vector<double>>> values;  // scored set -> metric -> replicate
  std::vector<std::vector<int>> redraws;                 // group -> replicate
  std::vector<std::vector<std::vector<int>>> draws;      // group -> replicate -> programs drawn (keep_draws)
};

// The --dump files of bootstrap group `group` (cluster_bootstrap with keep_draws):
// <prefix>_replicates.csv (replicate, redraws, evaluation, metric, value) and
// <prefix>_draws.csv (replicate, draw, program). evaluation_names and
// program_names are indexed as the scored sets and the group's program codes.
void dump_bootstrap_group(std::map<std::string, std::string>& files, const std::string& prefix,
                          const BootstrapResult& boot, size_t group, const BootstrapGroup& g,
                          const std::vector<ScoredSet>& scored, const std::vector<std::string>& evaluation_names,
                          const std::vector<std::string>& program_names);

class Engine {
 public:
  explicit Engine(bool progress = true);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  int rank() const;
  int size() const;

  // n units computed by `compute` (a pure function of the unit index).
  std::vector<UnitResult> run(const std::string& phase, size_t n, const std::function<UnitResult(size_t)>& compute);

  std::vector<OutOfFold> cross_validate(const std::vector<Evaluation>& evaluations);

  BootstrapResult cluster_bootstrap(const std::vector<BootstrapGroup>& groups, const std::vector<ScoredSet>& scored,
                                    int replicates, uint64_t seed, bool keep_draws);

 private:
  std::unique_ptr<mpi::Session> comm_;
  bool progress_;
};

}  // namespace dynfault::evaluate
