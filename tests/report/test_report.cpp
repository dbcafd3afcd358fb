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
#include <tuple>

#include <gtest/gtest.h>

#include "collect/summary.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"
#include "report/figure.h"
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
    // RQ3 needs probe channels and accuracies the instability corpus has not: a probe-split
    // corpus with a planted mismatch (the paper's program-overlap control), and its rq3 results.
    mismatch_corpus_ = *dir_ / "mismatch.h5";
    rq3_results_ = *dir_ / "rq3";
    run(std::string(DYNFAULT_SYNTHETIC_CORPUS) + " --mismatch " + mismatch_corpus_ + " split" + quiet);
    run(std::string(DYNFAULT_BINARY) + " evaluate rq3 " + mismatch_corpus_ + " --out " + rq3_results_ +
        " --k 1,3,5 --bootstrap 20 --quiet" + quiet);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static Results load(const std::vector<std::string>& dirs, const std::string& corpus) {
    const collect::CorpusSummary s = collect::summarize_corpus(corpus);
    return Results::load(dirs, CorpusIdentity{corpus, sha256_file_hex(corpus), s.trace_files});
  }
  static Built build(const std::vector<std::string>& dirs, const std::string& corpus = corpus_) {
    static collect::CorpusSummary summary;
    static Results results;
    summary = collect::summarize_corpus(corpus);
    results = load(dirs, corpus);
    static ReportOptions options;
    options.corpus = corpus;
    options.command_line = "dynfault report (test)";
    return build_report(FigureInputs{corpus, summary, results}, "test-sha", options);
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
  static std::string corpus_, other_corpus_, results_, mismatch_corpus_, rq3_results_;
};
dynfault_test::TempDir* ReportTest::dir_ = nullptr;
std::string ReportTest::corpus_, ReportTest::other_corpus_, ReportTest::results_, ReportTest::mismatch_corpus_,
    ReportTest::rq3_results_;

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
  EXPECT_TRUE(drawn.count("fig13_peers"));  // `evaluate all` runs peers on this corpus
  std::set<std::string> absent;
  for (const Block* bl : not_computed(b)) absent.insert(bl->artefact);
  EXPECT_EQ(absent, (std::set<std::string>{"Table VIII", "Table IX", "Fig. 10", "Fig. 11", "Fig. 12"}));

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

