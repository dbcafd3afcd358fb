#include "collect/merge.h"

#include <cinttypes>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

#include "core/corpus.h"
#include "core/error.h"
#include "core/isolate.h"
#include "core/h5.h"
#include "core/trace.h"

namespace dynfault::collect {
namespace fs = std::filesystem;

namespace {

struct RunFacts {
  uint64_t checksum = 0;
  RunVerdict verdict;
};

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
  return buf;
}

// Name of the first index column where the stored row and the row recomputed
// from the trace disagree, or "".
std::string first_difference(const RunIndexRow& stored, const RunIndexRow& actual) {
  const std::pair<const char*, bool> checks[] = {
      {"program", stored.program == actual.program},
      {"architecture", stored.architecture == actual.architecture},
      {"mutant_id", stored.mutant_id == actual.mutant_id},
      {"category", stored.category == actual.category},
      {"operator", stored.operator_name == actual.operator_name},
      {"parameters", stored.parameters == actual.parameters},
      {"repeat", stored.repeat == actual.repeat},
      {"probes", stored.probes == actual.probes},
      {"scale", stored.scale == actual.scale},
      {"status", stored.status == actual.status},
      {"source", stored.source == actual.source},
      {"epochs", stored.epochs == actual.epochs},
      {"unstable", stored.unstable == actual.unstable},
      {"first_unstable_epoch", stored.first_unstable_epoch == actual.first_unstable_epoch},
  };
  for (const auto& [name, same] : checks)
    if (!same) return name;
  return "";
}

Trace read_run(const CorpusReader& reader, const std::string& run_id) {
  try {
    return reader.read(run_id);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(reader.path(), "run '" + run_id + "' is unreadable: " + e.what());
  }
}

std::map<std::string, RunFacts> validate(const CorpusReader& reader) {
  const std::string& path = reader.path();
  std::set<std::string> in_runs;
  {
    const h5::File file(path, h5::File::Mode::ReadOnly);
    if (!file.exists("runs")) throw Error(path, "corpus has no /runs group");
    for (auto& id : file.open_group("runs").children()) in_runs.insert(id);
  }
  std::map<std::string, RunFacts> facts;
  for (const auto& row : reader.index()) {
    if (facts.count(row.run_id)) throw Error(path, "the index lists run '" + row.run_id + "' twice");
    if (!in_runs.count(row.run_id))
      throw Error(path, "the index lists run '" + row.run_id + "' but /runs has no such group");
    const Trace t = read_run(reader, row.run_id);
    if (t.run_id != row.run_id)
      throw Error(path, "/runs/" + row.run_id + " holds a trace with run id '" + t.run_id + "'");
    const RunVerdict verdict{static_cast<int>(row.killed), row.label};
    const std::string column = first_difference(row, index_row(t, verdict));
    if (!column.empty())
      throw Error(path, "run '" + row.run_id + "': index column '" + column + "' disagrees with the stored trace");
    facts[row.run_id] = RunFacts{trace_checksum(t), verdict};
  }
  for (const auto& id : in_runs)
    if (!facts.count(id)) throw Error(path, "/runs/" + id + " is not in the index");
  return facts;
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  const auto p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

CampaignDirectoryReader& campaign_reader() {
  static CampaignDirectoryReader reader;
  return reader;
}

}  // namespace

std::map<std::string, uint64_t> validate_corpus(const std::string& path) {
  if (!fs::is_regular_file(path)) throw Error(path, "no such corpus file");
  const CorpusReader reader(path);
  std::map<std::string, uint64_t> checksums;
  for (const auto& [id, f] : validate(reader)) checksums[id] = f.checksum;
  return checksums;
}

void check_untrusted_corpus(const std::string& path, UntrustedRead what) {
  if (!fs::is_regular_file(path)) throw Error(path, "no such corpus file");
  h5::check_signature(path);
  // A minute plus a second per MB, far more than an honest file needs
  // ($DYNFAULT_UNTRUSTED_SECONDS overrides it).
  unsigned seconds = 60 + static_cast<unsigned>(fs::file_size(path) / 1000000);
  if (const char* env = std::getenv("DYNFAULT_UNTRUSTED_SECONDS"); env && *env)
    seconds = static_cast<unsigned>(std::max(1L, std::atol(env)));
  if (what == UntrustedRead::Index)
    run_isolated(path, [&] { (void)CorpusReader(path).index().size(); }, seconds);
  else
    run_isolated(path, [&] { (void)validate_corpus(path); }, seconds);
}

MergeReport merge_corpora(const std::vector<MergeSource>& sources, const std::string& out_path) {
  struct Kept {
    std::string file;
    RunFacts facts;
  };
  std::map<std::string, std::unique_ptr<CorpusReader>> readers;  // by file, kept open for the copy
  std::map<std::string, Kept> kept;                               // by run id: the copy to write
  MergeReport report;
  const std::string out_canonical = canonical(out_path);

  for (const auto& source : sources) {
    std::map<std::string, uint64_t> seen;  // runs of this source, for the journal check
    for (const auto& file : source.corpus_files) {
      if (canonical(file) == out_canonical) throw Error(out_path, "the output would replace the input " + file);
      if (readers.count(file)) throw Error(file, "is given twice");
      if (!fs::is_regular_file(file)) throw Error(file, "no such corpus file");
      auto reader = std::make_unique<CorpusReader>(file);
      const auto facts = validate(*reader);
      readers[file] = std::move(reader);
      ++report.files;
      for (const auto& [id, f] : facts) {
        ++report.runs_read;
        seen[id] = f.checksum;
        const auto it = kept.find(id);
        if (it == kept.end()) {
          kept[id] = Kept{file, f};
          continue;
        }
        Kept& other = it->second;
        const bool same_verdict = f.verdict.killed == other.facts.verdict.killed &&
                                  f.verdict.label == other.facts.verdict.label;
        if (!same_verdict)
          throw Error(file, "run '" + id + "' has a different verdict than its copy in " + other.file);
        if (f.checksum != other.facts.checksum ||
            !(read_run(*readers.at(file), id) == read_run(*readers.at(other.file), id)))
          throw Error(file, "run '" + id + "' differs from its copy in " + other.file);
        ++report.duplicates;
        if (file < other.file) other.file = file;  // keep a copy independent of argument order
      }
    }
    if (source.expected_checksums) {
      std::string origin = source.origin;
      if (origin.empty())
        for (const auto& f : source.corpus_files) origin += (origin.empty() ? "" : ", ") + f;
      const auto& expected = *source.expected_checksums;
      for (const auto& [id, sum] : seen) {
        const auto it = expected.find(id);
        if (it == expected.end()) throw Error(origin, "run '" + id + "' is in a shard but not in the journal");
        if (it->second != sum)
          throw Error(origin, "run '" + id + "' has checksum " + hex(sum) + " but the journal recorded " +
                                  hex(it->second));
      }
      for (const auto& [id, sum] : expected)
        if (!seen.count(id)) throw Error(origin, "the journal lists run '" + id + "' but no shard holds it");
    }
  }
  if (report.files == 0) throw Error(out_path, "no corpus files to merge");

  CorpusWriter writer(out_path);
  for (const auto& [id, k] : kept) writer.add(read_run(*readers.at(k.file), id), k.facts.verdict);
  writer.finish();
  report.runs_written = kept.size();
  return report;
}

MergeReport merge_corpora(const std::vector<std::string>& corpus_files, const std::string& out_path) {
  std::vector<MergeSource> sources;
  for (const auto& f : corpus_files) sources.push_back(MergeSource{{f}, std::nullopt, f});
  return merge_corpora(sources, out_path);
}

void register_campaign_directory_reader(CampaignDirectoryReader reader) { campaign_reader() = std::move(reader); }

std::vector<MergeSource> expand_merge_inputs(const std::vector<std::string>& paths) {
  std::vector<MergeSource> sources;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      if (!campaign_reader())
        throw Error(p, "is a directory, but this dynfault was built without the campaign stage that reads campaign "
                       "directories");
      sources.push_back(campaign_reader()(p));
      if (sources.back().origin.empty()) sources.back().origin = p;
    } else if (fs::exists(p)) {
      sources.push_back(MergeSource{{p}, std::nullopt, p});
    } else {
      throw Error(p, "no such file or directory");
    }
  }
  return sources;
}

}  // namespace dynfault::collect
