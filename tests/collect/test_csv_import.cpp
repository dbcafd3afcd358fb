#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "collect/csv_import.h"
#include "collect/published_schema.h"
#include "collect_test_util.h"
#include "core/corpus.h"
#include "core/error.h"

using namespace dynfault;
using namespace dynfault::collect;
using namespace dynfault::collect::testing;

namespace {

const char* kManifestHeader = "filename,so_id,fault_category,run_number,num_rows\n";

// A valid data row of the published layout for epoch e.
std::string valid_row(int e) {
  return std::to_string(e) +
         ",0.5,0.25,0.6,0.2,0,1,0,0,0,0,1,1,1,1,0,0,False,0.1,0.01,0.2,0.05,0.1,0.0009,0.3,0.1,0.001,0.002,3.6,0.0,8.5";
}

std::string valid_csv(int rows, const std::string& eol = "\n") {
  std::string s = published_header() + eol;
  for (int e = 0; e < rows; ++e) s += valid_row(e) + eol;
  return s;
}

// Runs the whole import into DIR/out.h5 and returns the error text ("" if it succeeded).
std::string import_error(const ScratchDir& dir, const std::string& manifest = "manifest.csv") {
  const std::string out = dir / "out.h5";
  try {
    import_csv_dir((dir.path() / "traces").string(), dir / manifest, out);
  } catch (const Error& e) {
    EXPECT_FALSE(fs::exists(out)) << "a failed import left " << out;
    for (const auto& name : listing(dir.path())) EXPECT_EQ(name.find("out.h5"), std::string::npos) << name;
    return e.what();
  }
  return "";
}

struct SmallDataset {
  ScratchDir dir{"data"};
  SmallDataset() {
    fs::create_directories(dir.path() / "traces");
    write_text(dir.path() / "traces" / "111_Layer_0001.csv", valid_csv(3));
    write_text(dir.path() / "traces" / "111_Layer_0002.csv", valid_csv(2, "\r\n"));
    write_text(dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,3\n" +
                                              "111_Layer_0002.csv,111,Layer,2,2\n");
  }
  fs::path trace(const std::string& name) const { return dir.path() / "traces" / name; }
};

}  // namespace

// ---- the published sample -------------------------------------------------

TEST(ImportSample, AllRunsWithPublishedComposition) {
  REQUIRE_DEEP4GE_SAMPLE();
  const ProgramZoo zoo = ProgramZoo::open_default();
  const auto traces =
      import_published_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string(), &zoo);
  ASSERT_EQ(traces.size(), 180u);

  // Expected composition from the sample README's (program, category) table:
  // 26 / 37 / 13 / 14 programs per category, runs 0001 and 0002 of each.
  std::map<std::string, size_t> runs;
  std::map<std::string, std::set<std::string>> programs;
  std::set<std::string> all_programs;
  for (const auto& t : traces) {
    ++runs[t.category];
    programs[t.category].insert(t.program);
    all_programs.insert(t.program);
    EXPECT_EQ(t.source, "deep4ge");
    EXPECT_EQ(t.run_id, t.program + "_" + t.category + "_000" + std::to_string(t.repeat));
    EXPECT_EQ(t.channel_names.size(), 31u);
    const RunVerdict v = published_verdict(t);
    EXPECT_EQ(v.killed, 1);
    EXPECT_EQ(v.label, t.category);
    EXPECT_EQ(t.architecture, zoo.has(t.program) ? to_string(zoo.load(t.program).architecture) : "");
  }
  EXPECT_EQ(runs, (std::map<std::string, size_t>{{"Hyperparameter", 52}, {"Layer", 74}, {"Loss", 26}, {"Optimization", 28}}));
  EXPECT_EQ(programs["Hyperparameter"].size(), 26u);
  EXPECT_EQ(programs["Layer"].size(), 37u);
  EXPECT_EQ(programs["Loss"].size(), 13u);
  EXPECT_EQ(programs["Optimization"].size(), 14u);
  EXPECT_EQ(all_programs.size(), 37u);
}

