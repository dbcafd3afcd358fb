#pragma once
// The campaign journal: an append-only, fsync'd text file that is the source
// of truth for what is finished. One record per line:
//   <compact JSON object>\t<16 hex digits: FNV-1a 64 of the JSON text>\n
// A line is valid when it ends in '\n' and its hash matches. After a power cut
// the tail may be torn (no newline, half a record, zero-filled blocks): an
// invalid tail with no valid line after it is ignored and truncated before the
// next append. An invalid line followed by a valid one is corruption, not a
// torn write, and is refused.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dynfault::campaign {

// A finished task: its trace is in `batch` (a file under <campaign>/batches/).
struct DoneRecord {
  std::string task_id;
  std::string status;      // RunStatus text of the trace
  uint64_t checksum = 0;   // trace_checksum of the trace as written
  std::string batch;       // batch file name, relative to <campaign>/batches/
  double metric = 0;       // the kill-test metric of the run (NaN when absent), bit-exact
  int attempts = 1;        // attempts it took (crashes before it + 1)
};

// A kill decision, made when all repeats of a mutant and of its original are in.
struct VerdictRecord {
  std::string mutant_id;
  std::string program;
  bool killed = false;
  std::string label;       // the mutant's category when killed, else empty
  double p_reported = 0, d = 0;  // as mutate::KillResult (journal keys "p", "d"); NaN unless reason "test"
  int64_t original_runs = 0, mutant_runs = 0;
  // mutate::KillVerdict: why (journal key "reason", written only when not "test")
  // and the non-finite repeats left out (keys written only when not 0).
  std::string reason = "test";
  int64_t dropped_original = 0, dropped_mutant = 0;
  int64_t terminated_original = 0, terminated_mutant = 0;  // repeats a triage rule stopped (keys only when not 0)
};

struct JournalContents {
  std::vector<DoneRecord> done;
  std::vector<VerdictRecord> verdicts;
  uint64_t valid_bytes = 0;  // length of the valid prefix
  bool torn_tail = false;    // bytes after the valid prefix were ignored
  size_t lines = 0;          // valid lines
  std::string path;          // the file read (for messages)
};

// Reads a journal. A missing file reads as empty. Throws dynfault::Error naming
// the file and line for corruption before the tail or malformed records.
JournalContents read_journal(const std::string& path);

class Journal {
 public:
  // Opens for appending, creating the file if needed; truncates a torn tail.
  explicit Journal(const std::string& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::string& path() const { return path_; }
  // The contents as found when opened (before truncating a torn tail).
  const JournalContents& initial() const { return initial_; }

  // Appends the records with one write() and one fsync(); returns once durable.
  void append(const std::vector<DoneRecord>& done, const std::vector<VerdictRecord>& verdicts = {});

 private:
  std::string path_;
  JournalContents initial_;
  int fd_ = -1;
  bool failed_ = false;
};

// One journal line (with its hash and newline) for a JSON record: exposed for tests.
std::string journal_line(const nlohmann::json& record);

// Creates an empty journal file (used by `campaign plan`).
void create_empty_journal(const std::string& path);

}  // namespace dynfault::campaign
