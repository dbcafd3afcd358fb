#pragma once
// One chart of the report: a Vega-Lite specification written from the results
// files. One file per figure in report/figures/<name>.cpp defining
// make_figure_<name>(); report/CMakeLists.txt generates the table from that
// folder (as evaluate's analyses), so adding a file adds a figure. The name is
// the figure's id in the page and its file name (figures/<name>.svg).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collect/summary.h"
#include "report/results.h"

namespace dynfault::report {

struct FigureInputs {
  std::string corpus_path;
  const collect::CorpusSummary& corpus;
  const Results& results;
};

// Thrown by a figure whose results are absent: why, and the command that computes them.
struct NotComputed {
  std::string reason, command;
};

class Figure {
 public:
  virtual ~Figure() = default;
  virtual std::string artefact() const = 0;  // the paper's name: "Fig. 2", "Table II"
  virtual std::string title() const = 0;     // what it shows
  virtual std::string section() const = 0;   // "corpus", "rq1", "rq2": where the page places it
  // The Vega-Lite specification with the data inline; throws NotComputed.
  virtual nlohmann::json spec(const FigureInputs& in) const = 0;
};

struct FigureEntry {
  std::string name;
  std::function<std::unique_ptr<Figure>()> make;
};

// Every figure, sorted by name (generated from report/figures/).
const std::vector<FigureEntry>& figures();

// --- helpers shared by the spec writers -----------------------------------

// The analysis's results, or NotComputed naming the command that computes them.
const AnalysisResults& need_analysis(const FigureInputs& in, const std::string& analysis);
// A results file of the analysis (NotComputed if the analysis or the file is absent).
const CsvTable& need_csv(const FigureInputs& in, const std::string& analysis, const std::string& file);
// An RQ2 part that ran (NotComputed with the part's note otherwise), then its file.
const CsvTable& need_part_csv(const FigureInputs& in, const std::string& part, const std::string& file);
// The command that computes an analysis (or one RQ2 part) for this corpus.
std::string evaluate_command(const std::string& corpus, const std::string& analysis, const std::string& part = "");

// A Vega-Lite top-level specification with the report's common settings.
nlohmann::json vega_lite(const std::string& title);
// The x encoding of a window k (log scale, a tick at each k given, no padding to "nice" values).
nlohmann::json window_x(const std::vector<double>& windows);
// The two layers of a value-by-window chart: an errorband from ci_low to ci_high
// under a line (with points) of `value`; both coloured by `colour` unless it is null.
nlohmann::json band_and_line_layers(const nlohmann::json& x, const std::string& y_title, const nlohmann::json& colour,
                                    double band_opacity);
// The layers of a bars-with-CI chart (Figs 12, 13): a bar of `value` per row of
// the data whose `source` is `ours`, its ci_low..ci_high rule, and, when
// `paper` is not empty, the rows of that source as red diamonds. `y` is the row axis.
nlohmann::json bars_ci_and_paper_layers(const nlohmann::json& y, const std::string& ours, const std::string& paper);
// A number for Vega-Lite data: null when undefined.
nlohmann::json value_or_null(double v);

// The docs/paper-values.json id of a Fig. 12 ablation row's quantity ("heldout" or "gap"):
// fig12.<full|remove_GROUP|baseline_only>.<quantity>, from fig12_ablation.csv's `row`
// (full, without_GROUP, baseline_only). One spelling for the report's table and chart.
std::string fig12_paper_id(const std::string& row, const std::string& quantity);

// The docs/paper-values.json id of a Fig. 13 row's split ("within", "heldout", "gap") from
// fig13.csv's technique (default, deepfd) and classifier: the paper gives one set of random-
// forest values for both techniques (peers.rf.*) and LR values per technique
// (peers.default_lr.*, peers.deepfd_lr.*); "" where it gives none.
std::string fig13_paper_id(const std::string& technique, const std::string& classifier, const std::string& split);
// "DEFault", "DeepFD", "random forest", "logistic regression": fig13.csv's names as the paper spells them.
std::string peer_technique_name(const std::string& technique);
std::string peer_classifier_name(const std::string& classifier);

}  // namespace dynfault::report
