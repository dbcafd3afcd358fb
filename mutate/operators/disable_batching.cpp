// HDB: DeepCrime's disable_batching: batch_size = len(x_train) (full batch).
// Applies when the original's batch does not already cover every training sample.
#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

class DisableBatching : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"disable_batching", "HDB", FaultCategory::Hyperparameter, SearchKind::Single,
                                "batch_size = number of training samples (one batch per epoch)",
                                "none (batch_size = data.n_train, as DeepCrime's len(x_train))"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    const std::string why = reason(spec);
    if (why.empty()) e.parameters.push_back(Json::object());
    else e.reason = why;
    return e;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({});
    if (const std::string why = reason(spec); !why.empty()) throw Error(where(spec), why);
    Applied a{Json::object(), spec, ""};
    a.spec.batch_size = static_cast<int>(*training_samples(spec));
    a.change = "batch_size " + std::to_string(spec.batch_size) + " -> " + std::to_string(a.spec.batch_size) +
               " (full batch)";
    return a;
  }

 private:
  static std::string reason(const ProgramSpec& spec) {
    const auto n = training_samples(spec);
    if (!n) return "the data recipe gives no n_train";
    if (spec.batch_size >= *n)
      return "batch_size " + std::to_string(spec.batch_size) + " already covers all " + std::to_string(*n) +
             " training samples";
    return "";
  }
};

}  // namespace

DYNFAULT_OPERATOR(disable_batching) { return std::make_unique<DisableBatching>(); }

}  // namespace dynfault::mutate
