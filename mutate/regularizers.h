#pragma once
// Shared by the three weight-regularisation operators: DeepCrime's regulariser
// names and the Keras 2.15 default factors they stand for (0.01 per term, the
// defaults of keras.regularizers.l1(), l2() and l1_l2()).
#include <string>
#include <vector>

#include "core/program_spec.h"

namespace dynfault::mutate {

inline const std::vector<std::string>& regularizer_names() {
  static const std::vector<std::string> v = {"l1", "l2", "l1_l2"};
  return v;
}

inline Json regularizer_config(const std::string& name) {
  if (name == "l1") return {{"l1", 0.01}};
  if (name == "l2") return {{"l2", 0.01}};
  return {{"l1", 0.01}, {"l2", 0.01}};
}

inline std::string describe_regularizer(const Json& r) {
  if (!r.is_object()) return "none";
  std::string s;
  for (auto it = r.begin(); it != r.end(); ++it) s += (s.empty() ? "" : "+") + it.key() + "(" + it.value().dump() + ")";
  return s.empty() ? "none" : s;
}

}  // namespace dynfault::mutate
