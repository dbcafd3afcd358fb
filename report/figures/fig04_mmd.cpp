// Fig. 4: MMD² between every pair of programs, programs sorted by their mean
// shift (mean MMD² to the other programs), as a heatmap.
#include <algorithm>
#include <cmath>
#include <map>

#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class Mmd : public Figure {
  std::string artefact() const override { return "Fig. 4"; }
  std::string title() const override { return "MMD² between programs (baseline channels), sorted by mean shift"; }
  std::string section() const override { return "rq1"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_csv(in, "rq1", "fig4_mmd.csv");
    std::map<std::string, std::pair<double, int>> shift;  // program -> (sum, count) over other programs
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r) {
      const std::string a = t.text(r, "program_a"), b = t.text(r, "program_b");
      const double v = t.number(r, "mmd2");
      values.push_back({{"program_a", a}, {"program_b", b}, {"mmd2", value_or_null(v)}});
      auto& s = shift[a];
      if (a != b && std::isfinite(v)) s.first += v, s.second += 1;
    }
    if (values.empty()) throw NotComputed{t.path() + " has no rows", evaluate_command(in.corpus_path, "rq1")};
    std::vector<std::pair<double, std::string>> order;
    for (const auto& [p, s] : shift) order.push_back({s.second ? s.first / s.second : 0.0, p});
    std::sort(order.begin(), order.end());  // ties by program name: deterministic
    json sorted = json::array();
    for (const auto& o : order) sorted.push_back(o.second);
    const double side = std::clamp(12.0 * static_cast<double>(order.size()), 160.0, 560.0);
    json s = vega_lite("Fig. 4: MMD² between programs (programs sorted by mean shift)");
    s["data"] = {{"values", values}};
    s["width"] = side;
    s["height"] = side;
    s["mark"] = "rect";
    s["encoding"] = {
        {"x", {{"field", "program_a"}, {"type", "ordinal"}, {"sort", sorted}, {"title", "program"}}},
        {"y", {{"field", "program_b"}, {"type", "ordinal"}, {"sort", sorted}, {"title", "program"}}},
        {"color", {{"field", "mmd2"}, {"type", "quantitative"}, {"title", "MMD²"}, {"scale", {{"scheme", "viridis"}}}}},
        {"tooltip", json::array({{{"field", "program_a"}}, {{"field", "program_b"}}, {{"field", "mmd2"}, {"format", ".3f"}}})}};
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig04_mmd() { return std::make_unique<Mmd>(); }

}  // namespace dynfault::report
