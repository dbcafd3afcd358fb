// Probe overhead: wall time of a run with CF, with OF and with both, relative
// to the same run without probes, for one FFNN, one RNN and one CNN program.
// The four configurations run interleaved in one process (same machine state,
// same warm caches), each `--repeats` times; the table shows medians.
// Optionally (--python SCRIPT) the FFNN program is also trained by the
// python3-torch reference implementation with the same probes, interleaved
// with dynfault runs, and the speed ratio is printed.
//
// Uses only the torch-free runner API (runner/run.h).
#include <algorithm>
#include <array>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error.h"
#include "core/hvp_profile.h"
#include "core/process_stats.h"
#include "core/program_spec.h"
#include "runner/run.h"

using namespace dynfault;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct ProbeSettings {
  int probe_batch = runner::RunRequest{}.probe_batch;
  int hvp_vectors = runner::RunRequest{}.hvp_vectors;
};

runner::RunRequest request_for(const ProgramSpec& spec, const std::string& probes, Scale scale, uint64_t seed,
                               const ProbeSettings& settings) {
  runner::RunRequest r;
  r.probe_batch = settings.probe_batch;
  r.hvp_vectors = settings.hvp_vectors;
  r.spec = spec;
  r.program = spec.id;
  r.architecture = spec.architecture;
  r.run_id = spec.id + "-bench";
  r.seed = seed;
  r.probes = parse_probes(probes);
  r.scale = scale;
  r.threads = 1;
  return r;
}

double timed_run(const runner::RunRequest& r, Trace* keep = nullptr) {
  Trace t = runner::train_and_trace(r);
  if (t.status != RunStatus::Ok) throw Error(r.spec.id, "bench run " + to_string(t.status) + ": " + t.error);
  const double seconds = t.wall_seconds;
  if (keep) *keep = std::move(t);
  return seconds;
}

// Seconds of one hvp_layer_profile over `layers` per-layer norms: the schema-2 curvature summaries
// the CF probe adds to each measurement (median of 5 batches of 20,000 calls).
double profile_seconds(size_t layers) {
  std::vector<double> norms(layers);
  for (size_t l = 0; l < layers; ++l) norms[l] = 0.5 + static_cast<double>((l * 7919) % 101);
  std::vector<double> batches;
  volatile double sink = 0;
  for (int b = 0; b < 5; ++b) {
    const double t0 = monotonic_seconds();
    for (int i = 0; i < 20000; ++i) {
      norms[static_cast<size_t>(i) % layers] += 1e-9;
      sink = sink + hvp_layer_profile(norms).log_slope;
    }
    batches.push_back((monotonic_seconds() - t0) / 20000);
  }
  return median(batches);
}

