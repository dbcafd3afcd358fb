// Fig. 10: T/V mismatch ROC-AUC by window k on Table IX's populations (the CF
// and OF subsets), baseline vs +CF / +OF, within and held-out, with CI bands;
// the paper's Table IX values (its k = 5) as diamonds beside our lines, since
// Fig. 10 is the Table IX comparison at every k (docs/rq3.md).
#include <algorithm>
#include <map>

#include "report/figure.h"
#include "report/paper_values.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

std::string population_label(const std::string& p) {
  return p == "cf_all" ? "CF subset (cf_all)" : p == "of_all" ? "OF subset (of_all)" : p;
}
std::string features_label(const std::string& f) { return f == "cf" ? "+CF" : f == "of" ? "+OF" : f; }

class MismatchAucByK : public Figure {
  std::string artefact() const override { return "Fig. 10"; }
  std::string title() const override { return "T/V mismatch ROC-AUC by window k: baseline vs +CF / +OF, within and held-out"; }
  std::string section() const override { return "rq3"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_csv(in, "rq3", "fig10_auc_by_k.csv");
    if (t.size() == 0) throw NotComputed{t.path() + " has no rows", evaluate_command(in.corpus_path, "rq3")};
    const PaperValues& paper = PaperValues::embedded();
    // One panel per (population, split), in the file's population order; each holds its
    // own data (ours, the paper's), as vega-lite's optimiser gives up on filtered facets.
    std::vector<std::string> populations;
    std::map<std::pair<std::string, std::string>, json> ours, theirs;
    std::vector<double> windows;
    std::string paper_source;
    for (size_t r = 0; r < t.size(); ++r) {
      const std::string pop = t.text(r, "population"), feat = t.text(r, "features");
      if (std::find(populations.begin(), populations.end(), pop) == populations.end()) populations.push_back(pop);
      const double k = t.number(r, "k");
      windows.push_back(k);
      for (const char* split : {"within", "heldout"}) {
        const std::string s = split, col = "roc_auc_" + s;
        json& panel = ours[{pop, s}];
        if (panel.is_null()) panel = json::array();
        panel.push_back({{"features", features_label(feat)}, {"k", k}, {"value", value_or_null(t.number(r, col))},
                         {"ci_low", value_or_null(t.number(r, col + "_ci_low"))},
                         {"ci_high", value_or_null(t.number(r, col + "_ci_high"))}});
        // The paper's Table IX ids: table9.<cf|of>.<within|heldout>.<baseline|plus> (as build.cpp's Table IX).
        const std::string probe = pop == "cf_all" ? "cf" : pop == "of_all" ? "of" : "";
        const std::string id = probe.empty() ? "" : "table9." + probe + "." + s + "." + (feat == "baseline" ? "baseline" : "plus");
        const PaperValue* p = id.empty() ? nullptr : paper.find(id);
        if (!p || !p->value || !p->k) continue;
        json& placed = theirs[{pop, s}];
        if (placed.is_null()) placed = json::array();
        bool seen = false;  // once per feature set, not once per k
        for (const json& v : placed) seen |= v["features"] == features_label(feat);
        if (seen) continue;
        paper_source = "paper (Table IX, k = " + std::to_string(*p->k) + ")";
        placed.push_back({{"features", features_label(feat)}, {"k", *p->k}, {"value", *p->value}, {"source", paper_source}});
        windows.push_back(*p->k);
      }
    }
    const json x = window_x(windows);
    // Baseline first, then +CF, +OF: the colour order of the legend and of Table IX.
    const json colour = {{"field", "features"}, {"type", "nominal"}, {"title", "features"}, {"sort", {"baseline", "+CF", "+OF"}}};
    const json y = {{"field", "value"}, {"type", "quantitative"}, {"title", "ROC-AUC"}};
    json rows = json::array();
    for (const std::string& pop : populations) {
      json row = json::array();
      for (const char* split : {"within", "heldout"}) {
        const std::string s = split;
        json layers = band_and_line_layers(x, "ROC-AUC", colour, 0.2);
        for (json& l : layers) l["data"] = {{"values", ours.at({pop, s})}};
        // ROC-AUC 0.5: a classifier no better than chance.
        layers.push_back({{"data", {{"values", json::array({json::object()})}}},
                          {"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", "gray"}}},
                          {"encoding", {{"y", {{"datum", 0.5}}}}}});
        if (theirs.count({pop, s}))
          layers.push_back({{"data", {{"values", theirs.at({pop, s})}}},
                            {"mark", {{"type", "point"}, {"filled", true}, {"size", 90}, {"stroke", "black"}, {"strokeWidth", 0.5}}},
                            {"encoding", {{"x", x}, {"y", y}, {"color", colour},
                                          {"shape", {{"field", "source"}, {"type", "nominal"}, {"title", ""},
                                                     {"scale", {{"range", {"diamond"}}}}, {"legend", {{"labelLimit", 260}}}}}}}});
        row.push_back({{"title", population_label(pop) + ", " + (s == "heldout" ? "held-out" : s)},
                       {"width", 240}, {"height", 160}, {"layer", layers}});
      }
      rows.push_back({{"hconcat", row}});
    }
    json s = vega_lite("Fig. 10: T/V mismatch ROC-AUC by window k (Table IX's populations)");
    s["vconcat"] = rows;
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig10_mismatch_auc_by_k() { return std::make_unique<MismatchAucByK>(); }

}  // namespace dynfault::report
