#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/corpus.h"
#include "core/error.h"
#include "core/h5.h"
#include "core/trace_io.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
namespace fs = std::filesystem;
using dynfault_test::TempDir;

namespace {
Trace sample_trace(const std::string& id, size_t epochs) {
  Trace t;
  t.run_id = id;
  t.program = "31556268";
  t.architecture = "FFNN";
  t.mutant_id = "31556268-change_learning_rate-ab12";
  t.operator_name = "change_learning_rate";
  t.category = "Hyperparameter";
  t.parameters = R"({"factor":100})";
  t.repeat = 3;
  t.seed = 0xfedcba9876543210ULL;
  t.probes = "cf,of";
  t.scale = "smoke";
  t.versions["libtorch"] = "1.13.1";
  t.at_init["hvp_mean"] = 0.5;
  t.set_channels({"train_loss", "val_acc", "sys_wall_seconds"}, {"1", "1", "s"});
  for (size_t e = 0; e < epochs; ++e) t.append_epoch({1.0 / (e + 1), e == 1 ? NAN : 0.5 + 0.1 * e, 0.01 * e});
  // Deliberately not in name order: reading back must keep the trace's order.
  LayerSeries s{"hvp_norm", "1", {"dense_0", "dense_1"}, {}};
  for (size_t e = 0; e < epochs; ++e) s.values.insert(s.values.end(), {double(e), 2.0 * e});
  LayerSeries a{"activation_mean", "1", {"dense_0", "dense_1"}, {}};
  for (size_t e = 0; e < epochs; ++e) a.values.insert(a.values.end(), {0.5 * e, -1.0});
  t.layer_series.push_back(s);
  t.layer_series.push_back(a);
  return t;
}

}  // namespace

TEST(TraceIo, FileRoundTripIsExact) {
  const TempDir dir;
  const Trace t = sample_trace("run-a", 4);
  const auto path = dir.path() / "trace.h5";
  save_trace_file(path.string(), t);
  const Trace u = load_trace_file(path.string());
  EXPECT_EQ(t, u);
  EXPECT_EQ(trace_checksum(t), trace_checksum(u));
  EXPECT_EQ(u.seed, 0xfedcba9876543210ULL);
  EXPECT_TRUE(std::isnan(u.value(1, 1)));
  EXPECT_EQ(u.versions.at("libtorch"), "1.13.1");
}

// --of-compat v2 (docs/run.md) is recorded, survives the file, and changes the checksum; a trace
// without it keeps the checksum it always had.
TEST(TraceIo, OfCompatIsRecordedAndChecksummedOnlyWhenSet) {
  const TempDir dir;
  Trace t = sample_trace("run-compat", 3);
  const uint64_t plain = trace_checksum(t);
  t.of_compat = "v2";
  EXPECT_NE(trace_checksum(t), plain);
  const auto path = dir.path() / "compat.h5";
  save_trace_file(path.string(), t);
  const Trace u = load_trace_file(path.string());
  EXPECT_EQ(u.of_compat, "v2");
  EXPECT_EQ(t, u);
  EXPECT_EQ(trace_checksum(u), trace_checksum(t));
  Trace v = u;
  v.of_compat.clear();
  EXPECT_FALSE(v == u);
  EXPECT_EQ(trace_checksum(v), plain);
}

// The probe settings and the recurrent path (RunIdentity) likewise: recorded only when not the
// defaults, so every file written before them keeps its bytes and checksum; a bad value is refused
// naming the file.
TEST(TraceIo, ProbeSettingsAndRecurrentPathAreRecordedOnlyWhenNotTheDefaults) {
  const TempDir dir;
  Trace t = sample_trace("run-settings", 3);
  const uint64_t plain = trace_checksum(t);
  EXPECT_EQ(t.hvp_vectors, kDefaultHvpVectors);
  EXPECT_EQ(t.probe_batch, kDefaultProbeBatch);
  const auto plain_path = dir.path() / "plain.h5";
  save_trace_file(plain_path.string(), t);
  {
    const h5::File f(plain_path.string(), h5::File::Mode::ReadOnly);  // a trace file's attributes are on its root
    EXPECT_FALSE(f.has_attr("hvp_vectors") || f.has_attr("probe_batch") || f.has_attr("recurrent"));
  }
  for (const auto& change : std::vector<std::function<void(Trace&)>>{
           [](Trace& x) { x.hvp_vectors = 1; }, [](Trace& x) { x.probe_batch = 32; },
           [](Trace& x) { x.recurrent = "cell"; }}) {
    Trace u = t;
    change(u);
    EXPECT_NE(trace_checksum(u), plain);
    const auto path = dir.path() / "settings.h5";
    save_trace_file(path.string(), u);
    const Trace v = load_trace_file(path.string());
    EXPECT_EQ(v, u);
    EXPECT_FALSE(v == t);
    EXPECT_EQ(trace_checksum(v), trace_checksum(u));
  }
  Trace bad = t;
  bad.probe_batch = 0;
  const auto bad_path = dir.path() / "bad.h5";
  save_trace_file(bad_path.string(), bad);
  try {
    load_trace_file(bad_path.string());
    FAIL() << "a probe batch of 0 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.h5"), std::string::npos) << e.what();
  }
}