TEST_F(ReportTest, Rq3ResultsGiveTablesVIIIAndIXBesideThePaperAndFigs10To12AsTablesAndCharts) {
  // The suite's probe-split corpus with a planted mismatch: the paper's program-overlap control.
  const Built b = build({rq3_results_}, mismatch_corpus_);
  std::set<std::string> absent;
  for (const Block* bl : not_computed(b)) absent.insert(bl->artefact);
  for (const char* a : {"Table VIII", "Table IX", "Fig. 10", "Fig. 11", "Fig. 12"}) EXPECT_FALSE(absent.count(a)) << a;
  for (const char* a : {"Fig. 13", "Fig. 13 table", "Peers rule table"}) EXPECT_TRUE(absent.count(a)) << a;  // no peers given
  std::map<std::string, const Table*> tables;
  std::vector<std::string> rq3_blocks;  // the RQ3 section's tables and figures, in order
  for (const Section& s : b.document.sections)
    for (const Block& bl : s.blocks) {
      if (bl.kind == Block::Kind::Table) tables[bl.table.id] = &bl.table;
      if (s.id == "rq3" && bl.kind != Block::Kind::Text) rq3_blocks.push_back(bl.kind == Block::Kind::Figure ? bl.figure : bl.artefact);
    }
  for (const char* id : {"table8", "table9", "fig10-table", "fig11-table", "fig12-table"}) ASSERT_TRUE(tables.count(id)) << id;
  // The charts follow RQ3's tables and end the section (the peers' have their own).
  EXPECT_EQ(std::vector<std::string>(rq3_blocks.end() - 3, rq3_blocks.end()),
            (std::vector<std::string>{"fig10_mismatch_auc_by_k", "fig11_coefficients", "fig12_ablation"}));
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
  // Fig. 12: full, four groups removed, baseline only; the paper's values on every row it gives.
  const Table& f12 = *tables.at("fig12-table");
  ASSERT_EQ(f12.rows.size(), 6u);
  EXPECT_EQ(f12.rows[0][0].text, "full");
  EXPECT_EQ(f12.rows[0][2].paper, "0.627");
  EXPECT_EQ(f12.rows[0][3].paper, "0.270");
  EXPECT_EQ(f12.rows[1][0].text, "without_activation");
  EXPECT_EQ(f12.rows[1][2].paper, "0.696");
  EXPECT_EQ(f12.rows[1][3].paper, "0.195");
  EXPECT_EQ(f12.rows[2][0].text, "without_system");
  EXPECT_EQ(f12.rows[2][3].paper, "0.236");
  EXPECT_EQ(f12.rows[3][2].verdict, "qualitative in the paper");  // without_gradient: "minimal change"
  EXPECT_EQ(f12.rows[5][2].paper, "0.812");
  EXPECT_EQ(f12.rows[5][3].paper, "0.062");

  // Fig. 10: every within and held-out ROC-AUC of fig10_auc_by_k.csv with its CI, and the
  // paper's Table IX values (k = 5) beside them.
  const CsvTable fig10(rq3_results_ + "/fig10_auc_by_k.csv", read_text_file(rq3_results_ + "/fig10_auc_by_k.csv"));
  std::multiset<std::pair<double, double>> want10, got10;  // (value, ci_low)
  for (size_t r = 0; r < fig10.size(); ++r)
    for (const char* split : {"roc_auc_within", "roc_auc_heldout"})
      want10.insert({fig10.number(r, split), fig10.number(r, std::string(split) + "_ci_low")});
  size_t paper10 = 0;
  for (const json& row : spec_of(b, "fig10_mismatch_auc_by_k")["vconcat"])
    for (const json& panel : row["hconcat"]) {
      const json& layers = panel["layer"];  // band, line, chance, then the paper's diamonds
      for (const json& v : layers[1]["data"]["values"]) {
        ASSERT_TRUE(v["value"].is_number() && v["ci_low"].is_number()) << v.dump();  // every cell evaluated here
        got10.insert({v["value"].get<double>(), v["ci_low"].get<double>()});
      }
      if (layers.size() < 4) continue;
      for (const json& v : layers[3]["data"]["values"]) {
        ++paper10;
        EXPECT_EQ(v["k"], 5);
        if (panel["title"] == "OF subset (of_all), held-out" && v["features"] == "+OF") {
          EXPECT_EQ(v["value"], 0.612);
        }
      }
    }
  EXPECT_EQ(got10, want10);
  ASSERT_EQ(want10.size(), 2 * fig10.size());
  EXPECT_EQ(paper10, 6u);  // table9.cf within/held-out baseline, table9.of within/held-out baseline and +OF

  // Fig. 11: one dot per (feature, fold) coefficient, and the spread strips' sign flips as fig11_spread.csv's.
  const CsvTable coef(rq3_results_ + "/fig11_coefficients.csv", read_text_file(rq3_results_ + "/fig11_coefficients.csv"));
  const CsvTable spread(rq3_results_ + "/fig11_spread.csv", read_text_file(rq3_results_ + "/fig11_spread.csv"));
  const json& layers11 = spec_of(b, "fig11_coefficients")["layer"];
  std::multiset<double> want11, got11;
  for (size_t r = 0; r < coef.size(); ++r)
    for (size_t f = 0; coef.has_column("fold" + std::to_string(f)); ++f)
      if (std::isfinite(coef.number(r, "fold" + std::to_string(f)))) want11.insert(coef.number(r, "fold" + std::to_string(f)));
  for (const json& v : layers11[2]["data"]["values"]) got11.insert(v["coefficient"].get<double>());
  EXPECT_EQ(got11, want11);
  ASSERT_GT(want11.size(), coef.size());  // more than one fold
  size_t flips = 0, flips_drawn = 0;
  for (size_t r = 0; r < spread.size(); ++r) flips += spread.text(r, "sign_flip") == "1";
  for (const json& v : layers11[0]["data"]["values"]) flips_drawn += v["sign"] == "changes sign across folds";
  EXPECT_EQ(flips_drawn, flips);
  EXPECT_EQ(layers11[0]["data"]["values"].size(), spread.size());

  // Fig. 12: the held-out ROC-AUC and gap of every ablation row, and the paper's seven numbers.
  const CsvTable fig12(rq3_results_ + "/fig12_ablation.csv", read_text_file(rq3_results_ + "/fig12_ablation.csv"));
  std::multiset<double> want12, got12, paper12;
  for (size_t r = 0; r < fig12.size(); ++r) {
    want12.insert(fig12.number(r, "roc_auc_heldout"));
    want12.insert(fig12.number(r, "gap"));
  }
  for (const json& v : spec_of(b, "fig12_ablation")["data"]["values"])
    (v["source"] == "this corpus" ? got12 : paper12).insert(v["value"].get<double>());
  EXPECT_EQ(got12, want12);
  EXPECT_EQ(paper12, (std::multiset<double>{0.627, 0.27, 0.696, 0.195, 0.236, 0.812, 0.062}));
}

