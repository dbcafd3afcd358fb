#include "core/dataset.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "core/seed.h"

// The recipe vocabulary is documented in docs/program-spec.md#data. Pipeline:
//   non-windowed: x generator -> y rule (on raw x) -> split -> x/y transforms -> shuffle_train
//   windowed:     x generator makes one series -> x transforms (on the series) ->
//                 windows (x = past, y = future) -> split -> y transforms -> shuffle_train
// Values are computed in double and rounded to float once, at the end.

namespace dynfault {

int64_t Tensor::row_size() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

namespace {

// ---------------------------------------------------------------------------
// Bit-stable randomness: mt19937_64 is fully specified by the standard; the
// transforms below replace the implementation-defined std distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // [low, high), unbiased (rejects the 2^64 mod range lowest draws).
  int64_t integer(int64_t low, int64_t high) {
    const uint64_t range = static_cast<uint64_t>(high - low);
    const uint64_t reject_below = (0 - range) % range;
    uint64_t x;
    do x = engine_();
    while (x < reject_below);
    return low + static_cast<int64_t>(x % range);
  }

  // Standard normal, Marsaglia's polar method (pairs; the spare is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

  // Knuth's multiplication method; fine for the small means recipes use.
  int64_t poisson(double lambda) {
    const double limit = std::exp(-lambda);
    int64_t k = 0;
    double p = 1.0;
    do {
      ++k;
      p *= uniform();
    } while (p > limit);
    return k - 1;
  }

  // Fisher-Yates.
  std::vector<int64_t> permutation(int64_t n) {
    std::vector<int64_t> p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) p[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[integer(0, i + 1)]);
    return p;
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

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

// ---------------------------------------------------------------------------
// Recipe context and field access. Every error names the spec file and the
// recipe field ("data.x.low", "data.y_transforms[1].by", ...).
struct Ctx {
  std::string where;
  std::vector<int64_t> input_shape;
  int64_t sequence_length = -1;  // input_shape[sequence_axis], -1 without one
  int64_t n_train = 0, n_val = 0;
};

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

// ---------------------------------------------------------------------------
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

Generated generate(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a);

void flatten_json(const Json& j, std::vector<double>& out, const Ctx& ctx, const std::string& field) {
  if (j.is_number()) out.push_back(j.get<double>());
  else if (j.is_array())
    for (const auto& e : j) flatten_json(e, out, ctx, field);
  else
    fail(ctx, field, "values must be numbers or nested arrays of numbers");
}

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

// --- Keras Tokenizer + pad_sequences, re-implemented (keras.preprocessing.text).
struct Tokenizer {
  std::string filters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";
  bool lower = true;
  int64_t num_words = -1;
  std::string oov;  // empty: no OOV token
  std::unordered_map<std::string, int64_t> index;

