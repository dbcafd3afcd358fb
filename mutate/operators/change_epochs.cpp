// HNE: DeepCrime's change_epochs, binary search over [1, original epochs):
// extreme 1 epoch; precision max(1, round(epochs / 10)) (DeepCrime: 50 -> 1 with
// precision 5, 12 -> 1 and 5 -> 1 with precision 1); integer settings.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

class ChangeEpochs : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_epochs", "HNE", FaultCategory::Hyperparameter, SearchKind::Binary,
                                "epochs of fit, fewer than the original",
                                "binary search in [1, epochs): extreme 1, precision max(1, round(epochs/10))"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    if (spec.epochs <= 1) e.reason = "the program trains for 1 epoch: there are no fewer";
    else e.parameters.push_back({{"epochs", 1}});
    return e;
  }

  std::optional<SearchSpace> search_space(const ProgramSpec& spec) const override {
    if (spec.epochs <= 1) return std::nullopt;
    SearchSpace s;
    s.operator_name = info().name;
    s.parameter = "epochs";
    s.original = spec.epochs;
    s.extreme = 1;
    s.precision = std::max(1.0, std::nearbyint(spec.epochs / 10.0));
    s.decimals = 0;
    return s;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"epochs"});
    if (spec.epochs <= 1) throw Error(where(spec), "does not apply: the program trains for 1 epoch");
    const int64_t epochs = p.integer("epochs", 1, spec.epochs - 1);
    Applied a{{{"epochs", epochs}}, spec, ""};
    a.spec.epochs = static_cast<int>(epochs);
    a.change = "epochs " + std::to_string(spec.epochs) + " -> " + std::to_string(epochs);
    return a;
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_epochs) { return std::make_unique<ChangeEpochs>(); }

}  // namespace dynfault::mutate
