// Keras 2.15 optimizers (keras/optimizers/{sgd,adam,adamax,nadam,rmsprop,
// adagrad,adadelta}.py, the TF >= 2.11 "new" optimizers) written over tensors
// under NoGradGuard so the update rules and defaults are Keras', not torch's.
// `iterations` starts at 0; local_step = iterations + 1 as in Keras.
#include "runner/optimizers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/error.h"

namespace dynfault::runner {
namespace {

std::string where_of(const OptimizerSpec& spec) { return "optimizer " + spec.name; }

double param_or(const OptimizerSpec& spec, const char* key, double fallback) {
  if (!spec.params.contains(key) || spec.params[key].is_null()) return fallback;
  const Json& v = spec.params[key];
  if (!v.is_number()) throw Error(where_of(spec), std::string("'") + key + "' must be a number");
  return v.get<double>();
}

bool flag_or(const OptimizerSpec& spec, const char* key, bool fallback) {
  if (!spec.params.contains(key) || spec.params[key].is_null()) return fallback;
  const Json& v = spec.params[key];
  if (!v.is_boolean()) throw Error(where_of(spec), std::string("'") + key + "' must be true or false");
  return v.get<bool>();
}

std::vector<torch::Tensor> zeros_like_all(const std::vector<torch::Tensor>& params, double value = 0.0) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(torch::full_like(p, value).detach());
  return out;
}

class SGD : public Optimizer {
 public:
  SGD(std::vector<torch::Tensor> p, double lr, double momentum, bool nesterov)
      : Optimizer(std::move(p), lr), momentum_(momentum), nesterov_(nesterov), m_(zeros_like_all(params_)) {}

 private:
  void update(size_t i, const torch::Tensor& g) override {
    m_[i].copy_(-g * lr_ + m_[i] * momentum_);
    if (nesterov_) params_[i].add_(-g * lr_ + m_[i] * momentum_);
    else params_[i].add_(m_[i]);
  }
  double momentum_;
  bool nesterov_;
  std::vector<torch::Tensor> m_;
};

// Keras' Adam update of one tensor, written as one loop over the elements. For
// the small models of the zoo the 12 tensor ops per parameter tensor (each a
// dispatch and most an allocation) cost more than the arithmetic: a quarter of
// a small FFNN's training time. Every operation is the one the tensor ops
// perform, in the same precision and order (scalars rounded to the tensor's
// type, as ATen does; no fused multiply-add), so the result is bit for bit that
// of the tensor ops in Adam::update (tests/runner/test_losses_optimizers.cpp).
template <typename T>
void adam_update_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t n,
                      double one_minus_beta_1, double one_minus_beta_2, double alpha, double epsilon) {
  const T w1 = static_cast<T>(one_minus_beta_1), w2 = static_cast<T>(one_minus_beta_2);
  const T a = static_cast<T>(alpha), e = static_cast<T>(epsilon);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    const T mi = m[i] + (gi - m[i]) * w1;
    const T vi = v[i] + (gi * gi - v[i]) * w2;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - (mi * a) / (std::sqrt(vi) + e);
  }
}

bool loop_applies(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& m, const torch::Tensor& v) {
  const auto type = p.scalar_type();
  if (type != torch::kFloat32 && type != torch::kFloat64) return false;
  for (const torch::Tensor* t : {&p, &g, &m, &v})
    if (!t->device().is_cpu() || t->scalar_type() != type || !t->is_contiguous() || t->numel() != p.numel())
      return false;
  return true;
}

