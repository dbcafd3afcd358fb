#include "core/program_spec.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/text.h"

#ifndef DYNFAULT_DEFAULT_PROGRAMS_DIR
#define DYNFAULT_DEFAULT_PROGRAMS_DIR "programs"
#endif

namespace fs = std::filesystem;

namespace dynfault {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void check_activation(const Json& cfg, const std::string& where) {
  if (!cfg.contains("activation")) return;
  if (!cfg["activation"].is_string()) throw Error(where, "'activation' must be a string");
  const auto a = cfg["activation"].get<std::string>();
  if (!is_known_activation(a))
    throw Error(where, "unknown activation '" + a + "' (known: " + joined(known_activations()) + ")");
}

void check_initializer(const Json& cfg, const char* key, const std::string& where) {
  if (!cfg.contains(key)) return;
  const Json& v = cfg[key];
  std::string name;
  if (v.is_string()) name = v.get<std::string>();
  else if (v.is_object() && v.contains("name") && v["name"].is_string()) name = v["name"].get<std::string>();
  else throw Error(where, std::string("'") + key + "' must be a name or {\"name\": ..., params}");
  if (!contains(known_initializers(), name))
    throw Error(where, "unknown initializer '" + name + "' (known: " + joined(known_initializers()) + ")");
}

void check_regularizer(const Json& cfg, const char* key, const std::string& where) {
  if (!cfg.contains(key) || cfg[key].is_null()) return;
  const Json& r = cfg[key];
  if (!r.is_object()) throw Error(where, std::string("'") + key + "' must be {\"l1\": x, \"l2\": y}");
  for (auto it = r.begin(); it != r.end(); ++it) {
    if (it.key() != "l1" && it.key() != "l2")
      throw Error(where, std::string("'") + key + "' has unknown term '" + it.key() + "' (expected l1, l2)");
    if (!it.value().is_number() || it.value().get<double>() < 0)
      throw Error(where, std::string("'") + key + "." + it.key() + "' must be a non-negative number");
  }
}

LayerSpec layer_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "a layer must be an object with a 'type'");
  LayerSpec layer;
  layer.type = field<std::string>(j, "type", where);
  if (!contains(known_layer_types(), layer.type))
    throw Error(where, "unknown layer type '" + layer.type + "' (known: " + joined(known_layer_types()) + ")");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "type") layer.config[it.key()] = it.value();
  check_activation(layer.config, where);
  if (layer.config.contains("recurrent_activation")) {
    Json tmp = {{"activation", layer.config["recurrent_activation"]}};
    check_activation(tmp, where);
  }
  for (const char* k : {"kernel_initializer", "bias_initializer", "recurrent_initializer", "embeddings_initializer"})
    check_initializer(layer.config, k, where);
  for (const char* k : {"kernel_regularizer", "bias_regularizer", "recurrent_regularizer"})
    check_regularizer(layer.config, k, where);
  if (layer.type == "Bidirectional" || layer.type == "TimeDistributed") {
    if (!layer.config.contains("layer")) throw Error(where, layer.type + " needs a wrapped 'layer'");
    layer_from_json(layer.config["layer"], where + " (wrapped layer)");
  }
  if (layer.type == "Dropout") {
    const double rate = layer.config.value("rate", -1.0);
    if (!(rate >= 0.0 && rate < 1.0)) throw Error(where, "Dropout 'rate' must be in [0, 1)");
  }
  return layer;
}

Json layer_to_json(const LayerSpec& l) {
  Json j = {{"type", l.type}};
  for (auto it = l.config.begin(); it != l.config.end(); ++it) j[it.key()] = it.value();
  return j;
}

}  // namespace

