// Fig. 3a: how well the program itself is predicted from the same features, by
// window k, against chance (1/programs).
#include "report/figure.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

class ProgramIdentity : public Figure {
  std::string artefact() const override { return "Fig. 3a"; }
  std::string title() const override { return "Program identity predicted from training traces, by window k"; }
  std::string section() const override { return "rq1"; }
  json spec(const FigureInputs& in) const override {
    const CsvTable& t = need_csv(in, "rq1", "fig3a_program_identity.csv");
    if (t.size() == 0) throw NotComputed{t.path() + " has no rows (see its JSON note)", evaluate_command(in.corpus_path, "rq1")};
    json values = json::array();
    for (size_t r = 0; r < t.size(); ++r) {
      const double k = t.number(r, "k");
      for (const char* metric : {"accuracy", "balanced_accuracy"}) {
        const std::string m = metric;
        values.push_back({{"k", k}, {"series", m}, {"value", value_or_null(t.number(r, m))},
                          {"ci_low", value_or_null(t.number(r, m + "_ci_low"))},
                          {"ci_high", value_or_null(t.number(r, m + "_ci_high"))}});
      }
      values.push_back({{"k", k}, {"series", "chance (1/programs)"}, {"value", value_or_null(t.number(r, "chance_uniform"))},
                        {"ci_low", nullptr}, {"ci_high", nullptr}});
    }
    std::vector<double> windows;
    for (const json& v : values) windows.push_back(v["k"].get<double>());
    const json x = window_x(windows);
    const json colour = {{"field", "series"}, {"type", "nominal"}, {"title", ""}};
    json s = vega_lite("Fig. 3a: program identity from traces");
    s["data"] = {{"values", values}};
    s["width"] = 360;
    s["height"] = 220;
    s["layer"] = band_and_line_layers(x, "accuracy", colour, 0.25);
    return s;
  }
};

}  // namespace

std::unique_ptr<Figure> make_figure_fig03a_program_identity() { return std::make_unique<ProgramIdentity>(); }

}  // namespace dynfault::report
