// Every operator on every program of the zoo: mutants parse back, differ from
// the original in exactly the intended JSON fields, never equal the original
// or each other, and inapplicable operators say why. Structural cross-checks
// prove the layer operators act wherever their layers are.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "mutate/catalogue.h"
#include "mutate/layer_edits.h"
#include "mutate/mutant.h"
#include "mutate/registry.h"

using namespace dynfault;
using namespace dynfault::mutate;

namespace {

ProgramZoo zoo() { return ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs"); }

bool within(const std::string& path, const std::string& prefix) {
  return path == prefix || path.rfind(prefix + "/", 0) == 0;
}

// The JSON paths (prefixes) of the spec an operator setting may touch.
std::vector<std::string> allowed_paths(const Mutant& m, const ProgramSpec& original) {
  static const std::map<std::string, std::string> layer_key = {
      {"change_activation_function", "activation"}, {"remove_activation_function", "activation"},
      {"add_activation_function", "activation"},    {"change_weights_initialisation", "kernel_initializer"},
      {"add_bias", "use_bias"},                     {"remove_bias", "use_bias"},
      {"change_dropout_rate", "rate"},              {"add_weights_regularisation", "kernel_regularizer"},
      {"change_weights_regularisation", "kernel_regularizer"},
      {"remove_weights_regularisation", "kernel_regularizer"},
      {"change_kernel_size", "kernel_size"},        {"change_filters", "filters"},
      {"change_pool_size", "pool_size"},            {"change_strides", "strides"},
      {"change_padding", "padding"},                {"change_dense_units", "units"},
      {"change_recurrent_units", "units"}};
  const std::string& op = m.operator_name;
  if (op == "change_batch_size" || op == "disable_batching") return {"/batch_size"};
  if (op == "change_epochs") return {"/epochs"};
  if (op == "change_learning_rate") return {"/optimizer/learning_rate"};
  if (op == "change_earlystopping_patience") return {"/early_stopping_patience"};
  if (op == "change_loss_function") return {"/loss"};
  if (op == "change_optimisation_function") return {"/optimizer"};
  if (op == "change_gradient_clip") return {"/optimizer/clipvalue", "/optimizer/clipnorm", "/optimizer/global_clipnorm"};
  const size_t i = m.parameters.at("layer").get<size_t>();
  const LayerSpec& l = original.layers.at(i);
  const bool wrapped = l.type == "Bidirectional" || l.type == "TimeDistributed";
  const std::string base = "/layers/" + std::to_string(i) + (wrapped ? "/layer" : "");
  if (op == "swap_lstm_gru") return {base + "/type", base + "/unit_forget_bias", base + "/reset_after"};
  auto it = layer_key.find(op);
  if (it == layer_key.end()) ADD_FAILURE() << "no path expectation for " << op;
  return {base + "/" + it->second};
}

void expect_changes_only_intended_fields(const Mutant& m, const ProgramSpec& original) {
  const Json before = to_json(original), after = to_json(m.spec);
  if (m.operator_name == "add_layer" || m.operator_name == "remove_layer") {
    Json rest_before = before, rest_after = after;
    rest_before.erase("layers");
    rest_after.erase("layers");
    EXPECT_EQ(rest_before, rest_after) << m.id;
    Json expected = before["layers"];
    if (m.operator_name == "add_layer") {
      const size_t after_index = m.parameters["after"].get<size_t>();
      expected.insert(expected.begin() + static_cast<long>(after_index) + 1, m.parameters["insert"]);
    } else {
      expected.erase(m.parameters["layer"].get<size_t>());
    }
    EXPECT_EQ(after["layers"], expected) << m.id;
    return;
  }
  const Json patch = Json::diff(before, after);
  ASSERT_FALSE(patch.empty()) << m.id << " changes nothing";
  const auto allowed = allowed_paths(m, original);
  for (const auto& op : patch) {
    const std::string path = op["path"].get<std::string>();
    bool ok = false;
    for (const auto& a : allowed) ok = ok || within(path, a);
    EXPECT_TRUE(ok) << m.id << " (" << m.change << ") touches " << path;
  }
}

bool has_type(const ProgramSpec& s, const std::function<bool(const std::string&)>& pred, bool before_output_only = false) {
  const auto out = output_layer(s);
  for (size_t i = 0; i < s.layers.size(); ++i) {
    if (before_output_only && (!out || i == *out)) continue;
    if (pred(acted_type(s.layers[i]))) return true;
  }
  return false;
}

std::map<std::string, size_t> count_by_operator(const std::vector<Mutant>& ms) {
  std::map<std::string, size_t> c;
  for (const auto& m : ms) ++c[m.operator_name];
  return c;
}

}  // namespace

TEST(Operators, EveryMutantOfEveryProgramChangesExactlyWhatItShould) {
  const ProgramZoo z = zoo();
  const auto ids = z.ids();
  ASSERT_GE(ids.size(), 38u);
  size_t total = 0;
  std::set<std::string> all_ids;
  for (const auto& id : ids) {
    SCOPED_TRACE("program " + id);
    const ProgramSpec original = z.load(id);
    const auto mutants = mutants_of(original);
    ASSERT_FALSE(mutants.empty());
    std::set<std::string> specs;
    for (const auto& m : mutants) {
      EXPECT_EQ(m.program, id);
      EXPECT_EQ(m.spec.id, id);
      EXPECT_EQ(m.id, mutant_id(id, m.operator_name, m.parameters));
      EXPECT_TRUE(all_ids.insert(m.id).second) << "duplicate id " << m.id;
      EXPECT_NE(m.spec, original) << m.id;
      EXPECT_TRUE(specs.insert(to_json(m.spec).dump()).second) << m.id << " duplicates another mutant's spec";
      EXPECT_FALSE(m.change.empty()) << m.id;
      // Parses back to the same spec (what the runner loads).
      EXPECT_EQ(program_from_json(to_json(m.spec), m.id), m.spec) << m.id;
      expect_changes_only_intended_fields(m, original);
      // make_mutant with the catalogue parameters gives the same mutant.
      const Mutant again = make_mutant(original, m.operator_name, m.parameters);
      EXPECT_EQ(again.id, m.id);
      EXPECT_EQ(again.spec, m.spec) << m.id;
      EXPECT_EQ(again.category, operators().get(m.operator_name).info().category);
    }
    total += mutants.size();
  }
  EXPECT_GT(total, 1000u);
}

TEST(Operators, InapplicableOperatorsAreSkippedWithAReason) {
  const ProgramZoo z = zoo();
  for (const auto& id : z.set("dynfault38")) {
    const ProgramSpec spec = z.load(id);
    std::set<std::string> applied, skipped;
    for (const auto& m : mutants_of(spec)) applied.insert(m.operator_name);
    for (const auto& s : skipped_operators(spec)) {
      EXPECT_FALSE(s.reason.empty()) << id << " " << s.operator_name;
      EXPECT_EQ(s.reason.find('\n'), std::string::npos);
      skipped.insert(s.operator_name);
      // make_mutant refuses it with that reason.
      try {
        make_mutant(spec, s.operator_name, Json::object());
        ADD_FAILURE() << s.operator_name << " applied to " << id;
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("does not apply: " + s.reason), std::string::npos) << e.what();
      }
    }
    for (const auto& n : applied) EXPECT_EQ(skipped.count(n), 0u) << id << " " << n;
    EXPECT_EQ(applied.size() + skipped.size(), operators().all().size()) << id;
  }
}

