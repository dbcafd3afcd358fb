#pragma once
// Cross-validation splitters with scikit-learn 1.2 semantics. Each returns the
// fold of every sample (test fold index); train = all other folds.
//   stratified_kfold   StratifiedKFold(n_splits, shuffle, random_state=seed):
//                      classes by first appearance, round-robin allocation over
//                      the sorted labels, contiguous blocks per class in data
//                      order, shuffled with numpy's legacy RandomState(seed)
//                      (re-implemented: the folds equal numpy's for every
//                      32-bit seed, checked against golden files)
//   group_kfold        GroupKFold(n_splits): groups sorted (np.unique), largest
//                      first via numpy's argsort, each to the lightest fold
//   leave_one_group_out  one fold per group, in sorted group order
// Bad configurations throw dynfault::Error naming `where`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dynfault::evaluate {

std::vector<int> stratified_kfold(const std::vector<int>& y, int n_splits, std::optional<uint32_t> shuffle_seed,
                                  const std::string& where);
std::vector<int> group_kfold(const std::vector<std::string>& groups, int n_splits, const std::string& where);
std::vector<int> leave_one_group_out(const std::vector<std::string>& groups, const std::string& where);

// Test indices of each fold (ascending), from a fold vector.
std::vector<std::vector<int>> test_indices(const std::vector<int>& fold, int n_folds);
int fold_count(const std::vector<int>& fold);

}  // namespace dynfault::evaluate
