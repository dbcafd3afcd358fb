#pragma once
// Subcommand registry: each cli/cmd_*.cpp registers one git-like subcommand
// (`dynfault run`, `dynfault mutate`, ...) by name, in the manner of XGBoost's
// registries. main.cpp discovers them; nothing else lists them.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace dynfault::cli {

struct Command {
  std::string name;
  std::string help;
  // Adds options to `sub` and sets its callback. Callbacks throw dynfault::Error
  // for user errors; main prints it as one line and exits 1.
  std::function<void(CLI::App& sub)> setup;
};

std::vector<Command>& registry();

struct Register {
  Register(std::string name, std::string help, std::function<void(CLI::App&)> setup) {
    registry().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace dynfault::cli
