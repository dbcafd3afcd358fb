// The Keras Sequential model built from a ProgramSpec (see runner/layers.h for
// the layers and docs/model-semantics.md for the Keras <-> LibTorch mapping).
#include "runner/model.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "runner/layers.h"

namespace dynfault::runner {
namespace {

using detail::Layer;
using detail::LayerError;
using detail::Shape;

// "BatchNormalization" -> "batch_normalization", "Conv2D" -> "conv2d", "SimpleRNN" -> "simple_rnn".
std::string snake_case(const std::string& type) {
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    const char ch = type[i];
    if (std::isupper(static_cast<unsigned char>(ch))) {
      const bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(type[i - 1]));
      const bool next_lower = i + 1 < type.size() && std::islower(static_cast<unsigned char>(type[i + 1]));
      const bool prev_upper = i > 0 && std::isupper(static_cast<unsigned char>(type[i - 1]));
      if (i > 0 && (prev_lower || (prev_upper && next_lower))) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else {
      out += ch;
    }
  }
  return out;
}

class SequentialModel : public KerasModelImpl {
 public:
  SequentialModel(std::string program_id, at::Generator generator)
      : program_id_(std::move(program_id)), dropout_generator_(std::move(generator)) {}

  void add(std::shared_ptr<Layer> layer, LayerInfo info) {
    layers_.push_back(register_module(info.name, std::move(layer)));
    infos_.push_back(std::move(info));
  }
  void set_shapes(Shape in, Shape out) {
    input_shape_ = std::move(in);
    output_shape_ = std::move(out);
  }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& built_output_shape() const { return output_shape_; }

  torch::Tensor forward(torch::Tensor x) override {
    detail::ForwardState state;
    state.generator = &dropout_generator_;
    recorded_.clear();
    logits_ = torch::Tensor();
    for (size_t i = 0; i < layers_.size(); ++i) {
      try {
        x = layers_[i]->forward(x, state);
      } catch (const LayerError& e) {
        throw Error("program " + program_id_, "layer " + std::to_string(i) + " (" + layers_[i]->type() + "): " + e.what());
      } catch (const c10::Error& e) {
        // e.g. an input of the wrong shape: name the layer, keep LibTorch's first line.
        std::string what = e.what_without_backtrace();
        what = what.substr(0, what.find('\n'));
        throw Error("program " + program_id_, "layer " + std::to_string(i) + " (" + layers_[i]->type() + "): " + what);
      }
      if (record_outputs_) recorded_.push_back(x.detach());
    }
    if (!layers_.empty()) logits_ = layers_.back()->last_logits();
    return x;
  }

  const std::vector<LayerInfo>& layer_infos() const override { return infos_; }

  std::vector<ParamGroup> param_groups() override {
    std::vector<ParamGroup> groups;
    for (size_t i = 0; i < layers_.size(); ++i) {
      std::vector<torch::Tensor> params = layers_[i]->parameters(true);
      if (!params.empty()) groups.push_back({infos_[i].name, std::move(params)});
    }
    return groups;
  }

  torch::Tensor regularization_loss() override {
    torch::Tensor total;
    for (auto& layer : layers_) {
      torch::Tensor r = layer->regularization();
      if (r.defined()) total = total.defined() ? total + r : r;  // r alone is 0 + r, exactly
    }
    if (total.defined()) return total;
    // No penalty: one constant 0, made once rather than at every training step.
    if (!no_penalty_.defined()) no_penalty_ = torch::zeros({});
    return no_penalty_;
  }

  torch::Tensor output_logits() const override { return logits_; }
  void set_dropout_generator(at::Generator generator) override { dropout_generator_ = std::move(generator); }

  bool needs_adapt() const override {
    return std::any_of(layers_.begin(), layers_.end(), [](const auto& l) { return l->adaptable(); });
  }
  // Each Normalization layer adapts on the training inputs as they reach it
  // (Keras adapts before fit, on the raw x_train; layers before it see the same
  // data only when they are data-independent, which holds for the seeds: it is first).
  void adapt(const torch::Tensor& x_train) override {
    torch::NoGradGuard no_grad;
    const bool was_training = is_training();
    eval();
    torch::Tensor x = x_train;
    detail::ForwardState state;
    state.generator = &dropout_generator_;
    for (size_t i = 0; i < layers_.size(); ++i) {
      if (layers_[i]->adaptable()) layers_[i]->adapt(x);
      if (i + 1 < layers_.size() &&
          std::any_of(layers_.begin() + i + 1, layers_.end(), [](const auto& l) { return l->adaptable(); }))
        x = layers_[i]->forward(x, state);
      else
        break;
    }
    train(was_training);
  }

 private:
  std::string program_id_;
  at::Generator dropout_generator_;
  std::vector<std::shared_ptr<Layer>> layers_;
  std::vector<LayerInfo> infos_;
  torch::Tensor logits_;
  torch::Tensor no_penalty_;  // regularization_loss() of a model without penalties
  Shape input_shape_, output_shape_;
};

}  // namespace

std::shared_ptr<KerasModelImpl> build_model(const ProgramSpec& spec, const std::vector<int64_t>& input_shape,
                                            at::Generator& generator) {
  const std::string where = "program " + spec.id;
  if (spec.layers.empty()) throw Error(where, "has no layers");
  for (auto d : input_shape)
    if (d <= 0) throw Error(where, "input shape " + detail::shape_string(input_shape) + " has a non-positive dimension");
  auto model = std::make_shared<SequentialModel>(spec.id, generator);
  Shape shape = input_shape;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& ls = spec.layers[i];
    const std::string at = "layer " + std::to_string(i) + " (" + ls.type + ")";
    try {
      std::shared_ptr<Layer> layer = detail::make_layer(ls);
      shape = layer->build(shape, generator);
      for (auto d : shape)
        if (d <= 0) throw LayerError("output shape " + detail::shape_string(shape) + " has an empty dimension");
      LayerInfo info{snake_case(ls.type) + "_" + std::to_string(i), ls.type, layer->activation()};
      model->add(std::move(layer), std::move(info));
    } catch (const LayerError& e) {
      throw Error(where, at + ": " + e.what());
    } catch (const Json::exception& e) {
      throw Error(where, at + ": malformed argument (" + std::string(e.what()) + ")");
    } catch (const c10::Error& e) {
      throw Error(where, at + ": " + e.what_without_backtrace());
    }
  }
  model->set_shapes(input_shape, shape);
  return model;
}

std::vector<int64_t> output_shape(KerasModelImpl& model, const std::vector<int64_t>& input_shape) {
  if (auto* seq = dynamic_cast<SequentialModel*>(&model); seq && seq->input_shape() == input_shape)
    return seq->built_output_shape();
  // Another input shape: run one zero sample through the model (eval mode, no grad).
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  std::vector<int64_t> sizes = {1};
  sizes.insert(sizes.end(), input_shape.begin(), input_shape.end());
  torch::Tensor y = model.forward(torch::zeros(sizes));
  model.train(was_training);
  return std::vector<int64_t>(y.sizes().begin() + 1, y.sizes().end());
}

}  // namespace dynfault::runner
