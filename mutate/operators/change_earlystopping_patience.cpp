// RCP: DeepCrime's change_earlystopping_patience, binary search over
// [1, patience): extreme 1, precision 1, integer settings (DeepCrime's own
// properties lack precision and rounding for RCP; these are the values of its
// other integer searches). None of the 60 seeds uses early stopping, so it
// applies only to specs that set early_stopping_patience.
#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

class ChangeEarlystoppingPatience : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_earlystopping_patience", "RCP", FaultCategory::Regularization,
                                SearchKind::Binary, "EarlyStopping patience, lower than the original",
                                "binary search in [1, patience): extreme 1, precision 1"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    const std::string why = reason(spec);
    if (why.empty()) e.parameters.push_back({{"patience", 1}});
    else e.reason = why;
    return e;
  }

  std::optional<SearchSpace> search_space(const ProgramSpec& spec) const override {
    if (!reason(spec).empty()) return std::nullopt;
    SearchSpace s;
    s.operator_name = info().name;
    s.parameter = "patience";
    s.original = spec.early_stopping_patience;
    s.extreme = 1;
    s.precision = 1;
    s.decimals = 0;
    return s;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"patience"});
    if (const std::string why = reason(spec); !why.empty()) throw Error(where(spec), "does not apply: " + why);
    const int64_t patience = p.integer("patience", 1, spec.early_stopping_patience - 1);
    Applied a{{{"patience", patience}}, spec, ""};
    a.spec.early_stopping_patience = static_cast<int>(patience);
    a.change = "early_stopping_patience " + std::to_string(spec.early_stopping_patience) + " -> " +
               std::to_string(patience);
    return a;
  }

 private:
  static std::string reason(const ProgramSpec& spec) {
    if (spec.early_stopping_patience < 0) return "the program uses no early stopping";
    if (spec.early_stopping_patience <= 1)
      return "early-stopping patience is already " + std::to_string(spec.early_stopping_patience);
    return "";
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_earlystopping_patience) { return std::make_unique<ChangeEarlystoppingPatience>(); }

}  // namespace dynfault::mutate
