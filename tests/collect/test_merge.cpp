#include <gtest/gtest.h>

#include "collect/merge.h"
#include "collect_test_util.h"
#include "core/corpus.h"
#include "core/error.h"
#include "core/h5.h"
#include "core/trace_io.h"

using namespace dynfault;
using namespace dynfault::collect;
using namespace dynfault::collect::testing;

namespace {

void write_corpus(const std::string& path, const std::vector<std::pair<Trace, RunVerdict>>& runs) {
  CorpusWriter w(path);
  for (const auto& [t, v] : runs) w.add(t, v);
  w.finish();
}

std::string merge_error(const std::vector<MergeSource>& sources, const std::string& out) {
  try {
    merge_corpora(sources, out);
  } catch (const Error& e) {
    EXPECT_FALSE(fs::exists(out)) << "a failed merge wrote " << out;
    return e.what();
  }
  return "";
}

std::string merge_error(const std::vector<std::string>& files, const std::string& out) {
  std::vector<MergeSource> sources;
  for (const auto& f : files) sources.push_back(MergeSource{{f}, std::nullopt, f});
  return merge_error(sources, out);
}

struct TwoShards {
  ScratchDir dir{"shards"};
  std::string a = dir / "a.h5", b = dir / "b.h5", out = dir / "merged.h5";
  TwoShards() {
    write_corpus(a, {{synthetic_trace("p1-orig-r1", "p1", "", 3), RunVerdict{}},
                     {synthetic_trace("p1-loss-r1", "p1", "Loss", 3, 0.5), RunVerdict{1, "Loss"}}});
    write_corpus(b, {{synthetic_trace("p2-orig-r1", "p2", "", 2), RunVerdict{}},
                     {synthetic_trace("p2-layer-r1", "p2", "Layer", 2, 0.25), RunVerdict{0, ""}}});
  }
};

}  // namespace

