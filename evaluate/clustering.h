#pragma once
// Clusterers by name, and k-means with scikit-learn 1.2 semantics:
//   KMeans(n_clusters=K, init='k-means++', n_init, algorithm='lloyd', max_iter=300, tol=1e-4)
// - the data are centred on their column means first (as sklearn does for dense X);
// - k-means++: greedy, 2 + floor(ln K) candidate centres per step, each drawn
//   with probability proportional to the squared distance to the chosen ones,
//   the candidate lowering the potential most kept (sklearn's _kmeans_plusplus);
//   our own RNG (bootstrap.h's UnitRng), not numpy's;
// - Lloyd: assign to the nearest centre (first on ties), move centres to the
//   means; an emptied cluster takes the point farthest from its centre; stop when
//   labels repeat (strict) or the summed squared centre shift <= tol x mean
//   column variance; without strict convergence a final assignment follows;
// - the best inertia over restarts, ties keep the earlier restart.
// Each restart is a function of its seed, so restarts are independent work units.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "evaluate/registry.h"

namespace dynfault::evaluate {

struct Clustering {
  Eigen::MatrixXd centres;  // K x d, in the data's coordinates
  std::vector<int> labels;
  double inertia = 0;
  int iterations = 0;
};

struct KMeansOptions {
  int max_iter = 300;
  double tol = 1e-4;
};

// Lloyd from given initial centres (sklearn's init=<array>, n_init=1).
Clustering kmeans_from(const Eigen::MatrixXd& X, const Eigen::MatrixXd& initial, const KMeansOptions& o = {});
// k-means++ initial centres (rows of X) from a seed.
Eigen::MatrixXd kmeans_plusplus(const Eigen::MatrixXd& X, int K, uint64_t seed);
// Nearest centre of every row (first on ties).
std::vector<int> nearest_centre(const Eigen::MatrixXd& X, const Eigen::MatrixXd& centres);

class Clusterer {
 public:
  virtual ~Clusterer() = default;
  // One restart (a work unit): initial centres from `seed`, then the fit.
  virtual Clustering fit_once(const Eigen::MatrixXd& X, int K, uint64_t seed) const = 0;
  virtual Eigen::MatrixXd initial_centres(const Eigen::MatrixXd& X, int K, uint64_t seed) const = 0;
  // Whether restart result a beats the best so far (restarts are reduced in order).
  virtual bool better(const Clustering& a, const Clustering& best) const = 0;
};

//   kmeans  the k-means above
const Registry<Clusterer>& clusterers();

// Best of `restarts` seeds derive_seed(seed, stream + "/r<i>"), computed in order.
Clustering cluster_best_of(const Clusterer& c, const Eigen::MatrixXd& X, int K, int restarts, uint64_t seed,
                           const std::string& stream);

}  // namespace dynfault::evaluate