  std::vector<std::string> words(std::string text) const {
    if (lower)
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    for (char& c : text)
      if (filters.find(c) != std::string::npos) c = ' ';
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

  void fit(const std::vector<std::string>& texts) {
    std::vector<std::pair<std::string, int64_t>> counts;  // insertion order, as Keras' OrderedDict
    std::unordered_map<std::string, size_t> pos;
    for (const auto& t : texts)
      for (const auto& w : words(t)) {
        auto it = pos.find(w);
        if (it == pos.end()) {
          pos.emplace(w, counts.size());
          counts.emplace_back(w, 1);
        } else {
          ++counts[it->second].second;
        }
      }
    std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    index.clear();
    int64_t next = 1;
    if (!oov.empty()) index[oov] = next++;
    for (const auto& [w, c] : counts)
      if (!index.count(w)) index[w] = next++;
  }

  std::vector<int64_t> sequence(const std::string& text) const {
    std::vector<int64_t> out;
    const int64_t oov_id = oov.empty() ? -1 : index.at(oov);
    for (const auto& w : words(text)) {
      auto it = index.find(w);
      if (it != index.end()) {
        if (num_words > 0 && it->second >= num_words) {
          if (oov_id > 0) out.push_back(oov_id);
        } else {
          out.push_back(it->second);
        }
      } else if (oov_id > 0) {
        out.push_back(oov_id);
      }
    }
    return out;
  }
};

std::vector<int64_t> pad(std::vector<int64_t> seq, int64_t maxlen, bool pad_post, bool truncate_post) {
  if (static_cast<int64_t>(seq.size()) > maxlen) {
    if (truncate_post) seq.resize(maxlen);
    else seq.erase(seq.begin(), seq.end() - maxlen);
  }
  std::vector<int64_t> out(static_cast<size_t>(maxlen), 0);
  const int64_t offset = pad_post ? 0 : maxlen - static_cast<int64_t>(seq.size());
  std::copy(seq.begin(), seq.end(), out.begin() + offset);
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

Block text_tokens(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a) {
  allow_keys(g, {"texts", "template", "num_words", "oov_token", "fit", "padding", "truncating", "filters", "lower"},
             ctx, field);
  if (a.row_shape.empty()) fail(ctx, field, "needs a row shape (sentences x tokens)");
  const int64_t maxlen = a.row_shape.back();
  const int64_t per_sample = product(a.row_shape) / maxlen;  // sentences per sample
  const bool has_texts = g.contains("texts"), has_template = g.contains("template");
  if (has_texts == has_template) fail(ctx, field, "needs exactly one of 'texts' or 'template'");
  std::vector<std::string> texts;
  std::string tmpl;
  if (has_texts) {
    if (!g["texts"].is_array() || g["texts"].empty()) fail(ctx, field + ".texts", "must be a non-empty array");
    for (const auto& t : g["texts"]) {
      if (!t.is_string()) fail(ctx, field + ".texts", "must hold strings");
      texts.push_back(t.get<std::string>());
    }
  } else {
    tmpl = text_or(g, "template", "", ctx, field);
  }
  // Sentence k of the sample with global index i.
  auto sentence = [&](int64_t i, int64_t k) -> std::string {
    if (has_texts) return texts[static_cast<size_t>((i * per_sample + k) % static_cast<int64_t>(texts.size()))];
    return replace_all(replace_all(tmpl, "{i}", std::to_string(i)), "{k}", std::to_string(k));
  };
  Tokenizer tok;
  tok.num_words = integer_or(g, "num_words", -1, ctx, field);
  tok.oov = text_or(g, "oov_token", "", ctx, field);
  tok.filters = text_or(g, "filters", tok.filters, ctx, field);
  tok.lower = flag_or(g, "lower", true, ctx, field);
  const std::string fit = text_or(g, "fit", "split", ctx, field);
  int64_t fit_begin = a.first_index, fit_end = a.first_index + a.n;
  if (fit == "all") fit_begin = 0, fit_end = ctx.n_train + ctx.n_val;
  else if (fit != "split") fail(ctx, field + ".fit", "must be \"split\" or \"all\", not '" + fit + "'");
  std::vector<std::string> corpus;
  for (int64_t i = fit_begin; i < fit_end; ++i)
    for (int64_t k = 0; k < per_sample; ++k) corpus.push_back(sentence(i, k));
  tok.fit(corpus);
  auto side = [&](const char* key) {
    const std::string s = text_or(g, key, "pre", ctx, field);
    if (s != "pre" && s != "post") fail(ctx, field + "." + key, "must be \"pre\" or \"post\"");
    return s == "post";
  };
  const bool pad_post = side("padding"), truncate_post = side("truncating");
  Block b = make_block(a.n, a.row_shape);
  for (int64_t i = 0; i < a.n; ++i)
    for (int64_t k = 0; k < per_sample; ++k) {
      const auto ids = pad(tok.sequence(sentence(a.first_index + i, k)), maxlen, pad_post, truncate_post);
      for (int64_t t = 0; t < maxlen; ++t) b.v[(i * per_sample + k) * maxlen + t] = static_cast<double>(ids[t]);
    }
  return b;
}

// --- sklearn.datasets.make_classification, same algorithm on our RNG.
Generated make_classification(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a) {
  allow_keys(g, {"n_informative", "n_redundant", "n_classes", "n_clusters_per_class", "class_sep", "flip_y", "shuffle"},
             ctx, field);
  const int64_t n_features = product(a.row_shape);
  const int64_t n_inf = integer_or(g, "n_informative", 2, ctx, field);
  const int64_t n_red = integer_or(g, "n_redundant", 2, ctx, field);
  const int64_t n_classes = integer_or(g, "n_classes", 2, ctx, field);
  const int64_t per_class = integer_or(g, "n_clusters_per_class", 2, ctx, field);
  const double sep = number_or(g, "class_sep", 1.0, ctx, field);
  const double flip_y = number_or(g, "flip_y", 0.01, ctx, field);
  const bool shuffle = flag_or(g, "shuffle", true, ctx, field);
  if (n_inf < 1 || n_red < 0 || n_inf + n_red > n_features)
    fail(ctx, field, "n_informative + n_redundant must be within the " + std::to_string(n_features) + " features");
  if (n_classes < 2 || per_class < 1) fail(ctx, field, "needs n_classes >= 2 and n_clusters_per_class >= 1");
  const int64_t n_clusters = n_classes * per_class;
  if (n_inf >= 62 || n_clusters > (int64_t{1} << n_inf))
    fail(ctx, field, "n_classes * n_clusters_per_class must be <= 2^n_informative");
  Rng rng(a.seed);
  const int64_t n = a.n;
  // Cluster sizes: equal shares, remainder to the first clusters.
  std::vector<int64_t> sizes(n_clusters, n / n_clusters);
  for (int64_t i = 0; i < n - (n / n_clusters) * n_clusters; ++i) ++sizes[i % n_clusters];
  // Distinct hypercube vertices (+-class_sep) as centroids.
  std::vector<int64_t> vertices = rng.permutation(int64_t{1} << n_inf);
  Block x = make_block(n, {n_features});
  Block y = make_block(n, {1});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t f = 0; f < n_inf; ++f) x.v[i * n_features + f] = rng.normal();
  int64_t start = 0;
  for (int64_t k = 0; k < n_clusters; ++k) {
    std::vector<double> A(n_inf * n_inf);
    for (auto& e : A) e = 2.0 * rng.uniform() - 1.0;
    for (int64_t i = start; i < start + sizes[k]; ++i) {
      y.v[i] = static_cast<double>(k % n_classes);
      std::vector<double> row(x.v.begin() + i * n_features, x.v.begin() + i * n_features + n_inf);
      for (int64_t c = 0; c < n_inf; ++c) {
        double s = 0;
        for (int64_t r = 0; r < n_inf; ++r) s += row[r] * A[r * n_inf + c];
        const double centroid = ((vertices[k] >> c) & 1) ? sep : -sep;
        x.v[i * n_features + c] = s + centroid;
      }
    }
    start += sizes[k];
  }
  if (n_red > 0) {
    std::vector<double> B(n_inf * n_red);
    for (auto& e : B) e = 2.0 * rng.uniform() - 1.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < n_red; ++c) {
        double s = 0;
        for (int64_t r = 0; r < n_inf; ++r) s += x.v[i * n_features + r] * B[r * n_red + c];
        x.v[i * n_features + n_inf + c] = s;
      }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t f = n_inf + n_red; f < n_features; ++f) x.v[i * n_features + f] = rng.normal();
  for (int64_t i = 0; i < n; ++i)
    if (rng.uniform() < flip_y) y.v[i] = static_cast<double>(rng.integer(0, n_classes));
  if (shuffle) {
    const auto rows = rng.permutation(n);
    x = take_rows(x, rows);
    y = take_rows(y, rows);
    const auto cols = rng.permutation(n_features);
    Block shuffled = x;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t f = 0; f < n_features; ++f) shuffled.v[i * n_features + f] = x.v[i * n_features + cols[f]];
    x = std::move(shuffled);
  }
  x.shape = with_rows(n, a.row_shape);
  return {x, y};
}

// --- sklearn.datasets.make_multilabel_classification (dense indicator), same
// algorithm on our RNG: rows are word counts of a document drawn from the
// label-conditional word distributions.
Generated make_multilabel(const Json& g, const Ctx& ctx, const std::string& field, const GenArgs& a) {
  allow_keys(g, {"n_classes", "n_labels", "length", "allow_unlabeled"}, ctx, field);
  const int64_t n_features = product(a.row_shape);
  const int64_t n_classes = integer_or(g, "n_classes", 5, ctx, field);
  const double n_labels = number_or(g, "n_labels", 2, ctx, field);
  const double length = number_or(g, "length", 50, ctx, field);
  const bool allow_unlabeled = flag_or(g, "allow_unlabeled", true, ctx, field);
  if (n_classes < 1) fail(ctx, field + ".n_classes", "must be >= 1");
  if (!(length > 0) || length > 500) fail(ctx, field + ".length", "must be in (0, 500]");
  Rng rng(a.seed);
  std::vector<double> cum_p_c(n_classes);
  for (auto& p : cum_p_c) p = rng.uniform();
  double total = 0;
  for (auto& p : cum_p_c) total += p, p = total;
  for (auto& p : cum_p_c) p /= total;
  std::vector<double> p_w_c(n_features * n_classes);  // [feature][class], columns sum to 1
  for (auto& p : p_w_c) p = rng.uniform();
  for (int64_t c = 0; c < n_classes; ++c) {
    double s = 0;
    for (int64_t f = 0; f < n_features; ++f) s += p_w_c[f * n_classes + c];
    for (int64_t f = 0; f < n_features; ++f) p_w_c[f * n_classes + c] /= s;
  }
  auto search = [](const std::vector<double>& cum, double u) {
    return static_cast<int64_t>(std::lower_bound(cum.begin(), cum.end(), u) - cum.begin());
  };
  Block x = make_block(a.n, a.row_shape);
  Block y = make_block(a.n, {n_classes});
  for (int64_t i = 0; i < a.n; ++i) {
    int64_t y_size = n_classes + 1;
    while ((!allow_unlabeled && y_size == 0) || y_size > n_classes) y_size = rng.poisson(n_labels);
    std::set<int64_t> labels;
    while (static_cast<int64_t>(labels.size()) != y_size) {
      const int64_t draws = y_size - static_cast<int64_t>(labels.size());
      for (int64_t d = 0; d < draws; ++d) labels.insert(std::min(search(cum_p_c, rng.uniform()), n_classes - 1));
    }
    int64_t n_words = 0;
    while (n_words == 0) n_words = rng.poisson(length);
    if (labels.empty()) {
      for (int64_t w = 0; w < n_words; ++w) x.v[i * n_features + rng.integer(0, n_features)] += 1;
    } else {
      std::vector<double> cum(n_features);
      double s = 0;
      for (int64_t f = 0; f < n_features; ++f) {
        for (int64_t c : labels) s += p_w_c[f * n_classes + c];
        cum[f] = s;
      }
      for (auto& c : cum) c /= s;
      for (int64_t w = 0; w < n_words; ++w)
        x.v[i * n_features + std::min(search(cum, rng.uniform()), n_features - 1)] += 1;
    }
    for (int64_t c : labels) y.v[i * n_classes + c] = 1;
  }
  return {x, y};
}

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

// ---------------------------------------------------------------------------
// Target rules: y from the raw x (and the generator's latent classes).
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

// ---------------------------------------------------------------------------
// Transforms, applied in order. Fitted ones (standardize, minmax,
// divide_by_max) take their statistics from the training split ("fit":
// "train", like a scaler fitted on train) or from each split alone ("each").
struct Stats {
  std::vector<double> a, b;  // per column (or one global entry)
};

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

// ---------------------------------------------------------------------------
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

Ctx make_ctx(const ProgramSpec& spec) {
  Ctx ctx;
  ctx.where = spec.source.empty() ? "program " + spec.id : spec.source;
  ctx.input_shape = spec.input_shape;
  if (spec.sequence_axis >= 0 && spec.sequence_axis < static_cast<int>(spec.input_shape.size()))
    ctx.sequence_length = spec.input_shape[spec.sequence_axis];
  return ctx;
}

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

}  // namespace

