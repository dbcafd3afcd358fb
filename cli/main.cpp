// dynfault: regenerate, extend and evaluate DynFault-style fault-diagnosis corpora.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "campaign/collect_bridge.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/exit_status.h"
#include "core/version.h"

namespace dynfault::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

namespace {

// The deepest subcommand the parse reached ("dynfault campaign plan").
const CLI::App* deepest(const CLI::App& app, std::string& path) {
  path = "dynfault";
  const CLI::App* cur = &app;
  for (;;) {
    const auto subs = cur->get_subcommands();
    if (subs.empty()) return cur;
    cur = subs.front();
    path += " " + cur->get_name();
  }
}

// A usage error as one line: CLI11's message names the option; newlines
// (some CLI11 messages have them) become "; ".
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string message = e.what();
  for (size_t i = 0; (i = message.find('\n', i)) != std::string::npos;) message.replace(i, 1, "; ");
  while (!message.empty() && (message.back() == ' ' || message.back() == ';')) message.pop_back();
  std::string path;
  const CLI::App* sub = deepest(app, path);
  // "A subcommand is required" does not say what was given instead.
  if (sub->get_require_subcommand_min() > 0 && sub->get_subcommands().empty()) {
    const std::vector<std::string> rest = sub->remaining();
    std::string known;
    for (const CLI::App* c : sub->get_subcommands([](const CLI::App*) { return true; }))
      known += (known.empty() ? "" : ", ") + c->get_name();
    message = (rest.empty() ? "a subcommand is required" : "unknown subcommand '" + rest.front() + "'") +
              " (one of: " + known + ")";
  }
  std::cerr << path << ": " << message << " (usage error; see " << path << " --help)\n";
  return kExitUsage;
}

}  // namespace
}  // namespace dynfault::cli

int main(int argc, char** argv) {
  using namespace dynfault;
  // The one link between stages that main makes: `dynfault collect C/` reads
  // campaign directories through the campaign's reader. It is registered here,
  // not as a side effect of setting up `campaign`, so collect works whichever
  // subcommands are set up. (Moving the reader into collect instead would pull
  // the campaign's plan, journal and state replay, and through them mutate/,
  // into collect.)
  campaign::register_collect_reader();
  CLI::App app{"dynfault: mutation-injected training corpora for DL fault diagnosis, and their evaluation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dynfault ") + kVersion);
  auto& commands = cli::registry();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands) c.setup(*app.add_subcommand(c.name, c.help));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cli::usage_error(app, e);  // every other parse error: one line, exit 64
  } catch (const StorageError& e) {
    // A full disk, a quota or an I/O error: nothing was damaged; run the same
    // command again once the cause is gone.
    std::cerr << "dynfault: " << e.what() << "\n";
    // Everything is unwound (temporaries removed, the journal closed), but
    // libhdf5 1.10's exit-time clean-up crashes on a file whose flush failed
    // (tests/integration/disk_full.sh found it): leave without exit handlers.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(kExitResumeMe);
  } catch (const Error& e) {
    std::cerr << "dynfault: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "dynfault: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return kExitOk;
}
