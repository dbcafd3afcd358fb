// Keras 2.15 layers, activations, initializers and regularizers in LibTorch
// (non-recurrent part; recurrent.cpp has LSTM/GRU/SimpleRNN/Bidirectional).
#include "runner/layers.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>

namespace dynfault::runner::detail {

std::string shape_string(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// ------------------------------------------------------------ config helpers

int64_t positive_int(const Json& cfg, const char* key) {
  if (!cfg.contains(key)) throw LayerError(std::string("missing argument '") + key + "'");
  const Json& v = cfg[key];
  if (!v.is_number_integer() || v.get<int64_t>() <= 0)
    throw LayerError(std::string("'") + key + "' must be a positive integer (got " + v.dump() + ")");
  return v.get<int64_t>();
}

int64_t int_or(const Json& cfg, const char* key, int64_t fallback) {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_number_integer()) throw LayerError(std::string("'") + key + "' must be an integer");
  return cfg[key].get<int64_t>();
}

double number_or(const Json& cfg, const char* key, double fallback) {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_number()) throw LayerError(std::string("'") + key + "' must be a number");
  return cfg[key].get<double>();
}

bool bool_or(const Json& cfg, const char* key, bool fallback) {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_boolean()) throw LayerError(std::string("'") + key + "' must be true or false");
  return cfg[key].get<bool>();
}

std::string string_or(const Json& cfg, const char* key, const std::string& fallback) {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_string()) throw LayerError(std::string("'") + key + "' must be a string");
  return cfg[key].get<std::string>();
}

std::vector<int64_t> int_tuple(const Json& cfg, const char* key, size_t rank, const std::vector<int64_t>& fallback) {
  if (!cfg.contains(key) || cfg[key].is_null()) {
    if (fallback.empty()) throw LayerError(std::string("missing argument '") + key + "'");
    return fallback;
  }
  const Json& v = cfg[key];
  std::vector<int64_t> out;
  if (v.is_number_integer()) {
    out.assign(rank, v.get<int64_t>());
  } else if (v.is_array() && v.size() == rank) {
    for (const auto& e : v) {
      if (!e.is_number_integer()) throw LayerError(std::string("'") + key + "' must hold integers");
      out.push_back(e.get<int64_t>());
    }
  } else {
    throw LayerError(std::string("'") + key + "' must be an integer or a list of " + std::to_string(rank));
  }
  for (auto d : out)
    if (d <= 0) throw LayerError(std::string("'") + key + "' must be positive (got " + v.dump() + ")");
  return out;
}

void check_known_keys(const Json& cfg, const std::vector<std::string>& known) {
  // Arguments Keras accepts on every layer and that do not change the computation here.
  const std::vector<std::string>& common = common_layer_arguments();
  for (auto it = cfg.begin(); it != cfg.end(); ++it) {
    if (std::find(common.begin(), common.end(), it.key()) != common.end()) continue;
    if (std::find(known.begin(), known.end(), it.key()) == known.end())
      throw LayerError("unsupported argument '" + it.key() + "'");
  }
}

// ------------------------------------------------------------ activations

torch::Tensor apply_activation(const std::string& name, const torch::Tensor& x) {
  if (name == "linear" || name.empty()) return x;
  if (name == "relu") return torch::relu(x);
  if (name == "sigmoid") return torch::sigmoid(x);
  if (name == "tanh") return torch::tanh(x);
  if (name == "softmax") {
    if (x.dim() < 2) throw LayerError("softmax needs an input of rank >= 2");
    return torch::softmax(x, -1);
  }
  if (name == "elu") return torch::elu(x);    // alpha 1
  if (name == "selu") return torch::selu(x);  // same constants as tf.nn.selu
  if (name == "softplus") return torch::softplus(x);
  if (name == "softsign") return x / (x.abs() + 1);
  // Keras 2.x backend.hard_sigmoid: clip(0.2 x + 0.5, 0, 1) (Keras 3 changed it to x/6 + 0.5).
  if (name == "hard_sigmoid") return torch::clamp(x * 0.2 + 0.5, 0.0, 1.0);
  if (name == "exponential") return torch::exp(x);
  if (name == "swish") return x * torch::sigmoid(x);
  if (name == "gelu") return torch::gelu(x);  // exact (erf) form: Keras approximate=False
  if (name == "relu6") return torch::clamp(x, 0.0, 6.0);
  if (name == "leaky_relu") return torch::leaky_relu(x, 0.2);  // tf.nn.leaky_relu default alpha
  throw LayerError("unknown activation '" + name + "'");
}

torch::Tensor Layer::activate(const std::string& activation, const torch::Tensor& pre) {
  torch::Tensor out = apply_activation(activation, pre);
  last_logits_ = (activation == "sigmoid" || activation == "softmax") ? pre : torch::Tensor();
  return out;
}

// ------------------------------------------------------------ initializers

