// The CF estimator study behind bench/cf_error (runner/curvature_study.h):
// which readings it takes, that they are reproducible, that its "epoch0" and
// "last" moments measure the models a real run has then, and that more
// vectors bring a reading closer to the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "core/program_spec.h"
#include "core/seed.h"
#include "runner/curvature_study.h"
#include "runner/probe.h"
#include "runner/trainer.h"

namespace dynfault::runner {
namespace {

RunRequest smoke(const std::string& id, const std::string& probes = "") {
  RunRequest r;
  r.spec = ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs").load(id);
  r.program = r.spec.id;
  r.architecture = r.spec.architecture;
  r.run_id = id + "-study";
  r.seed = 11;
  if (!probes.empty()) r.probes = parse_probes(probes);
  r.scale = Scale::Smoke;
  r.threads = 1;
  return r;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(CurvatureStudy, TakesEveryReadingAtTheThreeMomentsReproducibly) {
  const RunRequest r = smoke("31556268");  // smoke: 3 epochs
  const std::vector<CurvatureSetting> grid = {{1, 16}, {4, 32}};
  const CurvatureSetting reference{16, 32};
  const CurvatureStudy a = study_curvature(r, grid, reference, 2);
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(a.readings.size(), 3u * (1 + 2 * 2));
  std::map<std::string, int64_t> epoch_of;
  for (const auto& x : a.readings) {
    epoch_of[x.moment] = x.epoch;
    EXPECT_EQ(x.layer_hvp_norm.size(), a.layers.size());
    EXPECT_TRUE(std::isfinite(x.mean_hvp) && x.mean_hvp > 0) << x.moment;
  }
  EXPECT_EQ(epoch_of, (std::map<std::string, int64_t>{{"init", -1}, {"epoch0", 0}, {"last", 2}}));
  const CurvatureStudy b = study_curvature(r, grid, reference, 2);
  ASSERT_EQ(b.readings.size(), a.readings.size());
  for (size_t i = 0; i < a.readings.size(); ++i) {
    EXPECT_TRUE(same_bits(a.readings[i].hvp_norm, b.readings[i].hvp_norm)) << i;
    EXPECT_TRUE(same_bits(a.readings[i].hvp_std, b.readings[i].hvp_std)) << i;
  }
  // Replicates draw other vectors: the two K=1 readings of a moment differ.
  EXPECT_NE(a.readings[1].hvp_norm, a.readings[2].hvp_norm);
}

TEST(CurvatureStudy, EpochZeroAndLastMeasureTheModelsOfARealRun) {
  // A CF-probed run logs the model after epoch 0 and after its last epoch; the
  // study's one-epoch and full runs must have the same models: measured with the
  // probe's own vectors, they give the trace's values bit for bit.
  // study_curvature applies the process settings (tune_process: denormals flushed to zero, one
  // thread) as every run does; the runs trained here directly must have them too, whatever test
  // ran before in this process.
  tune_process(1);
  const RunRequest probed = smoke("64151679", "cf");
  PreparedRun full = prepare_run(probed);
  Trace trace;
  train(full, probed, trace);
  ASSERT_EQ(trace.epochs(), 3u);
  const size_t last = trace.epochs() - 1;
  RunRequest plain = probed;
  plain.probes = {};
  {
    ProbeContext ctx = probe_context(full, probed);
    const CurvatureMeasurement m = measure_curvature(ctx, derive_seed(probed.seed, "cf/epoch=" + std::to_string(last)));
    EXPECT_TRUE(same_bits(m.hvp_norm, trace.channel("cf_hvp_norm")[last]));
  }
  PreparedRun one = prepare_run(plain);
  one.spec.epochs = 1;
  Trace first;
  train(one, plain, first);
  ProbeContext ctx = probe_context(one, probed);
  const CurvatureMeasurement m = measure_curvature(ctx, derive_seed(probed.seed, "cf/epoch=0"));
  EXPECT_TRUE(same_bits(m.hvp_norm, trace.channel("cf_hvp_norm")[0]));
  EXPECT_TRUE(same_bits(m.grad_std, trace.channel("cf_grad_std")[0]));

  // And the study reads those models: its K=4, P=64 "last" reading is the
  // final model measured with the study's vectors.
  const CurvatureSetting s{4, 64};
  const CurvatureStudy study = study_curvature(plain, {s}, s, 1);
  ASSERT_EQ(study.error, "");
  RunRequest with_s = plain;
  with_s.hvp_vectors = s.hvp_vectors;
  with_s.probe_batch = s.probe_batch;
  ProbeContext final_ctx = probe_context(full, with_s);
  const CurvatureMeasurement f = measure_curvature(final_ctx, curvature_study_seed(plain.seed, "last", s, 0));
  bool found = false;
  for (const auto& x : study.readings)
    if (x.moment == "last" && x.replicate == 0) {
      found = true;
      EXPECT_EQ(x.epoch, static_cast<int64_t>(last));
      EXPECT_TRUE(same_bits(x.hvp_norm, f.hvp_norm));
    }
  EXPECT_TRUE(found);
}

TEST(CurvatureStudy, MoreVectorsBringTheReadingsCloserToTheReference) {
  // The per-layer norms of K Rademacher vectors average K independent draws;
  // pooled over moments, layers and replicates, K = 8 must be nearer the K = 64
  // reference than K = 1 (with the same probe batch, so only the vectors differ).
  // Averaging alone would give 1/sqrt(8) = 0.35 of K = 1's error, and the
  // reference's own noise (1/sqrt(64) of one draw's) adds to both: 0.6 leaves
  // room for that, while vectors that were not independent (or a K that was
  // ignored) would give a ratio near 1.
  const RunRequest r = smoke("64151679");
  const CurvatureStudy study = study_curvature(r, {{1, 64}, {8, 64}}, {64, 64}, 4);
  ASSERT_EQ(study.error, "");
  std::map<std::string, const CurvatureReading*> ref;
  for (const auto& x : study.readings)
    if (x.replicate < 0) ref[x.moment] = &x;
  std::map<int, double> error;
  for (const auto& x : study.readings) {
    if (x.replicate < 0) continue;
    for (size_t l = 0; l < x.layer_hvp_norm.size(); ++l)
      error[x.setting.hvp_vectors] +=
          std::fabs(x.layer_hvp_norm[l] - ref[x.moment]->layer_hvp_norm[l]) / ref[x.moment]->layer_hvp_norm[l];
  }
  EXPECT_LT(error[8], 0.6 * error[1]) << "K=1: " << error[1] << ", K=8: " << error[8];
}

}  // namespace
}  // namespace dynfault::runner
