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
  request.spec = dynfault::program_from_json(nlohmann::json::parse(task.spec), "task " + task.id);
  request.run_id = task.id;
  request.mutant_id = task.mutant_id;
  request.operator_name = task.operator_name;
  request.category = task.category;
  request.parameters = task.parameters;
  request.repeat = task.repeat;
  request.seed = task.seed;
  request.probes = task.probes;
  request.scale = task.scale;
  request.threads = context.threads;
  return dynfault::runner::runner_library().train_and_trace(request);
}

const dynfault::campaign::RegisterExecutor kTrain("train", "trains the program with the LibTorch runner",
                                                  train_task, [] { dynfault::runner::runner_library(); });
const dynfault::cli::ExtendCampaignCommand kRun(
    [](CLI::App& campaign) { dynfault::cli::add_run_command(campaign, "train"); });

}  // namespace
