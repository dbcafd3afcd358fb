// Fig. 11: the +OF logistic-regression coefficients (standardised features) in
// each within-program fold: one dot per fold on each feature's strip, coloured
// by channel group, over the min-max spread, which is red where the sign flips
// across folds (fig11_spread.csv's sign_flip); the paper's statement as subtitle.
#include <algorithm>
#include <cmath>
#include <map>

#include "report/figure.h"
#include "report/paper_values.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

const char* const kFlip = "changes sign across folds";
const char* const kSame = "same sign in every fold";

class Coefficients : public Figure {
  std::string artefact() const override { return "Fig. 11"; }
  std::string title() const override { return "+OF logistic-regression coefficients in each within-program fold"; }
  std::string section() const override { return "rq3"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& m = need_csv(in, "rq3", "fig11_coefficients.csv");
    const CsvTable& spread = need_csv(in, "rq3", "fig11_spread.csv");
    size_t folds = 0;
    while (m.has_column("fold" + std::to_string(folds))) ++folds;
    if (m.size() == 0 || folds == 0)
      throw NotComputed{m.path() + " has no coefficients (Fig. 11 skipped: see the notes in run.json)",
                        evaluate_command(in.corpus_path, "rq3")};
    std::map<std::string, bool> flips;
    for (size_t r = 0; r < spread.size(); ++r) flips[spread.text(r, "feature")] = spread.text(r, "sign_flip") == "1";
    json points = json::array(), strips = json::array(), order = json::array();
    size_t flipped = 0;
    for (size_t r = 0; r < m.size(); ++r) {
      const std::string feature = m.text(r, "feature"), group = m.text(r, "group");
      const bool flip = flips.count(feature) && flips.at(feature);
      flipped += flip;
      order.push_back(feature);
      double lo = 0, hi = 0, sum = 0;
      size_t n = 0;
      for (size_t f = 0; f < folds; ++f) {
        const double c = m.number(r, "fold" + std::to_string(f));
        if (!std::isfinite(c)) continue;  // the column was all-missing in that fold's training split
        lo = n ? std::min(lo, c) : c, hi = n ? std::max(hi, c) : c, sum += c, ++n;
        points.push_back({{"feature", feature}, {"group", group}, {"fold", "fold " + std::to_string(f)}, {"coefficient", c}});
      }
      if (n) strips.push_back({{"feature", feature}, {"min", lo}, {"max", hi}, {"mean", sum / n}, {"sign", flip ? kFlip : kSame}});
    }
    const json y = {{"field", "feature"}, {"type", "nominal"}, {"sort", order}, {"title", "+OF feature (standardised)"},
                    {"axis", {{"labelLimit", 260}}}};
    const json x_title = "coefficient";
    json layers = json::array();
    layers.push_back({{"data", {{"values", strips}}},
                      {"mark", {{"type", "rule"}, {"strokeWidth", 3}}},
                      {"encoding", {{"y", y},
                                    {"x", {{"field", "min"}, {"type", "quantitative"}, {"title", x_title}}},
                                    {"x2", {{"field", "max"}}},
                                    {"color", {{"field", "sign"}, {"type", "nominal"}, {"title", "spread over folds"}, {"legend", {{"labelLimit", 260}}},
                                               {"scale", {{"domain", {kFlip, kSame}}, {"range", {"#d62728", "#bdbdbd"}}}}}}}}});
    layers.push_back({{"data", {{"values", strips}}},
                      {"mark", {{"type", "tick"}, {"color", "black"}, {"thickness", 2}}},
                      {"encoding", {{"y", y}, {"x", {{"field", "mean"}, {"type", "quantitative"}, {"title", x_title}}}}}});
    layers.push_back({{"data", {{"values", points}}},
                      {"mark", {{"type", "point"}, {"filled", true}, {"size", 40}, {"opacity", 0.85}}},
                      {"encoding", {{"y", y},
                                    {"x", {{"field", "coefficient"}, {"type", "quantitative"}, {"title", x_title}}},
                                    {"color", {{"field", "group"}, {"type", "nominal"}, {"title", "channel group"}}},
                                    {"tooltip", json::array({{{"field", "feature"}}, {{"field", "fold"}}, {{"field", "coefficient"}}})}}}});
    // Zero: a coefficient on either side of it pushes the prediction the other way.
    layers.push_back({{"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", "gray"}}}, {"encoding", {{"x", {{"datum", 0}}}}}});

    const AnalysisResults& a = need_analysis(in, "rq3");
    std::string k;
    if (a.has("fig11_coefficients.json") && a.json_file("fig11_coefficients.json").contains("k"))
      k = ", k = " + a.json_file("fig11_coefficients.json").at("k").dump();
    json subtitle = json::array({std::to_string(flipped) + " of " + std::to_string(m.size()) + " coefficients change sign across " +
                                 std::to_string(folds) + " within-program folds" + k + "; tick: mean over folds"});
    if (const PaperValue* p = PaperValues::embedded().find("fig11.of_coefficients"))
      subtitle.push_back("paper: " + (p->text.empty() ? p->quantity : p->text));
    json s = vega_lite("");
    s["title"] = {{"text", "Fig. 11: +OF coefficients across the within-program folds"}, {"subtitle", subtitle}};
    s["width"] = 360;
    s["height"] = {{"step", 14}};
    s["layer"] = layers;
    s["resolve"] = {{"scale", {{"color", "independent"}}}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig11_coefficients() { return std::make_unique<Coefficients>(); }

}  // namespace dynfault::report