namespace {

torch::TensorOptions f32() { return torch::TensorOptions().dtype(torch::kFloat32); }

// keras.initializers._compute_fans
std::pair<double, double> compute_fans(const Shape& shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
  return {shape[shape.size() - 2] * receptive, shape[shape.size() - 1] * receptive};
}

torch::Tensor variance_scaling(const Shape& shape, double scale, const std::string& mode,
                               const std::string& distribution, at::Generator& gen) {
  auto [fan_in, fan_out] = compute_fans(shape);
  double n;
  if (mode == "fan_in") n = fan_in;
  else if (mode == "fan_out") n = fan_out;
  else if (mode == "fan_avg") n = (fan_in + fan_out) / 2.0;
  else throw LayerError("variance_scaling mode must be fan_in, fan_out or fan_avg (got '" + mode + "')");
  scale /= std::max(1.0, n);
  if (distribution == "truncated_normal") {
    // Constant from scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.), as in Keras.
    const double stddev = std::sqrt(scale) / 0.87962566103423978;
    return truncated_normal(shape, 0.0, stddev, gen);
  }
  if (distribution == "untruncated_normal" || distribution == "normal") {
    return torch::empty(shape, f32()).normal_(0.0, std::sqrt(scale), gen);
  }
  if (distribution == "uniform") {
    const double limit = std::sqrt(3.0 * scale);
    return torch::empty(shape, f32()).uniform_(-limit, limit, gen);
  }
  throw LayerError("variance_scaling distribution must be truncated_normal, untruncated_normal or uniform");
}

torch::Tensor orthogonal(const Shape& shape, double gain, at::Generator& gen) {
  if (shape.size() < 2) throw LayerError("orthogonal initializer needs a kernel of rank >= 2");
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
  const int64_t cols = shape.back();
  // keras.initializers.Orthogonal: QR of a normal matrix, signs fixed by diag(R).
  torch::Tensor a = torch::empty({std::max(rows, cols), std::min(rows, cols)}, f32()).normal_(0.0, 1.0, gen);
  auto qr = torch::linalg_qr(a.to(torch::kFloat64), "reduced");
  torch::Tensor q = std::get<0>(qr), r = std::get<1>(qr);
  q = q * torch::sign(torch::diagonal(r)).unsqueeze(0);
  if (rows < cols) q = q.t();
  return (q.to(torch::kFloat32) * gain).reshape(shape).contiguous();
}

}  // namespace

torch::Tensor truncated_normal(const Shape& shape, double mean, double stddev, at::Generator& gen) {
  torch::Tensor t = torch::empty(shape, f32()).normal_(0.0, 1.0, gen);
  for (;;) {
    torch::Tensor outside = t.abs() > 2.0;
    if (!outside.any().item<bool>()) break;
    torch::Tensor redraw = torch::empty(shape, f32()).normal_(0.0, 1.0, gen);
    t = torch::where(outside, redraw, t);
  }
  return t * stddev + mean;
}

torch::Tensor initialize(const Json& spec, const Shape& shape, at::Generator& gen) {
  std::string name;
  Json args = Json::object();
  if (spec.is_string()) {
    name = spec.get<std::string>();
  } else if (spec.is_object() && spec.contains("name") && spec["name"].is_string()) {
    name = spec["name"].get<std::string>();
    args = spec;
  } else {
    throw LayerError("an initializer must be a name or {\"name\": ..., params}");
  }
  // Keras 1 names used by some seeds ('uniform' = RandomUniform, 'normal' = RandomNormal).
  if (name == "uniform") name = "random_uniform";
  if (name == "normal") name = "random_normal";
  auto arg = [&](const char* key, double fallback) { return number_or(args, key, fallback); };

  if (name == "glorot_uniform") return variance_scaling(shape, 1.0, "fan_avg", "uniform", gen);
  if (name == "glorot_normal") return variance_scaling(shape, 1.0, "fan_avg", "truncated_normal", gen);
  if (name == "he_uniform") return variance_scaling(shape, 2.0, "fan_in", "uniform", gen);
  if (name == "he_normal") return variance_scaling(shape, 2.0, "fan_in", "truncated_normal", gen);
  if (name == "lecun_uniform") return variance_scaling(shape, 1.0, "fan_in", "uniform", gen);
  if (name == "lecun_normal") return variance_scaling(shape, 1.0, "fan_in", "truncated_normal", gen);
  if (name == "variance_scaling")
    return variance_scaling(shape, arg("scale", 1.0), string_or(args, "mode", "fan_in"),
                            string_or(args, "distribution", "truncated_normal"), gen);
  if (name == "orthogonal") return orthogonal(shape, arg("gain", 1.0), gen);
  if (name == "zeros") return torch::zeros(shape, f32());
  if (name == "ones") return torch::ones(shape, f32());
  if (name == "constant") return torch::full(shape, arg("value", 0.0), f32());
  if (name == "random_normal")
    return torch::empty(shape, f32()).normal_(arg("mean", 0.0), arg("stddev", 0.05), gen);
  if (name == "random_uniform")
    return torch::empty(shape, f32()).uniform_(arg("minval", -0.05), arg("maxval", 0.05), gen);
  if (name == "truncated_normal") return truncated_normal(shape, arg("mean", 0.0), arg("stddev", 0.05), gen);
  if (name == "identity") {
    if (shape.size() != 2) throw LayerError("identity initializer needs a 2-D kernel, got " + shape_string(shape));
    return torch::eye(shape[0], shape[1], f32()) * arg("gain", 1.0);
  }
  throw LayerError("unknown initializer '" + name + "'");
}

