#include "core/trace.h"

#include <cstring>

#include "core/error.h"

namespace dynfault {

std::string to_string(RunStatus s) {
  switch (s) {
    case RunStatus::Ok: return "ok";
    case RunStatus::Crashed: return "crashed";
    case RunStatus::Failed: return "failed";
    case RunStatus::Timeout: return "timeout";
  }
  return "?";
}

RunStatus parse_run_status(const std::string& text, const std::string& where) {
  if (text == "ok") return RunStatus::Ok;
  if (text == "crashed") return RunStatus::Crashed;
  if (text == "failed") return RunStatus::Failed;
  if (text == "timeout") return RunStatus::Timeout;
  throw Error(where, "unknown run status '" + text + "'");
}

namespace {
// Bitwise equality so NaN == NaN: traces are compared for reproducibility.
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}
// Values of every channel that is a function of the inputs: execution
// channels (sys_*: wall time, CPU, memory) legitimately differ between runs.
bool same_result_values(const Trace& a, const Trace& b) {
  if (a.values.size() != b.values.size() || a.channel_names != b.channel_names) return false;
  const size_t n = a.channel_names.size();
  for (size_t c = 0; c < n; ++c) {
    if (is_execution_channel(a.channel_names[c])) continue;
    for (size_t e = 0; e < a.epochs(); ++e) {
      const double x = a.values[e * n + c], y = b.values[e * n + c];
      if (std::memcmp(&x, &y, sizeof(double)) != 0) return false;
    }
  }
  return true;
}

}  // namespace

bool is_execution_channel(const std::string& name) { return name.rfind("sys_", 0) == 0; }

bool LayerSeries::operator==(const LayerSeries& o) const {
  return name == o.name && unit == o.unit && layers == o.layers && same_bits(values, o.values);
}

std::optional<size_t> Trace::channel_index(const std::string& name) const {
  for (size_t i = 0; i < channel_names.size(); ++i)
    if (channel_names[i] == name) return i;
  return std::nullopt;
}

std::vector<double> Trace::channel(const std::string& name) const {
  const auto idx = channel_index(name);
  if (!idx) throw Error(run_id, "trace has no channel '" + name + "'");
  std::vector<double> out(epochs());
  for (size_t e = 0; e < out.size(); ++e) out[e] = value(e, *idx);
  return out;
}

void Trace::set_channels(std::vector<std::string> names, std::vector<std::string> units) {
  if (names.size() != units.size()) throw Error(run_id, "channel names and units differ in length");
  if (!values.empty()) throw Error(run_id, "channels must be set before epochs are appended");
  channel_names = std::move(names);
  channel_units = std::move(units);
}

void Trace::append_epoch(const std::vector<double>& row) {
  if (row.size() != channel_names.size())
    throw Error(run_id, "epoch row has " + std::to_string(row.size()) + " values for " +
                            std::to_string(channel_names.size()) + " channels");
  values.insert(values.end(), row.begin(), row.end());
}

bool Trace::operator==(const Trace& o) const {
  if (at_init.size() != o.at_init.size()) return false;
  for (const auto& [k, v] : at_init) {
    auto it = o.at_init.find(k);
    if (it == o.at_init.end() || std::memcmp(&v, &it->second, sizeof(double)) != 0) return false;
  }
  // wall_seconds and versions describe the execution, not the result: excluded.
  return run_id == o.run_id && program == o.program && architecture == o.architecture && mutant_id == o.mutant_id &&
         operator_name == o.operator_name && category == o.category && parameters == o.parameters &&
         repeat == o.repeat && seed == o.seed && probes == o.probes && scale == o.scale && source == o.source &&
         status == o.status && error == o.error && unstable == o.unstable &&
         first_unstable_epoch == o.first_unstable_epoch && channel_names == o.channel_names &&
         channel_units == o.channel_units && same_result_values(*this, o) && layer_series == o.layer_series;
}

}  // namespace dynfault