const std::vector<std::string>& known_layer_types() {
  static const std::vector<std::string> v = {
      "Dense",         "Activation",   "Dropout",          "Flatten",      "Reshape",
      "Conv1D",        "Conv2D",       "MaxPooling1D",     "MaxPooling2D", "GlobalMaxPooling1D",
      "BatchNormalization", "Embedding", "Masking",        "Normalization", "LSTM",
      "GRU",           "SimpleRNN",    "Bidirectional",    "RepeatVector", "TimeDistributed"};
  return v;
}

const std::vector<std::string>& known_losses() {
  static const std::vector<std::string> v = {
      "mse", "mae", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
      "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "poisson", "huber", "log_cosh",
      "mean_squared_logarithmic_error", "mean_absolute_percentage_error", "cosine_similarity"};
  return v;
}

const std::vector<std::string>& known_optimizers() {
  static const std::vector<std::string> v = {"sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"};
  return v;
}

const std::vector<std::string>& known_activations() {
  static const std::vector<std::string> v = {
      "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
      "hard_sigmoid", "exponential", "swish", "gelu", "relu6", "leaky_relu"};
  return v;
}

bool is_known_activation(const std::string& name) { return contains(known_activations(), name); }

const std::vector<std::string>& known_initializers() {
  static const std::vector<std::string> v = {
      "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
      "orthogonal", "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
      "identity", "variance_scaling"};
  return v;
}

const std::vector<std::string>& common_layer_arguments() {
  static const std::vector<std::string> v = {"name", "input_shape", "batch_input_shape", "dtype", "trainable", "seed",
                                             "comment"};
  return v;
}

const std::vector<std::string>& layer_arguments(const std::string& type) {
  static const std::vector<std::string> recurrent = {
      "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
      "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "dropout", "recurrent_dropout",
      "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "implementation",
      "input_dim", "input_length"};
  auto with = [](std::vector<std::string> v, std::initializer_list<const char*> more) {
    for (const char* m : more) v.push_back(m);
    return v;
  };
  static const std::vector<std::string> conv = {"filters", "kernel_size", "strides", "padding", "dilation_rate",
                                                "activation", "use_bias", "kernel_initializer", "bias_initializer",
                                                "kernel_regularizer", "bias_regularizer", "data_format"};
  static const std::vector<std::string> pool = {"pool_size", "strides", "padding", "data_format"};
  static const std::map<std::string, std::vector<std::string>> table = {
      {"Dense", {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                 "bias_regularizer", "input_dim"}},
      {"Activation", {"activation"}},
      {"Dropout", {"rate", "noise_shape"}},
      {"Flatten", {"data_format"}},
      {"Reshape", {"target_shape"}},
      {"RepeatVector", {"n"}},
      {"Conv1D", conv},
      {"Conv2D", conv},
      {"MaxPooling1D", pool},
      {"MaxPooling2D", pool},
      {"GlobalMaxPooling1D", {"data_format", "keepdims"}},
      {"BatchNormalization", {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                              "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
                              "beta_regularizer", "gamma_regularizer"}},
      {"Embedding", {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "mask_zero",
                     "input_length"}},
      {"Masking", {"mask_value"}},
      {"Normalization", {"axis", "mean", "variance"}},
      {"SimpleRNN", recurrent},
      {"LSTM", with(recurrent, {"recurrent_activation", "unit_forget_bias"})},
      {"GRU", with(recurrent, {"recurrent_activation", "reset_after"})},
      {"Bidirectional", {"layer", "merge_mode"}},
      {"TimeDistributed", {"layer"}},
  };
  static const std::vector<std::string> none;
  const auto it = table.find(type);
  return it == table.end() ? none : it->second;
}

const std::vector<std::string>& optimizer_parameters(const std::string& optimizer) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"sgd", {"momentum", "nesterov"}},
      {"adam", {"beta_1", "beta_2", "epsilon", "amsgrad"}},
      {"adamax", {"beta_1", "beta_2", "epsilon"}},
      {"nadam", {"beta_1", "beta_2", "epsilon"}},
      {"rmsprop", {"rho", "momentum", "epsilon", "centered"}},
      {"adagrad", {"initial_accumulator_value", "epsilon"}},
      {"adadelta", {"rho", "epsilon"}},
  };
  static const std::vector<std::string> none;
  const auto it = table.find(optimizer);
  return it == table.end() ? none : it->second;
}

