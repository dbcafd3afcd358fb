// `dynfault campaign run` with the real executor: each task trains its program
// with the LibTorch runner, loaded from libdynfault_runner.so (runner/library.h)
// by every rank before it runs or forks tasks. The campaign machinery itself,
// like this binary, is torch-free.
#include "core/program_spec.h"
#include "cli/cmd_campaign.h"
#include "campaign/executor.h"
#include "runner/library.h"

namespace {

dynfault::Trace train_task(const dynfault::RunTask& task, const dynfault::campaign::ExecContext& context) {
  dynfault::runner::RunRequest request;
  static_cast<dynfault::RunIdentity&>(request) = task;
  request.spec = dynfault::program_from_json(nlohmann::json::parse(task.spec), "task " + task.run_id);
  request.threads = context.threads;
  request.triage = context.triage;
  return dynfault::runner::runner_library().train_and_trace(request);
}

const dynfault::campaign::RegisterExecutor kTrain("train", "trains the program with the LibTorch runner",
                                                  train_task, [] { dynfault::runner::runner_library(); });
// `campaign plan --estimate` times programs with the runner library.
const bool kCalibrator = [] {
  dynfault::cli::plan_calibrator() = [](const dynfault::runner::RunRequest& request) {
    return dynfault::runner::runner_library().calibrate(request);
  };
  return true;
}();
const dynfault::cli::ExtendCampaignCommand kRun(
    [](CLI::App& campaign) { dynfault::cli::add_run_command(campaign, "train"); });

}  // namespace
