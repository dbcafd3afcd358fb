// Fig. 12: feature-group ablation of the OF set under held-out evaluation at
// --table-k: held-out ROC-AUC and gap (within - held-out) with their CIs for
// the full set, the set without each group and baseline only; the paper's
// values (docs/paper-values.json, ids from fig12_paper_id) as diamonds.
#include <utility>

#include "report/figure.h"
#include "report/paper_values.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

const char* const kOurs = "this corpus";
// The two panels: results column, panel title.
const std::pair<std::string, std::string> kQuantities[] = {{"roc_auc_heldout", "held-out ROC-AUC"},
                                                          {"gap", "gap (within - held-out)"}};

std::string row_label(const std::string& row) {
  if (row == "full") return "full OF set";
  if (row == "baseline_only") return "baseline only";
  if (row.rfind("without_", 0) == 0) return "without " + row.substr(8);
  return row;
}

class Ablation : public Figure {
  std::string artefact() const override { return "Fig. 12"; }
  std::string title() const override { return "OF channel-group ablation under held-out evaluation: ROC-AUC and gap"; }
  std::string section() const override { return "rq3"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_csv(in, "rq3", "fig12_ablation.csv");
    if (t.size() == 0) throw NotComputed{t.path() + " has no rows (Fig. 12 skipped: see the notes in run.json)",
                                         evaluate_command(in.corpus_path, "rq3")};
    const PaperValues& paper = PaperValues::embedded();
    json values = json::array(), order = json::array();
    std::string paper_source, population, k;
    for (size_t r = 0; r < t.size(); ++r) {
      const std::string row = t.text(r, "row"), label = row_label(row);
      order.push_back(label);
      population = t.text(r, "population"), k = t.text(r, "k");
      for (const auto& [column, quantity] : kQuantities) {
        values.push_back({{"row", label}, {"quantity", quantity}, {"source", kOurs},
                          {"value", value_or_null(t.number(r, column))},
                          {"ci_low", value_or_null(t.number(r, column + "_ci_low"))},
                          {"ci_high", value_or_null(t.number(r, column + "_ci_high"))}});
        const PaperValue* p = paper.find(fig12_paper_id(row, column == "gap" ? "gap" : "heldout"));
        if (!p || !p->value) continue;  // qualitative ("minimal change"): in the table only
        paper_source = "paper" + (p->k ? " (k = " + std::to_string(*p->k) + ")" : std::string());
        values.push_back({{"row", label}, {"quantity", quantity}, {"source", paper_source}, {"value", *p->value},
                          {"ci_low", nullptr}, {"ci_high", nullptr}});
      }
    }
    const json y = {{"field", "row"}, {"type", "nominal"}, {"sort", order}, {"title", nullptr}};
    const json layers = bars_ci_and_paper_layers(y, kOurs, paper_source);
    json s = vega_lite("Fig. 12: OF channel-group ablation, held-out (" + population + ", k = " + k + "; bars: this corpus, 95 % CI)");
    s["data"] = {{"values", values}};
    s["facet"] = {{"column", {{"field", "quantity"}, {"type", "nominal"}, {"title", nullptr},
                              {"sort", {kQuantities[0].second, kQuantities[1].second}}}}};
    s["spec"] = {{"width", 220}, {"height", {{"step", 22}}}, {"layer", layers}};
    s["resolve"] = {{"scale", {{"x", "independent"}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig12_ablation() { return std::make_unique<Ablation>(); }

}  // namespace dynfault::report
