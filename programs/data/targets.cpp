// Target rules: y from the raw x (and the generator's latent classes).
#include <algorithm>
#include <cmath>

#include "programs/data/recipe.h"
#include "programs/data/rng.h"

namespace dynfault::data {
namespace {

bool is_generator_kind(const std::string& k) {
  return k == "uniform" || k == "normal" || k == "randint" || k == "constant";
}

// Class indices [n, shape...] -> as-is, through a label map, or one-hot.
Block class_targets(const std::vector<int64_t>& classes, int64_t n, const std::vector<int64_t>& shape, const Json& y,
                    const Ctx& ctx, const std::string& field) {
  const int64_t per_row = product(shape);
  if (static_cast<int64_t>(classes.size()) != n * per_row)
    fail(ctx, field + ".shape", "holds " + std::to_string(per_row) + " labels per sample, the rule makes " +
                                    std::to_string(classes.size() / std::max<int64_t>(n, 1)));
  std::vector<double> labels;
  if (y.contains("labels")) {
    if (!y["labels"].is_array()) fail(ctx, field + ".labels", "must be an array (class -> label value)");
    for (const auto& l : y["labels"]) {
      if (!l.is_number()) fail(ctx, field + ".labels", "must hold numbers");
      labels.push_back(l.get<double>());
    }
  }
  const int64_t one_hot = integer_or(y, "one_hot", 0, ctx, field);
  if (one_hot < 0 || (one_hot > 0 && !labels.empty())) fail(ctx, field, "'one_hot' takes a class count, without 'labels'");
  for (int64_t c : classes) {
    if (!labels.empty() && (c < 0 || c >= static_cast<int64_t>(labels.size())))
      fail(ctx, field + ".labels", "has no entry for class " + std::to_string(c));
    if (one_hot > 0 && (c < 0 || c >= one_hot))
      fail(ctx, field + ".one_hot", "class " + std::to_string(c) + " is outside " + std::to_string(one_hot) + " classes");
  }
  std::vector<int64_t> row_shape = shape;
  if (one_hot > 0) row_shape.push_back(one_hot);
  Block b = make_block(n, row_shape);
  for (size_t i = 0; i < classes.size(); ++i) {
    if (one_hot > 0) b.v[i * one_hot + classes[i]] = 1.0;
    else b.v[i] = labels.empty() ? static_cast<double>(classes[i]) : labels[classes[i]];
  }
  return b;
}

}  // namespace

Block make_targets(const Json& y, const Ctx& ctx, const std::string& field, const Generated& x, int64_t first_index,
                   uint64_t seed) {
  const std::string kind = kind_of(y, ctx, field);
  const int64_t n = x.x.rows(), rs = x.x.row_size();
  auto element = [&](int64_t i, int64_t f) { return x.x.v[i * rs + f]; };
  if (is_generator_kind(kind)) {
    if (!y.contains("shape")) fail(ctx, field, "missing field 'shape' (the target row shape)");
    GenArgs a{n, first_index, shape_or(y, "shape", {}, ctx, field), seed};
    return generate(y, ctx, field, a).x;
  }
  if (kind == "random_classes") {
    allow_keys(y, {"classes", "shape", "one_hot", "labels"}, ctx, field);
    const int64_t k = integer(y, "classes", ctx, field);
    if (k < 2) fail(ctx, field + ".classes", "must be >= 2");
    const auto shape = shape_or(y, "shape", {}, ctx, field);
    Rng rng(seed);
    std::vector<int64_t> classes(static_cast<size_t>(n * product(shape)));
    for (auto& c : classes) c = rng.integer(0, k);
    return class_targets(classes, n, shape, y, ctx, field);
  }
  if (kind == "xor" || kind == "sign_product" || kind == "sum_threshold") {
    if (kind == "sum_threshold") allow_keys(y, {"threshold", "threshold_per_element", "shape", "one_hot", "labels"}, ctx, field);
    else allow_keys(y, {"shape", "one_hot", "labels"}, ctx, field);
    if (kind != "sum_threshold" && rs < 2) fail(ctx, field, kind + " needs at least two input features");
    double threshold = 0;
    if (kind == "sum_threshold") {
      if (y.contains("threshold") == y.contains("threshold_per_element"))
        fail(ctx, field, "needs exactly one of 'threshold' or 'threshold_per_element'");
      threshold = y.contains("threshold") ? number(y, "threshold", ctx, field)
                                          : number(y, "threshold_per_element", ctx, field) * static_cast<double>(rs);
    }
    std::vector<int64_t> classes(n);
    for (int64_t i = 0; i < n; ++i) {
      if (kind == "xor") {
        classes[i] = (std::llround(element(i, 0)) ^ std::llround(element(i, 1))) & 1;
      } else if (kind == "sign_product") {
        classes[i] = element(i, 0) * element(i, 1) > 0 ? 1 : 0;
      } else {
        double s = 0;
        for (int64_t f = 0; f < rs; ++f) s += element(i, f);
        classes[i] = s > threshold ? 1 : 0;
      }
    }
    return class_targets(classes, n, shape_or(y, "shape", {}, ctx, field), y, ctx, field);
  }
  if (kind == "class_of_x") {
    allow_keys(y, {"shape", "one_hot", "labels"}, ctx, field);
    if (x.latent.v.empty()) fail(ctx, field, "class_of_x needs a generator with classes (per_class, make_*)");
    if (x.latent.row_size() != 1) {  // multi-label indicator rows
      if (y.contains("one_hot") || y.contains("labels")) fail(ctx, field, "multi-label classes take no one_hot/labels");
      return x.latent;
    }
    std::vector<int64_t> classes(n);
    for (int64_t i = 0; i < n; ++i) classes[i] = std::llround(x.latent.v[i]);
    return class_targets(classes, n, shape_or(y, "shape", {}, ctx, field), y, ctx, field);
  }
  if (kind == "polynomial") {
    allow_keys(y, {"coefficients", "feature", "shape"}, ctx, field);
    const Json& c = need(y, "coefficients", ctx, field);
    if (!c.is_array() || c.empty()) fail(ctx, field + ".coefficients", "must be a non-empty array (c0, c1, ...)");
    std::vector<double> coef;
    for (const auto& e : c) {
      if (!e.is_number()) fail(ctx, field + ".coefficients", "must hold numbers");
      coef.push_back(e.get<double>());
    }
    const int64_t feature = integer_or(y, "feature", 0, ctx, field);
    if (feature < 0 || feature >= rs) fail(ctx, field + ".feature", "is outside the input row");
    const auto shape = shape_or(y, "shape", {1}, ctx, field);
    if (product(shape) != 1) fail(ctx, field + ".shape", "must hold one value");
    Block b = make_block(n, shape);
    for (int64_t i = 0; i < n; ++i) {
      double v = 0, p = 1;
      for (double ck : coef) v += ck * p, p *= element(i, feature);
      b.v[i] = v;
    }
    return b;
  }
  if (kind == "inline") {
    allow_keys(y, {"values", "shape"}, ctx, field);
    const Json& values = need(y, "values", ctx, field);
    const std::vector<int64_t> natural = values.is_array() && !values.empty() ? nested_shape(values[0]) : std::vector<int64_t>{};
    const auto shape = shape_or(y, "shape", natural, ctx, field);
    if (product(shape) != product(natural)) fail(ctx, field + ".shape", "does not match the rows of 'values'");
    return inline_rows(y, ctx, field, n, shape);
  }
  fail(ctx, field + ".kind",
       "unknown target rule '" + kind +
           "' (known: uniform, normal, randint, constant, random_classes, xor, sign_product, sum_threshold, "
           "class_of_x, polynomial, inline, identity)");
}

}  // namespace dynfault::data
