// evaluate_synthetic_corpus OUT.h5 [programs] [runs_per_pair] [epochs]:
// writes a synthetic corpus (synthetic_corpus.h) for the MPI identity test and
// the benchmarks.
#include <iostream>
#include <string>

#include "core/error.h"
#include "synthetic_corpus.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: evaluate_synthetic_corpus OUT.h5 [programs] [runs_per_pair] [epochs]\n";
    return 2;
  }
  dynfault::evaluate::synthetic::SyntheticCorpusSpec spec;
  if (argc > 2) spec.programs = std::stoi(argv[2]);
  if (argc > 3) spec.runs_per_pair = std::stoi(argv[3]);
  if (argc > 4) spec.epochs = std::stoi(argv[4]);
  try {
    dynfault::evaluate::synthetic::write_synthetic_corpus(argv[1], spec);
  } catch (const dynfault::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
