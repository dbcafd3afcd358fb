#pragma once
// Keras losses and the `accuracy` metric as Keras resolves it (LibTorch; runner-internal).
#include <torch/torch.h>

#include <string>

#include "core/program_spec.h"

namespace dynfault::runner {

// Mean loss over the batch with Keras semantics: probabilistic losses clip
// predictions to [1e-7, 1 - 1e-7] unless from_logits; sparse CE takes integer
// class targets; reductions as Keras' SUM_OVER_BATCH_SIZE.
torch::Tensor keras_loss(const LossSpec& loss, const torch::Tensor& prediction, const torch::Tensor& target);
// As Keras 2.15 does it in a model: when the prediction came out of a sigmoid or
// softmax activation, the cross-entropies use `keras_logits` (the activation's
// input, KerasModelImpl::output_logits()) with from_logits semantics and no
// clipping. An undefined `keras_logits` gives the 3-argument behaviour.
torch::Tensor keras_loss(const LossSpec& loss, const torch::Tensor& prediction, const torch::Tensor& target,
                         const torch::Tensor& keras_logits);

// How train_acc / val_acc are computed for a program (docs/trace-format.md):
// Keras resolves metrics=['accuracy'] from shapes; MAPE-only programs log
// 1 - MAPE/100; programs whose metric key the published callback could not read log NaN.
enum class AccuracyKind { Binary, Categorical, SparseCategorical, OneMinusMape, None };
AccuracyKind resolve_accuracy(const ProgramSpec& spec, const std::vector<int64_t>& output_shape,
                              const std::vector<int64_t>& target_shape);
// Mean over the batch (NaN for None).
double accuracy(AccuracyKind kind, const torch::Tensor& prediction, const torch::Tensor& target);

}  // namespace dynfault::runner
