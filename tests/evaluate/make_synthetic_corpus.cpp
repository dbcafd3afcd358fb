// evaluate_synthetic_corpus OUT.h5 [programs] [runs_per_pair] [epochs]:
// writes a synthetic corpus (synthetic_corpus.h) for the MPI identity test and
// the benchmarks; `evaluate_synthetic_corpus --instability OUT.h5 [programs]
// [runs_per_program] [categories]` writes the RQ2 corpus with planted explosions
// (categories: comma-separated fault categories of the mutants, default Loss);
// `evaluate_synthetic_corpus --mismatch OUT.h5 [both|split|of]` the RQ3 corpus
// with a planted train/validation mismatch.
#include <iostream>
#include <string>

#include "core/error.h"
#include "core/text.h"
#include "synthetic_corpus.h"

int main(int argc, char** argv) {
  using namespace dynfault::evaluate::synthetic;
  if (argc < 2) {
    std::cerr << "usage: evaluate_synthetic_corpus [--instability] OUT.h5 [programs] [runs...] [epochs]\n";
    return 2;
  }
  try {
    if (std::string(argv[1]) == "--mismatch" && argc > 2) {
      MismatchSpec spec;
      if (argc > 3) spec.probes = std::string(argv[3]) == "split"    ? MismatchSpec::Probes::Split
                                  : std::string(argv[3]) == "of" ? MismatchSpec::Probes::OfOnly
                                                                 : MismatchSpec::Probes::Both;
      write_mismatch_corpus(argv[2], spec);
    } else if (std::string(argv[1]) == "--instability" && argc > 2) {
      InstabilitySpec spec;
      if (argc > 3) spec.programs = std::stoi(argv[3]);
      if (argc > 4) spec.runs_per_program = std::stoi(argv[4]);
      if (argc > 5) spec.categories = dynfault::split_names(argv[5]);
      write_instability_corpus(argv[2], spec);
    } else {
      SyntheticCorpusSpec spec;
      if (argc > 2) spec.programs = std::stoi(argv[2]);
      if (argc > 3) spec.runs_per_pair = std::stoi(argv[3]);
      if (argc > 4) spec.epochs = std::stoi(argv[4]);
      write_synthetic_corpus(argv[1], spec);
    }
  } catch (const dynfault::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