namespace {

void check_layer_arguments(const LayerSpec& layer, const std::string& where) {
  const std::vector<std::string>& known = layer_arguments(layer.type);
  for (auto it = layer.config.begin(); it != layer.config.end(); ++it)
    if (!contains(known, it.key()) && !contains(common_layer_arguments(), it.key()))
      throw Error(where, layer.type + " has unknown argument '" + it.key() + "' (known: " + joined(known) + ")");
  auto positive_int = [&](const char* key, bool required_key) {
    if (!layer.config.contains(key) || layer.config[key].is_null()) {
      if (required_key) throw Error(where, layer.type + " needs '" + key + "'");
      return;
    }
    const Json& v = layer.config[key];
    if (!v.is_number_integer() || v.get<int64_t>() <= 0)
      throw Error(where, layer.type + " '" + key + "' must be a positive integer (got " + v.dump() + ")");
  };
  auto positive_tuple = [&](const char* key, size_t rank, bool required_key) {
    if (!layer.config.contains(key) || layer.config[key].is_null()) {
      if (required_key) throw Error(where, layer.type + " needs '" + key + "'");
      return;
    }
    const Json& v = layer.config[key];
    bool ok = v.is_number_integer() ? v.get<int64_t>() > 0 : v.is_array() && v.size() == rank;
    if (ok && v.is_array())
      for (const auto& e : v) ok = ok && e.is_number_integer() && e.get<int64_t>() > 0;
    if (!ok)
      throw Error(where, layer.type + " '" + key + "' must be a positive integer or " + std::to_string(rank) +
                             " of them (got " + v.dump() + ")");
  };
  auto unit_interval = [&](const char* key) {
    if (!layer.config.contains(key) || layer.config[key].is_null()) return;
    const Json& v = layer.config[key];
    if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() < 1))
      throw Error(where, layer.type + " '" + key + "' must be a number in [0, 1) (got " + v.dump() + ")");
  };
  const std::string& t = layer.type;
  if (t == "Dense" || t == "SimpleRNN" || t == "LSTM" || t == "GRU") positive_int("units", true);
  if (t == "Dense" || t == "SimpleRNN" || t == "LSTM" || t == "GRU") positive_int("input_dim", false);
  if (t == "SimpleRNN" || t == "LSTM" || t == "GRU") {
    unit_interval("dropout");
    unit_interval("recurrent_dropout");
  }
  if (t == "RepeatVector") positive_int("n", true);
  if (t == "Embedding") {
    positive_int("input_dim", true);
    positive_int("output_dim", true);
  }
  if (t == "Conv1D" || t == "Conv2D") {
    const size_t rank = t == "Conv1D" ? 1 : 2;
    positive_int("filters", true);
    positive_tuple("kernel_size", rank, true);
    positive_tuple("strides", rank, false);
    positive_tuple("dilation_rate", rank, false);
  }
  if (t == "MaxPooling1D" || t == "MaxPooling2D") {
    const size_t rank = t == "MaxPooling1D" ? 1 : 2;
    positive_tuple("pool_size", rank, false);
    positive_tuple("strides", rank, false);
  }
  if (t == "Reshape") {
    const Json* shape = layer.config.contains("target_shape") ? &layer.config["target_shape"] : nullptr;
    bool ok = shape && shape->is_array() && !shape->empty();
    int unknown = 0;
    if (ok)
      for (const auto& d : *shape) {
        ok = ok && d.is_number_integer() && (d.get<int64_t>() > 0 || d.get<int64_t>() == -1);
        if (ok && d.get<int64_t>() == -1) ++unknown;
      }
    if (!ok || unknown > 1)
      throw Error(where, "Reshape 'target_shape' must be a list of positive integers with at most one -1");
  }
  if (t == "Bidirectional" || t == "TimeDistributed") {
    LayerSpec inner;
    const Json& j = layer.config.at("layer");
    inner.type = j.value("type", "");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "type") inner.config[it.key()] = it.value();
    check_layer_arguments(inner, where + " (wrapped layer)");
  }
}

}  // namespace

