// The registry holds exactly the 28 operators of the issue, each once, with
// its category and search kind; nothing was lost to the linker.
#include <gtest/gtest.h>

#include "core/error.h"

#include <map>
#include <set>

#include "mutate/registry.h"

using namespace dynfault;
using namespace dynfault::mutate;

TEST(Registry, HasAll28OperatorsWithTheirCategories) {
  const std::map<std::string, std::pair<std::string, FaultCategory>> expected = {
      {"change_batch_size", {"HBS", FaultCategory::Hyperparameter}},
      {"change_epochs", {"HNE", FaultCategory::Hyperparameter}},
      {"change_learning_rate", {"HLR", FaultCategory::Hyperparameter}},
      {"disable_batching", {"HDB", FaultCategory::Hyperparameter}},
      {"change_activation_function", {"ACH", FaultCategory::Activation}},
      {"remove_activation_function", {"ARM", FaultCategory::Activation}},
      {"add_activation_function", {"AAL", FaultCategory::Activation}},
      {"change_weights_initialisation", {"WCI", FaultCategory::Weight}},
      {"add_bias", {"WAB", FaultCategory::Weight}},
      {"remove_bias", {"WRB", FaultCategory::Weight}},
      {"change_loss_function", {"LCH", FaultCategory::Loss}},
      {"change_optimisation_function", {"OCH", FaultCategory::Optimization}},
      {"change_gradient_clip", {"OCG", FaultCategory::Optimization}},
      {"change_dropout_rate", {"RCD", FaultCategory::Regularization}},
      {"add_weights_regularisation", {"RAW", FaultCategory::Regularization}},
      {"change_weights_regularisation", {"RCW", FaultCategory::Regularization}},
      {"remove_weights_regularisation", {"RRW", FaultCategory::Regularization}},
      {"change_earlystopping_patience", {"RCP", FaultCategory::Regularization}},
      {"change_kernel_size", {"LKS", FaultCategory::Layer}},
      {"change_filters", {"LCF", FaultCategory::Layer}},
      {"change_pool_size", {"LCP", FaultCategory::Layer}},
      {"change_strides", {"LCS", FaultCategory::Layer}},
      {"change_padding", {"LCD", FaultCategory::Layer}},
      {"change_dense_units", {"LCN", FaultCategory::Layer}},
      {"add_layer", {"LAD", FaultCategory::Layer}},
      {"remove_layer", {"LRM", FaultCategory::Layer}},
      {"swap_lstm_gru", {"LCT", FaultCategory::Layer}},
      {"change_recurrent_units", {"LCO", FaultCategory::Layer}},
  };
  ASSERT_EQ(expected.size(), 28u);
  const auto& all = operators().all();
  ASSERT_EQ(all.size(), expected.size()) << "an operator file is missing or extra";
  std::set<std::string> codes;
  for (const Operator* op : all) {
    const OperatorInfo& i = op->info();
    auto it = expected.find(i.name);
    ASSERT_NE(it, expected.end()) << "unexpected operator " << i.name;
    EXPECT_EQ(i.code, it->second.first) << i.name;
    EXPECT_EQ(i.category, it->second.second) << i.name;
    EXPECT_FALSE(i.summary.empty()) << i.name;
    EXPECT_FALSE(i.values.empty()) << i.name;
    EXPECT_TRUE(codes.insert(i.code).second) << "duplicate code " << i.code;
    EXPECT_EQ(operators().find(i.name), op);
  }
}

TEST(Registry, BinarySearchOperatorsAreDeepCrimes) {
  std::set<std::string> binary;
  for (const Operator* op : operators().all())
    if (op->info().search == SearchKind::Binary) binary.insert(op->info().name);
  EXPECT_EQ(binary, (std::set<std::string>{"change_learning_rate", "change_epochs", "change_earlystopping_patience"}));
}

TEST(Registry, OrderedByCategoryThenName) {
  const auto& all = operators().all();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front()->info().category, FaultCategory::Hyperparameter);
  EXPECT_EQ(all.front()->info().name, "change_batch_size");
  EXPECT_EQ(all.back()->info().category, FaultCategory::Regularization);
}

TEST(Registry, UnknownNameIsAOneLineError) {
  EXPECT_EQ(operators().find("no_such_operator"), nullptr);
  try {
    operators().get("no_such_operator");
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_NE(msg.find("unknown operator 'no_such_operator'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("change_batch_size"), std::string::npos) << msg;
  }
}

TEST(Registry, RejectsAnOperatorNamedUnlikeItsFile) {
  OperatorRegistry r;
  register_all_operators(r);
  EXPECT_EQ(r.all().size(), 28u);
  // Re-registering the same factory under another file stem is refused.
  struct Fake : Operator {
    const OperatorInfo& info() const override {
      static const OperatorInfo i{"fake", "FAK", FaultCategory::Loss, SearchKind::Single, "s", "v"};
      return i;
    }
    Enumeration enumerate(const ProgramSpec&) const override { return {}; }
    Applied apply(const ProgramSpec& s, const Json&) const override { return {Json::object(), s, ""}; }
  };
  EXPECT_THROW(r.add(std::make_unique<Fake>(), "not_fake"), std::logic_error);
  r.add(std::make_unique<Fake>(), "fake");
  EXPECT_THROW(r.add(std::make_unique<Fake>(), "fake"), std::logic_error);
}
