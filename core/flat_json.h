#pragma once
// The top-level members of a JSON object, read into a short list (journal records, status.jsonl
// lines): replaying a million records through nlohmann's DOM would build and free a million
// std::map objects. The compact objects of scalars that dynfault itself writes take a fast path;
// any other text goes through nlohmann's parser, so what is accepted, and each member's value and
// type, is exactly what nlohmann gives (tests/core/test_flat_json.cpp). Field access gives
// json_fields.h's messages.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"

namespace dynfault {

class FlatJson {
 public:
  std::vector<std::pair<std::string, nlohmann::json>> members;

  // Parses `text` (reusing this object's storage); false if it is not a JSON object with members.
  bool parse(std::string_view text) {
    members.clear();
    if (scan(text)) return true;
    members.clear();
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (!j.is_object() || j.empty()) return false;
    for (auto& [k, v] : j.items()) members.emplace_back(k, std::move(v));
    return true;
  }
  // The member named `key`; of a key given twice, the last, as nlohmann's DOM keeps.
  const nlohmann::json* find(const char* key) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it)
      if (it->first == key) return &it->second;
    return nullptr;
  }

 private:
  // The fast path: a compact object of plain ASCII strings (no escapes), JSON numbers, true, false
  // and null. Anything else returns false and nlohmann's parser reads the text.
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
  // Out of range: false, and nlohmann's own handling decides.
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
    const char* first = t.data() + start;
    const char* last = t.data() + i;
    auto parsed = [&](auto v) {
      const auto r = std::from_chars(first, last, v);
      if (r.ec != std::errc() || r.ptr != last) return false;
      out = v;
      return true;
    };
    if (!integer) return parsed(double{});
    return *first == '-' ? parsed(int64_t{}) : parsed(uint64_t{});
  }
};

template <typename T>
T flat_field(const FlatJson& r, const char* key, const std::string& where) {
  return field_value<T>(r.find(key), key, where);
}

template <typename T>
T optional_flat_field(const FlatJson& r, const char* key, T fallback, const std::string& where) {
  return r.find(key) ? flat_field<T>(r, key, where) : fallback;
}

}  // namespace dynfault