// ------------------------------------------------------------ regularizers

torch::Tensor Regularizer::penalty(const torch::Tensor& w) const {
  torch::Tensor p = torch::zeros({}, w.options());
  if (l1 > 0) p = p + l1 * w.abs().sum();
  if (l2 > 0) p = p + l2 * w.square().sum();
  return p;
}

void Regularizer::add_to(torch::Tensor& total, const torch::Tensor& w) const {
  if (!active() || !w.defined()) return;
  total = total.defined() ? total + penalty(w) : penalty(w);
}

torch::Tensor kernel_bias_penalty(const Regularizer& kernel_reg, const torch::Tensor& kernel,
                                  const Regularizer& bias_reg, const torch::Tensor& bias) {
  torch::Tensor r;
  kernel_reg.add_to(r, kernel);
  bias_reg.add_to(r, bias);
  return r;
}

Regularizer regularizer_from(const Json& cfg, const char* key) {
  Regularizer r;
  if (!cfg.contains(key) || cfg[key].is_null()) return r;
  const Json& j = cfg[key];
  if (!j.is_object()) throw LayerError(std::string("'") + key + "' must be {\"l1\": x, \"l2\": y}");
  r.l1 = number_or(j, "l1", 0.0);
  r.l2 = number_or(j, "l2", 0.0);
  if (r.l1 < 0 || r.l2 < 0) throw LayerError(std::string("'") + key + "' factors must be non-negative");
  return r;
}

// ------------------------------------------------------------ layers

namespace {

// Common base: registers weights as parameters (trainable) or buffers (frozen).
class WeightedLayer : public Layer {
 public:
  WeightedLayer(std::string type, const Json& cfg) : Layer(std::move(type)), trainable_(bool_or(cfg, "trainable", true)) {}

 protected:
  torch::Tensor add_weight(const std::string& name, torch::Tensor value, bool trainable) {
    return (trainable && trainable_) ? register_parameter(name, value, true) : register_buffer(name, value);
  }
  bool trainable_;
};

int64_t product(const Shape& s, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

// ---- Dense
class Dense : public WeightedLayer {
 public:
  explicit Dense(const Json& cfg) : WeightedLayer("Dense", cfg), cfg_(cfg) {
    check_known_keys(cfg, layer_arguments("Dense"));
    units_ = positive_int(cfg, "units");
    activation_ = string_or(cfg, "activation", "linear");
    if (!is_known_activation(activation_)) throw LayerError("unknown activation '" + activation_ + "'");
    use_bias_ = bool_or(cfg, "use_bias", true);
    kernel_reg_ = regularizer_from(cfg, "kernel_regularizer");
    bias_reg_ = regularizer_from(cfg, "bias_regularizer");
  }
  std::string activation() const override { return activation_; }
  Shape build(const Shape& in, at::Generator& gen) override {
    if (in.empty()) throw LayerError("needs an input of rank >= 1 (without batch), got ()");
    kernel_ = add_weight("kernel", initialize(cfg_.value("kernel_initializer", Json("glorot_uniform")),
                                              {in.back(), units_}, gen), true);
    if (use_bias_)
      bias_ = add_weight("bias", initialize(cfg_.value("bias_initializer", Json("zeros")), {units_}, gen), true);
    Shape out = in;
    out.back() = units_;
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState&) override {
    // matmul, then the bias added in place (no second allocation; the product is not saved
    // for backward). Not addmm: with the bias in its output, BLAS adds the blocks of a long
    // inner dimension onto the bias, which rounds differently (measured: inputs of 784 and 5,000).
    torch::Tensor y = torch::matmul(x, kernel_);
    if (use_bias_) y.add_(bias_);
    return activate(activation_, y);
  }
  torch::Tensor regularization() override {
    return kernel_bias_penalty(kernel_reg_, kernel_, bias_reg_, use_bias_ ? bias_ : torch::Tensor());
  }

 private:
  Json cfg_;
  int64_t units_;
  std::string activation_;
  bool use_bias_;
  Regularizer kernel_reg_, bias_reg_;
  torch::Tensor kernel_, bias_;
};

// ---- Activation
class ActivationLayer : public Layer {
 public:
  explicit ActivationLayer(const Json& cfg) : Layer("Activation") {
    check_known_keys(cfg, layer_arguments("Activation"));
    if (!cfg.contains("activation")) throw LayerError("missing argument 'activation'");
    activation_ = string_or(cfg, "activation", "linear");
    if (!is_known_activation(activation_)) throw LayerError("unknown activation '" + activation_ + "'");
  }
  std::string activation() const override { return activation_; }
  Shape build(const Shape& in, at::Generator&) override {
    if (activation_ == "softmax" && in.empty()) throw LayerError("softmax needs an input of rank >= 1 (without batch)");
    return in;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState&) override { return activate(activation_, x); }

 private:
  std::string activation_;
};

// ---- Dropout (inverted, as tf.nn.dropout)
class Dropout : public Layer {
 public:
  explicit Dropout(const Json& cfg) : Layer("Dropout") {
    check_known_keys(cfg, layer_arguments("Dropout"));
    if (cfg.contains("noise_shape") && !cfg["noise_shape"].is_null()) throw LayerError("'noise_shape' is not supported");
    rate_ = number_or(cfg, "rate", -1);
    if (!(rate_ >= 0 && rate_ < 1)) throw LayerError("'rate' must be in [0, 1)");
  }
  Shape build(const Shape& in, at::Generator&) override { return in; }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    if (!is_training() || rate_ == 0) return x;
    torch::Tensor keep = torch::empty(x.sizes(), x.options()).bernoulli_(1.0 - rate_, *state.generator);
    // One multiply by the scaled mask: keep is 0 or 1, so x * (keep * s) rounds as (x * keep) * s.
    return x * keep.mul_(1.0 / (1.0 - rate_));
  }

 private:
  double rate_;
};

// ---- Flatten / Reshape / RepeatVector (masks are not propagated, as in Keras)
class Flatten : public Layer {
 public:
  explicit Flatten(const Json& cfg) : Layer("Flatten") { check_known_keys(cfg, layer_arguments("Flatten")); }
  Shape build(const Shape& in, at::Generator&) override { return {product(in)}; }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    state.mask = torch::Tensor();
    return x.reshape({x.size(0), -1});
  }
};