TEST(ImportSample, CrlfAndLfFilesGiveTheSameCells) {
  REQUIRE_DEEP4GE_SAMPLE();
  // The sample mixes CRLF and LF files; check we meet both and read the last
  // column (where a stray '\r' would end up) as a number.
  size_t crlf = 0, lf = 0;
  for (const auto& e : fs::directory_iterator(sample_dir() / "traces"))
    (read_bytes(e.path()).find("\r\n") != std::string::npos ? crlf : lf)++;
  EXPECT_GT(crlf, 0u);
  EXPECT_GT(lf, 0u);
  const auto rows = read_manifest((sample_dir() / "manifest.csv").string());
  const auto it = std::find_if(rows.begin(), rows.end(), [](const ManifestRow& r) {
    return r.filename == "31556268_Hyperparameter_0001.csv";
  });
  ASSERT_NE(it, rows.end());
  const fs::path file = sample_dir() / "traces" / it->filename;
  ASSERT_NE(read_bytes(file).find("\r\n"), std::string::npos) << "expected this file to use CRLF";
  const Trace t = import_published_csv(file.string(), *it);
  ASSERT_EQ(t.epochs(), 50u);
  // First data line: 0,0.26131686568260193,...,False,...,3.6,0.292236328125,8.5
  EXPECT_EQ(t.channel("train_loss")[0], 0.26131686568260193);
  EXPECT_EQ(t.channel("saturated_activation")[0], 0.0);
  EXPECT_EQ(t.channel("adjusted_lr")[0], 0.0009000000427477062);
  EXPECT_EQ(t.channel("sys_cpu_utilization")[0], 3.6);
  EXPECT_EQ(t.channel("sys_gpu_memory_utilization")[0], 0.292236328125);
  EXPECT_EQ(t.channel("sys_memory_usage")[0], 8.5);
  EXPECT_EQ(t.channel_units[*t.channel_index("sys_gpu_memory_utilization")], "MB");
  EXPECT_EQ(t.channel("epoch"), [] {
    std::vector<double> e(50);
    for (size_t i = 0; i < 50; ++i) e[i] = double(i);
    return e;
  }());
  EXPECT_EQ(t.parameters, R"({"published_file":"31556268_Hyperparameter_0001.csv"})");
}

TEST(ImportSample, EightyFourRowFilesKeptAsLoggedAndFlagged) {
  REQUIRE_DEEP4GE_SAMPLE();
  const auto traces =
      import_published_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string());
  size_t flagged = 0;
  for (const auto& t : traces) {
    const bool non_monotonic = t.parameters.find(R"("epoch_order":"non-monotonic")") != std::string::npos;
    if (t.program == "67590787" && t.category == "Hyperparameter") {
      EXPECT_EQ(t.epochs(), 84u);
      EXPECT_TRUE(non_monotonic);
      const auto epoch = t.channel("epoch");
      // Rows in file order: 16, 17, 0, 18, 19, 1, ...; ends with 31..49 of one writer.
      EXPECT_EQ(std::vector<double>(epoch.begin(), epoch.begin() + 6), (std::vector<double>{16, 17, 0, 18, 19, 1}));
      EXPECT_EQ(epoch.back(), 49);
      EXPECT_EQ(std::count(epoch.begin(), epoch.end(), 16.0), 2);  // the two writers both logged epoch 16
    } else {
      EXPECT_EQ(t.epochs(), 50u) << t.run_id;
      EXPECT_FALSE(non_monotonic) << t.run_id;
    }
    flagged += non_monotonic;
  }
  EXPECT_EQ(flagged, 2u);
}

TEST(ImportSample, UnstableRunsFromTrainingLoss) {
  REQUIRE_DEEP4GE_SAMPLE();
  const auto traces =
      import_published_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string());
  std::map<std::string, int64_t> unstable;
  for (const auto& t : traces)
    if (t.unstable) unstable[t.run_id] = t.first_unstable_epoch;
  // train_loss 23164800.0, 1415388.0 and 1526220.875 at epoch 0 (> 1e6); no NaN losses.
  EXPECT_EQ(unstable, (std::map<std::string, int64_t>{{"37624102_Hyperparameter_0001", 0},
                                                      {"66840108_Layer_0001", 0},
                                                      {"66840108_Layer_0002", 0}}));
}

