// Keras losses, accuracy resolution and optimizers against golden values from
// tests/runner/reference/make_golden.py (numpy transcriptions of the Keras 2.15 formulas).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/program_spec.h"
#include "runner/losses.h"
#include "runner/optimizers.h"

namespace dynfault::runner {
namespace {

const Json& golden() {
  static const Json j = [] {
    std::ifstream in(std::string(DYNFAULT_SOURCE_DIR) + "/tests/runner/golden/losses_optimizers.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return Json::parse(ss.str());
  }();
  return j;
}

// float32 unless asked otherwise (losses run in float32 as in Keras; the optimizer golden is float64).
torch::Tensor tensor_from(const Json& values, const Json& shape, torch::Dtype dtype = torch::kFloat32) {
  std::vector<double> flat;
  std::function<void(const Json&)> walk = [&](const Json& v) {
    if (v.is_array())
      for (const auto& e : v) walk(e);
    else
      flat.push_back(v.get<double>());
  };
  walk(values);
  return torch::tensor(flat, torch::kFloat64).reshape(shape.get<std::vector<int64_t>>()).to(dtype);
}

TEST(KerasLoss, MatchesGoldenValuesForEveryCase) {
  const Json& cases = golden().at("losses");
  ASSERT_GE(cases.size(), 20u);
  std::set<std::string> covered;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("label").get<std::string>());
    torch::Tensor p = tensor_from(c["prediction"], c["prediction_shape"]);
    torch::Tensor t = tensor_from(c["target"], c["target_shape"]);
    LossSpec spec{c["loss"].get<std::string>(), c["from_logits"].get<bool>()};
    covered.insert(spec.name);
    torch::Tensor value = c.contains("keras_logits")
                              ? keras_loss(spec, p, t, tensor_from(c["keras_logits"], c["prediction_shape"]))
                              : keras_loss(spec, p, t);
    const double expected = c["expected"].get<double>();
    EXPECT_EQ(value.dim(), 0);
    EXPECT_NEAR(value.item<double>(), expected, 2e-5 * std::max(1.0, std::abs(expected)));
  }
  for (const auto& name : known_losses()) EXPECT_TRUE(covered.count(name)) << "no golden case for " << name;
}

TEST(KerasLoss, ClippingBoundsTheProbabilisticCrossEntropy) {
  // p = 0 for a positive label: Keras clips to 1e-7 and adds 1e-7 inside the log.
  torch::Tensor p = torch::zeros({1, 1}), t = torch::ones({1, 1});
  const double v = keras_loss({"binary_crossentropy", false}, p, t).item<double>();
  EXPECT_NEAR(v, -std::log(2e-7), 1e-3);
  // With the sigmoid's logits (Keras _keras_logits) the same output is unbounded.
  torch::Tensor logits = torch::full({1, 1}, -40.0f);
  EXPECT_NEAR(keras_loss({"binary_crossentropy", false}, torch::sigmoid(logits), t, logits).item<double>(), 40.0, 1e-4);
  // Non-cross-entropy losses ignore the logits.
  EXPECT_NEAR(keras_loss({"mse", false}, torch::sigmoid(logits), t, logits).item<double>(), 1.0, 1e-6);
}

TEST(KerasLoss, GradientFlowsToPrediction) {
  torch::Tensor p = torch::tensor({0.2f, 0.7f}).reshape({2, 1}).requires_grad_(true);
  torch::Tensor loss = keras_loss({"mse", false}, p, torch::tensor({0.0f, 1.0f}));
  loss.backward();
  // d/dp mean((p - t)^2) = 2 (p - t) / n
  EXPECT_NEAR(p.grad()[0][0].item<double>(), 0.2, 1e-6);
  EXPECT_NEAR(p.grad()[1][0].item<double>(), -0.3, 1e-6);
}

TEST(KerasLoss, BadTargetsGiveOneLineErrors) {
  try {
    keras_loss({"mse", false}, torch::zeros({4, 3}), torch::zeros({4, 2}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("loss mse: target shape (4, 2) does not match prediction shape (4, 3)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(keras_loss({"sparse_categorical_crossentropy", false}, torch::full({2, 3}, 1.0f / 3),
                          torch::tensor({0.0f, 3.0f})),
               Error);
}

ProgramSpec spec_with_metrics(std::vector<std::string> metrics) {
  ProgramSpec s;
  s.id = "test";
  s.metrics = std::move(metrics);
  return s;
}

TEST(Accuracy, ResolvedFromShapesAsKerasDoes) {
  const ProgramSpec acc = spec_with_metrics({"accuracy"});
  EXPECT_EQ(resolve_accuracy(acc, {1}, {}), AccuracyKind::Binary);
  EXPECT_EQ(resolve_accuracy(acc, {1}, {1}), AccuracyKind::Binary);
  EXPECT_EQ(resolve_accuracy(acc, {10}, {}), AccuracyKind::SparseCategorical);
  EXPECT_EQ(resolve_accuracy(acc, {10}, {1}), AccuracyKind::SparseCategorical);
  EXPECT_EQ(resolve_accuracy(acc, {10}, {10}), AccuracyKind::Categorical);
  EXPECT_EQ(resolve_accuracy(acc, {11}, {11}), AccuracyKind::Categorical);  // multi-label sigmoid: argmax accuracy
  EXPECT_EQ(resolve_accuracy(acc, {23, 12}, {23, 12}), AccuracyKind::Categorical);
  EXPECT_EQ(resolve_accuracy(acc, {3}, {3}), AccuracyKind::Categorical);
  EXPECT_EQ(resolve_accuracy(spec_with_metrics({"acc"}), {1}, {}), AccuracyKind::Binary);
  EXPECT_EQ(resolve_accuracy(spec_with_metrics({"CategoricalAccuracy"}), {2}, {2}), AccuracyKind::None);
  EXPECT_EQ(resolve_accuracy(spec_with_metrics({"SparseCategoricalAccuracy"}), {4}, {}), AccuracyKind::None);
  EXPECT_EQ(resolve_accuracy(spec_with_metrics({"MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError"}), {1}, {1}),
            AccuracyKind::None);
  EXPECT_EQ(resolve_accuracy(spec_with_metrics({}), {1}, {}), AccuracyKind::None);
  EXPECT_EQ(resolve_accuracy(spec_with_metrics({"MeanAbsolutePercentageError"}), {30}, {30}), AccuracyKind::OneMinusMape);
}

TEST(Accuracy, ZooProgramsWithoutAnAccuracyKeyLogNaN) {
  const ProgramZoo zoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs");
  struct Expect {
    const char* id;
    AccuracyKind kind;
  };
  // programs.md "Metric keys": these four log NaN, the MAPE-only ones 1 - MAPE/100.
  for (const Expect& e : {Expect{"64151679", AccuracyKind::None}, Expect{"73148058", AccuracyKind::None},
                          Expect{"67649606", AccuracyKind::None}, Expect{"68103873", AccuracyKind::None},
                          Expect{"69906416", AccuracyKind::OneMinusMape}, Expect{"71351646", AccuracyKind::OneMinusMape},
                          Expect{"73457069", AccuracyKind::OneMinusMape}, Expect{"73765263", AccuracyKind::OneMinusMape},
                          Expect{"31556268", AccuracyKind::Binary}}) {
    if (!zoo.has(e.id)) continue;  // the zoo is written in parallel
    const ProgramSpec spec = zoo.load(e.id);
    EXPECT_EQ(resolve_accuracy(spec, {1}, {1}) == AccuracyKind::None, e.kind == AccuracyKind::None) << e.id;
    if (e.kind == AccuracyKind::OneMinusMape) {
      EXPECT_EQ(resolve_accuracy(spec, {30}, {30}), e.kind) << e.id;
    }
  }
}

TEST(Accuracy, ValuesPerKind) {
  torch::Tensor p = torch::tensor({0.2f, 0.6f, 0.5f, 0.9f}).reshape({4, 1});
  EXPECT_DOUBLE_EQ(accuracy(AccuracyKind::Binary, p, torch::tensor({0.0f, 1.0f, 1.0f, 0.0f})), 0.5);  // 0.5 is not > 0.5
  torch::Tensor probs = torch::tensor({0.1f, 0.7f, 0.2f, 0.5f, 0.2f, 0.3f, 0.3f, 0.3f, 0.4f}).reshape({3, 3});
  EXPECT_NEAR(accuracy(AccuracyKind::SparseCategorical, probs, torch::tensor({1.0f, 0.0f, 0.0f})), 2.0 / 3, 1e-12);
  EXPECT_NEAR(accuracy(AccuracyKind::SparseCategorical, probs, torch::tensor({1.0f, 0.0f, 0.0f}).reshape({3, 1})), 2.0 / 3,
              1e-12);
  torch::Tensor onehot = torch::eye(3).index_select(0, torch::tensor({1, 0, 0}));
  EXPECT_NEAR(accuracy(AccuracyKind::Categorical, probs, onehot), 2.0 / 3, 1e-12);
  torch::Tensor y = torch::tensor({2.0f, 4.0f}).reshape({2, 1});
  EXPECT_NEAR(accuracy(AccuracyKind::OneMinusMape, torch::tensor({1.0f, 5.0f}).reshape({2, 1}), y), 1 - 0.375, 1e-6);
  EXPECT_TRUE(std::isnan(accuracy(AccuracyKind::None, p, p)));
}

// ------------------------------------------------------------------ optimizers

std::vector<torch::Tensor> initial_params(const Json& g) {
  std::vector<torch::Tensor> params;
  for (size_t i = 0; i < g["shapes"].size(); ++i)
    params.push_back(tensor_from(g["initial"][i], g["shapes"][i], torch::kFloat64).requires_grad_(true));
  return params;
}

TEST(KerasOptimizer, TrajectoriesMatchGoldenForEveryOptimizer) {
  const Json& g = golden().at("optimizers");
  std::set<std::string> covered;
  for (const auto& c : g["cases"]) {
    SCOPED_TRACE(c["label"].get<std::string>());
    OptimizerSpec spec;
    spec.name = c["optimizer"]["name"].get<std::string>();
    spec.learning_rate = c["optimizer"]["learning_rate"].get<double>();
    spec.params = c["optimizer"]["params"];
    covered.insert(spec.name);
    std::vector<torch::Tensor> params = initial_params(g);
    auto opt = make_optimizer(spec, params);
    for (size_t step = 0; step < g["gradients"].size(); ++step) {
      opt->zero_grad();
      for (size_t i = 0; i < params.size(); ++i)
        params[i].mutable_grad() = tensor_from(g["gradients"][step][i], g["shapes"][i], torch::kFloat64);
      opt->step();
      for (size_t i = 0; i < params.size(); ++i) {
        const auto expected = c["expected"][step][i].get<std::vector<double>>();
        torch::Tensor flat = params[i].detach().reshape({-1});
        for (size_t k = 0; k < expected.size(); ++k)
          ASSERT_NEAR(flat[k].item<double>(), expected[k], 1e-9 * std::max(1.0, std::abs(expected[k])))
              << "step " << step << " tensor " << i << " element " << k;
      }
    }
  }
  for (const auto& name : known_optimizers()) EXPECT_TRUE(covered.count(name)) << "no golden case for " << name;
}

TEST(KerasOptimizer, AdamElementLoopEqualsTheTensorOpsBitForBit) {
  for (const auto dtype : {torch::kFloat32, torch::kFloat64}) {
    torch::manual_seed(3);
    // Sizes around the vector width and a tail; gradients spanning tiny to large magnitudes.
    const std::vector<std::vector<int64_t>> shapes = {{1}, {7}, {16, 9}, {3, 5, 11}, {1031}};
    std::vector<torch::Tensor> a, b;
    for (const auto& shape : shapes) {
      const torch::Tensor w = torch::randn(shape, dtype);
      a.push_back(w.clone().requires_grad_(true));
      b.push_back(w.clone().requires_grad_(true));
    }
    const OptimizerSpec spec{"adam", 0.01, {{"beta_1", 0.85}, {"epsilon", 1e-6}}};
    auto loop = make_optimizer(spec, a);
    auto ops = make_optimizer(spec, b);
    ASSERT_TRUE(set_adam_element_loop(*ops, false));
    for (int step = 0; step < 5; ++step) {
      for (size_t i = 0; i < shapes.size(); ++i) {
        const torch::Tensor g = torch::randn(shapes[i], dtype) * std::pow(10.0, static_cast<double>(i) - 2 * step);
        a[i].mutable_grad() = g.clone();
        b[i].mutable_grad() = g.clone();
      }
      loop->step();
      ops->step();
      for (size_t i = 0; i < shapes.size(); ++i)
        ASSERT_TRUE(torch::equal(a[i], b[i])) << "dtype " << dtype << ", step " << step << ", tensor " << i;
    }
  }
  auto sgd = make_optimizer({"sgd", 0.01, Json::object()}, {torch::zeros({1}).requires_grad_(true)});
  EXPECT_FALSE(set_adam_element_loop(*sgd, true));
}

TEST(KerasOptimizer, KerasDefaultsDifferFromTorchDefaults) {
  // Keras Adam adds epsilon (1e-7) to sqrt(v) before the bias correction is folded into the
  // step size: first step = lr sqrt(1-b2) g / (sqrt(1-b2) g + eps). For a tiny gradient this is
  // ~30x smaller than torch's lr g / (g + 1e-8).
  const double g = 1e-7, lr = 0.001, s = std::sqrt(1 - 0.999);
  torch::Tensor w = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  auto adam = make_optimizer({"adam", lr, Json::object()}, {w});
  w.mutable_grad() = torch::full({1}, g, torch::kFloat64);
  adam->step();
  EXPECT_NEAR(w.item<double>(), -lr * s * g / (s * g + 1e-7), 1e-15);
  EXPECT_GT(std::abs(w.item<double>() + lr * g / (g + 1e-8)), 8e-4);
  // Adagrad starts its accumulator at 0.1: first step = lr * g / sqrt(0.1 + g^2 + eps).
  torch::Tensor a = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  auto adagrad = make_optimizer({"adagrad", 0.001, Json::object()}, {a});
  a.mutable_grad() = torch::full({1}, 1.0, torch::kFloat64);
  adagrad->step();
  EXPECT_NEAR(a.item<double>(), -0.001 / std::sqrt(1.1 + 1e-7), 1e-12);
}

TEST(KerasOptimizer, LearningRateCanBeChangedBetweenSteps) {
  torch::Tensor w = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  auto sgd = make_optimizer({"sgd", 0.1, Json::object()}, {w});
  EXPECT_DOUBLE_EQ(sgd->learning_rate(), 0.1);
  w.mutable_grad() = torch::ones({1}, torch::kFloat64);
  sgd->step();
  sgd->set_learning_rate(0.5);
  sgd->step();
  EXPECT_NEAR(w.item<double>(), -0.6, 1e-12);
  // zero_grad() drops the gradients (set_to_none), a view gradient included; a step
  // without gradients then leaves the weights alone, as Keras skips them.
  sgd->zero_grad();
  EXPECT_FALSE(w.grad().defined());
  w.mutable_grad() = torch::ones({2}, torch::kFloat64).slice(0, 0, 1);
  sgd->zero_grad();
  EXPECT_FALSE(w.grad().defined());
  sgd->step();
  EXPECT_NEAR(w.item<double>(), -0.6, 1e-12);
}

TEST(KerasOptimizer, BadSpecsGiveOneLineErrors) {
  torch::Tensor w = torch::zeros({1}).requires_grad_(true);
  auto message = [&](const OptimizerSpec& s) {
    try {
      make_optimizer(s, {w});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({"adam", 0.001, {{"momentum", 0.9}}}), "optimizer adam: unsupported parameter 'momentum'");
  EXPECT_EQ(message({"sgd", 0.01, {{"momentum", -1}}}), "optimizer sgd: 'momentum' must be in [0, 1]");
  EXPECT_EQ(message({"adam", 0.001, {{"clipnorm", 1.0}, {"global_clipnorm", 1.0}}}),
            "optimizer adam: at most one of 'clipnorm' and 'global_clipnorm' can be set");
  EXPECT_EQ(message({"lbfgs", 0.01, Json::object()}), "optimizer lbfgs: unknown optimizer");
  EXPECT_EQ(message({"sgd", 0.0, Json::object()}), "optimizer sgd: learning_rate must be positive");
}

}  // namespace
}  // namespace dynfault::runner
