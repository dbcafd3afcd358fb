#include "collect/csv_import.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "core/csv.h"
#include "collect/published_schema.h"
#include "core/atomic_file.h"
#include "core/domain.h"
#include "core/error.h"

namespace dynfault::collect {
namespace fs = std::filesystem;

namespace {

constexpr const char* kManifestHeader = "filename,so_id,fault_category,run_number,num_rows";
constexpr const char* kOriginalCategory = "Original";  // file-name category of an original program
// The runner's instability rule (core/trace.h): loss above this or non-finite.
constexpr double kUnstableLoss = 1e6;

std::string cell_where(int64_t line, size_t column, const std::string& name) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column + 1) + " (" + name + ")";
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool parse_int(const std::string& text, int64_t& value) {
  if (text.empty()) return false;
  size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size() && text.find_first_of(" \t+") == std::string::npos;
}

// A boolean as Python prints it; `value` gets 1 or 0.
bool parse_bool(const std::string& text, double& value) {
  if (text == "True" || text == "true" || text == "TRUE") {
    value = 1;
    return true;
  }
  if (text == "False" || text == "false" || text == "FALSE") {
    value = 0;
    return true;
  }
  return false;
}

// One cell of the published layout. Raw callback output may hold
// "tf.Tensor(False, shape=(), dtype=bool)" or a bare Python bool in 0/1
// columns; empty cells are missing values (NaN).
bool parse_cell(std::string text, const PublishedColumn& column, double& value) {
  text = trim(text);
  const std::string tensor = "tf.Tensor(";
  if (text.compare(0, tensor.size(), tensor) == 0 && text.back() == ')') {
    const auto comma = text.find(',', tensor.size());
    const auto end = comma == std::string::npos ? text.size() - 1 : comma;
    text = trim(text.substr(tensor.size(), end - tensor.size()));
  }
  if (text.empty()) {
    value = std::nan("");
    return true;
  }
  if (column.is_flag && parse_bool(text, value)) return true;
  return parse_number(text, value);
}

std::string category_of_file_name(const std::string& category) {
  return category.empty() ? kOriginalCategory : category;
}

}  // namespace

std::string ManifestRow::run_id() const { return fs::path(filename).stem().string(); }

std::string published_stem(const std::string& so_id, const std::string& category, int64_t run_number) {
  char run[32];
  std::snprintf(run, sizeof run, "%04lld", static_cast<long long>(run_number));
  return so_id + "_" + category_of_file_name(category) + "_" + run;
}

