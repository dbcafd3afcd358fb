#pragma once
// Keras-semantics model built from a ProgramSpec (LibTorch; runner-internal).
// Every layer the 60 programs use, with Keras 2.15 defaults for omitted
// arguments (initializers, LSTM forget bias, BatchNorm momentum/epsilon,
// inverted dropout, ...). See docs/program-spec.md for the layer vocabulary.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/program_spec.h"

namespace dynfault::runner {

// One built Keras layer as the probes see it.
struct LayerInfo {
  std::string name;        // "dense_0", "lstm_2", ... (type + index in the stack)
  std::string type;        // Keras class name
  std::string activation;  // output activation ("linear" if none; "relu" for Activation('relu'))
};

// The trainable tensors of one Keras layer (kernel and bias together; all gate
// weights of an LSTM together) — the unit of every per-layer probe.
struct ParamGroup {
  std::string layer;  // LayerInfo::name
  std::vector<torch::Tensor> params;
};

class KerasModelImpl : public torch::nn::Module {
 public:
  virtual ~KerasModelImpl() = default;
  // Batch-first input. Dropout/BatchNorm follow is_training().
  virtual torch::Tensor forward(torch::Tensor x) = 0;

  virtual const std::vector<LayerInfo>& layer_infos() const = 0;
  virtual std::vector<ParamGroup> param_groups() = 0;  // layers with trainable parameters, in order
  // Sum of the spec's kernel/bias/recurrent l1/l2 penalties (Keras adds it to the logged loss).
  virtual torch::Tensor regularization_loss() = 0;

  // When on, forward() keeps every layer's output (detached) for the OF probe.
  void set_record_outputs(bool on) { record_outputs_ = on; recorded_.clear(); }
  const std::vector<torch::Tensor>& recorded_outputs() const { return recorded_; }  // one per LayerInfo

  // Keras computes cross-entropies from the logits when the model output is the
  // result of a sigmoid/softmax activation (`_keras_logits`, TF 2.15
  // backend._get_logits). After forward(): those logits, or undefined. Pass them
  // to keras_loss(loss, prediction, target, logits).
  virtual torch::Tensor output_logits() const = 0;

  // Dropout / recurrent-dropout masks draw from this generator (build_model
  // starts with the initialisation generator; the trainer may give it its own stream).
  virtual void set_dropout_generator(at::Generator generator) = 0;

  // Keras `Normalization.adapt(x_train)`: true when the model has a layer that
  // must learn statistics from the training inputs before training.
  virtual bool needs_adapt() const = 0;
  virtual void adapt(const torch::Tensor& x_train) = 0;

 protected:
  bool record_outputs_ = false;
  std::vector<torch::Tensor> recorded_;
};

// Builds the model; initialises weights from `generator` (Keras initializers).
// Throws dynfault::Error "program <id>: layer <i> (<Type>): <reason>" when the
// spec cannot be built (bad shapes, missing arguments, unsupported options).
std::shared_ptr<KerasModelImpl> build_model(const ProgramSpec& spec, const std::vector<int64_t>& input_shape,
                                            at::Generator& generator);

// Output shape (without batch) the model produces for `input_shape`.
std::vector<int64_t> output_shape(KerasModelImpl& model, const std::vector<int64_t>& input_shape);

}  // namespace dynfault::runner
