// The Keras-semantics model builder: every layer against hand-computed outputs
// on tiny inputs, initializer statistics, error messages, and every zoo spec
// building and running forward.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "programs/data/program_data.h"
#include "core/error.h"
#include "core/program_spec.h"
#include "core/seed.h"
#include "runner/layers.h"
#include "runner/losses.h"
#include "runner/model.h"

namespace dynfault::runner {
namespace {

using Shape = std::vector<int64_t>;

LayerSpec layer(const std::string& type, Json config = Json::object()) { return {type, std::move(config)}; }

ProgramSpec stack(std::vector<LayerSpec> layers) {
  ProgramSpec s;
  s.id = "t";
  s.layers = std::move(layers);
  return s;
}

std::shared_ptr<KerasModelImpl> build(std::vector<LayerSpec> layers, const Shape& input, uint64_t seed = 1) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return build_model(stack(std::move(layers)), input, gen);
}

// Sets a parameter or buffer by its dotted name ("dense_0.kernel").
void set(KerasModelImpl& m, const std::string& name, const torch::Tensor& value) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.named_parameters(true))
    if (p.key() == name) {
      ASSERT_EQ(p.value().sizes(), value.sizes()) << name;
      p.value().copy_(value);
      return;
    }
  for (auto& b : m.named_buffers(true))
    if (b.key() == name) {
      ASSERT_EQ(b.value().sizes(), value.sizes()) << name;
      b.value().copy_(value);
      return;
    }
  FAIL() << "no parameter or buffer " << name;
}

torch::Tensor get(KerasModelImpl& m, const std::string& name) {
  for (auto& p : m.named_parameters(true))
    if (p.key() == name) return p.value().detach();
  for (auto& b : m.named_buffers(true))
    if (b.key() == name) return b.value();
  ADD_FAILURE() << "no parameter or buffer " << name;
  return {};
}

torch::Tensor t2(std::vector<float> v, Shape shape) { return torch::tensor(v).reshape(shape); }

void expect_close(const torch::Tensor& actual, const torch::Tensor& expected, double tol = 1e-5) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
  torch::Tensor a = actual.detach().to(torch::kFloat64).reshape({-1}), e = expected.to(torch::kFloat64).reshape({-1});
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a[i].item<double>(), e[i].item<double>(), tol) << "element " << i;
}

std::string build_error(std::vector<LayerSpec> layers, const Shape& input) {
  try {
    build(std::move(layers), input);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// ------------------------------------------------------------------ Dense / Activation

TEST(Layers, DenseComputesXKernelPlusBiasAndKeepsLogits) {
  auto m = build({layer("Dense", {{"units", 2}, {"activation", "sigmoid"}})}, {3});
  set(*m, "dense_0.kernel", t2({1, 2, 3, 4, 5, 6}, {3, 2}));
  set(*m, "dense_0.bias", t2({0.5, -1}, {2}));
  torch::Tensor y = m->forward(t2({1, 0, -1}, {1, 3}));
  expect_close(m->output_logits(), t2({-3.5, -5}, {1, 2}));
  expect_close(y, t2({float(sigmoid(-3.5)), float(sigmoid(-5))}, {1, 2}));
  // Dense on a sequence applies to the last axis.
  auto seq = build({layer("Dense", {{"units", 2}})}, {2, 3});
  set(*seq, "dense_0.kernel", t2({1, 2, 3, 4, 5, 6}, {3, 2}));
  expect_close(seq->forward(t2({1, 0, -1, 0, 1, 0}, {1, 2, 3})), t2({-4, -4, 3, 4}, {1, 2, 2}));
}

TEST(Layers, ActivationsFollowKeras215Definitions) {
  const std::vector<float> xs = {-3.0f, -0.5f, 0.0f, 0.5f, 3.0f, 7.0f};
  auto apply = [&](const std::string& a) {
    auto m = build({layer("Activation", {{"activation", a}})}, {6});
    return m->forward(t2(xs, {1, 6})).reshape({-1});
  };
  auto each = [&](double (*f)(double)) {
    std::vector<float> out;
    for (float x : xs) out.push_back(float(f(x)));
    return torch::tensor(out);
  };
  expect_close(apply("linear"), torch::tensor(xs));
  expect_close(apply("relu"), each([](double x) { return std::max(x, 0.0); }));
  expect_close(apply("relu6"), each([](double x) { return std::min(std::max(x, 0.0), 6.0); }));
  expect_close(apply("sigmoid"), each([](double x) { return 1 / (1 + std::exp(-x)); }));
  expect_close(apply("tanh"), each([](double x) { return std::tanh(x); }));
  expect_close(apply("hard_sigmoid"), each([](double x) { return std::min(1.0, std::max(0.0, 0.2 * x + 0.5)); }));
  expect_close(apply("elu"), each([](double x) { return x > 0 ? x : std::exp(x) - 1; }));
  expect_close(apply("selu"), each([](double x) {
    return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (std::exp(x) - 1));
  }));
  expect_close(apply("softplus"), each([](double x) { return std::log1p(std::exp(x)); }));
  expect_close(apply("softsign"), each([](double x) { return x / (1 + std::abs(x)); }));
  expect_close(apply("exponential"), each([](double x) { return std::exp(x); }), 1e-3);
  expect_close(apply("swish"), each([](double x) { return x / (1 + std::exp(-x)); }));
  expect_close(apply("gelu"), each([](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }));
  expect_close(apply("leaky_relu"), each([](double x) { return x > 0 ? x : 0.2 * x; }));
  // softmax over the last axis
  auto sm = build({layer("Activation", {{"activation", "softmax"}})}, {2, 3});
  torch::Tensor y = sm->forward(t2({1, 2, 3, 0, 0, 0}, {1, 2, 3}));
  const double z = std::exp(1) + std::exp(2) + std::exp(3);
  expect_close(y, t2({float(std::exp(1) / z), float(std::exp(2) / z), float(std::exp(3) / z), 1 / 3.f, 1 / 3.f, 1 / 3.f},
                     {1, 2, 3}));
  expect_close(sm->output_logits(), t2({1, 2, 3, 0, 0, 0}, {1, 2, 3}));
}

// The spec parser's vocabulary (core) is the one list: the runner builds every
// layer type it accepts (a missing argument is fine, an unsupported type is not)
// and computes every activation.
TEST(Layers, EveryKnownLayerTypeAndActivationIsBuilt) {
  for (const auto& type : known_layer_types()) {
    try {
      detail::make_layer({type, Json::object()});
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).rfind("unsupported layer type", 0), 0u) << type << ": " << e.what();
    }
  }
  EXPECT_THROW(detail::make_layer({"Conv3D", Json::object()}), detail::LayerError);
  for (const auto& a : known_activations())
    EXPECT_NO_THROW(detail::apply_activation(a, torch::zeros({1, 3}))) << a;
}

