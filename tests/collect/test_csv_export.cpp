#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/csv.h"
#include "collect/csv_export.h"
#include "collect/csv_import.h"
#include "collect/published_schema.h"
#include "collect_test_util.h"
#include "core/corpus.h"
#include "core/error.h"

using namespace dynfault;
using namespace dynfault::collect;
using namespace dynfault::collect::testing;

namespace {
std::string without_cr(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
  return s;
}
}  // namespace

TEST(ExportSample, RoundTripIsByteIdenticalApartFromLineEndings) {
  REQUIRE_DEEP4GE_SAMPLE();
  ScratchDir dir("roundtrip");
  const std::string corpus = dir / "deep4ge.h5";
  import_csv_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string(), corpus);
  const std::string out = dir / "export";
  EXPECT_EQ(export_csv_dir(corpus, out), 180u);

  // Every file: same bytes once CRLF is normalised to LF. Python's float repr,
  // int counts and True/False are reproduced exactly, so nothing else differs.
  size_t compared = 0, crlf_inputs = 0;
  for (const auto& e : fs::directory_iterator(sample_dir() / "traces")) {
    const std::string input = read_bytes(e.path());
    crlf_inputs += input.find('\r') != std::string::npos;
    const fs::path exported = fs::path(out) / "traces" / e.path().filename();
    ASSERT_TRUE(fs::exists(exported)) << exported;
    const std::string output = read_bytes(exported);
    EXPECT_EQ(output.find('\r'), std::string::npos);
    EXPECT_EQ(output, without_cr(input)) << e.path().filename();
    ++compared;
  }
  EXPECT_EQ(compared, 180u);
  EXPECT_GT(crlf_inputs, 0u);
  EXPECT_EQ(listing(fs::path(out) / "traces").size(), 180u);
  EXPECT_EQ(read_bytes(fs::path(out) / "manifest.csv"), without_cr(read_bytes(sample_dir() / "manifest.csv")));

  // And the export imports back to the same traces.
  const auto again = import_published_dir((fs::path(out) / "traces").string(), (fs::path(out) / "manifest.csv").string());
  const CorpusReader reader(corpus);
  ASSERT_EQ(again.size(), 180u);
  for (const auto& t : again) {
    const Trace u = reader.read(t.run_id);
    EXPECT_EQ(t, u);
    EXPECT_EQ(0, std::memcmp(t.values.data(), u.values.data(), t.values.size() * sizeof(double)));
  }
}

TEST(ExportCsv, DynfaultTraceMapsChannelsAndFillsMissingColumnsWithNan) {
  Trace t = synthetic_trace("run-x", "555", "Loss", 2);
  // Not part of the published layout: dropped from the CSV.
  t.channel_names.push_back("hvp_mean");
  t.channel_units.push_back("1");
  std::vector<double> widened;
  for (size_t e = 0; e < 2; ++e) {
    for (size_t c = 0; c < 6; ++c) widened.push_back(t.values[e * 6 + c]);
    widened.push_back(7.0);
  }
  t.values = widened;
  const std::string text = published_csv_text(t);
  const auto records = parse_csv(text, "x");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields.size(), 31u);
  const auto& row = records[2].fields;
  EXPECT_EQ(row[0], "1");  // no epoch channel: the row index
  EXPECT_EQ(row[1], format_python_float(t.value(1, 0)));            // train_loss
  EXPECT_EQ(row[4], format_python_float(t.value(1, 3)));            // val_acc
  EXPECT_EQ(row[23], format_python_float(t.value(1, 4)));           // adjusted_lr
  EXPECT_EQ(row[28], "11.0");                                        // sys_cpu_utilization -> cpu_utilization
  EXPECT_EQ(row[5], "nan");                                          // large_weight_count: not logged
  EXPECT_EQ(row[17], "nan");                                         // saturated_activation: not logged
  EXPECT_EQ(row[30], "nan");
  EXPECT_EQ(text.find("7.0"), std::string::npos);                   // hvp_mean is not a published column
}

