// LCH: DeepCrime's change_loss_function. Values: the 13 losses of DEFault's
// fork and Deep4ge (mse, mae, mape, msle, squared_hinge, hinge,
// categorical_hinge, logcosh, huber, categorical_crossentropy,
// binary_crossentropy, kld, poisson), in dynfault's Keras spelling. Passed by
// name, as DeepCrime does, so from_logits is false; a value equal to the
// original loss (same name, from_logits false) is skipped.
#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

const std::vector<std::string> kLosses = {"mse",
                                          "mae",
                                          "mean_absolute_percentage_error",
                                          "mean_squared_logarithmic_error",
                                          "squared_hinge",
                                          "hinge",
                                          "categorical_hinge",
                                          "log_cosh",
                                          "huber",
                                          "categorical_crossentropy",
                                          "binary_crossentropy",
                                          "kl_divergence",
                                          "poisson"};

std::string describe(const LossSpec& l) { return l.name + (l.from_logits ? " (from_logits)" : ""); }

class ChangeLossFunction : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_loss_function", "LCH", FaultCategory::Loss, SearchKind::Exhaustive,
                                "loss of compile, by name",
                                "mse, mae, mean_absolute_percentage_error, mean_squared_logarithmic_error, "
                                "squared_hinge, hinge, categorical_hinge, log_cosh, huber, categorical_crossentropy, "
                                "binary_crossentropy, kl_divergence, poisson"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    for (const auto& l : kLosses)
      if (!(LossSpec{l, false} == spec.loss)) e.parameters.push_back({{"loss", l}});
    if (e.parameters.empty()) e.reason = "no catalogue loss differs from the original";
    return e;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"loss"});
    const LossSpec loss{p.text("loss", kLosses), false};
    if (loss == spec.loss)
      throw Error(where(spec), "loss is already " + loss.name + " (a mutant must differ from its original)");
    Applied a{{{"loss", loss.name}}, spec, ""};
    a.spec.loss = loss;
    a.change = "loss " + describe(spec.loss) + " -> " + describe(loss);
    return a;
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_loss_function) { return std::make_unique<ChangeLossFunction>(); }

}  // namespace dynfault::mutate