TEST(ImportSample, CorpusHoldsTheSameTraces) {
  REQUIRE_DEEP4GE_SAMPLE();
  ScratchDir dir("corpus");
  const std::string out = dir / "deep4ge.h5";
  const size_t n = import_csv_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string(), out);
  EXPECT_EQ(n, 180u);
  const CorpusReader corpus(out);
  ASSERT_EQ(corpus.index().size(), 180u);
  const auto traces =
      import_published_dir((sample_dir() / "traces").string(), (sample_dir() / "manifest.csv").string());
  for (const auto& t : traces) {
    const Trace u = corpus.read(t.run_id);
    EXPECT_EQ(u, t) << t.run_id;
    EXPECT_EQ(u.values.size(), t.values.size());
    EXPECT_EQ(0, std::memcmp(u.values.data(), t.values.data(), t.values.size() * sizeof(double))) << t.run_id;
  }
  for (const auto& r : corpus.index()) {
    EXPECT_EQ(r.killed, 1);
    EXPECT_EQ(r.label, r.category);
    EXPECT_EQ(r.source, "deep4ge");
    EXPECT_EQ(r.probes, "of");
  }
}

// ---- robust parsing ---------------------------------------------------------

TEST(ImportCsv, RawCallbackSpellings) {
  SmallDataset d;
  // Mixed line endings in one file; quoted cells; Python bools and
  // tf.Tensor(...) strings in 0/1 columns; nan/NaN/empty/inf cells.
  std::string text = "\xEF\xBB\xBF" + published_header() + "\r\n";
  text += "0,nan,NaN,,inf,0,True,0,\"tf.Tensor(False, shape=(), dtype=bool)\",0,0,1,1,1,1,0,0,True,"
          "0.1,0.01,0.2,0.05,0.1,0.0009,-inf,0.1,0.001,0.002,3.6,0.0,8.5\n";
  text += "1,\"0.25\",0.5,0.6,0.2,3,false,1,\"tf.Tensor(True, shape=(), dtype=bool)\",0,0,1,1,1,1,0,0,False,"
          "1e-05,0.01,0.2,0.05,0.1,0.00081,0.3,0.1,\"tf.Tensor(0.5, shape=(), dtype=float32)\",0.002,3.6,0.0,8.5\r\n";
  write_text(d.trace("111_Layer_0001.csv"), text);
  write_text(d.trace("111_Layer_0002.csv"), valid_csv(2));
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,2\r\n" +
                                              "111_Layer_0002.csv,111,Layer,2,2\n");
  const auto traces = import_published_dir((d.dir.path() / "traces").string(), d.dir / "manifest.csv");
  ASSERT_EQ(traces.size(), 2u);
  const Trace& t = traces[0];
  ASSERT_EQ(t.epochs(), 2u);
  EXPECT_TRUE(std::isnan(t.channel("train_loss")[0]));
  EXPECT_TRUE(std::isnan(t.channel("train_acc")[0]));
  EXPECT_TRUE(std::isnan(t.channel("val_loss")[0]));
  EXPECT_TRUE(std::isinf(t.channel("val_acc")[0]));
  EXPECT_EQ(t.channel("mean_activation")[0], -INFINITY);
  EXPECT_EQ(t.channel("acc_gap_too_big"), (std::vector<double>{1, 0}));
  EXPECT_EQ(t.channel("dying_relu"), (std::vector<double>{0, 1}));
  EXPECT_EQ(t.channel("saturated_activation"), (std::vector<double>{1, 0}));
  EXPECT_EQ(t.channel("train_loss")[1], 0.25);
  EXPECT_EQ(t.channel("mean_grad")[1], 0.5);
  EXPECT_EQ(t.channel("mean_gradient")[1], 1e-05);
  EXPECT_EQ(t.channel("large_weight_count")[1], 3);
  // A NaN training loss is an instability, at that row.
  EXPECT_TRUE(t.unstable);
  EXPECT_EQ(t.first_unstable_epoch, 0);
  EXPECT_FALSE(traces[1].unstable);
  EXPECT_EQ(traces[1].first_unstable_epoch, -1);
}