class Adam : public Optimizer {
 public:
  Adam(std::vector<torch::Tensor> p, double lr, double beta_1, double beta_2, double epsilon, bool amsgrad)
      : Optimizer(std::move(p), lr), beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon), amsgrad_(amsgrad),
        m_(zeros_like_all(params_)), v_(zeros_like_all(params_)), v_hat_(amsgrad ? zeros_like_all(params_) : std::vector<torch::Tensor>{}) {}
  void set_use_loop(bool on) { use_loop_ = on; }

 private:
  void prepare_step() override {
    const double local_step = double(++iterations_);
    const double beta_1_power = std::pow(beta_1_, local_step), beta_2_power = std::pow(beta_2_, local_step);
    alpha_ = lr_ * std::sqrt(1 - beta_2_power) / (1 - beta_1_power);
  }
  void update(size_t i, const torch::Tensor& g) override {
    if (!amsgrad_ && use_loop_ && loop_applies(params_[i], g, m_[i], v_[i])) {
      if (g.scalar_type() == torch::kFloat32)
        adam_update_loop(params_[i].data_ptr<float>(), g.data_ptr<float>(), m_[i].data_ptr<float>(),
                         v_[i].data_ptr<float>(), g.numel(), 1 - beta_1_, 1 - beta_2_, alpha_, epsilon_);
      else
        adam_update_loop(params_[i].data_ptr<double>(), g.data_ptr<double>(), m_[i].data_ptr<double>(),
                         v_[i].data_ptr<double>(), g.numel(), 1 - beta_1_, 1 - beta_2_, alpha_, epsilon_);
      return;
    }
    // keras/optimizers/adam.py, op by op.
    m_[i].add_((g - m_[i]) * (1 - beta_1_));
    v_[i].add_((g.square() - v_[i]) * (1 - beta_2_));
    torch::Tensor v = v_[i];
    if (amsgrad_) {
      v_hat_[i].copy_(torch::maximum(v_hat_[i], v_[i]));
      v = v_hat_[i];
    }
    params_[i].sub_((m_[i] * alpha_) / (v.sqrt() + epsilon_));
  }

  double beta_1_, beta_2_, epsilon_;
  bool amsgrad_;
  bool use_loop_ = true;
  int64_t iterations_ = 0;
  double alpha_ = 0;  // this step's bias-corrected learning rate
  std::vector<torch::Tensor> m_, v_, v_hat_;
};

class Adamax : public Optimizer {
 public:
  Adamax(std::vector<torch::Tensor> p, double lr, double beta_1, double beta_2, double epsilon)
      : Optimizer(std::move(p), lr), beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon),
        m_(zeros_like_all(params_)), u_(zeros_like_all(params_)) {}

 private:
  void prepare_step() override { beta_1_power_ = std::pow(beta_1_, double(++iterations_)); }
  void update(size_t i, const torch::Tensor& g) override {
    m_[i].add_((g - m_[i]) * (1 - beta_1_));
    u_[i].copy_(torch::maximum(beta_2_ * u_[i], g.abs()));
    params_[i].sub_((lr_ * m_[i]) / ((1 - beta_1_power_) * (u_[i] + epsilon_)));
  }
  double beta_1_, beta_2_, epsilon_;
  int64_t iterations_ = 0;
  double beta_1_power_ = 1;
  std::vector<torch::Tensor> m_, u_;
};

// Keras 2.11+ Nadam: momentum schedule u_t = beta_1 (1 - 0.5 * 0.96^t) with the
// running product of u_t shared by all variables (computed once per step).
class Nadam : public Optimizer {
 public:
  Nadam(std::vector<torch::Tensor> p, double lr, double beta_1, double beta_2, double epsilon)
      : Optimizer(std::move(p), lr), beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon),
        m_(zeros_like_all(params_)), v_(zeros_like_all(params_)) {}

 private:
  void prepare_step() override {
    const double local_step = double(iterations_ + 1), next_step = double(iterations_ + 2);
    ++iterations_;
    const double decay = 0.96;
    u_t_ = beta_1_ * (1.0 - 0.5 * std::pow(decay, local_step));
    const double u_t_1 = beta_1_ * (1.0 - 0.5 * std::pow(decay, next_step));
    u_product_ *= u_t_;
    u_product_t_ = u_product_;
    u_product_t_1_ = u_product_ * u_t_1;
    u_t_1_ = u_t_1;
    beta_2_power_ = std::pow(beta_2_, local_step);
  }
  void update(size_t i, const torch::Tensor& g) override {
    m_[i].add_((g - m_[i]) * (1 - beta_1_));
    v_[i].add_((g.square() - v_[i]) * (1 - beta_2_));
    torch::Tensor m_hat = u_t_1_ * m_[i] / (1 - u_product_t_1_) + (1 - u_t_) * g / (1 - u_product_t_);
    torch::Tensor v_hat = v_[i] / (1 - beta_2_power_);
    params_[i].sub_((m_hat * lr_) / (v_hat.sqrt() + epsilon_));
  }
  double beta_1_, beta_2_, epsilon_;
  double u_product_ = 1.0;
  int64_t iterations_ = 0;
  double u_t_ = 0, u_t_1_ = 0, u_product_t_ = 1, u_product_t_1_ = 1, beta_2_power_ = 1;  // this step's
  std::vector<torch::Tensor> m_, v_;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<torch::Tensor> p, double lr, double rho, double momentum, double epsilon, bool centered)
      : Optimizer(std::move(p), lr), rho_(rho), momentum_(momentum), epsilon_(epsilon), centered_(centered),
        velocity_(zeros_like_all(params_)), momentums_(zeros_like_all(params_)), average_grad_(zeros_like_all(params_)) {}

 private:
  void update(size_t i, const torch::Tensor& g) override {
    velocity_[i].copy_(rho_ * velocity_[i] + (1 - rho_) * g.square());
    torch::Tensor denominator;
    if (centered_) {
      average_grad_[i].copy_(rho_ * average_grad_[i] + (1 - rho_) * g);
      denominator = velocity_[i] - average_grad_[i].square() + epsilon_;
    } else {
      denominator = velocity_[i] + epsilon_;
    }
    torch::Tensor increment = g * lr_ * torch::rsqrt(denominator);
    if (momentum_ > 0) {
      momentums_[i].copy_(momentum_ * momentums_[i] + increment);
      params_[i].sub_(momentums_[i]);
    } else {
      params_[i].sub_(increment);
    }
  }
  double rho_, momentum_, epsilon_;
  bool centered_;
  std::vector<torch::Tensor> velocity_, momentums_, average_grad_;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<torch::Tensor> p, double lr, double initial_accumulator, double epsilon)
      : Optimizer(std::move(p), lr), epsilon_(epsilon), accumulators_(zeros_like_all(params_, initial_accumulator)) {}

 private:
  void update(size_t i, const torch::Tensor& g) override {
    accumulators_[i].add_(g * g);
    params_[i].sub_(lr_ * g / torch::sqrt(accumulators_[i] + epsilon_));
  }
  double epsilon_;
  std::vector<torch::Tensor> accumulators_;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<torch::Tensor> p, double lr, double rho, double epsilon)
      : Optimizer(std::move(p), lr), rho_(rho), epsilon_(epsilon), accumulated_grad_(zeros_like_all(params_)),
        accumulated_delta_(zeros_like_all(params_)) {}

 private:
  void update(size_t i, const torch::Tensor& g) override {
    auto rms = [&](const torch::Tensor& x) { return torch::sqrt(x + epsilon_); };
    accumulated_grad_[i].copy_(rho_ * accumulated_grad_[i] + (1 - rho_) * g * g);
    torch::Tensor delta = -rms(accumulated_delta_[i]) * g / rms(accumulated_grad_[i]);
    accumulated_delta_[i].copy_(rho_ * accumulated_delta_[i] + (1 - rho_) * delta * delta);
    params_[i].add_(lr_ * delta);
  }
  double rho_, epsilon_;
  std::vector<torch::Tensor> accumulated_grad_, accumulated_delta_;
};

}  // namespace

