// Hard-coded arrays: rows copied from the spec ("inline" generators and targets).
#include <algorithm>

#include "programs/data/recipe.h"

namespace dynfault::data {
namespace {

void flatten_json(const Json& j, std::vector<double>& out, const Ctx& ctx, const std::string& field) {
  if (j.is_number()) out.push_back(j.get<double>());
  else if (j.is_array())
    for (const auto& e : j) flatten_json(e, out, ctx, field);
  else
    fail(ctx, field, "values must be numbers or nested arrays of numbers");
}

}  // namespace

std::vector<int64_t> nested_shape(const Json& j) {
  std::vector<int64_t> s;
  const Json* cur = &j;
  while (cur->is_array() && !cur->empty()) {
    s.push_back(static_cast<int64_t>(cur->size()));
    cur = &(*cur)[0];
  }
  return s;
}

// Rows of an inline array: the first n rows, each flattened.
Block inline_rows(const Json& g, const Ctx& ctx, const std::string& field, int64_t n, std::vector<int64_t> row_shape) {
  const Json& values = need(g, "values", ctx, field);
  if (!values.is_array() || values.empty()) fail(ctx, field + ".values", "must be a non-empty array of rows");
  if (static_cast<int64_t>(values.size()) < n)
    fail(ctx, field + ".values", "has " + std::to_string(values.size()) + " rows, " + std::to_string(n) + " needed");
  Block b = make_block(n, row_shape);
  const int64_t rs = b.row_size();
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> row;
    flatten_json(values[i], row, ctx, field + ".values");
    if (static_cast<int64_t>(row.size()) != rs)
      fail(ctx, field + ".values", "row " + std::to_string(i) + " has " + std::to_string(row.size()) +
                                      " values, expected " + std::to_string(rs) + " (row shape " +
                                      shape_text(row_shape) + ")");
    std::copy(row.begin(), row.end(), b.v.begin() + i * rs);
  }
  return b;
}

}  // namespace dynfault::data
