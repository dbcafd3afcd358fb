// Slurm options of `dynfault slurm submit`: the --time limit, and the
// campaign layout read from a plan.json without the campaign library.
#include "fuzz/fuzz_input.h"
#include "slurm/submit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] == 't') {  // "t" + a --time value
    return dynfault_fuzz::expect_only_dynfault_errors(
        [&] { (void)dynfault::slurm::parse_time_limit(std::string(reinterpret_cast<const char*>(data) + 1, size - 1)); });
  }
  dynfault_fuzz::write_input("c/plan.json", data, size);
  return dynfault_fuzz::expect_only_dynfault_errors(
      [&] { (void)dynfault::slurm::read_campaign_layout((dynfault_fuzz::scratch() / "c").string()); });
}