class Reshape : public Layer {
 public:
  explicit Reshape(const Json& cfg) : Layer("Reshape") {
    check_known_keys(cfg, layer_arguments("Reshape"));
    if (!cfg.contains("target_shape") || !cfg["target_shape"].is_array() || cfg["target_shape"].empty())
      throw LayerError("missing argument 'target_shape' (a list of dimensions)");
    for (const auto& d : cfg["target_shape"]) {
      if (!d.is_number_integer() || (d.get<int64_t>() <= 0 && d.get<int64_t>() != -1))
        throw LayerError("'target_shape' must hold positive integers or one -1");
      target_.push_back(d.get<int64_t>());
    }
  }
  Shape build(const Shape& in, at::Generator&) override {
    const int64_t total = product(in);
    int64_t known = 1, unknown = -1;
    for (size_t i = 0; i < target_.size(); ++i) {
      if (target_[i] == -1) {
        if (unknown >= 0) throw LayerError("'target_shape' can hold at most one -1");
        unknown = int64_t(i);
      } else {
        known *= target_[i];
      }
    }
    Shape out = target_;
    if (unknown >= 0) {
      if (total % known != 0) throw LayerError("cannot reshape " + shape_string(in) + " to " + shape_string(target_));
      out[unknown] = total / known;
    }
    if (product(out) != total)
      throw LayerError("total size of the new array must be unchanged: input " + shape_string(in) + ", target " +
                       shape_string(target_));
    out_ = out;
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    state.mask = torch::Tensor();
    std::vector<int64_t> sizes = {x.size(0)};
    sizes.insert(sizes.end(), out_.begin(), out_.end());
    return x.reshape(sizes);
  }

 private:
  Shape target_, out_;
};

class RepeatVector : public Layer {
 public:
  explicit RepeatVector(const Json& cfg) : Layer("RepeatVector") {
    check_known_keys(cfg, layer_arguments("RepeatVector"));
    n_ = positive_int(cfg, "n");
  }
  Shape build(const Shape& in, at::Generator&) override {
    if (in.size() != 1) throw LayerError("expects a 2-D input (batch, features), got rank " + std::to_string(in.size() + 1));
    return {n_, in[0]};
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    state.mask = torch::Tensor();
    return x.unsqueeze(1).expand({x.size(0), n_, x.size(1)});
  }

 private:
  int64_t n_;
};

// ---- TF padding arithmetic
struct Padding1D {
  int64_t before = 0, after = 0, out = 0;
};

Padding1D tf_padding(const std::string& padding, int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                     const char* what) {
  const int64_t effective = (kernel - 1) * dilation + 1;
  Padding1D p;
  if (padding == "valid") {
    if (in < effective)
      throw LayerError(std::string(what) + " " + std::to_string(effective) + " is larger than the input size " +
                       std::to_string(in) + " with 'valid' padding (negative output dimension)");
    p.out = (in - effective) / stride + 1;
  } else if (padding == "same") {
    p.out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((p.out - 1) * stride + effective - in, 0);
    p.before = total / 2;  // TF puts the extra padding after
    p.after = total - p.before;
  } else if (padding == "causal") {
    p.before = effective - 1;
    p.out = (in + p.before - effective) / stride + 1;
  } else {
    throw LayerError("'padding' must be 'valid' or 'same' (got '" + padding + "')");
  }
  return p;
}