void check_spec_arguments(const ProgramSpec& spec, const std::string& where) {
  for (size_t i = 0; i < spec.layers.size(); ++i)
    check_layer_arguments(spec.layers[i], where + ": layer " + std::to_string(i));
  const OptimizerSpec& o = spec.optimizer;
  const std::vector<std::string>& known = optimizer_parameters(o.name);
  const std::string at = where + ": optimizer " + o.name;
  for (auto it = o.params.begin(); it != o.params.end(); ++it) {
    const std::string& k = it.key();
    if (k == "clipnorm" || k == "clipvalue" || k == "global_clipnorm") {
      if (!it.value().is_number() || it.value().get<double>() < 0)
        throw Error(at, "'" + k + "' must be a non-negative number");
      continue;
    }
    if (!contains(known, k))
      throw Error(at, "unknown parameter '" + k + "' (known: " + joined(known) + ", clipnorm, clipvalue, global_clipnorm)");
    const Json& v = it.value();
    if (k == "nesterov" || k == "amsgrad" || k == "centered") {
      if (!v.is_boolean()) throw Error(at, "'" + k + "' must be true or false");
      continue;
    }
    if (!v.is_number()) throw Error(at, "'" + k + "' must be a number");
    const double x = v.get<double>();
    const bool ok = k == "epsilon"                     ? x > 0
                    : k == "initial_accumulator_value" ? x >= 0
                    : k == "momentum" || k == "rho"    ? x >= 0 && x <= 1
                    : k == "beta_2" && o.name == "adamax" ? x >= 0 && x <= 1
                                                       : x >= 0 && x < 1;  // beta_1, beta_2
    if (!ok) throw Error(at, "'" + k + "' is out of range (got " + v.dump() + ")");
  }
  if (o.params.contains("clipnorm") && o.params.contains("global_clipnorm") && o.params["clipnorm"].is_number() &&
      o.params["global_clipnorm"].is_number() && o.params["clipnorm"].get<double>() > 0 &&
      o.params["global_clipnorm"].get<double>() > 0)
    throw Error(at, "at most one of 'clipnorm' and 'global_clipnorm' can be set");
}

bool ProgramSpec::operator==(const ProgramSpec& o) const {
  return id == o.id && architecture == o.architecture && input_shape == o.input_shape &&
         sequence_axis == o.sequence_axis && data == o.data && layers == o.layers && loss == o.loss &&
         optimizer == o.optimizer && epochs == o.epochs && batch_size == o.batch_size &&
         metrics == o.metrics && early_stopping_patience == o.early_stopping_patience &&
         labels_learnable == o.labels_learnable;
}

