#include <algorithm>

#include "core/seed.h"
#include "programs/data/recipe.h"

namespace dynfault::data {

// Windowed recipes: one series, x = `lookback` past rows (every `sampling`-th),
// y = the next `horizon` rows of the target features, for every anchor row a
// in [lookback, series_length - horizon - drop_last].
std::pair<Block, Block> make_windows(const Json& data, const Ctx& ctx, uint64_t seed) {
  const Json& w = data["windows"];
  const std::string f = "data.windows";
  if (!w.is_object()) fail(ctx, f, "must be an object");
  allow_keys(w, {"series_length", "features", "lookback", "horizon", "sampling", "target_features", "drop_last"}, ctx,
             f);
  const int64_t length = integer(w, "series_length", ctx, f);
  const int64_t features = integer_or(w, "features", ctx.input_shape.back(), ctx, f);
  const int64_t lookback = integer(w, "lookback", ctx, f);
  const int64_t horizon = integer_or(w, "horizon", 1, ctx, f);
  const int64_t sampling = integer_or(w, "sampling", 1, ctx, f);
  const int64_t drop_last = integer_or(w, "drop_last", 0, ctx, f);
  if (length < 1 || features < 1 || lookback < 1 || horizon < 1 || sampling < 1 || drop_last < 0)
    fail(ctx, f, "series_length, features, lookback, horizon, sampling must be positive (drop_last >= 0)");
  std::vector<int64_t> targets;
  if (w.contains("target_features")) {
    if (!w["target_features"].is_array() || w["target_features"].empty())
      fail(ctx, f + ".target_features", "must be a non-empty array of feature indices");
    for (const auto& t : w["target_features"]) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= features)
        fail(ctx, f + ".target_features", "entries must be feature indices below " + std::to_string(features));
      targets.push_back(t.get<int64_t>());
    }
  } else {
    targets = range_rows(0, features);
  }
  const int64_t steps = (lookback + sampling - 1) / sampling;
  if (std::vector<int64_t>{steps, features} != ctx.input_shape)
    fail(ctx, f, "windows have shape " + shape_text({steps, features}) + ", input_shape is " +
                     shape_text(ctx.input_shape));
  GenArgs a{length, 0, {features}, derive_seed(seed, "data/series/x")};
  Generated series = generate(need(data, "x", ctx, "data"), ctx, "data.x", a);
  apply_transforms(data.value("x_transforms", Json()), ctx, "data.x_transforms", {&series.x},
                   derive_seed(seed, "data/series/x_transforms"));
  const int64_t last_anchor = length - horizon - drop_last;
  const int64_t count = std::max<int64_t>(0, last_anchor - lookback + 1);
  Block x = make_block(count, {steps, features});
  Block y = make_block(count, {horizon * static_cast<int64_t>(targets.size())});
  for (int64_t k = 0; k < count; ++k) {
    const int64_t anchor = lookback + k;
    for (int64_t s = 0; s < steps; ++s)
      for (int64_t c = 0; c < features; ++c)
        x.v[(k * steps + s) * features + c] = series.x.v[(anchor - lookback + s * sampling) * features + c];
    for (int64_t h = 0; h < horizon; ++h)
      for (size_t t = 0; t < targets.size(); ++t)
        y.v[k * y.row_size() + h * static_cast<int64_t>(targets.size()) + static_cast<int64_t>(t)] =
            series.x.v[(anchor + h) * features + targets[t]];
  }
  return {x, y};
}

}  // namespace dynfault::data
