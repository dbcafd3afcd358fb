// sklearn-style generators: make_classification and make_multilabel_classification.
#include <algorithm>
#include <set>

#include "programs/data/recipe.h"
#include "programs/data/rng.h"

namespace dynfault::data {

// --- sklearn.datasets.make_classification, same algorithm on our RNG.
Generated make_classification(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a) {
  allow_keys(g, {"n_informative", "n_redundant", "n_classes", "n_clusters_per_class", "class_sep", "flip_y", "shuffle"},
             ctx, field);
  const int64_t n_features = product(a.row_shape);
  const int64_t n_inf = integer_or(g, "n_informative", 2, ctx, field);
  const int64_t n_red = integer_or(g, "n_redundant", 2, ctx, field);
  const int64_t n_classes = integer_or(g, "n_classes", 2, ctx, field);
  const int64_t per_class = integer_or(g, "n_clusters_per_class", 2, ctx, field);
  const double sep = number_or(g, "class_sep", 1.0, ctx, field);
  const double flip_y = number_or(g, "flip_y", 0.01, ctx, field);
  const bool shuffle = flag_or(g, "shuffle", true, ctx, field);
  if (n_inf < 1 || n_red < 0 || n_inf + n_red > n_features)
    fail(ctx, field, "n_informative + n_redundant must be within the " + std::to_string(n_features) + " features");
  if (n_classes < 2 || per_class < 1) fail(ctx, field, "needs n_classes >= 2 and n_clusters_per_class >= 1");
  const int64_t n_clusters = n_classes * per_class;
  if (n_inf >= 62 || n_clusters > (int64_t{1} << n_inf))
    fail(ctx, field, "n_classes * n_clusters_per_class must be <= 2^n_informative");
  Rng rng(a.seed);
  const int64_t n = a.n;
  // Cluster sizes: equal shares, remainder to the first clusters.
  std::vector<int64_t> sizes(n_clusters, n / n_clusters);
  for (int64_t i = 0; i < n - (n / n_clusters) * n_clusters; ++i) ++sizes[i % n_clusters];
  // Distinct hypercube vertices (+-class_sep) as centroids.
  std::vector<int64_t> vertices = rng.permutation(int64_t{1} << n_inf);
  Block x = make_block(n, {n_features});
  Block y = make_block(n, {1});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t f = 0; f < n_inf; ++f) x.v[i * n_features + f] = rng.normal();
  int64_t start = 0;
  for (int64_t k = 0; k < n_clusters; ++k) {
    std::vector<double> A(n_inf * n_inf);
    for (auto& e : A) e = 2.0 * rng.uniform() - 1.0;
    for (int64_t i = start; i < start + sizes[k]; ++i) {
      y.v[i] = static_cast<double>(k % n_classes);
      std::vector<double> row(x.v.begin() + i * n_features, x.v.begin() + i * n_features + n_inf);
      for (int64_t c = 0; c < n_inf; ++c) {
        double s = 0;
        for (int64_t r = 0; r < n_inf; ++r) s += row[r] * A[r * n_inf + c];
        const double centroid = ((vertices[k] >> c) & 1) ? sep : -sep;
        x.v[i * n_features + c] = s + centroid;
      }
    }
    start += sizes[k];
  }
  if (n_red > 0) {
    std::vector<double> B(n_inf * n_red);
    for (auto& e : B) e = 2.0 * rng.uniform() - 1.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < n_red; ++c) {
        double s = 0;
        for (int64_t r = 0; r < n_inf; ++r) s += x.v[i * n_features + r] * B[r * n_red + c];
        x.v[i * n_features + n_inf + c] = s;
      }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t f = n_inf + n_red; f < n_features; ++f) x.v[i * n_features + f] = rng.normal();
  for (int64_t i = 0; i < n; ++i)
    if (rng.uniform() < flip_y) y.v[i] = static_cast<double>(rng.integer(0, n_classes));
  if (shuffle) {
    const auto rows = rng.permutation(n);
    x = take_rows(x, rows);
    y = take_rows(y, rows);
    const auto cols = rng.permutation(n_features);
    Block shuffled = x;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t f = 0; f < n_features; ++f) shuffled.v[i * n_features + f] = x.v[i * n_features + cols[f]];
    x = std::move(shuffled);
  }
  x.shape = with_rows(n, a.row_shape);
  return {x, y};
}

// --- sklearn.datasets.make_multilabel_classification (dense indicator), same
// algorithm on our RNG: rows are word counts of a document drawn from the
// label-conditional word distributions.
Generated make_multilabel(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a) {
  allow_keys(g, {"n_classes", "n_labels", "length", "allow_unlabeled"}, ctx, field);
  const int64_t n_features = product(a.row_shape);
  const int64_t n_classes = integer_or(g, "n_classes", 5, ctx, field);
  const double n_labels = number_or(g, "n_labels", 2, ctx, field);
  const double length = number_or(g, "length", 50, ctx, field);
  const bool allow_unlabeled = flag_or(g, "allow_unlabeled", true, ctx, field);
  if (n_classes < 1) fail(ctx, field + ".n_classes", "must be >= 1");
  if (!(length > 0) || length > 500) fail(ctx, field + ".length", "must be in (0, 500]");
  Rng rng(a.seed);
  std::vector<double> cum_p_c(n_classes);
  for (auto& p : cum_p_c) p = rng.uniform();
  double total = 0;
  for (auto& p : cum_p_c) total += p, p = total;
  for (auto& p : cum_p_c) p /= total;
  std::vector<double> p_w_c(n_features * n_classes);  // [feature][class], columns sum to 1
  for (auto& p : p_w_c) p = rng.uniform();
  for (int64_t c = 0; c < n_classes; ++c) {
    double s = 0;
    for (int64_t f = 0; f < n_features; ++f) s += p_w_c[f * n_classes + c];
    for (int64_t f = 0; f < n_features; ++f) p_w_c[f * n_classes + c] /= s;
  }
  auto search = [](const std::vector<double>& cum, double u) {
    return static_cast<int64_t>(std::lower_bound(cum.begin(), cum.end(), u) - cum.begin());
  };
  Block x = make_block(a.n, a.row_shape);
  Block y = make_block(a.n, {n_classes});
  for (int64_t i = 0; i < a.n; ++i) {
    int64_t y_size = n_classes + 1;
    while ((!allow_unlabeled && y_size == 0) || y_size > n_classes) y_size = rng.poisson(n_labels);
    std::set<int64_t> labels;
    while (static_cast<int64_t>(labels.size()) != y_size) {
      const int64_t draws = y_size - static_cast<int64_t>(labels.size());
      for (int64_t d = 0; d < draws; ++d) labels.insert(std::min(search(cum_p_c, rng.uniform()), n_classes - 1));
    }
    int64_t n_words = 0;
    while (n_words == 0) n_words = rng.poisson(length);
    if (labels.empty()) {
      for (int64_t w = 0; w < n_words; ++w) x.v[i * n_features + rng.integer(0, n_features)] += 1;
    } else {
      std::vector<double> cum(n_features);
      double s = 0;
      for (int64_t f = 0; f < n_features; ++f) {
        for (int64_t c : labels) s += p_w_c[f * n_classes + c];
        cum[f] = s;
      }
      for (auto& c : cum) c /= s;
      for (int64_t w = 0; w < n_words; ++w)
        x.v[i * n_features + std::min(search(cum, rng.uniform()), n_features - 1)] += 1;
    }
    for (int64_t c : labels) y.v[i * n_classes + c] = 1;
  }
  return {x, y};
}

}  // namespace dynfault::data