ProgramSpec program_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "a program spec must be a JSON object");
  ProgramSpec p;
  p.source = where;
  p.id = field<std::string>(j, "id", where);
  if (p.id.empty()) throw Error(where, "'id' is empty");
  p.title = optional_field<std::string>(j, "title", "", where);
  p.url = optional_field<std::string>(j, "url", "", where);
  p.architecture = parse_architecture(field<std::string>(j, "architecture", where), where);
  p.task = optional_field<std::string>(j, "task", "", where);
  p.labels_learnable = optional_field(j, "labels_learnable", false, where);

  p.input_shape = field<std::vector<int64_t>>(j, "input_shape", where);
  if (p.input_shape.empty()) throw Error(where, "'input_shape' is empty");
  for (auto d : p.input_shape)
    if (d <= 0) throw Error(where, "'input_shape' has a non-positive dimension");
  p.sequence_axis = optional_field(j, "sequence_axis", -1, where);
  if (p.sequence_axis >= static_cast<int>(p.input_shape.size()))
    throw Error(where, "'sequence_axis' is outside 'input_shape'");
  p.data = required(j, "data", where);
  if (!p.data.is_object()) throw Error(where, "'data' must be an object");

  const Json& layers = required(j, "layers", where);
  if (!layers.is_array() || layers.empty()) throw Error(where, "'layers' must be a non-empty array");
  for (size_t i = 0; i < layers.size(); ++i)
    p.layers.push_back(layer_from_json(layers[i], where + ": layer " + std::to_string(i)));

  const Json& loss = required(j, "loss", where);
  if (loss.is_string()) {
    p.loss.name = loss.get<std::string>();
  } else if (loss.is_object()) {
    p.loss.name = field<std::string>(loss, "name", where);
    p.loss.from_logits = optional_field(loss, "from_logits", false, where);
  } else {
    throw Error(where, "'loss' must be a name or {\"name\": ..., \"from_logits\": ...}");
  }
  if (!contains(known_losses(), p.loss.name))
    throw Error(where, "unknown loss '" + p.loss.name + "' (known: " + joined(known_losses()) + ")");

  const Json& opt = required(j, "optimizer", where);
  if (!opt.is_object()) throw Error(where, "'optimizer' must be an object");
  p.optimizer.name = field<std::string>(opt, "name", where);
  if (!contains(known_optimizers(), p.optimizer.name))
    throw Error(where, "unknown optimizer '" + p.optimizer.name + "' (known: " + joined(known_optimizers()) + ")");
  p.optimizer.learning_rate = field<double>(opt, "learning_rate", where);
  if (!(p.optimizer.learning_rate > 0)) throw Error(where, "'optimizer.learning_rate' must be positive");
  for (auto it = opt.begin(); it != opt.end(); ++it)
    if (it.key() != "name" && it.key() != "learning_rate") p.optimizer.params[it.key()] = it.value();

  p.epochs = field<int>(j, "epochs", where);
  p.batch_size = field<int>(j, "batch_size", where);
  if (p.epochs <= 0) throw Error(where, "'epochs' must be positive");
  if (p.batch_size <= 0) throw Error(where, "'batch_size' must be positive");
  p.metrics = optional_field(j, "metrics", std::vector<std::string>{}, where);
  p.early_stopping_patience = optional_field(j, "early_stopping_patience", -1, where);
  return p;
}

Json to_json(const ProgramSpec& p) {
  Json j;
  j["id"] = p.id;
  if (!p.title.empty()) j["title"] = p.title;
  if (!p.url.empty()) j["url"] = p.url;
  j["architecture"] = to_string(p.architecture);
  if (!p.task.empty()) j["task"] = p.task;
  j["labels_learnable"] = p.labels_learnable;
  j["input_shape"] = p.input_shape;
  if (p.sequence_axis >= 0) j["sequence_axis"] = p.sequence_axis;
  j["data"] = p.data;
  j["layers"] = Json::array();
  for (const auto& l : p.layers) j["layers"].push_back(layer_to_json(l));
  if (p.loss.from_logits) j["loss"] = {{"name", p.loss.name}, {"from_logits", true}};
  else j["loss"] = p.loss.name;
  Json opt = {{"name", p.optimizer.name}, {"learning_rate", p.optimizer.learning_rate}};
  for (auto it = p.optimizer.params.begin(); it != p.optimizer.params.end(); ++it) opt[it.key()] = it.value();
  j["optimizer"] = opt;
  j["epochs"] = p.epochs;
  j["batch_size"] = p.batch_size;
  j["metrics"] = p.metrics;
  if (p.early_stopping_patience >= 0) j["early_stopping_patience"] = p.early_stopping_patience;
  return j;
}

