// journal.log replay against a real plan: `campaign status` (read, replay,
// verdicts and search steps re-derived). The plan is the seed corpus's
// fuzz/plan.json, named by DYNFAULT_FUZZ_PLAN (scripts/fuzz.sh sets it).
#include <cstdlib>
#include <filesystem>

#include "campaign/status.h"
#include "core/atomic_file.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = [] {
    const char* plan = std::getenv("DYNFAULT_FUZZ_PLAN");
    if (!plan) {
      std::fprintf(stderr, "fuzz_journal: set DYNFAULT_FUZZ_PLAN to a campaign's plan.json\n");
      std::abort();
    }
    const std::string text = dynfault::read_text_file(plan);
    dynfault_fuzz::write_input("c/plan.json", reinterpret_cast<const uint8_t*>(text.data()), text.size());
    return true;
  }();
  (void)ready;
  dynfault_fuzz::write_input("c/journal.log", data, size);
  return dynfault_fuzz::expect_only_dynfault_errors(
      [&] { (void)dynfault::campaign::status_text((dynfault_fuzz::scratch() / "c").string()); });
}
