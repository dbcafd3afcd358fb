// plan.json of a campaign directory, read as `dynfault campaign status` reads
// it: the plan, then the replay of an empty journal (which parses every spec).
#include "campaign/status.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynfault_fuzz::write_input("c/plan.json", data, size);
  dynfault_fuzz::write_input("c/journal.log", nullptr, 0);
  return dynfault_fuzz::expect_only_dynfault_errors(
      [&] { (void)dynfault::campaign::status_text((dynfault_fuzz::scratch() / "c").string()); });
}
