// Fig. 7: epoch-0 per-layer ‖Hv‖ (median log10 over runs), stable vs unstable
// runs, by relative layer depth.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class LayerDepth : public Figure {
  std::string artefact() const override { return "Fig. 7"; }
  std::string title() const override { return "Layer-wise epoch-0 ‖Hv‖, stable vs unstable runs, by relative depth"; }
  std::string section() const override { return "rq2"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_part_csv(in, "fig7", "fig7_layer_depth.csv");
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r) {
      const double depth = (t.number(r, "depth_low") + t.number(r, "depth_high")) / 2;
      values.push_back({{"depth", depth}, {"runs", "stable"}, {"value", value_or_null(t.number(r, "stable_median_log10_hvp"))}});
      values.push_back({{"depth", depth}, {"runs", "unstable"}, {"value", value_or_null(t.number(r, "unstable_median_log10_hvp"))}});
    }
    if (values.empty()) throw NotComputed{t.path() + " has no rows", evaluate_command(in.corpus_path, "rq2", "fig7")};
    json s = vega_lite("Fig. 7: epoch-0 layer-wise ‖Hv‖ by relative depth");
    s["data"] = {{"values", values}};
    s["width"] = 360;
    s["height"] = 220;
    s["mark"] = {{"type", "line"}, {"point", true}};
    s["encoding"] = {{"x", {{"field", "depth"}, {"type", "quantitative"}, {"title", "relative layer depth (bin centre)"},
                            {"scale", {{"domain", {0, 1}}}}}},
                     {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", "median log10 ‖Hv‖"}}},
                     {"color", {{"field", "runs"}, {"type", "nominal"}, {"title", "runs"}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig07_layer_depth() { return std::make_unique<LayerDepth>(); }

}  // namespace dynfault::report
