#include "evaluate/engine.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>

#include <sstream>

#include "core/csv.h"
#include "core/error.h"
#include "core/seed.h"
#include "core/text.h"
#include "evaluate/bootstrap.h"
#include "evaluate/classifier.h"
#include "core/mpi.h"
#include "evaluate/splits.h"

namespace dynfault::evaluate {
namespace {

// Progress of one phase on rank 0: its own units times the rank count
// estimates the total done (units are dealt round-robin).
class Progress {
 public:
  Progress(bool enabled, const std::string& phase, size_t total, int ranks)
      : enabled_(enabled && total > 0), phase_(phase), total_(total), ranks_(ranks) {}
  void unit_done() {
    if (!enabled_) return;
    ++done_;
    const double elapsed = seconds();
    if (elapsed < kQuietSeconds || elapsed - last_ < kEverySeconds) return;
    last_ = elapsed;
    const size_t done = std::min(total_, done_ * static_cast<size_t>(ranks_));
    const double eta = elapsed * double(total_ - done) / double(done);
    std::fprintf(stderr, "dynfault evaluate: %s %zu/%zu units, %.0f s, ETA %.0f s\n", phase_.c_str(), done, total_,
                 elapsed, eta);
  }
  ~Progress() {
    if (enabled_ && last_ > 0)
      std::fprintf(stderr, "dynfault evaluate: %s %zu/%zu units, %.0f s\n", phase_.c_str(), total_, total_, seconds());
  }

