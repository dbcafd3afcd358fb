#pragma once
// Field access on JSON objects read from our own files (specs, plans, journals, traces), so a
// missing or mistyped field is one line naming the file and the field:
//   "<where>: missing field '<key>'", "<where>: field '<key>' has the wrong type (<type>)".
// Conversions are nlohmann's (get<int> of 2.0 is 2); callers that must reject more check first.
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace dynfault {

inline Error wrong_type(const nlohmann::json& value, const char* key, const std::string& where) {
  return Error(where, std::string("field '") + key + "' has the wrong type (" + value.type_name() + ")");
}

inline const nlohmann::json& required(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw Error(where, std::string("missing field '") + key + "'");
  return j.at(key);
}

// The value `v` of field `key` (nullptr: absent) as T, with the messages above.
template <typename T>
T field_value(const nlohmann::json* v, const char* key, const std::string& where) {
  if (!v) throw Error(where, std::string("missing field '") + key + "'");
  try {
    return v->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw wrong_type(*v, key, where);
  }
}

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  return field_value<T>(&required(j, key, where), key, where);
}

// An absent field gives `fallback`; a present one must have the right type.
template <typename T>
T optional_field(const nlohmann::json& j, const char* key, T fallback, const std::string& where) {
  return j.contains(key) ? field<T>(j, key, where) : fallback;
}

}  // namespace dynfault
