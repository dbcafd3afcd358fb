#include "core/corpus.h"

#include "core/error.h"
#include "core/trace_io.h"

namespace dynfault {
namespace {
constexpr const char* kCorpusKind = "dynfault-corpus";
// 2: traces of schema 2 (version-1 corpora still read: their traces upgrade on read).
constexpr int64_t kCorpusSchemaVersion = 2;
}  // namespace

RunIndexRow index_row(const Trace& t, const RunVerdict& v) {
  RunIndexRow r;
  r.run_id = t.run_id;
  r.program = t.program;
  r.architecture = t.architecture;
  r.mutant_id = t.mutant_id;
  r.category = t.category;
  r.operator_name = t.operator_name;
  r.parameters = t.parameters;
  r.repeat = t.repeat;
  r.probes = t.probes;
  r.scale = t.scale;
  r.status = to_string(t.status);
  r.source = t.source;
  r.epochs = static_cast<int64_t>(t.epochs());
  r.killed = v.killed;
  r.label = v.label;
  r.unstable = t.unstable ? 1 : 0;
  r.first_unstable_epoch = t.first_unstable_epoch;
  return r;
}

CorpusWriter::CorpusWriter(const std::string& path) : path_(path), atomic_(path) {
  file_ = std::make_unique<h5::File>(atomic_.temp_path(), h5::File::Mode::Truncate);
  file_->set_attr("kind", kCorpusKind);
  file_->set_attr("schema_version", kCorpusSchemaVersion);
  runs_ = std::make_unique<h5::Group>(file_->create_group("runs"));
}

void CorpusWriter::add(const Trace& trace, const RunVerdict& verdict) {
  if (trace.run_id.empty()) throw Error(path_, "a trace without a run id cannot join a corpus");
  if (trace.run_id.find('/') != std::string::npos) throw Error(path_, "run id '" + trace.run_id + "' contains '/'");
  if (rows_.count(trace.run_id)) throw Error(path_, "duplicate run id '" + trace.run_id + "'");
  h5::Group g = runs_->create_group(trace.run_id);
  write_trace(g, trace);
  rows_[trace.run_id] = index_row(trace, verdict);
}

void CorpusWriter::finish() {
  h5::Group index = file_->create_group("index");
  auto column_s = [&](const char* name, auto field) {
    std::vector<std::string> v;
    for (const auto& [id, r] : rows_) v.push_back(r.*field);
    index.write_strings(name, v);
  };
  auto column_i = [&](const char* name, auto field) {
    std::vector<int64_t> v;
    for (const auto& [id, r] : rows_) v.push_back(r.*field);
    index.write_ints(name, v);
  };
  column_s("run_id", &RunIndexRow::run_id);
  column_s("program", &RunIndexRow::program);
  column_s("architecture", &RunIndexRow::architecture);
  column_s("mutant_id", &RunIndexRow::mutant_id);
  column_s("category", &RunIndexRow::category);
  column_s("operator", &RunIndexRow::operator_name);
  column_s("parameters", &RunIndexRow::parameters);
  column_i("repeat", &RunIndexRow::repeat);
  column_s("probes", &RunIndexRow::probes);
  column_s("scale", &RunIndexRow::scale);
  column_s("status", &RunIndexRow::status);
  column_s("source", &RunIndexRow::source);
  column_i("epochs", &RunIndexRow::epochs);
  column_i("killed", &RunIndexRow::killed);
  column_s("label", &RunIndexRow::label);
  column_i("unstable", &RunIndexRow::unstable);
  column_i("first_unstable_epoch", &RunIndexRow::first_unstable_epoch);
  file_->set_attr("runs", static_cast<int64_t>(rows_.size()));
  file_->flush();
  runs_.reset();
  file_.reset();
  atomic_.commit();
}

CorpusReader::CorpusReader(const std::string& path) : path_(path) {
  file_ = std::make_unique<h5::File>(path, h5::File::Mode::ReadOnly);
  if (!file_->has_attr("kind") || file_->attr_string("kind") != kCorpusKind)
    throw Error(path, "not a dynfault corpus (missing kind=dynfault-corpus)");
  if (file_->attr_int("schema_version") > kCorpusSchemaVersion)
    throw Error(path, "corpus schema is newer than this dynfault");
  const h5::Group idx = file_->open_group("index");
  const auto run_id = idx.read_strings("run_id");
  const size_t n = run_id.size();
  auto strings = [&](const char* name) {
    auto v = idx.read_strings(name);
    if (v.size() != n) throw Error(path, std::string("index column '") + name + "' has the wrong length");
    return v;
  };
  auto ints = [&](const char* name) {
    auto v = idx.read_ints(name);
    if (v.size() != n) throw Error(path, std::string("index column '") + name + "' has the wrong length");
    return v;
  };
  const auto program = strings("program"), architecture = strings("architecture"), mutant = strings("mutant_id"),
             category = strings("category"), op = strings("operator"), params = strings("parameters"),
             probes = strings("probes"), scale = strings("scale"), status = strings("status"),
             source = strings("source"), label = strings("label");
  const auto repeat = ints("repeat"), epochs = ints("epochs"), killed = ints("killed"), unstable = ints("unstable"),
             first = ints("first_unstable_epoch");
  index_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto& r = index_[i];
    r.run_id = run_id[i];
    r.program = program[i];
    r.architecture = architecture[i];
    r.mutant_id = mutant[i];
    r.category = category[i];
    r.operator_name = op[i];
    r.parameters = params[i];
    r.repeat = repeat[i];
    r.probes = probes[i];
    r.scale = scale[i];
    r.status = status[i];
    r.source = source[i];
    r.epochs = epochs[i];
    r.killed = killed[i];
    r.label = label[i];
    r.unstable = unstable[i];
    r.first_unstable_epoch = first[i];
  }
}

Trace CorpusReader::read(const std::string& run_id, TraceParts parts) const {
  if (!runs_) runs_ = std::make_unique<h5::Group>(file_->open_group("runs"));
  if (!runs_->exists(run_id)) throw Error(path_, "no run '" + run_id + "'");
  return read_trace(runs_->open_group(run_id), parts);
}

}  // namespace dynfault
