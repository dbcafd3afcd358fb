// Mutant ids, explicit mutants, their JSON form and every bad-input error.
#include <gtest/gtest.h>

#include <regex>

#include "core/error.h"
#include "mutate/mutant.h"

using namespace dynfault;
using namespace dynfault::mutate;

namespace {

ProgramSpec xor_program() {
  return ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs").load("31556268");
}

// The error message of make_mutant, or "" when it succeeds.
std::string error_of(const std::string& op, const Json& params, const ProgramSpec& spec = xor_program()) {
  try {
    make_mutant(spec, op, params);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  return "";
}

}  // namespace

TEST(MutantId, IsStableAndDerivedFromProgramOperatorParameters) {
  const std::regex form("^[0-9]+-[a-z_]+-[0-9a-f]{8}$");
  const ProgramSpec s = xor_program();
  for (const auto& m : mutants_of(s)) EXPECT_TRUE(std::regex_match(m.id, form)) << m.id;
  // Pinned: a catalogue can be regenerated and extended without renumbering.
  EXPECT_EQ(make_mutant(s, "change_batch_size", {{"batch_size", 32}}).id, "31556268-change_batch_size-6d72cbfe");
  EXPECT_EQ(make_mutant(s, "change_learning_rate", {{"learning_rate", 0.0001}}).id,
            "31556268-change_learning_rate-2f19cb06");
  EXPECT_EQ(make_mutant(s, "disable_batching", Json::object()).id, "31556268-disable_batching-968aff56");
  EXPECT_EQ(make_mutant(s, "change_activation_function", {{"layer", 1}, {"activation", "relu"}}).id,
            "31556268-change_activation_function-0d98c3e4");
  // Spelling does not matter: key order, 1e-4 vs 0.0001, 32.0 vs 32.
  EXPECT_EQ(make_mutant(s, "change_learning_rate", Json::parse(R"({"learning_rate": 1e-4})")).id,
            "31556268-change_learning_rate-2f19cb06");
  EXPECT_EQ(make_mutant(s, "change_batch_size", Json::parse(R"({"batch_size": 32.0})")).id,
            "31556268-change_batch_size-6d72cbfe");
  EXPECT_EQ(make_mutant(s, "change_activation_function", Json::parse(R"({"activation": "relu", "layer": 1})")).id,
            make_mutant(s, "change_activation_function", Json::parse(R"({"layer": 1, "activation": "relu"})")).id);
  // Different parameters, different ids.
  EXPECT_NE(mutant_id("1", "op", {{"x", 1}}), mutant_id("1", "op", {{"x", 2}}));
  EXPECT_NE(mutant_id("1", "op", {{"x", 1}}), mutant_id("2", "op", {{"x", 1}}));
}

TEST(MakeMutant, AcceptsSettingsOutsideTheCatalogue) {
  const ProgramSpec s = xor_program();
  // Learning rate x100, for a mutant that must be killed.
  const Mutant m = make_mutant(s, "change_learning_rate", {{"learning_rate", 0.1}});
  EXPECT_EQ(m.spec.optimizer.learning_rate, 0.1);
  EXPECT_EQ(m.change, "learning_rate 0.001 -> 0.1");
  EXPECT_EQ(m.category, FaultCategory::Hyperparameter);
  // A binary-search midpoint.
  EXPECT_EQ(make_mutant(s, "change_epochs", {{"epochs", 26}}).spec.epochs, 26);
  // Any Dropout rate in [0, 1) on a program with Dropout.
  const ProgramSpec d = ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs").load("31880720");
  EXPECT_EQ(make_mutant(d, "change_dropout_rate", {{"layer", 1}, {"rate", 0.0}}).spec.layers[1].config["rate"], 0.0);
}

TEST(MakeMutant, BadInputGivesOneLineErrors) {
  const std::string p = "program 31556268: ";
  auto has = [](const std::string& msg, const std::string& part) {
    EXPECT_NE(msg.find(part), std::string::npos) << "'" << msg << "' lacks '" << part << "'";
  };
  has(error_of("change_batchsize", {{"batch_size", 32}}), "unknown operator 'change_batchsize'");
  has(error_of("change_batch_size", {{"batch_size", 0}}),
      p + "change_batch_size: parameter 'batch_size' = 0 is out of range [1, 1048576]");
  has(error_of("change_batch_size", {{"batch_size", 16}}), "same effective batch");
  has(error_of("change_batch_size", {{"batch_size", "big"}}), "parameter 'batch_size' must be an integer");
  has(error_of("change_batch_size", {{"batch", 32}}), "unknown parameter 'batch'");
  has(error_of("change_batch_size", {{"batch_size", 32.5}}), "parameter 'batch_size' must be an integer (got 32.5)");
  has(error_of("change_batch_size", {{"batch_size", 1e300}}), "must be an integer");
  has(error_of("change_batch_size", Json::array()), "parameters must be a JSON object");
  has(error_of("change_learning_rate", {{"learning_rate", -0.1}}), "out of range (0, 10]");
  has(error_of("change_learning_rate", {{"learning_rate", 0.001}}), "already 0.001");
  has(error_of("change_epochs", {{"epochs", 50}}), "parameter 'epochs' = 50 is out of range [1, 49]");
  has(error_of("change_activation_function", {{"layer", 0}, {"activation", "relu"}}),
      "layer 0 (Dense) is not a target: its activation is linear");
  has(error_of("change_activation_function", {{"layer", 9}, {"activation", "relu"}}),
      "parameter 'layer' = 9 is out of range [0, 3]");
  has(error_of("change_activation_function", {{"layer", 1}, {"activation", "swish7"}}),
      "parameter 'activation' = 'swish7' is not one of: elu, softmax");
  has(error_of("change_activation_function", {{"layer", 1}, {"activation", "sigmoid"}}), "activation is already \"sigmoid\"");
  has(error_of("change_loss_function", {{"loss", "mse"}}), "loss is already mse");
  has(error_of("change_optimisation_function", {{"optimizer", "lion"}}), "'lion' is not one of");
  // Operators that do not fit the program.
  has(error_of("change_kernel_size", {{"layer", 0}, {"kernel_size", 3}}),
      p + "change_kernel_size: does not apply: applies to CNN programs; this one is FFNN");
  has(error_of("change_dropout_rate", {{"layer", 0}, {"rate", 0.5}}), "does not apply: the program has no Dropout layer");
  has(error_of("change_gradient_clip", {{"value", 0.5}}), "does not apply: the optimizer has no clipvalue/clipnorm");
  has(error_of("change_earlystopping_patience", {{"patience", 1}}), "does not apply: the program uses no early stopping");
  has(error_of("disable_batching", {{"batch_size", 3}}), "unknown parameter 'batch_size' (expected: none)");
}

TEST(MakeMutant, LayerStructureErrors) {
  const ProgramSpec cnn = ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs").load("37624102");
  // Conv2D(32,3x3) Act Conv2D Act MaxPool Flatten Dense(128) Act Dense(2) Act(softmax)
  EXPECT_NE(error_of("remove_layer", {{"layer", 8}}, cnn).find("it is the output layer"), std::string::npos);
  EXPECT_NE(error_of("add_layer", {{"after", 9}, {"insert", {{"type", "Dropout"}, {"rate", 0.5}}}}, cnn)
                .find("cannot insert after layer 9 (Activation): it is not before the output layer"),
            std::string::npos);
  EXPECT_NE(error_of("add_layer", {{"after", 7}, {"insert", {{"type", "Conv2D"}}}}, cnn).find("must be a Dense, Dropout"),
            std::string::npos);
  EXPECT_NE(error_of("add_layer", {{"after", 7}, {"insert", {{"type", "Dropout"}, {"rate", 0.0}}}}, cnn)
                .find("would change nothing"),
            std::string::npos);
  // An inserted layer the spec format rejects is caught by the round trip.
  EXPECT_NE(error_of("add_layer", {{"after", 7}, {"insert", {{"type", "Dropout"}, {"rate", 2.0}}}}, cnn)
                .find("gives an invalid program spec"),
            std::string::npos);
  const Mutant ok = make_mutant(cnn, "add_layer", {{"after", 7}, {"insert", {{"type", "Dense"}, {"units", 64}, {"activation", "relu"}}}});
  EXPECT_EQ(ok.spec.layers.size(), cnn.layers.size() + 1);
  EXPECT_EQ(ok.spec.layers[8].type, "Dense");
  EXPECT_EQ(ok.change, "Dense(activation=\"relu\", units=64) inserted after layer 7 (Activation)");
  EXPECT_NE(error_of("change_kernel_size", {{"layer", 0}, {"kernel_size", 3}}, cnn).find("already 3"), std::string::npos);
  EXPECT_NE(error_of("change_kernel_size", {{"layer", 0}, {"kernel_size", {3, 3}}}, cnn).find("already 3"),
            std::string::npos);
  EXPECT_NE(error_of("change_kernel_size", {{"layer", 0}, {"kernel_size", {3, 3, 3}}}, cnn).find("list of 2 integers"),
            std::string::npos);
  EXPECT_NE(error_of("change_kernel_size", {{"layer", 0}, {"kernel_size", 0}}, cnn).find("out of range [1, 1024]"),
            std::string::npos);
  EXPECT_EQ(make_mutant(cnn, "change_kernel_size", {{"layer", 0}, {"kernel_size", {5, 2}}}).spec.layers[0].config["kernel_size"],
            Json({5, 2}));
}

TEST(Mutant, JsonRoundTripChecksTheId) {
  const ProgramSpec s = xor_program();
  const Mutant m = make_mutant(s, "change_loss_function", {{"loss", "mae"}});
  const Json j = to_json(m);
  const Mutant back = mutant_from_json(j, "m.json");
  EXPECT_EQ(back.id, m.id);
  EXPECT_EQ(back.spec, m.spec);
  EXPECT_EQ(back.parameters, m.parameters);
  EXPECT_EQ(back.category, FaultCategory::Loss);

  Json bad = j;
  bad["parameters"]["loss"] = "mse";
  try {
    mutant_from_json(bad, "m.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.json: id '" + m.id + "' does not match"), std::string::npos) << e.what();
  }
  bad = j;
  bad["category"] = "Weight";
  EXPECT_THROW(mutant_from_json(bad, "m.json"), Error);
  bad = j;
  bad["operator"] = "nope";
  EXPECT_THROW(mutant_from_json(bad, "m.json"), Error);
  bad = j;
  bad.erase("spec");
  EXPECT_THROW(mutant_from_json(bad, "m.json"), Error);
  EXPECT_FALSE(to_json(m, false).contains("spec"));
}

