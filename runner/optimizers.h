#pragma once
// Keras optimizers with Keras 2.15 defaults and update rules (LibTorch;
// runner-internal): sgd (+momentum, nesterov), rmsprop, adagrad, adadelta,
// adam, adamax, nadam; gradient clipping by value and by norm as Keras does
// (clipnorm per tensor, global_clipnorm over all tensors, clipvalue elementwise).
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/program_spec.h"

namespace dynfault::runner {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies clipping (as configured) and one update to the parameters from
  // their .grad(): prepare_step() once, then update() per tensor with a gradient.
  void step();
  void zero_grad();
  double learning_rate() const { return lr_; }
  void set_learning_rate(double lr) { lr_ = lr; }
  const std::vector<torch::Tensor>& params() const { return params_; }

 protected:
  Optimizer(std::vector<torch::Tensor> params, double lr) : params_(std::move(params)), lr_(lr) {}
  void clip_gradients();  // per OptimizerSpec params: clipvalue, clipnorm, global_clipnorm
  virtual void prepare_step() {}  // per-step scalars (iteration count, bias corrections)
  virtual void update(size_t i, const torch::Tensor& grad) = 0;  // params_[i] from its gradient, no-grad mode
  std::vector<torch::Tensor> params_;
  double lr_;
  double clipvalue_ = 0, clipnorm_ = 0, global_clipnorm_ = 0;  // 0 = off
  friend std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec&, std::vector<torch::Tensor>);
};

// Throws dynfault::Error for unknown names or out-of-range parameters.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec, std::vector<torch::Tensor> params);

// Tests: Adam updates contiguous float tensors by one element loop; `false`
// makes it use the tensor-op formulation the loop must equal bit for bit.
// Returns false if `optimizer` is not an Adam.
bool set_adam_element_loop(Optimizer& optimizer, bool on);

}  // namespace dynfault::runner