ProgramSpec apply_scale(const ProgramSpec& spec, Scale scale) {
  if (scale == Scale::Full) return spec;
  const ScaleCaps caps = caps_for(scale);
  ProgramSpec out = spec;
  const Ctx ctx = make_ctx(spec);
  auto cap = [&](const char* key, long limit) {
    if (limit < 0 || !out.data.contains(key)) return;
    if (!out.data[key].is_number_integer()) fail(ctx, std::string("data.") + key, "must be an integer");
    out.data[key] = std::min<int64_t>(out.data[key].get<int64_t>(), limit);
  };
  cap("n_train", caps.max_train);
  cap("n_val", caps.max_val);
  if (caps.max_sequence > 0 && spec.sequence_axis >= 0 &&
      spec.sequence_axis < static_cast<int>(spec.input_shape.size()) &&
      spec.input_shape[spec.sequence_axis] > caps.max_sequence) {
    const int64_t old_len = spec.input_shape[spec.sequence_axis];
    const int64_t new_len = caps.max_sequence;
    out.input_shape[spec.sequence_axis] = new_len;
    std::function<void(Json&, const std::string&)> follow = [&](Json& cfg, const std::string& type) {
      if (type == "RepeatVector" && cfg.value("n", Json()) == Json(old_len)) cfg["n"] = new_len;
      if (type == "Reshape" && cfg.contains("target_shape") && cfg["target_shape"].is_array() &&
          static_cast<int>(cfg["target_shape"].size()) > spec.sequence_axis &&
          cfg["target_shape"][spec.sequence_axis] == Json(old_len))
        cfg["target_shape"][spec.sequence_axis] = new_len;
      if ((type == "TimeDistributed" || type == "Bidirectional") && cfg.contains("layer") && cfg["layer"].is_object()) {
        Json inner = cfg["layer"];
        const std::string inner_type = inner.value("type", "");
        follow(inner, inner_type);
        cfg["layer"] = inner;
      }
    };
    for (auto& layer : out.layers) follow(layer.config, layer.type);
    if (out.data.contains("windows") && out.data["windows"].is_object()) {
      Json& w = out.data["windows"];
      const int64_t sampling = w.value("sampling", int64_t{1});
      w["lookback"] = new_len * sampling;
    }
  }
  if (caps.max_epochs > 0) out.epochs = std::min(out.epochs, caps.max_epochs);
  return out;
}

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
