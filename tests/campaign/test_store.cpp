#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/atomic_file.h"

#include "core/corpus.h"
#include "core/error.h"
#include "helpers.h"
#include "campaign/executor.h"
#include "campaign/journal.h"
#include "campaign/store.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;

namespace {

Trace trace_for(const std::string& id, const std::string& program, const std::string& mutant, double acc) {
  Trace t;
  t.run_id = id;
  t.program = program;
  t.mutant_id = mutant;
  t.category = mutant.empty() ? "" : "Loss";
  t.set_channels({"val_acc"}, {"1"});
  t.append_epoch({acc});
  return t;
}

DoneRecord record(const Trace& t, const std::string& batch) {
  DoneRecord r;
  r.task_id = t.run_id;
  r.status = to_string(t.status);
  r.checksum = trace_checksum(t);
  r.batch = batch;
  return r;
}

}  // namespace

TEST(Store, OrphanAndTemporaryBatchesAreRemoved) {
  TempDir d("store_orphans");
  std::string first;
  {
    BatchStore store(d.str(), JournalContents{});
    first = store.write({trace_for("a", "p", "", 0.9)});
    EXPECT_EQ(first, "batch-000001.dfb");
    store.write({trace_for("b", "p", "", 0.9)});  // never journaled: an orphan
  }
  { std::ofstream(d / "batches/batch-000003.dfb.tmp.123.0") << "half"; }
  JournalContents journal;
  journal.done.push_back(record(trace_for("a", "p", "", 0.9), first));
  BatchStore store(d.str(), journal);
  EXPECT_EQ(store.removed_orphans(), 2u);
  EXPECT_TRUE(fs::exists(d / "batches/batch-000001.dfb"));
  EXPECT_FALSE(fs::exists(d / "batches/batch-000002.dfb"));
  EXPECT_EQ(store.write({trace_for("c", "p", "", 0.9)}), "batch-000002.dfb");
}

TEST(Store, JournaledTracesAreValidatedAgainstTheirChecksums) {
  TempDir d("store_validate");
  const Trace orig = trace_for("p.orig.r000", "p", "", 0.9);
  const Trace mut = trace_for("p-op-1.r000", "p", "p-op-1", 0.4);
  const Trace undecided = trace_for("p-op-2.r000", "p", "p-op-2", 0.4);
  std::string batch;
  {
    BatchStore store(d.str(), JournalContents{});
    batch = store.write({orig, mut, undecided});
  }
  {
    Journal j(d / "journal.log");
    j.append({record(orig, batch), record(mut, batch), record(undecided, batch)},
             {VerdictRecord{"p-op-1", "p", true, "Loss", 0.0, 2.0, 5, 5}});
  }
  std::map<std::string, RunVerdict> seen;
  for_each_journaled_trace(d.str(), [&](const Trace& t, const RunVerdict& v) { seen[t.run_id] = v; });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen["p.orig.r000"].killed, -1);
  EXPECT_EQ(seen["p-op-1.r000"].killed, 1);
  EXPECT_EQ(seen["p-op-1.r000"].label, "Loss");
  EXPECT_EQ(seen["p-op-2.r000"].killed, -1);

}

// A campaign written by the version-1 code (tests/core/data/schema-v1/campaign:
// batch version 1, the journal's checksums of version-1 traces) still reads:
// the checksums are checked on the traces as written, then they are upgraded.
TEST(Store, Version1CampaignValidatesThenUpgrades) {
  int64_t schema = 0;
  const std::string v1 = std::string(DYNFAULT_SOURCE_DIR) + "/tests/core/data/schema-v1/campaign";
  const auto raw = read_batch_file(v1 + "/batches/batch-000001.dfb", &schema);
  EXPECT_EQ(schema, 1);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_TRUE(raw.begin()->second.has_channel("cf_hvp_mean"));  // as written
  size_t n = 0;
  for_each_journaled_trace(v1, [&](const Trace& t, const RunVerdict&) {
    ++n;
    EXPECT_FALSE(t.has_channel("cf_hvp_mean"));
    EXPECT_TRUE(t.has_channel("cf_hvp_norm"));
    EXPECT_TRUE(t.has_channel("cf_hvp_layer_mean"));
  });
  EXPECT_EQ(n, 2u);
  // A batch written now is version 2.
  TempDir d("store_v2");
  {
    BatchStore store(d.str(), JournalContents{});
    store.write({trace_for("p.orig.r000", "p", "", 0.9)});
  }
  read_batch_file(d / "batches/batch-000001.dfb", &schema);
  EXPECT_EQ(schema, Trace::kSchemaVersion);
}

