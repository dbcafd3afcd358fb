// Fig. 5a: histogram of the first explosion epoch of every unstable run, one
// panel per instability threshold.
#include "core/text.h"
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class FirstExplosion : public Figure {
  std::string artefact() const override { return "Fig. 5a"; }
  std::string title() const override { return "First explosion epoch of the unstable runs, by threshold"; }
  std::string section() const override { return "rq2"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_part_csv(in, "fig5a", "fig5a_histogram.csv");
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r)
      values.push_back({{"threshold", "loss > " + format_g(t.number(r, "threshold"))},
                        {"epoch", t.number(r, "epoch")},
                        {"runs", t.number(r, "runs")}});
    if (values.empty()) throw NotComputed{t.path() + " has no unstable run", evaluate_command(in.corpus_path, "rq2", "fig5a")};
    json s = vega_lite("Fig. 5a: first explosion epoch (0-based logged row)");
    s["data"] = {{"values", values}};
    s["facet"] = {{"column", {{"field", "threshold"}, {"type", "nominal"}, {"title", "threshold"}}}};
    s["spec"] = {{"width", 200},
                 {"height", 160},
                 {"mark", "bar"},
                 {"encoding",
                  {{"x", {{"field", "epoch"}, {"type", "ordinal"}, {"title", "first explosion epoch"}}},
                   {"y", {{"field", "runs"}, {"type", "quantitative"}, {"title", "unstable runs"}}}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig05a_first_explosion() { return std::make_unique<FirstExplosion>(); }

}  // namespace dynfault::report
