// A campaign batch file (batches/batch-NNNNNN.dfb): CBOR traces + trailer.
#include "campaign/store.h"
#include "core/trace.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynfault_fuzz::write_input("batch-000001.dfb", data, size);
  return dynfault_fuzz::expect_only_dynfault_errors([&] {
    for (const auto& [id, trace] : dynfault::campaign::read_batch_file(path)) (void)dynfault::trace_checksum(trace);
  });
}