// Independent of the operator code: where the layers are, the layer operators act.
TEST(Operators, LayerOperatorsActWhereverTheirLayersAre) {
  const ProgramZoo z = zoo();
  auto conv = [](const std::string& t) { return t == "Conv1D" || t == "Conv2D"; };
  auto pool = [](const std::string& t) { return t == "MaxPooling1D" || t == "MaxPooling2D"; };
  auto dense = [](const std::string& t) { return t == "Dense"; };
  auto lstm_gru = [](const std::string& t) { return t == "LSTM" || t == "GRU"; };
  size_t checked = 0;
  for (const auto& id : z.ids()) {
    const ProgramSpec s = z.load(id);
    const auto c = count_by_operator(mutants_of(s));
    auto applies = [&](const char* op) { return c.count(op) > 0; };
    const bool cnn = s.architecture == Architecture::CNN, rnn = s.architecture == Architecture::RNN;
    EXPECT_EQ(applies("change_kernel_size"), cnn && has_type(s, conv)) << id;
    EXPECT_EQ(applies("change_pool_size"), cnn && has_type(s, pool)) << id;
    EXPECT_EQ(applies("change_strides"), cnn && (has_type(s, conv) || has_type(s, pool))) << id;
    EXPECT_EQ(applies("change_padding"), cnn && (has_type(s, conv) || has_type(s, pool))) << id;
    EXPECT_EQ(applies("change_filters"), cnn && has_type(s, conv, true)) << id;
    EXPECT_EQ(applies("change_dense_units"), has_type(s, dense, true)) << id;
    EXPECT_EQ(applies("swap_lstm_gru"), rnn && has_type(s, lstm_gru)) << id;
    EXPECT_EQ(applies("change_recurrent_units"), rnn && has_type(s, lstm_gru, true)) << id;
    // Kernel sizes: every convolution gets each of {1, 2, 7} except its own size.
    if (cnn) {
      size_t expected = 0;
      for (const auto& l : s.layers) {
        if (!conv(l.type)) continue;
        const Json k = l.config["kernel_size"];
        const int64_t own = k.is_array() ? (k[0] == k.back() ? k[0].get<int64_t>() : -1) : k.get<int64_t>();
        for (int64_t v : {1, 2, 7}) expected += v != own;
      }
      EXPECT_EQ(c.count("change_kernel_size") ? c.at("change_kernel_size") : 0, expected) << id;
    }
    // FFNN programs get Layer mutants from exactly LCN, LAD and LRM (a documented deviation from
    // DEFault's EFI, whose flags offer them to CNN and RNN programs only), and every dynfault38 FFNN
    // has a hidden Dense layer, so each gets all three.
    if (s.architecture == Architecture::FFNN) {
      for (const auto& [op, n] : c)
        if (operators().get(op).info().category == FaultCategory::Layer)
          EXPECT_TRUE(op == "change_dense_units" || op == "add_layer" || op == "remove_layer") << id << op;
      for (const char* op : {"change_dense_units", "add_layer", "remove_layer"}) EXPECT_TRUE(applies(op)) << id << op;
    }
    ++checked;
  }
  EXPECT_EQ(checked, z.ids().size());
}

