#pragma once
// The results the report reads: the directories written by `dynfault evaluate`
// (docs/evaluate.md, "Outputs"). A directory is one analysis (its run.json names
// it) or an `evaluate all` directory (analyses.json, one sub-directory per
// analysis). Files are parsed on first use; a corrupt file is an Error naming
// it, a missing one is for the caller to report as "not computed".
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dynfault::report {

// A parsed results CSV: header plus rows of cells; empty cells are undefined values.
class CsvTable {
 public:
  CsvTable(std::string path, const std::string& text);
  const std::string& path() const { return path_; }
  size_t size() const { return rows_.size(); }
  bool has_column(const std::string& name) const { return columns_.count(name) > 0; }
  const std::string& text(size_t row, const std::string& column) const;
  // NaN for an empty cell; an Error naming the file, line and column for text that is no number.
  double number(size_t row, const std::string& column) const;

 private:
  size_t index(const std::string& column) const;
  std::string path_;
  std::map<std::string, size_t> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// One analysis's results directory (e.g. results/ of `evaluate rq1`, or results/rq2/ of `evaluate all`).
class AnalysisResults {
 public:
  AnalysisResults(std::string name, std::string dir, nlohmann::json run);
  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  const nlohmann::json& run() const { return run_; }  // run.json
  bool has(const std::string& file) const;
  const CsvTable& csv(const std::string& file) const;  // Error naming the file if it is missing or corrupt
  const nlohmann::json& json_file(const std::string& file) const;
  // RQ2's parts.csv: status and note of a part ("done", "skipped", "not requested"); empty if absent.
  std::pair<std::string, std::string> part(const std::string& part) const;

 private:
  std::string name_, dir_;
  nlohmann::json run_;
  mutable std::map<std::string, std::unique_ptr<CsvTable>> csv_;
  mutable std::map<std::string, nlohmann::json> json_;
};

// An analysis `evaluate all` skipped (its note in analyses.json), kept so the report can say why.
struct SkippedAnalysis {
  std::string name, dir, reason;
};

// What the corpus says about itself, to check that results were computed from it.
struct CorpusIdentity {
  std::string path, sha256;
  size_t runs = 0;
};

class Results {
 public:
  // Loads every directory (one analysis each, or an `evaluate all` directory). Errors (one line,
  // naming the file): a directory without run.json or analyses.json, a corrupt run.json, the same
  // analysis given twice, or results of another corpus (run counts, or a recorded corpus_sha256,
  // that differ from `corpus`).
  static Results load(const std::vector<std::string>& dirs, const CorpusIdentity& corpus);

  const AnalysisResults* find(const std::string& analysis) const;  // nullptr if not given
  const std::vector<AnalysisResults>& analyses() const { return analyses_; }
  const std::vector<SkippedAnalysis>& skipped() const { return skipped_; }
  const SkippedAnalysis* find_skipped(const std::string& analysis) const;

 private:
  std::vector<AnalysisResults> analyses_;
  std::vector<SkippedAnalysis> skipped_;
};

}  // namespace dynfault::report
