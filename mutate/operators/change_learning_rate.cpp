// HLR: DeepCrime's change_learning_rate, binary search downwards from the
// original lr0: extreme lr0/10 (DeepCrime's lower_lr for 4 of its 5 subjects),
// precision lr0/100 and that many decimals (for lr0 = 0.001: 1e-4, precision
// 1e-5, 5 decimals — exactly DeepCrime's Audio/MovieRecomm setting).
// Explicit parameters may go up as well (e.g. lr x100 to force a kill): any
// value in (0, 10] other than lr0.
#include <cmath>

#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

constexpr double kMaxLearningRate = 10.0;

class ChangeLearningRate : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_learning_rate", "HLR", FaultCategory::Hyperparameter, SearchKind::Binary,
                                "optimizer learning rate, searched downwards from the original",
                                "binary search in [lr/10, lr): extreme lr/10, precision lr/100"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    e.parameters.push_back(space(spec).parameters(space(spec).extreme));
    return e;
  }

  std::optional<SearchSpace> search_space(const ProgramSpec& spec) const override { return space(spec); }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"learning_rate"});
    const double lr = p.number("learning_rate");
    if (!(lr > 0 && lr <= kMaxLearningRate))
      throw Error(where(spec), "parameter 'learning_rate' = " + format_number(lr) + " is out of range (0, 10]");
    if (lr == spec.optimizer.learning_rate)
      throw Error(where(spec), "learning_rate is already " + format_number(lr) + " (a mutant must differ from its original)");
    Applied a{{{"learning_rate", lr}}, spec, ""};
    a.spec.optimizer.learning_rate = lr;
    a.change = "learning_rate " + format_number(spec.optimizer.learning_rate) + " -> " + format_number(lr);
    return a;
  }

 private:
  SearchSpace space(const ProgramSpec& spec) const {
    const double lr0 = spec.optimizer.learning_rate;
    SearchSpace s;
    s.operator_name = info().name;
    s.parameter = "learning_rate";
    s.original = lr0;
    s.decimals = static_cast<int>(std::ceil(-std::log10(lr0 / 100) - 1e-9));
    s.precision = s.round(lr0 / 100);
    s.extreme = s.round(lr0 / 10);
    return s;
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_learning_rate) { return std::make_unique<ChangeLearningRate>(); }

}  // namespace dynfault::mutate
