// `dynfault kill-test --original FILE --mutant FILE [--regression]`: DeepCrime's
// kill rule on two lists of values (one number per line); prints p, d, power
// and the verdict as JSON (docs/kill.md).
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "mutate/kill.h"

namespace dynfault::cli {
namespace {

struct KillTestOptions {
  std::string original;
  std::string mutant;
  bool regression = false;
};

}  // namespace

static Register kill_test_command(
    "kill-test", "DeepCrime's GLM kill rule on two value lists (docs/kill.md)", [](CLI::App& sub) {
      auto o = std::make_shared<KillTestOptions>();
      sub.add_option("--original", o->original, "Values of the original's repeats, one per line")->required();
      sub.add_option("--mutant", o->mutant, "Values of the mutant's repeats, one per line")->required();
      sub.add_flag("--regression", o->regression,
                   "Values are losses/errors (higher is worse); default: accuracies (lower is worse)");
      sub.callback([o] {
        mutate::KillOptions options;
        options.regression = o->regression;
        const auto original = mutate::read_values_file(o->original);
        const auto mutant = mutate::read_values_file(o->mutant);
        std::cout << mutate::to_json(mutate::kill_test(original, mutant, options), options).dump(2) << "\n";
      });
    });

}  // namespace dynfault::cli
