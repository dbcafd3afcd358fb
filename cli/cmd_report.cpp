// `dynfault report`: one Markdown page for a finished job — the corpus
// composition (Table II) followed by the evaluation's summary — written atomically.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "collect/summary.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace dynfault::cli {
namespace {

struct ReportOptions {
  std::string corpus, results, out;
};

void report(const ReportOptions& o) {
  const std::string summary_md = o.results + "/summary.md";
  if (!std::filesystem::is_regular_file(summary_md))
    throw Error(o.results, "not an evaluation results directory (no summary.md; run `dynfault evaluate rq1` first)");
  const collect::CorpusSummary summary = collect::summarize_corpus(o.corpus);
  std::ostringstream md;
  md << "# dynfault report\n\n"
     << "Corpus `" << o.corpus << "`; evaluation results `" << o.results << "`.\n\n"
     << "## Corpus composition\n\n```\n"
     << collect::summary_table(summary) << "```\n\n"
     << read_text_file(summary_md);
  write_file_atomically(o.out, md.str());
  std::cout << "report: " << o.out << "\n";
}

}  // namespace

static Register report_command("report", "Write a Markdown report: corpus composition + evaluation summary",
                               [](CLI::App& sub) {
                                 auto o = std::make_shared<ReportOptions>();
                                 sub.add_option("corpus", o->corpus, "corpus file (HDF5)")->required();
                                 sub.add_option("--results", o->results, "results directory of `evaluate rq1`")
                                     ->required();
                                 sub.add_option("--out", o->out, "Markdown file to write")->required();
                                 sub.callback([o] { report(*o); });
                               });

}  // namespace dynfault::cli
