#include "programs/data/program_data.h"

#include <cmath>
#include <set>

#include "core/seed.h"
#include "programs/data/recipe.h"
#include "programs/data/rng.h"

// The recipe vocabulary is documented in docs/program-spec.md#data. Pipeline:
//   non-windowed: x generator -> y rule (on raw x) -> split -> x/y transforms -> shuffle_train
//   windowed:     x generator makes one series -> x transforms (on the series) ->
//                 windows (x = past, y = future) -> split -> y transforms -> shuffle_train
// Values are computed in double and rounded to float once, at the end.

namespace dynfault {

using namespace data;

int64_t Tensor::row_size() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

namespace {

struct SplitRule {
  std::string kind = "independent";  // independent | shuffle | head | same
  int64_t gap = 0;                   // head: rows skipped between train and val
};

SplitRule parse_split(const Json& data, const Ctx& ctx) {
  SplitRule r;
  if (!data.contains("split")) return r;
  const Json& s = data["split"];
  if (s.is_string()) {
    r.kind = s.get<std::string>();
  } else {
    r.kind = kind_of(s, ctx, "data.split");
    allow_keys(s, {"gap"}, ctx, "data.split");
    r.gap = integer_or(s, "gap", 0, ctx, "data.split");
  }
  if (r.kind != "independent" && r.kind != "shuffle" && r.kind != "head" && r.kind != "same")
    fail(ctx, "data.split", "unknown split '" + r.kind + "' (known: independent, shuffle, head, same)");
  if (r.gap < 0 || (r.gap > 0 && r.kind != "head")) fail(ctx, "data.split.gap", "is a non-negative row count for head splits");
  if (r.kind == "same" && ctx.n_val > ctx.n_train) fail(ctx, "data.n_val", "a 'same' split needs n_val <= n_train");
  return r;
}

// Rows of a pool that go to train and val.
std::pair<std::vector<int64_t>, std::vector<int64_t>> split_rows(const SplitRule& r, int64_t pool, const Ctx& ctx,
                                                                 uint64_t seed) {
  const int64_t need_rows = r.kind == "same" ? ctx.n_train : ctx.n_train + r.gap + ctx.n_val;
  if (pool < need_rows)
    fail(ctx, "data", "the recipe yields " + std::to_string(pool) + " samples, the split needs " +
                          std::to_string(need_rows));
  std::vector<int64_t> order = r.kind == "shuffle" ? Rng(derive_seed(seed, "data/split")).permutation(pool)
                                                   : range_rows(0, pool);
  std::vector<int64_t> train(order.begin(), order.begin() + ctx.n_train);
  std::vector<int64_t> val;
  if (r.kind == "same") val.assign(order.begin(), order.begin() + ctx.n_val);
  else val.assign(order.begin() + ctx.n_train + r.gap, order.begin() + ctx.n_train + r.gap + ctx.n_val);
  return {train, val};
}

Tensor to_tensor(const Block& b) {
  Tensor t;
  t.shape = b.shape;
  t.values.resize(b.v.size());
  for (size_t i = 0; i < b.v.size(); ++i) t.values[i] = static_cast<float>(b.v[i]);
  return t;
}

void check_finite(const Block& b, const Ctx& ctx, const std::string& what) {
  for (double e : b.v)
    if (!std::isfinite(e)) fail(ctx, "data", what + " holds a non-finite value");
}

}  // namespace

ProgramData generate_data(const ProgramSpec& spec, uint64_t seed) {
  Ctx ctx = make_ctx(spec);
  const Json& data = spec.data;
  if (!data.is_object()) fail(ctx, "data", "must be an object");
  for (auto it = data.begin(); it != data.end(); ++it) {
    static const std::set<std::string> known = {"n_train", "n_val", "x", "y", "val", "x_transforms", "y_transforms",
                                                "windows", "split", "shuffle_train", "note"};
    if (!known.count(it.key())) fail(ctx, "data", "unknown field '" + it.key() + "'");
  }
  ctx.n_train = integer(data, "n_train", ctx, "data");
  ctx.n_val = integer(data, "n_val", ctx, "data");
  if (ctx.n_train < 1 || ctx.n_val < 1) fail(ctx, "data", "n_train and n_val must be positive");
  const SplitRule split = parse_split(data, ctx);
  const bool windowed = data.contains("windows");
  const Json y_rule = data.value("y", Json());
  const bool identity_y = y_rule.is_object() && y_rule.value("kind", "") == "identity";
  if (windowed && !y_rule.is_null()) fail(ctx, "data.y", "windowed recipes take their targets from the windows");
  if (!windowed && y_rule.is_null()) fail(ctx, "data", "missing field 'y'");
  if (identity_y) allow_keys(y_rule, {}, ctx, "data.y");
  if (data.contains("val") && (split.kind != "independent" || windowed))
    fail(ctx, "data.val", "per-split overrides need an independent split");

  Block x_train, y_train, x_val, y_val;
  if (windowed) {
    if (split.kind == "independent") fail(ctx, "data.split", "windowed recipes need a shuffle, head or same split");
    auto [x, y] = make_windows(data, ctx, seed);
    auto [train_rows, val_rows] = split_rows(split, x.rows(), ctx, seed);
    x_train = take_rows(x, train_rows), y_train = take_rows(y, train_rows);
    x_val = take_rows(x, val_rows), y_val = take_rows(y, val_rows);
  } else {
    const Json& x_gen = need(data, "x", ctx, "data");
    auto targets = [&](const Json& rule, const std::string& field, const Generated& g, int64_t first, uint64_t s) {
      return identity_y ? Block{} : make_targets(rule, ctx, field, g, first, s);
    };
    if (split.kind == "independent") {
      const Json val = data.value("val", Json::object());
      if (!val.is_object()) fail(ctx, "data.val", "must be an object of overrides ({\"x\": ..., \"y\": ...})");
      allow_keys(val, {"x", "y"}, ctx, "data.val");
      if (val.contains("kind")) fail(ctx, "data.val", "unknown field 'kind'");
      const Json& vx = val.contains("x") ? val["x"] : x_gen;
      const Json& vy = val.contains("y") ? val["y"] : y_rule;
      const std::string vxf = val.contains("x") ? "data.val.x" : "data.x";
      const std::string vyf = val.contains("y") ? "data.val.y" : "data.y";
      const Generated gt = generate(x_gen, ctx, "data.x", {ctx.n_train, 0, ctx.input_shape, derive_seed(seed, "data/train/x")});
      const Generated gv = generate(vx, ctx, vxf, {ctx.n_val, ctx.n_train, ctx.input_shape, derive_seed(seed, "data/val/x")});
      y_train = targets(y_rule, "data.y", gt, 0, derive_seed(seed, "data/train/y"));
      y_val = targets(vy, vyf, gv, ctx.n_train, derive_seed(seed, "data/val/y"));
      x_train = gt.x, x_val = gv.x;
    } else {
      const int64_t pool = split.kind == "same" ? ctx.n_train : ctx.n_train + split.gap + ctx.n_val;
      const Generated g = generate(x_gen, ctx, "data.x", {pool, 0, ctx.input_shape, derive_seed(seed, "data/pool/x")});
      const Block y = targets(y_rule, "data.y", g, 0, derive_seed(seed, "data/pool/y"));
      auto [train_rows, val_rows] = split_rows(split, pool, ctx, seed);
      x_train = take_rows(g.x, train_rows), x_val = take_rows(g.x, val_rows);
      if (!identity_y) y_train = take_rows(y, train_rows), y_val = take_rows(y, val_rows);
    }
    apply_transforms(data.value("x_transforms", Json()), ctx, "data.x_transforms", {&x_train, &x_val},
                     derive_seed(seed, "data/x_transforms"));
  }
  if (identity_y) y_train = x_train, y_val = x_val;  // autoencoder: targets are the final inputs
  apply_transforms(data.value("y_transforms", Json()), ctx, "data.y_transforms", {&y_train, &y_val},
                   derive_seed(seed, "data/y_transforms"));
  if (flag_or(data, "shuffle_train", false, ctx, "data")) {
    const auto order = Rng(derive_seed(seed, "data/train/order")).permutation(x_train.rows());
    x_train = take_rows(x_train, order), y_train = take_rows(y_train, order);
  }

  // Shapes: x rows are input_shape; y has one row per sample and the same row shape in both splits.
  const auto expect_x = [&](const Block& b, int64_t n, const char* split_name) {
    if (b.shape != with_rows(n, ctx.input_shape))
      fail(ctx, "data.x", std::string(split_name) + " inputs have shape " + shape_text(b.shape) + ", expected " +
                              shape_text(with_rows(n, ctx.input_shape)) + " (n x input_shape)");
  };
  expect_x(x_train, ctx.n_train, "train");
  expect_x(x_val, ctx.n_val, "val");
  if (y_train.rows() != ctx.n_train || y_val.rows() != ctx.n_val)
    fail(ctx, "data.y", "targets have " + std::to_string(y_train.rows()) + "/" + std::to_string(y_val.rows()) +
                            " rows for " + std::to_string(ctx.n_train) + "/" + std::to_string(ctx.n_val) + " samples");
  if (std::vector<int64_t>(y_train.shape.begin() + 1, y_train.shape.end()) !=
      std::vector<int64_t>(y_val.shape.begin() + 1, y_val.shape.end()))
    fail(ctx, "data.y", "train targets have shape " + shape_text(y_train.shape) + " but val targets " +
                            shape_text(y_val.shape));
  check_finite(x_train, ctx, "train x");
  check_finite(x_val, ctx, "val x");
  check_finite(y_train, ctx, "train y");
  check_finite(y_val, ctx, "val y");
  return {{to_tensor(x_train), to_tensor(y_train)}, {to_tensor(x_val), to_tensor(y_val)}};
}

}  // namespace dynfault
