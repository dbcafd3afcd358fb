#include "core/trace.h"

#include <cstring>

#include "core/error.h"
#include "core/hvp_profile.h"

namespace dynfault {

std::string to_string(RunStatus s) {
  switch (s) {
    case RunStatus::Ok: return "ok";
    case RunStatus::Crashed: return "crashed";
    case RunStatus::Failed: return "failed";
    case RunStatus::Timeout: return "timeout";
    case RunStatus::Terminated: return "terminated";
  }
  return "?";
}

RunStatus parse_run_status(const std::string& text, const std::string& where) {
  if (text == "ok") return RunStatus::Ok;
  if (text == "crashed") return RunStatus::Crashed;
  if (text == "failed") return RunStatus::Failed;
  if (text == "timeout") return RunStatus::Timeout;
  if (text == "terminated") return RunStatus::Terminated;
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
         status == o.status && error == o.error && triage_rule == o.triage_rule && of_compat == o.of_compat &&
         hvp_vectors == o.hvp_vectors && probe_batch == o.probe_batch && recurrent == o.recurrent &&
         unstable == o.unstable &&
         first_unstable_epoch == o.first_unstable_epoch && channel_names == o.channel_names &&
         channel_units == o.channel_units && same_result_values(*this, o) && layer_series == o.layer_series;
}

}  // namespace dynfault

namespace dynfault {
namespace {
// FNV-1a, fed fixed-width little-endian integers and length-prefixed strings
// so the hash is the same on every platform and fields cannot run together.
class Fnv1a {
 public:
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ULL;
    }
  }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, 8);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};
}  // namespace

uint64_t trace_checksum(const Trace& t) {
  Fnv1a h;
  for (const auto* s : {&t.run_id, &t.program, &t.architecture, &t.mutant_id, &t.operator_name, &t.category,
                        &t.parameters, &t.probes, &t.scale, &t.source, &t.error})
    h.str(*s);
  h.i64(t.repeat);
  h.u64(t.seed);
  h.str(to_string(t.status));
  h.i64(t.unstable ? 1 : 0);
  h.i64(t.first_unstable_epoch);
  if (!t.triage_rule.empty()) h.str("triage_rule=" + t.triage_rule);  // only when set: older checksums stay valid
  if (!t.of_compat.empty()) h.str("of_compat=" + t.of_compat);        // likewise
  if (t.hvp_vectors != kDefaultHvpVectors) h.str("hvp_vectors=" + std::to_string(t.hvp_vectors));  // likewise
  if (t.probe_batch != kDefaultProbeBatch) h.str("probe_batch=" + std::to_string(t.probe_batch));
  if (!t.recurrent.empty()) h.str("recurrent=" + t.recurrent);
  h.u64(t.at_init.size());
  for (const auto& [k, v] : t.at_init) {
    h.str(k);
    h.f64(v);
  }
  h.strs(t.channel_names);
  h.strs(t.channel_units);
  const size_t n = t.channel_names.size();
  h.u64(t.values.size());
  for (size_t c = 0; c < n; ++c) {
    if (is_execution_channel(t.channel_names[c])) continue;
    for (size_t e = 0; e < t.epochs(); ++e) h.f64(t.values[e * n + c]);
  }
  h.u64(t.layer_series.size());
  for (const auto& s : t.layer_series) {
    h.str(s.name);
    h.str(s.unit);
    h.strs(s.layers);
    h.u64(s.values.size());
    for (double v : s.values) h.f64(v);
  }
  return h.value();
}

}  // namespace dynfault

namespace dynfault {

void check_trace_schema(int64_t version, const std::string& where) {
  if (version > Trace::kSchemaVersion)
    throw Error(where, "trace schema version " + std::to_string(version) + " is newer than this dynfault (" +
                           std::to_string(Trace::kSchemaVersion) + ")");
  if (version < 1) throw Error(where, "trace schema version " + std::to_string(version) + " is not valid");
}

void upgrade_trace(Trace& t, int64_t from_version, const std::string& where) {
  check_trace_schema(from_version, where);
  if (from_version >= 2) return;
  const std::map<std::string, std::string> renamed = {{"cf_hvp_mean", "cf_hvp_norm"}, {"cf_hvp_std", "cf_hvp_norm_spread"}};
  for (auto& name : t.channel_names) {
    const auto it = renamed.find(name);
    if (it != renamed.end()) name = it->second;
  }
  for (const auto& [from, to] : renamed) {
    const auto it = t.at_init.find(from);
    if (it == t.at_init.end()) continue;
    const double v = it->second;
    t.at_init.erase(it);
    t.at_init[to] = v;
  }
  const LayerSeries* hvp = nullptr;
  for (const auto& s : t.layer_series)
    if (s.name == "hvp_norm") hvp = &s;
  const auto& profile = hvp_layer_profile_channels();
  if (!hvp || t.has_channel(profile.front())) return;
  const size_t L = hvp->layers.size(), E = t.epochs(), C = t.channel_names.size();
  // After cf_grad_std, where the CF probe puts them; at the end if it is absent.
  size_t at = C;
  if (const auto g = t.channel_index("cf_grad_std")) at = *g + 1;
  std::vector<double> values;
  values.reserve(E * (C + profile.size()));
  for (size_t e = 0; e < E; ++e) {
    const std::vector<double> layer(hvp->values.begin() + e * L, hvp->values.begin() + (e + 1) * L);
    const std::vector<double> p = values_of(hvp_layer_profile(layer));
    values.insert(values.end(), t.values.begin() + e * C, t.values.begin() + e * C + at);
    values.insert(values.end(), p.begin(), p.end());
    values.insert(values.end(), t.values.begin() + e * C + at, t.values.begin() + (e + 1) * C);
  }
  t.values = std::move(values);
  t.channel_names.insert(t.channel_names.begin() + at, profile.begin(), profile.end());
  std::vector<std::string> units(profile.size(), "loss/param^2");
  units.back() = "log10/depth";
  if (!t.channel_units.empty())  // a series-only read (TraceParts::Series) has no units
    t.channel_units.insert(t.channel_units.begin() + at, units.begin(), units.end());
  std::vector<double> init;
  for (const auto& layer : hvp->layers) {
    const auto it = t.at_init.find("hvp_norm/" + layer);
    if (it == t.at_init.end()) return;  // no at_init probe values: nothing to derive
    init.push_back(it->second);
  }
  const std::vector<double> p = values_of(hvp_layer_profile(init));
  for (size_t i = 0; i < profile.size(); ++i) t.at_init[profile[i]] = p[i];
}

}  // namespace dynfault
