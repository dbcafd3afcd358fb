#include "evaluate/splits.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "evaluate/numpy_compat.h"

namespace dynfault::evaluate {

std::vector<int> stratified_kfold(const std::vector<int>& y, int n_splits, std::optional<uint32_t> shuffle_seed,
                                  const std::string& where) {
  const size_t n = y.size();
  if (n_splits < 2) throw Error(where, "stratified K-fold needs at least 2 folds");
  if (static_cast<size_t>(n_splits) > n)
    throw Error(where, "cannot split " + std::to_string(n) + " samples into " + std::to_string(n_splits) + " folds");
  // Encode classes by order of first appearance.
  std::map<int, int> code;
  std::vector<int> encoded(n);
  for (size_t i = 0; i < n; ++i) {
    auto it = code.find(y[i]);
    if (it == code.end()) it = code.emplace(y[i], static_cast<int>(code.size())).first;
    encoded[i] = it->second;
  }
  const int n_classes = static_cast<int>(code.size());
  std::vector<int> counts(n_classes, 0);
  for (int e : encoded) ++counts[e];
  if (*std::max_element(counts.begin(), counts.end()) < n_splits)
    throw Error(where, "n_splits=" + std::to_string(n_splits) +
                           " cannot be greater than the number of members in each class");
  // allocation[i][k] = count of class k in sorted(encoded)[i::n_splits]
  std::vector<int> sorted = encoded;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<int>> allocation(n_splits, std::vector<int>(n_classes, 0));
  for (size_t i = 0; i < n; ++i) ++allocation[i % n_splits][sorted[i]];
  std::optional<NumpyRandomState> rng;
  if (shuffle_seed) rng.emplace(*shuffle_seed);
  std::vector<int> fold(n, -1);
  for (int k = 0; k < n_classes; ++k) {
    std::vector<int> folds_for_class;
    for (int f = 0; f < n_splits; ++f) folds_for_class.insert(folds_for_class.end(), allocation[f][k], f);
    if (rng) rng->shuffle(folds_for_class);
    size_t next = 0;
    for (size_t i = 0; i < n; ++i)
      if (encoded[i] == k) fold[i] = folds_for_class[next++];
  }
  return fold;
}

namespace {
// np.unique(groups, return_inverse=True)
std::vector<int> encode_sorted(const std::vector<std::string>& groups, size_t& n_groups) {
  std::vector<std::string> unique = groups;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  n_groups = unique.size();
  std::vector<int> inverse(groups.size());
  for (size_t i = 0; i < groups.size(); ++i)
    inverse[i] = static_cast<int>(std::lower_bound(unique.begin(), unique.end(), groups[i]) - unique.begin());
  return inverse;
}
}  // namespace

std::vector<int> group_kfold(const std::vector<std::string>& groups, int n_splits, const std::string& where) {
  size_t n_groups = 0;
  const std::vector<int> g = encode_sorted(groups, n_groups);
  if (n_splits < 2) throw Error(where, "group K-fold needs at least 2 folds");
  if (static_cast<size_t>(n_splits) > n_groups)
    throw Error(where, "cannot have number of splits n_splits=" + std::to_string(n_splits) +
                           " greater than the number of groups: " + std::to_string(n_groups));
  std::vector<int64_t> per_group(n_groups, 0);
  for (int x : g) ++per_group[x];
  std::vector<int64_t> order = numpy_argsort(per_group);
  std::reverse(order.begin(), order.end());
  std::vector<int64_t> per_fold(n_splits, 0);
  std::vector<int> group_to_fold(n_groups, 0);
  for (int64_t group : order) {
    const int lightest = static_cast<int>(std::min_element(per_fold.begin(), per_fold.end()) - per_fold.begin());
    per_fold[lightest] += per_group[group];
    group_to_fold[group] = lightest;
  }
  std::vector<int> fold(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) fold[i] = group_to_fold[g[i]];
  return fold;
}

std::vector<int> leave_one_group_out(const std::vector<std::string>& groups, const std::string& where) {
  size_t n_groups = 0;
  std::vector<int> g = encode_sorted(groups, n_groups);
  if (n_groups < 2) throw Error(where, "leave-one-group-out needs at least 2 groups");
  return g;
}

std::vector<std::vector<int>> test_indices(const std::vector<int>& fold, int n_folds) {
  std::vector<std::vector<int>> out(n_folds);
  for (size_t i = 0; i < fold.size(); ++i) out[fold[i]].push_back(static_cast<int>(i));
  return out;
}

int fold_count(const std::vector<int>& fold) {
  return fold.empty() ? 0 : *std::max_element(fold.begin(), fold.end()) + 1;
}

}  // namespace dynfault::evaluate
