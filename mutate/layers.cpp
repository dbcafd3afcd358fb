#include "mutate/layers.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace dynfault::mutate {

bool is_wrapper(const std::string& type) { return type == "Bidirectional" || type == "TimeDistributed"; }

std::string acted_type(const LayerSpec& layer) {
  if (is_wrapper(layer.type)) return layer.config.at("layer").value("type", "");
  return layer.type;
}

const Json& acted_config(const LayerSpec& layer) {
  return is_wrapper(layer.type) ? layer.config.at("layer") : layer.config;
}

Json& acted_config(LayerSpec& layer) { return is_wrapper(layer.type) ? layer.config.at("layer") : layer.config; }

std::string layer_label(const ProgramSpec& spec, size_t index) {
  const LayerSpec& l = spec.layers.at(index);
  const std::string type = is_wrapper(l.type) ? l.type + "(" + acted_type(l) + ")" : l.type;
  return "layer " + std::to_string(index) + " (" + type + ")";
}

bool is_dense(const std::string& type) { return type == "Dense"; }
bool is_conv(const std::string& type) { return type == "Conv1D" || type == "Conv2D"; }
bool is_pooling(const std::string& type) { return type == "MaxPooling1D" || type == "MaxPooling2D"; }
bool is_recurrent(const std::string& type) { return type == "LSTM" || type == "GRU" || type == "SimpleRNN"; }
int spatial_rank(const std::string& type) { return type.find("2D") != std::string::npos ? 2 : 1; }

bool has_width(const std::string& type) { return is_dense(type) || is_conv(type) || is_recurrent(type); }

std::optional<size_t> output_layer(const ProgramSpec& spec) {
  for (size_t i = spec.layers.size(); i-- > 0;)
    if (has_width(acted_type(spec.layers[i]))) return i;
  return std::nullopt;
}

std::string effective_activation(const LayerSpec& layer) {
  const std::string type = acted_type(layer);
  const Json& cfg = acted_config(layer);
  const bool has = type == "Activation" || is_dense(type) || is_conv(type) || is_recurrent(type);
  if (!has) return "";
  if (cfg.contains("activation") && cfg["activation"].is_string()) return cfg["activation"].get<std::string>();
  if (cfg.contains("activation") && cfg["activation"].is_null()) return "linear";  // Keras: None = linear
  return is_recurrent(type) ? "tanh" : "linear";
}

bool has_kernel(const std::string& type) { return is_dense(type) || is_conv(type) || is_recurrent(type); }

bool effective_use_bias(const LayerSpec& layer) {
  const Json& cfg = acted_config(layer);
  return !cfg.contains("use_bias") || !cfg["use_bias"].is_boolean() || cfg["use_bias"].get<bool>();
}

std::string kernel_initializer_name(const LayerSpec& layer) {
  const Json& cfg = acted_config(layer);
  if (!cfg.contains("kernel_initializer")) return "glorot_uniform";
  const Json& v = cfg["kernel_initializer"];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("name") && v["name"].is_string()) return v["name"].get<std::string>();
  return "glorot_uniform";
}

std::string regularizer_kind(const Json& r) {
  if (!r.is_object()) return "";
  const bool l1 = r.contains("l1") && r["l1"].is_number() && r["l1"].get<double>() > 0;
  const bool l2 = r.contains("l2") && r["l2"].is_number() && r["l2"].get<double>() > 0;
  return l1 && l2 ? "l1_l2" : l1 ? "l1" : l2 ? "l2" : "";
}

std::string kernel_regularizer_kind(const LayerSpec& layer) {
  const Json& cfg = acted_config(layer);
  return cfg.contains("kernel_regularizer") ? regularizer_kind(cfg["kernel_regularizer"]) : "";
}

