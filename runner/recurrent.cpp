// Keras 2.15 recurrent layers written as explicit cells (LibTorch's LSTM/GRU
// have two biases, other initialisation and no Keras dropout/mask semantics):
// LSTM (gates i, f, c, o), GRU (gates z, r, h; reset_after), SimpleRNN and the
// Bidirectional wrapper.
//
// Keras details reproduced here:
//  - weights in Keras layout: kernel [in, G*units] glorot_uniform, recurrent_kernel
//    [units, G*units] orthogonal (one QR over the whole matrix), bias zeros with
//    the LSTM forget-gate slice 1 (unit_forget_bias); GRU reset_after bias [2, 3*units].
//  - dropout / recurrent_dropout masks are drawn once per batch (forward call) and
//    reused at every timestep. Keras switches a cell to implementation 1 when
//    recurrent_dropout > 0: then every gate gets its own input and recurrent mask;
//    with dropout only (implementation 2) one input mask serves all gates.
//  - a timestep mask (Masking / Embedding(mask_zero)) carries the states through
//    masked steps; the output of a masked step is the previous output, or zeros
//    inside Bidirectional with return_sequences (Keras forces zero_output_for_mask there).
//
// Where Keras' arithmetic is exactly what LibTorch's own recurrent ops compute
// (LSTM and SimpleRNN with their default activations, no timestep mask, no
// recurrent dropout), the sequence runs through at::lstm / at::rnn_tanh instead
// of the explicit cell (docs/run.md#recurrent-layers): LibTorch's gate order
// for the LSTM is Keras' (i, f, c, o), the Keras kernels are passed as
// transposed views and the one Keras bias as the input bias beside a zero
// recurrent bias. It runs the same operations with in-place activations and
// fewer autograd nodes. Outputs agree bit for bit in the forward pass; gradients
// to float rounding, because LibTorch sums the input projection's gradient over
// time-major rows (tests/runner/test_recurrent_fused.cpp).
#include "runner/layers.h"

#include <atomic>

namespace dynfault::runner::detail {

namespace {
std::atomic<bool> fused_recurrent{true};
}  // namespace

bool set_fused_recurrent(bool on) { return fused_recurrent.exchange(on); }

namespace {

enum class CellKind { LSTM, GRU, SimpleRNN };

int gates_of(CellKind k) { return k == CellKind::LSTM ? 4 : k == CellKind::GRU ? 3 : 1; }

const char* type_name(CellKind k) { return k == CellKind::LSTM ? "LSTM" : k == CellKind::GRU ? "GRU" : "SimpleRNN"; }

// Inverted-dropout mask of ones: 0 or 1/(1-rate), as Keras' _generate_dropout_mask.
torch::Tensor dropout_mask(int64_t batch, int64_t width, double rate, at::Generator& gen) {
  torch::Tensor keep = torch::empty({batch, width}).bernoulli_(1.0 - rate, gen);
  return keep * (1.0 / (1.0 - rate));
}

class Recurrent : public Layer {
 public:
  Recurrent(CellKind kind, const Json& cfg) : Layer(type_name(kind)), kind_(kind), cfg_(cfg) {
    check_known_keys(cfg, layer_arguments(type_name(kind)));  // core/program_spec.h: the one list
    units_ = positive_int(cfg, "units");
    activation_ = string_or(cfg, "activation", "tanh");
    recurrent_activation_ = string_or(cfg, "recurrent_activation", "sigmoid");
    for (const auto& a : {activation_, recurrent_activation_})
      if (!is_known_activation(a)) throw LayerError("unknown activation '" + a + "'");
    use_bias_ = bool_or(cfg, "use_bias", true);
    unit_forget_bias_ = bool_or(cfg, "unit_forget_bias", true);
    reset_after_ = bool_or(cfg, "reset_after", true);
    dropout_ = number_or(cfg, "dropout", 0.0);
    recurrent_dropout_ = number_or(cfg, "recurrent_dropout", 0.0);
    if (!(dropout_ >= 0 && dropout_ < 1)) throw LayerError("'dropout' must be in [0, 1)");
    if (!(recurrent_dropout_ >= 0 && recurrent_dropout_ < 1)) throw LayerError("'recurrent_dropout' must be in [0, 1)");
    return_sequences_ = bool_or(cfg, "return_sequences", false);
    go_backwards_ = bool_or(cfg, "go_backwards", false);
    if (bool_or(cfg, "return_state", false)) throw LayerError("return_state=True is not supported in a Sequential stack");
    if (bool_or(cfg, "stateful", false)) throw LayerError("stateful=True is not supported");
    if (bool_or(cfg, "time_major", false)) throw LayerError("time_major=True is not supported");
    trainable_ = bool_or(cfg, "trainable", true);
    kernel_reg_ = regularizer_from(cfg, "kernel_regularizer");
    recurrent_reg_ = regularizer_from(cfg, "recurrent_regularizer");
    bias_reg_ = regularizer_from(cfg, "bias_regularizer");
  }

