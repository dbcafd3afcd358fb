#pragma once
// `dynfault report`: every table and figure of the study from a corpus and its
// evaluation results, as a directory (docs/report.md):
//   index.html        self-contained page (vega, vega-lite, vega-embed inlined; opens from file://)
//   summary.md        Markdown tables, the SVG figures embedded
//   figures/<name>.svg, figures/<name>.vl.json   each figure (SVG drawn by Node + vega)
// Staged in a sibling directory and renamed into place: never half written.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/document.h"
#include "report/figure.h"

namespace dynfault::report {

struct ReportOptions {
  std::string corpus;
  std::vector<std::string> results;  // results directories (one analysis each, or `evaluate all`)
  std::string out;
  std::string command_line;          // how the report was invoked, for the run configuration
  std::string web_dir;               // vega packages (web_assets.h); "" = the documented lookup
  std::string self_path;             // the running binary, for the lookup beside it
};

struct ReportSummary {
  std::vector<std::string> figures_drawn, figures_not_computed;
  bool svg_written = false;
  std::string svg_warning;  // why the SVGs were skipped
  size_t bytes = 0;         // of the whole report directory
};

// Writes the report; throws dynfault::Error (one line) on bad input, leaving `out` untouched.
ReportSummary write_report(const ReportOptions& options);

// The parts, for tests: the document and every figure's specification.
struct Built {
  Document document;
  std::vector<std::pair<std::string, nlohmann::json>> specs;  // name -> Vega-Lite, page order
};
Built build_report(const FigureInputs& in, const std::string& corpus_sha256, const ReportOptions& options);

}  // namespace dynfault::report
