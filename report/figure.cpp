#include "report/figure.h"

#include <algorithm>
#include <cmath>

namespace dynfault::report {

std::string evaluate_command(const std::string& corpus, const std::string& analysis, const std::string& part) {
  std::string cmd = "dynfault evaluate " + analysis + " " + corpus + " --out results/" + analysis;
  if (!part.empty()) cmd += " --parts " + part;
  return cmd;
}

const AnalysisResults& need_analysis(const FigureInputs& in, const std::string& analysis) {
  if (const AnalysisResults* a = in.results.find(analysis)) return *a;
  if (const SkippedAnalysis* s = in.results.find_skipped(analysis))
    throw NotComputed{"`evaluate all` skipped " + analysis + " (" + s->dir + "/skipped.md): " + s->reason,
                      evaluate_command(in.corpus_path, analysis)};
  throw NotComputed{"no " + analysis + " results were given (--results)", evaluate_command(in.corpus_path, analysis)};
}

const CsvTable& need_csv(const FigureInputs& in, const std::string& analysis, const std::string& file) {
  const AnalysisResults& a = need_analysis(in, analysis);
  if (!a.has(file)) throw NotComputed{a.dir() + "/" + file + " is missing", evaluate_command(in.corpus_path, analysis)};
  return a.csv(file);
}

const CsvTable& need_part_csv(const FigureInputs& in, const std::string& part, const std::string& file) {
  const AnalysisResults& a = need_analysis(in, "rq2");
  const auto [status, note] = a.part(part);
  if (status != "done" && !status.empty())
    throw NotComputed{"RQ2 part " + part + " " + status + (note.empty() ? "" : ": " + note),
                      evaluate_command(in.corpus_path, "rq2", part)};
  return need_csv(in, "rq2", file);
}

nlohmann::json vega_lite(const std::string& title) {
  return {{"$schema", "https://vega.github.io/schema/vega-lite/v5.json"},
          {"title", title},
          {"config", {{"font", "sans-serif"}, {"view", {{"stroke", nullptr}}}}}};
}

nlohmann::json window_x(const std::vector<double>& windows) {
  std::vector<double> ticks = windows;
  std::sort(ticks.begin(), ticks.end());
  ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
  return {{"field", "k"},
          {"type", "quantitative"},
          {"scale", {{"type", "log"}, {"nice", false}}},
          {"axis", {{"values", ticks}, {"format", "d"}}},
          {"title", "window k (epochs)"}};
}

nlohmann::json bars_ci_and_paper_layers(const nlohmann::json& y, const std::string& ours, const std::string& paper) {
  using json = nlohmann::json;
  auto only = [](const std::string& source) { return json::array({{{"filter", {{"field", "source"}, {"equal", source}}}}}); };
  json layers = json::array();
  layers.push_back({{"transform", only(ours)},
                    {"mark", {{"type", "bar"}, {"color", "#4c78a8"}, {"opacity", 0.8}}},
                    {"encoding", {{"y", y}, {"x", {{"field", "value"}, {"type", "quantitative"}, {"title", nullptr}}}}}});
  layers.push_back({{"transform", only(ours)},
                    {"mark", {{"type", "rule"}, {"color", "black"}}},
                    {"encoding", {{"y", y}, {"x", {{"field", "ci_low"}, {"type", "quantitative"}}}, {"x2", {{"field", "ci_high"}}}}}});
  if (!paper.empty())
    layers.push_back({{"transform", only(paper)},
                      {"mark", {{"type", "point"}, {"filled", true}, {"size", 90}, {"color", "#d62728"}}},
                      {"encoding", {{"y", y},
                                    {"x", {{"field", "value"}, {"type", "quantitative"}}},
                                    {"shape", {{"field", "source"}, {"type", "nominal"}, {"title", ""},
                                               {"scale", {{"range", {"diamond"}}}}}}}}});
  return layers;
}

nlohmann::json band_and_line_layers(const nlohmann::json& x, const std::string& y_title, const nlohmann::json& colour,
                                    double band_opacity) {
  nlohmann::json band = {{"mark", {{"type", "errorband"}, {"opacity", band_opacity}}},
                         {"encoding", {{"x", x},
                                       {"y", {{"field", "ci_low"}, {"type", "quantitative"}, {"title", y_title}}},
                                       {"y2", {{"field", "ci_high"}}}}}};
  nlohmann::json line = {{"mark", {{"type", "line"}, {"point", true}}},
                         {"encoding", {{"x", x}, {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", y_title}}}}}};
  if (!colour.is_null()) {
    band["encoding"]["color"] = colour;
    line["encoding"]["color"] = colour;
  }
  return nlohmann::json::array({band, line});
}

nlohmann::json value_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string fig12_paper_id(const std::string& row, const std::string& quantity) {
  if (row == "full" || row == "baseline_only") return "fig12." + row + "." + quantity;
  if (row.rfind("without_", 0) == 0) return "fig12.remove_" + row.substr(8) + "." + quantity;
  return "";
}

std::string fig13_paper_id(const std::string& technique, const std::string& classifier, const std::string& split) {
  if (classifier.rfind("random_forest", 0) == 0) return "peers.rf." + split;
  if (classifier == "logistic_regression" && (technique == "default" || technique == "deepfd"))
    return "peers." + technique + "_lr." + split;
  return "";
}

std::string peer_technique_name(const std::string& technique) {
  if (technique == "default") return "DEFault";
  if (technique == "deepfd") return "DeepFD";
  if (technique == "autotrainer") return "AutoTrainer";
  if (technique == "deepdiagnosis") return "DeepDiagnosis";
  return technique;
}
std::string peer_classifier_name(const std::string& classifier) {
  if (classifier.rfind("random_forest", 0) == 0) return "random forest";
  if (classifier == "logistic_regression") return "logistic regression";
  return classifier;
}

}  // namespace dynfault::report