TEST_F(ReportTest, Rq3FiguresAreNotComputedWithoutTheirResults) {
  // The suite's `evaluate all` results hold no rq3: each figure says so, with the command.
  const Built b = build({results_});
  std::map<std::string, const Block*> entries;
  for (const Block* bl : not_computed(b)) entries[bl->artefact] = bl;
  for (const char* a : {"Fig. 10", "Fig. 11", "Fig. 12"}) {
    ASSERT_TRUE(entries.count(a)) << a;
    EXPECT_EQ(entries.at(a)->command, "dynfault evaluate rq3 " + corpus_ + " --out results/rq3") << a;
  }
  for (const std::string& f : b.document.figures)
    EXPECT_TRUE(f != "fig10_mismatch_auc_by_k" && f != "fig11_coefficients" && f != "fig12_ablation") << f;
  // rq3 given, its Fig. 11 files removed: Fig. 11 alone is not computed, naming the file.
  dynfault_test::TempDir tmp("rq3-partial");
  fs::copy(rq3_results_, tmp / "rq3");
  fs::remove(tmp / "rq3/fig11_coefficients.csv");
  const Built partial = build({tmp / "rq3"}, mismatch_corpus_);
  std::set<std::string> drawn(partial.document.figures.begin(), partial.document.figures.end());
  EXPECT_TRUE(drawn.count("fig10_mismatch_auc_by_k") && drawn.count("fig12_ablation"));
  EXPECT_FALSE(drawn.count("fig11_coefficients"));
  bool named = false;
  for (const Block* bl : not_computed(partial))
    named |= bl->artefact == "Fig. 11" && bl->reason == (tmp / "rq3") + "/fig11_coefficients.csv is missing";
  EXPECT_TRUE(named);
}

