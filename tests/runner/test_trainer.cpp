// The trainer, the CF/OF probes and train_and_trace on real zoo programs at
// smoke scale; HVPs against central finite differences in float64.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <iostream>
#include <random>
#include <set>

#include "core/error.h"
#include "core/hvp_profile.h"
#include "core/probe_catalogue.h"
#include "core/program_spec.h"
#include "triage/rule.h"
#include "core/seed.h"
#include "runner/probe.h"
#include "runner/run.h"
#include "runner/trainer.h"

namespace dynfault::runner {
namespace {

ProgramSpec zoo_program(const std::string& id) {
  return ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs").load(id);
}

LayerSpec layer(const std::string& type, Json config = Json::object()) { return {type, std::move(config)}; }

RunRequest smoke_request(ProgramSpec spec, const std::string& probes, uint64_t seed = 7) {
  RunRequest r;
  r.spec = std::move(spec);
  r.program = r.spec.id;
  r.architecture = r.spec.architecture;
  r.run_id = r.spec.id + "-test";
  r.seed = seed;
  r.probes = parse_probes(probes);
  r.scale = Scale::Smoke;
  r.threads = 1;
  return r;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The XOR program with a Dropout and a BatchNormalization layer: both would
// expose a probe that draws from the training streams or updates BN statistics.
ProgramSpec xor_with_dropout_and_batchnorm() {
  ProgramSpec spec = zoo_program("31556268");
  spec.layers = {layer("Dense", {{"units", 8}, {"activation", "relu"}}), layer("BatchNormalization"),
                 layer("Dropout", {{"rate", 0.5}}), layer("Dense", {{"units", 1}, {"activation", "sigmoid"}})};
  spec.loss = {"binary_crossentropy", false};
  return spec;
}

TEST(Trainer, SmokeRunOf31556268HasTheChannelSetAndEpochs) {
  const ProgramSpec spec = zoo_program("31556268");
  const Trace t = train_and_trace(smoke_request(spec, "cf,of"));
  ASSERT_EQ(t.status, RunStatus::Ok) << t.error;
  EXPECT_EQ(t.epochs(), static_cast<size_t>(std::min(spec.epochs, caps_for(Scale::Smoke).max_epochs)));
  EXPECT_EQ(t.program, "31556268");
  EXPECT_EQ(t.architecture, "FFNN");
  EXPECT_EQ(t.probes, "cf,of");
  EXPECT_EQ(t.scale, "smoke");
  EXPECT_EQ(t.seed, 7u);
  EXPECT_EQ(t.versions.count("libtorch"), 1u);
  EXPECT_EQ(t.versions.count("hdf5"), 1u);

  const std::vector<std::string> expected = {
      "train_loss", "train_acc", "val_loss", "val_acc", "sys_wall_seconds", "cf_hvp_norm", "cf_hvp_norm_spread",
      "cf_hutchinson_trace", "cf_grad_std", "cf_hvp_layer_mean", "cf_hvp_layer_std", "cf_hvp_layer_max",
      "cf_hvp_layer_min", "cf_hvp_layer_median", "cf_hvp_layer_first", "cf_hvp_layer_last", "cf_hvp_layer_log_slope",
      "large_weight_count", "acc_gap_too_big", "loss_oscillation",
      "dying_relu", "gradient_vanish", "gradient_explode", "decrease_acc_count", "increase_loss_count",
      "cons_mean_weight_count", "cons_std_weight_count", "nan_weight_count", "nan_gradients_count",
      "saturated_activation", "mean_gradient", "gradient_std", "gradient_max", "gradient_min", "gradient_median",
      "mean_activation", "std_activation", "mean_grad", "std_grad", "learning_rate", "grad_global_norm",
      "grad_zero_share", "sys_cpu_percent", "sys_rss_mb", "weight_abs_over_5_count", "label_min", "label_max",
      "output_min", "output_max"};
  EXPECT_EQ(t.channel_names, expected);
  ASSERT_EQ(t.channel_units.size(), expected.size());
  for (const auto& u : t.channel_units) EXPECT_FALSE(u.empty());

  for (size_t e = 0; e < t.epochs(); ++e) {
    EXPECT_TRUE(std::isfinite(t.channel("train_loss")[e]));
    EXPECT_GE(t.channel("train_acc")[e], 0.0);
    EXPECT_LE(t.channel("train_acc")[e], 1.0);
    EXPECT_GT(t.channel("cf_hvp_norm")[e], 0.0);
    EXPECT_GE(t.channel("cf_hvp_norm_spread")[e], 0.0);
    EXPECT_EQ(t.channel("learning_rate")[e], spec.optimizer.learning_rate);  // logged, never rescaled
    EXPECT_EQ(t.channel("decrease_acc_count")[e], 1.0);                      // V2's never-updated history
    for (const char* flag : {"acc_gap_too_big", "loss_oscillation", "dying_relu", "gradient_vanish",
                             "gradient_explode", "saturated_activation"}) {
      const double v = t.channel(flag)[e];
      EXPECT_TRUE(v == 0.0 || v == 1.0) << flag;
    }
    // gradient_max/min/median bracket the per-tensor norms (4 tensors: 2 kernels, 2 biases).
    EXPECT_LE(t.channel("gradient_min")[e], t.channel("gradient_median")[e]);
    EXPECT_LE(t.channel("gradient_median")[e], t.channel("gradient_max")[e]);
    EXPECT_GT(t.channel("sys_rss_mb")[e], 1.0);
  }
  EXPECT_EQ(t.channel("loss_oscillation")[0], 0.0);  // no previous epoch

  std::map<std::string, const LayerSeries*> series;
  for (const auto& s : t.layer_series) series[s.name] = &s;
  const std::vector<std::string> param_layers = {"dense_0", "dense_2"};
  for (const char* name : {"hvp_norm", "hutchinson_trace", "grad_norm", "grad_mean_abs", "grad_zero_share",
                           "weight_mean", "unchanged_weight_share"}) {
    ASSERT_TRUE(series.count(name)) << name;
    EXPECT_EQ(series[name]->layers, param_layers) << name;
    EXPECT_EQ(series[name]->values.size(), t.epochs() * param_layers.size()) << name;
  }
  ASSERT_TRUE(series.count("activation_mean"));
  EXPECT_EQ(series["activation_mean"]->layers.size(), 4u);
  ASSERT_TRUE(series.count("saturated_share"));  // the two sigmoid Activation layers
  EXPECT_EQ(series["saturated_share"]->layers, (std::vector<std::string>{"activation_1", "activation_3"}));
  EXPECT_EQ(series.count("dead_relu_share"), 0u);  // no ReLU in this program

  // The cross-layer profile is the one core/hvp_profile.h computes from the
  // logged per-layer norms (so a version-1 trace upgraded on read agrees).
  const auto& profile = hvp_layer_profile_channels();
  for (size_t e = 0; e < t.epochs(); ++e) {
    const std::vector<double> layers(series["hvp_norm"]->values.begin() + e * param_layers.size(),
                                     series["hvp_norm"]->values.begin() + (e + 1) * param_layers.size());
    const std::vector<double> expected_profile = values_of(hvp_layer_profile(layers));
    for (size_t i = 0; i < profile.size(); ++i)
      EXPECT_TRUE(same_bits(t.channel(profile[i])[e], expected_profile[i])) << profile[i] << " epoch " << e;
  }

  // At-init curvature (before the first update).
  ASSERT_TRUE(t.at_init.count("cf_hvp_norm"));
  EXPECT_GT(t.at_init.at("cf_hvp_norm"), 0.0);
  EXPECT_TRUE(t.at_init.count("hvp_norm/dense_0"));
  EXPECT_TRUE(t.at_init.count("cf_hvp_layer_mean"));
}

TEST(Trainer, SameSeedGivesTheSameTraceBitForBit) {
  const ProgramSpec spec = xor_with_dropout_and_batchnorm();
  const Trace a = train_and_trace(smoke_request(spec, "cf,of", 11));
  const Trace b = train_and_trace(smoke_request(spec, "cf,of", 11));
  ASSERT_EQ(a.status, RunStatus::Ok) << a.error;
  EXPECT_TRUE(a == b);
  EXPECT_EQ(trace_checksum(a), trace_checksum(b));
  const Trace c = train_and_trace(smoke_request(spec, "cf,of", 12));
  EXPECT_NE(a.channel("train_loss"), c.channel("train_loss"));
}

// --of-compat v2: the published OF callback's side effect, lr x 0.9 at every epoch end, logged after
// the update. Epoch 0 trains as without it; later epochs train at the lower rate.
TEST(Trainer, OfCompatV2RescalesTheLearningRateAtEveryEpochEnd) {
  const ProgramSpec spec = zoo_program("31556268");
  const Trace plain = train_and_trace(smoke_request(spec, "of"));
  RunRequest compat_request = smoke_request(spec, "of");
  compat_request.of_compat = "v2";
  const Trace compat = train_and_trace(compat_request);
  ASSERT_EQ(plain.status, RunStatus::Ok) << plain.error;
  ASSERT_EQ(compat.status, RunStatus::Ok) << compat.error;
  ASSERT_EQ(compat.epochs(), 3u);
  EXPECT_TRUE(plain.of_compat.empty());
  EXPECT_EQ(compat.of_compat, "v2");
  const auto plain_lr = plain.channel("learning_rate"), compat_lr = compat.channel("learning_rate");
  double lr = spec.optimizer.learning_rate;
  for (size_t e = 0; e < compat_lr.size(); ++e) {
    EXPECT_EQ(plain_lr[e], spec.optimizer.learning_rate) << e;
    lr *= 0.9;
    EXPECT_EQ(compat_lr[e], lr) << e;
  }
  const auto a = plain.channel("train_loss"), b = compat.channel("train_loss");
  EXPECT_TRUE(same_bits(a[0], b[0]));
  EXPECT_NE(a[2], b[2]);
  EXPECT_NE(trace_checksum(plain), trace_checksum(compat));
}

// The cost model's calibration: the scaled run's step count and epochs, and positive timings.
TEST(Trainer, CalibrationTimesTheScaledRun) {
  const Calibration c = calibrate(smoke_request(zoo_program("31556268"), "cf,of"));
  ASSERT_TRUE(c.error.empty()) << c.error;
  EXPECT_EQ(c.steps_per_epoch, 4);  // smoke: 64 of the 100 samples, batch 16
  EXPECT_EQ(c.epochs, 3);           // smoke: at most 3 of its 50 epochs
  EXPECT_GT(c.step_seconds, 0);
  EXPECT_GT(c.validation_seconds, 0);
  EXPECT_GT(c.epoch_probe_seconds, 0);
  EXPECT_GT(c.init_probe_seconds, 0);
  EXPECT_GT(c.run_seconds(), c.prepare_seconds);
  ProgramSpec broken = zoo_program("31556268");
  broken.layers.insert(broken.layers.begin(), layer("Conv2D", {{"filters", 2}, {"kernel_size", 3}}));  // on 1-D input
  EXPECT_FALSE(calibrate(smoke_request(broken, "cf")).error.empty());
}

TEST(Trainer, ProbesDoNotChangeTraining) {
  for (const ProgramSpec& spec : {zoo_program("31556268"), xor_with_dropout_and_batchnorm()}) {
    const Trace plain = train_and_trace(smoke_request(spec, "none"));
    const Trace probed = train_and_trace(smoke_request(spec, "cf,of"));
    ASSERT_EQ(plain.status, RunStatus::Ok) << plain.error;
    ASSERT_EQ(probed.status, RunStatus::Ok) << probed.error;
    ASSERT_EQ(plain.epochs(), probed.epochs());
    EXPECT_EQ(plain.channel_names.size(), 5u);
    for (const char* ch : {"train_loss", "train_acc", "val_loss", "val_acc"}) {
      const auto x = plain.channel(ch), y = probed.channel(ch);
      for (size_t e = 0; e < x.size(); ++e) EXPECT_TRUE(same_bits(x[e], y[e])) << ch << " epoch " << e;
    }
  }
}

TEST(Trainer, LastEpochProbeValuesMatchAnIndependentComputationOnTheFinalModel) {
  // The probes measure after the epoch's last update, so the last row describes
  // the final model: recompute it with plain ATen ops.
  RunRequest r = smoke_request(xor_with_dropout_and_batchnorm(), "cf,of");
  PreparedRun run = prepare_run(r);
  Trace t;
  train(run, r, t);
  ASSERT_EQ(t.epochs(), 3u);
  const size_t last = t.epochs() - 1;
  KerasModelImpl& model = *run.model;
  const torch::Tensor probe_x = run.train_x.slice(0, 0, r.probe_batch);

  std::vector<torch::Tensor> outs;
  {
    torch::NoGradGuard no_grad;
    EvalModeGuard eval(model);
    model.set_record_outputs(true);
    model.forward(probe_x);
    outs = model.recorded_outputs();
    model.set_record_outputs(false);
  }
  // Layers: dense_0 (relu), batch_normalization_1, dropout_2, dense_3 (sigmoid);
  // V2's mean/std_activation average the Dense layers (those with `activation`).
  const double mean_act = (outs[0].mean().item<double>() + outs[3].mean().item<double>()) / 2;
  const double std_act = (outs[0].std(false).item<double>() + outs[3].std(false).item<double>()) / 2;
  EXPECT_NEAR(t.channel("mean_activation")[last], mean_act, 1e-6 * (1 + std::fabs(mean_act)));
  EXPECT_NEAR(t.channel("std_activation")[last], std_act, 1e-6 * (1 + std_act));
  const double dead = outs[0].le(0).to(torch::kFloat64).mean().item<double>();
  EXPECT_EQ(t.channel("dying_relu")[last], dead > 0.7 ? 1.0 : 0.0);
  const LayerSeries* dead_series = nullptr;
  for (const auto& s : t.layer_series)
    if (s.name == "dead_relu_share") dead_series = &s;
  ASSERT_NE(dead_series, nullptr);
  EXPECT_EQ(dead_series->layers, std::vector<std::string>{"dense_0"});
  EXPECT_NEAR(dead_series->values[last], dead, 1e-12);

  int64_t large = 0, over_5 = 0, nan_count = 0;
  for (const auto& w : model.parameters()) {
    large += w.abs().gt(10).sum().item<int64_t>();
    over_5 += w.abs().gt(5).sum().item<int64_t>();
  }
  for (const auto& b : model.buffers())
    if (b.is_floating_point()) {
      large += b.abs().gt(10).sum().item<int64_t>();
      over_5 += b.abs().gt(5).sum().item<int64_t>();
      nan_count += b.isnan().sum().item<int64_t>();
    }
  EXPECT_EQ(t.channel("large_weight_count")[last], static_cast<double>(large));
  EXPECT_EQ(t.channel("weight_abs_over_5_count")[last], static_cast<double>(over_5));
  // DeepDiagnosis' out-of-range inputs: the whole target array, the last layer on the probe batch.
  EXPECT_EQ(t.channel("label_min")[last], run.train_y.min().item<double>());
  EXPECT_EQ(t.channel("label_max")[last], run.train_y.max().item<double>());
  EXPECT_EQ(t.channel("output_min")[last], outs[3].min().item<double>());
  EXPECT_EQ(t.channel("output_max")[last], outs[3].max().item<double>());
  EXPECT_GE(t.channel("output_min")[last], 0.0);  // dense_3 is a sigmoid
  EXPECT_LE(t.channel("output_max")[last], 1.0);
  EXPECT_EQ(t.channel("nan_weight_count")[last], static_cast<double>(nan_count));

  // CF: the same measurement again on the final model reproduces the last row bit for bit.
  ProbeContext ctx = probe_context(run, r);
  const CurvatureMeasurement m = measure_curvature(ctx, derive_seed(r.seed, "cf/epoch=" + std::to_string(last)));
  EXPECT_TRUE(same_bits(t.channel("cf_hvp_norm")[last], m.hvp_norm));
  EXPECT_TRUE(same_bits(t.channel("cf_hutchinson_trace")[last], m.hutchinson_trace));
}

TEST(Trainer, TraceRecordsTheProbeSettingsAndTheRecurrentPathItWasTrainedWith) {
  // 73148058's LSTMs take the fused path by default: "cell" must both be recorded and change the path.
  RunRequest r = smoke_request(zoo_program("73148058"), "cf");
  const Trace fused = train_and_trace(r);
  ASSERT_EQ(fused.status, RunStatus::Ok) << fused.error;
  EXPECT_EQ(fused.hvp_vectors, kDefaultHvpVectors);
  EXPECT_EQ(fused.probe_batch, kDefaultProbeBatch);
  EXPECT_EQ(fused.recurrent, "");
  r.recurrent = "cell";
  const Trace cell = train_and_trace(r);
  EXPECT_EQ(cell.recurrent, "cell");
  EXPECT_NE(cell.values, fused.values);  // float rounding differs between the paths
  r.recurrent.clear();
  r.hvp_vectors = 2;
  r.probe_batch = 16;
  const Trace small = train_and_trace(r);
  EXPECT_EQ(small.hvp_vectors, 2);
  EXPECT_EQ(small.probe_batch, 16);
  EXPECT_EQ(small.channel("train_loss"), fused.channel("train_loss"));  // probes never change training
  EXPECT_NE(small.channel("cf_hvp_norm"), fused.channel("cf_hvp_norm"));
}

TEST(Trainer, UnbuildableSpecGivesACrashedTrace) {
  ProgramSpec spec = zoo_program("31556268");
  spec.layers.insert(spec.layers.begin(), layer("Conv2D", {{"filters", 2}, {"kernel_size", 3}}));  // on 1-D input
  const Trace t = train_and_trace(smoke_request(spec, "cf,of"));
  EXPECT_EQ(t.status, RunStatus::Crashed);
  EXPECT_EQ(t.epochs(), 0u);
  EXPECT_TRUE(t.channel_names.empty());
  EXPECT_NE(t.error.find("Conv2D"), std::string::npos) << t.error;
  EXPECT_EQ(t.error.find('\n'), std::string::npos);
  EXPECT_EQ(t.program, "31556268");
  EXPECT_EQ(t.probes, "cf,of");
}

TEST(Trainer, FailureAfterAnEpochKeepsTheEpochsAndBeforeItCrashes) {
  const Trace done = train_and_trace(smoke_request(zoo_program("31556268"), "cf,of"));
  ASSERT_EQ(done.status, RunStatus::Ok) << done.error;
  Trace failed = done;
  record_failure(failed, "boom");
  EXPECT_EQ(failed.status, RunStatus::Failed);
  EXPECT_EQ(failed.error, "boom");
  EXPECT_EQ(failed.epochs(), done.epochs());
  EXPECT_EQ(failed.values, done.values);
  EXPECT_EQ(failed.layer_series, done.layer_series);

  Trace before_first_epoch = done;
  before_first_epoch.values.clear();
  for (auto& s : before_first_epoch.layer_series) s.values.clear();
  record_failure(before_first_epoch, "");
  EXPECT_EQ(before_first_epoch.status, RunStatus::Crashed);
  EXPECT_FALSE(before_first_epoch.error.empty());
  EXPECT_TRUE(before_first_epoch.channel_names.empty());
  EXPECT_TRUE(before_first_epoch.layer_series.empty());
  EXPECT_TRUE(before_first_epoch.at_init.empty());
}

TEST(Trainer, DivergingRunIsMarkedUnstableAndStops) {
  ProgramSpec spec = zoo_program("31556268");
  spec.layers = {layer("Dense", {{"units", 4}}), layer("Dense", {{"units", 1}})};  // linear regression net
  spec.optimizer.name = "sgd";
  spec.optimizer.learning_rate = 1e4;
  spec.optimizer.params = Json::object();
  spec.epochs = 3;
  const Trace t = train_and_trace(smoke_request(spec, "of"));
  ASSERT_EQ(t.status, RunStatus::Ok) << t.error;
  ASSERT_TRUE(t.unstable);
  ASSERT_GE(t.first_unstable_epoch, 0);
  const double loss = t.channel("train_loss")[t.first_unstable_epoch];
  EXPECT_TRUE(!std::isfinite(loss) || loss > kUnstableLoss);
  for (int64_t e = 0; e < t.first_unstable_epoch; ++e) EXPECT_LE(t.channel("train_loss")[e], kUnstableLoss);
  // Training stops after the first non-finite epoch.
  const auto losses = t.channel("train_loss");
  for (size_t e = 0; e + 1 < losses.size(); ++e) EXPECT_TRUE(std::isfinite(losses[e])) << e;
}

TEST(Trainer, KerasLoggedLossIsTheSampleWeightedMeanOfBatchLosses) {
  // With lr = 1e-30 the float32 weights do not move (updates are far below
  // their ulp), so every batch loss is the loss of the same model and the
  // logged epoch loss equals the full-split loss.
  ProgramSpec spec = zoo_program("31556268");
  spec.optimizer.name = "sgd";
  spec.optimizer.learning_rate = 1e-30;
  spec.optimizer.params = Json::object();
  spec.batch_size = 24;  // 64 smoke samples: batches of 24, 24, 16
  RunRequest r = smoke_request(spec, "none");
  PreparedRun run = prepare_run(r);
  const SplitScore full = evaluate_split(*run.model, run.spec, run.accuracy_kind, run.train_x, run.train_y);
  Trace t;
  train(run, r, t);
  ASSERT_GE(t.epochs(), 1u);
  EXPECT_NEAR(t.channel("train_loss")[0], full.loss, 1e-6);
  EXPECT_NEAR(t.channel("train_acc")[0], full.accuracy, 1e-12);
}

// ---- HVP against central finite differences (float64) ---------------------

std::vector<torch::Tensor> gradient_at(KerasModelImpl& model, const ProgramSpec& spec, const torch::Tensor& x,
                                       const torch::Tensor& y, const std::vector<torch::Tensor>& params) {
  const torch::Tensor loss = forward_loss(model, spec.loss, x, y).loss + model.regularization_loss();
  auto g = torch::autograd::grad({loss}, params, {}, false, false, true);
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].defined()) g[i] = torch::zeros_like(params[i]);
  return g;
}

double hvp_relative_error(ProgramSpec spec, const std::vector<int64_t>& input_shape, const torch::Tensor& y) {
  spec.input_shape = input_shape;
  at::Generator gen = at::detail::createCPUGenerator(derive_seed(5, "hvp-test"));
  auto model = build_model(spec, input_shape, gen);
  model->to(torch::kDouble);
  model->eval();
  std::vector<int64_t> xs = {y.size(0)};
  xs.insert(xs.end(), input_shape.begin(), input_shape.end());
  const torch::Tensor x = torch::randn(xs, gen, torch::kDouble);
  std::vector<torch::Tensor> params;
  for (auto& g : model->param_groups())
    for (auto& p : g.params) params.push_back(p);
  std::mt19937_64 bits(derive_seed(5, "hvp-test/vectors"));
  const std::vector<torch::Tensor> v = rademacher_like(params, bits);

  const torch::Tensor loss = forward_loss(*model, spec.loss, x, y).loss + model->regularization_loss();
  const auto hv = hessian_vector_products(loss, params, {v})[0];

  constexpr double eps = 1e-6;
  auto shift = [&](double s) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) params[i].add_(v[i], s);
  };
  shift(eps);
  const auto g_plus = gradient_at(*model, spec, x, y, params);
  shift(-2 * eps);
  const auto g_minus = gradient_at(*model, spec, x, y, params);
  shift(eps);
  double diff_sq = 0, ref_sq = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor fd = (g_plus[i] - g_minus[i]) / (2 * eps);
    diff_sq += (hv[i] - fd).square().sum().item<double>();
    ref_sq += fd.square().sum().item<double>();
  }
  EXPECT_GT(ref_sq, 0.0);
  const double relative_error = std::sqrt(diff_sq / ref_sq);
  ::testing::Test::RecordProperty("hvp_relative_error", std::to_string(relative_error));
  std::cout << "HVP vs central differences: relative error " << relative_error << "\n";
  return relative_error;
}

