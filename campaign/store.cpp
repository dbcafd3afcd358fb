#include "campaign/store.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/seed.h"
#include "campaign/plan.h"
#include "campaign/state.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;
namespace {

constexpr const char* kBatchDir = "batches";
constexpr char kMagic[] = "DYNFAULT-BATCH\n";  // 15 characters
constexpr uint8_t kBatchVersion = 2;  // = Trace::kSchemaVersion of the traces it holds
static_assert(kBatchVersion == Trace::kSchemaVersion, "a new trace schema needs a new batch version");
constexpr char kTrailer[] = "END!";

// "batch-000123.dfb" -> 123; -1 for other names.
int64_t batch_number(const std::string& name) {
  long long n = -1;
  char tail[8] = {0};
  if (std::sscanf(name.c_str(), "batch-%lld.%7s", &n, tail) != 2 || std::string(tail) != "dfb") return -1;
  char canonical[64];
  std::snprintf(canonical, sizeof canonical, "batch-%06lld.dfb", n);
  return name == canonical ? n : -1;
}

// ---- little-endian helpers (the file format is little-endian on every host)
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_u64(const std::string& in, size_t pos) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  return v;
}

std::vector<uint8_t> doubles_to_bytes(const std::vector<double>& values) {
  std::vector<uint8_t> out(values.size() * 8);
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t b;
    std::memcpy(&b, &values[i], 8);
    for (int k = 0; k < 8; ++k) out[i * 8 + k] = static_cast<uint8_t>((b >> (8 * k)) & 0xff);
  }
  return out;
}

std::vector<double> bytes_to_doubles(const std::vector<uint8_t>& bytes, const std::string& where) {
  if (bytes.size() % 8 != 0) throw Error(where, "a double array has a length that is not a multiple of 8");
  std::vector<double> out(bytes.size() / 8);
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t b = 0;
    for (int k = 0; k < 8; ++k) b |= static_cast<uint64_t>(bytes[i * 8 + k]) << (8 * k);
    std::memcpy(&out[i], &b, 8);
  }
  return out;
}

nlohmann::json binary_double(double d) { return nlohmann::json::binary(doubles_to_bytes({d})); }
double double_from(const nlohmann::json& j, const std::string& where) {
  const auto v = bytes_to_doubles(j.get_binary(), where);
  if (v.size() != 1) throw Error(where, "a scalar double is not 8 bytes");
  return v[0];
}

}  // namespace

