#include "report/report.h"

#include <filesystem>

#include "core/atomic_dir.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"
#include "report/page.h"
#include "report/web_assets.h"

namespace dynfault::report {
namespace fs = std::filesystem;

ReportSummary write_report(const ReportOptions& o) {
  check_output_directory(o.out);  // before any work
  if (o.results.empty()) throw Error("--results", "no results directory given");
  const WebAssets web = load_web_assets(o.web_dir, o.self_path);
  if (!fs::is_regular_file(o.corpus)) throw Error(o.corpus, "corpus file does not exist");
  const collect::CorpusSummary corpus = collect::summarize_corpus(o.corpus);
  const std::string sha256 = sha256_file_hex(o.corpus);
  const Results results = Results::load(o.results, CorpusIdentity{o.corpus, sha256, corpus.trace_files});
  const FigureInputs in{o.corpus, corpus, results};
  const Built built = build_report(in, sha256, o);

  ReportSummary summary;
  std::map<std::string, std::string> files;
  for (const auto& [name, spec] : built.specs) files["figures/" + name + ".vl.json"] = spec.dump(2) + "\n";
  const std::map<std::string, std::string> svgs = render_svgs(web, built.specs, summary.svg_warning);
  summary.svg_written = !built.specs.empty() && svgs.size() == built.specs.size();
  if (built.specs.empty()) summary.svg_warning = "no figure to draw";
  for (const auto& [name, svg] : svgs) files["figures/" + name + ".svg"] = svg;

  std::vector<std::pair<std::string, std::string>> evaluation_summaries;
  for (const AnalysisResults& a : results.analyses())
    if (a.has("summary.md")) evaluation_summaries.emplace_back(a.dir(), read_text_file(a.dir() + "/summary.md"));
  files["index.html"] = render_html(built.document, built.specs, web);
  files["summary.md"] = render_markdown(built.document, collect::summary_table(corpus), evaluation_summaries,
                                        summary.svg_written, summary.svg_warning);
  write_directory_atomically(o.out, files);

  for (const auto& [name, content] : files) summary.bytes += content.size();
  summary.figures_drawn = built.document.figures;
  for (const Section& s : built.document.sections)
    for (const Block& b : s.blocks)
      if (b.kind == Block::Kind::NotComputed) summary.figures_not_computed.push_back(b.artefact);
  return summary;
}

}  // namespace dynfault::report