ProgramSpec bare_spec(std::vector<LayerSpec> layers, const std::string& loss) {
  ProgramSpec spec = zoo_program("31556268");
  spec.layers = std::move(layers);
  spec.loss = {loss, false};
  return spec;
}

TEST(Hvp, MatchesCentralDifferencesForAnMlp) {
  const ProgramSpec spec = bare_spec({layer("Dense", {{"units", 6}, {"activation", "tanh"}}),
                                      layer("Dense", {{"units", 3}, {"activation", "softmax"}})},
                                     "categorical_crossentropy");
  const torch::Tensor y = torch::eye(3, torch::kDouble).repeat({3, 1});  // 9 one-hot rows
  EXPECT_LT(hvp_relative_error(spec, {5}, y), 1e-6);
}

TEST(Hvp, MatchesCentralDifferencesForAnLstm) {
  const ProgramSpec spec =
      bare_spec({layer("LSTM", {{"units", 4}}), layer("Dense", {{"units", 1}})}, "mse");
  const torch::Tensor y = torch::linspace(-1, 1, 6, torch::kDouble).reshape({6, 1});
  EXPECT_LT(hvp_relative_error(spec, {5, 3}, y), 1e-6);
}

TEST(Hvp, MatchesCentralDifferencesForAConv2D) {
  const ProgramSpec spec =
      bare_spec({layer("Conv2D", {{"filters", 3}, {"kernel_size", 3}, {"activation", "tanh"}}), layer("Flatten"),
                 layer("Dense", {{"units", 2}, {"activation", "sigmoid"}})},
                "binary_crossentropy");
  const torch::Tensor y = torch::tensor({0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0}, torch::kDouble).reshape({4, 2});
  EXPECT_LT(hvp_relative_error(spec, {6, 6, 2}, y), 1e-6);
}

