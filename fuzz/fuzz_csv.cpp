// A published 31-column trace CSV (`dynfault collect import-csv`).
#include <algorithm>

#include "collect/csv_import.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynfault_fuzz::write_input("31556268_Hyperparameter_0001.csv", data, size);
  dynfault::collect::ManifestRow row;
  row.filename = "31556268_Hyperparameter_0001.csv";
  row.so_id = "31556268";
  row.category = "Hyperparameter";
  row.run_number = 1;
  // The manifest's row count: the data lines of the input, so the row check passes and the cells are read.
  const auto lines = std::count(data, data + size, static_cast<uint8_t>('\n'));
  row.num_rows = lines > 0 ? lines - 1 : 0;
  row.line = 2;
  return dynfault_fuzz::expect_only_dynfault_errors([&] {
    const dynfault::Trace t = dynfault::collect::import_published_csv(path, row, nullptr);
    (void)dynfault::collect::published_verdict(t);
  });
}
