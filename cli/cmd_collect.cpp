// `dynfault collect`: corpus assembly.
//   collect SHARD|CAMPAIGN_DIR... --out corpus.h5    merge (collect/merge.h)
//   collect --summary corpus.h5 [--json]             composition (collect/summary.h)
//   collect import-csv DIR --manifest M --out C.h5   published CSVs -> corpus
//   collect export-csv C.h5 --out DIR                corpus -> published CSVs
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "collect/csv_export.h"
#include "collect/csv_import.h"
#include "collect/merge.h"
#include "collect/summary.h"
#include "core/error.h"
#include "core/program_spec.h"

namespace dynfault::cli {
namespace {

struct CollectOptions {
  std::vector<std::string> inputs;
  std::string out;
  std::string summary;
  bool json = false;
  // import-csv
  std::string csv_dir, manifest, import_out, zoo;
  bool no_zoo = false;
  // export-csv
  std::string corpus, export_out;
};

void merge_or_summarize(const CollectOptions& o) {
  if (!o.summary.empty()) {
    if (!o.inputs.empty() || !o.out.empty()) throw Error("collect", "--summary takes one corpus and no --out");
    collect::check_untrusted_corpus(o.summary, collect::UntrustedRead::Index);
    const auto s = collect::summarize_corpus(o.summary);
    std::cout << (o.json ? collect::summary_json(s) : collect::summary_table(s));
    return;
  }
  if (o.inputs.empty()) throw Error("collect", "give corpus shards or campaign directories to merge, or --summary FILE");
  if (o.out.empty()) throw Error("collect", "--out is required when merging");
  const auto sources = collect::expand_merge_inputs(o.inputs);
  // Files given directly come from outside; a campaign's corpus is checked against its journal.
  for (const auto& source : sources)
    if (!source.expected_checksums)
      for (const auto& file : source.corpus_files) collect::check_untrusted_corpus(file);
  const auto report = collect::merge_corpora(sources, o.out);
  std::cerr << "collect: " << report.files << " corpus files, " << report.runs_read << " runs read, "
            << report.duplicates << " identical duplicates dropped, " << report.runs_written << " runs written to "
            << o.out << "\n";
}

void import_csv(const CollectOptions& o) {
  std::unique_ptr<ProgramZoo> zoo;
  if (!o.no_zoo) zoo = std::make_unique<ProgramZoo>(o.zoo.empty() ? ProgramZoo::open_default() : ProgramZoo(o.zoo));
  const size_t n = collect::import_csv_dir(o.csv_dir, o.manifest, o.import_out, zoo.get());
  std::cerr << "collect import-csv: " << n << " runs written to " << o.import_out << "\n";
}

void export_csv(const CollectOptions& o) {
  collect::check_untrusted_corpus(o.corpus);
  const size_t n = collect::export_csv_dir(o.corpus, o.export_out);
  std::cerr << "collect export-csv: " << n << " runs written to " << o.export_out << "/traces (+ manifest.csv)\n";
}

}  // namespace

static Register collect_command(
    "collect", "Merge corpus shards, summarise a corpus, import/export published trace CSVs", [](CLI::App& sub) {
      auto o = std::make_shared<CollectOptions>();
      sub.add_option("inputs", o->inputs, "Corpus files (or campaign directories) to merge");
      sub.add_option("--out", o->out, "Merged corpus to write (atomically)");
      sub.add_option("--summary", o->summary, "Print the composition of this corpus (Table II)");
      sub.add_flag("--json", o->json, "With --summary: machine-readable JSON");

      auto* imp = sub.add_subcommand("import-csv", "Import published 31-column trace CSVs into a corpus");
      imp->add_option("dir", o->csv_dir, "Folder of {so_id}_{Category}_{run:04d}.csv files")->required();
      imp->add_option("--manifest", o->manifest, "manifest.csv (filename,so_id,fault_category,run_number,num_rows)")
          ->required();
      imp->add_option("--out", o->import_out, "Corpus to write (atomically)")->required();
      imp->add_option("--zoo", o->zoo, "Program zoo for architectures (default: $DYNFAULT_PROGRAMS or built-in)");
      imp->add_flag("--no-zoo", o->no_zoo, "Do not look architectures up (leave them empty)");
      imp->callback([o] { import_csv(*o); });

      auto* exp = sub.add_subcommand("export-csv", "Export a corpus as published 31-column trace CSVs + manifest");
      exp->add_option("corpus", o->corpus, "Corpus file")->required();
      exp->add_option("--out", o->export_out, "New folder: manifest.csv and traces/*.csv")->required();
      exp->callback([o] { export_csv(*o); });

      sub.callback([o, &sub] {
        if (!sub.get_subcommands().empty()) return;  // import-csv / export-csv ran
        merge_or_summarize(*o);
      });
    });

}  // namespace dynfault::cli
