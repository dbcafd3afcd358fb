// `dynfault mutate`: the mutation operators and the mutant catalogue.
//   --list                                  operators: name, code, category, search, values, summary
//   --program P [--operator NAME]           the catalogue mutants of P (and skipped operators, with why)
//   --program P --operator NAME --params J  one mutant, as JSON (to --out FILE or stdout)
//   --set S [--out FILE] [--no-specs]       the full catalogue of a program set, as JSON
//   --set S --counts                        the operators x programs count table (Markdown)
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "mutate/catalogue.h"
#include "mutate/mutant.h"
#include "mutate/registry.h"

namespace dynfault::cli {
namespace {

struct MutateOptions {
  bool list = false;
  std::string program;
  std::string set;
  std::string operator_name;
  std::string params;
  std::string out;
  std::string zoo;
  bool counts = false;
  bool no_specs = false;
  bool json = false;
};

ProgramZoo open_zoo(const std::string& dir) { return dir.empty() ? ProgramZoo::open_default() : ProgramZoo(dir); }

void emit(const MutateOptions& o, const std::string& text) {
  if (o.out.empty()) std::cout << text;
  else write_file_atomically(o.out, text);
}

void list_operators(const MutateOptions& o) {
  if (o.json) {
    std::cout << mutate::operators_json().dump(2) << "\n";
    return;
  }
  for (const mutate::Operator* op : mutate::operators().all()) {
    const auto& i = op->info();
    std::cout << std::left << std::setw(31) << i.name << std::setw(5) << i.code << std::setw(16)
              << to_string(i.category) << std::setw(11) << mutate::to_string(i.search) << i.summary << "\n"
              << std::string(31, ' ') << "values: " << i.values << "\n";
  }
}

void show_program(const MutateOptions& o) {
  const ProgramSpec spec = open_zoo(o.zoo).load(o.program);
  const auto mutants = o.operator_name.empty() ? mutate::mutants_of(spec) : mutate::mutants_of(spec, o.operator_name);
  const auto skipped = mutate::skipped_operators(spec);
  if (o.json) {
    nlohmann::json j = {{"program", spec.id}, {"mutants", nlohmann::json::array()}, {"skipped", nlohmann::json::array()}};
    for (const auto& m : mutants) j["mutants"].push_back(mutate::to_json(m, false));
    for (const auto& s : skipped) j["skipped"].push_back({{"operator", s.operator_name}, {"reason", s.reason}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "program " << spec.id << " (" << to_string(spec.architecture) << "): " << mutants.size() << " mutants\n";
  size_t id_width = 0, params_width = 0;
  for (const auto& m : mutants) {
    id_width = std::max(id_width, m.id.size());
    params_width = std::max(params_width, m.parameters.dump().size());
  }
  for (const auto& m : mutants)
    std::cout << std::left << std::setw(static_cast<int>(id_width) + 2) << m.id
              << std::setw(static_cast<int>(params_width) + 2) << m.parameters.dump() << m.change << "\n";
  if (o.operator_name.empty() && !skipped.empty()) {
    std::cout << "skipped operators:\n";
    for (const auto& s : skipped) std::cout << "  " << s.operator_name << ": " << s.reason << "\n";
  }
}

void one_mutant(const MutateOptions& o) {
  nlohmann::json params;
  try {
    params = nlohmann::json::parse(o.params);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("--params", std::string("malformed JSON: ") + e.what());
  }
  const ProgramSpec spec = open_zoo(o.zoo).load(o.program);
  const mutate::Mutant m = mutate::make_mutant(spec, o.operator_name, params);
  emit(o, mutate::to_json(m).dump(2) + "\n");
}

void run(const MutateOptions& o) {
  const int modes = int(o.list) + int(!o.program.empty()) + int(!o.set.empty());
  if (modes != 1) throw Error("mutate", "give exactly one of --list, --program P, --set S");
  if (!o.params.empty() && (o.program.empty() || o.operator_name.empty()))
    throw Error("mutate", "--params needs --program and --operator");
  if (o.counts && o.set.empty()) throw Error("mutate", "--counts needs --set");
  if (!o.operator_name.empty() && o.program.empty()) throw Error("mutate", "--operator needs --program");
  if (o.list) return list_operators(o);
  if (!o.program.empty()) {
    if (!o.params.empty()) return one_mutant(o);
    if (!o.out.empty()) throw Error("mutate", "--out applies to --set and to one mutant (--operator --params)");
    return show_program(o);
  }
  const ProgramZoo zoo = open_zoo(o.zoo);
  if (o.counts) return emit(o, mutate::counts_markdown(zoo, o.set));
  emit(o, mutate::catalogue_json(zoo, o.set, !o.no_specs).dump(1) + "\n");
}

}  // namespace

static Register mutate_command("mutate", "Mutation operators and mutant catalogues (docs/mutate.md)", [](CLI::App& sub) {
  auto o = std::make_shared<MutateOptions>();
  sub.add_flag("--list", o->list, "List the mutation operators");
  sub.add_option("--program", o->program, "Program id: list its mutants (or build one with --operator --params)");
  sub.add_option("--set", o->set, "Program set or comma-separated ids: the full mutant catalogue");
  sub.add_option("--operator", o->operator_name, "Operator name (with --program)");
  sub.add_option("--params", o->params, "Operator parameters as JSON, e.g. '{\"learning_rate\": 0.1}'");
  sub.add_option("--out", o->out, "Write to this file (atomically) instead of stdout");
  sub.add_flag("--counts", o->counts, "With --set: the operators x programs count table (Markdown)");
  sub.add_flag("--no-specs", o->no_specs, "With --set: leave the mutated specs out of the catalogue");
  sub.add_flag("--json", o->json, "With --list or --program: JSON output");
  sub.add_option("--zoo", o->zoo, "Program zoo folder (default: $DYNFAULT_PROGRAMS or the built-in programs/)");
  sub.callback([o] { run(*o); });
});

}  // namespace dynfault::cli
