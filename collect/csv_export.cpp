#include "collect/csv_export.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/csv.h"
#include "collect/published_schema.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace dynfault::collect {
namespace fs = std::filesystem;

namespace {

std::string format_cell(double v, CellFormat format) {
  switch (format) {
    case CellFormat::Integer:
      // Counts and flags are written as Python ints; a non-integral value
      // (never produced by the callback) keeps its float form.
      if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.2e18)
        return std::to_string(static_cast<long long>(v));
      return format_python_float(v);
    case CellFormat::PythonBool:
      if (v == 0) return "False";
      if (v == 1) return "True";
      return format_python_float(v);
    case CellFormat::Real:
      return format_python_float(v);
  }
  return format_python_float(v);
}

std::string category_of_file_name(const std::string& category) { return category.empty() ? "Original" : category; }

}  // namespace

std::string published_csv_text(const Trace& trace) {
  const auto& columns = published_columns();
  std::vector<std::optional<size_t>> source(columns.size());
  std::vector<bool> zero(columns.size(), false);
  for (size_t c = 0; c < columns.size(); ++c) {
    source[c] = trace.channel_index(columns[c].channel);
    if (!source[c] && columns[c].dynfault_channel) source[c] = trace.channel_index(columns[c].dynfault_channel);
    zero[c] = !source[c] && columns[c].zero_for_dynfault && trace.source == "dynfault";
  }
  std::string out = published_header() + "\n";
  for (size_t e = 0; e < trace.epochs(); ++e) {
    for (size_t c = 0; c < columns.size(); ++c) {
      double v = std::nan("");
      if (source[c])
        v = trace.value(e, *source[c]);
      else if (c == 0)
        v = static_cast<double>(e);  // no epoch channel: rows are epochs 0, 1, ...
      else if (zero[c])
        v = 0;
      if (c) out += ',';
      out += format_cell(v, columns[c].format);
    }
    out += '\n';
  }
  return out;
}

std::vector<ExportEntry> plan_export(const std::vector<RunIndexRow>& index, const std::string& where) {
  using Group = std::pair<std::string, std::string>;  // (program, file-name category)
  std::map<Group, std::set<int64_t>> taken;
  std::vector<ExportEntry> entries(index.size());
  std::vector<bool> numbered(index.size(), false);
  for (size_t i = 0; i < index.size(); ++i) {
    const auto& r = index[i];
    if (r.program.empty() || r.program.find_first_of("/_") != std::string::npos)
      throw Error(where, "run '" + r.run_id + "': program '" + r.program + "' cannot be written as a published file name");
    entries[i].run_id = r.run_id;
    entries[i].row.so_id = r.program;
    entries[i].row.category = r.category;
    entries[i].row.num_rows = r.epochs;
    if (r.repeat >= 0 && r.repeat <= 9999 && r.run_id == published_stem(r.program, r.category, r.repeat)) {
      entries[i].row.run_number = r.repeat;
      taken[{r.program, category_of_file_name(r.category)}].insert(r.repeat);
      numbered[i] = true;
    }
  }
  // Index order is run-id order (core/corpus.h), so numbering is deterministic.
  for (size_t i = 0; i < index.size(); ++i) {
    if (numbered[i]) continue;
    auto& used = taken[{index[i].program, category_of_file_name(index[i].category)}];
    int64_t n = 1;
    while (used.count(n)) ++n;
    if (n > 9999) throw Error(where, "more than 9999 runs of one program and category cannot be numbered {run:04d}");
    used.insert(n);
    entries[i].row.run_number = n;
  }
  for (auto& e : entries) e.row.filename = published_stem(e.row.so_id, e.row.category, e.row.run_number) + ".csv";
  std::sort(entries.begin(), entries.end(),
            [](const ExportEntry& a, const ExportEntry& b) { return a.row.filename < b.row.filename; });
  return entries;
}

size_t export_csv_dir(const std::string& corpus_path, const std::string& out_dir) {
  const CorpusReader corpus(corpus_path);
  const auto entries = plan_export(corpus.index(), corpus_path);

  const fs::path out(out_dir);
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw Error(out_dir, "already exists; choose a new --out directory");
  const fs::path staging = out.string() + ".tmp." + std::to_string(::getpid());
  struct Cleanup {
    fs::path path;
    bool keep = false;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) fs::remove_all(path, ec);
    }
  } cleanup{staging};
  std::error_code made;
  fs::remove_all(staging, made);
  fs::create_directories(staging / "traces", made);
  if (made) throw_write_error(out_dir, "cannot create the staging directory", made.value());

  auto write = [&](const fs::path& path, const std::string& text) {
    write_file(path.string(), text, (out / path.lexically_relative(staging)).string());
  };
  std::string manifest = "filename,so_id,fault_category,run_number,num_rows\n";
  for (const auto& e : entries) {
    write(staging / "traces" / e.row.filename, published_csv_text(corpus.read(e.run_id)));
    manifest += csv_field(e.row.filename) + "," + csv_field(e.row.so_id) + "," +
                category_of_file_name(e.row.category) + "," + std::to_string(e.row.run_number) + "," +
                std::to_string(e.row.num_rows) + "\n";
  }
  write(staging / "manifest.csv", manifest);

  if (fs::exists(out)) fs::remove(out);  // an empty directory
  std::error_code ec;
  fs::rename(staging, out, ec);
  if (ec) throw Error(out_dir, "cannot move the staged export into place: " + ec.message());
  cleanup.keep = true;
  return entries.size();
}

}  // namespace dynfault::collect