// ---- Conv1D / Conv2D (channels-last in and out; NCHW internally)
class Conv : public WeightedLayer {
 public:
  Conv(const Json& cfg, size_t rank) : WeightedLayer(rank == 1 ? "Conv1D" : "Conv2D", cfg), cfg_(cfg), rank_(rank) {
    check_known_keys(cfg, layer_arguments(rank == 1 ? "Conv1D" : "Conv2D"));
    if (string_or(cfg, "data_format", "channels_last") != "channels_last")
      throw LayerError("only data_format='channels_last' is supported");
    filters_ = positive_int(cfg, "filters");
    kernel_size_ = int_tuple(cfg, "kernel_size", rank, {});
    strides_ = int_tuple(cfg, "strides", rank, std::vector<int64_t>(rank, 1));
    dilation_ = int_tuple(cfg, "dilation_rate", rank, std::vector<int64_t>(rank, 1));
    padding_ = string_or(cfg, "padding", "valid");
    if (padding_ == "causal" && rank != 1) throw LayerError("'causal' padding is only for Conv1D");
    activation_ = string_or(cfg, "activation", "linear");
    if (!is_known_activation(activation_)) throw LayerError("unknown activation '" + activation_ + "'");
    use_bias_ = bool_or(cfg, "use_bias", true);
    kernel_reg_ = regularizer_from(cfg, "kernel_regularizer");
    bias_reg_ = regularizer_from(cfg, "bias_regularizer");
  }
  std::string activation() const override { return activation_; }
  Shape build(const Shape& in, at::Generator& gen) override {
    if (in.size() != rank_ + 1)
      throw LayerError("expects an input of rank " + std::to_string(rank_ + 2) + " (batch, " +
                       (rank_ == 1 ? "steps" : "rows, cols") + ", channels), got " + shape_string(in) +
                       " without batch");
    Shape kshape(kernel_size_.begin(), kernel_size_.end());
    kshape.push_back(in.back());
    kshape.push_back(filters_);
    kernel_ = add_weight("kernel", initialize(cfg_.value("kernel_initializer", Json("glorot_uniform")), kshape, gen), true);
    if (use_bias_)
      bias_ = add_weight("bias", initialize(cfg_.value("bias_initializer", Json("zeros")), {filters_}, gen), true);
    Shape out;
    pads_.clear();
    for (size_t d = 0; d < rank_; ++d) {
      Padding1D p = tf_padding(padding_, in[d], kernel_size_[d], strides_[d], dilation_[d], "kernel size");
      pads_.push_back(p);
      out.push_back(p.out);
    }
    out.push_back(filters_);
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    state.mask = torch::Tensor();
    torch::Tensor y;
    if (rank_ == 1) {
      torch::Tensor xc = x.permute({0, 2, 1});
      if (pads_[0].before || pads_[0].after) xc = torch::constant_pad_nd(xc, {pads_[0].before, pads_[0].after}, 0.0);
      torch::Tensor w = kernel_.permute({2, 1, 0});  // [k, in, out] -> [out, in, k]
      y = torch::conv1d(xc, w, use_bias_ ? bias_ : torch::Tensor(), strides_, std::vector<int64_t>{0}, dilation_);
      y = y.permute({0, 2, 1});
    } else {
      torch::Tensor xc = x.permute({0, 3, 1, 2});
      if (pads_[0].before || pads_[0].after || pads_[1].before || pads_[1].after)
        xc = torch::constant_pad_nd(xc, {pads_[1].before, pads_[1].after, pads_[0].before, pads_[0].after}, 0.0);
      torch::Tensor w = kernel_.permute({3, 2, 0, 1});  // [kh, kw, in, out] -> [out, in, kh, kw]
      y = torch::conv2d(xc, w, use_bias_ ? bias_ : torch::Tensor(), strides_, std::vector<int64_t>{0, 0}, dilation_);
      y = y.permute({0, 2, 3, 1});
    }
    return activate(activation_, y.contiguous());
  }
  torch::Tensor regularization() override {
    return kernel_bias_penalty(kernel_reg_, kernel_, bias_reg_, use_bias_ ? bias_ : torch::Tensor());
  }

 private:
  Json cfg_;
  size_t rank_;
  int64_t filters_;
  std::vector<int64_t> kernel_size_, strides_, dilation_;
  std::string padding_, activation_;
  bool use_bias_;
  Regularizer kernel_reg_, bias_reg_;
  std::vector<Padding1D> pads_;
  torch::Tensor kernel_, bias_;
};