std::string encode_trace(const Trace& t) {
  nlohmann::json j;
  j["run_id"] = t.run_id;
  j["program"] = t.program;
  j["architecture"] = t.architecture;
  j["mutant_id"] = t.mutant_id;
  j["operator"] = t.operator_name;
  j["category"] = t.category;
  j["parameters"] = t.parameters;
  j["repeat"] = t.repeat;
  j["seed"] = t.seed;
  j["probes"] = t.probes;
  j["scale"] = t.scale;
  j["source"] = t.source;
  j["status"] = to_string(t.status);
  j["error"] = t.error;
  j["unstable"] = t.unstable;
  j["first_unstable_epoch"] = t.first_unstable_epoch;
  j["wall_seconds"] = binary_double(t.wall_seconds);
  if (!t.triage_rule.empty()) j["triage_rule"] = t.triage_rule;  // only when set: older batches decode as before
  if (!t.of_compat.empty()) j["of_compat"] = t.of_compat;           // likewise
  if (t.hvp_vectors != kDefaultHvpVectors) j["hvp_vectors"] = t.hvp_vectors;
  if (t.probe_batch != kDefaultProbeBatch) j["probe_batch"] = t.probe_batch;
  if (!t.recurrent.empty()) j["recurrent"] = t.recurrent;
  j["versions"] = t.versions;
  nlohmann::json at_init = nlohmann::json::object();
  for (const auto& [k, v] : t.at_init) at_init[k] = binary_double(v);
  j["at_init"] = std::move(at_init);
  j["channel_names"] = t.channel_names;
  j["channel_units"] = t.channel_units;
  j["values"] = nlohmann::json::binary(doubles_to_bytes(t.values));
  nlohmann::json series = nlohmann::json::array();
  for (const auto& s : t.layer_series)
    series.push_back({{"name", s.name},
                      {"unit", s.unit},
                      {"layers", s.layers},
                      {"values", nlohmann::json::binary(doubles_to_bytes(s.values))}});
  j["layer_series"] = std::move(series);
  const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

Trace decode_trace(const std::string& bytes, const std::string& where) {
  Trace t;
  try {
    const nlohmann::json j = nlohmann::json::from_cbor(bytes);
    t.run_id = j.at("run_id").get<std::string>();
    const std::string w = where + ": trace " + t.run_id;
    t.program = j.at("program").get<std::string>();
    t.architecture = j.at("architecture").get<std::string>();
    t.mutant_id = j.at("mutant_id").get<std::string>();
    t.operator_name = j.at("operator").get<std::string>();
    t.category = j.at("category").get<std::string>();
    t.parameters = j.at("parameters").get<std::string>();
    t.repeat = j.at("repeat").get<int64_t>();
    t.seed = j.at("seed").get<uint64_t>();
    t.probes = j.at("probes").get<std::string>();
    t.scale = j.at("scale").get<std::string>();
    t.source = j.at("source").get<std::string>();
    t.status = parse_run_status(field<std::string>(j, "status", w), w);
    t.error = field<std::string>(j, "error", w);
    t.unstable = field<bool>(j, "unstable", w);
    t.first_unstable_epoch = field<int64_t>(j, "first_unstable_epoch", w);
    t.wall_seconds = double_from(required(j, "wall_seconds", w), w);
    t.triage_rule = optional_field<std::string>(j, "triage_rule", "", w);
    t.of_compat = optional_field<std::string>(j, "of_compat", "", w);
    t.hvp_vectors = optional_field<int64_t>(j, "hvp_vectors", kDefaultHvpVectors, w);
    t.probe_batch = optional_field<int64_t>(j, "probe_batch", kDefaultProbeBatch, w);
    t.recurrent = optional_field<std::string>(j, "recurrent", "", w);
    check_run_settings(t.hvp_vectors, t.probe_batch, t.recurrent, w);
    t.versions = field<std::map<std::string, std::string>>(j, "versions", w);
    for (const auto& [k, v] : required(j, "at_init", w).items()) t.at_init[k] = double_from(v, w);
    t.channel_names = field<std::vector<std::string>>(j, "channel_names", w);
    t.channel_units = field<std::vector<std::string>>(j, "channel_units", w);
    t.values = bytes_to_doubles(required(j, "values", w).get_binary(), w);
    for (const auto& s : required(j, "layer_series", w))
      t.layer_series.push_back({field<std::string>(s, "name", w), field<std::string>(s, "unit", w),
                                field<std::vector<std::string>>(s, "layers", w),
                                bytes_to_doubles(required(s, "values", w).get_binary(), w)});
    if (!t.channel_names.empty() && t.values.size() % t.channel_names.size() != 0)
      throw Error(w, "values do not fill whole epochs");
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("undecodable trace: ") + e.what());
  }
  return t;
}

void write_batch_file(const std::string& path, const std::vector<Trace>& traces) {
  std::string data(kMagic);
  data.push_back(static_cast<char>(kBatchVersion));
  for (const auto& t : traces) {
    const std::string bytes = encode_trace(t);
    put_u64(data, bytes.size());
    data += bytes;
  }
  const uint64_t hash = fnv1a64(data);
  data += kTrailer;
  put_u64(data, traces.size());
  put_u64(data, hash);
  write_file_atomically(path, data);
}

int64_t batch_trace_schema(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string header(sizeof(kMagic), '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header.size())) ||
      header.compare(0, sizeof(kMagic) - 1, kMagic) != 0)
    throw Error(path, "not a dynfault campaign batch file");
  return static_cast<uint8_t>(header[sizeof(kMagic) - 1]);
}

std::map<std::string, Trace> read_batch_file(const std::string& path, int64_t* trace_schema) {
  const std::string data = read_text_file(path);
  const size_t header = sizeof(kMagic) - 1 + 1, trailer = 4 + 8 + 8;
  if (data.size() < header + trailer || data.compare(0, sizeof(kMagic) - 1, kMagic) != 0)
    throw Error(path, "not a dynfault campaign batch file");
  const uint8_t version = static_cast<uint8_t>(data[sizeof(kMagic) - 1]);
  if (version > kBatchVersion) throw Error(path, "batch file version is newer than this dynfault");
  if (version < 1) throw Error(path, "batch file version 0 is not valid");
  if (trace_schema) *trace_schema = version;
  const size_t body_end = data.size() - trailer;
  if (data.compare(body_end, 4, kTrailer) != 0) throw Error(path, "batch file is truncated (no trailer)");
  const uint64_t count = get_u64(data, body_end + 4), hash = get_u64(data, body_end + 12);
  if (fnv1a64(std::string_view(data).substr(0, body_end)) != hash)
    throw Error(path, "batch file is corrupt (checksum mismatch)");
  std::map<std::string, Trace> out;
  size_t pos = header;
  while (pos < body_end) {
    if (body_end - pos < 8) throw Error(path, "batch file is corrupt (record header)");
    const uint64_t length = get_u64(data, pos);
    pos += 8;
    if (length > body_end - pos) throw Error(path, "batch file is corrupt (record length)");
    Trace t = decode_trace(data.substr(pos, length), path);
    pos += length;
    const std::string id = t.run_id;
    if (!out.emplace(id, std::move(t)).second) throw Error(path, "batch file holds run '" + id + "' twice");
  }
  if (out.size() != count) throw Error(path, "batch file holds " + std::to_string(out.size()) + " traces, trailer says " + std::to_string(count));
  return out;
}

