// OCH: DeepCrime's change_optimisation_function. Values: {sgd, rmsprop,
// adagrad, adam, adamax, nadam} minus the current one, the list of DEFault's
// fork and Deep4ge. The optimizer is passed by name, as DeepCrime does, so
// Keras 2.15 defaults apply: its default learning rate and no other argument
// (momentum, clipping, ... of the original are dropped).
#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

const std::vector<std::string> kOptimizers = {"sgd", "rmsprop", "adagrad", "adam", "adamax", "nadam"};

// Keras 2.15 default learning rates (programs.md, "Keras defaults the seeds rely on").
double keras_default_learning_rate(const std::string& name) { return name == "sgd" ? 0.01 : 0.001; }

std::string describe(const OptimizerSpec& o) {
  std::string s = o.name + "(learning_rate " + format_number(o.learning_rate);
  for (auto it = o.params.begin(); it != o.params.end(); ++it) s += ", " + it.key() + " " + it.value().dump();
  return s + ")";
}

class ChangeOptimisationFunction : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_optimisation_function", "OCH", FaultCategory::Optimization,
                                SearchKind::Exhaustive, "optimizer, by name (Keras 2.15 defaults)",
                                "sgd, rmsprop, adagrad, adam, adamax, nadam (minus the current one)"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    for (const auto& o : kOptimizers)
      if (o != spec.optimizer.name) e.parameters.push_back({{"optimizer", o}});
    return e;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"optimizer"});
    const std::string name = p.text("optimizer", kOptimizers);
    if (name == spec.optimizer.name)
      throw Error(where(spec), "the optimizer is already " + name + " (a mutant must differ from its original)");
    Applied a{{{"optimizer", name}}, spec, ""};
    a.spec.optimizer = OptimizerSpec{name, keras_default_learning_rate(name), Json::object()};
    a.change = "optimizer " + describe(spec.optimizer) + " -> " + describe(a.spec.optimizer);
    return a;
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_optimisation_function) { return std::make_unique<ChangeOptimisationFunction>(); }

}  // namespace dynfault::mutate