TEST(Layers, DropoutIsInvertedInTrainingAndIdentityInEval) {
  auto m = build({layer("Dropout", {{"rate", 0.25}})}, {100});
  m->train();
  torch::Tensor x = torch::ones({50, 100});
  torch::Tensor y = m->forward(x);
  const double zeros = y.eq(0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(zeros, 0.25, 0.03);
  EXPECT_TRUE(torch::logical_or(y.eq(0), (y - 1 / 0.75).abs() < 1e-6).all().item<bool>());
  m->eval();
  expect_close(m->forward(x), x);
}

// ------------------------------------------------------------------ shape layers

TEST(Layers, FlattenReshapeRepeatVectorKeepCOrder) {
  auto f = build({layer("Flatten")}, {2, 3, 2});
  torch::Tensor x = torch::arange(12, torch::kFloat32).reshape({1, 2, 3, 2});
  expect_close(f->forward(x), torch::arange(12, torch::kFloat32).reshape({1, 12}));
  auto r = build({layer("Reshape", {{"target_shape", {2, -1}}})}, {6});
  EXPECT_EQ(output_shape(*r, {6}), (Shape{2, 3}));
  expect_close(r->forward(torch::arange(6, torch::kFloat32).reshape({1, 6})), torch::arange(6, torch::kFloat32).reshape({1, 2, 3}));
  auto rv = build({layer("RepeatVector", {{"n", 3}})}, {2});
  expect_close(rv->forward(t2({1, 2}, {1, 2})), t2({1, 2, 1, 2, 1, 2}, {1, 3, 2}));
}

TEST(Layers, TimeDistributedDenseEqualsDensePerStep) {
  auto td = build({layer("TimeDistributed", {{"layer", {{"type", "Dense"}, {"units", 2}, {"activation", "relu"}}}})}, {3, 4}, 5);
  auto dense = build({layer("Dense", {{"units", 2}, {"activation", "relu"}})}, {3, 4}, 5);
  expect_close(get(*td, "time_distributed_0.layer.kernel"), get(*dense, "dense_0.kernel"), 0);
  torch::Tensor x = torch::randn({2, 3, 4});
  expect_close(td->forward(x), dense->forward(x));
  EXPECT_EQ(td->layer_infos()[0].activation, "relu");
  EXPECT_FALSE(td->output_logits().defined());  // the reshape hides the inner logits, as in Keras
}

// ------------------------------------------------------------------ convolutions and pooling

TEST(Layers, Conv1DValidSameAndStridesUseTfPadding) {
  torch::Tensor x4 = t2({1, 2, 3, 4}, {1, 4, 1});
  auto conv = [&](Json cfg, const Shape& in, const torch::Tensor& kernel, const torch::Tensor& x) {
    cfg["filters"] = 1;
    auto m = build({layer("Conv1D", cfg)}, in);
    set(*m, "conv1d_0.kernel", kernel);
    return m->forward(x);
  };
  torch::Tensor k2 = t2({1, 10}, {2, 1, 1});
  expect_close(conv({{"kernel_size", 2}, {"padding", "same"}}, {4, 1}, k2, x4), t2({21, 32, 43, 4}, {1, 4, 1}));
  expect_close(conv({{"kernel_size", 2}, {"padding", "same"}, {"strides", 2}}, {4, 1}, k2, x4), t2({21, 43}, {1, 2, 1}));
  expect_close(conv({{"kernel_size", 2}}, {4, 1}, k2, x4), t2({21, 32, 43}, {1, 3, 1}));
  expect_close(conv({{"kernel_size", 3}, {"strides", 2}}, {5, 1}, t2({1, 10, 100}, {3, 1, 1}), t2({1, 2, 3, 4, 5}, {1, 5, 1})),
               t2({321, 543}, {1, 2, 1}));
  // 3-wide 'same' pads one each side.
  expect_close(conv({{"kernel_size", 3}, {"padding", "same"}}, {4, 1}, t2({1, 10, 100}, {3, 1, 1}), x4),
               t2({210, 321, 432, 43}, {1, 4, 1}));
  // Channel layout: a kernel_size-1 convolution is a Dense over the channels.
  auto c = build({layer("Conv1D", {{"filters", 3}, {"kernel_size", 1}, {"activation", "tanh"}})}, {5, 4}, 9);
  auto d = build({layer("Dense", {{"units", 3}, {"activation", "tanh"}})}, {5, 4}, 9);
  set(*d, "dense_0.kernel", get(*c, "conv1d_0.kernel").reshape({4, 3}));
  set(*c, "conv1d_0.bias", torch::tensor({0.1f, -0.2f, 0.3f}));
  set(*d, "dense_0.bias", torch::tensor({0.1f, -0.2f, 0.3f}));
  torch::Tensor x = torch::randn({2, 5, 4});
  expect_close(c->forward(x), d->forward(x));
}

TEST(Layers, Conv2DSamePaddingIsAsymmetricForEvenKernels) {
  torch::Tensor x = torch::arange(1, 10, torch::kFloat32).reshape({1, 3, 3, 1});
  auto m = build({layer("Conv2D", {{"filters", 1}, {"kernel_size", {2, 2}}, {"padding", "same"}})}, {3, 3, 1});
  set(*m, "conv2d_0.kernel", torch::ones({2, 2, 1, 1}));
  expect_close(m->forward(x), t2({12, 16, 9, 24, 28, 15, 15, 17, 9}, {1, 3, 3, 1}));
  auto s = build({layer("Conv2D", {{"filters", 1}, {"kernel_size", 2}, {"padding", "same"}, {"strides", 2}})}, {3, 3, 1});
  set(*s, "conv2d_0.kernel", torch::ones({2, 2, 1, 1}));
  expect_close(s->forward(x), t2({12, 9, 15, 9}, {1, 2, 2, 1}));
  auto v = build({layer("Conv2D", {{"filters", 1}, {"kernel_size", 2}})}, {3, 3, 1});
  set(*v, "conv2d_0.kernel", t2({1, 0, 0, 0}, {2, 2, 1, 1}));  // picks the top-left of each window
  expect_close(v->forward(x), t2({1, 2, 4, 5}, {1, 2, 2, 1}));
  // Two input channels: kernel [kh, kw, in, out].
  auto c = build({layer("Conv2D", {{"filters", 1}, {"kernel_size", 1}})}, {1, 1, 2});
  set(*c, "conv2d_0.kernel", t2({2, 3}, {1, 1, 2, 1}));
  expect_close(c->forward(t2({10, 100}, {1, 1, 1, 2})), t2({320}, {1, 1, 1, 1}));
}

TEST(Layers, MaxPoolingDefaultsStridesToPoolSizeAndIgnoresSamePadding) {
  torch::Tensor x = torch::arange(1, 10, torch::kFloat32).reshape({1, 3, 3, 1});
  auto valid = build({layer("MaxPooling2D", {{"pool_size", {2, 2}}})}, {3, 3, 1});
  expect_close(valid->forward(x), t2({5}, {1, 1, 1, 1}));
  auto same = build({layer("MaxPooling2D", {{"pool_size", 2}, {"padding", "same"}})}, {3, 3, 1});
  expect_close(same->forward(x), t2({5, 6, 8, 9}, {1, 2, 2, 1}));
  expect_close(same->forward(-x), t2({-1, -3, -7, -9}, {1, 2, 2, 1}));  // padding never wins
  auto stride1 = build({layer("MaxPooling2D", {{"pool_size", 2}, {"strides", 1}})}, {3, 3, 1});
  expect_close(stride1->forward(x), t2({5, 6, 8, 9}, {1, 2, 2, 1}));
  auto p1 = build({layer("MaxPooling1D", {{"pool_size", 2}, {"strides", 2}, {"padding", "same"}})}, {3, 1});
  expect_close(p1->forward(t2({1, 5, -2}, {1, 3, 1})), t2({5, -2}, {1, 2, 1}));
  auto p1v = build({layer("MaxPooling1D")}, {3, 1});
  expect_close(p1v->forward(t2({1, 5, -2}, {1, 3, 1})), t2({5}, {1, 1, 1}));
  auto g = build({layer("GlobalMaxPooling1D")}, {3, 2});
  expect_close(g->forward(t2({1, -5, 4, -2, 0, -3}, {1, 3, 2})), t2({4, -2}, {1, 2}));
}

// ------------------------------------------------------------------ normalisation layers

TEST(Layers, BatchNormalizationUsesBatchStatsInTrainingAndMovingStatsInEval) {
  auto m = build({layer("BatchNormalization")}, {2});
  torch::Tensor x = t2({1, 0, 2, 0, 3, 0, 4, 4}, {4, 2});
  m->train();
  torch::Tensor y = m->forward(x);
  const double eps = 1e-3;
  // column 0: mean 2.5, biased var 1.25; column 1: mean 1, var 3
  expect_close(y.select(1, 0), torch::tensor({-1.5f, -0.5f, 0.5f, 1.5f}) / std::sqrt(1.25 + eps));
  expect_close(y.select(1, 1), torch::tensor({-1.0f, -1.0f, -1.0f, 3.0f}) / std::sqrt(3.0 + eps));
  // Keras momentum 0.99: moving = 0.99 moving + 0.01 batch (biased variance).
  expect_close(get(*m, "batch_normalization_0.moving_mean"), torch::tensor({0.025f, 0.01f}), 1e-7);
  expect_close(get(*m, "batch_normalization_0.moving_variance"), torch::tensor({1.0025f, 1.02f}), 1e-7);
  m->eval();
  torch::Tensor e = m->forward(x);
  expect_close(e.select(1, 0), (torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}) - 0.025) / std::sqrt(1.0025 + eps));
  expect_close(get(*m, "batch_normalization_0.moving_mean"), torch::tensor({0.025f, 0.01f}), 1e-7);  // eval: no update
  EXPECT_EQ(m->param_groups().at(0).params.size(), 2u);  // gamma, beta; moving stats are buffers
}

