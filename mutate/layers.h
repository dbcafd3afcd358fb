#pragma once
// What the operators need to read and edit layers of a ProgramSpec: the layer a
// Bidirectional/TimeDistributed wrapper holds, Keras 2.15 defaults of omitted
// arguments (so an explicit default is recognised as no change), the output
// layer, and typed access to operator parameters with one-line errors.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/program_spec.h"
#include "core/text.h"

namespace dynfault::mutate {

// ---- layers --------------------------------------------------------------

bool is_wrapper(const std::string& type);  // Bidirectional, TimeDistributed

// The layer an operator acts on at top-level index i: the layer itself or the
// one its wrapper holds. Its type and its settings (Keras keyword arguments).
std::string acted_type(const LayerSpec& layer);
const Json& acted_config(const LayerSpec& layer);  // for a wrapper: the inner layer object (incl. "type")
Json& acted_config(LayerSpec& layer);

// "layer 3 (Dense)" or "layer 1 (Bidirectional(LSTM))".
std::string layer_label(const ProgramSpec& spec, size_t index);

bool is_dense(const std::string& type);
bool is_conv(const std::string& type);       // Conv1D, Conv2D
bool is_pooling(const std::string& type);    // MaxPooling1D, MaxPooling2D
bool is_recurrent(const std::string& type);  // LSTM, GRU, SimpleRNN
// Spatial rank of a Conv/MaxPooling layer (1 or 2).
int spatial_rank(const std::string& type);

// Layers whose width is a parameter (units / filters): Dense, Conv*, recurrent.
bool has_width(const std::string& type);
// The layer producing the model output: the last top-level layer whose acted
// type has a width. Its width is fixed by the labels.
std::optional<size_t> output_layer(const ProgramSpec& spec);

// ---- Keras 2.15 defaults ---------------------------------------------------

// Effective activation of a layer that has one ("" for layers without an
// activation): Dense/Conv default "linear", LSTM/GRU/SimpleRNN "tanh".
std::string effective_activation(const LayerSpec& layer);
bool has_kernel(const std::string& type);  // Dense, Conv*, recurrent: kernel_initializer/_regularizer, use_bias
bool effective_use_bias(const LayerSpec& layer);
std::string kernel_initializer_name(const LayerSpec& layer);  // default glorot_uniform

// Regulariser type by its non-zero terms: "l1", "l2", "l1_l2" or "" (none / all zero).
std::string regularizer_kind(const Json& regularizer);
std::string kernel_regularizer_kind(const LayerSpec& layer);

// Spatial arguments of Conv/MaxPooling layers as per-axis vectors; an int k
// means k on every axis. Defaults: pool_size 2; strides 1 for Conv and
// pool_size for MaxPooling; padding "valid".
std::vector<int64_t> spatial_argument(const LayerSpec& layer, const std::string& key);
std::string effective_padding(const LayerSpec& layer);

// Training samples of the spec's data recipe (data.n_train), if given.
std::optional<int64_t> training_samples(const ProgramSpec& spec);

// ---- parameters ------------------------------------------------------------

// Typed reads of an operator's parameter object; `where` names program and
// operator. Every error is one line: "<where>: parameter 'x' ...".
class Params {
 public:
  Params(const Json& params, std::string where);
  // Fails on keys other than `allowed` and on missing ones.
  void expect_keys(const std::vector<std::string>& allowed) const;
  int64_t integer(const std::string& key, int64_t min, int64_t max) const;
  double number(const std::string& key) const;
  std::string text(const std::string& key, const std::vector<std::string>& allowed) const;
  // A top-level layer index of `spec`.
  size_t layer(const ProgramSpec& spec, const std::string& key = "layer") const;
  const Json& raw(const std::string& key) const;
  const std::string& where() const { return where_; }

 private:
  const Json& params_;
  std::string where_;
};

// A number as the catalogue prints it: shortest round-trip form.
std::string format_number(double x);

}  // namespace dynfault::mutate
