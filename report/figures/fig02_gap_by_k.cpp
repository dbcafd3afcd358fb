// Fig. 2: balanced accuracy within-program, program-held-out and LOPO by window
// k with CI bands, and the gap (within - held-out) by k, one column per task.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class GapByK : public Figure {
  std::string artefact() const override { return "Fig. 2"; }
  std::string title() const override { return "Within-program vs program-held-out balanced accuracy by window k, and the gap"; }
  std::string section() const override { return "rq1"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_csv(in, "rq1", "fig2_gap_by_k.csv");
    json splits = json::array(), gaps = json::array();
    for (size_t r = 0; r < t.size(); ++r) {
      if (t.text(r, "metric") != "balanced_accuracy") continue;
      const std::string task = t.text(r, "task");
      const double k = t.number(r, "k");
      for (const char* split : {"within", "heldout", "lopo"}) {
        const std::string s = split;
        if (!t.has_column(s)) continue;
        splits.push_back({{"task", task}, {"k", k}, {"split", s}, {"value", value_or_null(t.number(r, s))},
                          {"ci_low", value_or_null(t.number(r, s + "_ci_low"))},
                          {"ci_high", value_or_null(t.number(r, s + "_ci_high"))}});
      }
      gaps.push_back({{"task", task}, {"k", k}, {"value", value_or_null(t.number(r, "gap"))},
                      {"ci_low", value_or_null(t.number(r, "gap_ci_low"))},
                      {"ci_high", value_or_null(t.number(r, "gap_ci_high"))}});
    }
    if (splits.empty()) throw NotComputed{t.path() + " has no balanced_accuracy rows", evaluate_command(in.corpus_path, "rq1")};
    std::vector<double> windows;
    for (const json& v : splits) windows.push_back(v["k"].get<double>());
    const json x = window_x(windows);
    auto panel = [&](const json& values, const std::string& y_title, bool coloured) {
      const json colour = coloured ? json{{"field", "split"}, {"type", "nominal"}, {"title", "split"}} : json();
      json layers = band_and_line_layers(x, y_title, colour, 0.25);
      if (!coloured)  // the zero line: a gap above it favours within-program evaluation
        layers.push_back({{"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}}}, {"encoding", {{"y", {{"datum", 0}}}}}});
      return json{{"data", {{"values", values}}},
                  {"facet", {{"column", {{"field", "task"}, {"type", "nominal"}, {"title", "task"}}}}},
                  {"spec", {{"width", 220}, {"height", 160}, {"layer", layers}}}};
    };
    json s = vega_lite("Fig. 2: balanced accuracy by window, and the gap (within - held-out)");
    s["vconcat"] = json::array({panel(splits, "balanced accuracy", true), panel(gaps, "gap", false)});
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig02_gap_by_k() { return std::make_unique<GapByK>(); }

}  // namespace dynfault::report
