#include "collect/summary.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/domain.h"

namespace dynfault::collect {

namespace {
constexpr const char* kOriginal = "Original";
}

CorpusSummary summarize(const std::vector<RunIndexRow>& index) {
  CorpusSummary s;
  std::set<std::string> programs;
  std::map<std::string, std::set<std::string>> programs_of;
  std::map<std::string, CategoryComposition> by_category;
  for (const auto& r : index) {
    ++s.trace_files;
    if (r.epochs > 0)
      ++s.non_empty_runs;
    else
      ++s.crashed_before_epoch;
    if (r.unstable) ++s.unstable_runs;
    programs.insert(r.program);
    ++s.runs_per_probe_set[r.probes];
    ++s.runs_per_status[r.status];
    ++s.runs_per_source[r.source];
    const std::string category = r.category.empty() ? kOriginal : r.category;
    auto& c = by_category[category];
    ++c.runs;
    if (r.killed == 1) ++c.killed;
    programs_of[category].insert(r.program);
  }
  s.programs = programs.size();
  std::vector<std::string> order = {kOriginal};
  for (auto c : kAllCategories) order.push_back(to_string(c));
  for (const auto& [name, c] : by_category)
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
  for (const auto& name : order) {
    CategoryComposition c = by_category.count(name) ? by_category[name] : CategoryComposition{};
    c.category = name;
    c.programs = programs_of[name].size();
    s.categories.push_back(c);
  }
  return s;
}

CorpusSummary summarize_corpus(const std::string& corpus_path) { return summarize(CorpusReader(corpus_path).index()); }

std::string summary_table(const CorpusSummary& s) {
  std::ostringstream out;
  auto line = [&](const std::string& label, size_t value, int indent = 2) {
    out << std::string(indent, ' ') << std::left << std::setw(34 - indent) << label << std::right << std::setw(8)
        << value << "\n";
  };
  line("trace files", s.trace_files);
  line("non-empty runs", s.non_empty_runs);
  line("crash before first epoch", s.crashed_before_epoch);
  line("programs", s.programs);
  line("unstable runs", s.unstable_runs);
  out << "  runs per probe set\n";
  for (const auto& [k, v] : s.runs_per_probe_set) line(k, v, 4);
  out << "  runs per status\n";
  for (const auto& [k, v] : s.runs_per_status) line(k, v, 4);
  out << "  runs per source\n";
  for (const auto& [k, v] : s.runs_per_source) line(k, v, 4);
  out << "  " << std::left << std::setw(24) << "fault category" << std::right << std::setw(8) << "runs"
      << std::setw(10) << "programs" << std::setw(8) << "killed" << "\n";
  for (const auto& c : s.categories)
    out << "    " << std::left << std::setw(22) << c.category << std::right << std::setw(8) << c.runs << std::setw(10)
        << c.programs << std::setw(8) << c.killed << "\n";
  return out.str();
}

std::string summary_json(const CorpusSummary& s) {
  nlohmann::ordered_json j;
  j["trace_files"] = s.trace_files;
  j["non_empty_runs"] = s.non_empty_runs;
  j["crashed_before_epoch"] = s.crashed_before_epoch;
  j["programs"] = s.programs;
  j["unstable_runs"] = s.unstable_runs;
  j["runs_per_probe_set"] = s.runs_per_probe_set;
  j["runs_per_status"] = s.runs_per_status;
  j["runs_per_source"] = s.runs_per_source;
  j["categories"] = nlohmann::ordered_json::array();
  for (const auto& c : s.categories)
    j["categories"].push_back({{"category", c.category}, {"runs", c.runs}, {"programs", c.programs}, {"killed", c.killed}});
  return j.dump(2) + "\n";
}

}  // namespace dynfault::collect
