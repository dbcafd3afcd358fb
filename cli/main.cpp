// dynfault: regenerate, extend and evaluate DynFault-style fault-diagnosis corpora.
#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "core/error.h"
#include "core/version.h"

namespace dynfault::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace dynfault::cli

int main(int argc, char** argv) {
  using namespace dynfault;
  CLI::App app{"dynfault: mutation-injected training corpora for DL fault diagnosis, and their evaluation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dynfault ") + kVersion);
  auto& commands = cli::registry();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands) c.setup(*app.add_subcommand(c.name, c.help));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const Error& e) {
    std::cerr << "dynfault: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dynfault: internal error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