TEST_F(ReportTest, PeersResultsGiveFig13AndTheRuleTableBesideThePaper) {
  // The suite's `evaluate all` ran peers (DEFault, DeepFD; AutoTrainer, DeepDiagnosis) into results/peers.
  const std::string dir = results_ + "/peers";
  ASSERT_TRUE(fs::is_regular_file(dir + "/fig13.csv")) << "evaluate all wrote no peers results";
  const Built b = build({results_});
  std::map<std::string, const Table*> tables;
  std::vector<std::string> blocks;  // the peers section, in order
  bool says_rules_do_not_classify = false;
  for (const Section& s : b.document.sections)
    for (const Block& bl : s.blocks) {
      if (bl.kind == Block::Kind::Table) tables[bl.table.id] = &bl.table;
      if (s.id != "peers") continue;
      blocks.push_back(bl.kind == Block::Kind::Figure ? bl.figure : bl.kind == Block::Kind::Table ? bl.table.id : "text");
      says_rules_do_not_classify |= bl.kind == Block::Kind::Text && bl.text.find("do not classify fault types") != std::string::npos;
    }
  EXPECT_TRUE(says_rules_do_not_classify);
  ASSERT_TRUE(tables.count("fig13-table"));
  ASSERT_TRUE(tables.count("peers-rules"));
  EXPECT_EQ(blocks.back(), "fig13_peers");

  // Fig. 13's table and chart hold fig13.csv's numbers; the paper's beside them.
  const CsvTable fig13(dir + "/fig13.csv", read_text_file(dir + "/fig13.csv"));
  ASSERT_GT(fig13.size(), 0u);
  const Table& t13 = *tables.at("fig13-table");
  ASSERT_EQ(t13.rows.size(), fig13.size());
  std::map<std::tuple<std::string, std::string, std::string>, json> chart;  // (row, quantity, source) -> datum
  for (const json& v : spec_of(b, "fig13_peers").at("data").at("values"))
    chart[{v.at("row").get<std::string>(), v.at("quantity").get<std::string>(), v.at("source").get<std::string>()}] = v;
  size_t compared = 0;
  for (size_t r = 0; r < fig13.size(); ++r) {
    const std::string tech = fig13.text(r, "technique"), cls = fig13.text(r, "classifier");
    EXPECT_EQ(t13.rows[r][1].text, cls);
    EXPECT_EQ(t13.rows[r][6].text, format_ci(fig13.number(r, "heldout"), fig13.number(r, "heldout_low"), fig13.number(r, "heldout_high")));
    const std::string row = peer_technique_name(tech) + ", " + peer_classifier_name(cls) + " (" + fig13.text(r, "features") + " features)";
    const std::pair<const char*, const char*> quantities[] = {{"within", "within-program"}, {"heldout", "program-held-out"},
                                                              {"gap", "gap (within - held-out)"}};
    for (const auto& [column, quantity] : quantities) {
      const json& v = chart.at({row, quantity, "this corpus"});
      EXPECT_DOUBLE_EQ(v.at("value").get<double>(), fig13.number(r, column)) << row << " " << column;
      if (!std::isnan(fig13.number(r, std::string(column) + "_low"))) {
        EXPECT_DOUBLE_EQ(v.at("ci_low").get<double>(), fig13.number(r, std::string(column) + "_low")) << row;
      }
    }
    if (cls.rfind("random_forest", 0) == 0) {
      EXPECT_EQ(t13.rows[r][6].paper, "0.320");  // peers.rf.heldout
      EXPECT_EQ(t13.rows[r][7].paper, "0.340");  // peers.rf.gap
      EXPECT_DOUBLE_EQ(chart.at({row, "program-held-out", "paper"}).at("value").get<double>(), 0.32);
      EXPECT_FALSE(chart.count({row, "within-program", "paper"}));  // "> 0.65": in the table only
      ++compared;
    }
    if (tech == "default" && cls == "logistic_regression") {
      EXPECT_EQ(t13.rows[r][5].paper, "0.357");
      EXPECT_DOUBLE_EQ(chart.at({row, "gap (within - held-out)", "paper"}).at("value").get<double>(), 0.088);
      ++compared;
    }
  }
  EXPECT_GT(compared, 0u);

  // The rule table: one row per rule set x rule, shares (with counts) of rules.csv, per category.
  const CsvTable rules(dir + "/rules.csv", read_text_file(dir + "/rules.csv"));
  const Table& tr = *tables.at("peers-rules");
  EXPECT_EQ(tr.header[2], "all traces");
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < tr.rows.size(); ++i) row_of[tr.rows[i][0].text + "/" + tr.rows[i][1].text] = i;
  size_t checked = 0;
  for (size_t r = 0; r < rules.size(); ++r) {
    const std::string rule = rules.text(r, "rule") == "any_rule" ? "any rule" : rules.text(r, "rule");
    const size_t i = row_of.at(peer_technique_name(rules.text(r, "rule_set")) + "/" + rule);
    const auto col = std::find(tr.header.begin(), tr.header.end(), rules.text(r, "category") == "all" ? "all traces" : rules.text(r, "category"));
    ASSERT_NE(col, tr.header.end());
    const TableCell& c = tr.rows[i][col - tr.header.begin()];
    if (rules.text(r, "computable") != "1") {
      EXPECT_EQ(c.text, "not computable") << rule;
      continue;
    }
    EXPECT_EQ(c.text, format_value(rules.number(r, "share")) + " (" + rules.text(r, "fired") + " of " + rules.text(r, "traces") + ")");
    if (rule == "any rule" && rules.text(r, "category") == "all") {
      EXPECT_FALSE(c.paper.empty()) << rules.text(r, "rule_set");  // 94.2 % / 100 %
    }
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  // not_computable.csv's entries, per technique (the instability corpus has no OF probe).
  const CsvTable nc(dir + "/not_computable.csv", read_text_file(dir + "/not_computable.csv"));
  if (nc.size() > 0) {
    ASSERT_TRUE(tables.count("peers-not-computable"));
    EXPECT_NE(tables.at("peers-not-computable")->rows[0][1].text.find(nc.text(0, "not_computable")), std::string::npos);
  }
}

