#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/program_spec.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;

namespace {
Json xor_spec() {
  return Json::parse(R"({
    "id": "t1", "architecture": "FFNN", "input_shape": [2],
    "data": {"n_train": 8, "n_val": 4, "x": {"kind": "randint", "low": 0, "high": 2}, "y": {"kind": "xor"}},
    "layers": [{"type": "Dense", "units": 4, "activation": "relu"}, {"type": "Dense", "units": 1, "activation": "sigmoid"}],
    "loss": "binary_crossentropy", "optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    "epochs": 3, "batch_size": 4, "metrics": ["accuracy"]})");
}

std::string error_of(const Json& j) {
  try {
    program_from_json(j, "spec.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ProgramSpec, ParsesAndRoundTrips) {
  const ProgramSpec p = program_from_json(xor_spec(), "spec.json");
  EXPECT_EQ(p.id, "t1");
  EXPECT_EQ(p.layers.size(), 2u);
  EXPECT_EQ(p.layers[0].config["units"], 4);
  EXPECT_EQ(p.optimizer.params["momentum"], 0.9);
  const ProgramSpec q = program_from_json(to_json(p), "again.json");
  EXPECT_EQ(p, q);
}

TEST(ProgramSpec, ErrorsNameFileAndProblem) {
  Json j = xor_spec();
  j.erase("layers");
  EXPECT_EQ(error_of(j), "spec.json: missing field 'layers'");

  j = xor_spec();
  j["layers"][1]["type"] = "Densee";
  EXPECT_NE(error_of(j).find("spec.json: layer 1: unknown layer type 'Densee'"), std::string::npos);

  j = xor_spec();
  j["layers"][0]["activation"] = "relu7";
  EXPECT_NE(error_of(j).find("unknown activation 'relu7'"), std::string::npos);

  j = xor_spec();
  j["optimizer"]["name"] = "lion";
  EXPECT_NE(error_of(j).find("unknown optimizer 'lion'"), std::string::npos);

  j = xor_spec();
  j["epochs"] = "fifty";
  EXPECT_EQ(error_of(j), "spec.json: field 'epochs' has the wrong type (string)");

  j = xor_spec();
  j["layers"].push_back({{"type", "Dropout"}, {"rate", 1.5}});
  EXPECT_NE(error_of(j).find("Dropout 'rate' must be in [0, 1)"), std::string::npos);
}

TEST(ProgramSpec, MalformedFileIsNamed) {
  const dynfault_test::TempDir dir;
  const auto path = dir.path() / "bad_spec.json";
  std::ofstream(path) << "{ \"id\": ";
  try {
    load_program_file(path.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": malformed JSON", 0), 0u) << e.what();
  }
}

TEST(ProgramZoo, EmbeddedZooLoads) {
  ProgramZoo zoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs");
  const auto ids = zoo.ids();
  ASSERT_FALSE(ids.empty());
  for (const auto& id : ids) {
    const ProgramSpec p = zoo.load(id);
    EXPECT_EQ(p.id, id) << "spec file name must equal its id";
  }
  EXPECT_THROW(zoo.load("nope"), Error);
  EXPECT_THROW(zoo.set("nope"), Error);
  EXPECT_EQ(zoo.resolve(ids.front()), std::vector<std::string>{ids.front()});
}

namespace {
// The message of check_spec_arguments on `j` (after a successful parse), or "".
std::string argument_error_of(const Json& j) {
  const ProgramSpec p = program_from_json(j, "spec.json");  // the plan's check: these parse
  try {
    check_spec_arguments(p, "spec.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

// A spec from a file is checked completely (issue 14): what the runner would
// refuse at build time is an error naming the file, layer and argument before
// training. program_from_json alone still accepts these, because mutants an
// operator builds may not build and must become crash traces.
TEST(ProgramSpec, FileSpecsAreCheckedCompletely) {
  EXPECT_EQ(argument_error_of(xor_spec()), "");
  Json j = xor_spec();
  j["layers"][0]["units"] = -4;
  EXPECT_EQ(argument_error_of(j), "spec.json: layer 0: Dense 'units' must be a positive integer (got -4)");
  j = xor_spec();
  j["layers"][0]["units"] = 2.5;
  EXPECT_NE(argument_error_of(j).find("'units' must be a positive integer"), std::string::npos);
  j = xor_spec();
  j["layers"][0].erase("units");
  EXPECT_EQ(argument_error_of(j), "spec.json: layer 0: Dense needs 'units'");
  j = xor_spec();
  j["layers"][0]["unitz"] = 4;
  EXPECT_NE(argument_error_of(j).find("spec.json: layer 0: Dense has unknown argument 'unitz'"), std::string::npos);
  j = xor_spec();
  j["optimizer"]["betta_1"] = 0.9;
  EXPECT_NE(argument_error_of(j).find("spec.json: optimizer sgd: unknown parameter 'betta_1'"), std::string::npos);
  j = xor_spec();
  j["optimizer"]["momentum"] = 1.5;
  EXPECT_NE(argument_error_of(j).find("'momentum' is out of range"), std::string::npos);
  j = xor_spec();
  j["optimizer"] = {{"name", "adam"}, {"learning_rate", 0.01}, {"beta_1", 1.0}};
  EXPECT_NE(argument_error_of(j).find("'beta_1' is out of range"), std::string::npos);
  j = xor_spec();
  j["optimizer"]["clipnorm"] = -1;
  EXPECT_NE(argument_error_of(j).find("'clipnorm' must be a non-negative number"), std::string::npos);
  j = xor_spec();
  j["layers"].push_back({{"type", "Conv1D"}, {"filters", 2}, {"kernel_size", {3, 3}}});
  EXPECT_NE(argument_error_of(j).find("Conv1D 'kernel_size' must be a positive integer or 1 of them"),
            std::string::npos);
  j = xor_spec();
  j["layers"].push_back({{"type", "Bidirectional"}, {"layer", {{"type", "LSTM"}, {"units", 0}}}});
  EXPECT_NE(argument_error_of(j).find("(wrapped layer): LSTM 'units' must be a positive integer"), std::string::npos);
  j = xor_spec();
  j["layers"].push_back({{"type", "Reshape"}, {"target_shape", {-1, -1}}});
  EXPECT_NE(argument_error_of(j).find("Reshape 'target_shape'"), std::string::npos);

  // load_program_file runs the complete check.
  const dynfault_test::TempDir dir;
  const auto path = dir.path() / "neg.json";
  j = xor_spec();
  j["layers"][0]["units"] = -4;
  std::ofstream(path) << j.dump();
  try {
    load_program_file(path.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": layer 0: Dense 'units' must be a positive integer (got -4)");
  }
}

// Every spec of the zoo passes the complete check, and the argument tables
// know every layer type and optimizer of the vocabulary.
TEST(ProgramSpec, ZooPassesCompleteCheckAndTablesCoverVocabulary) {
  ProgramZoo zoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs");
  for (const auto& id : zoo.ids()) EXPECT_NO_THROW(zoo.load(id)) << id;
  for (const auto& t : known_layer_types()) EXPECT_FALSE(layer_arguments(t).empty()) << t;
  for (const auto& o : known_optimizers()) EXPECT_FALSE(optimizer_parameters(o).empty()) << o;
}
