#include "evaluate/clustering.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/seed.h"
#include "evaluate/bootstrap.h"

namespace dynfault::evaluate {
namespace {

// The centre update and k-means++ work point by point, on row-major copies (each point
// contiguous); assign(), most of RQ2's time, works feature by feature on the column-major points.
// Every squared distance is summed in feature order, as Eigen's squaredNorm did.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

double squared_distance(const double* a, const double* b, Eigen::Index d) {
  double s = 0;
  for (Eigen::Index j = 0; j < d; ++j) {
    const double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

double squared_distance(const RowMatrix& X, Eigen::Index i, const RowMatrix& C, Eigen::Index c) {
  return squared_distance(X.row(i).data(), C.row(c).data(), X.cols());
}

// Labels from centres; `distance` gets each row's squared distance to its centre. X is
// column-major here (each feature contiguous over the points), so the inner loop runs over points
// with one sum per (point, centre) in feature order: the compiler vectorises it across points and
// every sum has the bits of squared_distance().
void assign(const Eigen::MatrixXd& X, const RowMatrix& C, std::vector<int>& labels, std::vector<double>& distance,
            std::vector<double>& sums) {
  const Eigen::Index n = X.rows(), d = X.cols(), K = C.rows();
  labels.resize(n);
  distance.resize(n);
  sums.assign(static_cast<size_t>(K * n), 0.0);
  for (Eigen::Index c = 0; c < K; ++c) {
    double* acc = sums.data() + c * n;
    for (Eigen::Index j = 0; j < d; ++j) {
      const double cj = C(c, j);
      const double* xj = X.col(j).data();
      for (Eigen::Index i = 0; i < n; ++i) {
        const double t = xj[i] - cj;
        acc[i] += t * t;
      }
    }
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    int best = 0;
    double best_d = sums[static_cast<size_t>(i)];
    for (Eigen::Index c = 1; c < K; ++c) {
      const double d2 = sums[static_cast<size_t>(c * n + i)];
      if (d2 < best_d) best_d = d2, best = static_cast<int>(c);
    }
    labels[i] = best;
    distance[i] = best_d;
  }
}

// Centres as the means of their points; emptied clusters take the farthest points.
RowMatrix update(const RowMatrix& X, const std::vector<int>& labels, const std::vector<double>& distance,
                 const RowMatrix& old) {
  const Eigen::Index K = old.rows();
  RowMatrix sum = RowMatrix::Zero(K, X.cols());
  std::vector<double> count(K, 0.0);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    sum.row(labels[i]) += X.row(i);
    count[labels[i]] += 1;
  }
  std::vector<Eigen::Index> empty;
  for (Eigen::Index c = 0; c < K; ++c)
    if (count[c] == 0) empty.push_back(c);
  if (!empty.empty()) {
    std::vector<Eigen::Index> far(X.rows());
    std::iota(far.begin(), far.end(), 0);
    std::stable_sort(far.begin(), far.end(), [&](Eigen::Index a, Eigen::Index b) { return distance[a] > distance[b]; });
    for (size_t e = 0; e < empty.size() && e < far.size(); ++e) {
      const Eigen::Index i = far[e];
      sum.row(labels[i]) -= X.row(i);
      count[labels[i]] -= 1;
      sum.row(empty[e]) = X.row(i);
      count[empty[e]] = 1;
    }
  }
  RowMatrix C(K, X.cols());
  for (Eigen::Index c = 0; c < K; ++c) {
    if (count[c] > 0)
      C.row(c) = sum.row(c) / count[c];
    else
      C.row(c) = old.row(c);
  }
  return C;
}

double mean_column_variance(const Eigen::MatrixXd& X) {
  const Eigen::RowVectorXd mean = X.colwise().mean();
  return ((X.rowwise() - mean).array().square().colwise().sum() / double(X.rows())).mean();
}

class KMeans : public Clusterer {
 public:
  Eigen::MatrixXd initial_centres(const Eigen::MatrixXd& X, int K, uint64_t seed) const override {
    return kmeans_plusplus(X, K, seed);
  }
  Clustering fit_once(const Eigen::MatrixXd& X, int K, uint64_t seed) const override {
    return kmeans_from(X, initial_centres(X, K, seed));
  }
  bool better(const Clustering& a, const Clustering& best) const override { return a.inertia < best.inertia; }
};

}  // namespace

std::vector<int> nearest_centre(const Eigen::MatrixXd& X, const Eigen::MatrixXd& centres) {
  std::vector<int> labels;
  std::vector<double> distance, sums;
  assign(X, centres, labels, distance, sums);
  return labels;
}

Clustering kmeans_from(const Eigen::MatrixXd& X_in, const Eigen::MatrixXd& initial, const KMeansOptions& o) {
  if (initial.rows() < 1 || initial.rows() > X_in.rows())
    throw Error("k-means", "K=" + std::to_string(initial.rows()) + " needs between 1 and " +
                               std::to_string(X_in.rows()) + " clusters (the number of runs)");
  const Eigen::RowVectorXd mean = X_in.colwise().mean();
  const Eigen::MatrixXd centred = X_in.rowwise() - mean;
  const double tol = mean_column_variance(centred) * o.tol;
  const RowMatrix X = centred;  // row-major for the centre sums, column-major `centred` for assign()
  RowMatrix C = initial.rowwise() - mean;
  std::vector<int> labels, previous(X.rows(), -1);
  std::vector<double> distance, sums;
  bool strict = false;
  Clustering out;
  for (int it = 0; it < o.max_iter; ++it) {
    assign(centred, C, labels, distance, sums);
    const RowMatrix next = update(X, labels, distance, C);
    const double shift = (next - C).rowwise().squaredNorm().sum();
    C = next;
    out.iterations = it + 1;
    if (labels == previous) {
      strict = true;
      break;
    }
    if (shift <= tol) break;
    previous = labels;
  }
  if (!strict) assign(centred, C, labels, distance, sums);
  out.inertia = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i) out.inertia += squared_distance(X, i, C, labels[i]);
  out.labels = std::move(labels);
  out.centres = C.rowwise() + mean;
  return out;
}

Eigen::MatrixXd kmeans_plusplus(const Eigen::MatrixXd& X_in, int K, uint64_t seed) {
  const RowMatrix X = X_in;
  const Eigen::Index n = X.rows();
  if (K < 1 || K > n)
    throw Error("k-means", "K=" + std::to_string(K) + " needs between 1 and " + std::to_string(n) +
                               " clusters (the number of runs)");
  UnitRng rng(seed);
  const int trials = 2 + static_cast<int>(std::log(double(K)));
  Eigen::MatrixXd C(K, X.cols());
  const Eigen::Index first = static_cast<Eigen::Index>(rng.below(static_cast<size_t>(n)));
  C.row(0) = X.row(first);
  std::vector<double> closest(n);
  for (Eigen::Index i = 0; i < n; ++i) closest[i] = squared_distance(X, i, X, first);
  double potential = std::accumulate(closest.begin(), closest.end(), 0.0);
  std::vector<double> cumulative(n), candidate_closest(n), best_closest(n);
  for (int c = 1; c < K; ++c) {
    std::partial_sum(closest.begin(), closest.end(), cumulative.begin());
    double best_potential = 0;
    Eigen::Index best = -1;
    for (int t = 0; t < trials; ++t) {
      const double r = rng.uniform() * potential;
      // searchsorted(side='left'), clipped to the last index
      Eigen::Index id = std::lower_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin();
      id = std::min<Eigen::Index>(id, n - 1);
      double pot = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        candidate_closest[i] = std::min(closest[i], squared_distance(X, i, X, id));
        pot += candidate_closest[i];
      }
      if (best < 0 || pot < best_potential) {
        best_potential = pot;
        best = id;
        best_closest.swap(candidate_closest);
      }
    }
    C.row(c) = X.row(best);
    closest.swap(best_closest);
    potential = best_potential;
  }
  return C;
}

const Registry<Clusterer>& clusterers() {
  static const Registry<Clusterer> registry = [] {
    Registry<Clusterer> r("clusterer");
    r.add("kmeans", "KMeans(init='k-means++', algorithm='lloyd', max_iter=300, tol=1e-4), scikit-learn 1.2",
          [] { return std::make_unique<KMeans>(); });
    return r;
  }();
  return registry;
}

Clustering cluster_best_of(const Clusterer& c, const Eigen::MatrixXd& X, int K, int restarts, uint64_t seed,
                           const std::string& stream) {
  Clustering best;
  for (int r = 0; r < restarts; ++r) {
    Clustering one = c.fit_once(X, K, derive_seed(seed, stream + "/r" + std::to_string(r)));
    if (r == 0 || c.better(one, best)) best = std::move(one);
  }
  return best;
}

}  // namespace dynfault::evaluate