TEST_F(ReportTest, PeersAbsentOrAFileMissingIsNotComputedWithTheCommandOrTheFile) {
  // Peers not given: Fig. 13 (chart and table) and the rule table, each with the command.
  const Built b = build({results_ + "/rq1"});
  std::set<std::string> peers;
  for (const Block* bl : not_computed(b))
    if (bl->command == "dynfault evaluate peers " + corpus_ + " --out results/peers") peers.insert(bl->artefact);
  EXPECT_EQ(peers, (std::set<std::string>{"Fig. 13", "Fig. 13 table", "Peers rule table"}));
  // Peers given without rules.csv: the rule table names the file; Fig. 13 is still drawn.
  dynfault_test::TempDir tmp("peers-partial");
  fs::copy(results_ + "/peers", tmp / "peers");
  fs::remove(tmp / "peers/rules.csv");
  const Built partial = build({tmp / "peers"});
  bool named = false;
  for (const Block* bl : not_computed(partial))
    named |= bl->artefact == "Peers rule table" && bl->reason == (tmp / "peers") + "/rules.csv is missing";
  EXPECT_TRUE(named);
  EXPECT_TRUE(std::find(partial.document.figures.begin(), partial.document.figures.end(), "fig13_peers") !=
              partial.document.figures.end());
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
  dynfault_test::TempDir tmp("specs");
  std::string files;
  for (const Built& b : {build({results_}), build({rq3_results_}, mismatch_corpus_)})  // RQ3's charts from the second
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

TEST_F(ReportTest, Rq3ChartsAreWrittenAndDrawnAsSvg) {
  if (!have_web()) GTEST_SKIP() << DYNFAULT_TEST_WEB_DIR << " absent (scripts/install-web.sh)";
  dynfault_test::TempDir tmp("rq3-out");
  ReportOptions o = options(tmp / "report");
  o.corpus = mismatch_corpus_;
  o.results = {rq3_results_};
  const ReportSummary s = write_report(o);
  EXPECT_EQ(s.svg_written, have_node()) << s.svg_warning;
  const auto files = read_tree(tmp / "report");
  for (const char* f : {"fig10_mismatch_auc_by_k", "fig11_coefficients", "fig12_ablation"}) {
    EXPECT_TRUE(std::find(s.figures_drawn.begin(), s.figures_drawn.end(), f) != s.figures_drawn.end()) << f;
    EXPECT_NE(files.at("index.html").find(std::string("id=\"chart-") + f + "\""), std::string::npos) << f;
    EXPECT_TRUE(files.count(std::string("figures/") + f + ".vl.json")) << f;
    if (s.svg_written) {
      EXPECT_EQ(files.at(std::string("figures/") + f + ".svg").rfind("<svg", 0), 0u) << f;
    }
  }
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
