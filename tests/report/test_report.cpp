// The report stage: paper comparisons, results loading and its errors, the
// spec writers (numbers they hold, valid Vega-Lite compiled by vega-lite in
// Node), and the report directory (atomic, deterministic, "not computed").
// Results come from the dynfault binary on a small synthetic corpus, so the
// layouts are the ones `dynfault evaluate` writes.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "collect/summary.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"
#include "report/page.h"
#include "report/paper_values.h"
#include "report/report.h"
#include "report/results.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::report;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void run(const std::string& command) {
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// One corpus and its `evaluate all` results, made once for the suite.
class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new dynfault_test::TempDir("report-suite");
    corpus_ = *dir_ / "corpus.h5";
    other_corpus_ = *dir_ / "other.h5";
    results_ = *dir_ / "results";
    const std::string quiet = " >/dev/null 2>&1";
    run(std::string(DYNFAULT_SYNTHETIC_CORPUS) + " --instability " + corpus_ + " 6 12 Hyperparameter,Layer,Loss,Optimization" + quiet);
    run(std::string(DYNFAULT_SYNTHETIC_CORPUS) + " --instability " + other_corpus_ + " 6 10 Hyperparameter,Layer,Loss,Optimization" + quiet);
    run(std::string(DYNFAULT_BINARY) + " evaluate all " + corpus_ + " --out " + results_ +
        " --labels category --k 1,3,5 --table-k 5 --folds 3 --bootstrap 30 --permutations 3 --clusters 2,3 --triage-k 3"
        " --restarts 2 --quiet" + quiet);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static Results load(const std::vector<std::string>& dirs, const std::string& corpus) {
    const collect::CorpusSummary s = collect::summarize_corpus(corpus);
    return Results::load(dirs, CorpusIdentity{corpus, sha256_file_hex(corpus), s.trace_files});
  }
  static Built build(const std::vector<std::string>& dirs) {
    static collect::CorpusSummary summary;
    static Results results;
    summary = collect::summarize_corpus(corpus_);
    results = load(dirs, corpus_);
    static ReportOptions options;
    options.corpus = corpus_;
    options.command_line = "dynfault report (test)";
    return build_report(FigureInputs{corpus_, summary, results}, "test-sha", options);
  }
  static const json& spec_of(const Built& b, const std::string& name) {
    for (const auto& [n, s] : b.specs)
      if (n == name) return s;
    throw std::runtime_error("no spec " + name);
  }
  static std::vector<const Block*> not_computed(const Built& b) {
    std::vector<const Block*> out;
    for (const Section& s : b.document.sections)
      for (const Block& bl : s.blocks)
        if (bl.kind == Block::Kind::NotComputed) out.push_back(&bl);
    return out;
  }
  static bool have_web() { return fs::is_regular_file(std::string(DYNFAULT_TEST_WEB_DIR) + "/node_modules/vega/build/vega.min.js"); }
  static bool have_node() { return std::system("node --version >/dev/null 2>&1") == 0; }
  static ReportOptions options(const std::string& out) {
    ReportOptions o;
    o.corpus = corpus_;
    o.results = {results_};
    o.out = out;
    o.web_dir = DYNFAULT_TEST_WEB_DIR;
    o.command_line = "dynfault report (test)";
    return o;
  }

  static dynfault_test::TempDir* dir_;
  static std::string corpus_, other_corpus_, results_;
};
dynfault_test::TempDir* ReportTest::dir_ = nullptr;
std::string ReportTest::corpus_, ReportTest::other_corpus_, ReportTest::results_;

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = read_text_file(e.path().string());
  return files;
}

}  // namespace

TEST(ReportPaperValues, EmbeddedFileParsesWithCitations) {
  const PaperValues& p = PaperValues::embedded();
  const PaperValue* within = p.find("table4.cat4.balanced_accuracy.within");
  ASSERT_NE(within, nullptr);
  EXPECT_EQ(within->artefact, "Table IV");
  EXPECT_DOUBLE_EQ(*within->value, 0.469);
  EXPECT_DOUBLE_EQ(*within->ci_low, 0.343);
  EXPECT_EQ(*within->k, 5);
  EXPECT_NE(p.citation().find("2606.26492"), std::string::npos);
  for (const PaperValue& v : p.all()) EXPECT_FALSE(v.section.empty()) << v.id;
  EXPECT_THROW(PaperValues::parse(R"({"source": {"title": "t", "arxiv": "a", "licence": "l"},
                                      "values": [{"id": "x", "artefact": "a", "section": "s", "quantity": "q", "value": 1},
                                                 {"id": "x", "artefact": "a", "section": "s", "quantity": "q", "value": 2}]})",
                                   "test.json"),
               Error);
}

