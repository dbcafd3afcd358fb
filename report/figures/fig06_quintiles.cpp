// Fig. 6: instability rate by quintile of epoch-0 mean HVP and of epoch-0
// gradient std.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class Quintiles : public Figure {
  std::string artefact() const override { return "Fig. 6"; }
  std::string title() const override { return "Instability rate by quintile of epoch-0 curvature"; }
  std::string section() const override { return "rq2"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_part_csv(in, "fig6", "fig6_quintiles.csv");
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r)
      values.push_back({{"quantity", t.text(r, "quantity") == "mean_hvp" ? "epoch-0 mean HVP" : "epoch-0 gradient std"},
                        {"quintile", t.number(r, "quintile")}, {"rate", value_or_null(t.number(r, "rate"))},
                        {"runs", t.number(r, "runs")}, {"unstable", t.number(r, "unstable")}});
    if (values.empty()) throw NotComputed{t.path() + " has no rows", evaluate_command(in.corpus_path, "rq2", "fig6")};
    json s = vega_lite("Fig. 6: instability rate by epoch-0 quintile");
    s["data"] = {{"values", values}};
    s["facet"] = {{"column", {{"field", "quantity"}, {"type", "nominal"}, {"title", ""}}}};
    s["spec"] = {{"width", 200},
                 {"height", 160},
                 {"mark", "bar"},
                 {"encoding",
                  {{"x", {{"field", "quintile"}, {"type", "ordinal"}, {"title", "quintile (1 = lowest)"}}},
                   {"y", {{"field", "rate"}, {"type", "quantitative"}, {"title", "instability rate"}}},
                   {"tooltip", json::array({{{"field", "runs"}}, {{"field", "unstable"}}, {{"field", "rate"}, {"format", ".3f"}}})}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig06_quintiles() { return std::make_unique<Quintiles>(); }

}  // namespace dynfault::report
