#include "evaluate/analysis.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "core/seed.h"

namespace dynfault::evaluate {
namespace {

template <class T, class Parse>
std::vector<T> parse_list(const std::string& text, const std::string& option, const char* what, Parse parse) {
  std::vector<T> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const T v = parse(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      throw Error(option, "'" + item + "' is not " + what);
    }
  }
  return out;
}

}  // namespace

std::vector<int> parse_int_list(const std::string& text, const std::string& option) {
  return parse_list<int>(text, option, "an integer",
                         [](const std::string& s, size_t* used) { return std::stoi(s, used); });
}

std::vector<double> parse_double_list(const std::string& text, const std::string& option) {
  return parse_list<double>(text, option, "a number",
                            [](const std::string& s, size_t* used) { return std::stod(s, used); });
}

uint32_t parse_analysis_seed(const std::string& seed) {
  return static_cast<uint32_t>(dynfault::parse_seed("--seed", seed, UINT32_MAX));
}

AnalysisOutput run_all_analyses(const CorpusReader& corpus, const AnalysisArgs& args, Engine& engine) {
  AnalysisOutput out;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, summary] : analyses().list()) {
    try {
      const AnalysisOutput one = analyses().make(name)->run(corpus, args, engine);
      for (const auto& [path, content] : one.files) out.files[name + "/" + path] = content;
      for (const auto& [path, content] : one.dump) out.dump[name + "/" + path] = content;
      list.push_back({{"analysis", name}, {"status", "done"}, {"note", ""}});
      out.summary += (out.summary.empty() ? "" : "; ") + name + ": " + one.summary;
    } catch (const CannotRun& e) {
      out.files[name + "/skipped.md"] = "# " + name + ": skipped\n\n" + std::string(e.what()) + "\n";
      list.push_back({{"analysis", name}, {"status", "skipped"}, {"note", e.what()}});
      out.summary += (out.summary.empty() ? "" : "; ") + name + " skipped";
    }
  }
  out.files["analyses.json"] = nlohmann::json({{"corpus", corpus.path()}, {"analyses", list}}).dump(2) + "\n";
  return out;
}

}  // namespace dynfault::evaluate
