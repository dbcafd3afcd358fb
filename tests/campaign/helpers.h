#pragma once
// Shared helpers of the campaign tests.

#include <filesystem>
#include <string>

#include "core/program_spec.h"
#include "core/trace.h"
#include "campaign/plan.h"
#include "tests/support/temp_dir.h"

namespace campaign_test {

namespace fs = std::filesystem;

using dynfault_test::TempDir;  // tests/support/temp_dir.h

inline dynfault::ProgramZoo zoo() { return dynfault::ProgramZoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs"); }

// A small campaign of two programs (OF probe, smoke scale) planned into `dir`.
// Seed 3's mutant choice includes binary searches (settings scheduled at run time).
inline void plan_into(const std::string& dir, int repeats = 3, int max_mutants = 3) {
  dynfault::campaign::CampaignSettings s;
  s.programs = {"31556268", "44164749"};
  s.selection = "list:test";
  s.repeats = repeats;
  s.probes = dynfault::ProbeSet{{"of"}};
  s.scale = dynfault::Scale::Smoke;
  s.max_mutants = max_mutants;
  s.seed = 3;
  dynfault::campaign::write_campaign(dir, dynfault::campaign::make_plan(s, zoo()), true);
}

}  // namespace campaign_test
namespace fs = std::filesystem;
