#include "report/results.h"

#include <cmath>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/json_fields.h"

namespace dynfault::report {
namespace fs = std::filesystem;
using nlohmann::json;

CsvTable::CsvTable(std::string path, const std::string& text) : path_(std::move(path)) {
  std::vector<CsvRecord> records = parse_csv(text, path_);
  if (records.empty()) throw Error(path_, "empty results file (no header)");
  for (size_t c = 0; c < records[0].fields.size(); ++c) columns_[records[0].fields[c]] = c;
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].fields.size() != records[0].fields.size())
      throw Error(path_, "line " + std::to_string(records[r].line) + " has " +
                             std::to_string(records[r].fields.size()) + " fields, the header " +
                             std::to_string(records[0].fields.size()));
    rows_.push_back(std::move(records[r].fields));
  }
}

size_t CsvTable::index(const std::string& column) const {
  auto it = columns_.find(column);
  if (it == columns_.end()) throw Error(path_, "missing column '" + column + "'");
  return it->second;
}

const std::string& CsvTable::text(size_t row, const std::string& column) const { return rows_.at(row)[index(column)]; }

double CsvTable::number(size_t row, const std::string& column) const {
  const std::string& cell = text(row, column);
  if (cell.empty()) return std::nan("");
  double v;
  if (!parse_number(cell, v))
    throw Error(path_, "row " + std::to_string(row + 2) + ", column '" + column + "': '" + cell + "' is not a number");
  return v;
}

AnalysisResults::AnalysisResults(std::string name, std::string dir, json run)
    : name_(std::move(name)), dir_(std::move(dir)), run_(std::move(run)) {}

bool AnalysisResults::has(const std::string& file) const { return fs::is_regular_file(fs::path(dir_) / file); }

const CsvTable& AnalysisResults::csv(const std::string& file) const {
  auto& slot = csv_[file];
  if (!slot) {
    const std::string path = (fs::path(dir_) / file).string();
    slot = std::make_unique<CsvTable>(path, read_text_file(path));
  }
  return *slot;
}

static json parse_json_file(const std::string& path) {
  try {
    return json::parse(read_text_file(path));
  } catch (const json::parse_error& e) {
    throw Error(path, std::string("corrupt JSON (") + e.what() + ")");
  }
}

const json& AnalysisResults::json_file(const std::string& file) const {
  auto it = json_.find(file);
  if (it == json_.end()) it = json_.emplace(file, parse_json_file((fs::path(dir_) / file).string())).first;
  return it->second;
}

std::pair<std::string, std::string> AnalysisResults::part(const std::string& part) const {
  if (!has("parts.csv")) return {};
  const CsvTable& t = csv("parts.csv");
  for (size_t r = 0; r < t.size(); ++r)
    if (t.text(r, "part") == part) return {t.text(r, "status"), t.text(r, "note")};
  return {};
}

namespace {

// Runs the analysis accounted for (evaluated + skipped); each must equal the corpus's run count.
size_t runs_accounted(const json& run, const std::string& where) {
  const std::string analysis = field<std::string>(run, "analysis", where);
  const size_t terminated = optional_field<size_t>(run, "runs_skipped_terminated", 0, where);
  if (analysis == "rq1")
    return field<size_t>(run, "runs_evaluated", where) + field<size_t>(run, "runs_skipped_unlabelled", where) +
           field<size_t>(run, "runs_skipped_zero_epochs", where) + terminated;
  return field<size_t>(run, "runs", where) + field<size_t>(run, "runs_skipped_zero_epochs", where) + terminated;
}

void check_corpus(const json& run, const std::string& where, const CorpusIdentity& corpus) {
  if (run.contains("corpus_sha256")) {
    const std::string recorded = field<std::string>(run, "corpus_sha256", where);
    if (recorded != corpus.sha256)
      throw Error(where, "results of another corpus (corpus_sha256 " + recorded + ", " + corpus.path + " has " +
                             corpus.sha256 + ")");
    return;
  }
  const size_t runs = runs_accounted(run, where);
  if (runs != corpus.runs)
    throw Error(where, "results of another corpus (they account for " + std::to_string(runs) + " runs, " +
                           corpus.path + " holds " + std::to_string(corpus.runs) + ")");
}

void add_analysis(std::vector<AnalysisResults>& out, const fs::path& dir, const CorpusIdentity& corpus) {
  const std::string where = (dir / "run.json").string();
  json run = parse_json_file(where);
  if (!run.is_object()) throw Error(where, "not a JSON object");
  const std::string name = field<std::string>(run, "analysis", where);
  check_corpus(run, where, corpus);
  for (const auto& a : out)
    if (a.name() == name) throw Error(dir.string(), "results of analysis '" + name + "' given twice (also " + a.dir() + ")");
  out.emplace_back(name, dir.string(), std::move(run));
}

}  // namespace

Results Results::load(const std::vector<std::string>& dirs, const CorpusIdentity& corpus) {
  Results r;
  for (const std::string& d : dirs) {
    const fs::path dir(d);
    if (!fs::is_directory(dir)) throw Error(d, "results directory does not exist");
    if (fs::is_regular_file(dir / "run.json")) {
      add_analysis(r.analyses_, dir, corpus);
      continue;
    }
    if (!fs::is_regular_file(dir / "analyses.json"))
      throw Error(d, "not an evaluation results directory (no run.json or analyses.json; run `dynfault evaluate` first)");
    const std::string where = (dir / "analyses.json").string();
    const json all = parse_json_file(where);
    for (const json& a : field<json>(all, "analyses", where)) {
      const std::string name = field<std::string>(a, "analysis", where);
      const std::string status = field<std::string>(a, "status", where);
      if (status == "done") {
        add_analysis(r.analyses_, dir / name, corpus);
      } else {
        // The one-line note of analyses.json; skipped.md (Markdown) only when there is none.
        const fs::path skipped = dir / name / "skipped.md";
        std::string reason = optional_field<std::string>(a, "note", "", where);
        if (reason.empty() && fs::is_regular_file(skipped)) reason = read_text_file(skipped.string());
        r.skipped_.push_back({name, (dir / name).string(), reason});
      }
    }
  }
  return r;
}

const AnalysisResults* Results::find(const std::string& analysis) const {
  for (const auto& a : analyses_)
    if (a.name() == analysis) return &a;
  return nullptr;
}

const SkippedAnalysis* Results::find_skipped(const std::string& analysis) const {
  for (const auto& s : skipped_)
    if (s.name == analysis) return &s;
  return nullptr;
}

}  // namespace dynfault::report