TEST(Store, ChecksumMismatchIsRefused) {
  TempDir d("store_mismatch");
  const Trace orig = trace_for("p.orig.r000", "p", "", 0.9);
  Trace stored = orig;
  stored.values[0] = 0.8;  // the trace on disk is not the one the journal vouches for
  std::string batch;
  {
    BatchStore store(d.str(), JournalContents{});
    batch = store.write({stored});
  }
  { Journal(d / "journal.log").append({record(orig, batch)}); }
  try {
    for_each_journaled_trace(d.str(), [](const Trace&, const RunVerdict&) {});
    FAIL() << "mismatch accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.orig.r000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST(Store, MissingBatchFileIsAnError) {
  TempDir d("store_missing");
  {
    Journal j(d / "journal.log");
    j.append({record(trace_for("a", "p", "", 0.9), "batch-000009.dfb")});
  }
  try {
    for_each_journaled_trace(d.str(), [](const Trace&, const RunVerdict&) {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch-000009.dfb"), std::string::npos) << e.what();
  }
}

TEST(Store, TraceCodecIsBitExact) {
  Trace t = trace_for("p.orig.r000", "p", "", 0.9);
  uint64_t payload = 0x7ff80000000000abULL;
  double nan_with_payload;
  std::memcpy(&nan_with_payload, &payload, 8);
  t.append_epoch({nan_with_payload});
  t.append_epoch({-0.0});
  t.at_init["x"] = nan_with_payload;
  t.layer_series.push_back({"hvp_norm", "1", {"a", "b"}, {1.5, nan_with_payload, -0.0, 4}});
  t.versions["libtorch"] = "1.13.1";
  t.seed = 0xffffffffffffffffULL;
  t.wall_seconds = 3.25;
  t.status = RunStatus::Failed;
  t.error = "diverged";
  const Trace u = decode_trace(encode_trace(t), "test");
  EXPECT_EQ(u, t);
  EXPECT_EQ(trace_checksum(u), trace_checksum(t));
  uint64_t bits;
  std::memcpy(&bits, &u.values[1], 8);
  EXPECT_EQ(bits, payload);
  EXPECT_EQ(u.seed, t.seed);
  EXPECT_EQ(u.wall_seconds, 3.25);
  EXPECT_EQ(u.versions, t.versions);
  // What the identity adds (--of-compat, the probe settings, the recurrent path) survives a batch file.
  t.of_compat = "v2";
  t.hvp_vectors = 2;
  t.probe_batch = 32;
  t.recurrent = "cell";
  const Trace w = decode_trace(encode_trace(t), "test");
  EXPECT_EQ(w, t);
  EXPECT_EQ(trace_checksum(w), trace_checksum(t));
}

TEST(Store, CorruptOrTruncatedBatchFilesAreRefused) {
  TempDir d("store_corrupt");
  const std::string path = d / "batch-000001.dfb";
  write_batch_file(path, {trace_for("a", "p", "", 0.9), trace_for("b", "p", "", 0.8)});
  EXPECT_EQ(read_batch_file(path).size(), 2u);
  const std::string good = read_text_file(path);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x20;
  write_file_atomically(path, flipped);
  EXPECT_THROW(read_batch_file(path), Error);
  write_file_atomically(path, good.substr(0, good.size() - 5));
  EXPECT_THROW(read_batch_file(path), Error);
  write_file_atomically(path, "hello");
  EXPECT_THROW(read_batch_file(path), Error);
}

// A batch file written before RunTask and Trace reached Boost class version 1 (of_compat): the
// reference regeneration's batch-000038.dfb, written by the binary of commit 929175c. It still reads,
// with no compatibility mode, and its trace has the checksum that campaign's journal recorded.
TEST(Store, BatchFileOfClassVersionZeroStillReads) {
  const std::string path = std::string(DYNFAULT_SOURCE_DIR) + "/tests/campaign/data/batch-v0.dfb";
  const auto traces = read_batch_file(path);
  ASSERT_EQ(traces.size(), 1u);
  const Trace& t = traces.at("68716219-change_loss_function-9f0fbf2a.r001");
  EXPECT_EQ(t.program, "68716219");
  EXPECT_TRUE(t.of_compat.empty());
  EXPECT_GT(t.epochs(), 0u);
  EXPECT_EQ(trace_checksum(t), 0x75372bb90fbd1ef4ULL);  // journal.log: "checksum":"75372bb90fbd1ef4"
}