TEST(ImportCsv, HeaderOnlyFileIsACrashBeforeTheFirstEpoch) {
  SmallDataset d;
  write_text(d.trace("111_Layer_0002.csv"), published_header() + "\n");
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,3\n" +
                                              "111_Layer_0002.csv,111,Layer,2,0\n");
  const auto traces = import_published_dir((d.dir.path() / "traces").string(), d.dir / "manifest.csv");
  EXPECT_EQ(traces[1].epochs(), 0u);
  EXPECT_EQ(traces[1].status, RunStatus::Crashed);
}

TEST(ImportCsv, OriginalCategoryIsNotAMutant) {
  SmallDataset d;
  fs::rename(d.trace("111_Layer_0002.csv"), d.trace("111_Original_0001.csv"));
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,3\n" +
                                              "111_Original_0001.csv,111,Original,1,2\n");
  const auto traces = import_published_dir((d.dir.path() / "traces").string(), d.dir / "manifest.csv");
  EXPECT_EQ(traces[1].category, "");
  EXPECT_EQ(traces[1].mutant_id, "");
  EXPECT_EQ(published_verdict(traces[1]).killed, -1);
  EXPECT_EQ(published_verdict(traces[0]).killed, 1);
}

// ---- malformed input: one line naming file, line, column; nothing written ----

TEST(ImportCsvErrors, WrongHeaderName) {
  SmallDataset d;
  std::string text = valid_csv(3);
  text.replace(text.find("val_loss"), 8, "validation_loss");
  write_text(d.trace("111_Layer_0001.csv"), text);
  const std::string msg = import_error(d.dir);
  EXPECT_EQ(msg, d.trace("111_Layer_0001.csv").string() +
                     ": line 1, column 4: header 'validation_loss', expected 'val_loss'");
}

TEST(ImportCsvErrors, WrongHeaderColumnCount) {
  SmallDataset d;
  std::string text = valid_csv(3);
  text.replace(text.find(",memory_usage"), 13, "");
  write_text(d.trace("111_Layer_0001.csv"), text);
  EXPECT_EQ(import_error(d.dir), d.trace("111_Layer_0001.csv").string() +
                                     ": line 1: header has 30 columns, expected the 31-column published layout");
}

TEST(ImportCsvErrors, RowWithTooFewFields) {
  SmallDataset d;
  std::string text = published_header() + "\n" + valid_row(0) + "\n" + valid_row(1).substr(0, valid_row(1).rfind(',')) +
                     "\n" + valid_row(2) + "\n";
  write_text(d.trace("111_Layer_0001.csv"), text);
  EXPECT_EQ(import_error(d.dir), d.trace("111_Layer_0001.csv").string() + ": line 3: 30 fields, expected 31");
}

TEST(ImportCsvErrors, NonNumericCellNamesLineAndColumn) {
  SmallDataset d;
  std::string row = valid_row(1);
  row.replace(row.find("0.6"), 3, "abc");
  write_text(d.trace("111_Layer_0002.csv"), published_header() + "\r\n" + valid_row(0) + "\r\n" + row + "\r\n");
  EXPECT_EQ(import_error(d.dir),
            d.trace("111_Layer_0002.csv").string() + ": line 3, column 4 (val_loss): 'abc' is not a number");
}

TEST(ImportCsvErrors, BooleanOutsideAFlagColumn) {
  SmallDataset d;
  std::string row = valid_row(0);
  row.replace(row.find("0.5"), 3, "True");
  write_text(d.trace("111_Layer_0002.csv"), published_header() + "\n" + row + "\n" + valid_row(1) + "\n");
  EXPECT_EQ(import_error(d.dir),
            d.trace("111_Layer_0002.csv").string() + ": line 2, column 2 (train_loss): 'True' is not a number");
}

TEST(ImportCsvErrors, JunkInAFlagColumn) {
  SmallDataset d;
  std::string row = valid_row(0);
  row.replace(row.find("False"), 5, "Maybe");
  write_text(d.trace("111_Layer_0002.csv"), published_header() + "\n" + row + "\n" + valid_row(1) + "\n");
  EXPECT_EQ(import_error(d.dir), d.trace("111_Layer_0002.csv").string() +
                                     ": line 2, column 18 (saturated_activation): 'Maybe' is not a number or a boolean");
}

