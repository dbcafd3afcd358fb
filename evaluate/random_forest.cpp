#include "evaluate/random_forest.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/error.h"
#include "core/plugin_path.h"
#include "core/seed.h"
#include "evaluate/forest/forest_abi.h"

namespace dynfault::evaluate {
namespace {

constexpr const char* kLibraryName = "libdynfault_forest.so";
constexpr const char* kPathVariable = "DYNFAULT_FOREST_LIBRARY";
constexpr int kOpenCvDepthCap = 25;

const DynfaultForestLibrary& forest_library() {
  static const DynfaultForestLibrary* library = nullptr;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string path = forest_library_path();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed
    if (!handle) {
      failure = std::string("cannot load the random-forest library (") + ::dlerror() +
                "); install libopencv-ml-dev and rebuild, or set " + kPathVariable;
      return;
    }
    using Entry = const DynfaultForestLibrary* (*)();
    const auto entry = reinterpret_cast<Entry>(::dlsym(handle, "dynfault_forest_library"));
    const DynfaultForestLibrary* lib = entry ? entry() : nullptr;
    if (!lib || lib->abi != DYNFAULT_FOREST_ABI) {
      failure = "is not a dynfault random-forest library of this build";
      return;
    }
    library = lib;
  });
  if (!library) throw Error(forest_library_path(), failure);
  return *library;
}

}  // namespace

std::string forest_library_path() { return plugin_library_path(kPathVariable, kLibraryName, "evaluate/forest"); }

void require_forest_library() { (void)forest_library(); }

int forest_max_features(const ForestSettings& s, int d) {
  if (s.max_features_cap > 0) return std::min(s.max_features_cap, d);
  if (s.max_features > 0) return std::min(s.max_features, d);
  if (s.max_features_log2) return std::max(1, static_cast<int>(std::log2(static_cast<double>(d))));
  return std::max(1, static_cast<int>(std::sqrt(static_cast<double>(d))));  // sklearn: max(1, int(sqrt(d)))
}

ForestModel fit_forest(const Eigen::MatrixXd& X, const std::vector<int>& y, const ForestSettings& settings,
                       uint64_t seed) {
  ForestModel m;
  m.classes = y;
  std::sort(m.classes.begin(), m.classes.end());
  m.classes.erase(std::unique(m.classes.begin(), m.classes.end()), m.classes.end());
  if (m.classes.size() < 2) throw Error("random_forest", "needs at least two classes in the training split");
  m.settings = settings;
  m.seed = seed;
  m.input_columns = static_cast<int>(X.cols());
  for (Eigen::Index c = 0; c < X.cols(); ++c)
    if (X.rows() > 0 && (X.col(c).array() != X(0, c)).any()) m.kept.push_back(static_cast<int>(c));
  m.X_train.resize(X.rows(), static_cast<Eigen::Index>(m.kept.size()));
  for (size_t j = 0; j < m.kept.size(); ++j) m.X_train.col(static_cast<Eigen::Index>(j)) = X.col(m.kept[j]).cast<float>();
  for (int v : y)
    m.y_train.push_back(static_cast<int32_t>(std::lower_bound(m.classes.begin(), m.classes.end(), v) - m.classes.begin()));
  forest_library();  // fail at fit time, with the library's path
  return m;
}

Eigen::MatrixXd ForestModel::votes_share(const Eigen::MatrixXd& X) const {
  const DynfaultForestLibrary& lib = forest_library();
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const RowMajor train = X_train;
  RowMajor test(X.rows(), static_cast<Eigen::Index>(kept.size()));
  for (size_t j = 0; j < kept.size(); ++j) test.col(static_cast<Eigen::Index>(j)) = X.col(kept[j]).cast<float>();
  const int d = static_cast<int>(train.cols());
  DynfaultTreeSpec spec{};
  spec.max_depth = settings.max_depth > 0 ? std::min(settings.max_depth, kOpenCvDepthCap) : kOpenCvDepthCap;
  spec.max_features = std::min(forest_max_features(settings, input_columns), d);
  // OpenCV leaves a node of n <= MinSampleCount samples unsplit; sklearn splits n >= min_samples_split
  // (and n >= 2 min_samples_leaf, as each side keeps min_samples_leaf).
  spec.min_samples_split = std::max(1, settings.min_split_samples() - 1);
  Eigen::MatrixXd votes = Eigen::MatrixXd::Zero(X.rows(), static_cast<Eigen::Index>(classes.size()));
  if (d == 0) {  // every feature constant: each tree is its root, the majority class (first on ties)
    std::vector<int> count(classes.size(), 0);
    for (int32_t v : y_train) ++count[static_cast<size_t>(v)];
    const auto best = std::max_element(count.begin(), count.end()) - count.begin();
    votes.col(best).setOnes();
    return votes;
  }
  std::vector<int32_t> predicted(static_cast<size_t>(X.rows()));
  char error[512] = {0};
  for (int t = 0; t < settings.n_estimators; ++t) {
    spec.seed = derive_seed(seed, "tree/" + std::to_string(t));
    if (lib.tree_predict(&spec, train.data(), y_train.data(), static_cast<int32_t>(train.rows()), d, test.data(),
                         static_cast<int32_t>(test.rows()), predicted.data(), error, sizeof error) != 0)
      throw Error("random_forest", std::string("OpenCV: ") + error);
    for (Eigen::Index i = 0; i < X.rows(); ++i) votes(i, predicted[static_cast<size_t>(i)]) += 1.0;
  }
  return votes / static_cast<double>(settings.n_estimators);
}

std::vector<ForestSettings> default_forest_grid() {
  std::vector<ForestSettings> out;
  for (int depth : {0, 10, 20, 30})
    for (bool log2 : {false, true})
      for (int leaf : {1, 2, 4})
        for (int split : {2, 5, 10})
          for (int trees : {50, 100, 200}) {
            ForestSettings s;
            s.max_depth = depth;
            s.max_features_log2 = log2;
            s.min_samples_leaf = leaf;
            s.min_samples_split = split;
            s.n_estimators = trees;
            out.push_back(s);
          }
  return out;
}

}  // namespace dynfault::evaluate