ProgramSpec load_program_file(const std::string& path) {
  const std::string text = read_text_file(path);
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw Error(path, std::string("malformed JSON: ") + e.what());
  }
  ProgramSpec spec = program_from_json(j, path);
  check_spec_arguments(spec, path);
  return spec;
}

ProgramZoo::ProgramZoo(std::string root) : root_(std::move(root)) {
  if (!fs::is_directory(fs::path(root_) / "specs"))
    throw Error(root_, "not a program zoo (no specs/ folder)");
}

ProgramZoo ProgramZoo::open_default() {
  if (const char* env = std::getenv("DYNFAULT_PROGRAMS"); env && *env) return ProgramZoo(env);
  return ProgramZoo(DYNFAULT_DEFAULT_PROGRAMS_DIR);
}

std::vector<std::string> ProgramZoo::ids() const {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(root_) / "specs"))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// "ffnn", "rnn", "cnn": the set of every spec with that architecture.
std::string architecture_set(Architecture a) {
  std::string name = to_string(a);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

}  // namespace

std::vector<std::string> ProgramZoo::set_names() const {
  std::vector<std::string> out = {"all"};
  for (Architecture a : kAllArchitectures) out.push_back(architecture_set(a));
  const fs::path sets = fs::path(root_) / "sets";
  if (fs::is_directory(sets))
    for (const auto& e : fs::directory_iterator(sets))
      if (e.path().extension() == ".json") {
        const std::string name = e.path().stem().string();
        if (contains(out, name))
          throw Error(e.path().string(), "set '" + name + "' is computed from the specs; delete this file");
        out.push_back(name);
      }
  std::sort(out.begin(), out.end());
  return out;
}

bool ProgramZoo::has(const std::string& id) const {
  return fs::is_regular_file(fs::path(root_) / "specs" / (id + ".json"));
}

ProgramSpec ProgramZoo::load(const std::string& id) const {
  if (!has(id)) throw Error(root_, "unknown program '" + id + "' (see `dynfault programs list`)");
  return load_program_file((fs::path(root_) / "specs" / (id + ".json")).string());
}

std::vector<std::string> ProgramZoo::set(const std::string& name) const {
  const std::vector<std::string> names = set_names();  // also rejects a file shadowing a computed set
  if (name == "all") return ids();
  for (Architecture a : kAllArchitectures)
    if (name == architecture_set(a)) {
      std::vector<std::string> out;
      for (const auto& id : ids())
        if (load(id).architecture == a) out.push_back(id);
      return out;
    }
  const fs::path path = fs::path(root_) / "sets" / (name + ".json");
  if (!fs::is_regular_file(path))
    throw Error(root_, "unknown program set '" + name + "' (known: " + joined(names) + ")");
  Json j;
  try {
    j = Json::parse(read_text_file(path.string()));
  } catch (const Json::parse_error& e) {
    throw Error(path.string(), std::string("malformed JSON: ") + e.what());
  }
  if (!j.contains("programs") || !j["programs"].is_array())
    throw Error(path.string(), "missing array 'programs'");
  std::vector<std::string> out;
  for (const auto& id : j["programs"]) {
    const std::string s = id.is_string() ? id.get<std::string>() : id.dump();
    if (!has(s)) throw Error(path.string(), "lists unknown program '" + s + "'");
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> ProgramZoo::resolve(const std::string& set_or_list) const {
  if (set_or_list.find(',') == std::string::npos && !has(set_or_list)) return set(set_or_list);
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= set_or_list.size()) {
    size_t end = set_or_list.find(',', start);
    if (end == std::string::npos) end = set_or_list.size();
    const std::string id = set_or_list.substr(start, end - start);
    if (!id.empty()) {
      if (!has(id)) throw Error(root_, "unknown program '" + id + "' (see `dynfault programs list`)");
      out.push_back(id);
    }
    start = end + 1;
  }
  return out;
}

}  // namespace dynfault
