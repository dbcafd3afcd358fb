#include "runner/curvature_study.h"

#include <chrono>

#include "core/hvp_profile.h"
#include "core/seed.h"
#include "runner/probe.h"
#include "runner/trainer.h"

namespace dynfault::runner {

uint64_t curvature_study_seed(uint64_t run_seed, const std::string& moment, const CurvatureSetting& setting,
                              int replicate) {
  return derive_seed(run_seed, "cf-study/" + moment + "/K=" + std::to_string(setting.hvp_vectors) +
                                   "/P=" + std::to_string(setting.probe_batch) + "/r=" + std::to_string(replicate));
}

namespace {

CurvatureReading measure(PreparedRun& run, const RunRequest& request, const std::string& moment, int64_t epoch,
                         const CurvatureSetting& setting, int replicate) {
  RunRequest probed = request;
  probed.hvp_vectors = setting.hvp_vectors;
  probed.probe_batch = setting.probe_batch;
  ProbeContext ctx = probe_context(run, probed);
  const auto start = std::chrono::steady_clock::now();
  const CurvatureMeasurement m = measure_curvature(ctx, curvature_study_seed(request.seed, moment, setting, replicate));
  CurvatureReading r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.moment = moment;
  r.epoch = epoch;
  r.setting = setting;
  r.replicate = replicate;
  r.hvp_norm = m.hvp_norm;
  const HvpLayerProfile profile = hvp_layer_profile(m.layer_hvp_norm);
  r.mean_hvp = profile.mean;
  r.hvp_std = profile.std;
  r.layer_hvp_norm = m.layer_hvp_norm;
  return r;
}

void measure_all(PreparedRun& run, const RunRequest& request, const std::string& moment, int64_t epoch,
                 const std::vector<CurvatureSetting>& grid, const CurvatureSetting& reference, int replicates,
                 std::vector<CurvatureReading>& out) {
  out.push_back(measure(run, request, moment, epoch, reference, -1));
  for (const auto& s : grid)
    for (int r = 0; r < replicates; ++r) out.push_back(measure(run, request, moment, epoch, s, r));
}

}  // namespace

CurvatureStudy study_curvature(const RunRequest& request, const std::vector<CurvatureSetting>& grid,
                               const CurvatureSetting& reference, int replicates) {
  CurvatureStudy study;
  tune_process(std::max(1, request.threads));
  RunRequest plain = request;
  plain.probes = {};
  plain.triage.reset();
  study.error = error_line([&] {
    {
      // Before the first update, then after epoch 0 (a one-epoch run trains
      // epoch 0 exactly as the full run does: same data, init and streams).
      PreparedRun run = prepare_run(plain);
      for (const auto& g : run.model->param_groups()) study.layers.push_back(g.layer);
      measure_all(run, plain, "init", -1, grid, reference, replicates, study.readings);
      run.spec.epochs = 1;
      Trace trace;
      train(run, plain, trace);
      if (trace.epochs() == 1) measure_all(run, plain, "epoch0", 0, grid, reference, replicates, study.readings);
    }
    PreparedRun run = prepare_run(plain);
    Trace trace;
    train(run, plain, trace);
    if (trace.epochs() > 1)
      measure_all(run, plain, "last", static_cast<int64_t>(trace.epochs()) - 1, grid, reference, replicates, study.readings);
  });
  return study;
}

}  // namespace dynfault::runner
