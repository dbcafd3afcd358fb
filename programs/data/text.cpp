// Tokenised text: pseudo-sentences through a re-implemented Keras Tokenizer.
#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "programs/data/recipe.h"

namespace dynfault::data {
namespace {

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

}  // namespace

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

}  // namespace dynfault::data
