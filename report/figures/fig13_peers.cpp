// Fig. 13: the peer techniques DEFault and DeepFD (task cat4, k = --table-k),
// balanced accuracy within-program, program-held-out and their gap, with CIs,
// per technique x classifier (fig13.csv of `evaluate peers`); the paper's values
// (docs/paper-values.json, ids from fig13_paper_id) as diamonds. The rule-based
// peers (AutoTrainer, DeepDiagnosis) do not classify fault types: no row here
// (their firing table is in the report's text).
#include <utility>

#include "report/figure.h"
#include "report/paper_values.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

const char* const kOurs = "this corpus";
// The three panels: fig13.csv column (and paper-id split), panel title.
const std::pair<std::string, std::string> kQuantities[] = {
    {"within", "within-program"}, {"heldout", "program-held-out"}, {"gap", "gap (within - held-out)"}};

class Peers : public Figure {
  std::string artefact() const override { return "Fig. 13"; }
  std::string title() const override { return "Peer techniques: balanced accuracy within vs program-held-out, and the gap"; }
  std::string section() const override { return "peers"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_csv(in, "peers", "fig13.csv");
    if (t.size() == 0) throw NotComputed{t.path() + " has no rows (DEFault and DeepFD skipped: see summary.md)",
                                         evaluate_command(in.corpus_path, "peers")};
    const PaperValues& paper = PaperValues::embedded();
    json values = json::array(), order = json::array();
    bool any_paper = false;
    for (size_t r = 0; r < t.size(); ++r) {
      const std::string technique = t.text(r, "technique"), classifier = t.text(r, "classifier");
      const std::string label = peer_technique_name(technique) + ", " + peer_classifier_name(classifier) + " (" +
                                t.text(r, "features") + " features)";
      order.push_back(label);
      for (const auto& [column, quantity] : kQuantities) {
        values.push_back({{"row", label}, {"quantity", quantity}, {"source", kOurs},
                          {"value", value_or_null(t.number(r, column))},
                          {"ci_low", value_or_null(t.number(r, column + "_low"))},
                          {"ci_high", value_or_null(t.number(r, column + "_high"))}});
        const PaperValue* p = paper.find(fig13_paper_id(technique, classifier, column));
        if (!p || !p->value) continue;  // qualitative ("> 0.65", "near zero"): in the table only
        any_paper = true;
        values.push_back({{"row", label}, {"quantity", quantity}, {"source", "paper"}, {"value", *p->value},
                          {"ci_low", nullptr}, {"ci_high", nullptr}});
      }
    }
    const json y = {{"field", "row"}, {"type", "nominal"}, {"sort", order}, {"title", nullptr}};
    const json layers = bars_ci_and_paper_layers(y, kOurs, any_paper ? "paper" : "");
    json s = vega_lite("Fig. 13: peer techniques on cat4, balanced accuracy (bars: this corpus, 95 % CI; diamonds: paper, k = 5)");
    s["data"] = {{"values", values}};
    s["facet"] = {{"column", {{"field", "quantity"}, {"type", "nominal"}, {"title", nullptr},
                              {"sort", {kQuantities[0].second, kQuantities[1].second, kQuantities[2].second}}}}};
    s["spec"] = {{"width", 200}, {"height", {{"step", 22}}}, {"layer", layers}};
    s["resolve"] = {{"scale", {{"x", "independent"}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig13_peers() { return std::make_unique<Peers>(); }

}  // namespace dynfault::report
