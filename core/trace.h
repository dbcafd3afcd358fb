#pragma once
// One training run, as logged: identity, outcome and per-epoch channels.
// Produced by runner/ (or imported from published CSVs by collect/), stored
// in HDF5 by core/trace_io, merged into a corpus by collect/, read by evaluate/.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"

namespace dynfault {

enum class RunStatus {
  Ok,       // trained for its epochs (possibly unstable, see Trace::unstable)
  Crashed,  // failed before the first epoch: metadata + error, zero epochs
  Failed,   // failed after at least one epoch: the epochs logged so far are kept
  Timeout,  // stopped by the per-task timeout
  // Stopped by a triage rule (docs/triage.md) after the probe it reads: the
  // epochs logged so far are kept and Trace::triage_rule names the rule.
  Terminated,
};
std::string to_string(RunStatus s);
RunStatus parse_run_status(const std::string& text, const std::string& where = "");

// Channels named sys_* (wall time, CPU, memory) describe the execution, not the
// result; reproducibility checks skip them.
bool is_execution_channel(const std::string& name);

// A per-epoch quantity per layer (e.g. the CF probe's ‖Hv‖ per layer).
struct LayerSeries {
  std::string name;                 // e.g. "hvp_norm"
  std::string unit;
  std::vector<std::string> layers;  // column names
  std::vector<double> values;       // row-major epochs x layers
  bool operator==(const LayerSeries& o) const;
};

struct Trace {
  // 2: CF channels with the paper's meaning (docs/trace-format.md, "Schema versions").
  static constexpr int64_t kSchemaVersion = 2;

  // Identity: reproducible from (program, mutant, repeat, seed).
  std::string run_id;          // unique within a corpus
  std::string program;         // Stack Overflow id
  std::string architecture;    // FFNN / RNN / CNN
  std::string mutant_id;       // empty for an original program
  std::string operator_name;   // mutation operator, empty for originals
  std::string category;        // fault category of the operator, empty for originals
  std::string parameters;      // operator parameters as JSON text ("{}" for originals)
  int64_t repeat = 0;
  uint64_t seed = 0;
  std::string probes = "none"; // "cf,of", "cf", "of", "none"
  std::string scale = "full";
  std::string source = "dynfault";  // "dynfault" or where an imported trace came from

  // Outcome.
  RunStatus status = RunStatus::Ok;
  std::string error;             // why a run crashed or failed
  bool unstable = false;         // loss > 1e6 or non-finite at some epoch
  int64_t first_unstable_epoch = -1;
  double wall_seconds = 0;
  std::string triage_rule;       // checksum of the triage rule the run was trained under ("" for none)
  std::string of_compat;         // "v2" when trained with the published OF callback's lr x 0.9 per epoch ("" for none)
  // The probes' settings and the recurrent path (RunIdentity); files hold them only when not the
  // defaults, so a file without them was made with K = 4, P = 64 and LibTorch's recurrent ops
  // (or, before 2026-12-07, the explicit cell: that build had no other).
  int64_t hvp_vectors = kDefaultHvpVectors, probe_batch = kDefaultProbeBatch;
  std::string recurrent;         // "cell" or "" (the fused path where Keras' arithmetic allows)

  std::map<std::string, std::string> versions;  // library versions, e.g. {"libtorch": "1.13.1"}
  std::map<std::string, double> at_init;        // probe values before the first update

  // Per-epoch channels: epochs x channels, row-major.
  std::vector<std::string> channel_names;
  std::vector<std::string> channel_units;
  std::vector<double> values;
  std::vector<LayerSeries> layer_series;

  size_t epochs() const { return channel_names.empty() ? 0 : values.size() / channel_names.size(); }
  std::optional<size_t> channel_index(const std::string& name) const;
  bool has_channel(const std::string& name) const { return channel_index(name).has_value(); }
  double value(size_t epoch, size_t channel) const { return values[epoch * channel_names.size() + channel]; }
  // All epochs of one channel; throws if absent.
  std::vector<double> channel(const std::string& name) const;

  // Names the channels (and their units) of a trace that has no epochs yet;
  // append_epoch then takes one value per channel. Used by importers.
  void set_channels(std::vector<std::string> names, std::vector<std::string> units);
  void append_epoch(const std::vector<double>& row);

  // Equal results: everything but wall time, versions and sys_* channels, bit for bit.
  bool operator==(const Trace& o) const;
};

// 64-bit FNV-1a over exactly what Trace::operator== compares (identity,
// outcome, channel names/units, result values bit for bit, at_init, layer
// series; not wall time, versions or sys_* values), so equal traces have equal
// checksums on every machine. The campaign journal records it per finished
// task; collect validates shards against it.
uint64_t trace_checksum(const Trace& trace);

// Brings a trace read from schema `from_version` to Trace::kSchemaVersion, in
// place. Readers call it after any checksum check (checksums are of the trace
// as it was written). 1 -> 2: cf_hvp_mean and cf_hvp_std become cf_hvp_norm and
// cf_hvp_norm_spread (channels and at_init), and the cf_hvp_layer_* profile is
// derived from the stored hvp_norm layer series, inserted after cf_grad_std as
// the runner writes it. Throws for a version newer than this dynfault.
void upgrade_trace(Trace& trace, int64_t from_version, const std::string& where);
// Throws, naming `where`, for a schema version this dynfault cannot read.
void check_trace_schema(int64_t version, const std::string& where);

}  // namespace dynfault