TEST(Layers, NormalizationAdaptsMeanAndVarianceOverAllButTheLastAxis) {
  auto m = build({layer("Normalization", {{"axis", -1}}), layer("Dense", {{"units", 1}})}, {4, 2});
  ASSERT_TRUE(m->needs_adapt());
  torch::Tensor x = torch::randn({50, 4, 2}) * torch::tensor({3.0f, 0.5f}) + torch::tensor({1.0f, -2.0f});
  m->adapt(x);
  const torch::Tensor flat = x.reshape({-1, 2}).to(torch::kFloat64);
  expect_close(get(*m, "normalization_0.mean"), flat.mean(0), 1e-5);
  expect_close(get(*m, "normalization_0.variance"), flat.var(0, false), 1e-4);
  m->set_record_outputs(true);
  m->forward(x);
  torch::Tensor z = m->recorded_outputs()[0].reshape({-1, 2});
  expect_close(z.mean(0), torch::zeros({2}), 1e-4);
  expect_close(z.var(0, false), torch::ones({2}), 1e-3);
  auto fixed = build({layer("Normalization", {{"mean", {1, 2}}, {"variance", {4, 0}}})}, {2});
  EXPECT_FALSE(fixed->needs_adapt());
  // variance 0 -> divide by max(sqrt(0), 1e-7)
  expect_close(fixed->forward(t2({3, 2}, {1, 2})), t2({1, 0}, {1, 2}));
}

