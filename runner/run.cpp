#include "runner/run.h"

#include <H5public.h>  // H5get_libversion only: no handles here (core/h5.h owns them)
#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <climits>
#include <functional>
#include <mutex>

#include "core/error.h"
#include "core/version.h"
#include "runner/trainer.h"

namespace dynfault::runner {

std::map<std::string, std::string> library_versions() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return {
      {"dynfault", kVersion},
      {"hdf5", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release)},
      {"libtorch", TORCH_VERSION},
  };
}

std::string error_line(const std::function<void()>& work) {
  // LibTorch messages carry source locations and backtraces on the following lines.
  const auto first_line = [](const std::string& text) { return text.substr(0, text.find('\n')); };
  try {
    work();
  } catch (const c10::Error& e) {
    return first_line(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return first_line(e.what());
  }
  return "";
}

// Process-wide settings for training, applied once:
//  - glibc serves allocations above 32 MiB with mmap and unmaps them on free,
//    so every large activation tensor pays page faults to re-zero its pages
//    (perf: ~45 % of a CNN epoch in the kernel). Keep freed memory in the heap.
//  - LibTorch's set_num_threads does not reach OpenBLAS' own thread pool
//    (Debian's libtorch calls libblas.so.3 = OpenBLAS); set it too.
//  - Denormal floats are flushed to zero, as TensorFlow does on CPU: a program
//    whose gradients underflow (73146829 drives its sigmoid outputs to ~1e-10,
//    so Adam's v reaches ~1e-40) otherwise runs each such operation through the
//    CPU's slow path, tens of times slower, and Keras never saw those values.
void tune_process(int threads) {
  at::globalContext().setFlushDenormal(true);  // this thread's FTZ/DAZ; worker threads created later inherit it
  static std::once_flag allocator_once;
  std::call_once(allocator_once, [] {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
  });
  torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (auto set_blas_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(threads);
}

Trace train_and_trace(const RunRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  Trace trace;
  set_identity(trace, request);
  trace.source = "dynfault";
  trace.versions = library_versions();

  tune_process(std::max(1, request.threads));
  const std::string error = error_line([&] {
    PreparedRun run = prepare_run(request);
    train(run, request, trace);
  });
  if (!error.empty()) record_failure(trace, error);
  trace.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return trace;
}

Calibration calibrate(const RunRequest& request) {
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); };
  Calibration c;
  tune_process(std::max(1, request.threads));
  c.error = error_line([&] {
    const auto start = Clock::now();
    PreparedRun run = prepare_run(request);
    c.prepare_seconds = seconds(start);
    const int64_t n = run.train_x.size(0), n_val = run.val_x.size(0), batch = run.spec.batch_size;
    if (batch <= 0) throw Error(run.spec.source, "batch_size must be positive");
    c.steps_per_epoch = (n + batch - 1) / batch;
    c.epochs = run.spec.epochs;
    // The calibration run: the first samples (enough for its steps and the whole probe batch), two epochs.
    const int64_t rows = std::min(n, std::max(kCalibrationSteps * batch, static_cast<int64_t>(request.probe_batch)));
    const int64_t val_rows = std::min(n_val, kCalibrationValidation);
    run.train_x = run.train_x.slice(0, 0, rows);
    run.train_y = run.train_y.slice(0, 0, rows);
    run.val_x = run.val_x.slice(0, 0, val_rows);
    run.val_y = run.val_y.slice(0, 0, val_rows);
    run.spec.epochs = 2;
    run.spec.early_stopping_patience = -1;
    RunRequest timed = request;
    timed.triage.reset();
    Trace scratch;
    TrainTiming timing;
    train(run, timed, scratch, &timing);
    if (timing.epochs.empty()) throw Error(run.spec.source, "no epoch trained while calibrating");
    const TrainTiming::Epoch& e = timing.epochs.back();
    c.init_probe_seconds = timing.init_probes;
    c.step_seconds = e.steps / static_cast<double>((rows + batch - 1) / batch);
    c.validation_seconds = val_rows > 0 ? e.validation * static_cast<double>(n_val) / static_cast<double>(val_rows) : 0;
    c.epoch_probe_seconds = e.probes;
  });
  return c;
}

}  // namespace dynfault::runner
