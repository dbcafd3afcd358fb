// The document of the report: sections, tables beside the paper's values,
// figures and "not computed" entries, from the corpus summary and the results.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/json_fields.h"
#include "core/text.h"
#include "core/version.h"
#include "report/report.h"

namespace dynfault::report {
namespace {

using nlohmann::json;

struct Absent {
  const char* artefact;
  const char* title;
};
// RQ3's tables (docs/rq3.md) from `evaluate rq3`'s results; Figs. 10-12 are
// report/figures/ (each its own "not computed" entry when rq3 is absent).
constexpr Absent kRq3Artefacts[] = {
    {"Table VIII", "T/V mismatch detection, overlap-controlled (baseline vs +CF / +OF)"},
    {"Table IX", "T/V mismatch detection on the full CF and OF subsets"},
};
// The peer re-evaluation (docs/peers.md) from `evaluate peers`'s results: the
// Fig. 13 table (its chart: report/figures/fig13_peers.cpp) and the rule table.
constexpr Absent kPeersArtefacts[] = {
    {"Fig. 13 table", "peer techniques (DEFault, DeepFD): within vs held-out"},
    {"Peers rule table", "AutoTrainer rules and DeepDiagnosis symptoms: share of traces on which each fires"},
};

std::string split_name(const std::string& s) {
  return s == "heldout" ? "held-out" : s == "lopo" ? "LOPO" : s == "gap_lopo" ? "gap (LOPO)" : s;
}
std::optional<int> int_field(const json& j, const char* key) {
  if (j.contains(key) && j.at(key).is_number_integer()) return j.at(key).get<int>();
  return std::nullopt;
}

Block text(std::string t) {
  Block b;
  b.kind = Block::Kind::Text;
  b.text = std::move(t);
  return b;
}
Block table(Table t) {
  Block b;
  b.kind = Block::Kind::Table;
  b.table = std::move(t);
  return b;
}
Block not_computed(std::string artefact, std::string title, std::string reason, std::string command) {
  Block b;
  b.kind = Block::Kind::NotComputed;
  b.artefact = std::move(artefact), b.title = std::move(title), b.reason = std::move(reason), b.command = std::move(command);
  return b;
}

class Builder {
 public:
  Builder(const FigureInputs& in, const std::string& sha256, const ReportOptions& o)
      : in_(in), sha256_(sha256), options_(o), paper_(PaperValues::embedded()) {}

  Built build() {
    Built out;
    Section corpus{"corpus", "Corpus composition (Table II)", {}};
    corpus_tables(corpus);
    Section rq1{"rq1", "RQ1: within-program vs program-held-out diagnosis", {}};
    rq1_tables(rq1);
    Section rq2{"rq2", "RQ2: when instability happens, and curvature triage", {}};
    rq2_tables(rq2);
    Section rq3{"rq3", "RQ3: training/validation mismatch detection", {}};
    rq3_tables(rq3);
    // Its own section: the peers' results are another analysis (`evaluate peers`), not RQ3's.
    Section peers{"peers", "The peer re-evaluation (IV-C, Fig. 13)", {}};
    peers_tables(peers);
    for (Section* s : {&corpus, &rq1, &rq2, &rq3, &peers}) add_figures(*s, out);
    Section paper{"paper", "The paper's published values", {}};
    paper_list(paper);
    Section config{"configuration", "Run configuration", {}};
    configuration(config);
    out.document.sections = {corpus, rq1, rq2, rq3, peers, paper, config};
    out.document.sections.insert(out.document.sections.begin(), overview(out));
    return out;
  }

 private:
  // --- sections --------------------------------------------------------------
  Section overview(const Built& b) const {
    size_t missing = 0;
    for (const Section& sec : b.document.sections)
      for (const Block& block : sec.blocks) missing += block.kind == Block::Kind::NotComputed;
    Section s{"overview", "dynfault report", {}};
    s.blocks.push_back(text("Corpus `" + in_.corpus_path + "` (sha256 `" + sha256_ + "`); results " +
                            joined(results_dirs(), ", ") + ". " + std::to_string(b.specs.size()) + " figures drawn, " +
                            std::to_string(missing) + " tables and figures not computed (each listed with the command "
                            "that computes it, where one exists). Published values: " + paper_.values().citation() +
                            ". A value marked ≠ differs beyond the CI (the paper's value lies outside our 95 % CI, or "
                            "ours outside the paper's when we have none); values at another window k are shown, not "
                            "compared."));
    return s;
  }

  std::vector<std::string> results_dirs() const {
    std::vector<std::string> d;
    for (const auto& a : in_.results.analyses()) d.push_back("`" + a.dir() + "` (" + a.name() + ")");
    for (const auto& a : in_.results.skipped()) d.push_back("`" + a.dir + "` (" + a.name + ", skipped)");
    return d;
  }

  void corpus_tables(Section& s) {
    const collect::CorpusSummary& c = in_.corpus;
    size_t cf = 0, of = 0;
    for (const auto& [probes, n] : c.runs_per_probe_set) {
      for (const std::string& p : split_names(probes)) {
        if (p == "cf") cf += n;
        if (p == "of") of += n;
      }
    }
    Table t{"table2", "Table II: corpus", "", {"quantity", "this corpus"}, {}};
    auto row = [&](const std::string& q, const std::string& id, double v) {
      t.rows.push_back({text_cell(q), paper_.cell(id, v)});
    };
    row("trace files", "table2.trace_files", c.trace_files);
    row("non-empty runs", "table2.non_empty_runs", c.non_empty_runs);
    row("crash before first epoch", "table2.crashed_before_epoch", c.crashed_before_epoch);
    row("programs", "table2.programs", c.programs);
    row("runs with CF probes", "table2.runs_with_cf", cf);
    row("runs with OF probes", "table2.runs_with_of", of);
    row("unstable runs", "table2.unstable_runs", c.unstable_runs);
    s.blocks.push_back(table(t));
    Table cat{"table2-categories", "Table II: runs and programs per fault category", "killed: runs whose kill verdict is killed",
              {"category", "runs", "killed", "programs"}, {}};
    for (const auto& k : c.categories)
      cat.rows.push_back({text_cell(k.category), paper_.cell("table2.category." + k.category + ".runs", k.runs),
                          text_cell(std::to_string(k.killed)),
                          paper_.cell("table2.category." + k.category + ".programs", k.programs)});
    s.blocks.push_back(table(cat));
  }

