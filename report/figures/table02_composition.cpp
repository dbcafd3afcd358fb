// Table II's bar charts: runs and programs per fault category of the corpus.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class Composition : public Figure {
  std::string artefact() const override { return "Table II"; }
  std::string title() const override { return "Corpus composition: runs and programs per fault category"; }
  std::string section() const override { return "corpus"; }
  json spec(const FigureInputs& in) const override {
    json values = json::array(), order = json::array();
    for (const auto& c : in.corpus.categories) {
      order.push_back(c.category);
      values.push_back({{"category", c.category}, {"count", "runs"}, {"value", c.runs}});
      values.push_back({{"category", c.category}, {"count", "programs"}, {"value", c.programs}});
    }
    json s = vega_lite("Table II: runs and programs per fault category");
    s["data"] = {{"values", values}};
    s["facet"] = {{"column", {{"field", "count"}, {"type", "nominal"}, {"title", ""}, {"sort", {"runs", "programs"}}}}};
    s["resolve"] = {{"scale", {{"x", "independent"}}}};
    s["spec"] = {{"width", 220},
                 {"mark", "bar"},
                 {"encoding",
                  {{"y", {{"field", "category"}, {"type", "nominal"}, {"sort", order}, {"title", "category"}}},
                   {"x", {{"field", "value"}, {"type", "quantitative"}, {"title", ""}}},
                   {"tooltip", json::array({{{"field", "category"}}, {{"field", "value"}}})}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_table02_composition() { return std::make_unique<Composition>(); }

}  // namespace dynfault::report
