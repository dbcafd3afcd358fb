// HBS: DeepCrime's change_batch_size. Values {16, 32, 128, 256}: DeepCrime's
// constants.py list, the one DEFault's fork (which produced the corpus) used.
// The catalogue keeps values below the number of training samples: a batch
// that covers every sample is the full batch, disable_batching's mutant (and
// equivalent to the original when the original is full-batch already).
// Explicit values only need a different effective batch than the original.
#include <algorithm>

#include "core/error.h"
#include "mutate/layer_edits.h"
#include "mutate/operator.h"

namespace dynfault::mutate {
namespace {

const std::vector<int64_t> kBatchSizes = {16, 32, 128, 256};

int64_t effective_batch(int64_t batch, const ProgramSpec& spec) {
  const auto n = training_samples(spec);
  return n ? std::min(batch, *n) : batch;
}

class ChangeBatchSize : public Operator {
 public:
  const OperatorInfo& info() const override {
    static const OperatorInfo i{"change_batch_size", "HBS", FaultCategory::Hyperparameter, SearchKind::Exhaustive,
                                "batch_size of fit", "16, 32, 128, 256 (DeepCrime/DEFault list)"};
    return i;
  }

  Enumeration enumerate(const ProgramSpec& spec) const override {
    Enumeration e;
    const auto n = training_samples(spec);
    for (int64_t b : kBatchSizes)
      if (b != spec.batch_size && (!n || b < *n)) e.parameters.push_back({{"batch_size", b}});
    if (e.parameters.empty())
      e.reason = "no catalogue batch size other than the original is below the " + std::to_string(n.value_or(0)) +
                 " training samples (full batch is disable_batching)";
    return e;
  }

  Applied apply(const ProgramSpec& spec, const Json& parameters) const override {
    const Params p(parameters, where(spec));
    p.expect_keys({"batch_size"});
    const int64_t b = p.integer("batch_size", 1, 1 << 20);
    if (effective_batch(b, spec) == effective_batch(spec.batch_size, spec))
      throw Error(where(spec), "batch_size " + std::to_string(b) + " gives the same effective batch as the original " +
                                   std::to_string(spec.batch_size) + " (a mutant must differ from its original)");
    Applied a{{{"batch_size", b}}, spec, ""};
    a.spec.batch_size = static_cast<int>(b);
    a.change = "batch_size " + std::to_string(spec.batch_size) + " -> " + std::to_string(b);
    return a;
  }
};

}  // namespace

DYNFAULT_OPERATOR(change_batch_size) { return std::make_unique<ChangeBatchSize>(); }

}  // namespace dynfault::mutate