TEST(Hvp, PerLayerNormsAndTracesAddUpToTheTotals) {
  // One Rademacher vector: ‖Hv‖² = Σ_l ‖(Hv)_l‖² and vᵀHv = Σ_l v_lᵀ(Hv)_l.
  RunRequest r = smoke_request(zoo_program("31556268"), "cf");
  PreparedRun run = prepare_run(r);
  r.probe_batch = 32;
  r.hvp_vectors = 1;
  ProbeContext ctx = probe_context(run, r);
  const CurvatureMeasurement m = measure_curvature(ctx, 99);
  double sq = 0, tr = 0;
  for (size_t l = 0; l < m.layer_hvp_norm.size(); ++l) {
    sq += m.layer_hvp_norm[l] * m.layer_hvp_norm[l];
    tr += m.layer_hutchinson_trace[l];
  }
  EXPECT_NEAR(std::sqrt(sq), m.hvp_norm, 1e-9 * m.hvp_norm);
  EXPECT_NEAR(tr, m.hutchinson_trace, 1e-9 * (1 + std::fabs(tr)));
  EXPECT_TRUE(std::isnan(m.hvp_norm_spread));  // ddof = 1 with one vector
  // Same seed, same vectors: the measurement is reproducible.
  const CurvatureMeasurement again = measure_curvature(ctx, 99);
  EXPECT_TRUE(same_bits(m.hvp_norm, again.hvp_norm));
}