std::vector<int64_t> spatial_argument(const LayerSpec& layer, const std::string& key) {
  const std::string type = acted_type(layer);
  const Json& cfg = acted_config(layer);
  const size_t rank = static_cast<size_t>(spatial_rank(type));
  auto read = [&](const Json& v) -> std::vector<int64_t> {
    if (v.is_number_integer()) return std::vector<int64_t>(rank, v.get<int64_t>());
    if (v.is_array()) {
      std::vector<int64_t> out;
      for (const auto& x : v) out.push_back(x.is_number() ? x.get<int64_t>() : 0);
      if (out.size() == 1 && rank > 1) out.assign(rank, out[0]);
      return out;
    }
    return {};
  };
  if (cfg.contains(key) && !cfg[key].is_null()) return read(cfg[key]);
  if (key == "pool_size") return std::vector<int64_t>(rank, 2);
  if (key == "strides") return is_pooling(type) ? spatial_argument(layer, "pool_size") : std::vector<int64_t>(rank, 1);
  return {};
}

std::string effective_padding(const LayerSpec& layer) {
  const Json& cfg = acted_config(layer);
  return cfg.contains("padding") && cfg["padding"].is_string() ? cfg["padding"].get<std::string>() : "valid";
}

std::optional<int64_t> training_samples(const ProgramSpec& spec) {
  if (spec.data.contains("n_train") && spec.data["n_train"].is_number_integer())
    return spec.data["n_train"].get<int64_t>();
  return std::nullopt;
}

// ---- parameters --------------------------------------------------------------

Params::Params(const Json& params, std::string where) : params_(params), where_(std::move(where)) {
  if (!params_.is_object()) throw Error(where_, "parameters must be a JSON object (got " + params_.dump() + ")");
}

void Params::expect_keys(const std::vector<std::string>& allowed) const {
  for (auto it = params_.begin(); it != params_.end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      throw Error(where_, "unknown parameter '" + it.key() + "' (expected: " +
                              (allowed.empty() ? std::string("none") : joined(allowed)) + ")");
  for (const auto& k : allowed)
    if (!params_.contains(k)) throw Error(where_, "missing parameter '" + k + "' (expected: " + joined(allowed) + ")");
}

const Json& Params::raw(const std::string& key) const {
  if (!params_.contains(key)) throw Error(where_, "missing parameter '" + key + "'");
  return params_.at(key);
}

int64_t Params::integer(const std::string& key, int64_t min, int64_t max) const {
  const Json& v = raw(key);
  int64_t x = 0;
  if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else if (v.is_number_float() && std::fabs(v.get<double>()) < 9e15 && v.get<double>() == std::floor(v.get<double>())) {
    x = static_cast<int64_t>(v.get<double>());  // 32.0 is 32
  } else {
    throw Error(where_, "parameter '" + key + "' must be an integer (got " + v.dump() + ")");
  }
  if (x < min || x > max)
    throw Error(where_, "parameter '" + key + "' = " + std::to_string(x) + " is out of range [" +
                            std::to_string(min) + ", " + std::to_string(max) + "]");
  return x;
}

double Params::number(const std::string& key) const {
  const Json& v = raw(key);
  if (!v.is_number()) throw Error(where_, "parameter '" + key + "' must be a number (got " + v.dump() + ")");
  return v.get<double>();
}

std::string Params::text(const std::string& key, const std::vector<std::string>& allowed) const {
  const Json& v = raw(key);
  if (!v.is_string()) throw Error(where_, "parameter '" + key + "' must be a string (got " + v.dump() + ")");
  const std::string s = v.get<std::string>();
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
    throw Error(where_, "parameter '" + key + "' = '" + s + "' is not one of: " + joined(allowed));
  return s;
}

size_t Params::layer(const ProgramSpec& spec, const std::string& key) const {
  return static_cast<size_t>(integer(key, 0, static_cast<int64_t>(spec.layers.size()) - 1));
}

std::string format_number(double x) { return Json(x).dump(); }

}  // namespace dynfault::mutate