// ------------------------------------------------------------------ embedding and masking

TEST(Layers, EmbeddingLooksUpRowsAndCanBeFrozen) {
  auto m = build({layer("Embedding", {{"input_dim", 3}, {"output_dim", 2}})}, {4});
  set(*m, "embedding_0.embeddings", t2({0, 0.5, 1, 1.5, 2, 2.5}, {3, 2}));
  expect_close(m->forward(t2({2, 0, 1, 2}, {1, 4})), t2({2, 2.5, 0, 0.5, 1, 1.5, 2, 2.5}, {1, 4, 2}));
  EXPECT_EQ(m->param_groups().size(), 1u);
  auto frozen = build({layer("Embedding", {{"input_dim", 3}, {"output_dim", 2}, {"trainable", false}}),
                       layer("Flatten"), layer("Dense", {{"units", 1}})},
                      {4});
  const auto groups = frozen->param_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].layer, "dense_2");
  EXPECT_EQ(frozen->parameters().size(), 2u);  // the frozen table is a buffer, not an optimizer parameter
  try {
    m->forward(t2({3, 0, 0, 0}, {1, 4}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "program t: layer 0 (Embedding): token id 3 is outside [0, 3)");
  }
}

// SimpleRNN(1): h_t = tanh(0.5 x_t + 0.3 h_{t-1}).
void set_simple_rnn(KerasModelImpl& m, const std::string& prefix) {
  set(m, prefix + ".kernel", t2({0.5}, {1, 1}));
  set(m, prefix + ".recurrent_kernel", t2({0.3}, {1, 1}));
  set(m, prefix + ".bias", t2({0}, {1}));
}

TEST(Layers, MaskingSkipsTimestepsCarryingTheStateThrough) {
  auto m = build({layer("Masking", {{"mask_value", 0.0}}), layer("SimpleRNN", {{"units", 1}, {"return_sequences", true}})},
                 {3, 1});
  set_simple_rnn(*m, "simple_rnn_1");
  m->set_record_outputs(true);
  torch::Tensor y = m->forward(t2({1, 0, 2}, {1, 3, 1}));
  const double h1 = std::tanh(0.5), h3 = std::tanh(1.0 + 0.3 * h1);
  // standalone RNN: a masked step repeats the previous output (zero_output_for_mask=False)
  expect_close(y, t2({float(h1), float(h1), float(h3)}, {1, 3, 1}));
  ASSERT_EQ(m->recorded_outputs().size(), 2u);
  expect_close(m->recorded_outputs()[0], t2({1, 0, 2}, {1, 3, 1}));
  // Inside Bidirectional(return_sequences) masked outputs are zeros.
  auto b = build({layer("Masking"),
                  layer("Bidirectional", {{"layer", {{"type", "SimpleRNN"}, {"units", 1}, {"return_sequences", true}}}})},
                 {3, 1});
  set_simple_rnn(*b, "bidirectional_1.forward");
  set_simple_rnn(*b, "bidirectional_1.backward");
  const double b1 = std::tanh(1.0), b3 = std::tanh(0.5 + 0.3 * b1);
  expect_close(b->forward(t2({1, 0, 2}, {1, 3, 1})), t2({float(h1), float(b3), 0, 0, float(h3), float(b1)}, {1, 3, 2}));
  // Embedding(mask_zero) masks id 0 the same way: [0, 2, 1] behaves like [2, 1].
  auto e = build({layer("Embedding", {{"input_dim", 3}, {"output_dim", 1}, {"mask_zero", true}}), layer("SimpleRNN", {{"units", 1}})},
                 {3});
  set(*e, "embedding_0.embeddings", t2({0.7, 1, 2}, {3, 1}));
  set_simple_rnn(*e, "simple_rnn_1");
  const double g1 = std::tanh(0.5 * 2), g2 = std::tanh(0.5 * 1 + 0.3 * g1);
  expect_close(e->forward(t2({0, 2, 1}, {1, 3})), t2({float(g2)}, {1, 1}));
}

// ------------------------------------------------------------------ recurrent cells by hand

TEST(Recurrent, LstmTwoStepsByHand) {
  auto m = build({layer("LSTM", {{"units", 1}, {"return_sequences", true}})}, {2, 1});
  set(*m, "lstm_0.kernel", t2({0.1, 0.2, 0.3, 0.4}, {1, 4}));
  set(*m, "lstm_0.recurrent_kernel", t2({0.5, 0.6, 0.7, 0.8}, {1, 4}));
  set(*m, "lstm_0.bias", t2({0.01, 1.0, 0.03, 0.04}, {4}));
  const double k[4] = {0.1, 0.2, 0.3, 0.4}, r[4] = {0.5, 0.6, 0.7, 0.8}, b[4] = {0.01, 1.0, 0.03, 0.04};
  double h = 0, c = 0;
  std::vector<float> expected;
  for (double x : {1.0, -2.0}) {
    double z[4];
    for (int g = 0; g < 4; ++g) z[g] = x * k[g] + h * r[g] + b[g];
    const double i = sigmoid(z[0]), f = sigmoid(z[1]), o = sigmoid(z[3]);
    c = f * c + i * std::tanh(z[2]);
    h = o * std::tanh(c);
    expected.push_back(float(h));
  }
  expect_close(m->forward(t2({1, -2}, {1, 2, 1})), t2(expected, {1, 2, 1}));
  EXPECT_EQ(m->layer_infos()[0].activation, "tanh");
}