TEST(Hvp, RademacherVectorsAreReproducibleSignsShapedLikeTheParameters) {
  const std::vector<torch::Tensor> params = {torch::zeros({100, 50}), torch::zeros({7})};
  std::mt19937_64 a(42), b(42);
  const auto v = rademacher_like(params, a);
  const auto w = rademacher_like(params, b);
  ASSERT_EQ(v.size(), 2u);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i].sizes(), params[i].sizes());
    EXPECT_EQ(v[i].scalar_type(), torch::kFloat32);
    EXPECT_TRUE(v[i].abs().eq(1).all().item<bool>());
    EXPECT_TRUE(v[i].equal(w[i]));
  }
  const double positive_share = v[0].gt(0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(positive_share, 0.5, 0.03);  // 5000 fair signs: sd 0.007
  const auto next = rademacher_like(params, a);  // the stream moves on: fresh vectors
  EXPECT_FALSE(next[0].equal(v[0]));
  const auto d = rademacher_like({torch::zeros({3}, torch::kFloat64)}, a);
  EXPECT_EQ(d[0].scalar_type(), torch::kFloat64);
}

// The factory table and the torch-free catalogue come from the same folder.
TEST(Probes, EveryCataloguedProbeIsLinked) {
  std::vector<std::string> catalogued;
  for (const auto& d : probe_catalogue()) catalogued.push_back(d.name);
  EXPECT_EQ(linked_probes(), catalogued);
  EXPECT_EQ(catalogued, (std::vector<std::string>{"cf", "of"}));
  for (const auto& name : catalogued) EXPECT_NE(make_probe(name), nullptr) << name;
  EXPECT_THROW(make_probe("nope"), dynfault::Error);
}

}  // namespace
}  // namespace dynfault::runner