// Runs the python reference once; it prints "seconds <training wall time>".
double python_run(const std::string& script, const std::string& scale) {
  const std::string cmd = "/usr/bin/python3 " + script + " --scale " + scale + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error(script, "cannot start /usr/bin/python3");
  std::string output;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) output += buf.data();
  const int rc = pclose(pipe);
  std::istringstream in(output);
  std::string word;
  double seconds = -1;
  while (in >> word)
    if (word == "seconds") in >> seconds;
  if (rc != 0 || seconds < 0) throw Error(script, "python reference failed: " + output);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"probe overhead of dynfault's CF/OF probes, and the speed against a python3-torch reference"};
  std::string ffnn = "31556268", rnn = "52782432", cnn = "50079585", zoo_dir, python_script, scale_name = "reduced";
  int repeats = 3, max_epochs = 0;
  ProbeSettings settings;
  uint64_t seed = 7;
  app.add_option("--ffnn", ffnn, "FFNN program");
  app.add_option("--rnn", rnn, "RNN program");
  app.add_option("--cnn", cnn, "CNN program");
  app.add_option("--repeats", repeats, "Runs per configuration (medians are reported)");
  app.add_option("--scale", scale_name, "Scale of the runs (default reduced)");
  app.add_option("--seed", seed, "Run seed");
  app.add_option("--max-epochs", max_epochs,
                 "Train at most this many epochs (0: the program's; the probes' cost is per epoch, so the ratios "
                 "barely depend on it: a way to bench full-scale data quickly)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--zoo", zoo_dir, "Program zoo (default: the built-in programs/)");
  app.add_option("--probe-batch", settings.probe_batch, "CF/OF probe batch size (default: RunRequest's)");
  app.add_option("--hvp-vectors", settings.hvp_vectors, "Rademacher vectors per CF measurement (default: RunRequest's)");
  app.add_option("--python", python_script, "python3-torch reference script for the FFNN program");
  CLI11_PARSE(app, argc, argv);

  try {
    const ProgramZoo zoo = zoo_dir.empty() ? ProgramZoo::open_default() : ProgramZoo(zoo_dir);
    const Scale scale = parse_scale(scale_name, "--scale");
    const std::vector<std::string> configs = {"none", "cf", "of", "cf,of"};

    std::cout << "probe overhead: median wall seconds of " << repeats << " interleaved runs, scale " << scale_name
              << (max_epochs > 0 ? " (at most " + std::to_string(max_epochs) + " epochs)" : std::string())
              << ", 1 thread, probe batch " << settings.probe_batch << ", " << settings.hvp_vectors
              << " HVP vectors; ratio = configuration / none (target CF, OF <= 1.10)\n";
    std::cout << std::left << std::setw(10) << "program" << std::setw(6) << "arch" << std::right << std::setw(10)
              << "none s" << std::setw(10) << "cf" << std::setw(10) << "of" << std::setw(10) << "cf,of" << "\n";
    std::map<std::string, size_t> layer_counts;
    for (const auto& id : {ffnn, rnn, cnn}) {
      ProgramSpec spec = zoo.load(id);
      if (max_epochs > 0) spec.epochs = std::min(spec.epochs, max_epochs);
      Trace warm;
      timed_run(request_for(spec, "cf,of", scale, seed, settings), &warm);  // warm-up: first-touch allocations, lazy init
      for (const auto& series : warm.layer_series)
        if (series.name == "hvp_norm") layer_counts[id] = series.layers.size();
      std::vector<std::vector<double>> times(configs.size());
      for (int r = 0; r < repeats; ++r)
        for (size_t c = 0; c < configs.size(); ++c)
          times[c].push_back(timed_run(request_for(spec, configs[c], scale, seed, settings)));
      const double base = median(times[0]);
      std::cout << std::left << std::setw(10) << id << std::setw(6) << to_string(spec.architecture) << std::right
                << std::fixed << std::setprecision(3) << std::setw(10) << base;
      for (size_t c = 1; c < configs.size(); ++c)
        std::cout << std::setw(9) << std::setprecision(2) << median(times[c]) / base << "x";
      std::cout << "\n";
    }

    // The schema-2 curvature summaries (mean/std across layers and the profile of the per-layer
    // series) against the CF measurement they summarise, in the same process: the CF probe's
    // epoch-end cost from the runner's calibration, the summaries timed on as many layers.
    std::cout << "CF curvature summaries: seconds per CF measurement (epoch end) vs the summaries over its layers;"
                 " ratio = (measurement + summaries) / measurement (target: no growth, i.e. ~1.00)\n";
    for (const auto& id : {ffnn, rnn, cnn}) {
      ProgramSpec spec = zoo.load(id);
      if (max_epochs > 0) spec.epochs = std::min(spec.epochs, max_epochs);
      std::vector<double> probe;
      for (int r = 0; r < repeats; ++r) {
        const runner::Calibration c = runner::calibrate(request_for(spec, "cf", scale, seed, settings));
        if (!c.error.empty()) throw Error(id, "calibration: " + c.error);
        probe.push_back(c.epoch_probe_seconds);
      }
      const size_t layers = layer_counts.count(id) ? layer_counts[id] : 1;
      const double summary = profile_seconds(layers);
      std::cout << std::left << std::setw(10) << id << std::right << std::setprecision(6) << std::setw(12)
                << median(probe) << " s" << std::setw(12) << summary * 1e6 << " us (" << layers << " layers)"
                << std::setprecision(5) << std::setw(10) << (median(probe) + summary) / median(probe) << "x\n";
    }

    if (!python_script.empty()) {
      const ProgramSpec spec = zoo.load(ffnn);
      std::vector<double> ours, theirs;
      python_run(python_script, scale_name);  // warm-up (page cache for torch's shared libraries)
      for (int r = 0; r < repeats; ++r) {
        ours.push_back(timed_run(request_for(spec, "cf,of", scale, seed, ProbeSettings{})));  // the script's settings
        theirs.push_back(python_run(python_script, scale_name));
      }
      std::cout << "python3-torch reference (same loop and probes, probe batch 64, 4 HVP vectors), program " << ffnn
                << " with cf,of: dynfault " << std::setprecision(3)
                << median(ours) << " s, python " << median(theirs) << " s -> dynfault is " << std::setprecision(2)
                << median(theirs) / median(ours) << "x faster (target >= 2x)\n";
    }
  } catch (const Error& e) {
    std::cerr << "probe_overhead: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
