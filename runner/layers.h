#pragma once
// Runner-internal: the Keras layer building blocks behind model.h.
// Tensors are channels-last and batch-first exactly as in Keras; weights are
// stored in Keras layout (Dense kernel [in, units], Conv kernel [k..., in, out],
// LSTM kernel [in, 4*units] with gates i, f, c, o) so initializers see the
// shapes Keras gives them.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/program_spec.h"

namespace dynfault::runner::detail {

using Shape = std::vector<int64_t>;  // without the batch dimension

// Thrown by layer builders; the model prefixes "program <id>: layer <i> (<Type>)".
struct LayerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string shape_string(const Shape& s);

// ---- activations (keras.activations, Keras 2.15 definitions) ----
// The names are core's known_activations(); this is how each is computed.
torch::Tensor apply_activation(const std::string& name, const torch::Tensor& x);

// ---- initializers (keras.initializers, Keras 2.15 definitions) ----
// `spec` is a name ("glorot_uniform") or {"name": ..., params}; Keras argument
// names: mean, stddev, minval, maxval, value, gain, scale, mode, distribution.
torch::Tensor initialize(const Json& spec, const Shape& shape, at::Generator& gen);
// Truncated normal as TF draws it: resample until every value is within 2 stddev.
torch::Tensor truncated_normal(const Shape& shape, double mean, double stddev, at::Generator& gen);

// ---- regularizers ----
struct Regularizer {
  double l1 = 0, l2 = 0;
  bool active() const { return l1 > 0 || l2 > 0; }
  torch::Tensor penalty(const torch::Tensor& w) const;  // l1*sum|w| + l2*sum(w^2)
  // total += penalty(w) when active and w exists (an undefined total is 0).
  void add_to(torch::Tensor& total, const torch::Tensor& w) const;
};
// Penalty of a kernel and an optional bias (undefined: none), as Dense and Conv have.
torch::Tensor kernel_bias_penalty(const Regularizer& kernel_reg, const torch::Tensor& kernel,
                                  const Regularizer& bias_reg, const torch::Tensor& bias);
Regularizer regularizer_from(const Json& config, const char* key);

// ---- config helpers with Keras-style error messages ----
int64_t positive_int(const Json& cfg, const char* key);          // required
int64_t int_or(const Json& cfg, const char* key, int64_t fallback);
double number_or(const Json& cfg, const char* key, double fallback);
bool bool_or(const Json& cfg, const char* key, bool fallback);
std::string string_or(const Json& cfg, const char* key, const std::string& fallback);
// Keras accepts an int or a tuple for kernel_size/strides/pool_size.
std::vector<int64_t> int_tuple(const Json& cfg, const char* key, size_t rank, const std::vector<int64_t>& fallback);
// Rejects config keys this implementation does not understand (typos would otherwise silently use defaults).
void check_known_keys(const Json& cfg, const std::vector<std::string>& known);

// Per-forward state shared by all layers.
struct ForwardState {
  at::Generator* generator = nullptr;  // dropout masks
  torch::Tensor mask;                  // [B, T] bool or undefined: Keras' propagated timestep mask
};

// One Keras layer. Parameters are registered on the module (trainable) or as
// buffers (non-trainable: BN moving stats, frozen embeddings, Normalization stats).
class Layer : public torch::nn::Module {
 public:
  Layer(std::string type) : type_(std::move(type)) {}
  const std::string& type() const { return type_; }
  // Output activation name for LayerInfo ("linear" if none).
  virtual std::string activation() const { return "linear"; }
  // Creates parameters for `input` (no batch) and returns the output shape.
  virtual Shape build(const Shape& input, at::Generator& gen) = 0;
  // Applies the layer; reads and updates state.mask as Keras mask propagation does.
  virtual torch::Tensor forward(const torch::Tensor& x, ForwardState& state) = 0;
  virtual torch::Tensor regularization() { return {}; }
  // The pre-activation of the last forward when this layer's output came from a
  // sigmoid/softmax activation (Keras' `_keras_logits`), else undefined.
  const torch::Tensor& last_logits() const { return last_logits_; }
  // Normalization layers learn statistics from data (`adapt`); others ignore it.
  virtual bool adaptable() const { return false; }
  virtual void adapt(const torch::Tensor& x) {}

 protected:
  // Applies `activation` and remembers the logits for sigmoid/softmax.
  torch::Tensor activate(const std::string& activation, const torch::Tensor& pre);
  std::string type_;
  torch::Tensor last_logits_;
};

// Builds one layer object from its spec (not yet built for a shape).
std::shared_ptr<Layer> make_layer(const LayerSpec& spec);
// Recurrent layers (recurrent.cpp): LSTM, GRU, SimpleRNN, Bidirectional.
std::shared_ptr<Layer> make_recurrent_layer(const LayerSpec& spec);
// Whether LSTM and SimpleRNN layers may run through LibTorch's own ops where
// Keras' arithmetic allows (recurrent.cpp; on by default). Returns the previous
// setting. For tests and benchmarks that compare the two paths.
bool set_fused_recurrent(bool on);

}  // namespace dynfault::runner::detail