TEST(ReportPaperValues, DifferencesBeyondTheCiAreMarked) {
  PaperValue p;
  p.value = 0.469, p.ci_low = 0.343, p.ci_high = 0.545, p.k = 5;
  EXPECT_FALSE(compare(p, 0.40, 0.30, 0.50, 5).differs);                  // paper inside our CI
  EXPECT_TRUE(compare(p, 0.20, 0.10, 0.30, 5).differs);                   // paper above our CI
  EXPECT_FALSE(compare(p, 0.20, 0.10, 0.30, 3).differs);                  // another window: not compared
  EXPECT_NE(compare(p, 0.20, 0.10, 0.30, 3).verdict.find("not compared"), std::string::npos);
  EXPECT_TRUE(compare(p, 0.60, std::nan(""), std::nan(""), 5).differs);   // no CI here: ours outside the paper's
  EXPECT_FALSE(compare(p, 0.50, std::nan(""), std::nan(""), 5).differs);
  EXPECT_EQ(compare(p, 0.50, std::nan(""), std::nan(""), 5).paper, "0.469 [0.343, 0.545]");
  PaperValue count;
  count.value = 5542;
  EXPECT_EQ(compare(count, 120, std::nan(""), std::nan(""), std::nullopt).verdict, "no CI to test");
  EXPECT_EQ(format_value(5542), "5542");
  EXPECT_EQ(format_value(5.37e6 + 0.5), "5.37e+06");
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(0.25), "0.250");
}

TEST_F(ReportTest, SpecWritersHoldTheNumbersOfTheResults) {
  const Built b = build({results_});
  // Fig. 2: every balanced-accuracy gap of fig2_gap_by_k.csv, with its CI.
  const CsvTable fig2(results_ + "/rq1/fig2_gap_by_k.csv", read_text_file(results_ + "/rq1/fig2_gap_by_k.csv"));
  const json& gaps = spec_of(b, "fig02_gap_by_k")["vconcat"][1]["data"]["values"];
  size_t expected = 0;
  for (size_t r = 0; r < fig2.size(); ++r) {
    if (fig2.text(r, "metric") != "balanced_accuracy") continue;
    bool found = false;
    for (const json& v : gaps)
      found |= v["task"] == fig2.text(r, "task") && v["k"] == fig2.number(r, "k") &&
               v["value"].get<double>() == fig2.number(r, "gap") && v["ci_low"].get<double>() == fig2.number(r, "gap_ci_low");
    EXPECT_TRUE(found) << "gap row " << r;
    ++expected;
  }
  EXPECT_EQ(gaps.size(), expected);
  ASSERT_GT(expected, 0u);
  // Fig. 5b: the held-out ROC-AUC rows of table6_detection.csv.
  const CsvTable t6(results_ + "/rq2/table6_detection.csv", read_text_file(results_ + "/rq2/table6_detection.csv"));
  std::multiset<double> want, got;
  for (size_t r = 0; r < t6.size(); ++r)
    if (t6.text(r, "split") == "heldout" && t6.text(r, "metric") == "roc_auc") want.insert(t6.number(r, "value"));
  for (const json& v : spec_of(b, "fig05b_detection_by_k")["data"]["values"]) got.insert(v["value"].get<double>());
  EXPECT_EQ(got, want);
  // Table II: runs per category as the corpus summary counts them.
  const collect::CorpusSummary summary = collect::summarize_corpus(corpus_);
  for (const auto& c : summary.categories) {
    bool found = false;
    for (const json& v : spec_of(b, "table02_composition")["data"]["values"])
      found |= v["category"] == c.category && v["count"] == "runs" && v["value"] == c.runs;
    EXPECT_TRUE(found) << c.category;
  }
  // Fig. 4: one cell per program pair; Fig. 8: one point per clustered run.
  const CsvTable pca(results_ + "/rq2/fig8_pca.csv", read_text_file(results_ + "/rq2/fig8_pca.csv"));
  EXPECT_EQ(spec_of(b, "fig08_pca")["data"]["values"].size(), pca.size());
  const size_t programs = spec_of(b, "fig04_mmd")["encoding"]["x"]["sort"].size();
  EXPECT_EQ(spec_of(b, "fig04_mmd")["data"]["values"].size(), programs * programs);
}