TEST(Operators, XorCatalogueIsExactlyAsDocumented) {
  // 31556268: Dense(4) -> Activation(sigmoid) -> Dense(1) -> Activation(sigmoid), mse,
  // adam 0.001, 50 epochs, batch 16, 100 training samples, FFNN.
  const ProgramSpec s = zoo().load("31556268");
  const auto mutants = mutants_of(s);
  const std::map<std::string, size_t> expected = {
      {"change_batch_size", 1},          // 32 (128 and 256 >= 100 samples: full batch is disable_batching)
      {"change_epochs", 1},              // extreme 1
      {"change_learning_rate", 1},       // extreme 0.0001
      {"disable_batching", 1},           // batch 100
      {"change_activation_function", 18},  // 2 sigmoid layers x 9 other non-linear activations
      {"add_activation_function", 20},     // 2 linear Dense layers x 10
      {"remove_activation_function", 2},
      {"change_weights_initialisation", 22},  // 2 kernels x 11: 12 initialisers other than glorot_uniform, constant = zeros once
      {"remove_bias", 2},
      {"change_loss_function", 12},      // 13 minus mse
      {"change_optimisation_function", 5},
      {"add_weights_regularisation", 6},  // 2 kernels x {l1, l2, l1_l2}
      {"add_layer", 6},           // after layers 0 (Dense) and 1 (Activation) x 3 inserted layers
      {"change_dense_units", 5},  // Dense(4) -> 1, 2, 5, 10, 50
      {"remove_layer", 3},        // Dense(4) and both sigmoid activations; never the output Dense
  };
  EXPECT_EQ(count_by_operator(mutants), expected);
  EXPECT_EQ(mutants.size(), 105u);
  // Deterministic order: the first mutants are the hyperparameter ones, in name order.
  EXPECT_EQ(mutants[0].operator_name, "change_batch_size");
  EXPECT_EQ(mutants[0].parameters, Json({{"batch_size", 32}}));
  EXPECT_EQ(mutants[0].change, "batch_size 16 -> 32");
  const Mutant& lr = mutants[2];
  EXPECT_EQ(lr.operator_name, "change_learning_rate");
  EXPECT_EQ(lr.parameters, Json({{"learning_rate", 0.0001}}));
  EXPECT_EQ(lr.spec.optimizer.learning_rate, 0.0001);
  const Mutant& full = mutants[3];
  EXPECT_EQ(full.operator_name, "disable_batching");
  EXPECT_EQ(full.spec.batch_size, 100);
  // Same inputs, same catalogue.
  const auto again = mutants_of(s);
  ASSERT_EQ(again.size(), mutants.size());
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].id, mutants[i].id);
}