BatchStore::BatchStore(const std::string& campaign_dir, const JournalContents& journal)
    : dir_(campaign_dir + "/" + kBatchDir) {
  fs::create_directories(dir_);
  std::set<std::string> referenced;
  for (const auto& r : journal.done) referenced.insert(r.batch);
  int64_t highest = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    const int64_t n = batch_number(name);
    if (n >= 0 && referenced.count(name)) {
      highest = std::max(highest, n);
      continue;
    }
    // Orphans (complete but never journaled) and temporaries of a killed writer.
    fs::remove(entry.path());
    ++removed_;
  }
  for (const auto& name : referenced) highest = std::max(highest, batch_number(name));
  next_ = highest + 1;
}

std::string BatchStore::write(const std::vector<Trace>& traces) {
  char name[64];
  std::snprintf(name, sizeof name, "batch-%06lld.dfb", static_cast<long long>(next_++));
  write_batch_file(dir_ + "/" + name, traces);
  return name;
}

void for_each_journaled_trace(const std::string& campaign_dir, const TraceVisitor& visit) {
  const JournalContents journal = read_journal(campaign_dir + "/journal.log");
  std::map<std::pair<std::string, std::string>, const VerdictRecord*> verdicts;
  for (const auto& v : journal.verdicts) verdicts[{v.program, v.mutant_id}] = &v;
  std::map<std::string, std::vector<const DoneRecord*>> by_batch;
  std::set<std::string> seen;
  for (const auto& r : journal.done) {
    if (!seen.insert(r.task_id).second)
      throw Error(campaign_dir + "/journal.log", "task '" + r.task_id + "' is recorded twice");
    by_batch[r.batch].push_back(&r);
  }
  for (const auto& [batch, records] : by_batch) {
    const std::string path = campaign_dir + "/" + kBatchDir + "/" + batch;
    if (!fs::exists(path)) throw Error(path, "batch file named by the journal is missing");
    int64_t schema = 0;
    std::map<std::string, Trace> traces = read_batch_file(path, &schema);
    for (const DoneRecord* r : records) {
      const auto found = traces.find(r->task_id);
      if (found == traces.end()) throw Error(path, "has no trace of task '" + r->task_id + "' (the journal says it has)");
      Trace& trace = found->second;
      const uint64_t sum = trace_checksum(trace);
      if (sum != r->checksum) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "checksum %016llx differs from the journal's %016llx",
                      static_cast<unsigned long long>(sum), static_cast<unsigned long long>(r->checksum));
        throw Error(path, "task '" + r->task_id + "': " + buf);
      }
      upgrade_trace(trace, schema, path);
      RunVerdict verdict;
      if (!trace.mutant_id.empty()) {
        const auto v = verdicts.find({trace.program, trace.mutant_id});
        if (v != verdicts.end()) {
          verdict.killed = v->second->killed ? 1 : 0;
          verdict.label = v->second->label;
        }
      }
      visit(trace, verdict);
    }
  }
}

ExportSummary export_corpus(const std::string& campaign_dir, const std::string& out_path, bool allow_incomplete) {
  ExportSummary summary;
  const CampaignState state(load_plan(campaign_dir), read_journal(campaign_dir + "/journal.log"));
  summary.total_tasks = state.size();
  if (!state.complete() && !allow_incomplete)
    throw Error(campaign_dir, "campaign is unfinished (" + std::to_string(state.done_count()) + " of " +
                                  std::to_string(state.size()) + " tasks done): run it to completion first");
  CorpusWriter writer(out_path);
  for_each_journaled_trace(campaign_dir, [&](const Trace& t, const RunVerdict& v) {
    writer.add(t, v);
    ++summary.runs;
    if (!t.mutant_id.empty()) ++summary.mutant_runs;
    if (v.killed == 1) ++summary.killed_runs;
    if (t.status == RunStatus::Crashed) ++summary.crashed_runs;
    if (t.status == RunStatus::Terminated) ++summary.terminated_runs;
  });
  writer.finish();
  return summary;
}

}  // namespace dynfault::campaign
