// manifest.csv of published traces (`dynfault collect import-csv --manifest`).
#include "collect/csv_import.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynfault_fuzz::write_input("manifest.csv", data, size);
  return dynfault_fuzz::expect_only_dynfault_errors([&] {
    for (const auto& row : dynfault::collect::read_manifest(path)) (void)row.run_id();
  });
}