  std::string activation() const override { return activation_; }
  bool return_sequences() const { return return_sequences_; }
  void set_go_backwards(bool on) { go_backwards_ = on; }
  void set_zero_output_for_mask(bool on) { zero_output_for_mask_ = on; }

  Shape build(const Shape& in, at::Generator& gen) override {
    if (in.size() != 2)
      throw LayerError("expects a 3-D input (batch, timesteps, features), got " + shape_string(in) + " without batch");
    const int64_t g = gates_of(kind_);
    kernel_ = add_weight("kernel", initialize(cfg_.value("kernel_initializer", Json("glorot_uniform")),
                                              {in[1], g * units_}, gen));
    recurrent_kernel_ = add_weight("recurrent_kernel", initialize(cfg_.value("recurrent_initializer", Json("orthogonal")),
                                                                  {units_, g * units_}, gen));
    if (use_bias_) {
      const Json bias_init = cfg_.value("bias_initializer", Json("zeros"));
      torch::Tensor b;
      if (kind_ == CellKind::LSTM && unit_forget_bias_) {
        b = torch::cat({initialize(bias_init, {units_}, gen), torch::ones({units_}),
                        initialize(bias_init, {2 * units_}, gen)});
      } else if (kind_ == CellKind::GRU && reset_after_) {
        b = initialize(bias_init, {2, 3 * units_}, gen);
      } else {
        b = initialize(bias_init, {g * units_}, gen);
      }
      bias_ = add_weight("bias", b);
    }
    return return_sequences_ ? Shape{in[0], units_} : Shape{units_};
  }

  torch::Tensor forward(const torch::Tensor& input, ForwardState& state) override {
    if (input.dim() != 3) throw LayerError("expects a 3-D input, got rank " + std::to_string(input.dim()));
    torch::Tensor mask = state.mask;
    if (mask.defined() && (mask.dim() != 2 || mask.size(0) != input.size(0) || mask.size(1) != input.size(1)))
      mask = torch::Tensor();  // not a timestep mask for this input: Keras would not apply it either
    torch::Tensor y = run(input, mask, *state.generator);
    state.mask = return_sequences_ ? state.mask : torch::Tensor();
    return y;
  }

  torch::Tensor regularization() override {
    torch::Tensor r;
    kernel_reg_.add_to(r, kernel_);
    recurrent_reg_.add_to(r, recurrent_kernel_);
    bias_reg_.add_to(r, bias_);
    return r;
  }

 private:
  torch::Tensor add_weight(const std::string& name, torch::Tensor value) {
    return trainable_ ? register_parameter(name, value, true) : register_buffer(name, value);
  }

  // Whether this call can run through LibTorch's own op (see the top of the file).
  bool fused_applies(const torch::Tensor& x, const torch::Tensor& mask, bool recurrent_dropout) const {
    if (!fused_recurrent.load(std::memory_order_relaxed) || mask.defined() || recurrent_dropout) return false;
    if (x.size(1) == 0 || activation_ != "tanh") return false;
    return (kind_ == CellKind::LSTM && recurrent_activation_ == "sigmoid") || kind_ == CellKind::SimpleRNN;
  }

  // x: [B, T, F] (already flipped for go_backwards, input dropout applied).
  torch::Tensor run_fused(const torch::Tensor& x) {
    const int64_t batch = x.size(0), u = units_;
    const torch::Tensor h0 = torch::zeros({1, batch, u}, x.options());
    std::vector<torch::Tensor> params = {kernel_.t(), recurrent_kernel_.t()};
    if (use_bias_) {
      params.push_back(bias_);
      params.push_back(torch::zeros_like(bias_));  // Keras has one bias; LibTorch adds a recurrent one
    }
    const bool train = is_training();
    torch::Tensor sequence, last;
    if (kind_ == CellKind::LSTM) {
      std::tie(sequence, last, std::ignore) = torch::lstm(x, {h0, h0}, params, use_bias_, 1, 0.0, train, false, true);
    } else {
      std::tie(sequence, last) = torch::rnn_tanh(x, h0, params, use_bias_, 1, 0.0, train, false, true);
    }
    return return_sequences_ ? sequence : last[0];
  }