// ---- MaxPooling1D / MaxPooling2D ('same' pads with -inf so padding never wins, as TF)
class MaxPooling : public Layer {
 public:
  MaxPooling(const Json& cfg, size_t rank) : Layer(rank == 1 ? "MaxPooling1D" : "MaxPooling2D"), rank_(rank) {
    check_known_keys(cfg, layer_arguments(rank == 1 ? "MaxPooling1D" : "MaxPooling2D"));
    if (string_or(cfg, "data_format", "channels_last") != "channels_last")
      throw LayerError("only data_format='channels_last' is supported");
    pool_ = int_tuple(cfg, "pool_size", rank, std::vector<int64_t>(rank, 2));
    strides_ = int_tuple(cfg, "strides", rank, pool_);  // Keras: strides default to pool_size
    padding_ = string_or(cfg, "padding", "valid");
    if (padding_ != "valid" && padding_ != "same") throw LayerError("'padding' must be 'valid' or 'same'");
  }
  Shape build(const Shape& in, at::Generator&) override {
    if (in.size() != rank_ + 1)
      throw LayerError("expects an input of rank " + std::to_string(rank_ + 2) + ", got " + shape_string(in) +
                       " without batch");
    Shape out;
    pads_.clear();
    for (size_t d = 0; d < rank_; ++d) {
      pads_.push_back(tf_padding(padding_, in[d], pool_[d], strides_[d], 1, "pool size"));
      out.push_back(pads_.back().out);
    }
    out.push_back(in.back());
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    state.mask = torch::Tensor();
    const double neg_inf = -std::numeric_limits<double>::infinity();
    if (rank_ == 1) {
      torch::Tensor xc = x.permute({0, 2, 1});
      if (pads_[0].before || pads_[0].after) xc = torch::constant_pad_nd(xc, {pads_[0].before, pads_[0].after}, neg_inf);
      return torch::max_pool1d(xc, pool_, strides_).permute({0, 2, 1}).contiguous();
    }
    torch::Tensor xc = x.permute({0, 3, 1, 2});
    if (pads_[0].before || pads_[0].after || pads_[1].before || pads_[1].after)
      xc = torch::constant_pad_nd(xc, {pads_[1].before, pads_[1].after, pads_[0].before, pads_[0].after}, neg_inf);
    return torch::max_pool2d(xc, pool_, strides_).permute({0, 2, 3, 1}).contiguous();
  }

 private:
  size_t rank_;
  std::vector<int64_t> pool_, strides_;
  std::string padding_;
  std::vector<Padding1D> pads_;
};

class GlobalMaxPooling1D : public Layer {
 public:
  explicit GlobalMaxPooling1D(const Json& cfg) : Layer("GlobalMaxPooling1D") {
    check_known_keys(cfg, layer_arguments("GlobalMaxPooling1D"));
    keepdims_ = bool_or(cfg, "keepdims", false);
  }
  Shape build(const Shape& in, at::Generator&) override {
    if (in.size() != 2) throw LayerError("expects a 3-D input (batch, steps, features), got " + shape_string(in) + " without batch");
    return keepdims_ ? Shape{1, in[1]} : Shape{in[1]};
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    state.mask = torch::Tensor();
    return std::get<0>(x.max(1, keepdims_));
  }

 private:
  bool keepdims_;
};

// ---- BatchNormalization over the last axis; moving stats use the biased batch
// variance (Keras removes TF's Bessel correction), momentum as Keras (0.99).
class BatchNormalization : public WeightedLayer {
 public:
  explicit BatchNormalization(const Json& cfg) : WeightedLayer("BatchNormalization", cfg), cfg_(cfg) {
    check_known_keys(cfg, layer_arguments("BatchNormalization"));
    const int64_t axis = int_or(cfg, "axis", -1);
    if (axis != -1) throw LayerError("only axis=-1 is supported");
    momentum_ = number_or(cfg, "momentum", 0.99);
    epsilon_ = number_or(cfg, "epsilon", 1e-3);
    center_ = bool_or(cfg, "center", true);
    scale_ = bool_or(cfg, "scale", true);
    if (!(momentum_ >= 0 && momentum_ <= 1)) throw LayerError("'momentum' must be in [0, 1]");
    if (!(epsilon_ > 0)) throw LayerError("'epsilon' must be positive");
    beta_reg_ = regularizer_from(cfg, "beta_regularizer");
    gamma_reg_ = regularizer_from(cfg, "gamma_regularizer");
  }
  Shape build(const Shape& in, at::Generator& gen) override {
    if (in.empty()) throw LayerError("needs an input of rank >= 2");
    const Shape c = {in.back()};
    if (scale_) gamma_ = add_weight("gamma", initialize(cfg_.value("gamma_initializer", Json("ones")), c, gen), true);
    if (center_) beta_ = add_weight("beta", initialize(cfg_.value("beta_initializer", Json("zeros")), c, gen), true);
    moving_mean_ = register_buffer("moving_mean", initialize(cfg_.value("moving_mean_initializer", Json("zeros")), c, gen));
    moving_var_ =
        register_buffer("moving_variance", initialize(cfg_.value("moving_variance_initializer", Json("ones")), c, gen));
    return in;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState&) override {
    std::vector<int64_t> axes;
    for (int64_t d = 0; d + 1 < x.dim(); ++d) axes.push_back(d);
    torch::Tensor mean, var;
    if (is_training()) {
      mean = x.mean(axes);
      var = (x - mean).square().mean(axes);
      torch::NoGradGuard no_grad;
      moving_mean_.sub_((moving_mean_ - mean.detach()) * (1.0 - momentum_));
      moving_var_.sub_((moving_var_ - var.detach()) * (1.0 - momentum_));
    } else {
      mean = moving_mean_;
      var = moving_var_;
    }
    // tf.nn.batch_normalization: x * inv + (beta - mean * inv), inv = gamma / sqrt(var + eps)
    torch::Tensor inv = torch::rsqrt(var + epsilon_);
    if (scale_) inv = inv * gamma_;
    torch::Tensor shift = -mean * inv;
    if (center_) shift = shift + beta_;
    return x * inv + shift;
  }
  torch::Tensor regularization() override {
    torch::Tensor r;
    if (scale_) gamma_reg_.add_to(r, gamma_);
    if (center_) beta_reg_.add_to(r, beta_);
    return r;
  }

