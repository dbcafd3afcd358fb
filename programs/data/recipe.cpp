#include "programs/data/recipe.h"

#include <algorithm>

#include "core/error.h"

namespace dynfault::data {

int64_t product(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::vector<int64_t> with_rows(int64_t n, const std::vector<int64_t>& row_shape) {
  std::vector<int64_t> s = {n};
  s.insert(s.end(), row_shape.begin(), row_shape.end());
  return s;
}

Block make_block(int64_t n, const std::vector<int64_t>& row_shape) {
  Block b;
  b.shape = with_rows(n, row_shape);
  b.v.assign(static_cast<size_t>(product(b.shape)), 0.0);
  return b;
}

Block take_rows(const Block& b, const std::vector<int64_t>& rows) {
  Block out;
  out.shape = b.shape;
  if (out.shape.empty()) return out;
  out.shape[0] = static_cast<int64_t>(rows.size());
  const int64_t rs = b.row_size();
  out.v.resize(rows.size() * rs);
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(b.v.begin() + rows[i] * rs, rs, out.v.begin() + static_cast<int64_t>(i) * rs);
  return out;
}

std::vector<int64_t> range_rows(int64_t begin, int64_t end) {
  std::vector<int64_t> r;
  for (int64_t i = begin; i < end; ++i) r.push_back(i);
  return r;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

[[noreturn]] void fail(const Ctx& ctx, const std::string& field, const std::string& problem) {
  throw Error(ctx.where, field + ": " + problem);
}

const Json& need(const Json& j, const char* key, const Ctx& ctx, const std::string& field) {
  if (!j.contains(key)) fail(ctx, field, std::string("missing field '") + key + "'");
  return j.at(key);
}

void allow_keys(const Json& j, std::initializer_list<const char*> keys, const Ctx& ctx, const std::string& field) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = it.key() == "kind";
    for (const char* k : keys) ok = ok || it.key() == k;
    if (!ok) fail(ctx, field, "unknown field '" + it.key() + "'");
  }
}

double number(const Json& j, const char* key, const Ctx& ctx, const std::string& field) {
  const Json& v = need(j, key, ctx, field);
  if (!v.is_number()) fail(ctx, field + "." + key, "must be a number");
  return v.get<double>();
}

double number_or(const Json& j, const char* key, double fallback, const Ctx& ctx, const std::string& field) {
  return j.contains(key) ? number(j, key, ctx, field) : fallback;
}

int64_t integer(const Json& j, const char* key, const Ctx& ctx, const std::string& field) {
  const Json& v = need(j, key, ctx, field);
  if (!v.is_number_integer()) fail(ctx, field + "." + key, "must be an integer");
  return v.get<int64_t>();
}

int64_t integer_or(const Json& j, const char* key, int64_t fallback, const Ctx& ctx, const std::string& field) {
  return j.contains(key) ? integer(j, key, ctx, field) : fallback;
}

std::string text_or(const Json& j, const char* key, const std::string& fallback, const Ctx& ctx,
                    const std::string& field) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) fail(ctx, field + "." + key, "must be a string");
  return j[key].get<std::string>();
}

bool flag_or(const Json& j, const char* key, bool fallback, const Ctx& ctx, const std::string& field) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_boolean()) fail(ctx, field + "." + key, "must be true or false");
  return j[key].get<bool>();
}

std::string kind_of(const Json& j, const Ctx& ctx, const std::string& field) {
  if (!j.is_object()) fail(ctx, field, "must be an object with a 'kind'");
  const Json& k = need(j, "kind", ctx, field);
  if (!k.is_string()) fail(ctx, field + ".kind", "must be a string");
  return k.get<std::string>();
}

// Shape entries are positive integers or "sequence" (the input's sequence length).
std::vector<int64_t> shape_or(const Json& j, const char* key, const std::vector<int64_t>& fallback, const Ctx& ctx,
                              const std::string& field) {
  if (!j.contains(key)) return fallback;
  const Json& s = j[key];
  if (!s.is_array()) fail(ctx, field + "." + key, "must be an array");
  std::vector<int64_t> out;
  for (const auto& d : s) {
    if (d.is_string() && d.get<std::string>() == "sequence") {
      if (ctx.sequence_length < 0) fail(ctx, field + "." + key, "uses \"sequence\" but the spec has no sequence_axis");
      out.push_back(ctx.sequence_length);
    } else if (d.is_number_integer() && d.get<int64_t>() > 0) {
      out.push_back(d.get<int64_t>());
    } else {
      fail(ctx, field + "." + key, "entries must be positive integers or \"sequence\"");
    }
  }
  return out;
}

Ctx make_ctx(const ProgramSpec& spec) {
  Ctx ctx;
  ctx.where = spec.source.empty() ? "program " + spec.id : spec.source;
  ctx.input_shape = spec.input_shape;
  if (spec.sequence_axis >= 0 && spec.sequence_axis < static_cast<int>(spec.input_shape.size()))
    ctx.sequence_length = spec.input_shape[spec.sequence_axis];
  return ctx;
}

}  // namespace dynfault::data
