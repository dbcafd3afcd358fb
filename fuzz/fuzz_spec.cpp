// Program spec JSON (`dynfault run --spec`, the zoo): parse + complete check.
#include "core/program_spec.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynfault_fuzz::write_input("spec.json", data, size);
  return dynfault_fuzz::expect_only_dynfault_errors([&] {
    const dynfault::ProgramSpec spec = dynfault::load_program_file(path);
    (void)dynfault::to_json(spec).dump();
  });
}