 private:
  static constexpr double kQuietSeconds = 3, kEverySeconds = 5;
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  bool enabled_;
  std::string phase_;
  size_t total_, done_ = 0;
  int ranks_;
  double last_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

Engine::Engine(bool progress) : comm_(std::make_unique<mpi::Session>()), progress_(progress) {}
Engine::~Engine() = default;
int Engine::rank() const { return comm_->rank(); }
int Engine::size() const { return comm_->size(); }

std::vector<UnitResult> Engine::run(const std::string& phase, size_t n,
                                    const std::function<UnitResult(size_t)>& compute) {
  Progress progress(progress_ && rank() == 0, phase, n, size());
  return run_units(*comm_, n, [&](size_t u) {
    UnitResult r = compute(u);
    progress.unit_done();
    return r;
  });
}

std::vector<OutOfFold> Engine::cross_validate(const std::vector<Evaluation>& evaluations) {
  std::vector<std::pair<size_t, int>> units;
  std::vector<std::vector<std::vector<int>>> tests(evaluations.size());
  for (size_t e = 0; e < evaluations.size(); ++e) {
    const int n_folds = fold_count(evaluations[e].fold);
    tests[e] = test_indices(evaluations[e].fold, n_folds);
    for (int f = 0; f < n_folds; ++f) units.emplace_back(e, f);
  }
  // Unit payload: probabilities (row-major, test rows x classes), then predicted codes.
  const auto results = run("cross-validation", units.size(), [&](size_t u) {
    const auto [e, f] = units[u];
    const Evaluation& ev = evaluations[e];
    std::vector<int> train;
    for (size_t i = 0; i < ev.fold.size(); ++i)
      if (ev.fold[i] != f) train.push_back(static_cast<int>(i));
    try {
      const FoldPrediction p = fit_predict_fold(ev.classifier, *ev.X, ev.y, ev.n_classes, train, tests[e][f],
                                                  derive_seed(ev.seed, ev.name + "/fold/" + std::to_string(f)));
      UnitResult r;
      r.reserve(static_cast<size_t>(p.proba.size()) + p.predicted.size());
      for (Eigen::Index i = 0; i < p.proba.rows(); ++i)
        for (Eigen::Index c = 0; c < p.proba.cols(); ++c) r.push_back(p.proba(i, c));
      for (int c : p.predicted) r.push_back(c);
      return r;
    } catch (const Error& err) {
      throw Error(ev.name + " fold " + std::to_string(f), err.what());
    }
  });
  std::vector<OutOfFold> oof(evaluations.size());
  for (size_t e = 0; e < evaluations.size(); ++e) {
    oof[e].proba.resize(static_cast<Eigen::Index>(evaluations[e].y.size()), evaluations[e].n_classes);
    oof[e].predicted.assign(evaluations[e].y.size(), 0);
  }
  for (size_t u = 0; u < units.size(); ++u) {
    const auto [e, f] = units[u];
    const auto& test = tests[e][f];
    const int C = evaluations[e].n_classes;
    for (size_t i = 0; i < test.size(); ++i) {
      for (int c = 0; c < C; ++c) oof[e].proba(test[i], c) = results[u][i * C + c];
      oof[e].predicted[test[i]] = static_cast<int>(results[u][test.size() * C + i]);
    }
  }
  return oof;
}

void dump_bootstrap_group(std::map<std::string, std::string>& files, const std::string& prefix,
                          const BootstrapResult& boot, size_t group, const BootstrapGroup& g,
                          const std::vector<ScoredSet>& scored, const std::vector<std::string>& evaluation_names,
                          const std::vector<std::string>& program_names) {
  std::ostringstream f, d;
  f << "replicate,redraws,evaluation,metric,value\n";
  d << "replicate,draw,program\n";
  const std::vector<int>& redraws = boot.redraws.at(group);
  for (size_t b = 0; b < redraws.size(); ++b) {
    for (size_t s : g.members)
      for (size_t m = 0; m < scored[s].metrics->size(); ++m)
        f << b << "," << redraws[b] << "," << csv_field(evaluation_names[s]) << "," << (*scored[s].metrics)[m]->name()
          << "," << format_g17(boot.values[s][m][b]) << "\n";
    const std::vector<int>& drawn = boot.draws.at(group).at(b);
    for (size_t i = 0; i < drawn.size(); ++i) d << b << "," << i << "," << csv_field(program_names[drawn[i]]) << "\n";
  }
  files[prefix + "_replicates.csv"] = f.str();
  files[prefix + "_draws.csv"] = d.str();
}

BootstrapResult Engine::cluster_bootstrap(const std::vector<BootstrapGroup>& groups, const std::vector<ScoredSet>& scored,
                                          int replicates, uint64_t seed, bool keep_draws) {
  const size_t B = static_cast<size_t>(replicates);
  // Unit payload: redraws, every member's metrics, then (keep_draws) the programs drawn.
  const auto results = run("bootstrap", groups.size() * B, [&](size_t u) {
    const BootstrapGroup& g = groups[u / B];
    const size_t b = u % B;
    UnitRng rng(derive_seed(seed, g.stream + "/" + std::to_string(b)));
    const ClusterResample rs =
        draw_cluster_resample(rng, g.rows_of_program, g.y, g.require_every_class ? g.n_classes : 0, g.where);
    UnitResult r;
    r.push_back(rs.redraws);
    // A row counts as often as its program was drawn.
    std::vector<double> weight(g.y.size(), 0.0);
    for (int p : rs.programs)
      for (int row : g.rows_of_program[p]) weight[row] += 1.0;
    for (size_t s : g.members) {
      const auto m = eval_metrics(*scored[s].metrics, *scored[s].predictions, weight);
      r.insert(r.end(), m.begin(), m.end());
    }
    if (keep_draws)
      for (int p : rs.programs) r.push_back(p);
    return r;
  });
  BootstrapResult out;
  out.values.resize(scored.size());
  for (size_t s = 0; s < scored.size(); ++s) out.values[s].assign(scored[s].metrics->size(), {});
  out.redraws.assign(groups.size(), {});
  out.draws.assign(groups.size(), {});
  for (size_t gi = 0; gi < groups.size(); ++gi)
    for (size_t b = 0; b < B; ++b) {
      const UnitResult& r = results[gi * B + b];
      out.redraws[gi].push_back(static_cast<int>(r[0]));
      size_t at = 1;
      for (size_t s : groups[gi].members)
        for (size_t m = 0; m < scored[s].metrics->size(); ++m) out.values[s][m].push_back(r[at++]);
      if (keep_draws) out.draws[gi].emplace_back(r.begin() + static_cast<std::ptrdiff_t>(at), r.end());
    }
  return out;
}

}  // namespace dynfault::evaluate
