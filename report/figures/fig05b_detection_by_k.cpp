// Fig. 5b: held-out instability detection ROC-AUC by window k, baseline vs +CF
// (and their loss-ablated variants), with CI bands.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class DetectionByK : public Figure {
  std::string artefact() const override { return "Fig. 5b"; }
  std::string title() const override { return "Held-out instability detection ROC-AUC by window k, baseline vs +CF"; }
  std::string section() const override { return "rq2"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_part_csv(in, "table6", "table6_detection.csv");
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r)
      if (t.text(r, "split") == "heldout" && t.text(r, "metric") == "roc_auc")
        values.push_back({{"k", t.number(r, "k")}, {"variant", t.text(r, "variant")},
                          {"value", value_or_null(t.number(r, "value"))},
                          {"ci_low", value_or_null(t.number(r, "ci_low"))},
                          {"ci_high", value_or_null(t.number(r, "ci_high"))}});
    if (values.empty()) throw NotComputed{t.path() + " has no held-out ROC-AUC rows", evaluate_command(in.corpus_path, "rq2", "table6")};
    std::vector<double> windows;
    for (const json& v : values) windows.push_back(v["k"].get<double>());
    const json x = window_x(windows);
    const json colour = {{"field", "variant"}, {"type", "nominal"}, {"title", "features"}};
    json s = vega_lite("Fig. 5b: held-out ROC-AUC of instability detection");
    s["data"] = {{"values", values}};
    s["width"] = 360;
    s["height"] = 220;
    s["layer"] = band_and_line_layers(x, "ROC-AUC", colour, 0.2);
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig05b_detection_by_k() { return std::make_unique<DetectionByK>(); }

}  // namespace dynfault::report
