// `dynfault report`: every table and figure of the study from a corpus and its
// evaluation results, as a directory (index.html, summary.md, figures/),
// written atomically (report/report.h, docs/report.md).
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "report/report.h"

namespace dynfault::cli {
namespace {

void report(report::ReportOptions o) {
  // The command as given, for the report's run configuration.
  o.command_line = "dynfault report " + o.corpus + " --results";
  for (const auto& r : o.results) o.command_line += " " + r;
  o.command_line += " --out " + o.out + (o.web_dir.empty() ? "" : " --web-dir " + o.web_dir);
  o.self_path = "/proc/self/exe";
  std::error_code ec;
  if (const auto self = std::filesystem::read_symlink("/proc/self/exe", ec); !ec) o.self_path = self.string();
  const report::ReportSummary s = report::write_report(o);
  if (!s.svg_written) std::cerr << "dynfault: warning: " << s.svg_warning << "\n";
  std::cout << "report: " << o.out << "/index.html (" << s.figures_drawn.size() << " figures drawn, "
            << s.figures_not_computed.size() << " tables and figures not computed, " << s.bytes << " bytes)\n";
}

}  // namespace

static Register report_command(
    "report", "Write the report: every table and figure as HTML + Markdown + SVG, beside the paper's values",
    [](CLI::App& sub) {
      auto o = std::make_shared<report::ReportOptions>();
      sub.add_option("corpus", o->corpus, "corpus file (HDF5)")->required();
      sub.add_option("--results", o->results,
                     "results directories: one analysis each (`evaluate rq1|rq2 --out`) or `evaluate all --out`")
          ->required()
          ->expected(1, -1);
      sub.add_option("--out", o->out, "report directory to write (replaced atomically)")->required();
      sub.add_option("--web-dir", o->web_dir,
                     "directory holding node_modules/{vega,vega-lite,vega-embed} (default: $DYNFAULT_WEB_DIR, then "
                     "beside the binary; scripts/install-web.sh)");
      sub.callback([o] { report(*o); });
    });

}  // namespace dynfault::cli
