#pragma once
// The report as data: sections of text, tables, figures and "not computed"
// entries, rendered the same way into index.html and summary.md (page.h).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "report/paper_values.h"

namespace dynfault::report {

struct TableCell {
  std::string text;
  std::string paper;    // the paper's value beside ours ("" if the paper gives none)
  std::string verdict;  // how they compare
  bool differs = false;
};

struct Table {
  std::string id, caption, note;
  std::vector<std::string> header;
  std::vector<std::vector<TableCell>> rows;
};

struct Block {
  enum class Kind { Text, Table, Figure, NotComputed } kind = Kind::Text;
  std::string text;          // Text: one paragraph (plain text; `code` spans allowed)
  Table table;               // Table
  std::string figure;        // Figure: its name (figures/<name>.svg)
  std::string artefact;      // Figure / NotComputed: "Fig. 2"
  std::string title;         // Figure / NotComputed
  std::string reason;        // NotComputed
  std::string command;       // NotComputed: what computes it ("" when nothing does yet)
};

struct Section {
  std::string id, title;
  std::vector<Block> blocks;
};

struct Document {
  std::vector<Section> sections;
  std::vector<std::string> figures;  // names of the figures drawn, in page order
};

// Builds table cells beside the paper's values, remembering which values were placed.
class PaperColumn {
 public:
  explicit PaperColumn(const PaperValues& values) : values_(values) {}
  // A cell with our value (and CI); with the paper's value `id` beside it when the paper gives one.
  TableCell cell(const std::string& id, double value, double ci_low, double ci_high, std::optional<int> k);
  TableCell cell(const std::string& id, double value, std::optional<int> k = std::nullopt);
  const std::set<std::string>& placed() const { return placed_; }
  const PaperValues& values() const { return values_; }

 private:
  const PaperValues& values_;
  std::set<std::string> placed_;
};

inline TableCell text_cell(std::string text) { return TableCell{std::move(text), "", "", false}; }

}  // namespace dynfault::report
