// LSTM and SimpleRNN layers run through LibTorch's own ops where Keras'
// arithmetic allows (runner/recurrent.cpp). The fused and the explicit-cell
// paths must give the same outputs, gradients and Hessian-vector products to
// float tolerance on every zoo spec that can use both, with the same dropout
// draws.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <set>
#include <string>

#include "core/program_spec.h"
#include "core/seed.h"
#include "programs/data/program_data.h"
#include "runner/layers.h"
#include "runner/losses.h"
#include "runner/model.h"

namespace dynfault::runner {
namespace {

// Restores the process-wide setting when a test ends, whatever it asserted.
class FusedRecurrent {
 public:
  explicit FusedRecurrent(bool on) : previous_(detail::set_fused_recurrent(on)) {}
  ~FusedRecurrent() { detail::set_fused_recurrent(previous_); }

 private:
  bool previous_;
};

bool is_recurrent(const std::string& type) { return type == "LSTM" || type == "SimpleRNN"; }

// Whether some layer of the spec takes the fused path: an LSTM (tanh/sigmoid) or
// SimpleRNN (tanh), possibly inside Bidirectional, without recurrent dropout,
// and no timestep mask anywhere before it.
bool can_use_both(const ProgramSpec& spec) {
  for (const auto& l : spec.layers) {
    if (l.type == "Masking" || (l.type == "Embedding" && l.config.value("mask_zero", false))) return false;
    const Json cfg = l.type == "Bidirectional" ? l.config.at("layer") : l.config;
    const std::string type = l.type == "Bidirectional" ? cfg.value("type", "") : l.type;
    if (!is_recurrent(type) || cfg.value("recurrent_dropout", 0.0) > 0) continue;
    if (cfg.value("activation", std::string("tanh")) != "tanh") continue;
    if (type == "LSTM" && cfg.value("recurrent_activation", std::string("sigmoid")) != "sigmoid") continue;
    return true;
  }
  return false;
}

struct Pass {
  torch::Tensor output;
  std::vector<torch::Tensor> grads, hvp;
};

// One training-mode forward (dropout on, masks from a fixed stream), the loss's
// gradient with its graph, and one Hessian-vector product with v = 1.
Pass run_pass(const ProgramSpec& spec, const torch::Tensor& x, const torch::Tensor& y, bool fused) {
  const FusedRecurrent setting(fused);
  at::Generator init = at::detail::createCPUGenerator(derive_seed(1, spec.id));
  auto model = build_model(spec, spec.input_shape, init);
  if (model->needs_adapt()) model->adapt(x);
  model->set_dropout_generator(at::detail::createCPUGenerator(derive_seed(2, spec.id)));
  model->train();
  std::vector<torch::Tensor> params;
  for (auto& g : model->param_groups())
    for (auto& p : g.params) params.push_back(p);
  Pass out;
  out.output = model->forward(x);
  const torch::Tensor loss = keras_loss(spec.loss, out.output, y, model->output_logits());
  out.grads = torch::autograd::grad({loss}, params, {}, /*retain_graph=*/true, /*create_graph=*/true);
  torch::Tensor dot = torch::zeros({});
  for (const auto& g : out.grads) dot = dot + g.sum();
  out.hvp = torch::autograd::grad({dot}, params, {}, false, false, /*allow_unused=*/true);
  return out;
}

// |a - b| <= atol + rtol * max|b|, tensor-wide: float rounding, not a different function.
void expect_close(const torch::Tensor& a, const torch::Tensor& b, double rtol, const std::string& what) {
  ASSERT_EQ(a.defined(), b.defined()) << what;
  if (!a.defined()) return;
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = b.abs().max().item<double>();
  const double diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
  EXPECT_LE(diff, 1e-7 + rtol * scale) << what << ": max difference " << diff << " at scale " << scale;
}

TEST(RecurrentFused, EveryZooSpecThatCanUseBothAgreesWithTheCellLoop) {
  const ProgramZoo zoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs");
  std::set<std::string> compared;
  for (const auto& id : zoo.ids()) {
    const ProgramSpec spec = apply_scale(zoo.load(id), Scale::Smoke);
    if (!can_use_both(spec)) continue;
    SCOPED_TRACE(id);
    const ProgramData data = generate_data(spec, 99);
    const int64_t n = std::min<int64_t>(8, data.train.x.rows());
    auto as_tensor = [&](const dynfault::Tensor& t) {
      return torch::tensor(t.values).reshape(t.shape).slice(0, 0, n).clone();
    };
    const torch::Tensor x = as_tensor(data.train.x), y = as_tensor(data.train.y);
    const Pass fused = run_pass(spec, x, y, true), cell = run_pass(spec, x, y, false);
    expect_close(fused.output, cell.output, 1e-6, "output");
    ASSERT_EQ(fused.grads.size(), cell.grads.size());
    for (size_t i = 0; i < fused.grads.size(); ++i) {
      expect_close(fused.grads[i], cell.grads[i], 1e-5, "gradient " + std::to_string(i));
      expect_close(fused.hvp[i], cell.hvp[i], 1e-4, "Hessian-vector product " + std::to_string(i));
    }
    compared.insert(id);
  }
  // Among them, the programs docs/run.md#recurrent-layers names as taking the fused path: the
  // SimpleRNN 52782432, the LSTMs of its speed table and of its trace comparison.
  for (const char* id : {"52782432", "66952606", "67169344", "67727890", "69364684", "71494820", "73148058"})
    EXPECT_EQ(compared.count(id), 1u) << id << " should be compared on both paths";
  // Masked programs keep the cell only: 67590787 (Masking, LSTM) is not among them.
  EXPECT_EQ(compared.count("67590787"), 0u);
}

TEST(RecurrentFused, TheSwitchChoosesThePathAndMasksKeepTheCell) {
  auto last_node = [](bool fused, bool masked) {
    const FusedRecurrent setting(fused);
    ProgramSpec spec;
    spec.id = "t";
    if (masked) spec.layers.push_back({"Masking", Json::object()});
    spec.layers.push_back({"LSTM", Json{{"units", 3}}});
    at::Generator gen = at::detail::createCPUGenerator(5);
    auto model = build_model(spec, {4, 2}, gen);
    const torch::Tensor y = model->forward(torch::randn({2, 4, 2}));
    return std::string(y.grad_fn()->name());
  };
  // The cell's last output is o * tanh(c); the fused op's is a slice of its final state.
  EXPECT_EQ(last_node(false, false), "MulBackward0");
  EXPECT_NE(last_node(true, false), "MulBackward0");
  // A timestep mask needs the cell's carry-through, so the fused setting falls back to it.
  EXPECT_EQ(last_node(true, true), last_node(false, true));
}

}  // namespace
}  // namespace dynfault::runner