TEST(Mutant, FindByIdAndSearchSpaces) {
  const ProgramSpec s = xor_program();
  const auto all = mutants_of(s);
  const Mutant found = find_mutant(s, all[10].id);
  EXPECT_EQ(found.spec, all[10].spec);
  try {
    find_mutant(s, "31556268-change_batch_size-00000000");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no mutant '31556268-change_batch_size-00000000'"), std::string::npos);
  }
  const SearchSpace lr = search_space_of(s, "change_learning_rate");
  EXPECT_EQ(lr.original, 0.001);
  EXPECT_EQ(lr.extreme, 0.0001);
  EXPECT_EQ(lr.precision, 0.00001);
  EXPECT_EQ(lr.decimals, 5);
  const SearchSpace ep = search_space_of(s, "change_epochs");
  EXPECT_EQ(ep.original, 50);
  EXPECT_EQ(ep.extreme, 1);
  EXPECT_EQ(ep.precision, 5);
  EXPECT_THROW(search_space_of(s, "change_batch_size"), Error);  // exhaustive
  EXPECT_THROW(search_space_of(s, "change_earlystopping_patience"), Error);  // does not apply
  // The catalogue's binary-search mutant is the extreme setting.
  EXPECT_EQ(mutants_of(s, "change_learning_rate").at(0).parameters, lr.parameters(lr.extreme));
  EXPECT_EQ(mutants_of(s, "change_epochs").at(0).parameters, ep.parameters(ep.extreme));
}
