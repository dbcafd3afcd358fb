#pragma once
// Shared by the recipe families of programs/data (not a public header): the
// row-major double blocks recipes compute in, field access that names the spec
// file and recipe field in every error, and each family's entry point.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/program_spec.h"

namespace dynfault::data {

// Row-major block of doubles; dim 0 = rows (samples, or time steps of a series).
struct Block {
  std::vector<int64_t> shape;
  std::vector<double> v;
  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  int64_t row_size() const {
    int64_t n = 1;
    for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
    return n;
  }
};

int64_t product(const std::vector<int64_t>& s);
std::vector<int64_t> with_rows(int64_t n, const std::vector<int64_t>& row_shape);
Block make_block(int64_t n, const std::vector<int64_t>& row_shape);
Block take_rows(const Block& b, const std::vector<int64_t>& rows);
std::vector<int64_t> range_rows(int64_t begin, int64_t end);
std::string shape_text(const std::vector<int64_t>& s);

// Recipe context and field access. Every error names the spec file and the
// recipe field ("data.x.low", "data.y_transforms[1].by", ...).
struct Ctx {
  std::string where;
  std::vector<int64_t> input_shape;
  int64_t sequence_length = -1;  // input_shape[sequence_axis], -1 without one
  int64_t n_train = 0, n_val = 0;
};

Ctx make_ctx(const ProgramSpec& spec);

[[noreturn]] void fail(const Ctx& ctx, const std::string& field, const std::string& problem);
const Json& need(const Json& j, const char* key, const Ctx& ctx, const std::string& field);
// Fails on keys other than "kind" and `keys`.
void allow_keys(const Json& j, std::initializer_list<const char*> keys, const Ctx& ctx, const std::string& field);
double number(const Json& j, const char* key, const Ctx& ctx, const std::string& field);
double number_or(const Json& j, const char* key, double fallback, const Ctx& ctx, const std::string& field);
int64_t integer(const Json& j, const char* key, const Ctx& ctx, const std::string& field);
int64_t integer_or(const Json& j, const char* key, int64_t fallback, const Ctx& ctx, const std::string& field);
std::string text_or(const Json& j, const char* key, const std::string& fallback, const Ctx& ctx,
                    const std::string& field);
bool flag_or(const Json& j, const char* key, bool fallback, const Ctx& ctx, const std::string& field);
std::string kind_of(const Json& j, const Ctx& ctx, const std::string& field);
// Shape entries are positive integers or "sequence" (the input's sequence length).
std::vector<int64_t> shape_or(const Json& j, const char* key, const std::vector<int64_t>& fallback, const Ctx& ctx,
                              const std::string& field);

// Generators: n rows of row_shape. Some also emit a latent class per row
// (per_class, sklearn-style generators) that the class_of_x rule turns into labels.
struct Generated {
  Block x;
  Block latent;  // [n, L] or empty
};

struct GenArgs {
  int64_t n = 0;
  int64_t first_index = 0;  // global index of row 0 (val continues after train)
  std::vector<int64_t> row_shape;
  uint64_t seed = 0;
};

// One entry point per recipe family (docs/program-spec.md#data).
// tensors.cpp: every x generator by kind; dispatches to the families below.
Generated generate(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a);
// arrays.cpp: hard-coded arrays ("inline").
Block inline_rows(const Json& g, const Ctx& ctx, const std::string& field, int64_t n, std::vector<int64_t> row_shape);
std::vector<int64_t> nested_shape(const Json& j);
// sklearn.cpp: sklearn.datasets generators.
Generated make_classification(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a);
Generated make_multilabel(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a);
// text.cpp: tokenised text.
Block text_tokens(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a);
// targets.cpp: y from the raw x.
Block make_targets(const Json& y, const Ctx& ctx, const std::string& field, const Generated& x, int64_t first_index,
                   uint64_t seed);
// transforms.cpp: x_transforms / y_transforms, in order, over the splits.
void apply_transforms(const Json& list, const Ctx& ctx, const std::string& field, std::vector<Block*> splits,
                      uint64_t seed);
// windows.cpp: windowed recipes (x = past rows of one series, y = the next rows).
std::pair<Block, Block> make_windows(const Json& data, const Ctx& ctx, uint64_t seed);

}  // namespace dynfault::data