TEST(TraceIo, CrashTraceHasNoEpochs) {
  const TempDir dir;
  Trace t = sample_trace("crash", 0);
  t.layer_series.clear();
  t.status = RunStatus::Crashed;
  t.error = "layer 2: shape mismatch";
  const auto path = dir.path() / "crash.h5";
  save_trace_file(path.string(), t);
  const Trace u = load_trace_file(path.string());
  EXPECT_EQ(u.epochs(), 0u);
  EXPECT_EQ(u.status, RunStatus::Crashed);
  EXPECT_EQ(u.error, t.error);
}

TEST(TraceIo, ExecutionChannelsDoNotBreakEquality) {
  Trace a = sample_trace("x", 3), b = sample_trace("x", 3);
  b.values[2] = 99.0;  // sys_wall_seconds of epoch 0
  EXPECT_EQ(a, b);
  b.values[0] = 0.123;  // train_loss of epoch 0
  EXPECT_FALSE(a == b);
}

TEST(TraceIo, CorruptFileIsRefusedWithItsName) {
  const TempDir dir;
  const auto path = dir.path() / "corrupt.h5";
  std::ofstream(path) << "this is not hdf5";
  try {
    load_trace_file(path.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
  }
}

TEST(Corpus, WriteReadIndexAndRuns) {
  const TempDir dir;
  const auto path = dir.path() / "corpus.h5";
  {
    CorpusWriter w(path.string());
    w.add(sample_trace("b-run", 2), {1, "Hyperparameter"});
    w.add(sample_trace("a-run", 3), {0, ""});
    EXPECT_THROW(w.add(sample_trace("a-run", 1), {}), Error);
    EXPECT_FALSE(fs::exists(path)) << "nothing appears before finish()";
    w.finish();
  }
  CorpusReader r(path.string());
  ASSERT_EQ(r.index().size(), 2u);
  EXPECT_EQ(r.index()[0].run_id, "a-run");  // sorted
  EXPECT_EQ(r.index()[1].label, "Hyperparameter");
  EXPECT_EQ(r.index()[1].killed, 1);
  EXPECT_EQ(r.index()[0].epochs, 3);
  EXPECT_EQ(r.read("b-run"), sample_trace("b-run", 2));
  EXPECT_THROW(r.read("zzz"), Error);
}

TEST(Corpus, AbandonedWriterLeavesNothing) {
  const TempDir dir;
  const auto path = dir.path() / "abandoned.h5";
  {
    CorpusWriter w(path.string());
    w.add(sample_trace("a", 1), {});
  }
  EXPECT_FALSE(fs::exists(path));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(path.string() + ".tmp"), std::string::npos);
}

TEST(Corpus, SameContentGivesByteIdenticalFiles) {
  const TempDir dir;
  // Reproducibility down to the bytes: no timestamps or other ambient state in the file.
  std::string bytes[2];
  for (int i = 0; i < 2; ++i) {
    const auto path = dir.path() / ("repro" + std::to_string(i) + ".h5");
    CorpusWriter w(path.string());
    w.add(sample_trace("r1", 3), {1, "Hyperparameter"});
    w.add(sample_trace("r2", 2), {0, ""});
    w.finish();
    std::ifstream in(path, std::ios::binary);
    bytes[i].assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_FALSE(bytes[0].empty());
  EXPECT_TRUE(bytes[0] == bytes[1]);
}
