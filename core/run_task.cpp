#include "core/run_task.h"

#include <cstdio>

#include "core/error.h"
#include "core/json_fields.h"
#include "core/seed.h"

namespace dynfault {

bool RunTask::operator==(const RunTask& o) const {
  return static_cast<const RunIdentity&>(*this) == o && spec == o.spec && expected_cost == o.expected_cost;
}

std::string make_task_id(const std::string& program, const std::string& mutant_id, int64_t repeat) {
  auto safe = [](const std::string& s) {
    std::string out = s;
    for (char& c : out) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '=' || c == '+' || c == '-';
      if (!ok) c = '-';
    }
    return out;
  };
  char rep[32];
  std::snprintf(rep, sizeof rep, "r%03lld", static_cast<long long>(repeat));
  if (mutant_id.empty()) return safe(program) + ".orig." + rep;
  // Mutant ids of the mutate library already start with "<program>-".
  if (mutant_id.rfind(program + "-", 0) == 0) return safe(mutant_id) + "." + rep;
  return safe(program) + "." + safe(mutant_id) + "." + rep;
}

uint64_t task_seed(uint64_t campaign_seed, const std::string& task_id) {
  return derive_seed(campaign_seed, "task/" + task_id);
}

nlohmann::json to_json(const RunTask& t, bool with_spec) {
  nlohmann::json j = {
      {"id", t.run_id},
      {"program", t.program},
      {"architecture", to_string(t.architecture)},
      {"mutant_id", t.mutant_id},
      {"operator", t.operator_name},
      {"category", category_text(t.category)},
      {"parameters", t.parameters},
      {"repeat", t.repeat},
      // 64-bit seeds do not survive JSON readers that use doubles: keep them as text.
      {"seed", std::to_string(t.seed)},
      {"probes", to_string(t.probes)},
      {"scale", to_string(t.scale)},
      {"expected_cost", t.expected_cost},
  };
  if (!t.of_compat.empty()) j["of_compat"] = t.of_compat;  // only when set: plans keep their bytes
  if (t.hvp_vectors != kDefaultHvpVectors) j["hvp_vectors"] = t.hvp_vectors;  // likewise
  if (t.probe_batch != kDefaultProbeBatch) j["probe_batch"] = t.probe_batch;
  if (!t.recurrent.empty()) j["recurrent"] = t.recurrent;
  if (with_spec) j["spec"] = t.spec;
  return j;
}

RunTask task_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where, "task is not a JSON object");
  auto text = [&](const char* key, bool must) -> std::string {
    return must ? field<std::string>(j, key, where) : optional_field<std::string>(j, key, "", where);
  };
  RunTask t;
  t.run_id = text("id", true);
  const std::string w = where + ": task " + t.run_id;
  t.program = text("program", true);
  t.architecture = parse_architecture(text("architecture", true), w);
  t.mutant_id = text("mutant_id", false);
  t.operator_name = text("operator", false);
  t.category = parse_optional_category(text("category", false), w);
  t.parameters = j.contains("parameters") ? text("parameters", true) : "{}";
  if (!required(j, "repeat", w).is_number_integer()) throw wrong_type(j["repeat"], "repeat", w);
  t.repeat = j["repeat"].get<int64_t>();
  const std::string seed = text("seed", true);
  try {
    size_t used = 0;
    t.seed = std::stoull(seed, &used);
    if (used != seed.size()) throw std::invalid_argument(seed);
  } catch (const std::exception&) {
    throw Error(w, "'seed' is not an unsigned 64-bit integer: '" + seed + "'");
  }
  t.probes = parse_probes(text("probes", true), w);
  t.scale = parse_scale(text("scale", true), w);
  t.spec = text("spec", false);
  t.of_compat = parse_of_compat(text("of_compat", false), w + ": of_compat");
  t.hvp_vectors = optional_field(j, "hvp_vectors", kDefaultHvpVectors, w);
  t.probe_batch = optional_field(j, "probe_batch", kDefaultProbeBatch, w);
  t.recurrent = text("recurrent", false);
  check_run_settings(t.hvp_vectors, t.probe_batch, t.recurrent, w);
  // Strict: a boolean would convert to a number silently.
  if (j.contains("expected_cost") && !j["expected_cost"].is_number())
    throw wrong_type(j["expected_cost"], "expected_cost", w);
  t.expected_cost = optional_field(j, "expected_cost", t.expected_cost, w);
  return t;
}

std::string parse_of_compat(const std::string& text, const std::string& where) {
  if (!text.empty() && text != "v2") throw Error(where, "must be v2 (got '" + text + "')");
  return text;
}

}  // namespace dynfault