TEST(Operators, WrappedLayersAndRareSettings) {
  const ProgramZoo z = zoo();
  // Bidirectional(LSTM): the inner layer is swapped and resized.
  const ProgramSpec bi = z.load("66907936");
  const Mutant gru = make_mutant(bi, "swap_lstm_gru", {{"layer", 0}});
  EXPECT_EQ(gru.spec.layers[0].type, "Bidirectional");
  EXPECT_EQ(gru.spec.layers[0].config["layer"]["type"], "GRU");
  EXPECT_EQ(gru.spec.layers[0].config["merge_mode"], "concat");
  const Mutant units = make_mutant(bi, "change_recurrent_units", {{"layer", 2}, {"units", 16}});
  EXPECT_EQ(units.spec.layers[2].config["layer"]["units"], 16);
  // TimeDistributed(Dense(12)) is the output layer: no width change, but its activation may change.
  EXPECT_THROW(make_mutant(bi, "change_dense_units", {{"layer", 3}, {"units", 5}}), Error);
  const Mutant act = make_mutant(bi, "change_activation_function", {{"layer", 3}, {"activation", "relu"}});
  EXPECT_EQ(act.spec.layers[3].config["layer"]["activation"], "relu");

  // The only seed with gradient clipping.
  const ProgramSpec clip = z.load("70217712");
  const auto clips = mutants_of(clip, "change_gradient_clip");
  ASSERT_EQ(clips.size(), 1u);
  EXPECT_EQ(clips[0].spec.optimizer.params["clipvalue"], 0.5);
  EXPECT_EQ(clips[0].change, "clipvalue 1.5 -> 0.5");

  // Regularisers: 66952606's Dense has L2(0.01); 69364684's LSTM has L2(0.0), which is no regulariser.
  const ProgramSpec l2 = z.load("66952606");
  const auto rrw = mutants_of(l2, "remove_weights_regularisation");
  ASSERT_EQ(rrw.size(), 1u);
  EXPECT_FALSE(rrw[0].spec.layers.back().config.contains("kernel_regularizer"));
  EXPECT_EQ(mutants_of(l2, "change_weights_regularisation").size(), 2u);  // -> l1, l1_l2
  const ProgramSpec zero = z.load("69364684");
  EXPECT_TRUE(mutants_of(zero, "remove_weights_regularisation").empty());
  const auto raw = mutants_of(zero, "add_weights_regularisation");
  EXPECT_EQ(raw.front().parameters, Json({{"layer", 0}, {"regularizer", "l1"}}));

  // Conv1D accepts causal padding; MaxPooling1D does not.
  const ProgramSpec c1 = z.load("76132850");
  EXPECT_EQ(make_mutant(c1, "change_padding", {{"layer", 0}, {"padding", "causal"}}).spec.layers[0].config["padding"],
            "causal");
  EXPECT_THROW(make_mutant(c1, "change_padding", {{"layer", 1}, {"padding", "causal"}}), Error);
  // MaxPooling1D(2, strides 2): stride 1 is a change; its strides default would be the pool size.
  EXPECT_EQ(make_mutant(c1, "change_strides", {{"layer", 1}, {"strides", 1}}).spec.layers[1].config["strides"], 1);
  EXPECT_THROW(make_mutant(c1, "change_strides", {{"layer", 1}, {"strides", 2}}), Error);
}