 private:
  Json cfg_;
  double momentum_, epsilon_;
  bool center_, scale_;
  Regularizer beta_reg_, gamma_reg_;
  torch::Tensor gamma_, beta_, moving_mean_, moving_var_;
};

// ---- Embedding (ids cast to integers as Keras does; mask_zero gives a timestep mask)
class Embedding : public WeightedLayer {
 public:
  explicit Embedding(const Json& cfg) : WeightedLayer("Embedding", cfg), cfg_(cfg) {
    check_known_keys(cfg, layer_arguments("Embedding"));
    input_dim_ = positive_int(cfg, "input_dim");
    output_dim_ = positive_int(cfg, "output_dim");
    mask_zero_ = bool_or(cfg, "mask_zero", false);
    reg_ = regularizer_from(cfg, "embeddings_regularizer");
  }
  Shape build(const Shape& in, at::Generator& gen) override {
    if (in.empty()) throw LayerError("needs integer ids of rank >= 2 (batch, ...)");
    embeddings_ = add_weight(
        "embeddings", initialize(cfg_.value("embeddings_initializer", Json("random_uniform")), {input_dim_, output_dim_}, gen),
        true);
    Shape out = in;
    out.push_back(output_dim_);
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    torch::Tensor ids = x.scalar_type() == torch::kLong ? x : x.to(torch::kLong);
    if (ids.numel() > 0) {
      const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
      if (lo < 0 || hi >= input_dim_)
        throw LayerError("token id " + std::to_string(lo < 0 ? lo : hi) + " is outside [0, " +
                         std::to_string(input_dim_) + ")");
    }
    state.mask = mask_zero_ ? ids.ne(0) : torch::Tensor();
    return torch::embedding(embeddings_, ids);
  }
  torch::Tensor regularization() override { return reg_.active() ? reg_.penalty(embeddings_) : torch::Tensor(); }

 private:
  Json cfg_;
  int64_t input_dim_, output_dim_;
  bool mask_zero_;
  Regularizer reg_;
  torch::Tensor embeddings_;
};

// ---- Masking: zero the skipped timesteps and hand the mask to the next layers.
class Masking : public Layer {
 public:
  explicit Masking(const Json& cfg) : Layer("Masking") {
    check_known_keys(cfg, layer_arguments("Masking"));
    mask_value_ = number_or(cfg, "mask_value", 0.0);
  }
  Shape build(const Shape& in, at::Generator&) override {
    if (in.size() < 2) throw LayerError("expects an input of rank >= 3 (batch, steps, features)");
    return in;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    torch::Tensor keep = x.ne(mask_value_).any(-1, true);
    state.mask = keep.squeeze(-1);
    return x * keep.to(x.scalar_type());
  }

 private:
  double mask_value_;
};

// ---- Normalization(axis=-1): (x - mean) / max(sqrt(var), 1e-7); stats from adapt().
class Normalization : public Layer {
 public:
  explicit Normalization(const Json& cfg) : Layer("Normalization"), cfg_(cfg) {
    check_known_keys(cfg, layer_arguments("Normalization"));
    if (cfg.contains("axis") && !(cfg["axis"].is_number_integer() && cfg["axis"].get<int64_t>() == -1))
      throw LayerError("only axis=-1 is supported");
    if (cfg.contains("mean") != cfg.contains("variance")) throw LayerError("give both 'mean' and 'variance' or neither");
    fixed_ = cfg.contains("mean");
  }
  Shape build(const Shape& in, at::Generator&) override {
    if (in.empty()) throw LayerError("needs an input of rank >= 2");
    const int64_t c = in.back();
    torch::Tensor mean = torch::zeros({c}), var = torch::ones({c});
    if (fixed_) {
      mean = stats_from(cfg_["mean"], c, "mean");
      var = stats_from(cfg_["variance"], c, "variance");
    }
    mean_ = register_buffer("mean", mean);
    variance_ = register_buffer("variance", var);
    return in;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState&) override {
    return (x - mean_) / torch::clamp_min(torch::sqrt(variance_), 1e-7);
  }
  bool adaptable() const override { return !fixed_; }
  void adapt(const torch::Tensor& x) override {
    torch::NoGradGuard no_grad;
    torch::Tensor flat = x.to(torch::kFloat64).reshape({-1, x.size(-1)});
    torch::Tensor mean = flat.mean(0);
    torch::Tensor var = (flat - mean).square().mean(0);
    mean_.copy_(mean.to(torch::kFloat32));
    variance_.copy_(var.to(torch::kFloat32));
  }