TEST(Recurrent, GruResetAfterAndBeforeByHand) {
  for (bool reset_after : {true, false}) {
    SCOPED_TRACE(reset_after);
    auto m = build({layer("GRU", {{"units", 1}, {"reset_after", reset_after}, {"return_sequences", true}})}, {2, 1});
    set(*m, "gru_0.kernel", t2({0.1, 0.2, 0.3}, {1, 3}));
    set(*m, "gru_0.recurrent_kernel", t2({0.4, 0.5, 0.6}, {1, 3}));
    if (reset_after) set(*m, "gru_0.bias", t2({0.01, 0.02, 0.03, 0.04, 0.05, 0.06}, {2, 3}));
    else set(*m, "gru_0.bias", t2({0.01, 0.02, 0.03}, {3}));
    const double k[3] = {0.1, 0.2, 0.3}, r[3] = {0.4, 0.5, 0.6};
    const double bi[3] = {0.01, 0.02, 0.03}, br[3] = {0.04, 0.05, 0.06};
    double h = 0;
    std::vector<float> expected;
    for (double x : {1.0, -2.0}) {
      const double rb[3] = {reset_after ? br[0] : 0, reset_after ? br[1] : 0, reset_after ? br[2] : 0};
      const double z = sigmoid(x * k[0] + bi[0] + h * r[0] + rb[0]);
      const double rg = sigmoid(x * k[1] + bi[1] + h * r[1] + rb[1]);
      const double rh = reset_after ? rg * (h * r[2] + rb[2]) : (rg * h) * r[2];
      const double hh = std::tanh(x * k[2] + bi[2] + rh);
      h = z * h + (1 - z) * hh;
      expected.push_back(float(h));
    }
    expect_close(m->forward(t2({1, -2}, {1, 2, 1})), t2(expected, {1, 2, 1}));
  }
}