  void rq1_tables(Section& s) {
    const AnalysisResults* a = in_.results.find("rq1");
    if (!a) {
      s.blocks.push_back(missing_analysis("rq1", "Tables IV and V"));
      return;
    }
    const std::optional<int> table_k = int_field(a->run(), "table_window");
    s.blocks.push_back(text(run_sentence(*a)));
    if (a->has("tasks.csv")) {
      const CsvTable& t = a->csv("tasks.csv");
      Table tasks{"tasks", "Tasks", "", {"task", "title", "runs", "programs", "classes (runs)", "status"}, {}};
      for (size_t r = 0; r < t.size(); ++r)
        tasks.rows.push_back({text_cell(t.text(r, "task")), text_cell(t.text(r, "title")), text_cell(t.text(r, "runs")),
                              text_cell(t.text(r, "programs")), text_cell(t.text(r, "classes")),
                              text_cell(t.text(r, "evaluated") == "1" ? "evaluated" : t.text(r, "note"))});
      s.blocks.push_back(table(tasks));
    }
    // Table IV: one row per task x metric, with the paper's values beside ours.
    if (const CsvTable* t = file(s, *a, "table4.csv", "Table IV")) {
      Table iv{"table4", "Table IV: within-program vs program-held-out (k = " + opt(table_k) + ")", "",
               {"task", "metric", "within", "held-out", "gap", "LOPO", "gap (LOPO)"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        std::vector<TableCell> row = {text_cell(t->text(r, "task")), text_cell(t->text(r, "metric"))};
        for (const char* split : {"within", "heldout", "gap", "lopo", "gap_lopo"})
          row.push_back(split_cell(*t, r, split, "table4." + t->text(r, "task") + "." + t->text(r, "metric") + "." + split,
                                   table_k));
        iv.rows.push_back(std::move(row));
      }
      s.blocks.push_back(table(iv));
    }
    // Fig. 2's numbers: the balanced-accuracy gap at every k.
    if (const CsvTable* t = file(s, *a, "fig2_gap_by_k.csv", "Fig. 2")) {
      Table gap{"fig2-table", "Fig. 2: balanced accuracy by window k", "", {"task", "k", "within", "held-out", "gap"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        if (t->text(r, "metric") != "balanced_accuracy") continue;
        const int k = static_cast<int>(t->number(r, "k"));
        const std::string id = "fig2." + t->text(r, "task") + ".balanced_accuracy.gap.k" + std::to_string(k);
        gap.rows.push_back({text_cell(t->text(r, "task")), text_cell(std::to_string(k)),
                            split_cell(*t, r, "within", "", k), split_cell(*t, r, "heldout", "", k),
                            split_cell(*t, r, "gap", id, k)});
      }
      s.blocks.push_back(table(gap));
    }
    // Table V: per-program z-normalisation beside the raw values, and the identity row.
    if (const CsvTable* z = file(s, *a, "table5_program_z.csv", "Table V")) {
      std::map<std::string, size_t> raw_rows;  // task/metric -> row of table4
      const CsvTable* raw = a->has("table4.csv") ? &a->csv("table4.csv") : nullptr;
      if (raw)
        for (size_t r = 0; r < raw->size(); ++r) raw_rows[raw->text(r, "task") + "/" + raw->text(r, "metric")] = r;
      Table v{"table5", "Table V: per-program z-normalisation (k = " + opt(table_k) + ")", "raw: Table IV's value",
              {"task", "metric", "within raw", "within z", "held-out raw", "held-out z", "gap z"}, {}};
      for (size_t r = 0; r < z->size(); ++r) {
        const std::string task = z->text(r, "task"), metric = z->text(r, "metric");
        const std::string base = "table5." + task + "." + metric + ".";
        auto raw_cell = [&](const char* split) {
          auto it = raw_rows.find(task + "/" + metric);
          if (!raw || it == raw_rows.end()) return text_cell("n/a");
          return split_cell(*raw, it->second, split, base + split + ".raw", table_k);
        };
        v.rows.push_back({text_cell(task), text_cell(metric), raw_cell("within"),
                          split_cell(*z, r, "within", base + "within.program_z", table_k), raw_cell("heldout"),
                          split_cell(*z, r, "heldout", base + "heldout.program_z", table_k),
                          split_cell(*z, r, "gap", "", table_k)});
      }
      s.blocks.push_back(table(v));
    }
    if (const CsvTable* t = file(s, *a, "table5_identity.csv", "Table V (identity)")) {
      Table id{"table5-identity", "Table V: program identity, raw vs per-program z-normalised", "",
               {"features", "k", "accuracy", "balanced accuracy", "chance (1/programs)", "majority", "runs", "programs"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const int k = static_cast<int>(t->number(r, "k"));
        id.rows.push_back({text_cell(t->text(r, "variant")), text_cell(std::to_string(k)),
                           split_cell(*t, r, "accuracy", "table5.identity." + t->text(r, "variant") + ".accuracy", k),
                           split_cell(*t, r, "balanced_accuracy", "", k), number_cell(*t, r, "chance_uniform"),
                           number_cell(*t, r, "chance_majority"), text_cell(t->text(r, "runs")),
                           text_cell(t->text(r, "programs"))});
      }
      s.blocks.push_back(table(id));
    }
    if (const CsvTable* t = file(s, *a, "fig3a_program_identity.csv", "Fig. 3a")) {
      Table id{"fig3a-table", "Fig. 3a: program identity by window k", "", {"k", "accuracy", "balanced accuracy", "chance (1/programs)"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const int k = static_cast<int>(t->number(r, "k"));
        id.rows.push_back({text_cell(std::to_string(k)), split_cell(*t, r, "accuracy", "fig3a.accuracy", k),
                           split_cell(*t, r, "balanced_accuracy", "", k),
                           paper_.cell("fig3a.chance_uniform", t->number(r, "chance_uniform"), k)});
      }
      s.blocks.push_back(table(id));
    }
    if (const CsvTable* t = file(s, *a, "fig3b_permutation.csv", "Fig. 3b")) {
      Table p{"fig3b-table", "Fig. 3b: label permutation within programs (balanced accuracy)", "",
              {"task", "k", "split", "observed", "permuted median", "quartiles", "range", "permutations ≥ observed"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        if (t->text(r, "metric") != "balanced_accuracy") continue;
        const std::string base = "fig3b." + t->text(r, "task") + "." + t->text(r, "scheme") + ".balanced_accuracy.";
        p.rows.push_back({text_cell(t->text(r, "task")), text_cell(t->text(r, "k")), text_cell(split_name(t->text(r, "scheme"))),
                          paper_.cell(base + "observed", t->number(r, "observed")),
                          paper_.cell(base + "median", t->number(r, "perm_median")),
                          text_cell(format_value(t->number(r, "perm_q25")) + " – " + format_value(t->number(r, "perm_q75"))),
                          text_cell(format_value(t->number(r, "perm_min")) + " – " + format_value(t->number(r, "perm_max"))),
                          text_cell(t->text(r, "perms_at_least_observed") + " of " + t->text(r, "perms"))});
      }
      s.blocks.push_back(table(p));
    }
    if (const CsvTable* t = file(s, *a, "separation.csv", "Fig. 4 (separation)")) {
      const std::optional<int> k = a->has("separation.json") ? int_field(a->json_file("separation.json"), "k") : std::nullopt;
      Table sep{"separation", "Fig. 4: separation of programs and fault labels (k = " + opt(k) + ")", "", {"quantity", "value"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const std::string q = t->text(r, "quantity");
        sep.rows.push_back({text_cell(q), paper_.cell("fig4." + q, t->number(r, "value"), k)});
      }
      s.blocks.push_back(table(sep));
    }
  }

  void rq2_tables(Section& s) {
    const AnalysisResults* a = in_.results.find("rq2");
    if (!a) {
      s.blocks.push_back(missing_analysis("rq2", "Tables VI and VII"));
      return;
    }
    s.blocks.push_back(text(run_sentence(*a)));
    if (const CsvTable* t = file(s, *a, "parts.csv", "RQ2 parts")) {
      Table p{"rq2-parts", "RQ2 parts", "", {"part", "status", "note"}, {}};
      for (size_t r = 0; r < t->size(); ++r)
        p.rows.push_back({text_cell(t->text(r, "part")), text_cell(t->text(r, "status")), text_cell(t->text(r, "note"))});
      s.blocks.push_back(table(p));
    }
    if (const CsvTable* t = part_file(s, *a, "fig5a", "fig5a_summary.csv", "Fig. 5a")) {
      Table f{"fig5a-table", "Fig. 5a: unstable runs and their first explosion, by threshold", "",
              {"threshold", "runs", "unstable", "share flagged", "at epoch 0", "share at epoch 0", "share by epoch 1", "non-finite"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const std::string base = "fig5a." + format_g(t->number(r, "threshold")) + ".";  // as the ids spell thresholds
        f.rows.push_back({text_cell(format_g(t->number(r, "threshold"))), text_cell(t->text(r, "runs")), text_cell(t->text(r, "unstable")),
                          paper_.cell(base + "share_flagged", t->number(r, "share_flagged")),
                          text_cell(t->text(r, "at_epoch0")),
                          paper_.cell(base + "share_at_epoch0", t->number(r, "share_at_epoch0")),
                          paper_.cell(base + "share_by_epoch1", t->number(r, "share_by_epoch1")),
                          text_cell(t->text(r, "non_finite"))});
      }
      s.blocks.push_back(table(f));
    }
    if (const CsvTable* t = part_file(s, *a, "table6", "table6_detection.csv", "Table VI")) {
      std::string note;
      if (a->has("table6.json")) {
        const json& j = a->json_file("table6.json");
        note = "population: " + optional_field<std::string>(j, "population", "", a->dir() + "/table6.json");
        const std::string n = optional_field<std::string>(j, "note", "", a->dir() + "/table6.json");
        if (!n.empty()) note += "; " + n;
      }
      Table vi{"table6", "Table VI: instability detection (Fig. 5b)", note,
               {"k", "features", "held-out ROC-AUC", "held-out PR-AUC", "within ROC-AUC", "within PR-AUC"}, {}};
      std::map<std::pair<int, std::string>, std::map<std::string, size_t>> rows;  // (k, variant) -> split/metric -> row
      std::vector<std::pair<int, std::string>> order;
      for (size_t r = 0; r < t->size(); ++r) {
        const auto key = std::make_pair(static_cast<int>(t->number(r, "k")), t->text(r, "variant"));
        if (!rows.count(key)) order.push_back(key);
        rows[key][t->text(r, "split") + "/" + t->text(r, "metric")] = r;
      }
      for (const auto& key : order) {
        std::vector<TableCell> row = {text_cell(std::to_string(key.first)), text_cell(key.second)};
        for (const char* col : {"heldout/roc_auc", "heldout/average_precision", "within/roc_auc", "within/average_precision"}) {
          auto it = rows[key].find(col);
          if (it == rows[key].end()) {
            row.push_back(text_cell("n/a"));
            continue;
          }
          const size_t r = it->second;
          const std::string id = "table6." + key.second + "." + t->text(r, "split") + "." + t->text(r, "metric");
          row.push_back(paper_.cell(id, t->number(r, "value"), t->number(r, "ci_low"), t->number(r, "ci_high"), key.first));
        }
        vi.rows.push_back(std::move(row));
      }
      s.blocks.push_back(table(vi));
    }
    if (const CsvTable* t = part_file(s, *a, "fig6", "fig6_quintiles.csv", "Fig. 6")) {
      Table q{"fig6-table", "Fig. 6: instability rate by epoch-0 quintile", "", {"quantity", "quintile", "range", "runs", "unstable", "rate"}, {}};
      for (size_t r = 0; r < t->size(); ++r)
        q.rows.push_back({text_cell(t->text(r, "quantity")), text_cell(t->text(r, "quintile")),
                          text_cell(format_value(t->number(r, "low")) + " – " + format_value(t->number(r, "high"))),
                          text_cell(t->text(r, "runs")), text_cell(t->text(r, "unstable")), number_cell(*t, r, "rate")});
      s.blocks.push_back(table(q));
    }
    if (const CsvTable* t = part_file(s, *a, "fig7", "fig7_layer_depth.csv", "Fig. 7")) {
      Table l{"fig7-table", "Fig. 7: epoch-0 median log10 ‖Hv‖ by relative depth", "",
              {"bin", "depth", "stable runs", "unstable runs", "stable", "unstable", "difference"}, {}};
      for (size_t r = 0; r < t->size(); ++r)
        l.rows.push_back({text_cell(t->text(r, "bin")),
                          text_cell(format_value(t->number(r, "depth_low")) + " – " + format_value(t->number(r, "depth_high"))),
                          text_cell(t->text(r, "stable_runs")), text_cell(t->text(r, "unstable_runs")),
                          number_cell(*t, r, "stable_median_log10_hvp"), number_cell(*t, r, "unstable_median_log10_hvp"),
                          paper_.cell("fig7.difference", t->number(r, "difference"))});
      s.blocks.push_back(table(l));
    }
    if (const CsvTable* t = part_file(s, *a, "table7", "table7_silhouette.csv", "Table VII (silhouettes)")) {
      Table sil{"table7-silhouette", "Table VII: k-means on epoch-0 geometry, silhouette by K", "", {"K", "silhouette", "inertia"}, {}};
      for (size_t r = 0; r < t->size(); ++r)
        sil.rows.push_back({text_cell(t->text(r, "K")), paper_.cell("table7.silhouette.K" + t->text(r, "K"), t->number(r, "silhouette")),
                            number_cell(*t, r, "inertia")});
      s.blocks.push_back(table(sil));
    }
    if (const CsvTable* t = part_file(s, *a, "table7", "table7_phenotypes.csv", "Table VII (phenotypes)")) {
      Table ph{"table7", "Table VII: phenotypes of the clusters", "terminate: the cluster of highest mean HVP, the triage rule's",
               {"cluster", "runs", "programs", "median mean HVP", "median gradient std", "instability rate", "mismatch prevalence", "terminate"}, {}};
      double runs = 0;
      for (size_t r = 0; r < t->size(); ++r) {
        runs += t->number(r, "runs");
        ph.rows.push_back({text_cell("C" + t->text(r, "cluster")), text_cell(t->text(r, "runs")), text_cell(t->text(r, "programs")),
                           number_cell(*t, r, "median_mean_hvp"), number_cell(*t, r, "median_grad_std"),
                           number_cell(*t, r, "instability_rate"), number_cell(*t, r, "mismatch_prevalence"),
                           text_cell(t->text(r, "terminate") == "1" || t->text(r, "terminate") == "true" ? "yes" : "")});
      }
      ph.rows.push_back({text_cell("all"), paper_.cell("table7.runs", runs), text_cell(""), text_cell(""), text_cell(""),
                         text_cell(""), text_cell(""), text_cell("")});
      s.blocks.push_back(table(ph));
    }
    if (const CsvTable* t = part_file(s, *a, "triage", "triage_lopo.csv", "Algorithm 1 (triage)")) {
      Table tr{"triage", "Triage rule: in-sample (Table VII clustering) and leave-one-program-out (Algorithm 1)", "",
               {"rule", "programs", "TP", "FP", "FN", "TN", "precision", "recall", "F1"}, {}};
      size_t programs = 0;
      for (size_t r = 0; r < t->size(); ++r) {
        if (t->text(r, "program") != "all") {
          ++programs;
          continue;
        }
        tr.rows.push_back({text_cell("LOPO (Algorithm 1)"), text_cell(""), text_cell(t->text(r, "tp")), text_cell(t->text(r, "fp")),
                           text_cell(t->text(r, "fn")), text_cell(t->text(r, "tn")),
                           paper_.cell("triage.lopo.precision", t->number(r, "precision")),
                           paper_.cell("triage.lopo.recall", t->number(r, "recall")), number_cell(*t, r, "f1")});
      }
      if (!tr.rows.empty()) tr.rows.back()[1] = paper_.cell("triage.lopo.programs", programs);
      if (a->has("triage.json")) {
        const std::string where = a->dir() + "/triage.json";
        const json& in_sample = required(a->json_file("triage.json"), "in_sample", where);
        auto n = [&](const char* key) {
          return in_sample.contains(key) && in_sample.at(key).is_number() ? in_sample.at(key).get<double>() : std::nan("");
        };
        auto c = [&](const char* key) { return text_cell(format_value(n(key))); };
        tr.rows.insert(tr.rows.begin(), {text_cell("in-sample rule"), text_cell(""), c("tp"), c("fp"), c("fn"), c("tn"),
                                         paper_.cell("triage.in_sample.precision", n("precision")),
                                         paper_.cell("triage.in_sample.recall", n("recall")),
                                         paper_.cell("triage.in_sample.f1", n("f1"))});
      }
      s.blocks.push_back(table(tr));
    }
    if (const CsvTable* t = part_file(s, *a, "fig9", "fig9_operating_points.csv", "Fig. 9 (operating points)")) {
      Table op{"fig9-table", "Fig. 9: operating points of the triage rules and the classifiers",
               "classifiers: the best precision of the held-out PR curve at a recall of at least 0.96 (the paper's operating point)",
               {"rule", "precision", "recall"}, {}};
      for (size_t r = 0; r < t->size(); ++r)
        op.rows.push_back({text_cell(t->text(r, "rule")), number_cell(*t, r, "precision"), number_cell(*t, r, "recall")});
      if (a->has("fig9_pr_curves.csv")) {
        const CsvTable& c = a->csv("fig9_pr_curves.csv");
        std::map<std::pair<std::string, int>, std::pair<double, double>> best;  // (variant, k) -> (precision, recall)
        for (size_t r = 0; r < c.size(); ++r) {
          const double precision = c.number(r, "precision"), recall = c.number(r, "recall");
          auto& b = best.try_emplace({c.text(r, "variant"), static_cast<int>(c.number(r, "k"))}, std::nan(""), std::nan("")).first->second;
          if (recall >= 0.96 && std::isfinite(precision) && !(precision <= b.first)) b = {precision, recall};
        }
        for (const auto& [key, b] : best)
          op.rows.push_back({text_cell(key.first + " classifier, k = " + std::to_string(key.second)),
                             paper_.cell("fig9." + key.first + ".k" + std::to_string(key.second) + ".precision_at_recall_0.96",
                                         b.first, key.second),
                             text_cell(format_value(b.second))});
      }
      s.blocks.push_back(table(op));
    }
  }

  void add_figures(Section& s, Built& out) {
    for (const FigureEntry& e : figures()) {
      const std::unique_ptr<Figure> f = e.make();
      if (f->section() != s.id) continue;
      try {
        json spec = f->spec(in_);
        Block b;
        b.kind = Block::Kind::Figure;
        b.figure = e.name, b.artefact = f->artefact(), b.title = f->title();
        s.blocks.push_back(b);
        out.specs.emplace_back(e.name, std::move(spec));
        out.document.figures.push_back(e.name);
      } catch (const NotComputed& nc) {
        s.blocks.push_back(not_computed(f->artefact(), f->title(), nc.reason, nc.command));
      }
    }
  }

  void paper_list(Section& s) const {
    Table t{"paper-values", "Every value docs/paper-values.json holds", "beside a result: whether this report places it next to one of ours",
            {"artefact", "section", "quantity", "value", "k", "note", "beside a result"}, {}};
    for (const PaperValue& p : paper_.values().all())
      t.rows.push_back({text_cell(p.artefact), text_cell(p.section), text_cell(p.quantity),
                        text_cell(!p.value ? "—" : p.ci_low ? format_ci(*p.value, *p.ci_low, *p.ci_high) : format_value(*p.value)),
                        text_cell(p.k ? std::to_string(*p.k) : ""), text_cell(p.text),
                        text_cell(paper_.placed().count(p.id) ? "yes" : "no")});
    s.blocks.push_back(text("Source: " + paper_.values().citation() + ". Transcribed into docs/paper-values.json from the text of the paper."));
    s.blocks.push_back(table(t));
  }

  void configuration(Section& s) const {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(in_.corpus_path, ec);
    Table t{"configuration", "Inputs", "", {"item", "value"}, {}};
    t.rows.push_back({text_cell("dynfault version"), text_cell(kVersion)});
    t.rows.push_back({text_cell("report command"), text_cell("`" + options_.command_line + "`")});
    t.rows.push_back({text_cell("corpus"), text_cell("`" + in_.corpus_path + "`")});
    t.rows.push_back({text_cell("corpus sha256"), text_cell("`" + sha256_ + "`")});
    t.rows.push_back({text_cell("corpus bytes"), text_cell(ec ? "n/a" : std::to_string(bytes))});
    t.rows.push_back({text_cell("corpus runs"), text_cell(std::to_string(in_.corpus.trace_files))});
    s.blocks.push_back(table(t));
    for (const AnalysisResults& a : in_.results.analyses()) {
      Table r{"configuration-" + a.name(), "Analysis " + a.name() + " (`" + a.dir() + "/run.json`)",
              "command: rebuilt from the options run.json records; options it does not record (such as `--labels`, "
              "`--parts`) are missing from it, so it may differ from the command that was run",
              {"setting", "value"}, {}};
      r.rows.push_back({text_cell("command (from run.json)"), text_cell("`" + command_of(a) + "`")});
      for (const auto& [key, value] : a.run().items()) {
        if (value.is_structured() && value.dump().size() > 160) continue;  // task lists, channel lists: in the results
        r.rows.push_back({text_cell(key), text_cell(value.is_string() ? value.get<std::string>() : value.dump())});
      }
      s.blocks.push_back(table(r));
    }
    for (const SkippedAnalysis& sk : in_.results.skipped())
      s.blocks.push_back(text("Analysis " + sk.name + " was skipped by `evaluate all` (" + sk.dir + "): " + sk.reason));
  }

  // The evaluate command equivalent to a run.json (options it records; others at their defaults).
  std::string command_of(const AnalysisResults& a) const {
    const json& j = a.run();
    std::string cmd = "dynfault evaluate " + a.name() + " " + j.value("corpus", in_.corpus_path) + " --out " + a.dir();
    auto list = [&](const char* key) {
      std::string out;
      if (!j.contains(key) || !j.at(key).is_array()) return out;
      for (const json& v : j.at(key)) out += (out.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
      return out;
    };
    auto opt_arg = [&](const char* flag, const char* key) {
      if (j.contains(key) && !j.at(key).is_structured())
        cmd += std::string(" ") + flag + " " + (j.at(key).is_string() ? j.at(key).get<std::string>() : j.at(key).dump());
    };
    auto list_arg = [&](const char* flag, const char* key) {
      const std::string l = list(key);
      if (!l.empty()) cmd += std::string(" ") + flag + " " + l;
    };
    if (a.name() == "rq1") {
      opt_arg("--channels", "channels");
      list_arg("--k", "windows");
      opt_arg("--table-k", "table_window");
      opt_arg("--folds", "folds");
      opt_arg("--bootstrap", "bootstrap_replicates");
      opt_arg("--permutations", "permutations");
      opt_arg("--seed", "seed");
      if (j.value("within_split", "").find("shuffle=False") != std::string::npos) cmd += " --no-shuffle";
    } else if (a.name() == "rq2") {
      list_arg("--thresholds", "thresholds");
      list_arg("--k", "windows");
      opt_arg("--table-k", "mismatch_window");
      opt_arg("--folds", "folds");
      opt_arg("--bootstrap", "bootstrap_replicates");
      list_arg("--clusters", "clusters");
      opt_arg("--triage-k", "triage_k");
      opt_arg("--restarts", "restarts");
      opt_arg("--seed", "seed");
    }
    return cmd;
  }

  // --- helpers ---------------------------------------------------------------
  // RQ3 (docs/rq3.md): Tables VIII and IX beside the paper's values, and the data of
  // Figs 10-12 as tables (their charts: report/figures/fig1[012]_*.cpp).
  // Paper ids: table8|table9.<cf|of>.<within|heldout>.<baseline|plus>.
  void rq3_tables(Section& s) {
    const AnalysisResults* a = in_.results.find("rq3");
    if (!a) {
      std::string reason = "no rq3 results were given (--results)";
      if (const SkippedAnalysis* sk = in_.results.find_skipped("rq3")) reason = "`evaluate all` skipped rq3: " + sk->reason;
      for (const Absent& x : kRq3Artefacts)
        s.blocks.push_back(not_computed(x.artefact, x.title, reason, evaluate_command(in_.corpus_path, "rq3")));
      return;
    }
    const json& run = a->run();
    const std::string where = a->dir() + "/run.json";
    const json options = optional_field<json>(run, "options", json::object(), where);
    const std::optional<int> table_k = int_field(options, "table_k");
    const std::string control = optional_field<std::string>(run, "control", "", where);
    s.blocks.push_back(text(
        "Results `" + a->dir() + "`: " + optional_field<json>(run, "labelled_runs", json(), where).dump() +
        " stable runs with accuracy labelled (gap rule " + optional_field<json>(options, "gap_rule", json(), where).dump() +
        "), " + optional_field<json>(run, "excluded_unstable", json(), where).dump() + " unstable and " +
        optional_field<json>(run, "excluded_without_accuracy", json(), where).dump() + " without accuracy left out; " +
        optional_field<json>(options, "bootstrap", json(), where).dump() +
        " cluster-bootstrap replicates over programs (95 % percentile CIs). Control `" + control + "`: " +
        optional_field<std::string>(run, "control_description", "", where) + "."));
    auto probe_of = [](const std::string& population, const std::string& features) {
      if (population.rfind("cf_", 0) == 0) return std::string("cf");
      if (population.rfind("of_", 0) == 0) return std::string("of");
      return features == "baseline" ? std::string() : features;  // "both": the feature set names the probe
    };
    const std::vector<std::string> header = {"population", "features", "runs", "programs", "prevalence",
                                             "within ROC-AUC", "held-out ROC-AUC", "gap"};
    auto comparison = [&](const std::string& file_name, const std::string& artefact, const std::string& id,
                          const std::string& caption, const std::string& note, const std::string& paper_table) {
      const CsvTable* t = file(s, *a, file_name, artefact);
      if (!t) return;
      Table out{id, caption, note, header, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const std::string pop = t->text(r, "population"), feat = t->text(r, "features");
        const std::string probe = probe_of(pop, feat);
        const std::string base = paper_table.empty() || probe.empty()
                                     ? ""
                                     : paper_table + "." + probe + ".";
        const std::string which = feat == "baseline" ? "baseline" : "plus";
        // Table IX's subset sizes: the paper gives the stable runs of its CF and OF subsets.
        const TableCell runs = paper_table == "table9" && feat == "baseline" && !probe.empty()
                                   ? paper_.cell("table9." + probe + ".runs", t->number(r, "runs"), table_k)
                                   : number_cell(*t, r, "runs");
        out.rows.push_back({text_cell(pop), text_cell(feat), runs, number_cell(*t, r, "programs"),
                            number_cell(*t, r, "prevalence"),
                            split_cell(*t, r, "roc_auc_within", base.empty() ? "" : base + "within." + which, table_k),
                            split_cell(*t, r, "roc_auc_heldout", base.empty() ? "" : base + "heldout." + which, table_k),
                            split_cell(*t, r, "gap", base.empty() || which == "baseline" ? "" : base + "gap.plus", table_k)});
      }
      s.blocks.push_back(table(out));
    };
    // The paper's Table VIII is overlap-controlled; without a second probe there is no control to compare.
    comparison("table8.csv", "Table VIII", "table8", "Table VIII: T/V mismatch detection, control " + control + " (k = " + opt(table_k) + ")",
               control == "single_probe" ? "one probe only: the paper's overlap-controlled values are not compared (Table IX is)" : "",
               control == "single_probe" ? "" : "table8");
    comparison("table9.csv", "Table IX", "table9", "Table IX: the full CF and OF subsets (k = " + opt(table_k) + ")",
               optional_field<std::string>(run, "table9_note", "", where), "table9");
    if (const CsvTable* t = file(s, *a, "fig10_auc_by_k.csv", "Fig. 10")) {
      Table f{"fig10-table", "Fig. 10: mismatch ROC-AUC by window k", "", {"population", "features", "k", "runs", "prevalence", "within ROC-AUC", "held-out ROC-AUC"}, {}};
      for (size_t r = 0; r < t->size(); ++r)
        f.rows.push_back({text_cell(t->text(r, "population")), text_cell(t->text(r, "features")), text_cell(t->text(r, "k")),
                          number_cell(*t, r, "runs"), number_cell(*t, r, "prevalence"),
                          split_cell(*t, r, "roc_auc_within", "", std::nullopt),
                          split_cell(*t, r, "roc_auc_heldout", "", std::nullopt)});
      s.blocks.push_back(table(f));
    }
    if (const CsvTable* t = file(s, *a, "fig11_spread.csv", "Fig. 11")) {
      Table f{"fig11-table", "Fig. 11: +OF logistic-regression coefficients across the within-program folds", "",
              {"feature", "group", "mean", "std", "min", "max", "sign flip"}, {}};
      size_t flips = 0;
      for (size_t r = 0; r < t->size(); ++r) {
        flips += t->text(r, "sign_flip") == "1";
        f.rows.push_back({text_cell(t->text(r, "feature")), text_cell(t->text(r, "group")), number_cell(*t, r, "mean"),
                          number_cell(*t, r, "std"), number_cell(*t, r, "min"), number_cell(*t, r, "max"),
                          text_cell(t->text(r, "sign_flip") == "1" ? "yes" : "no")});
      }
      f.rows.push_back({text_cell("coefficients changing sign"), text_cell(""),
                        paper_.cell("fig11.of_coefficients", double(flips)), text_cell(""), text_cell(""), text_cell(""),
                        text_cell(std::to_string(flips) + " of " + std::to_string(t->size()))});
      s.blocks.push_back(table(f));
    }
    if (const CsvTable* t = file(s, *a, "fig12_ablation.csv", "Fig. 12")) {
      Table f{"fig12-table", "Fig. 12: OF channel-group ablation under held-out (k = " + opt(table_k) + ")", "",
              {"row", "removed channels", "held-out ROC-AUC", "gap"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const std::string row = t->text(r, "row");  // ids shared with the chart (report/figures/fig12_ablation.cpp)
        f.rows.push_back({text_cell(row), text_cell(t->text(r, "removed_channels")),
                          split_cell(*t, r, "roc_auc_heldout", fig12_paper_id(row, "heldout"), table_k),
                          split_cell(*t, r, "gap", fig12_paper_id(row, "gap"), table_k)});
      }
      s.blocks.push_back(table(f));
    }
  }

  // The peer re-evaluation (docs/peers.md): Fig. 13's numbers beside the paper's
  // (ids from fig13_paper_id, shared with the chart) and the rules' firing table.
  void peers_tables(Section& s) {
    const AnalysisResults* a = in_.results.find("peers");
    if (!a) {
      std::string reason = "no peers results were given (--results)";
      if (const SkippedAnalysis* sk = in_.results.find_skipped("peers"))
        reason = "`evaluate all` skipped peers (" + sk->dir + "/skipped.md): " + sk->reason;
      for (const Absent& x : kPeersArtefacts)
        s.blocks.push_back(not_computed(x.artefact, x.title, reason, evaluate_command(in_.corpus_path, "peers")));
      return;
    }
    const std::optional<int> table_k = int_field(a->run(), "table_window");
    s.blocks.push_back(text("DEFault and DeepFD diagnose task cat4 at k = " + opt(table_k) + " with their random forest and "
                            "with RQ1's logistic regression (docs/peers.md); the paper gives one set of random-forest "
                            "values for both techniques. " + run_sentence(*a)));
    if (const CsvTable* t = file(s, *a, "fig13.csv", "Fig. 13 table")) {
      Table f{"fig13-table", "Fig. 13: peer techniques, balanced accuracy within vs program-held-out (k = " + opt(table_k) + ")",
              "", {"technique", "classifier", "features", "runs", "programs", "within", "held-out", "gap"}, {}};
      for (size_t r = 0; r < t->size(); ++r) {
        const std::string tech = t->text(r, "technique"), cls = t->text(r, "classifier");
        std::vector<TableCell> row = {text_cell(peer_technique_name(tech)), text_cell(cls), text_cell(t->text(r, "features")),
                                      text_cell(t->text(r, "runs")), text_cell(t->text(r, "programs"))};
        for (const char* split : {"within", "heldout", "gap"})  // fig13.csv's bounds: <split>_low, <split>_high
          row.push_back(paper_.cell(fig13_paper_id(tech, cls, split), t->number(r, split), t->number(r, std::string(split) + "_low"),
                                    t->number(r, std::string(split) + "_high"), table_k));
        f.rows.push_back(std::move(row));
      }
      s.blocks.push_back(table(f));
    }
    const CsvTable* rules = file(s, *a, "rules.csv", "Peers rule table");
    if (!rules) return;
    // not_computable.csv: per technique, the inputs the corpus lacks (named, not zero).
    std::map<std::string, std::vector<std::string>> missing;
    if (const CsvTable* nc = file(s, *a, "not_computable.csv", "Peers rule table (not computable)"))
      for (size_t r = 0; r < nc->size(); ++r) missing[nc->text(r, "technique")].push_back(nc->text(r, "not_computable"));
    s.blocks.push_back(text("AutoTrainer (5 rules) and DeepDiagnosis (8 symptoms) ran on every trace. **Rules flag "
                            "training problems; they do not classify fault types**, so they have no Fig. 13 row. A "
                            "rule whose inputs the corpus lacks is not computable (not zero); the share where any "
                            "rule fires then counts the computable rules only, a lower bound of the paper's."));
    std::vector<std::string> categories;  // columns: `all`, then each fault category in rules.csv's order
    std::map<std::string, std::map<std::string, size_t>> at;  // rule_set/rule -> category -> row
    std::vector<std::string> order;
    for (size_t r = 0; r < rules->size(); ++r) {
      const std::string key = rules->text(r, "rule_set") + "/" + rules->text(r, "rule"), cat = rules->text(r, "category");
      if (!at.count(key)) order.push_back(key);
      if (std::find(categories.begin(), categories.end(), cat) == categories.end()) categories.push_back(cat);
      at[key][cat] = r;
    }
    std::stable_partition(categories.begin(), categories.end(), [](const std::string& c) { return c == "all"; });
    std::vector<std::string> header = {"rule set", "rule"};
    for (const std::string& c : categories) header.push_back(c == "all" ? "all traces" : c);
    Table tr{"peers-rules", "Peers: share of traces on which each rule fires", "fired of traces; cells of a category are its traces",
             header, {}};
    for (const std::string& key : order) {
      const auto& cells = at[key];
      const size_t r0 = cells.begin()->second;
      const std::string set = rules->text(r0, "rule_set"), rule = rules->text(r0, "rule");
      std::vector<TableCell> row = {text_cell(peer_technique_name(set)), text_cell(rule == "any_rule" ? "any rule" : rule)};
      for (const std::string& c : categories) {
        auto it = cells.find(c);
        if (it == cells.end()) {
          row.push_back(text_cell("n/a"));
          continue;
        }
        const size_t r = it->second;
        if (rules->text(r, "computable") != "1") {
          row.push_back(text_cell("not computable"));
          continue;
        }
        const std::string counts = " (" + rules->text(r, "fired") + " of " + rules->text(r, "traces") + ")";
        // The paper gives the "any rule" share over all traces (peers.<set>.fires).
        TableCell cell = rule == "any_rule" && c == "all" ? paper_.cell("peers." + set + ".fires", rules->number(r, "share"))
                                                          : text_cell(format_value(rules->number(r, "share")));
        cell.text += counts;
        row.push_back(std::move(cell));
      }
      tr.rows.push_back(std::move(row));
    }
    s.blocks.push_back(table(tr));
    Table nct{"peers-not-computable", "Peers: not computable on this corpus (not_computable.csv)", "", {"technique", "not computable"}, {}};
    for (const auto& [tech, items] : missing)
      nct.rows.push_back({text_cell(peer_technique_name(tech)), text_cell(joined(items, "; "))});
    if (!nct.rows.empty()) s.blocks.push_back(table(nct));
  }

  std::string run_sentence(const AnalysisResults& a) const {
    return "Results `" + a.dir() + "`; seed " + (a.run().contains("seed") ? a.run().at("seed").dump() : "n/a") + ", " +
           (a.run().contains("bootstrap_replicates") ? a.run().at("bootstrap_replicates").dump() : "no") +
           " cluster-bootstrap replicates over programs (95 % percentile CIs). The exact command is under Run configuration.";
  }

  Block missing_analysis(const std::string& analysis, const std::string& what) {
    std::string reason = "no " + analysis + " results were given (--results)";
    if (const SkippedAnalysis* sk = in_.results.find_skipped(analysis))
      reason = "`evaluate all` skipped " + analysis + ": " + sk->reason;
    return not_computed(what, analysis + " tables", reason, evaluate_command(in_.corpus_path, analysis));
  }

  // The results file, or a "not computed" entry in the section and nullptr.
  const CsvTable* file(Section& s, const AnalysisResults& a, const std::string& name, const std::string& artefact) {
    if (a.has(name)) return &a.csv(name);
    s.blocks.push_back(not_computed(artefact, name, a.dir() + "/" + name + " is missing", evaluate_command(in_.corpus_path, a.name())));
    return nullptr;
  }
  const CsvTable* part_file(Section& s, const AnalysisResults& a, const std::string& part, const std::string& name,
                            const std::string& artefact) {
    const auto [status, note] = a.part(part);
    if (!status.empty() && status != "done") {
        s.blocks.push_back(not_computed(artefact, name, "RQ2 part " + part + " " + status + (note.empty() ? "" : ": " + note),
                                      evaluate_command(in_.corpus_path, "rq2", part)));
      return nullptr;
    }
    return file(s, a, name, artefact);
  }

  TableCell split_cell(const CsvTable& t, size_t r, const std::string& split, const std::string& id, std::optional<int> k) {
    if (!t.has_column(split)) return text_cell("n/a");
    return paper_.cell(id, t.number(r, split), t.number(r, split + "_ci_low"), t.number(r, split + "_ci_high"), k);
  }
  static TableCell number_cell(const CsvTable& t, size_t r, const std::string& column) {
    return text_cell(format_value(t.number(r, column)));
  }
  static std::string opt(std::optional<int> k) { return k ? std::to_string(*k) : "?"; }

  const FigureInputs& in_;
  const std::string sha256_;
  const ReportOptions& options_;
  PaperColumn paper_;
};

}  // namespace

TableCell PaperColumn::cell(const std::string& id, double value, double ci_low, double ci_high, std::optional<int> k) {
  TableCell c = text_cell(format_ci(value, ci_low, ci_high));
  if (id.empty()) return c;
  const PaperValue* p = values_.find(id);
  if (!p) return c;
  placed_.insert(id);
  const Comparison cmp = compare(*p, value, ci_low, ci_high, k);
  c.paper = cmp.paper, c.verdict = cmp.verdict, c.differs = cmp.differs;
  return c;
}

TableCell PaperColumn::cell(const std::string& id, double value, std::optional<int> k) {
  return cell(id, value, std::nan(""), std::nan(""), k);
}

Built build_report(const FigureInputs& in, const std::string& corpus_sha256, const ReportOptions& options) {
  return Builder(in, corpus_sha256, options).build();
}

}  // namespace dynfault::report