namespace dynfault::runner {
namespace {

// A one-feature rule around a measured value: the run's epoch-0 log10 mean HVP
// standardises to 0, so it falls in cluster 0 (centroids at 0 and 10).
std::shared_ptr<const triage::Rule> rule_around(double value, int terminate, const std::string& epoch,
                                                const std::string& channel = "cf_hvp_layer_mean") {
  auto rule = std::make_shared<triage::Rule>();
  rule->features = {{"log10_mean_hvp", channel, "log10_clamped", 0.0, triage::log10_clamped(value), 1.0}};
  rule->centroids = {{0.0}, {10.0}};
  rule->terminate_cluster = terminate;
  rule->epoch = epoch;
  return rule;
}

TEST(Triage, RuleStopsThePlantedRunAfterEpochZeroAndLeavesAPassedRunBitIdentical) {
  const RunRequest plain = smoke_request(zoo_program("31556268"), "cf,of");
  const Trace reference = train_and_trace(plain);
  ASSERT_EQ(reference.status, RunStatus::Ok) << reference.error;
  ASSERT_GE(reference.epochs(), 2u);
  const double v = reference.channel("cf_hvp_layer_mean")[0];

  RunRequest stop = plain;
  stop.triage = rule_around(v, 0, "after_epoch_0");
  const Trace stopped = train_and_trace(stop);
  EXPECT_EQ(stopped.status, RunStatus::Terminated);
  EXPECT_EQ(stopped.epochs(), 1u);
  EXPECT_EQ(stopped.triage_rule, triage::checksum(*stop.triage));
  for (const char* ch : {"train_loss", "val_acc", "cf_hvp_layer_mean"})
    EXPECT_TRUE(same_bits(stopped.channel(ch)[0], reference.channel(ch)[0])) << ch;

  RunRequest pass = plain;
  pass.triage = rule_around(v, 1, "after_epoch_0");
  const Trace passed = train_and_trace(pass);
  EXPECT_EQ(passed.status, RunStatus::Ok);
  EXPECT_TRUE(passed.triage_rule.empty());
  EXPECT_TRUE(passed == reference);  // a run the rule lets pass is the run without it
  EXPECT_EQ(trace_checksum(passed), trace_checksum(reference));
}

TEST(Triage, AtInitRuleStopsBeforeAnyEpoch) {
  const RunRequest plain = smoke_request(zoo_program("31556268"), "cf");
  const Trace reference = train_and_trace(plain);
  RunRequest stop = plain;
  stop.triage = rule_around(reference.at_init.at("cf_hvp_layer_mean"), 0, "at_init");
  const Trace stopped = train_and_trace(stop);
  EXPECT_EQ(stopped.status, RunStatus::Terminated);
  EXPECT_EQ(stopped.epochs(), 0u);
  EXPECT_EQ(stopped.at_init, reference.at_init);
}

TEST(Triage, RuleReadingAChannelTheRunDoesNotLogFailsBeforeTraining) {
  RunRequest r = smoke_request(zoo_program("31556268"), "of");
  r.triage = rule_around(1.0, 0, "after_epoch_0");
  const Trace t = train_and_trace(r);
  EXPECT_EQ(t.status, RunStatus::Crashed);
  EXPECT_EQ(t.epochs(), 0u);
  EXPECT_NE(t.error.find("--triage"), std::string::npos) << t.error;
  EXPECT_NE(t.error.find("cf_hvp_layer_mean"), std::string::npos) << t.error;
}

}  // namespace
}  // namespace dynfault::runner