TEST(ExportCsv, CellFormatsFollowThePublishedFiles) {
  Trace t;
  t.run_id = "r";
  std::vector<std::string> names, units;
  for (const auto& c : published_columns()) {
    names.push_back(c.channel);
    units.push_back(c.unit);
  }
  t.set_channels(names, units);
  std::vector<double> row(31, 0.0);
  row[0] = 3;               // epoch
  row[1] = 1415388.0;       // Real: Python keeps ".0"
  row[2] = 1e-05;           // Real: exponent form
  row[5] = 12;              // Integer count
  row[6] = 1;               // Integer flag
  row[8] = std::nan("");    // Integer column with a missing value
  row[17] = 1;              // True
  row[23] = 0.0009000000427477062;
  t.append_epoch(row);
  const auto fields = parse_csv(published_csv_text(t), "x")[1].fields;
  EXPECT_EQ(fields[0], "3");
  EXPECT_EQ(fields[1], "1415388.0");
  EXPECT_EQ(fields[2], "1e-05");
  EXPECT_EQ(fields[5], "12");
  EXPECT_EQ(fields[6], "1");
  EXPECT_EQ(fields[8], "nan");
  EXPECT_EQ(fields[17], "True");
  EXPECT_EQ(fields[18], "0.0");
  EXPECT_EQ(fields[23], "0.0009000000427477062");
}

TEST(ExportCsv, FileNamesForDynfaultRuns) {
  std::vector<RunIndexRow> index(5);
  auto set = [&](size_t i, const std::string& id, const std::string& program, const std::string& category,
                 int64_t repeat, int64_t epochs) {
    index[i].run_id = id;
    index[i].program = program;
    index[i].category = category;
    index[i].repeat = repeat;
    index[i].epochs = epochs;
  };
  // Index order is run-id order, as CorpusReader gives it.
  set(0, "111_Layer_0001", "111", "Layer", 1, 50);   // published form: keeps 0001
  set(1, "111-m-a-r0", "111", "Layer", 0, 50);       // numbered: 0002 (0001 taken)
  set(2, "111-m-b-r0", "111", "Layer", 0, 0);        // numbered: 0003, crashed (0 rows)
  set(3, "111-orig-r0", "111", "", 0, 50);           // original: Original_0001
  set(4, "222-m-a-r3", "222", "Loss", 3, 20);        // numbered within its own group: 0001
  const auto plan = plan_export(index);
  std::map<std::string, std::string> file_of;
  for (const auto& e : plan) file_of[e.run_id] = e.row.filename;
  EXPECT_EQ(file_of, (std::map<std::string, std::string>{{"111_Layer_0001", "111_Layer_0001.csv"},
                                                         {"111-m-a-r0", "111_Layer_0002.csv"},
                                                         {"111-m-b-r0", "111_Layer_0003.csv"},
                                                         {"111-orig-r0", "111_Original_0001.csv"},
                                                         {"222-m-a-r3", "222_Loss_0001.csv"}}));
  EXPECT_TRUE(std::is_sorted(plan.begin(), plan.end(),
                             [](const auto& a, const auto& b) { return a.row.filename < b.row.filename; }));
  EXPECT_EQ(plan[2].row.num_rows, 0);  // 111_Layer_0003
  index[4].program = "2_22";
  EXPECT_THROW(plan_export(index), Error);
}