TEST_F(ReportTest, EveryFigureOfTheResultsIsDrawnAndTheRestNotComputed) {
  const Built b = build({results_});
  std::set<std::string> drawn(b.document.figures.begin(), b.document.figures.end());
  for (const char* f : {"table02_composition", "fig02_gap_by_k", "fig03a_program_identity", "fig03b_permutation",
                        "fig04_mmd", "fig05a_first_explosion", "fig05b_detection_by_k", "fig06_quintiles",
                        "fig07_layer_depth", "fig08_pca", "fig09_pr_curves"})
    EXPECT_TRUE(drawn.count(f)) << f;
  std::set<std::string> absent;
  for (const Block* bl : not_computed(b)) absent.insert(bl->artefact);
  EXPECT_EQ(absent, (std::set<std::string>{"Table VIII", "Table IX", "Fig. 10", "Fig. 11", "Fig. 12", "Fig. 13", "Peers table"}));

  // Only RQ1 given: every RQ2 figure and table is "not computed", with the command.
  const Built only_rq1 = build({results_ + "/rq1"});
  size_t rq2 = 0;
  for (const Block* bl : not_computed(only_rq1))
    if (bl->command.find("dynfault evaluate rq2 " + corpus_) == 0) ++rq2;
  EXPECT_EQ(rq2, 7u);  // Fig. 5a, 5b, 6, 7, 8, 9 and Tables VI/VII
}

TEST_F(ReportTest, AnAnalysisEvaluateAllSkippedIsNotComputedWithItsNote) {
  // One fault category: no RQ1 task can run, so `evaluate all` skips rq1 and runs rq2.
  dynfault_test::TempDir tmp("skipped");
  const std::string corpus = tmp / "loss.h5", results = tmp / "all";
  run(std::string(DYNFAULT_SYNTHETIC_CORPUS) + " --instability " + corpus + " 6 6 >/dev/null");
  run(std::string(DYNFAULT_BINARY) + " evaluate all " + corpus + " --out " + results +
      " --k 1 --table-k 1 --folds 3 --bootstrap 0 --clusters 2 --triage-k 2 --restarts 1 --quiet >/dev/null 2>&1");
  const collect::CorpusSummary summary = collect::summarize_corpus(corpus);
  const Results r = load({results}, corpus);
  ASSERT_NE(r.find_skipped("rq1"), nullptr);
  ReportOptions o;
  const Built b = build_report(FigureInputs{corpus, summary, r}, "sha", o);
  size_t rq1 = 0;
  for (const Block* bl : not_computed(b))
    if (bl->reason.find("`evaluate all` skipped rq1") == 0 && bl->reason.find("no task can be evaluated") != std::string::npos)
      ++rq1;
  EXPECT_EQ(rq1, 5u);  // the entry for Tables IV and V, and Figs. 2, 3a, 3b, 4
  EXPECT_TRUE(std::find(b.document.figures.begin(), b.document.figures.end(), "fig05a_first_explosion") !=
              b.document.figures.end());
}

