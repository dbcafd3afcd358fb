// `dynfault run`: train one program once with the chosen probes and write its
// trace (docs/run.md). Options are validated before any training starts.

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/run_task.h"
#include "core/exit_status.h"
#include "core/probe_catalogue.h"
#include "core/program_spec.h"
#include "core/seed.h"
#include "core/trace_io.h"
#include "cli/run_mutant.h"
#include "mutate/kill.h"
#include "runner/library.h"
#include "triage/rule.h"

namespace dynfault::cli {
namespace {

struct RunOptions {
  std::string program;
  std::string spec_file;
  std::string zoo;
  std::string probes = "cf,of";
  std::string scale = "reduced";
  std::string out;
  std::string run_id;
  // Numbers are taken as text and validated here: one-line errors, and CLI11
  // would wrap a seed of "-1" into 2^64 - 1.
  std::string seed;
  std::string threads = "1";
  std::string hvp_vectors = std::to_string(kDefaultHvpVectors);
  std::string probe_batch = std::to_string(kDefaultProbeBatch);
  std::string triage;  // --triage rule.json
  std::string of_compat;  // --of-compat v2
  std::string recurrent = "fused";  // --recurrent fused|cell
  MutantRunOptions mutant;  // --mutant ID --repeats N: kill verdict of a mutant vs its original
};

runner::RunRequest request_from(const RunOptions& o) {
  if (o.program.empty() && o.spec_file.empty()) throw Error("dynfault run", "give --program ID or --spec FILE");
  if (o.out.empty() && o.mutant.mutant_id.empty()) throw Error("dynfault run", "--out FILE is required");
  if (o.seed.empty()) throw Error("dynfault run", "--seed is required (every random stream derives from it)");
  const uint64_t seed = parse_seed("--seed", o.seed);
  const int threads = static_cast<int>(parse_unsigned("--threads", o.threads, 1, 256));
  const int hvp_vectors = static_cast<int>(parse_unsigned("--hvp-vectors", o.hvp_vectors, 1, 1024));
  const int probe_batch = static_cast<int>(parse_unsigned("--probe-batch", o.probe_batch, 1, 1 << 20));
  if (!o.out.empty()) check_output_file(o.out);

  runner::RunRequest r;
  r.recurrent = parse_recurrent_option(o.recurrent, "--recurrent");
  r.probes = parse_probes(o.probes, "--probes");
  if (!o.of_compat.empty()) {
    parse_of_compat(o.of_compat, "--of-compat");
    if (!r.probes.has("of")) throw Error("--of-compat", "reproduces the OF callback's side effect: needs --probes with of");
    r.of_compat = o.of_compat;
  }
  r.scale = parse_scale(o.scale, "--scale");
  if (!o.spec_file.empty()) {
    r.spec = load_program_file(o.spec_file);
    if (!o.program.empty() && o.program != r.spec.id)
      throw Error(o.spec_file, "spec is program '" + r.spec.id + "', not --program " + o.program);
  } else {
    const ProgramZoo zoo = o.zoo.empty() ? ProgramZoo::open_default() : ProgramZoo(o.zoo);
    if (!zoo.has(o.program)) throw Error(zoo.root(), "no program '" + o.program + "' in the zoo");
    r.spec = zoo.load(o.program);
  }
  r.program = r.spec.id;
  r.architecture = r.spec.architecture;
  r.seed = seed;
  r.threads = threads;
  r.hvp_vectors = hvp_vectors;
  r.probe_batch = probe_batch;
  r.run_id = o.run_id.empty() ? r.spec.id + "-seed" + std::to_string(seed) : o.run_id;
  if (!o.triage.empty()) {
    auto rule = std::make_shared<const triage::Rule>(triage::read_rule(o.triage));
    const std::vector<std::string> probes(r.probes.names.begin(), r.probes.names.end());
    const std::string why = triage::mismatch_before_training(*rule, probes, hvp_vectors, probe_batch);
    if (!why.empty()) throw Error(o.triage, why);
    r.triage = std::move(rule);
  }
  return r;
}

void run(const RunOptions& o) {
  const runner::RunRequest request = request_from(o);
  if (!o.mutant.mutant_id.empty()) {
    MutantRunOptions m = o.mutant;
    m.out = o.out;
    run_mutant_repeats(request, m);
    return;
  }
  const Trace trace = runner::runner_library().train_and_trace(request);
  save_trace_file(o.out, trace);
  std::cout << trace.program << ": " << to_string(trace.status) << (trace.unstable ? " (unstable)" : "")
            << (trace.status == RunStatus::Terminated ? " by triage rule " + trace.triage_rule.substr(0, 12) : "") << ", "
            << trace.epochs() << " epochs, " << std::fixed << std::setprecision(2) << trace.wall_seconds << " s -> "
            << o.out << "\n";
  if (trace.status == RunStatus::Crashed || trace.status == RunStatus::Failed) {
    std::cerr << "dynfault run: " << trace.program << " " << to_string(trace.status) << ": " << trace.error << "\n";
    std::cout.flush();
    std::exit(kExitRunFailed);  // the trace is written and closed; nothing else to unwind
  }
}

}  // namespace

static Register run_command("run", "Train one program once with probes and write its trace (HDF5)", [](CLI::App& sub) {
  auto o = std::make_shared<RunOptions>();
  sub.add_option("--program", o->program, "Stack Overflow id of a zoo program");
  sub.add_option("--spec", o->spec_file, "Program spec file (instead of, or checked against, --program)");
  sub.add_option("--zoo", o->zoo, "Program zoo folder (default: $DYNFAULT_PROGRAMS or the built-in programs/)");
  sub.add_option("--probes", o->probes, "Probes: " + probe_choices() + " (default cf,of)");
  sub.add_option("--seed", o->seed, "Run seed (unsigned 64-bit); data, init, shuffle, dropout and probes derive from it");
  sub.add_option("--scale", o->scale, "full, reduced, tiny (smoke's samples, full epochs) or smoke (default reduced)");
  sub.add_option("--threads", o->threads, "LibTorch intra-op threads (default 1)");
  sub.add_option("--hvp-vectors", o->hvp_vectors, "Rademacher vectors per CF measurement (default " + std::to_string(kDefaultHvpVectors) +
                                              "; docs/run.md#choosing-k-and-p)");
  sub.add_option("--probe-batch", o->probe_batch, "Samples in the fixed CF/OF probe batch (default " + std::to_string(kDefaultProbeBatch) + ")");
  sub.add_option("--triage", o->triage, "Triage rule (dynfault triage fit): stop the run after epoch 0 if it says terminate");
  sub.add_option("--of-compat", o->of_compat,
                 "v2: reproduce the published OF callback's side effect (learning rate x 0.9 at every epoch end, "
                 "logged after the update; needs the of probe; docs/run.md)");
  sub.add_option("--recurrent", o->recurrent,
                 "fused (default): LSTM/SimpleRNN layers through LibTorch's own ops where Keras' arithmetic allows; "
                 "cell: the explicit cell everywhere, which reproduces traces made before the fused path bit for bit "
                 "(docs/run.md#recurrent-layers)");
  sub.add_option("--run-id", o->run_id, "Run id stored in the trace (default <program>-seed<seed>)");
  sub.add_option("--out", o->out, "Trace file to write (HDF5, written atomically); with --mutant, a corpus of every run");
  sub.add_option("--mutant", o->mutant.mutant_id, "Mutant id (dynfault mutate --program P): run it and its original, print the kill verdict");
  o->mutant.repeats = mutate::kDefaultRepeats;
  sub.add_option("--repeats", o->mutant.repeats, "Runs of the original and of the mutant for the kill test")->capture_default_str();
  sub.callback([o] { run(*o); });
});

}  // namespace dynfault::cli
