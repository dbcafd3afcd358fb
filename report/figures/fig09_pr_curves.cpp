// Fig. 9: held-out precision-recall curves of instability detection (baseline
// and +CF) with the operating points of the triage rules.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class PrCurves : public Figure {
  std::string artefact() const override { return "Fig. 9"; }
  std::string title() const override { return "Held-out PR curves of instability detection, with the triage rules"; }
  std::string section() const override { return "rq2"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& curves = need_part_csv(in, "fig9", "fig9_pr_curves.csv");
    const CsvTable& points = need_part_csv(in, "fig9", "fig9_operating_points.csv");
    json curve_values = json::array(), point_values = json::array();
    for (size_t r = 0; r < curves.size(); ++r)
      curve_values.push_back({{"curve", curves.text(r, "variant") + ", k = " + curves.text(r, "k")},
                              {"point", curves.number(r, "point")},
                              {"precision", value_or_null(curves.number(r, "precision"))},
                              {"recall", value_or_null(curves.number(r, "recall"))}});
    for (size_t r = 0; r < points.size(); ++r)
      point_values.push_back({{"rule", points.text(r, "rule")},
                              {"precision", value_or_null(points.number(r, "precision"))},
                              {"recall", value_or_null(points.number(r, "recall"))}});
    if (curve_values.empty()) throw NotComputed{curves.path() + " has no curve", evaluate_command(in.corpus_path, "rq2", "fig9")};
    const json x = {{"field", "recall"}, {"type", "quantitative"}, {"title", "recall"}, {"scale", {{"domain", {0, 1}}}}};
    const json y = {{"field", "precision"}, {"type", "quantitative"}, {"title", "precision"}, {"scale", {{"domain", {0, 1}}}}};
    json s = vega_lite("Fig. 9: held-out PR curves and triage operating points");
    s["width"] = 360;
    s["height"] = 300;
    s["layer"] = json::array(
        {{{"data", {{"values", curve_values}}},
          {"mark", {{"type", "line"}, {"interpolate", "step-after"}}},
          {"encoding", {{"x", x}, {"y", y}, {"color", {{"field", "curve"}, {"type", "nominal"}, {"title", "classifier"}}},
                        {"order", {{"field", "point"}, {"type", "quantitative"}}}}}},
         {{"data", {{"values", point_values}}},
          {"mark", {{"type", "point"}, {"filled", true}, {"size", 100}, {"color", "black"}}},
          {"encoding", {{"x", x}, {"y", y}, {"shape", {{"field", "rule"}, {"type", "nominal"}, {"title", "triage rule"}}}}}}});
    s["resolve"] = {{"scale", {{"color", "independent"}, {"shape", "independent"}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig09_pr_curves() { return std::make_unique<PrCurves>(); }

}  // namespace dynfault::report
