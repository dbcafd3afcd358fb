// The HDF5 corpus and trace readers (`collect`, `evaluate`, `report`): the
// signature check every read-only open runs, then the file, its index and
// every run, in process. HDF5 itself is a C library that may crash on
// malformed files: such a crash here is libhdf5's, and the inputs that cause
// one are the cases of the policy for files from outside (docs/reliability.md:
// `dynfault collect` reads them in a child process and reports one line;
// tests/integration/bad_input_battery.sh replays them through the CLI).
#include "core/corpus.h"
#include "core/trace_io.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynfault_fuzz::write_input("corpus.h5", data, size);
  return dynfault_fuzz::expect_only_dynfault_errors([&] {
    const dynfault::CorpusReader corpus(path);
    for (const auto& row : corpus.index()) (void)corpus.read(row.run_id);
  });
}
