// Fig. 8: 2-D PCA of the epoch-0 geometry features, coloured by k-means
// cluster (Table VII), unstable runs as crosses.
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class Pca : public Figure {
  std::string artefact() const override { return "Fig. 8"; }
  std::string title() const override { return "PCA of epoch-0 curvature geometry, by cluster"; }
  std::string section() const override { return "rq2"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_part_csv(in, "table7", "fig8_pca.csv");
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r)
      values.push_back({{"pc1", value_or_null(t.number(r, "pc1"))}, {"pc2", value_or_null(t.number(r, "pc2"))},
                        {"cluster", "C" + t.text(r, "cluster")},
                        {"run", t.text(r, "unstable") == "1" ? "unstable" : "stable"}});
    if (values.empty()) throw NotComputed{t.path() + " has no rows", evaluate_command(in.corpus_path, "rq2", "table7")};
    json s = vega_lite("Fig. 8: PCA of epoch-0 geometry by cluster");
    s["data"] = {{"values", values}};
    s["width"] = 360;
    s["height"] = 300;
    s["mark"] = {{"type", "point"}, {"opacity", 0.6}, {"size", 20}};
    s["encoding"] = {{"x", {{"field", "pc1"}, {"type", "quantitative"}, {"title", "PC 1"}}},
                     {"y", {{"field", "pc2"}, {"type", "quantitative"}, {"title", "PC 2"}}},
                     {"color", {{"field", "cluster"}, {"type", "nominal"}, {"title", "cluster"}}},
                     {"shape", {{"field", "run"}, {"type", "nominal"}, {"title", "run"},
                                {"scale", {{"domain", {"stable", "unstable"}}, {"range", {"circle", "cross"}}}}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig08_pca() { return std::make_unique<Pca>(); }

}  // namespace dynfault::report