TEST_F(ReportTest, Rq3ResultsGiveTablesVIIIAndIXBesideThePaperAndFigs10To12AsTables) {
  // A probe-split corpus with a planted mismatch: the paper's program-overlap control.
  dynfault_test::TempDir tmp("rq3");
  const std::string corpus = tmp / "mismatch.h5", results = tmp / "rq3";
  run(std::string(DYNFAULT_SYNTHETIC_CORPUS) + " --mismatch " + corpus + " split >/dev/null");
  run(std::string(DYNFAULT_BINARY) + " evaluate rq3 " + corpus + " --out " + results +
      " --k 1,3,5 --bootstrap 20 --quiet >/dev/null 2>&1");
  const collect::CorpusSummary summary = collect::summarize_corpus(corpus);
  const Results r = load({results}, corpus);
  ReportOptions o;
  const Built b = build_report(FigureInputs{corpus, summary, r}, "sha", o);
  std::set<std::string> absent;
  for (const Block* bl : not_computed(b)) absent.insert(bl->artefact);
  for (const char* a : {"Table VIII", "Table IX", "Fig. 10", "Fig. 11", "Fig. 12"}) EXPECT_FALSE(absent.count(a)) << a;
  EXPECT_TRUE(absent.count("Fig. 13"));  // the peers' are still to come
  std::map<std::string, const Table*> tables;
  for (const Section& s : b.document.sections)
    for (const Block& bl : s.blocks)
      if (bl.kind == Block::Kind::Table) tables[bl.table.id] = &bl.table;
  for (const char* id : {"table8", "table9", "fig10-table", "fig11-table", "fig12-table"}) ASSERT_TRUE(tables.count(id)) << id;
  // Table VIII: cf_overlap and of_overlap, baseline and +probe; the paper's value beside each ROC-AUC.
  const Table& t8 = *tables.at("table8");
  ASSERT_EQ(t8.rows.size(), 4u);
  EXPECT_EQ(t8.rows[3][0].text, "of_overlap");
  EXPECT_EQ(t8.rows[3][1].text, "of");
  EXPECT_EQ(t8.rows[3][6].paper, "0.782");  // table8.of.heldout.plus
  EXPECT_EQ(t8.rows[3][7].paper, "0.189");  // table8.of.gap.plus
  EXPECT_EQ(t8.rows[0][5].paper, "0.816");  // table8.cf.within.baseline
  EXPECT_EQ(tables.at("table9")->rows[3][6].paper, "0.612");  // table9.of.heldout.plus
  EXPECT_FALSE(tables.at("table9")->rows[2][2].paper.empty());  // table9.of.runs: 1,256 stable runs
  // Fig. 12: full, four groups removed, baseline only; the paper's values on its three rows.
  const Table& f12 = *tables.at("fig12-table");
  ASSERT_EQ(f12.rows.size(), 6u);
  EXPECT_EQ(f12.rows[1][0].text, "without_activation");
  EXPECT_EQ(f12.rows[1][2].paper, "0.696");
  EXPECT_EQ(f12.rows[2][0].text, "without_system");
  EXPECT_EQ(f12.rows[2][3].paper, "0.236");
  EXPECT_EQ(f12.rows[5][2].paper, "0.812");
}

TEST_F(ReportTest, MissingFileIsNotComputedAndCorruptFileIsAnErrorNamingIt) {
  dynfault_test::TempDir tmp("broken");
  const std::string copy = tmp / "rq1";
  fs::copy(results_ + "/rq1", copy);
  fs::remove(copy + "/fig4_mmd.csv");
  const Built b = build({copy});
  bool named = false;
  for (const Block* bl : not_computed(b)) named |= bl->artefact == "Fig. 4" && bl->reason == copy + "/fig4_mmd.csv is missing";
  EXPECT_TRUE(named);

  std::ofstream(copy + "/table4.csv") << "task,k\ncat4\n";  // a row shorter than the header
  try {
    build({copy});
    FAIL() << "a corrupt table4.csv was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(copy + "/table4.csv"), std::string::npos) << e.what();
  }
  std::ofstream(copy + "/run.json") << "{\"analysis\": ";
  EXPECT_THROW(load({copy}, corpus_), Error);
}

TEST_F(ReportTest, ResultsOfAnotherCorpusAreRefused) {
  try {
    load({results_}, other_corpus_);
    FAIL() << "results of another corpus were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("results of another corpus"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("run.json"), std::string::npos) << e.what();
  }
  // A recorded checksum decides when present.
  dynfault_test::TempDir tmp("checksum");
  fs::copy(results_ + "/rq1", tmp / "rq1");
  json run = json::parse(read_text_file(tmp / "rq1/run.json"));
  run["corpus_sha256"] = "0000";
  std::ofstream(tmp / "rq1/run.json") << run.dump();
  EXPECT_THROW(load({tmp / "rq1"}, corpus_), Error);
  run["corpus_sha256"] = sha256_file_hex(corpus_);
  std::ofstream(tmp / "rq1/run.json") << run.dump();
  EXPECT_NO_THROW(load({tmp / "rq1"}, corpus_));
  EXPECT_THROW(load({results_ + "/rq1", results_}, corpus_), Error);  // rq1 given twice
}

