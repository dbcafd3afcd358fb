// Transforms, applied in order. Fitted ones (standardize, minmax,
// divide_by_max) take their statistics from the training split ("fit":
// "train", like a scaler fitted on train) or from each split alone ("each").
#include <algorithm>
#include <cmath>

#include "core/seed.h"
#include "programs/data/recipe.h"
#include "programs/data/rng.h"

namespace dynfault::data {
namespace {

struct Stats {
  std::vector<double> a, b;  // per column (or one global entry)
};

}  // namespace

void apply_transforms(const Json& list, const Ctx& ctx, const std::string& field, std::vector<Block*> splits,
                      uint64_t seed) {
  if (list.is_null()) return;
  if (!list.is_array()) fail(ctx, field, "must be an array of transforms");
  for (size_t t = 0; t < list.size(); ++t) {
    const Json& tr = list[t];
    const std::string f = field + "[" + std::to_string(t) + "]";
    const std::string kind = kind_of(tr, ctx, f);
    if (kind == "divide" || kind == "affine" || kind == "sin") {
      double scale = 1, shift = 0;
      if (kind == "divide") {
        allow_keys(tr, {"by"}, ctx, f);
        const double by = number(tr, "by", ctx, f);
        if (by == 0) fail(ctx, f + ".by", "must not be 0");
        for (Block* b : splits)
          for (auto& e : b->v) e /= by;
        continue;
      }
      if (kind == "sin") {
        allow_keys(tr, {}, ctx, f);
        for (Block* b : splits)
          for (auto& e : b->v) e = std::sin(e);
        continue;
      }
      allow_keys(tr, {"scale", "shift"}, ctx, f);
      scale = number_or(tr, "scale", 1.0, ctx, f);
      shift = number_or(tr, "shift", 0.0, ctx, f);
      for (Block* b : splits)
        for (auto& e : b->v) e = e * scale + shift;
    } else if (kind == "add_noise") {
      allow_keys(tr, {"mean", "std", "power"}, ctx, f);
      const double mean = number_or(tr, "mean", 0.0, ctx, f), sd = number(tr, "std", ctx, f);
      const int64_t power = integer_or(tr, "power", 1, ctx, f);
      if (power < 1) fail(ctx, f + ".power", "must be a positive integer");
      for (size_t s = 0; s < splits.size(); ++s) {
        Rng rng(derive_seed(seed, std::to_string(t) + "/" + std::to_string(s)));
        for (auto& e : splits[s]->v) e += std::pow(mean + sd * rng.normal(), static_cast<double>(power));
      }
    } else if (kind == "standardize" || kind == "minmax" || kind == "divide_by_max") {
      allow_keys(tr, {"per", "fit", "min", "max"}, ctx, f);
      const std::string per = text_or(tr, "per", "column", ctx, f);
      const std::string fit = text_or(tr, "fit", "train", ctx, f);
      if (per != "column" && per != "global") fail(ctx, f + ".per", "must be \"column\" or \"global\"");
      if (fit != "train" && fit != "each") fail(ctx, f + ".fit", "must be \"train\" or \"each\"");
      const double lo = number_or(tr, "min", 0.0, ctx, f), hi = number_or(tr, "max", 1.0, ctx, f);
      auto fit_stats = [&](const Block& b) {
        const int64_t cols = per == "column" ? b.row_size() : 1;
        const int64_t count = static_cast<int64_t>(b.v.size()) / cols;
        Stats st;
        st.a.assign(cols, 0.0);
        st.b.assign(cols, 0.0);
        if (count == 0) return st;
        for (int64_t c = 0; c < cols; ++c) {
          auto at = [&](int64_t k) { return per == "column" ? b.v[k * cols + c] : b.v[k]; };
          if (kind == "standardize") {  // mean and population std, as numpy / StandardScaler
            double m = 0;
            for (int64_t k = 0; k < count; ++k) m += at(k);
            m /= static_cast<double>(count);
            double var = 0;
            for (int64_t k = 0; k < count; ++k) var += (at(k) - m) * (at(k) - m);
            var /= static_cast<double>(count);
            st.a[c] = m;
            st.b[c] = var > 0 ? std::sqrt(var) : 1.0;  // StandardScaler leaves constant columns unscaled
          } else {
            double mn = at(0), mx = at(0);
            for (int64_t k = 1; k < count; ++k) mn = std::min(mn, at(k)), mx = std::max(mx, at(k));
            st.a[c] = mn;
            st.b[c] = mx;
          }
        }
        return st;
      };
      auto apply = [&](Block& b, const Stats& st) {
        const int64_t cols = per == "column" ? b.row_size() : 1;
        if (static_cast<int64_t>(st.a.size()) != cols) fail(ctx, f, "splits have different row shapes");
        for (size_t k = 0; k < b.v.size(); ++k) {
          const size_t c = per == "column" ? k % cols : 0;
          double& e = b.v[k];
          if (kind == "standardize") {
            e = (e - st.a[c]) / st.b[c];
          } else if (kind == "minmax") {  // MinMaxScaler: constant columns map to min
            const double range = st.b[c] - st.a[c];
            e = lo + (hi - lo) * (range > 0 ? (e - st.a[c]) / range : 0.0);
          } else {
            if (st.b[c] == 0) fail(ctx, f, "column maximum is 0");
            e /= st.b[c];
          }
        }
      };
      if (fit == "train") {
        const Stats st = fit_stats(*splits[0]);
        for (Block* b : splits) apply(*b, st);
      } else {
        for (Block* b : splits) apply(*b, fit_stats(*b));
      }
    } else {
      fail(ctx, f + ".kind",
           "unknown transform '" + kind +
               "' (known: divide, affine, sin, add_noise, standardize, minmax, divide_by_max)");
    }
  }
}

}  // namespace dynfault::data
