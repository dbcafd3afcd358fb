#include "campaign/executor.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/seed.h"

namespace dynfault::campaign {
namespace {

std::map<std::string, ExecutorInfo>& registry() {
  static std::map<std::string, ExecutorInfo> executors;
  return executors;
}

bool env_lists(const char* var, const std::string& task_id) {
  const char* v = std::getenv(var);
  if (!v || !*v) return false;
  std::string list = v;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(start, end - start);
    if (!item.empty() && task_id.find(item) != std::string::npos) return true;
    start = end + 1;
  }
  return false;
}

void sleep_ms(double ms) {
  if (ms <= 0) return;
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(std::fmod(ms, 1000.0) * 1e6)};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

void inject_faults(const RunTask& task) {
  if (env_lists("DYNFAULT_FAKE_CRASH", task.run_id)) std::abort();
  if (env_lists("DYNFAULT_FAKE_HANG", task.run_id))
    for (;;) sleep_ms(1000);
}

// Uniform in [0, 1) from a seed and a purpose.
double unit(uint64_t seed, const std::string& purpose) {
  return static_cast<double>(derive_seed(seed, purpose) >> 11) * 0x1.0p-53;
}

int spec_epochs(const RunTask& task) {
  int epochs = 3;
  if (!task.spec.empty()) {
    try {
      const auto j = nlohmann::json::parse(task.spec);
      if (j.contains("epochs") && j["epochs"].is_number_integer()) epochs = j["epochs"].get<int>();
    } catch (const std::exception&) {
    }
  }
  const int cap = caps_for(task.scale).max_epochs;
  if (cap > 0) epochs = std::min(epochs, cap);
  return std::clamp(epochs, 1, 1000);
}

// A training-shaped synthetic trace: loss falls, accuracy rises towards a level
// that, for a mutant, drops by an amount fixed by its id (a third of mutants are
// harmless), so kill decisions and searches have something to decide on.
Trace synthetic_trace(const RunTask& task, int epochs) {
  Trace t = trace_identity(task);
  t.set_channels({"train_loss", "train_acc", "val_loss", "val_acc"}, {"1", "1", "1", "1"});
  double level = 0.90;
  if (!task.is_original()) {
    const uint64_t h = fnv1a64(task.mutant_id);
    level -= (h % 3 == 0) ? 0.0 : 0.15 + 0.1 * static_cast<double>(h % 7) / 7.0;
  }
  for (int e = 0; e < epochs; ++e) {
    const double progress = static_cast<double>(e + 1) / epochs;
    const double noise = 0.01 * (unit(task.seed, "noise/" + std::to_string(e)) - 0.5);
    const double acc = std::clamp(level * (0.6 + 0.4 * progress) + noise, 0.0, 1.0);
    const double loss = (1.0 - acc) * 2.0;
    t.append_epoch({loss * 0.9, std::min(1.0, acc + 0.01), loss, acc});
  }
  return t;
}

const RegisterExecutor kNoop("noop", "returns a one-epoch synthetic trace at once (dispatch benchmarks)",
                             [](const RunTask& task, const ExecContext&) {
                               inject_faults(task);
                               return synthetic_trace(task, 1);
                             });

const RegisterExecutor kSleep(
    "sleep", "sleeps 0.5-1.5 x DYNFAULT_SLEEP_MS, then returns a synthetic trace (MPI tests)",
    [](const RunTask& task, const ExecContext&) {
      inject_faults(task);
      double base = 20;
      if (const char* v = std::getenv("DYNFAULT_SLEEP_MS")) base = std::atof(v);
      sleep_ms(base * (0.5 + unit(task.seed, "duration")));
      return synthetic_trace(task, spec_epochs(task));
    });

}  // namespace

void register_executor(ExecutorInfo info) {
  const std::string name = info.name;
  registry()[name] = std::move(info);
}

const ExecutorInfo& find_executor(const std::string& name) {
  const auto it = registry().find(name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& [n, e] : registry()) known += (known.empty() ? "" : ", ") + n;
    throw Error("--executor", "unknown executor '" + name + "' (this binary has: " + known + ")");
  }
  return it->second;
}

std::vector<std::string> executor_names() {
  std::vector<std::string> names;
  for (const auto& [n, e] : registry()) names.push_back(n);
  return names;
}

Trace trace_identity(const RunTask& task) {
  Trace t;
  set_identity(t, task);
  return t;
}

}  // namespace dynfault::campaign