TEST_F(ReportTest, SpecsCompileWithVegaLiteInNode) {
  if (!have_node() || !have_web()) GTEST_SKIP() << "node or " << DYNFAULT_TEST_WEB_DIR << " absent (scripts/install-web.sh)";
  const Built b = build({results_});
  dynfault_test::TempDir tmp("specs");
  std::string files;
  for (const auto& [name, spec] : b.specs) {
    std::ofstream(tmp / (name + ".vl.json")) << spec.dump();
    files += " " + (tmp / (name + ".vl.json"));
  }
  EXPECT_EQ(std::system(("node " DYNFAULT_SOURCE_DIR "/tests/report/compile_vega_lite.js " DYNFAULT_TEST_WEB_DIR + files +
                         " >" + (tmp / "log") + " 2>&1").c_str()),
            0)
      << read_text_file(tmp / "log");
}

TEST_F(ReportTest, ReportDirectoryIsDeterministicAndAFailureKeepsTheOldOne) {
  if (!have_web()) GTEST_SKIP() << DYNFAULT_TEST_WEB_DIR << " absent (scripts/install-web.sh)";
  dynfault_test::TempDir tmp("out");
  const ReportSummary s1 = write_report(options(tmp / "a"));
  write_report(options(tmp / "b"));
  const auto a = read_tree(tmp / "a"), b = read_tree(tmp / "b");
  EXPECT_EQ(a, b);  // same inputs, same bytes
  ASSERT_TRUE(a.count("index.html") && a.count("summary.md"));
  const std::string& html = a.at("index.html");
  for (const std::string& f : s1.figures_drawn) {
    EXPECT_NE(html.find("id=\"chart-" + f + "\""), std::string::npos) << f;
    EXPECT_TRUE(a.count("figures/" + f + ".vl.json")) << f;
    if (s1.svg_written) {
      EXPECT_EQ(a.at("figures/" + f + ".svg").rfind("<svg", 0), 0u) << f;
      EXPECT_NE(a.at("summary.md").find("](figures/" + f + ".svg)"), std::string::npos) << f;
    }
  }
  EXPECT_EQ(s1.svg_written, have_node()) << s1.svg_warning;
  for (const char* table : {"table2", "table4", "table5", "table5-identity", "table6", "table7", "triage", "paper-values"})
    EXPECT_NE(html.find(std::string("<table id=\"") + table + "\""), std::string::npos) << table;
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // no network
  // Every cell that differs from the paper beyond the CI is marked, in both renderings.
  size_t differs = 0;
  for (const Section& sec : build({results_}).document.sections)
    for (const Block& bl : sec.blocks)
      for (const auto& row : bl.table.rows)
        for (const TableCell& c : row) differs += c.differs;
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_GT(differs, 0u);  // at k = 5 (the paper's window) this corpus's Table IV lies away from the paper's
  EXPECT_EQ(count(html, "<td class=\"differs\""), differs);
  EXPECT_EQ(count(a.at("summary.md"), "**≠**"), differs);

  // Results of another corpus: an error, and the report already there stays as it was.
  ReportOptions bad = options(tmp / "a");
  bad.corpus = other_corpus_;
  EXPECT_THROW(write_report(bad), Error);
  EXPECT_EQ(read_tree(tmp / "a"), a);
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_TRUE(e.path().filename() == "a" || e.path().filename() == "b") << "left behind: " << e.path();

  // No vega packages: a one-line error naming the install command, nothing written.
  ReportOptions no_web = options(tmp / "c");
  no_web.web_dir = tmp / "nowhere";
  try {
    write_report(no_web);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/install-web.sh"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp / "c"));
}

TEST(ReportPage, TextAndDataCannotCloseTheScriptsOrInjectMarkup) {
  Document doc;
  Section s{"x", "a <b> & c", {}};
  Block text;
  text.kind = Block::Kind::Text;
  text.text = "program `</script><img src=x>`";
  s.blocks.push_back(text);
  doc.sections.push_back(s);
  WebAssets web;
  web.vega = "var a = '</script>';";
  const nlohmann::json spec = {{"data", {{"values", {{{"program", "</script><!--"}}}}}}};
  const std::string html = render_html(doc, {{"f", spec}}, web);
  EXPECT_EQ(html.find("</script><img"), std::string::npos);
  EXPECT_EQ(html.find("'</script>'"), std::string::npos);  // the inlined script is escaped
  EXPECT_NE(html.find("<code>&lt;/script&gt;&lt;img src=x&gt;</code>"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script>\\u003c!--"), std::string::npos);  // JSON keeps the text, as \u003c
  EXPECT_NE(html.find("<h2>a &lt;b&gt; &amp; c</h2>"), std::string::npos);
}
