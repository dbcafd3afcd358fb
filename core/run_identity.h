#pragma once
// Who a run is: the fields that name one training run, from which everything
// random about it derives. The campaign's RunTask and the runner's RunRequest
// are RunIdentity plus what each needs to do the run; the Trace a run produces
// records the identity as text (set_identity). The enums stay typed here and
// become their canonical spellings only where a file is written.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/domain.h"

namespace dynfault {

struct Trace;

struct RunIdentity {
  std::string run_id;         // unique within a campaign or corpus: make_task_id()
  std::string program;        // Stack Overflow id
  Architecture architecture = Architecture::FFNN;
  std::string mutant_id;      // empty for an original program
  std::string operator_name;  // mutation operator, empty for originals
  std::optional<FaultCategory> category;  // fault category of the operator, empty for originals
  std::string parameters = "{}";          // operator parameters as JSON text
  int64_t repeat = 0;
  uint64_t seed = 0;          // every random stream of the run derives from this
  ProbeSet probes;
  Scale scale = Scale::Reduced;
  // "v2": the published OF callback's side effect is reproduced (the learning rate x 0.9 at every
  // epoch end, logged after the update; `--of-compat v2`, docs/run.md). "" (the default): none.
  std::string of_compat;
  int hvp_vectors = kDefaultHvpVectors;  // Rademacher vectors per CF measurement
  int probe_batch = kDefaultProbeBatch;  // samples in the fixed CF/OF probe batch (the first P training samples)
  // "cell": every LSTM/SimpleRNN through the explicit cell, which reproduces traces made before
  // 2026-12-07 bit for bit. "" (the default): LibTorch's own ops where Keras' arithmetic allows
  // (docs/run.md#recurrent-layers).
  std::string recurrent;

  bool is_original() const { return mutant_id.empty(); }
  bool operator==(const RunIdentity& o) const;
};

// The category as plan files, traces and corpora spell it: "" for none.
std::string category_text(const std::optional<FaultCategory>& c);
// Inverse of category_text; throws dynfault::Error naming `where` for an unknown name.
std::optional<FaultCategory> parse_optional_category(std::string_view text, const std::string& where = "");

// The one check of the probe settings and recurrent path (RunIdentity's, a trace's, a plan's):
// hvp_vectors and probe_batch positive, recurrent "" or "cell". Throws dynfault::Error naming `where`.
void check_run_settings(int64_t hvp_vectors, int64_t probe_batch, const std::string& recurrent, const std::string& where);

// The --recurrent option's spellings as RunIdentity::recurrent: "fused" -> "", "cell" -> "cell".
// Throws dynfault::Error naming `where` for anything else.
std::string parse_recurrent_option(const std::string& text, const std::string& where);

// Writes the identity into the trace's identity fields (run_id ... scale).
void set_identity(Trace& trace, const RunIdentity& identity);

}  // namespace dynfault