  // The whole sequence; returns [B, T, units] or [B, units].
  torch::Tensor run(torch::Tensor x, torch::Tensor mask, at::Generator& gen) {
    const int64_t batch = x.size(0), steps = x.size(1), features = x.size(2), g = gates_of(kind_), u = units_;
    if (go_backwards_) {
      x = x.flip({1});
      if (mask.defined()) mask = mask.flip({1});
    }
    const bool training = is_training();
    const bool input_dropout = training && dropout_ > 0;
    const bool recurrent_dropout = training && recurrent_dropout_ > 0;
    if (fused_applies(x, mask, recurrent_dropout)) {
      // The same draw as below: one input mask for all gates (Keras' implementation 2).
      if (input_dropout) x = x * dropout_mask(batch, features, dropout_, gen).unsqueeze(1);
      return run_fused(x);
    }
    // Keras: recurrent_dropout forces implementation 1 (a mask per gate).
    const int64_t input_masks = input_dropout ? (recurrent_dropout ? g : 1) : 0;
    const int64_t recurrent_masks = recurrent_dropout ? g : 0;

    // Input projections for all timesteps at once: [B, T, G*u].
    torch::Tensor xproj;
    if (input_masks == 0) {
      xproj = torch::matmul(x, kernel_);
    } else if (input_masks == 1) {
      xproj = torch::matmul(x * dropout_mask(batch, features, dropout_, gen).unsqueeze(1), kernel_);
    } else {
      std::vector<torch::Tensor> parts;
      for (int64_t k = 0; k < g; ++k)
        parts.push_back(torch::matmul(x * dropout_mask(batch, features, dropout_, gen).unsqueeze(1),
                                      kernel_.slice(1, k * u, (k + 1) * u)));
      xproj = torch::cat(parts, -1);
    }
    torch::Tensor recurrent_bias;
    if (use_bias_) {
      if (kind_ == CellKind::GRU && reset_after_) {
        xproj = xproj + bias_[0];
        recurrent_bias = bias_[1];
      } else {
        xproj = xproj + bias_;
      }
    }
    std::vector<torch::Tensor> rec_masks;
    for (int64_t k = 0; k < recurrent_masks; ++k) rec_masks.push_back(dropout_mask(batch, u, recurrent_dropout_, gen));

    // h @ R for the gates [from, to), with the per-gate recurrent dropout masks.
    auto recurrent = [&](const torch::Tensor& h, int64_t from, int64_t to) {
      if (rec_masks.empty()) return torch::matmul(h, recurrent_kernel_.slice(1, from * u, to * u));
      std::vector<torch::Tensor> parts;
      for (int64_t k = from; k < to; ++k)
        parts.push_back(torch::matmul(h * rec_masks[k], recurrent_kernel_.slice(1, k * u, (k + 1) * u)));
      return torch::cat(parts, -1);
    };

    torch::Tensor h = torch::zeros({batch, u}, x.options());
    torch::Tensor c = torch::zeros({batch, u}, x.options());
    torch::Tensor prev_output = torch::zeros({batch, u}, x.options());
    std::vector<torch::Tensor> outputs;
    if (return_sequences_) outputs.reserve(steps);
    for (int64_t t = 0; t < steps; ++t) {
      torch::Tensor xt = xproj.select(1, t);
      torch::Tensor new_h, new_c;
      if (kind_ == CellKind::LSTM) {
        torch::Tensor z = xt + recurrent(h, 0, 4);
        auto zs = z.chunk(4, -1);
        torch::Tensor i = apply_activation(recurrent_activation_, zs[0]);
        torch::Tensor f = apply_activation(recurrent_activation_, zs[1]);
        new_c = f * c + i * apply_activation(activation_, zs[2]);
        torch::Tensor o = apply_activation(recurrent_activation_, zs[3]);
        new_h = o * apply_activation(activation_, new_c);
      } else if (kind_ == CellKind::GRU) {
        auto xs = xt.chunk(3, -1);
        torch::Tensor inner = recurrent(h, 0, reset_after_ ? 3 : 2);
        if (recurrent_bias.defined()) inner = inner + recurrent_bias;
        auto rs = inner.split(u, -1);
        torch::Tensor zg = apply_activation(recurrent_activation_, xs[0] + rs[0]);
        torch::Tensor rg = apply_activation(recurrent_activation_, xs[1] + rs[1]);
        torch::Tensor rh;
        if (reset_after_) {
          rh = rg * rs[2];
        } else {
          torch::Tensor hh_in = rec_masks.empty() ? h : h * rec_masks[2];
          rh = torch::matmul(rg * hh_in, recurrent_kernel_.slice(1, 2 * u, 3 * u));
        }
        torch::Tensor candidate = apply_activation(activation_, xs[2] + rh);
        new_h = zg * h + (1 - zg) * candidate;
      } else {
        new_h = apply_activation(activation_, xt + recurrent(h, 0, 1));
      }
      torch::Tensor out = new_h;
      if (mask.defined()) {
        torch::Tensor m = mask.select(1, t).unsqueeze(1);
        new_h = torch::where(m, new_h, h);
        if (kind_ == CellKind::LSTM) new_c = torch::where(m, new_c, c);
        out = torch::where(m, out, zero_output_for_mask_ ? torch::zeros_like(out) : prev_output);
      }
      h = new_h;
      if (kind_ == CellKind::LSTM) c = new_c;
      prev_output = out;
      if (return_sequences_) outputs.push_back(out);
    }
    if (!return_sequences_) return prev_output;
    if (steps == 0) return torch::zeros({batch, 0, u}, x.options());
    return torch::stack(outputs, 1);
  }