std::vector<ManifestRow> read_manifest(const std::string& path) {
  const std::string text = read_text_file(path);
  if (text.empty()) throw Error(path, "empty manifest (no header line)");
  const auto records = parse_csv(text, path);
  if (records.empty()) throw Error(path, "empty manifest (no header line)");
  std::string header;
  for (const auto& f : records[0].fields) header += (header.empty() ? "" : ",") + f;
  if (header != kManifestHeader)
    throw Error(path, "line 1: header is '" + header + "', expected '" + kManifestHeader + "'");
  static const char* names[] = {"filename", "so_id", "fault_category", "run_number", "num_rows"};

  std::vector<ManifestRow> rows;
  std::map<std::string, int64_t> line_of_file;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.fields.size() != 5)
      throw Error(path, "line " + std::to_string(rec.line) + ": " + std::to_string(rec.fields.size()) +
                            " fields, expected 5 (" + kManifestHeader + ")");
    auto where = [&](size_t c) { return path + ": " + cell_where(rec.line, c, names[c]); };
    ManifestRow row;
    row.line = rec.line;
    row.filename = trim(rec.fields[0]);
    row.so_id = trim(rec.fields[1]);
    const std::string category = trim(rec.fields[2]);
    if (row.filename.empty() || row.filename.find('/') != std::string::npos ||
        fs::path(row.filename).extension() != ".csv")
      throw Error(where(0), "'" + row.filename + "' is not a .csv file name without a directory");
    if (row.so_id.empty() || row.so_id.find_first_of("/_") != std::string::npos)
      throw Error(where(1), "'" + row.so_id + "' is not a program id");
    row.category = category == kOriginalCategory ? "" : to_string(parse_category(category, where(2)));
    if (!parse_int(trim(rec.fields[3]), row.run_number) || row.run_number < 0)
      throw Error(where(3), "'" + rec.fields[3] + "' is not a run number");
    if (!parse_int(trim(rec.fields[4]), row.num_rows) || row.num_rows < 0)
      throw Error(where(4), "'" + rec.fields[4] + "' is not a row count");
    if (const auto it = line_of_file.find(row.filename); it != line_of_file.end())
      throw Error(where(0), "'" + row.filename + "' is listed twice (also on line " + std::to_string(it->second) + ")");
    line_of_file[row.filename] = row.line;

    // The manifest is authoritative; a file name saying otherwise is an error.
    const std::string expected = published_stem(row.so_id, row.category, row.run_number) + ".csv";
    if (row.filename != expected) {
      const std::string stem = row.run_id();
      const auto last = stem.rfind('_');
      const auto middle = last == std::string::npos || last == 0 ? std::string::npos : stem.rfind('_', last - 1);
      std::string detail;
      if (middle != std::string::npos) {
        const std::string file_so = stem.substr(0, middle), file_cat = stem.substr(middle + 1, last - middle - 1);
        if (file_cat != category_of_file_name(row.category))
          detail = "the file name says category '" + file_cat + "' but fault_category is '" + category + "'";
        else if (file_so != row.so_id)
          detail = "the file name says program '" + file_so + "' but so_id is '" + row.so_id + "'";
        else
          detail = "the file name's run number disagrees with run_number " + std::to_string(row.run_number);
      } else {
        detail = "the file name is not {so_id}_{Category}_{run:04d}.csv";
      }
      throw Error(path + ": line " + std::to_string(row.line), detail + " (expected '" + expected + "')");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Trace import_published_csv(const std::string& csv_path, const ManifestRow& row, const ProgramZoo* zoo) {
  const auto& columns = published_columns();
  const std::string text = read_text_file(csv_path);
  if (text.empty()) throw Error(csv_path, "empty file (no header line)");
  const auto records = parse_csv(text, csv_path);
  if (records.empty()) throw Error(csv_path, "empty file (no header line)");

  const auto& header = records[0].fields;
  if (header.size() != columns.size())
    throw Error(csv_path, "line 1: header has " + std::to_string(header.size()) + " columns, expected the " +
                              std::to_string(columns.size()) + "-column published layout");
  for (size_t c = 0; c < columns.size(); ++c)
    if (header[c] != columns[c].name)
      throw Error(csv_path, "line 1, column " + std::to_string(c + 1) + ": header '" + header[c] + "', expected '" +
                                columns[c].name + "'");

  Trace t;
  t.run_id = row.run_id();
  t.program = row.so_id;
  if (zoo && zoo->has(row.so_id)) t.architecture = to_string(zoo->load(row.so_id).architecture);
  t.category = row.category;
  // Whether runs 0001 and 0002 of a pair are repeats of one mutant is not
  // published: each file is its own mutant, named by its run id.
  t.mutant_id = row.category.empty() ? "" : t.run_id;
  t.repeat = row.run_number;
  t.probes = "of";  // V2 logs optimizer/activation/system channels, no curvature
  t.scale = "full";
  t.source = "deep4ge";

  std::vector<std::string> names, units;
  for (const auto& c : columns) {
    names.push_back(c.channel);
    units.push_back(c.unit);
  }
  t.set_channels(names, units);
  std::vector<double> values(columns.size());
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.fields.size() != columns.size())
      throw Error(csv_path, "line " + std::to_string(rec.line) + ": " + std::to_string(rec.fields.size()) +
                                " fields, expected " + std::to_string(columns.size()));
    for (size_t c = 0; c < columns.size(); ++c)
      if (!parse_cell(rec.fields[c], columns[c], values[c]))
        throw Error(csv_path + ": " + cell_where(rec.line, c, columns[c].name),
                    "'" + rec.fields[c] + "' is not a number" + (columns[c].is_flag ? " or a boolean" : ""));
    t.append_epoch(values);
  }
  const auto rows = static_cast<int64_t>(t.epochs());
  if (rows != row.num_rows)
    throw Error(csv_path, "has " + std::to_string(rows) + " data rows but the manifest (line " +
                              std::to_string(row.line) + ") says " + std::to_string(row.num_rows));

  // Rows are kept as logged. A file whose epoch column goes backwards (two
  // interleaved writers in two Deep4ge files) is flagged, not repaired: which
  // row belongs to which writer cannot be told from the file.
  Json provenance = {{"published_file", row.filename}};
  const auto epoch = t.channel("epoch");
  for (size_t e = 1; e < epoch.size(); ++e)
    if (!(epoch[e] > epoch[e - 1])) {
      provenance["epoch_order"] = "non-monotonic";
      break;
    }
  t.parameters = provenance.dump();

  const auto loss = t.channel("train_loss");
  for (size_t e = 0; e < loss.size(); ++e)
    if (!std::isfinite(loss[e]) || loss[e] > kUnstableLoss) {
      t.unstable = true;
      t.first_unstable_epoch = static_cast<int64_t>(e);
      break;
    }
  if (rows == 0) {
    t.status = RunStatus::Crashed;
    t.error = "the published file has no epoch rows";
  }
  return t;
}

