// A torch-free `campaign` command for tests and benchmarks: plan, status and
// run with the stand-in executors ("noop", "sleep"), under mpirun like the
// real binary. The dynfault binary's `campaign run` is the same code with the
// LibTorch executor registered.
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/error.h"
#include "cli/cmd_campaign.h"

// A stand-in calibration for `campaign plan --estimate`: fixed timings, so tests of the cost model's
// plumbing (cache, table, plan costs) do not depend on this machine's speed.
dynfault::runner::Calibration stand_in_calibration(const dynfault::runner::RunRequest& r) {
  dynfault::runner::Calibration c;
  c.prepare_seconds = 0.5;
  c.init_probe_seconds = r.probes.has("cf") ? 0.2 : 0;
  c.step_seconds = 0.01;
  c.validation_seconds = 0.05;
  c.epoch_probe_seconds = r.probes.names.empty() ? 0 : 0.1;
  c.steps_per_epoch = 10;
  c.epochs = r.spec.epochs;
  return c;
}

int main(int argc, char** argv) {
  dynfault::cli::plan_calibrator() = stand_in_calibration;
  CLI::App app{"campaign_driver: dynfault campaign with stand-in executors"};
  app.require_subcommand(1);
  CLI::App* campaign = app.add_subcommand("campaign", "plan, run, status");
  campaign->require_subcommand(1);
  dynfault::cli::add_plan_command(*campaign);
  dynfault::cli::add_status_command(*campaign);
  dynfault::cli::add_run_command(*campaign, "sleep");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const dynfault::Error& e) {
    std::cerr << "campaign_driver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