TEST(ImportCsvErrors, EmptyFile) {
  SmallDataset d;
  write_text(d.trace("111_Layer_0001.csv"), "");
  EXPECT_EQ(import_error(d.dir), d.trace("111_Layer_0001.csv").string() + ": empty file (no header line)");
}

TEST(ImportCsvErrors, RowCountDisagreesWithManifest) {
  SmallDataset d;
  write_text(d.trace("111_Layer_0001.csv"), valid_csv(4));
  EXPECT_EQ(import_error(d.dir),
            d.trace("111_Layer_0001.csv").string() + ": has 4 data rows but the manifest (line 2) says 3");
}

TEST(ImportCsvErrors, FileWithoutManifestEntry) {
  SmallDataset d;
  write_text(d.trace("111_Layer_0003.csv"), valid_csv(3));
  EXPECT_EQ(import_error(d.dir),
            d.trace("111_Layer_0003.csv").string() + ": has no manifest entry in " + (d.dir / "manifest.csv"));
}

TEST(ImportCsvErrors, ManifestEntryWithoutFile) {
  SmallDataset d;
  fs::remove(d.trace("111_Layer_0002.csv"));
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") + ": line 3: lists '111_Layer_0002.csv', which is not in " +
                                     (d.dir.path() / "traces").string());
}

TEST(ImportCsvErrors, CategoryDisagreesWithFileName) {
  SmallDataset d;
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,3\n" +
                                              "111_Layer_0002.csv,111,Loss,2,2\n");
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") +
                                     ": line 3: the file name says category 'Layer' but fault_category is 'Loss' "
                                     "(expected '111_Loss_0002.csv')");
}

TEST(ImportCsvErrors, RunNumberDisagreesWithFileName) {
  SmallDataset d;
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,3\n" +
                                              "111_Layer_0002.csv,111,Layer,7,2\n");
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") +
                                     ": line 3: the file name's run number disagrees with run_number 7 "
                                     "(expected '111_Layer_0007.csv')");
}

TEST(ImportCsvErrors, UnknownCategoryInManifest) {
  SmallDataset d;
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layers2,1,3\n");
  const std::string msg = import_error(d.dir);
  EXPECT_EQ(msg.rfind((d.dir / "manifest.csv") + ": line 2, column 3 (fault_category): unknown fault category 'Layers2'", 0), 0u)
      << msg;
}

TEST(ImportCsvErrors, ManifestHeaderAndFields) {
  SmallDataset d;
  write_text(d.dir.path() / "manifest.csv", "file,so_id,fault_category,run_number,num_rows\n");
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") +
                                     ": line 1: header is 'file,so_id,fault_category,run_number,num_rows', expected "
                                     "'filename,so_id,fault_category,run_number,num_rows'");
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,one,3\n");
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") + ": line 2, column 4 (run_number): 'one' is not a run number");
  write_text(d.dir.path() / "manifest.csv", std::string(kManifestHeader) + "111_Layer_0001.csv,111,Layer,1,3\n" +
                                              "111_Layer_0001.csv,111,Layer,1,3\n");
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") +
                                     ": line 3, column 1 (filename): '111_Layer_0001.csv' is listed twice (also on line 2)");
  write_text(d.dir.path() / "manifest.csv", "");
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") + ": empty manifest (no header line)");
  write_text(d.dir.path() / "manifest.csv", kManifestHeader);
  EXPECT_EQ(import_error(d.dir), (d.dir / "manifest.csv") + ": the manifest lists no files");
  EXPECT_EQ(import_error(d.dir, "absent.csv"), (d.dir / "absent.csv") + ": cannot open for reading");
}

TEST(ImportCsvErrors, ValidDatasetImports) {
  // The fixture itself is valid: the error tests above fail for their one defect only.
  SmallDataset d;
  EXPECT_EQ(import_error(d.dir), "");
  EXPECT_EQ(CorpusReader(d.dir / "out.h5").index().size(), 2u);
}
