// Fig. 3b: balanced accuracy after shuffling labels within each program (one
// tick per permutation) against the unpermuted value (the diamond).
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

std::string panel_name(const CsvTable& t, size_t r) {
  return t.text(r, "task") + ", k = " + t.text(r, "k");
}

class Permutation : public Figure {
  std::string artefact() const override { return "Fig. 3b"; }
  std::string title() const override { return "Within-program label permutation: permuted vs observed balanced accuracy"; }
  std::string section() const override { return "rq1"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& values = need_csv(in, "rq1", "fig3b_permutation_values.csv");
    const CsvTable& summary = need_csv(in, "rq1", "fig3b_permutation.csv");
    json data = json::array();
    for (size_t r = 0; r < values.size(); ++r)
      if (values.text(r, "metric") == "balanced_accuracy")
        data.push_back({{"panel", panel_name(values, r)}, {"split", values.text(r, "scheme")}, {"kind", "permuted"},
                        {"value", value_or_null(values.number(r, "value"))}});
    for (size_t r = 0; r < summary.size(); ++r)
      if (summary.text(r, "metric") == "balanced_accuracy")
        data.push_back({{"panel", panel_name(summary, r)}, {"split", summary.text(r, "scheme")}, {"kind", "observed"},
                        {"value", value_or_null(summary.number(r, "observed"))}});
    if (data.empty())
      throw NotComputed{summary.path() + " has no permutations (--permutations 0)", evaluate_command(in.corpus_path, "rq1")};
    const json x = {{"field", "value"}, {"type", "quantitative"}, {"title", "balanced accuracy"}};
    const json y = {{"field", "split"}, {"type", "nominal"}, {"title", ""}};
    json s = vega_lite("Fig. 3b: label permutation within programs");
    s["data"] = {{"values", data}};
    s["facet"] = {{"row", {{"field", "panel"}, {"type", "nominal"}, {"title", ""},
                          {"header", {{"labelAngle", 0}, {"labelAlign", "left"}}}}}};
    s["spec"] = {{"width", 360},
                 {"layer", json::array({{{"transform", json::array({{{"filter", "datum.kind === 'permuted'"}}})},
                                         {"mark", {{"type", "tick"}, {"opacity", 0.6}}},
                                         {"encoding", {{"x", x}, {"y", y}}}},
                                        {{"transform", json::array({{{"filter", "datum.kind === 'observed'"}}})},
                                         {"mark", {{"type", "point"}, {"shape", "diamond"}, {"size", 120},
                                                   {"filled", true}, {"color", "#d62728"}}},
                                         {"encoding", {{"x", x}, {"y", y}}}}})}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig03b_permutation() { return std::make_unique<Permutation>(); }

}  // namespace dynfault::report