bool set_adam_element_loop(Optimizer& optimizer, bool on) {
  auto* adam = dynamic_cast<Adam*>(&optimizer);
  if (adam) adam->set_use_loop(on);
  return adam != nullptr;
}

void Optimizer::step() {
  torch::NoGradGuard no_grad;
  clip_gradients();
  prepare_step();
  for (size_t i = 0; i < params_.size(); ++i) {
    const torch::Tensor& g = params_[i].grad();
    if (g.defined()) update(i, g);  // Keras skips variables without a gradient
  }
}

// Drops the gradients instead of zeroing them (PyTorch's set_to_none): the next
// backward() then hands each parameter its incoming gradient buffer, where a kept
// gradient costs a zero_() and an add_() per parameter tensor every step. The
// values are the same: 0 + g is g (up to the sign of a zero, which no update or
// probe can see), and a parameter the loss does not reach keeps no gradient, as
// before its first step.
void Optimizer::zero_grad() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

// keras Optimizer._clip_gradients: clipnorm (per tensor) wins over global_clipnorm,
// which wins over clipvalue; only one of them applies.
void Optimizer::clip_gradients() {
  torch::NoGradGuard no_grad;
  if (clipnorm_ > 0) {
    for (auto& p : params_) {
      torch::Tensor g = p.mutable_grad();
      if (!g.defined()) continue;
      // tf.clip_by_norm: g * clip / max(||g||, clip)
      torch::Tensor norm = g.square().sum().sqrt();
      g.copy_(g * clipnorm_ / torch::maximum(norm, torch::full_like(norm, clipnorm_)));
    }
    return;
  }
  if (global_clipnorm_ > 0) {
    torch::Tensor total = torch::zeros({}, torch::kFloat64);
    for (auto& p : params_)
      if (p.grad().defined()) total = total + p.grad().to(torch::kFloat64).square().sum();
    const double global_norm = std::sqrt(total.item<double>());
    // tf.clip_by_global_norm: scale = clip * min(1/global_norm, 1/clip); NaN/inf norms poison every gradient.
    const double scale = std::isfinite(global_norm) ? global_clipnorm_ * std::min(1.0 / global_norm, 1.0 / global_clipnorm_)
                                                    : std::numeric_limits<double>::quiet_NaN();
    for (auto& p : params_)
      if (p.grad().defined()) p.mutable_grad().mul_(scale);
    return;
  }
  if (clipvalue_ > 0) {
    for (auto& p : params_)
      if (p.grad().defined()) p.mutable_grad().clamp_(-clipvalue_, clipvalue_);
  }
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec, std::vector<torch::Tensor> params) {
  const std::string where = where_of(spec);
  const auto& names = known_optimizers();
  if (std::find(names.begin(), names.end(), spec.name) == names.end()) throw Error(where, "unknown optimizer");
  const std::vector<std::string>& allowed = optimizer_parameters(spec.name);  // core/program_spec.h: the one list
  for (auto it = spec.params.begin(); it != spec.params.end(); ++it) {
    const std::string& k = it.key();
    if (k == "clipnorm" || k == "clipvalue" || k == "global_clipnorm") continue;
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw Error(where, "unsupported parameter '" + k + "'");
  }
  const double lr = spec.learning_rate;
  if (!(lr > 0) || !std::isfinite(lr)) throw Error(where, "learning_rate must be positive");
  auto in_unit = [&](const char* key, double v, bool allow_one) {
    if (!(v >= 0 && (allow_one ? v <= 1 : v < 1))) throw Error(where, std::string("'") + key + "' must be in [0, 1)");
    return v;
  };
  auto positive = [&](const char* key, double v) {
    if (!(v > 0)) throw Error(where, std::string("'") + key + "' must be positive");
    return v;
  };

  std::unique_ptr<Optimizer> opt;
  const std::string& n = spec.name;
  if (n == "sgd") {
    const double momentum = param_or(spec, "momentum", 0.0);
    if (!(momentum >= 0 && momentum <= 1)) throw Error(where, "'momentum' must be in [0, 1]");
    opt = std::make_unique<SGD>(std::move(params), lr, momentum, flag_or(spec, "nesterov", false));
  } else if (n == "adam") {
    opt = std::make_unique<Adam>(std::move(params), lr, in_unit("beta_1", param_or(spec, "beta_1", 0.9), false),
                                 in_unit("beta_2", param_or(spec, "beta_2", 0.999), false),
                                 positive("epsilon", param_or(spec, "epsilon", 1e-7)), flag_or(spec, "amsgrad", false));
  } else if (n == "adamax") {
    opt = std::make_unique<Adamax>(std::move(params), lr, in_unit("beta_1", param_or(spec, "beta_1", 0.9), false),
                                   in_unit("beta_2", param_or(spec, "beta_2", 0.999), true),
                                   positive("epsilon", param_or(spec, "epsilon", 1e-7)));
  } else if (n == "nadam") {
    opt = std::make_unique<Nadam>(std::move(params), lr, in_unit("beta_1", param_or(spec, "beta_1", 0.9), false),
                                  in_unit("beta_2", param_or(spec, "beta_2", 0.999), false),
                                  positive("epsilon", param_or(spec, "epsilon", 1e-7)));
  } else if (n == "rmsprop") {
    const double momentum = param_or(spec, "momentum", 0.0);
    if (!(momentum >= 0 && momentum <= 1)) throw Error(where, "'momentum' must be in [0, 1]");
    opt = std::make_unique<RMSprop>(std::move(params), lr, in_unit("rho", param_or(spec, "rho", 0.9), true), momentum,
                                    positive("epsilon", param_or(spec, "epsilon", 1e-7)), flag_or(spec, "centered", false));
  } else if (n == "adagrad") {
    const double init = param_or(spec, "initial_accumulator_value", 0.1);
    if (!(init >= 0)) throw Error(where, "'initial_accumulator_value' must be non-negative");
    opt = std::make_unique<Adagrad>(std::move(params), lr, init, positive("epsilon", param_or(spec, "epsilon", 1e-7)));
  } else {  // adadelta
    opt = std::make_unique<Adadelta>(std::move(params), lr, in_unit("rho", param_or(spec, "rho", 0.95), true),
                                     positive("epsilon", param_or(spec, "epsilon", 1e-7)));
  }
  const double clipnorm = param_or(spec, "clipnorm", 0.0), global_clipnorm = param_or(spec, "global_clipnorm", 0.0),
               clipvalue = param_or(spec, "clipvalue", 0.0);
  if (clipnorm < 0 || global_clipnorm < 0 || clipvalue < 0) throw Error(where, "clipping thresholds must be non-negative");
  if (clipnorm > 0 && global_clipnorm > 0) throw Error(where, "at most one of 'clipnorm' and 'global_clipnorm' can be set");
  opt->clipnorm_ = clipnorm;
  opt->global_clipnorm_ = global_clipnorm;
  opt->clipvalue_ = clipvalue;
  return opt;
}

}  // namespace dynfault::runner