TEST(ExportCsv, CorpusExportImportsBack) {
  ScratchDir dir("dynfault");
  const std::string corpus = dir / "c.h5";
  {
    CorpusWriter w(corpus);
    w.add(synthetic_trace("555-a", "555", "Loss", 3), RunVerdict{1, "Loss"});
    w.add(synthetic_trace("555-b", "555", "", 4), RunVerdict{});
    Trace crashed = synthetic_trace("555-c", "555", "Loss", 0);
    crashed.status = RunStatus::Crashed;
    w.add(crashed, RunVerdict{0, ""});
    w.finish();
  }
  const std::string out = dir / "csv";
  EXPECT_EQ(export_csv_dir(corpus, out), 3u);
  EXPECT_EQ(read_bytes(fs::path(out) / "manifest.csv"),
            "filename,so_id,fault_category,run_number,num_rows\n"
            "555_Loss_0001.csv,555,Loss,1,3\n"
            "555_Loss_0002.csv,555,Loss,2,0\n"
            "555_Original_0001.csv,555,Original,1,4\n");
  const auto traces = import_published_dir((fs::path(out) / "traces").string(), (fs::path(out) / "manifest.csv").string());
  ASSERT_EQ(traces.size(), 3u);
  const Trace original = synthetic_trace("555-b", "555", "", 4);
  EXPECT_EQ(traces[2].channel("train_loss"), original.channel("train_loss"));
  EXPECT_EQ(traces[2].channel("sys_cpu_utilization"), original.channel("sys_cpu_utilization"));
  EXPECT_EQ(traces[2].channel("epoch"), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(traces[1].status, RunStatus::Crashed);
  EXPECT_EQ(traces[1].epochs(), 0u);
}

TEST(ExportCsv, RefusesAnExistingFolderAndLeavesNothingBehind) {
  ScratchDir dir("refuse");
  const std::string corpus = dir / "c.h5";
  {
    CorpusWriter w(corpus);
    w.add(synthetic_trace("555-a", "555", "Loss", 3), RunVerdict{1, "Loss"});
    w.finish();
  }
  fs::create_directories(dir.path() / "taken");
  write_text(dir.path() / "taken" / "keep.txt", "x");
  try {
    export_csv_dir(corpus, dir / "taken");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "taken") + ": already exists; choose a new --out directory");
  }
  EXPECT_EQ(listing(dir.path() / "taken"), (std::vector<std::string>{"keep.txt"}));
  // A corrupt corpus: error, no output folder, no staging folder.
  write_text(dir.path() / "bad.h5", "not hdf5");
  EXPECT_THROW(export_csv_dir(dir / "bad.h5", dir / "out"), Error);
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"bad.h5", "c.h5", "taken"}));
  // An empty folder may be the target.
  fs::create_directories(dir.path() / "empty");
  EXPECT_EQ(export_csv_dir(corpus, dir / "empty"), 1u);
  EXPECT_TRUE(fs::exists(dir.path() / "empty" / "traces" / "555_Loss_0001.csv"));
}

// A dynfault-trained trace logs learning_rate, sys_cpu_percent and sys_rss_mb, not the published
// names: the export maps them as docs/trace-format.md's table says, and writes gpu 0 (CPU training).
TEST(ExportCsv, DynfaultTrainedChannelsFillTheLrAndHardwareColumns) {
  Trace t;
  t.run_id = "r";
  t.source = "dynfault";
  t.set_channels({"train_loss", "learning_rate", "sys_cpu_percent", "sys_rss_mb"}, {"1", "1", "%", "MiB"});
  t.append_epoch({0.5, 0.001, 97.5, 512.25});
  const auto records = parse_csv(published_csv_text(t), "x");
  ASSERT_EQ(records.size(), 2u);
  const auto& row = records[1].fields;
  EXPECT_EQ(row[23], "0.001");   // adjusted_lr <- learning_rate (never rescaled)
  EXPECT_EQ(row[28], "97.5");    // cpu_utilization <- sys_cpu_percent
  EXPECT_EQ(row[29], "0.0");     // gpu_memory_utilization: 0 for dynfault runs
  EXPECT_EQ(row[30], "512.25");  // memory_usage <- sys_rss_mb
  t.source = "deep4ge";          // an imported trace without the column keeps NaN
  EXPECT_EQ(parse_csv(published_csv_text(t), "x")[1].fields[29], "nan");
}
