#pragma once
// Deterministic synthetic data for the program zoo. Every seed program trains on
// generated data (random tensors, simple laws, sklearn-style generators, tiny
// hard-coded arrays); the spec's "data" object is a declarative recipe for it
// (docs/program-spec.md#data). One recipe family per file of programs/data/;
// all draw from one bit-stable generator (rng.h), so the same spec and seed
// give the same floats on every platform and standard library.
#include <cstdint>
#include <vector>

#include "core/domain.h"
#include "core/program_spec.h"

namespace dynfault {

// Row-major; dim 0 = samples.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;

  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  int64_t row_size() const;  // product of shape[1:] (1 for a vector)
  bool operator==(const Tensor& o) const { return shape == o.shape && values == o.values; }
};

// x: inputs shaped [n, input_shape...]. y: targets shaped [n, ...]: class
// indices (floats holding integers) for sparse targets, one-hot / multi-hot /
// regression values otherwise. Token ids are floats holding integers.
struct DataSplit {
  Tensor x, y;
  bool operator==(const DataSplit& o) const { return x == o.x && y == o.y; }
};

struct ProgramData {
  DataSplit train, val;
  bool operator==(const ProgramData& o) const { return train == o.train && val == o.val; }
};

// The spec with a scale applied (caps_for(scale)):
//   - data.n_train / data.n_val capped to max_train / max_val;
//   - input_shape[sequence_axis] capped to max_sequence, when sequence_axis >= 0,
//     and what must follow it: a RepeatVector whose n equals the original
//     length, a Reshape whose target_shape[sequence_axis] equals it (also
//     inside TimeDistributed), and the window lookback of a windowed recipe
//     (lookback = new length x sampling). Token lengths, per-step target
//     shapes ("sequence" in a recipe shape) and sum thresholds given per
//     element follow input_shape by construction;
//   - epochs capped to max_epochs.
// Full returns the spec unchanged.
ProgramSpec apply_scale(const ProgramSpec& spec, Scale scale);

// Data exactly as the spec's recipe says, from one seed. Throws dynfault::Error
// naming spec.source and the recipe field for unknown kinds or bad fields, and
// when x does not match input_shape or y's shape is inconsistent.
ProgramData generate_data(const ProgramSpec& scaled_spec, uint64_t seed);

}  // namespace dynfault