RunVerdict published_verdict(const Trace& trace) {
  if (trace.category.empty()) return RunVerdict{};
  return RunVerdict{1, trace.category};
}

std::vector<Trace> import_published_dir(const std::string& dir, const std::string& manifest_path,
                                        const ProgramZoo* zoo) {
  const auto rows = read_manifest(manifest_path);
  if (rows.empty()) throw Error(manifest_path, "the manifest lists no files");
  if (!fs::is_directory(dir)) throw Error(dir, "not a directory");

  std::set<std::string> listed;
  for (const auto& r : rows) listed.insert(r.filename);
  std::error_code ec;
  const auto manifest_canonical = fs::weakly_canonical(manifest_path, ec);
  std::vector<std::string> unlisted;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".csv") continue;
    if (fs::weakly_canonical(entry.path(), ec) == manifest_canonical) continue;
    if (!listed.count(entry.path().filename().string())) unlisted.push_back(entry.path().filename().string());
  }
  if (!unlisted.empty()) {
    std::sort(unlisted.begin(), unlisted.end());
    throw Error((fs::path(dir) / unlisted.front()).string(),
                "has no manifest entry in " + manifest_path +
                    (unlisted.size() > 1 ? " (and " + std::to_string(unlisted.size() - 1) + " more unlisted files)" : ""));
  }

  std::vector<Trace> traces;
  traces.reserve(rows.size());
  for (const auto& r : rows) {
    const auto file = fs::path(dir) / r.filename;
    if (!fs::is_regular_file(file))
      throw Error(manifest_path + ": line " + std::to_string(r.line), "lists '" + r.filename + "', which is not in " + dir);
    traces.push_back(import_published_csv(file.string(), r, zoo));
  }
  return traces;
}

size_t import_csv_dir(const std::string& dir, const std::string& manifest_path, const std::string& out_corpus_path,
                      const ProgramZoo* zoo) {
  const auto traces = import_published_dir(dir, manifest_path, zoo);
  CorpusWriter writer(out_corpus_path);
  for (const auto& t : traces) writer.add(t, published_verdict(t));
  writer.finish();
  return traces.size();
}

}  // namespace dynfault::collect