// Reference cells with explicit loops over Keras' [in, G*units] layout (gate-major columns).
std::vector<double> column_block(const torch::Tensor& w) {
  torch::Tensor d = w.to(torch::kFloat64).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

TEST(Recurrent, LstmAndGruMatchLoopReferenceWithSeveralUnits) {
  const int64_t steps = 4, in = 2, u = 3;
  torch::Tensor x = torch::randn({1, steps, in});
  std::vector<double> xs = column_block(x);
  for (const std::string type : {"LSTM", "GRU"}) {
    SCOPED_TRACE(type);
    const int64_t g = type == "LSTM" ? 4 : 3;
    auto m = build({layer(type, {{"units", u}, {"return_sequences", true}})}, {steps, in}, 21);
    const std::string p = type == "LSTM" ? "lstm_0" : "gru_0";
    set(*m, p + ".bias", torch::randn(get(*m, p + ".bias").sizes()) * 0.5);
    std::vector<double> K = column_block(get(*m, p + ".kernel")), R = column_block(get(*m, p + ".recurrent_kernel")),
                        B = column_block(get(*m, p + ".bias"));
    std::vector<double> h(u, 0.0), c(u, 0.0);
    std::vector<float> expected;
    for (int64_t t = 0; t < steps; ++t) {
      std::vector<double> xz(g * u, 0.0), hz(g * u, 0.0);
      for (int64_t col = 0; col < g * u; ++col) {
        for (int64_t f = 0; f < in; ++f) xz[col] += xs[t * in + f] * K[f * g * u + col];
        for (int64_t k = 0; k < u; ++k) hz[col] += h[k] * R[k * g * u + col];
      }
      std::vector<double> nh(u);
      for (int64_t j = 0; j < u; ++j) {
        if (type == "LSTM") {
          auto z = [&](int gate) { return xz[gate * u + j] + hz[gate * u + j] + B[gate * u + j]; };
          const double i = sigmoid(z(0)), f = sigmoid(z(1)), o = sigmoid(z(3));
          c[j] = f * c[j] + i * std::tanh(z(2));
          nh[j] = o * std::tanh(c[j]);
        } else {  // reset_after: bias [2, 3u] = input bias, recurrent bias
          auto bi = [&](int gate) { return B[gate * u + j]; };
          auto br = [&](int gate) { return B[g * u + gate * u + j]; };
          const double z = sigmoid(xz[j] + bi(0) + hz[j] + br(0));
          const double r = sigmoid(xz[u + j] + bi(1) + hz[u + j] + br(1));
          const double hh = std::tanh(xz[2 * u + j] + bi(2) + r * (hz[2 * u + j] + br(2)));
          nh[j] = z * h[j] + (1 - z) * hh;
        }
      }
      h = nh;
      for (double v : h) expected.push_back(float(v));
    }
    expect_close(m->forward(x), t2(expected, {1, steps, u}));
  }
}

TEST(Recurrent, BidirectionalMergeModes) {
  const double f2 = std::tanh(0.5 * 2 + 0.3 * std::tanh(0.5 * 1));   // forward over [1, 2]
  const double b2 = std::tanh(0.5 * 1 + 0.3 * std::tanh(0.5 * 2));   // backward over [2, 1]
  const std::map<std::string, std::vector<float>> expected = {{"concat", {float(f2), float(b2)}},
                                                              {"sum", {float(f2 + b2)}},
                                                              {"mul", {float(f2 * b2)}},
                                                              {"ave", {float((f2 + b2) / 2)}}};
  for (const auto& [mode, values] : expected) {
    SCOPED_TRACE(mode);
    auto m = build({layer("Bidirectional", {{"layer", {{"type", "SimpleRNN"}, {"units", 1}}}, {"merge_mode", mode}})}, {2, 1});
    set_simple_rnn(*m, "bidirectional_0.forward");
    set_simple_rnn(*m, "bidirectional_0.backward");
    expect_close(m->forward(t2({1, 2}, {1, 2, 1})), t2(values, {1, int64_t(values.size())}));
    EXPECT_EQ(m->param_groups().size(), 1u);  // one Keras layer = one group
    EXPECT_EQ(m->param_groups()[0].params.size(), 6u);
  }
}

TEST(Recurrent, DropoutMasksAreFixedPerBatchAcrossTimesteps) {
  auto m = build({layer("SimpleRNN", {{"units", 1}, {"activation", "linear"}, {"dropout", 0.5}, {"return_sequences", true}})},
                 {6, 40});
  set(*m, "simple_rnn_0.kernel", torch::ones({40, 1}));
  set(*m, "simple_rnn_0.recurrent_kernel", torch::zeros({1, 1}));
  torch::Tensor x = torch::ones({3, 6, 40});
  m->train();
  torch::Tensor y = m->forward(x).squeeze(-1);  // [3, 6]: sum of the kept inputs * 2
  for (int64_t s = 0; s < 3; ++s) {
    const double first = y[s][0].item<double>();
    EXPECT_NE(first, 40.0);
    EXPECT_NEAR(std::fmod(first, 2.0), 0.0, 1e-4);
    for (int64_t t = 1; t < 6; ++t) EXPECT_NEAR(y[s][t].item<double>(), first, 1e-4);
  }
  EXPECT_FALSE(torch::allclose(y[0], y[1]) && torch::allclose(y[1], y[2]));  // masks differ per sample
  m->eval();
  expect_close(m->forward(x), torch::full({3, 6, 1}, 40.0f));
  // LSTM with recurrent_dropout (Keras implementation 1): deterministic from the generator, identity in eval.
  auto a = build({layer("LSTM", {{"units", 4}, {"dropout", 0.3}, {"recurrent_dropout", 0.3}})}, {5, 3}, 11);
  auto b = build({layer("LSTM", {{"units", 4}, {"dropout", 0.3}, {"recurrent_dropout", 0.3}})}, {5, 3}, 11);
  auto plain = build({layer("LSTM", {{"units", 4}})}, {5, 3}, 11);
  torch::Tensor xs = torch::randn({2, 5, 3});
  a->train();
  b->train();
  expect_close(a->forward(xs), b->forward(xs), 0);
  a->eval();
  plain->eval();
  expect_close(a->forward(xs), plain->forward(xs));
  a->train();
  a->set_dropout_generator(at::detail::createCPUGenerator(99));
  EXPECT_FALSE(torch::allclose(a->forward(xs), plain->forward(xs)));
}

// ------------------------------------------------------------------ initializers

struct Stats {
  double mean, std, max_abs;
};
Stats stats(const torch::Tensor& w) {
  torch::Tensor d = w.to(torch::kFloat64);
  return {d.mean().item<double>(), d.std(false).item<double>(), d.abs().max().item<double>()};
}

torch::Tensor dense_kernel(const Json& init, int64_t in, int64_t units, uint64_t seed = 3) {
  auto m = build({layer("Dense", {{"units", units}, {"kernel_initializer", init}})}, {in}, seed);
  return get(*m, "dense_0.kernel");
}

TEST(Initializers, KerasDefinitionsAndStatistics) {
  // glorot_uniform: U(+-sqrt(6 / (fan_in + fan_out)))
  const double limit = std::sqrt(6.0 / 500);
  Stats g = stats(dense_kernel("glorot_uniform", 300, 200));
  EXPECT_LE(g.max_abs, limit);
  EXPECT_GT(g.max_abs, 0.99 * limit);
  EXPECT_NEAR(g.std, limit / std::sqrt(3.0), 0.01 * limit);
  // he_normal / glorot_normal / lecun_normal: truncated at 2 sigma_raw, std corrected to sqrt(scale / n).
  Stats h = stats(dense_kernel("he_normal", 300, 400));
  EXPECT_NEAR(h.std, std::sqrt(2.0 / 300), 0.02 * std::sqrt(2.0 / 300));
  EXPECT_LE(h.max_abs, 2 * std::sqrt(2.0 / 300) / 0.87962566103423978);
  EXPECT_NEAR(stats(dense_kernel("glorot_normal", 300, 400)).std, std::sqrt(2.0 / 700), 0.02 * std::sqrt(2.0 / 700));
  EXPECT_NEAR(stats(dense_kernel("lecun_normal", 300, 400)).std, std::sqrt(1.0 / 300), 0.02 * std::sqrt(1.0 / 300));
  EXPECT_LE(stats(dense_kernel("he_uniform", 300, 100)).max_abs, std::sqrt(6.0 / 300));
  EXPECT_LE(stats(dense_kernel("lecun_uniform", 300, 100)).max_abs, std::sqrt(3.0 / 300));
  EXPECT_GT(stats(dense_kernel("lecun_uniform", 300, 100)).max_abs, 0.99 * std::sqrt(3.0 / 300));
  // Keras RandomNormal / RandomUniform / TruncatedNormal defaults: 0.05
  EXPECT_NEAR(stats(dense_kernel("random_normal", 300, 200)).std, 0.05, 0.001);
  Stats u = stats(dense_kernel("uniform", 300, 200));  // Keras 1 name used by the seeds
  EXPECT_LE(u.max_abs, 0.05);
  EXPECT_GT(u.max_abs, 0.0499);
  EXPECT_LE(stats(dense_kernel("truncated_normal", 300, 200)).max_abs, 0.1);
  EXPECT_NEAR(stats(dense_kernel({{"name", "random_normal"}, {"mean", 1.0}, {"stddev", 1.0}}, 300, 200)).mean, 1.0, 0.02);
  EXPECT_LE(stats(dense_kernel({{"name", "variance_scaling"}, {"scale", 2.0}, {"mode", "fan_out"}, {"distribution", "uniform"}},
                               300, 50)).max_abs,
            std::sqrt(6.0 / 50));
  expect_close(dense_kernel({{"name", "constant"}, {"value", 0.25}}, 3, 2), torch::full({3, 2}, 0.25f));
  expect_close(dense_kernel("identity", 3, 2), torch::eye(3, 2));
  expect_close(dense_kernel("ones", 2, 2), torch::ones({2, 2}));
  // Conv fans: receptive field x channels.
  auto c = build({layer("Conv2D", {{"filters", 8}, {"kernel_size", 3}})}, {9, 9, 4});
  EXPECT_LE(stats(get(*c, "conv2d_0.kernel")).max_abs, std::sqrt(6.0 / (36 + 72)));
  EXPECT_GT(stats(get(*c, "conv2d_0.kernel")).max_abs, 0.9 * std::sqrt(6.0 / (36 + 72)));
  expect_close(get(*c, "conv2d_0.bias"), torch::zeros({8}));
  // Embedding default uniform(-0.05, 0.05)
  auto e = build({layer("Embedding", {{"input_dim", 1000}, {"output_dim", 16}})}, {3});
  EXPECT_LE(stats(get(*e, "embedding_0.embeddings")).max_abs, 0.05);
  EXPECT_NEAR(stats(get(*e, "embedding_0.embeddings")).std, 0.05 / std::sqrt(3.0), 0.002);
}

TEST(Initializers, OrthogonalRecurrentKernelsAndForgetBias) {
  auto m = build({layer("LSTM", {{"units", 16}})}, {5, 8});
  torch::Tensor r = get(*m, "lstm_0.recurrent_kernel").to(torch::kFloat64);
  ASSERT_EQ(r.sizes(), (c10::IntArrayRef{16, 64}));
  expect_close(torch::matmul(r, r.t()), torch::eye(16, torch::kFloat64), 1e-5);  // one QR over [16, 64]
  torch::Tensor bias = get(*m, "lstm_0.bias");
  expect_close(bias, torch::cat({torch::zeros({16}), torch::ones({16}), torch::zeros({32})}));
  EXPECT_LE(stats(get(*m, "lstm_0.kernel")).max_abs, std::sqrt(6.0 / (8 + 64)));
  torch::Tensor w = dense_kernel("orthogonal", 64, 16).to(torch::kFloat64);
  expect_close(torch::matmul(w.t(), w), torch::eye(16, torch::kFloat64), 1e-5);
  auto gru = build({layer("GRU", {{"units", 4}})}, {5, 8});
  EXPECT_EQ(get(*gru, "gru_0.bias").sizes(), (c10::IntArrayRef{2, 12}));
  auto nofb = build({layer("LSTM", {{"units", 2}, {"unit_forget_bias", false}})}, {5, 8});
  expect_close(get(*nofb, "lstm_0.bias"), torch::zeros({8}));
}

TEST(Initializers, WeightsComeOnlyFromTheGenerator) {
  const std::vector<LayerSpec> layers = {layer("Conv1D", {{"filters", 4}, {"kernel_size", 3}}), layer("LSTM", {{"units", 5}}),
                                         layer("Dense", {{"units", 2}, {"kernel_initializer", "he_normal"}})};
  auto a = build(layers, {10, 3}, 42), b = build(layers, {10, 3}, 42), c = build(layers, {10, 3}, 43);
  auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
    if (pa[i].abs().sum().item<double>() > 0 && !torch::equal(pa[i], pc[i])) any_differs = true;
  }
  EXPECT_TRUE(any_differs);
}

