#include "campaign/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "mutate/kill.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/flat_json.h"
#include "core/json_fields.h"
#include "core/seed.h"

namespace dynfault::campaign {
namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

bool parse_hex64(std::string_view s, uint64_t& out) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= uint64_t(c - '0');
    else if (c >= 'a' && c <= 'f') v |= uint64_t(c - 'a' + 10);
    else return false;
  }
  out = v;
  return true;
}

// Doubles travel as the hex of their bits: exact, NaN included.
std::string bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return hex64(b);
}

double double_of(const std::string& hex, const std::string& where) {
  uint64_t b;
  if (!parse_hex64(hex, b)) throw Error(where, "bad double bits '" + hex + "'");
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

nlohmann::json to_json(const DoneRecord& r) {
  return {{"type", "done"},  {"task", r.task_id},      {"status", r.status},   {"checksum", hex64(r.checksum)},
          {"batch", r.batch}, {"metric", bits_of(r.metric)}, {"attempts", r.attempts}};
}

nlohmann::json to_json(const VerdictRecord& r) {
  nlohmann::json j = {{"type", "verdict"},         {"mutant", r.mutant_id},         {"program", r.program},
                      {"killed", r.killed},        {"label", r.label},              {"p", bits_of(r.p_reported)},
                      {"d", bits_of(r.d)}, {"n_original", r.original_runs}, {"n_mutant", r.mutant_runs}};
  // Additive keys, absent in the common case, so journals of ordinary verdicts keep their bytes.
  if (r.reason != "test") j["reason"] = r.reason;
  if (r.dropped_original != 0) j["dropped_original"] = r.dropped_original;
  if (r.dropped_mutant != 0) j["dropped_mutant"] = r.dropped_mutant;
  if (r.terminated_original != 0) j["terminated_original"] = r.terminated_original;
  if (r.terminated_mutant != 0) j["terminated_mutant"] = r.terminated_mutant;
  return j;
}

// Parses one line without its newline into `record`; false if its hash does not match or it is
// not a JSON object with a "type" member.
bool parse_line(std::string_view line, FlatJson& record) {
  const auto tab = line.rfind('\t');
  if (tab == std::string_view::npos) return false;
  const std::string_view text = line.substr(0, tab);
  uint64_t hash;
  if (!parse_hex64(line.substr(tab + 1), hash) || hash != fnv1a64(text)) return false;
  return record.parse(text) && record.find("type");
}

void add_record(JournalContents& out, const FlatJson& j, const std::string& where) {
  const std::string type = flat_field<std::string>(j, "type", where);
  if (type == "done") {
    DoneRecord r;
    r.task_id = flat_field<std::string>(j, "task", where);
    r.status = flat_field<std::string>(j, "status", where);
    if (!parse_hex64(flat_field<std::string>(j, "checksum", where), r.checksum)) throw Error(where, "bad checksum");
    r.batch = flat_field<std::string>(j, "batch", where);
    r.metric = double_of(flat_field<std::string>(j, "metric", where), where);
    r.attempts = flat_field<int>(j, "attempts", where);
    out.done.push_back(std::move(r));
  } else if (type == "verdict") {
    VerdictRecord r;
    r.mutant_id = flat_field<std::string>(j, "mutant", where);
    r.program = flat_field<std::string>(j, "program", where);
    r.killed = flat_field<bool>(j, "killed", where);
    r.label = flat_field<std::string>(j, "label", where);
    r.p_reported = double_of(flat_field<std::string>(j, "p", where), where);
    r.d = double_of(flat_field<std::string>(j, "d", where), where);
    r.original_runs = flat_field<int64_t>(j, "n_original", where);
    r.mutant_runs = flat_field<int64_t>(j, "n_mutant", where);
    r.reason = to_string(mutate::parse_kill_reason(optional_flat_field<std::string>(j, "reason", "test", where), where));
    r.dropped_original = optional_flat_field<int64_t>(j, "dropped_original", 0, where);
    r.dropped_mutant = optional_flat_field<int64_t>(j, "dropped_mutant", 0, where);
    r.terminated_original = optional_flat_field<int64_t>(j, "terminated_original", 0, where);
    r.terminated_mutant = optional_flat_field<int64_t>(j, "terminated_mutant", 0, where);
    out.verdicts.push_back(std::move(r));
  } else {
    throw Error(where, "unknown record type '" + type + "'");
  }
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_write_error(path, "journal write failed", errno);
    }
    off += static_cast<size_t>(n);
  }
}

}  // namespace

std::string journal_line(const nlohmann::json& record) {
  const std::string text = record.dump();  // compact, never contains a raw newline or tab
  return text + "\t" + hex64(fnv1a64(text)) + "\n";
}

JournalContents read_journal(const std::string& path) {
  JournalContents out;
  out.path = path;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return out;
  size_t line_no = 0, first_bad_line = 0;
  bool bad = false, torn = false;
  uint64_t size = 0;
  FlatJson record;  // reused: its members' storage outlives the lines
  for_each_line(path, [&](std::string_view line, bool terminated, uint64_t end) {
    ++line_no;
    size = end;
    if (torn) return;
    if (!terminated) {  // no newline: a torn write
      if (!bad) bad = true, first_bad_line = line_no;
      torn = true;
      return;
    }
    if (!parse_line(line, record)) {
      if (!bad) bad = true, first_bad_line = line_no;
      return;
    }
    if (bad)
      throw Error(path, "line " + std::to_string(first_bad_line) +
                            " is corrupt (hash mismatch) and is followed by valid records: refusing to guess");
    add_record(out, record, path + ": line " + std::to_string(line_no));
    ++out.lines;
    out.valid_bytes = end;
  });
  out.torn_tail = out.valid_bytes < size;
  return out;
}

Journal::Journal(const std::string& path) : path_(path) {
  initial_ = read_journal(path);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path, std::string("cannot open journal: ") + std::strerror(errno));
  if (initial_.torn_tail) {
    if (::ftruncate(fd_, static_cast<off_t>(initial_.valid_bytes)) != 0 || ::fsync(fd_) != 0)
      throw Error(path, std::string("cannot truncate the torn journal tail: ") + std::strerror(errno));
  }
  if (::lseek(fd_, 0, SEEK_END) < 0) throw Error(path, std::string("cannot seek: ") + std::strerror(errno));
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const std::vector<DoneRecord>& done, const std::vector<VerdictRecord>& verdicts) {
  if (done.empty() && verdicts.empty()) return;
  std::string data;
  for (const auto& r : done) data += journal_line(to_json(r));
  for (const auto& r : verdicts) data += journal_line(to_json(r));
  // After a failed append nothing more is written: a later record after a torn
  // one would read as corruption on resume instead of a torn tail.
  if (failed_) throw Error(path_, "an earlier append failed; resume the campaign");
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  try {
    write_all(fd_, data, path_);
    if (::fsync(fd_) != 0) throw_write_error(path_, "journal fsync failed", errno);
  } catch (...) {
    failed_ = true;
    // Best effort: take the partial records back (shrinking needs no space). If
    // this fails too, the resume truncates the torn tail.
    if (before >= 0 && ::ftruncate(fd_, before) == 0) ::fsync(fd_);
    throw;
  }
}

void create_empty_journal(const std::string& path) { write_file_atomically(path, ""); }

}  // namespace dynfault::campaign