 private:
  static torch::Tensor stats_from(const Json& v, int64_t c, const char* what) {
    std::vector<float> values;
    if (v.is_number()) values.assign(c, v.get<float>());
    else if (v.is_array() && int64_t(v.size()) == c)
      for (const auto& e : v) values.push_back(e.get<float>());
    else throw LayerError(std::string("'") + what + "' must be a number or a list of " + std::to_string(c));
    return torch::tensor(values);
  }
  Json cfg_;
  bool fixed_ = false;
  torch::Tensor mean_, variance_;
};

// ---- TimeDistributed(layer): the inner layer on (batch*steps, ...) and reshaped back.
class TimeDistributed : public Layer {
 public:
  explicit TimeDistributed(const Json& cfg) : Layer("TimeDistributed") {
    check_known_keys(cfg, layer_arguments("TimeDistributed"));
    const Json& inner = cfg.at("layer");
    LayerSpec spec;
    spec.type = inner.value("type", "");
    for (auto it = inner.begin(); it != inner.end(); ++it)
      if (it.key() != "type") spec.config[it.key()] = it.value();
    if (spec.type == "TimeDistributed" || spec.type == "Bidirectional")
      throw LayerError("cannot wrap a " + spec.type + " layer");
    inner_ = register_module("layer", make_layer(spec));
  }
  std::string activation() const override { return inner_->activation(); }
  Shape build(const Shape& in, at::Generator& gen) override {
    if (in.size() < 2) throw LayerError("expects an input of rank >= 3 (batch, steps, ...), got " + shape_string(in) + " without batch");
    Shape inner_in(in.begin() + 1, in.end());
    Shape inner_out;
    try {
      inner_out = inner_->build(inner_in, gen);
    } catch (const LayerError& e) {
      throw LayerError("wrapped " + inner_->type() + ": " + e.what());
    }
    Shape out = {in[0]};
    out.insert(out.end(), inner_out.begin(), inner_out.end());
    return out;
  }
  torch::Tensor forward(const torch::Tensor& x, ForwardState& state) override {
    const int64_t batch = x.size(0), steps = x.size(1);
    std::vector<int64_t> flat = {batch * steps};
    for (int64_t d = 2; d < x.dim(); ++d) flat.push_back(x.size(d));
    ForwardState inner_state{state.generator, torch::Tensor()};
    torch::Tensor y = inner_->forward(x.reshape(flat), inner_state);
    std::vector<int64_t> back = {batch, steps};
    for (int64_t d = 1; d < y.dim(); ++d) back.push_back(y.size(d));
    return y.reshape(back);  // the reshape hides the inner logits from the loss, as in Keras
  }
  torch::Tensor regularization() override { return inner_->regularization(); }

 private:
  std::shared_ptr<Layer> inner_;
};

}  // namespace

std::shared_ptr<Layer> make_layer(const LayerSpec& spec) {
  const Json& c = spec.config;
  const std::string& t = spec.type;
  if (t == "Dense") return std::make_shared<Dense>(c);
  if (t == "Activation") return std::make_shared<ActivationLayer>(c);
  if (t == "Dropout") return std::make_shared<Dropout>(c);
  if (t == "Flatten") return std::make_shared<Flatten>(c);
  if (t == "Reshape") return std::make_shared<Reshape>(c);
  if (t == "RepeatVector") return std::make_shared<RepeatVector>(c);
  if (t == "Conv1D") return std::make_shared<Conv>(c, 1);
  if (t == "Conv2D") return std::make_shared<Conv>(c, 2);
  if (t == "MaxPooling1D") return std::make_shared<MaxPooling>(c, 1);
  if (t == "MaxPooling2D") return std::make_shared<MaxPooling>(c, 2);
  if (t == "GlobalMaxPooling1D") return std::make_shared<GlobalMaxPooling1D>(c);
  if (t == "BatchNormalization") return std::make_shared<BatchNormalization>(c);
  if (t == "Embedding") return std::make_shared<Embedding>(c);
  if (t == "Masking") return std::make_shared<Masking>(c);
  if (t == "Normalization") return std::make_shared<Normalization>(c);
  if (t == "TimeDistributed") return std::make_shared<TimeDistributed>(c);
  if (t == "LSTM" || t == "GRU" || t == "SimpleRNN" || t == "Bidirectional") return make_recurrent_layer(spec);
  throw LayerError("unsupported layer type '" + t + "'");
}

}  // namespace dynfault::runner::detail