// ------------------------------------------------------------------ model bookkeeping

TEST(Model, LayerInfosParamGroupsRecordedOutputsAndRegularization) {
  auto m = build({layer("Embedding", {{"input_dim", 10}, {"output_dim", 4}}), layer("LSTM", {{"units", 3}}),
                  layer("Dropout", {{"rate", 0.1}}),
                  layer("Dense", {{"units", 2}, {"activation", "softmax"}, {"kernel_regularizer", {{"l2", 0.01}}},
                                  {"bias_regularizer", {{"l1", 0.5}}}})},
                 {6});
  const auto& infos = m->layer_infos();
  ASSERT_EQ(infos.size(), 4u);
  EXPECT_EQ(infos[0].name, "embedding_0");
  EXPECT_EQ(infos[1].name, "lstm_1");
  EXPECT_EQ(infos[1].activation, "tanh");
  EXPECT_EQ(infos[2].type, "Dropout");
  EXPECT_EQ(infos[3].activation, "softmax");
  const auto groups = m->param_groups();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[1].layer, "lstm_1");
  EXPECT_EQ(groups[1].params.size(), 3u);
  EXPECT_EQ(groups[2].layer, "dense_3");
  set(*m, "dense_3.bias", torch::tensor({1.0f, -2.0f}));
  torch::Tensor k = get(*m, "dense_3.kernel");
  EXPECT_NEAR(m->regularization_loss().item<double>(), 0.01 * k.square().sum().item<double>() + 0.5 * 3.0, 1e-6);
  m->set_record_outputs(true);
  m->eval();
  torch::Tensor y = m->forward(t2({1, 2, 3, 4, 5, 6}, {1, 6}));
  ASSERT_EQ(m->recorded_outputs().size(), 4u);
  EXPECT_EQ(m->recorded_outputs()[0].sizes(), (c10::IntArrayRef{1, 6, 4}));
  EXPECT_EQ(m->recorded_outputs()[1].sizes(), (c10::IntArrayRef{1, 3}));
  EXPECT_FALSE(m->recorded_outputs()[3].requires_grad());
  EXPECT_TRUE(torch::equal(m->recorded_outputs()[3], y.detach()));
  EXPECT_EQ(output_shape(*m, {6}), (Shape{2}));
  EXPECT_EQ(output_shape(*m, {9}), (Shape{2}));  // another sequence length: shape by a forward pass
  auto none = build({layer("Dense", {{"units", 1}})}, {2});
  EXPECT_EQ(none->regularization_loss().item<double>(), 0.0);
  // A Dropout last hides the softmax logits (Keras' Dropout returns a new tensor).
  auto d = build({layer("Dense", {{"units", 2}, {"activation", "softmax"}}), layer("Dropout", {{"rate", 0.5}})}, {2});
  d->forward(torch::ones({1, 2}));
  EXPECT_FALSE(d->output_logits().defined());
}

