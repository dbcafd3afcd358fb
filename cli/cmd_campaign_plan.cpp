// `dynfault campaign`: plan and status here (torch-free); `run` joins from
// cmd_campaign_run.cpp when the binary links the runner (campaign/command.h).
#include "cli/command.h"
#include "campaign/command.h"
#ifdef DYNFAULT_CAMPAIGN_WITH_COLLECT
#include "campaign/collect_bridge.h"
#endif

namespace {
const dynfault::cli::Register kCampaign(
    "campaign", "plan, run (MPI master/worker) and inspect trace-generation campaigns", [](CLI::App& campaign) {
      campaign.require_subcommand(1);
      dynfault::campaign::add_plan_command(campaign);
      dynfault::campaign::add_status_command(campaign);
      for (const auto& extend : dynfault::campaign::campaign_command_extensions()) extend(campaign);
#ifdef DYNFAULT_CAMPAIGN_WITH_COLLECT
      // `dynfault collect C/` merges campaign directories (checksums checked against the journal).
      dynfault::campaign::register_collect_reader();
#endif
    });
}  // namespace
