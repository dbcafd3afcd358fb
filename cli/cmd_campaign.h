#pragma once
// The `dynfault campaign` command family: CLI11 options over the campaign
// library (campaign/). cli/cmd_campaign_plan.cpp registers `campaign` with
// `plan` and `status`; files that can only be built with more libraries
// (cli/cmd_campaign_run.cpp, which links the LibTorch runner) add their
// sub-subcommands through ExtendCampaignCommand, so one `campaign` command
// collects them all. Built as dynfault_campaign_commands, which the dynfault
// binary and the torch-free tests/campaign/campaign_driver share.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "campaign/cost_model.h"

namespace dynfault::cli {

void add_plan_command(CLI::App& campaign);
void add_status_command(CLI::App& campaign);
// `campaign run`; `default_executor` is used unless --executor or
// DYNFAULT_CAMPAIGN_EXECUTOR says otherwise. Exits the process with the
// campaign's exit code (campaign/dispatch.h) when it is not 0.
void add_run_command(CLI::App& campaign, const std::string& default_executor);

// What `campaign plan --estimate` times programs with: the runner library's calibrate in the
// dynfault binary (cli/cmd_campaign_run.cpp), a stand-in in the torch-free test driver; empty: the
// binary cannot calibrate and --estimate is an error.
campaign::Calibrator& plan_calibrator();

std::vector<std::function<void(CLI::App&)>>& campaign_command_extensions();
struct ExtendCampaignCommand {
  explicit ExtendCampaignCommand(std::function<void(CLI::App& campaign)> extend) {
    campaign_command_extensions().push_back(std::move(extend));
  }
};

}  // namespace dynfault::cli
