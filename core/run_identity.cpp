#include "core/run_identity.h"

#include "core/error.h"
#include "core/trace.h"

namespace dynfault {

bool RunIdentity::operator==(const RunIdentity& o) const {
  return run_id == o.run_id && program == o.program && architecture == o.architecture && mutant_id == o.mutant_id &&
         operator_name == o.operator_name && category == o.category && parameters == o.parameters &&
         repeat == o.repeat && seed == o.seed && probes == o.probes && scale == o.scale && of_compat == o.of_compat &&
         hvp_vectors == o.hvp_vectors && probe_batch == o.probe_batch && recurrent == o.recurrent;
}

std::string category_text(const std::optional<FaultCategory>& c) { return c ? to_string(*c) : ""; }

std::optional<FaultCategory> parse_optional_category(std::string_view text, const std::string& where) {
  if (text.empty()) return std::nullopt;
  return parse_category(text, where);
}

void set_identity(Trace& trace, const RunIdentity& identity) {
  trace.run_id = identity.run_id;
  trace.program = identity.program;
  trace.architecture = to_string(identity.architecture);
  trace.mutant_id = identity.mutant_id;
  trace.operator_name = identity.operator_name;
  trace.category = category_text(identity.category);
  trace.parameters = identity.parameters;
  trace.repeat = identity.repeat;
  trace.seed = identity.seed;
  trace.probes = to_string(identity.probes);
  trace.scale = to_string(identity.scale);
  trace.of_compat = identity.of_compat;
  trace.hvp_vectors = identity.hvp_vectors;
  trace.probe_batch = identity.probe_batch;
  trace.recurrent = identity.recurrent;
}

std::string parse_recurrent_option(const std::string& text, const std::string& where) {
  if (text == "fused") return "";
  if (text == "cell") return text;
  throw Error(where, "must be fused or cell, got '" + text + "'");
}

void check_run_settings(int64_t hvp_vectors, int64_t probe_batch, const std::string& recurrent, const std::string& where) {
  if (hvp_vectors < 1) throw Error(where, "hvp_vectors must be positive (got " + std::to_string(hvp_vectors) + ")");
  if (probe_batch < 1) throw Error(where, "probe_batch must be positive (got " + std::to_string(probe_batch) + ")");
  if (!recurrent.empty() && recurrent != "cell")
    throw Error(where, "recurrent must be cell or empty (got '" + recurrent + "')");
}

}  // namespace dynfault
