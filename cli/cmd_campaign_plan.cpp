// `dynfault campaign`: plan and status here (torch-free); `run` joins from
// cmd_campaign_run.cpp when the binary links the runner (cli/cmd_campaign.h).
#include "cli/cmd_campaign.h"
#include "cli/command.h"

namespace {
const dynfault::cli::Register kCampaign(
    "campaign", "plan, run (MPI master/worker) and inspect trace-generation campaigns", [](CLI::App& campaign) {
      campaign.require_subcommand(1);
      dynfault::cli::add_plan_command(campaign);
      dynfault::cli::add_status_command(campaign);
      for (const auto& extend : dynfault::cli::campaign_command_extensions()) extend(campaign);
    });
}  // namespace