TEST(Operators, SyntheticSpecsCoverWhatNoSeedHas) {
  // Early stopping, a bias-free layer, a GRU, a zero Constant initialiser, pooling without strides.
  const Json j = Json::parse(R"({
    "id": "synthetic", "architecture": "RNN", "input_shape": [5, 3],
    "data": {"n_train": 64, "n_val": 16, "x": {"kind": "uniform"}, "y": {"kind": "random_classes", "classes": 2}},
    "layers": [
      {"type": "GRU", "units": 8, "reset_after": false, "return_sequences": true},
      {"type": "LSTM", "units": 4, "unit_forget_bias": true},
      {"type": "Dense", "units": 6, "use_bias": false, "kernel_initializer": {"name": "constant", "value": 0}},
      {"type": "Dense", "units": 1, "activation": "sigmoid"}],
    "loss": "binary_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.001},
    "epochs": 20, "batch_size": 32, "metrics": ["accuracy"], "early_stopping_patience": 10})");
  const ProgramSpec s = program_from_json(j, "synthetic.json");

  const auto rcp = mutants_of(s, "change_earlystopping_patience");
  ASSERT_EQ(rcp.size(), 1u);
  EXPECT_EQ(rcp[0].spec.early_stopping_patience, 1);
  const SearchSpace space = search_space_of(s, "change_earlystopping_patience");
  EXPECT_EQ(space.original, 10);
  EXPECT_EQ(space.extreme, 1);
  EXPECT_EQ(make_mutant(s, "change_earlystopping_patience", {{"patience", 5}}).spec.early_stopping_patience, 5);
  EXPECT_THROW(make_mutant(s, "change_earlystopping_patience", {{"patience", 10}}), Error);

  const auto wab = mutants_of(s, "add_bias");
  ASSERT_EQ(wab.size(), 1u);
  EXPECT_EQ(wab[0].parameters, Json({{"layer", 2}}));
  EXPECT_EQ(wab[0].spec.layers[2].config["use_bias"], true);

  // GRU -> LSTM drops reset_after; LSTM -> GRU drops unit_forget_bias.
  const Mutant to_lstm = make_mutant(s, "swap_lstm_gru", {{"layer", 0}});
  EXPECT_EQ(to_lstm.spec.layers[0].type, "LSTM");
  EXPECT_FALSE(to_lstm.spec.layers[0].config.contains("reset_after"));
  const Mutant to_gru = make_mutant(s, "swap_lstm_gru", {{"layer", 1}});
  EXPECT_EQ(to_gru.spec.layers[1].type, "GRU");
  EXPECT_FALSE(to_gru.spec.layers[1].config.contains("unit_forget_bias"));

  // Constant(0) is zeros: neither "zeros" nor "constant" is a change.
  const auto wci = mutants_of(s, "change_weights_initialisation");
  for (const auto& m : wci)
    if (m.parameters["layer"] == 2) {
      EXPECT_NE(m.parameters["kernel_initializer"], "zeros");
      EXPECT_NE(m.parameters["kernel_initializer"], "constant");
    }
  EXPECT_THROW(make_mutant(s, "change_weights_initialisation", {{"layer", 2}, {"kernel_initializer", "zeros"}}), Error);

  // Batch sizes: 32 is the original and 128/256 exceed the 64 samples: only 16 remains.
  const auto hbs = mutants_of(s, "change_batch_size");
  ASSERT_EQ(hbs.size(), 1u);
  EXPECT_EQ(hbs[0].spec.batch_size, 16);

  // Epoch search interval: 20 epochs -> precision 2.
  const SearchSpace epochs = search_space_of(s, "change_epochs");
  EXPECT_EQ(epochs.precision, 2);
  EXPECT_EQ(epochs.decimals, 0);
}

TEST(Operators, CountsDocIsTheToolsOutput) {
  const std::string path = std::string(DYNFAULT_SOURCE_DIR) + "/docs/mutation-counts.md";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path << " is missing: generate it with `dynfault mutate --set dynfault38 --counts`";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), counts_markdown(zoo(), "dynfault38"))
      << "docs/mutation-counts.md is stale: regenerate it with "
         "`build/cli/dynfault mutate --set dynfault38 --counts > docs/mutation-counts.md`";
}