TEST(Model, RunsInFloat64ForReferenceHessians) {
  auto m = build({layer("Masking"), layer("LSTM", {{"units", 3}, {"dropout", 0.2}, {"recurrent_dropout", 0.2}, {"return_sequences", true}}),
                  layer("BatchNormalization"), layer("Dropout", {{"rate", 0.3}}), layer("Flatten"),
                  layer("Dense", {{"units", 2}, {"activation", "softmax"}, {"kernel_regularizer", {{"l2", 0.01}}}})},
                 {4, 2});
  m->to(torch::kFloat64);
  m->train();
  torch::Tensor y = m->forward(torch::randn({3, 4, 2}, torch::kFloat64));
  EXPECT_EQ(y.scalar_type(), torch::kFloat64);
  EXPECT_EQ(m->output_logits().scalar_type(), torch::kFloat64);
  EXPECT_EQ(m->regularization_loss().scalar_type(), torch::kFloat64);
  for (const auto& g : m->param_groups())
    for (const auto& p : g.params) EXPECT_EQ(p.scalar_type(), torch::kFloat64) << g.layer;
}

TEST(Model, UnbuildableSpecsGiveOneLineErrors) {
  EXPECT_EQ(build_error({layer("Conv2D", {{"filters", 2}, {"kernel_size", 3}})}, {10}),
            "program t: layer 0 (Conv2D): expects an input of rank 4 (batch, rows, cols, channels), got (10,) without batch");
  EXPECT_EQ(build_error({layer("Dense", {{"units", 4}}), layer("MaxPooling1D", {{"pool_size", 4}})}, {3, 1}),
            "program t: layer 1 (MaxPooling1D): pool size 4 is larger than the input size 3 with 'valid' padding "
            "(negative output dimension)");
  EXPECT_EQ(build_error({layer("Reshape", {{"target_shape", {4}}})}, {6}),
            "program t: layer 0 (Reshape): total size of the new array must be unchanged: input (6,), target (4,)");
  EXPECT_EQ(build_error({layer("Dense")}, {6}), "program t: layer 0 (Dense): missing argument 'units'");
  EXPECT_EQ(build_error({layer("Dense", {{"units", 2}, {"unitz", 3}})}, {6}),
            "program t: layer 0 (Dense): unsupported argument 'unitz'");
  EXPECT_EQ(build_error({layer("Dense", {{"units", 2}}), layer("LSTM", {{"units", 2}})}, {6}),
            "program t: layer 1 (LSTM): expects a 3-D input (batch, timesteps, features), got (2,) without batch");
  EXPECT_EQ(build_error({layer("Bidirectional", {{"layer", {{"type", "Dense"}, {"units", 2}}}})}, {3, 2}),
            "program t: layer 0 (Bidirectional): Bidirectional needs an LSTM, GRU or SimpleRNN layer, got 'Dense'");
  EXPECT_EQ(build_error({layer("Dense", {{"units", 2}, {"kernel_initializer", "foo"}})}, {6}),
            "program t: layer 0 (Dense): unknown initializer 'foo'");
  EXPECT_EQ(build_error({layer("Conv1D", {{"filters", 2}, {"kernel_size", 5}})}, {3, 1}),
            "program t: layer 0 (Conv1D): kernel size 5 is larger than the input size 3 with 'valid' padding "
            "(negative output dimension)");
  EXPECT_EQ(build_error({layer("RepeatVector", {{"n", 2}})}, {3, 1}),
            "program t: layer 0 (RepeatVector): expects a 2-D input (batch, features), got rank 3");
  EXPECT_EQ(build_error({layer("LSTM", {{"units", 2}, {"dropout", 1.5}})}, {3, 1}),
            "program t: layer 0 (LSTM): 'dropout' must be in [0, 1)");
  // A LibTorch failure in forward names the layer and stays one line.
  auto m = build({layer("Dense", {{"units", 2}})}, {3});
  try {
    m->forward(torch::zeros({1, 4}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("program t: layer 0 (Dense): ", 0), 0u) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// ------------------------------------------------------------------ the program zoo

TEST(Zoo, EverySpecBuildsRunsForwardAndMatchesItsData) {
  const ProgramZoo zoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs");
  const auto ids = zoo.ids();
  ASSERT_FALSE(ids.empty());
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    const ProgramSpec spec = apply_scale(zoo.load(id), Scale::Smoke);
    at::Generator gen = at::detail::createCPUGenerator(derive_seed(1, id));
    std::shared_ptr<KerasModelImpl> model;
    ASSERT_NO_THROW(model = build_model(spec, spec.input_shape, gen));
    const Shape out = output_shape(*model, spec.input_shape);
    ASSERT_EQ(model->layer_infos().size(), spec.layers.size());

    Shape batch_in = {2};
    batch_in.insert(batch_in.end(), spec.input_shape.begin(), spec.input_shape.end());
    model->eval();
    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      y = model->forward(torch::zeros(batch_in));
    }
    Shape expected = {2};
    expected.insert(expected.end(), out.begin(), out.end());
    EXPECT_EQ(Shape(y.sizes().begin(), y.sizes().end()), expected);

    // One training step's forward + loss on real generated data is finite and differentiable.
    const ProgramData data = generate_data(spec, 1234);
    const int64_t n = std::min<int64_t>(4, data.train.x.rows());
    auto as_tensor = [&](const dynfault::Tensor& t) {
      Shape s = t.shape;
      return torch::tensor(t.values).reshape(s).slice(0, 0, n).clone();
    };
    torch::Tensor x = as_tensor(data.train.x), target = as_tensor(data.train.y);
    model->train();
    if (model->needs_adapt()) model->adapt(as_tensor(data.train.x));
    torch::Tensor pred = model->forward(x);
    torch::Tensor loss = keras_loss(spec.loss, pred, target, model->output_logits()) + model->regularization_loss();
    EXPECT_TRUE(std::isfinite(loss.item<double>()));
    loss.backward();
    for (const auto& g : model->param_groups())
      for (const auto& p : g.params) EXPECT_TRUE(p.grad().defined()) << g.layer;
  }
}

}  // namespace
}  // namespace dynfault::runner
