// Random tensors, ranges and per-class blocks; the x generators' dispatch by kind.
#include <algorithm>
#include <cmath>

#include "core/seed.h"
#include "programs/data/recipe.h"
#include "programs/data/rng.h"

namespace dynfault::data {

Generated generate(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a) {
  const std::string kind = kind_of(g, ctx, field);
  const int64_t rs = product(a.row_shape);
  Generated out;
  if (kind == "uniform" || kind == "normal" || kind == "randint" || kind == "constant") {
    out.x = make_block(a.n, a.row_shape);
    Rng rng(a.seed);
    if (kind == "uniform") {
      allow_keys(g, {"low", "high", "shape"}, ctx, field);
      const double lo = number_or(g, "low", 0.0, ctx, field), hi = number_or(g, "high", 1.0, ctx, field);
      if (!(hi > lo)) fail(ctx, field, "needs high > low");
      for (auto& e : out.x.v) e = lo + (hi - lo) * rng.uniform();
    } else if (kind == "normal") {
      allow_keys(g, {"mean", "std", "shape"}, ctx, field);
      const double mean = number_or(g, "mean", 0.0, ctx, field), sd = number_or(g, "std", 1.0, ctx, field);
      if (!(sd >= 0)) fail(ctx, field + ".std", "must be >= 0");
      for (auto& e : out.x.v) e = mean + sd * rng.normal();
    } else if (kind == "randint") {
      allow_keys(g, {"low", "high", "shape"}, ctx, field);
      const int64_t lo = integer_or(g, "low", 0, ctx, field), hi = integer(g, "high", ctx, field);
      if (hi <= lo) fail(ctx, field, "needs high > low (high is exclusive)");
      for (auto& e : out.x.v) e = static_cast<double>(rng.integer(lo, hi));
    } else {
      allow_keys(g, {"value", "shape"}, ctx, field);
      const double value = number(g, "value", ctx, field);
      for (auto& e : out.x.v) e = value;
    }
  } else if (kind == "linspace") {
    allow_keys(g, {"start", "stop"}, ctx, field);
    if (rs != 1) fail(ctx, field, "makes one value per row, but rows have shape " + shape_text(a.row_shape));
    const double start = number(g, "start", ctx, field), stop = number(g, "stop", ctx, field);
    out.x = make_block(a.n, a.row_shape);
    const double step = a.n > 1 ? (stop - start) / static_cast<double>(a.n - 1) : 0.0;
    for (int64_t i = 0; i < a.n; ++i) out.x.v[i] = (a.n > 1 && i == a.n - 1) ? stop : start + i * step;
  } else if (kind == "arange") {
    allow_keys(g, {"start", "stop", "step"}, ctx, field);
    if (rs != 1) fail(ctx, field, "makes one value per row, but rows have shape " + shape_text(a.row_shape));
    const double start = number(g, "start", ctx, field), stop = number(g, "stop", ctx, field);
    double step = number(g, "step", ctx, field);
    if (!(step > 0) || !(stop > start)) fail(ctx, field, "needs step > 0 and stop > start");
    const auto count = static_cast<int64_t>(std::ceil((stop - start) / step));
    if (a.n > count) fail(ctx, field, "yields " + std::to_string(count) + " values, " + std::to_string(a.n) + " needed");
    // Fewer rows than the range holds (a scaled run): widen the step so the rows still span it.
    if (a.n < count) step = (stop - start) / static_cast<double>(a.n);
    out.x = make_block(a.n, a.row_shape);
    for (int64_t i = 0; i < a.n; ++i) out.x.v[i] = start + i * step;
  } else if (kind == "inline") {
    allow_keys(g, {"values"}, ctx, field);
    out.x = inline_rows(g, ctx, field, a.n, a.row_shape);
  } else if (kind == "per_class") {
    allow_keys(g, {"classes", "order"}, ctx, field);
    const Json& classes = need(g, "classes", ctx, field);
    if (!classes.is_array() || classes.size() < 2) fail(ctx, field + ".classes", "must list at least two generators");
    const auto n_classes = static_cast<int64_t>(classes.size());
    const std::string order = text_or(g, "order", "blocks", ctx, field);
    if (order != "blocks" && order != "alternate")
      fail(ctx, field + ".order", "must be \"blocks\" or \"alternate\", not '" + order + "'");
    // Class of row i: contiguous equal blocks, or round robin.
    std::vector<int64_t> cls(a.n);
    for (int64_t i = 0; i < a.n; ++i) cls[i] = order == "blocks" ? i * n_classes / a.n : i % n_classes;
    out.x = make_block(a.n, a.row_shape);
    out.latent = make_block(a.n, {1});
    for (int64_t c = 0; c < n_classes; ++c) {
      std::vector<int64_t> rows;
      for (int64_t i = 0; i < a.n; ++i)
        if (cls[i] == c) rows.push_back(i);
      GenArgs sub = a;
      sub.n = static_cast<int64_t>(rows.size());
      sub.seed = derive_seed(a.seed, "class" + std::to_string(c));
      const std::string sub_field = field + ".classes[" + std::to_string(c) + "]";
      const Generated part = generate(classes[c], ctx, sub_field, sub);
      if (!part.latent.v.empty()) fail(ctx, sub_field, "must be a plain generator");
      for (size_t r = 0; r < rows.size(); ++r) {
        std::copy_n(part.x.v.begin() + static_cast<int64_t>(r) * rs, rs, out.x.v.begin() + rows[r] * rs);
        out.latent.v[rows[r]] = static_cast<double>(c);
      }
    }
  } else if (kind == "make_classification") {
    out = make_classification(g, ctx, field, a);
  } else if (kind == "make_multilabel_classification") {
    out = make_multilabel(g, ctx, field, a);
  } else if (kind == "text_tokens") {
    out.x = text_tokens(g, ctx, field, a);
  } else {
    fail(ctx, field + ".kind",
         "unknown generator '" + kind +
             "' (known: uniform, normal, randint, constant, linspace, arange, inline, per_class, "
             "make_classification, make_multilabel_classification, text_tokens)");
  }
  return out;
}

}  // namespace dynfault::data
