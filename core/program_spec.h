#pragma once
// A Stack Overflow program as data: architecture, data recipe, layer stack,
// loss, optimizer and training settings. Specs live in programs/specs/*.json;
// mutation operators edit them; the runner builds and trains them. The field
// reference is docs/program-spec.md.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/domain.h"

namespace dynfault {

using Json = nlohmann::json;

// One Keras layer: its class name and Keras-style keyword arguments
// (units, activation, kernel_initializer, return_sequences, ...). Omitted
// arguments take Keras 2.15 defaults when the model is built.
struct LayerSpec {
  std::string type;
  Json config = Json::object();
  bool operator==(const LayerSpec& o) const { return type == o.type && config == o.config; }
};

struct LossSpec {
  std::string name;          // Keras name: mse, binary_crossentropy, ...
  bool from_logits = false;  // only for the cross-entropies
  bool operator==(const LossSpec& o) const { return name == o.name && from_logits == o.from_logits; }
};

struct OptimizerSpec {
  std::string name;                 // sgd, adam, rmsprop, adagrad, adadelta, adamax, nadam
  double learning_rate = 0.001;
  Json params = Json::object();     // momentum, nesterov, rho, beta_1, beta_2, epsilon, clipnorm, clipvalue
  bool operator==(const OptimizerSpec& o) const {
    return name == o.name && learning_rate == o.learning_rate && params == o.params;
  }
};

struct ProgramSpec {
  std::string id;  // Stack Overflow question id, e.g. "31556268"
  std::string title;
  std::string url;
  Architecture architecture = Architecture::FFNN;
  std::string task;
  bool labels_learnable = false;

  std::vector<int64_t> input_shape;  // without the batch dimension
  int sequence_axis = -1;            // axis of input_shape a scale may cap; -1 = none
  Json data = Json::object();        // data recipe (docs/program-spec.md#data)

  std::vector<LayerSpec> layers;
  LossSpec loss;
  OptimizerSpec optimizer;
  int epochs = 50;
  int batch_size = 32;
  std::vector<std::string> metrics;  // Keras metric names as compiled by the original
  int early_stopping_patience = -1;  // -1: no early stopping (as in all 60 seeds)

  std::string source;  // file the spec was read from; used in error messages

  bool operator==(const ProgramSpec& o) const;
  bool operator!=(const ProgramSpec& o) const { return !(*this == o); }
};

// Known vocabulary, checked when a spec is parsed. The one list of layer types
// and activations: the runner builds exactly these (tests/runner/test_model.cpp).
const std::vector<std::string>& known_layer_types();
const std::vector<std::string>& known_losses();
const std::vector<std::string>& known_optimizers();
const std::vector<std::string>& known_activations();
bool is_known_activation(const std::string& name);
const std::vector<std::string>& known_initializers();

// The arguments each layer type accepts beyond the ones Keras takes on every
// layer (name, input_shape, batch_input_shape, dtype, trainable, seed,
// comment), and the parameters each optimizer accepts beyond learning_rate
// (clipnorm, clipvalue and global_clipnorm are accepted by all). The one list:
// the runner builds from exactly these.
const std::vector<std::string>& layer_arguments(const std::string& type);
const std::vector<std::string>& common_layer_arguments();
const std::vector<std::string>& optimizer_parameters(const std::string& optimizer);

// Parse and validate structure; `where` names the file for error messages.
// Plans store mutants this way: an operator may produce a spec that cannot be
// built (units 0, say), which the campaign records as a crash trace.
ProgramSpec program_from_json(const Json& j, const std::string& where);
// The complete check of a spec from a file (`--spec`, the zoo): beyond
// program_from_json, every layer argument is one its type accepts, unit,
// filter and dimension counts are positive integers, kernel, pool and stride
// sizes positive, and the optimizer's parameters are its own and in range.
// Throws dynfault::Error naming `where`, the layer and the argument.
void check_spec_arguments(const ProgramSpec& spec, const std::string& where);
Json to_json(const ProgramSpec& spec);
// Reads, parses and completely checks (check_spec_arguments) a spec file.
ProgramSpec load_program_file(const std::string& path);

// The program zoo: a directory with specs/<id>.json and sets/<name>.json.
// Sets are computed ("all", and "ffnn", "rnn", "cnn" from each spec's
// architecture) or curated lists in sets/; adding a program is one spec file.
class ProgramZoo {
 public:
  explicit ProgramZoo(std::string root);
  // $DYNFAULT_PROGRAMS if set, else the programs/ folder of the source tree or
  // installation the binary came from.
  static ProgramZoo open_default();

  const std::string& root() const { return root_; }
  std::vector<std::string> ids() const;       // all specs, sorted
  std::vector<std::string> set_names() const; // computed and file sets, sorted
  bool has(const std::string& id) const;
  ProgramSpec load(const std::string& id) const;
  // Ids of a named set, sorted for computed sets, in file order for curated ones.
  // Unknown names, and a file in sets/ named like a computed set, throw.
  std::vector<std::string> set(const std::string& name) const;
  // "a,b,c" or a set name -> ids, validated.
  std::vector<std::string> resolve(const std::string& set_or_list) const;

 private:
  std::string root_;
};

}  // namespace dynfault
