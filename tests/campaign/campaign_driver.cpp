// A torch-free `campaign` command for tests and benchmarks: plan, status and
// run with the stand-in executors ("noop", "sleep"), under mpirun like the
// real binary. The dynfault binary's `campaign run` is the same code with the
// LibTorch executor registered.
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/error.h"
#include "cli/cmd_campaign.h"

int main(int argc, char** argv) {
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
