// `dynfault programs list|show`: the program zoo.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "core/program_spec.h"

namespace dynfault::cli {
namespace {

struct ProgramsOptions {
  std::string set = "all";
  std::string id;
  std::string zoo;
};

ProgramZoo open_zoo(const std::string& dir) { return dir.empty() ? ProgramZoo::open_default() : ProgramZoo(dir); }

void list(const ProgramsOptions& o) {
  const ProgramZoo zoo = open_zoo(o.zoo);
  // Built whole first: a bad set or spec fails before any output.
  std::ostringstream out;
  out << std::left << std::setw(10) << "id" << std::setw(6) << "arch" << std::setw(8) << "layers"
            << std::setw(26) << "loss" << std::setw(9) << "optim" << std::setw(7) << "epochs" << "task\n";
  for (const auto& id : zoo.resolve(o.set)) {
    const ProgramSpec p = zoo.load(id);
    out << std::left << std::setw(10) << p.id << std::setw(6) << to_string(p.architecture) << std::setw(8)
              << p.layers.size() << std::setw(26) << p.loss.name << std::setw(9) << p.optimizer.name
              << std::setw(7) << p.epochs << p.task << "\n";
  }
  std::cout << out.str();
}

void show(const ProgramsOptions& o) {
  const ProgramZoo zoo = open_zoo(o.zoo);
  std::cout << to_json(zoo.load(o.id)).dump(2) << "\n";
}

}  // namespace

static Register programs_command("programs", "List and show the Stack Overflow program specs", [](CLI::App& sub) {
  auto opts = std::make_shared<ProgramsOptions>();
  sub.require_subcommand(1);
  sub.add_option("--zoo", opts->zoo, "Program zoo folder (default: $DYNFAULT_PROGRAMS or the built-in programs/)");
  auto* l = sub.add_subcommand("list", "List programs of a set (default: all)");
  l->add_option("--set", opts->set, "Set name (all, ffnn, rnn, cnn, dynfault38, ...) or comma-separated ids");
  l->callback([opts] { list(*opts); });
  auto* s = sub.add_subcommand("show", "Print one program spec as JSON");
  s->add_option("id", opts->id, "Stack Overflow id")->required();
  s->callback([opts] { show(*opts); });
  auto* sets = sub.add_subcommand("sets", "List program sets: computed (all, by architecture) and programs/sets/");
  sets->callback([opts] {
    for (const auto& n : open_zoo(opts->zoo).set_names()) std::cout << n << "\n";
  });
});

}  // namespace dynfault::cli