TEST(TraceChecksum, FollowsTraceEquality) {
  const Trace t = synthetic_trace("r", "p", "Loss", 4);
  Trace u = t;
  EXPECT_EQ(trace_checksum(t), trace_checksum(u));
  // Execution-only differences: equal traces, equal checksums.
  u.values[5] += 1;  // sys_cpu_utilization of epoch 0
  u.wall_seconds = 12;
  u.versions["libtorch"] = "x";
  ASSERT_EQ(t, u);
  EXPECT_EQ(trace_checksum(t), trace_checksum(u));
  // Any result difference changes it.
  std::vector<std::function<void(Trace&)>> changes = {
      [](Trace& x) { x.values[0] += 1e-12; },
      [](Trace& x) { x.run_id += "x"; },
      [](Trace& x) { x.program += "x"; },
      [](Trace& x) { x.category = "Layer"; },
      [](Trace& x) { x.parameters = "{}"; },
      [](Trace& x) { x.repeat += 1; },
      [](Trace& x) { x.seed += 1; },
      [](Trace& x) { x.status = RunStatus::Failed; },
      [](Trace& x) { x.unstable = true; },
      [](Trace& x) { x.channel_units[0] = "count"; },
      [](Trace& x) { x.at_init["hvp_mean"] = 1; },
      [](Trace& x) { x.layer_series.push_back(LayerSeries{"hvp_norm", "1", {"l0"}, {1, 2, 3, 4}}); },
      // Field boundaries matter: moving a character between fields changes the hash.
      [](Trace& x) { x.run_id = "rp"; x.program = ""; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    Trace v = t;
    changes[i](v);
    EXPECT_NE(trace_checksum(t), trace_checksum(v)) << "change " << i;
  }
}

TEST(TraceChecksum, SurvivesTheCorpusRoundTrip) {
  ScratchDir dir("sum");
  const Trace t = synthetic_trace("r1", "p", "Loss", 5);
  write_corpus(dir / "c.h5", {{t, RunVerdict{1, "Loss"}}});
  EXPECT_EQ(validate_corpus(dir / "c.h5"), (std::map<std::string, uint64_t>{{"r1", trace_checksum(t)}}));
}

TEST(Merge, UnionPreservesVerdicts) {
  TwoShards s;
  const auto report = merge_corpora(std::vector<std::string>{s.a, s.b}, s.out);
  EXPECT_EQ(report.files, 2u);
  EXPECT_EQ(report.runs_read, 4u);
  EXPECT_EQ(report.runs_written, 4u);
  EXPECT_EQ(report.duplicates, 0u);
  const CorpusReader merged(s.out);
  ASSERT_EQ(merged.index().size(), 4u);
  std::map<std::string, std::pair<int64_t, std::string>> verdicts;
  for (const auto& r : merged.index()) verdicts[r.run_id] = {r.killed, r.label};
  EXPECT_EQ(verdicts, (std::map<std::string, std::pair<int64_t, std::string>>{{"p1-loss-r1", {1, "Loss"}},
                                                                                {"p1-orig-r1", {-1, ""}},
                                                                                {"p2-layer-r1", {0, ""}},
                                                                                {"p2-orig-r1", {-1, ""}}}));
  EXPECT_EQ(merged.read("p1-loss-r1"), synthetic_trace("p1-loss-r1", "p1", "Loss", 3, 0.5));
}

TEST(Merge, IdenticalDuplicatesAreKeptOnceWhateverTheOrder) {
  TwoShards s;
  // c repeats a run of a; its sys_* channel differs (execution only).
  Trace again = synthetic_trace("p1-loss-r1", "p1", "Loss", 3, 0.5);
  again.values[5] = 99;
  const std::string c = s.dir / "c.h5";
  write_corpus(c, {{again, RunVerdict{1, "Loss"}}});
  const auto report = merge_corpora(std::vector<std::string>{c, s.a, s.b}, s.out);
  EXPECT_EQ(report.runs_read, 5u);
  EXPECT_EQ(report.duplicates, 1u);
  EXPECT_EQ(report.runs_written, 4u);
  // The copy from the file whose path sorts first (a.h5) is kept, in any argument order.
  const Trace kept = CorpusReader(s.out).read("p1-loss-r1");
  EXPECT_EQ(kept.values[5], synthetic_trace("p1-loss-r1", "p1", "Loss", 3, 0.5).values[5]);
}

TEST(Merge, ConflictingDuplicatesAreRefused) {
  TwoShards s;
  const std::string c = s.dir / "c.h5";
  write_corpus(c, {{synthetic_trace("p1-loss-r1", "p1", "Loss", 3, 0.75), RunVerdict{1, "Loss"}}});
  EXPECT_EQ(merge_error({s.a, c}, s.out), c + ": run 'p1-loss-r1' differs from its copy in " + s.a);
  write_corpus(s.dir / "d.h5", {{synthetic_trace("p1-loss-r1", "p1", "Loss", 3, 0.5), RunVerdict{0, ""}}});
  EXPECT_EQ(merge_error({s.a, s.dir / "d.h5"}, s.out),
            (s.dir / "d.h5") + ": run 'p1-loss-r1' has a different verdict than its copy in " + s.a);
}

TEST(Merge, TruncatedShardIsRefused) {
  TwoShards s;
  const auto size = fs::file_size(s.b);
  fs::resize_file(s.b, size / 2);
  const std::string msg = merge_error({s.a, s.b}, s.out);
  EXPECT_EQ(msg.rfind(s.b + ": ", 0), 0u) << msg;
  EXPECT_EQ(listing(s.dir.path()), (std::vector<std::string>{"a.h5", "b.h5"}));
}

TEST(Merge, NotACorpusIsRefused) {
  TwoShards s;
  const std::string text = s.dir / "notes.h5";
  write_text(text, "hello");
  EXPECT_EQ(merge_error({s.a, text}, s.out), text + ": not an HDF5 file (no HDF5 signature)");
  const std::string single = s.dir / "trace.h5";
  save_trace_file(single, synthetic_trace("x", "p", "", 2));
  EXPECT_EQ(merge_error({s.a, single}, s.out), single + ": not a dynfault corpus (missing kind=dynfault-corpus)");
  EXPECT_EQ(merge_error({s.a, s.dir / "absent.h5"}, s.out), (s.dir / "absent.h5") + ": no such corpus file");
  EXPECT_EQ(merge_error({s.a, s.a}, s.out), s.a + ": is given twice");
  const auto before = read_bytes(s.a);
  try {
    merge_corpora(std::vector<std::string>{s.a}, s.a);
    ADD_FAILURE() << "merging a corpus onto itself was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), s.a + ": the output would replace the input " + s.a);
  }
  EXPECT_EQ(read_bytes(s.a), before);
}

TEST(Merge, IndexInconsistentWithRunsIsRefused) {
  TwoShards s;
  {
    h5::File f(s.b, h5::File::Mode::ReadWrite);
    f.open_group("runs").remove("p2-orig-r1");
  }
  EXPECT_EQ(merge_error({s.a, s.b}, s.out),
            s.b + ": the index lists run 'p2-orig-r1' but /runs has no such group");
  {
    h5::File f(s.a, h5::File::Mode::ReadWrite);
    h5::Group index = f.open_group("index");
    index.remove("epochs");
    index.write_ints("epochs", {3, 7});
  }
  EXPECT_EQ(merge_error({s.a}, s.out),
            s.a + ": run 'p1-orig-r1': index column 'epochs' disagrees with the stored trace");
}

TEST(Merge, RunMissingFromIndexIsRefused) {
  TwoShards s;
  {
    h5::File f(s.b, h5::File::Mode::ReadWrite);
    h5::Group extra = f.open_group("runs").create_group("stray");
    write_trace(extra, synthetic_trace("stray", "p3", "", 1));
  }
  EXPECT_EQ(merge_error({s.b}, s.out), s.b + ": /runs/stray is not in the index");
}

TEST(Merge, JournalChecksums) {
  TwoShards s;
  std::map<std::string, uint64_t> journal = validate_corpus(s.a);
  for (const auto& [id, sum] : validate_corpus(s.b)) journal[id] = sum;
  MergeSource campaign{{s.a, s.b}, journal, "C/"};
  EXPECT_EQ(merge_error({campaign}, s.out), "");
  EXPECT_EQ(CorpusReader(s.out).index().size(), 4u);
  fs::remove(s.out);

  auto wrong = journal;
  wrong["p2-layer-r1"] ^= 1;
  campaign.expected_checksums = wrong;
  const std::string msg = merge_error({campaign}, s.out);
  EXPECT_EQ(msg.rfind("C/: run 'p2-layer-r1' has checksum 0x", 0), 0u) << msg;
  EXPECT_NE(msg.find("but the journal recorded 0x"), std::string::npos) << msg;

  auto missing = journal;
  missing["p3-orig-r1"] = 1;
  campaign.expected_checksums = missing;
  EXPECT_EQ(merge_error({campaign}, s.out), "C/: the journal lists run 'p3-orig-r1' but no shard holds it");

  auto unlisted = journal;
  unlisted.erase("p1-orig-r1");
  campaign.expected_checksums = unlisted;
  EXPECT_EQ(merge_error({campaign}, s.out), "C/: run 'p1-orig-r1' is in a shard but not in the journal");

  // Checksums bind only their own source: a plain corpus alongside is fine.
  const std::string extra = s.dir / "extra.h5";
  write_corpus(extra, {{synthetic_trace("p9-orig-r1", "p9", "", 2), RunVerdict{}}});
  campaign.expected_checksums = journal;
  EXPECT_EQ(merge_error({campaign, MergeSource{{extra}, std::nullopt, extra}}, s.out), "");
  EXPECT_EQ(CorpusReader(s.out).index().size(), 5u);
}

TEST(Merge, CampaignDirectoriesNeedARegisteredReader) {
  TwoShards s;
  fs::create_directories(s.dir.path() / "C");
  register_campaign_directory_reader(nullptr);
  try {
    expand_merge_inputs({s.a, (s.dir.path() / "C").string()});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory, but this dynfault was built without the campaign stage"),
              std::string::npos);
  }
  register_campaign_directory_reader([&](const std::string& dir) {
    return MergeSource{{s.b}, validate_corpus(s.b), ""};
  });
  const auto sources = expand_merge_inputs({s.a, (s.dir.path() / "C").string()});
  register_campaign_directory_reader(nullptr);
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].corpus_files, std::vector<std::string>{s.a});
  EXPECT_FALSE(sources[0].expected_checksums);
  EXPECT_EQ(sources[1].origin, (s.dir.path() / "C").string());
  EXPECT_TRUE(sources[1].expected_checksums);
  EXPECT_EQ(merge_corpora(sources, s.out).runs_written, 4u);
  EXPECT_THROW(expand_merge_inputs({s.dir / "nothing"}), Error);
}