  CellKind kind_;
  Json cfg_;
  int64_t units_;
  std::string activation_, recurrent_activation_;
  bool use_bias_, unit_forget_bias_, reset_after_, return_sequences_, go_backwards_, trainable_;
  bool zero_output_for_mask_ = false;
  double dropout_, recurrent_dropout_;
  Regularizer kernel_reg_, recurrent_reg_, bias_reg_;
  torch::Tensor kernel_, recurrent_kernel_, bias_;
};

CellKind kind_from(const std::string& type) {
  if (type == "LSTM") return CellKind::LSTM;
  if (type == "GRU") return CellKind::GRU;
  if (type == "SimpleRNN") return CellKind::SimpleRNN;
  throw LayerError("Bidirectional needs an LSTM, GRU or SimpleRNN layer, got '" + type + "'");
}

// Bidirectional(layer, merge_mode): a forward copy and a go_backwards copy of the
// wrapped layer (built in that order); the backward sequence is flipped back.
class Bidirectional : public Layer {
 public:
  explicit Bidirectional(const Json& cfg) : Layer("Bidirectional") {
    check_known_keys(cfg, layer_arguments("Bidirectional"));
    const Json& inner = cfg.at("layer");
    if (!inner.is_object()) throw LayerError("'layer' must be a layer object");
    const std::string type = inner.value("type", "");
    Json inner_cfg = Json::object();
    for (auto it = inner.begin(); it != inner.end(); ++it)
      if (it.key() != "type") inner_cfg[it.key()] = it.value();
    const CellKind kind = kind_from(type);
    forward_ = register_module("forward", std::make_shared<Recurrent>(kind, inner_cfg));
    backward_ = register_module("backward", std::make_shared<Recurrent>(kind, inner_cfg));
    const bool backwards = bool_or(inner_cfg, "go_backwards", false);
    backward_->set_go_backwards(!backwards);
    // Keras' Bidirectional forces zero_output_for_mask = return_sequences on both layers.
    forward_->set_zero_output_for_mask(forward_->return_sequences());
    backward_->set_zero_output_for_mask(backward_->return_sequences());
    merge_mode_ = cfg.contains("merge_mode") && cfg["merge_mode"].is_null() ? "none" : string_or(cfg, "merge_mode", "concat");
    if (merge_mode_ != "concat" && merge_mode_ != "sum" && merge_mode_ != "mul" && merge_mode_ != "ave")
      throw LayerError("'merge_mode' must be concat, sum, mul or ave (got '" + merge_mode_ + "')");
  }
  std::string activation() const override { return forward_->activation(); }
  Shape build(const Shape& in, at::Generator& gen) override {
    Shape out;
    try {
      out = forward_->build(in, gen);
      backward_->build(in, gen);
    } catch (const LayerError& e) {
      throw LayerError("wrapped " + forward_->type() + ": " + e.what());
    }
    if (merge_mode_ == "concat") out.back() *= 2;
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    ForwardState fs = state, bs = state;
    torch::Tensor yf = forward_->forward(x, fs);
    torch::Tensor yb = backward_->forward(x, bs);
    if (forward_->return_sequences()) yb = yb.flip({1});
    state.mask = fs.mask;
    if (merge_mode_ == "concat") return torch::cat({yf, yb}, -1);
    if (merge_mode_ == "sum") return yf + yb;
    if (merge_mode_ == "mul") return yf * yb;
    return (yf + yb) / 2;
  }
  torch::Tensor regularization() override {
    torch::Tensor a = forward_->regularization(), b = backward_->regularization();
    if (a.defined() && b.defined()) return a + b;
    return a.defined() ? a : b;
  }

 private:
  std::shared_ptr<Recurrent> forward_, backward_;
  std::string merge_mode_;
};

}  // namespace

std::shared_ptr<Layer> make_recurrent_layer(const LayerSpec& spec) {
  if (spec.type == "Bidirectional") return std::make_shared<Bidirectional>(spec.config);
  return std::make_shared<Recurrent>(kind_from(spec.type), spec.config);
}

}  // namespace dynfault::runner::detail
