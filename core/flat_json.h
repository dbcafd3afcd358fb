#pragma once
// A JSON object whose members are all scalars (journal records, status.jsonl lines), read with a
// SAX handler into a short member list instead of a DOM object: replaying a million records would
// otherwise build and free a million std::map objects. A nested member, or anything but an object
// at the top, stops the parse with `nested` set, so a caller can fall back to a DOM for it.
// Field access gives json_fields.h's messages.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"

namespace dynfault {

class FlatJson : public nlohmann::json::json_sax_t {
 public:
  std::vector<std::pair<std::string, nlohmann::json>> members;
  bool nested = false;

  // Parses `text` (reusing this object's storage); false if it is not a flat JSON object.
  bool parse(std::string_view text) {
    clear();
    if (scan(text)) return true;
    clear();
    return nlohmann::json::sax_parse(text.begin(), text.end(), this) && depth_ == 0 && !members.empty();
  }
  // The member named `key`; of a key given twice, the last, as nlohmann's DOM keeps.
  const nlohmann::json* find(const char* key) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it)
      if (it->first == key) return &it->second;
    return nullptr;
  }
  void clear() {
    members.clear();
    depth_ = 0;
    nested = false;
  }

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override { return value(v); }
  bool number_unsigned(number_unsigned_t v) override { return value(v); }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override { return value(std::move(v)); }
  bool binary(binary_t&) override { return deeper(); }
  bool start_object(std::size_t) override { return depth_++ == 0 || deeper(); }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return deeper(); }
  bool end_array() override { return true; }
  bool key(string_t& k) override {
    members.emplace_back(std::move(k), nullptr);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  int depth_ = 0;

  // The fast path, for the text dynfault's own writers produce: a compact object of plain ASCII
  // strings (no escapes), JSON numbers, true, false and null. Anything else returns false and
  // nlohmann's parser reads the text, so what is accepted is exactly what it would accept.
  bool scan(std::string_view t) {
    size_t i = 0;
    auto space = [&] {
      while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
    };
    auto plain_string = [&](std::string_view& out) {
      if (i >= t.size() || t[i] != '"') return false;
      const size_t start = ++i;
      for (; i < t.size() && t[i] != '"'; ++i) {
        const unsigned char c = static_cast<unsigned char>(t[i]);
        if (c == '\\' || c < 0x20 || c >= 0x80) return false;  // escapes, control bytes, UTF-8: the full parser
      }
      if (i >= t.size()) return false;
      out = t.substr(start, i++ - start);
      return true;
    };
    space();
    if (i >= t.size() || t[i++] != '{') return false;
    space();
    if (i < t.size() && t[i] == '}') return false;  // {}: no members, the full parser says so
    for (;;) {
      std::string_view key;
      space();
      if (!plain_string(key)) return false;
      space();
      if (i >= t.size() || t[i++] != ':') return false;
      space();
      if (i >= t.size()) return false;
      nlohmann::json value;
      if (t[i] == '"') {
        std::string_view text;
        if (!plain_string(text)) return false;
        value = std::string(text);
      } else if (!scalar(t, i, value)) {
        return false;
      }
      members.emplace_back(std::string(key), std::move(value));
      space();
      if (i >= t.size()) return false;
      if (t[i] == ',') {
        ++i;
        continue;
      }
      if (t[i++] != '}') return false;
      space();
      return i == t.size();
    }
  }
  // A JSON number, true, false or null at t[i] (advancing i). Numbers take nlohmann's types:
  // integers without fraction or exponent as uint64, or int64 when negative; else double.
  static bool scalar(std::string_view t, size_t& i, nlohmann::json& out) {
    for (const char* word : {"true", "false", "null"}) {
      const std::string_view w(word);
      if (t.substr(i, w.size()) == w) {
        i += w.size();
        out = w == "null" ? nlohmann::json(nullptr) : nlohmann::json(w == "true");
        return true;
      }
    }
    const size_t start = i;
    auto digits = [&] {
      const size_t from = i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
      return i > from;
    };
    bool integer = true;
    if (i < t.size() && t[i] == '-') ++i;
    if (i < t.size() && t[i] == '0') ++i;
    else if (!digits()) return false;
    if (i < t.size() && t[i] == '.') {
      ++i;
      integer = false;
      if (!digits()) return false;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      ++i;
      integer = false;
      if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
      if (!digits()) return false;
    }
    const std::string token(t.substr(start, i - start));
    errno = 0;
    char* end = nullptr;
    if (integer && token[0] == '-') {
      const long long v = std::strtoll(token.c_str(), &end, 10);
      if (errno != 0) return false;
      out = static_cast<int64_t>(v);
    } else if (integer) {
      const unsigned long long v = std::strtoull(token.c_str(), &end, 10);
      if (errno != 0) return false;
      out = static_cast<uint64_t>(v);
    } else {
      const double v = std::strtod(token.c_str(), &end);
      if (errno != 0) return false;  // out of range: nlohmann's own handling decides
      out = v;
    }
    return true;
  }
  bool value(nlohmann::json v) {
    if (depth_ != 1 || members.empty()) return deeper();  // a top-level scalar is no object either
    members.back().second = std::move(v);
    return true;
  }
  bool deeper() {
    nested = true;
    return false;
  }
};

template <typename T>
T flat_field(const FlatJson& r, const char* key, const std::string& where) {
  const nlohmann::json* v = r.find(key);
  if (!v) throw Error(where, std::string("missing field '") + key + "'");
  try {
    return v->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw wrong_type(*v, key, where);
  }
}

template <typename T>
T optional_flat_field(const FlatJson& r, const char* key, T fallback, const std::string& where) {
  return r.find(key) ? flat_field<T>(r, key, where) : fallback;
}

}  // namespace dynfault
