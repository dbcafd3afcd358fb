// OCG: DeepCrime's change_gradient_clip: overwrites the clipping keyword(s) the
// optimizer already has (clipvalue, clipnorm, global_clipnorm) with 0.5, the
// DeepCrime/DEFault value. Among the 60 seeds only 70217712 clips (clipvalue 1.5).
#include <cmath>

#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

const std::vector<std::string> kClipKeys = {"clipvalue", "clipnorm", "global_clipnorm"};
constexpr double kClip = 0.5;

std::vector<std::string> clip_keys(const ProgramSpec& spec) {
  std::vector<std::string> keys;
  for (const auto& k : kClipKeys)
    if (spec.optimizer.params.contains(k) && spec.optimizer.params[k].is_number()) keys.push_back(k);
  return keys;
}

bool changes(const ProgramSpec& spec, double value) {
  for (const auto& k : clip_keys(spec))
    if (spec.optimizer.params[k].get<double>() != value) return true;
  return false;
}

class ChangeGradientClip : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_gradient_clip", "OCG", FaultCategory::Optimization, SearchKind::Single,
                                "the optimizer's existing clipvalue/clipnorm", "0.5 (DeepCrime/DEFault)"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    if (clip_keys(spec).empty())
      e.reason = "the optimizer has no clipvalue/clipnorm to change";
    else if (!changes(spec, kClip))
      e.reason = "its gradient clip is already 0.5";
    else
      e.parameters.push_back({{"value", kClip}});
    return e;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"value"});
    const double v = p.number("value");
    if (!(v > 0 && std::isfinite(v)))
      throw Error(where(spec), "parameter 'value' = " + format_number(v) + " must be a positive number");
    const auto keys = clip_keys(spec);
    if (keys.empty()) throw Error(where(spec), "does not apply: the optimizer has no clipvalue/clipnorm to change");
    if (!changes(spec, v))
      throw Error(where(spec), "the gradient clip is already " + format_number(v) + " (a mutant must differ from its original)");
    Applied a{{{"value", v}}, spec, ""};
    for (const auto& k : keys) {
      a.change += (a.change.empty() ? "" : "; ") + k + " " + spec.optimizer.params[k].dump() + " -> " + format_number(v);
      a.spec.optimizer.params[k] = v;
    }
    return a;
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_gradient_clip) { return std::make_unique<ChangeGradientClip>(); }

}  // namespace dynfault::mutate
