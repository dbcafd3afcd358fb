// Rendering of the RQ1 results: CSV + JSON for every table and figure, and a
// Markdown summary. Pure function of Rq1Results (no rank count, time or host),
// so outputs are byte-identical across MPI layouts.
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>


#include "evaluate/report.h"
#include "evaluate/rq1.h"

namespace dynfault::evaluate {
namespace {

using nlohmann::json;

std::string split_csv(const std::vector<const SplitRow*>& rows, bool with_lopo) {
  std::ostringstream f;
  f << "task,k,variant,metric," << cell_header("within") << "," << cell_header("heldout") << "," << cell_header("gap");
  if (with_lopo) f << "," << cell_header("lopo") << "," << cell_header("gap_lopo");
  f << "\n";
  for (const SplitRow* r : rows) {
    f << r->task << "," << r->k << "," << r->variant << "," << r->metric << "," << cell_csv(r->within) << ","
      << cell_csv(r->heldout) << "," << cell_csv(r->gap);
    if (with_lopo) f << "," << cell_csv(r->lopo) << "," << cell_csv(r->gap_lopo);
    f << "\n";
  }
  return f.str();
}
json split_json(const std::vector<const SplitRow*>& rows, bool with_lopo) {
  json a = json::array();
  for (const SplitRow* r : rows) {
    json j = {{"task", r->task},           {"k", r->k},
              {"variant", r->variant},     {"metric", r->metric},
              {"within", jcell(r->within)}, {"heldout", jcell(r->heldout)},
              {"gap", jcell(r->gap)}};
    if (with_lopo) {
      j["lopo"] = jcell(r->lopo);
      j["gap_lopo"] = jcell(r->gap_lopo);
    }
    a.push_back(j);
  }
  return a;
}

}  // namespace

std::map<std::string, std::string> render_rq1(const Rq1Results& r) {
  std::map<std::string, std::string> files;
  const Rq1Options& o = r.options;
  auto put_json = [&](const std::string& name, const json& j) { files[name] = j.dump(2) + "\n"; };

  // Run description.
  json tasks = json::array();
  for (const auto& t : r.tasks) {
    json counts = json::object();
    for (size_t c = 0; c < t.classes.size(); ++c) counts[t.classes[c]] = t.class_counts[c];
    tasks.push_back({{"task", t.name}, {"title", t.title}, {"evaluated", t.evaluated}, {"note", t.note},
                     {"runs", t.runs}, {"programs", t.programs}, {"class_counts", counts}});
  }
  json shorter = json::object();
  for (const auto& [k, n] : r.runs_shorter_than_k) shorter[std::to_string(k)] = n;
  json redraws = json::object();
  for (const auto& [t, n] : r.bootstrap_redraws) redraws[t] = n;
  files["run.json"] = run_json_text(json(
           {{"analysis", "rq1"},
            {"corpus", r.corpus},
            {"channels", o.channels},
            {"channel_list", r.channels},
            {"windows", o.windows},
            {"table_window", o.table_window},
            {"folds", o.folds},
            {"within_split", o.shuffle_within ? "StratifiedKFold(shuffle=True, random_state=seed)"
                                               : "StratifiedKFold(shuffle=False)"},
            {"heldout_split", "GroupKFold by program"},
            {"seed", o.seed},
            {"bootstrap_replicates", o.bootstrap},
            {"confidence_level_percent", o.level_percent},
            {"bootstrap", "cluster bootstrap over programs, percentile interval (type 7); paired for gaps"},
            {"degenerate_resample_policy",
             "a resample missing a class of the task is redrawn from the same replicate stream (max 1000)"},
            {"bootstrap_redraws", redraws},
            {"permutations", o.permutations},
            {"runs_evaluated", r.runs},
            {"programs", r.programs},
            {"runs_skipped_unlabelled", r.skipped_unlabelled},
            {"runs_skipped_zero_epochs", r.skipped_empty},
            {"runs_shorter_than_k", shorter},
            {"classifier", "LogisticRegression(C=1, class_weight='balanced', multi_class='ovr'), exact optimum"},
            {"preprocessing", "clip +-1e12, SimpleImputer(median), StandardScaler; fitted on training folds"},
            {"tasks", tasks}}), r.skipped_terminated);
  {
    std::ostringstream f;
    f << "task,title,evaluated,runs,programs,classes,note\n";
    for (const auto& t : r.tasks) {
      std::string classes;
      for (size_t c = 0; c < t.classes.size(); ++c)
        classes += (c ? ";" : "") + t.classes[c] + "=" + std::to_string(t.class_counts[c]);
      f << t.name << ",\"" << t.title << "\"," << (t.evaluated ? 1 : 0) << "," << t.runs << "," << t.programs << ","
        << classes << ",\"" << t.note << "\"\n";
    }
    files["tasks.csv"] = f.str();
  }

  // Table IV (k = table window), Fig. 2 (every k), Table V (program z).
  std::vector<const SplitRow*> table4, fig2, table5;
  for (const auto& s : r.splits) {
    if (s.variant == "raw") fig2.push_back(&s);
    if (s.variant == "raw" && s.k == o.table_window) table4.push_back(&s);
    if (s.variant == "program_z") table5.push_back(&s);
  }
  files["table4.csv"] = split_csv(table4, true);
  put_json("table4.json", {{"k", o.table_window}, {"rows", split_json(table4, true)}, {"tasks", tasks}});
  files["fig2_gap_by_k.csv"] = split_csv(fig2, true);
  put_json("fig2_gap_by_k.json", {{"rows", split_json(fig2, true)}});
  files["table5_program_z.csv"] = split_csv(table5, false);
  put_json("table5_program_z.json", {{"k", o.table_window},
                                     {"normalisation", "per program, per feature: (x - mean) / population std, before splitting"},
                                     {"rows", split_json(table5, false)}});

  // Fig. 3a program identity; Table V's identity row.
  {
    std::ostringstream f, z;
    const std::string header = "k," + cell_header("accuracy") + "," + cell_header("balanced_accuracy") +
                               ",chance_uniform,chance_majority,runs,programs\n";
    f << header;
    z << "variant," << header;
    json a = json::array(), b = json::array();
    for (const auto& i : r.identity) {
      const std::string line = std::to_string(i.k) + "," + cell_csv(i.accuracy) + "," + cell_csv(i.balanced_accuracy) +
                               "," + num(i.chance_uniform) + "," + num(i.chance_majority) + "," +
                               std::to_string(i.runs) + "," + std::to_string(i.programs) + "\n";
      const json j = {{"k", i.k}, {"variant", i.variant}, {"accuracy", jcell(i.accuracy)},
                      {"balanced_accuracy", jcell(i.balanced_accuracy)}, {"chance_uniform", i.chance_uniform},
                      {"chance_majority", i.chance_majority}, {"runs", i.runs}, {"programs", i.programs}};
      if (i.variant == "raw") {
        f << line;
        a.push_back(j);
      }
      if (i.k == o.table_window) {
        z << i.variant << "," << line;
        b.push_back(j);
      }
    }
    files["fig3a_program_identity.csv"] = f.str();
    put_json("fig3a_program_identity.json",
             {{"rows", a}, {"note", r.identity_note},
              {"split", "StratifiedKFold by program over all evaluated runs"},
              {"bootstrap", "cluster bootstrap over programs; a resample scores the programs drawn (no redraws)"}});
    files["table5_identity.csv"] = z.str();
    put_json("table5_identity.json", {{"k", o.table_window}, {"rows", b}, {"note", r.identity_note},
                                      {"normalisation", "per program, per feature, over all evaluated runs"}});
  }
  // Fig. 3b permutations.
  {
    std::ostringstream f, v;
    f << "task,k,scheme,metric,observed,perm_median,perm_q25,perm_q75,perm_min,perm_max,perms_at_least_observed,perms\n";
    v << "task,k,scheme,metric,permutation,value\n";
    json a = json::array();
    for (const auto& p : r.permutations) {
      f << p.task << "," << p.k << "," << p.scheme << "," << p.metric << "," << num(p.observed) << "," << num(p.median)
        << "," << num(p.q25) << "," << num(p.q75) << "," << num(p.min) << "," << num(p.max) << ","
        << p.at_least_observed << "," << p.values.size() << "\n";
      for (size_t i = 0; i < p.values.size(); ++i)
        v << p.task << "," << p.k << "," << p.scheme << "," << p.metric << "," << i << "," << num(p.values[i]) << "\n";
      json vals = json::array();
      for (double x : p.values) vals.push_back(jnum(x));
      a.push_back({{"task", p.task}, {"k", p.k}, {"scheme", p.scheme}, {"metric", p.metric},
                   {"observed", jnum(p.observed)}, {"median", jnum(p.median)}, {"q25", jnum(p.q25)},
                   {"q75", jnum(p.q75)}, {"min", jnum(p.min)}, {"max", jnum(p.max)},
                   {"at_least_observed", p.at_least_observed}, {"values", vals}});
    }
    files["fig3b_permutation.csv"] = f.str();
    files["fig3b_permutation_values.csv"] = v.str();
    put_json("fig3b_permutation.json",
             {{"permutation", "labels shuffled among the runs of each program (counts per program kept)"},
              {"rows", a}});
  }
  // Fig. 4 MMD heatmap and separation summary.
  const Separation& s = r.separation;
  std::vector<double> off;
  {
    std::ostringstream f, m;
    f << "program_a,program_b,mmd2\n";
    m << "program";
    for (const auto& p : s.programs) m << "," << p;
    m << "\n";
    for (size_t i = 0; i < s.programs.size(); ++i) {
      m << s.programs[i];
      for (size_t j = 0; j < s.programs.size(); ++j) {
        f << s.programs[i] << "," << s.programs[j] << "," << num(s.program_mmd2[i][j]) << "\n";
        m << "," << num(s.program_mmd2[i][j]);
        if (j > i) off.push_back(s.program_mmd2[i][j]);
      }
      m << "\n";
    }
    files["fig4_mmd.csv"] = f.str();
    files["fig4_mmd_matrix.csv"] = m.str();
  }
  std::vector<double> label_off;
  for (size_t i = 0; i < s.labels.size(); ++i)
    for (size_t j = i + 1; j < s.labels.size(); ++j) label_off.push_back(s.label_mmd2[i][j]);
  auto median = [](std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  };
  const double median_program = median(off), median_label = median(label_off);
  const std::string convention =
      "biased MMD^2 (V-statistic); k(x,y) = exp(-||x-y||^2 / m), m = median positive pairwise squared distance of "
      "all evaluated runs (Gretton's sigma^2 = m/2); features: baseline channels at k, median-imputed and "
      "standardised over all runs";
  put_json("fig4_mmd.json", {{"k", s.k}, {"channels", s.channels}, {"convention", convention},
                             {"median_sq_distance", s.median_sq_distance}, {"programs", s.programs},
                             {"mmd2", s.program_mmd2}, {"labels", s.labels}, {"label_mmd2", s.label_mmd2}});
  {
    std::ostringstream f;
    f << "quantity,value\n";
    f << "silhouette_by_program," << num(s.silhouette_program) << "\n";
    f << "silhouette_by_label," << num(s.silhouette_label) << "\n";
    f << "median_mmd2_between_programs," << num(median_program) << "\n";
    f << "median_mmd2_between_labels," << num(median_label) << "\n";
    f << "median_sq_distance," << num(s.median_sq_distance) << "\n";
    files["separation.csv"] = f.str();
    put_json("separation.json", {{"k", s.k}, {"channels", s.channels},
                                 {"silhouette_by_program", jnum(s.silhouette_program)},
                                 {"silhouette_by_label", jnum(s.silhouette_label)},
                                 {"median_mmd2_between_programs", jnum(median_program)},
                                 {"median_mmd2_between_labels", jnum(median_label)},
                                 {"median_sq_distance", s.median_sq_distance}, {"convention", convention}});
  }

  // Markdown summary.
  std::ostringstream md;
  md << "# RQ1: within-program vs program-held-out diagnosis\n\n";
  md << "Corpus `" << r.corpus << "`: " << r.runs << " labelled runs from " << r.programs << " programs ("
     << r.skipped_unlabelled << " unlabelled and " << r.skipped_empty << " zero-epoch runs not evaluated). Channels `"
     << o.channels << "` (" << r.channels.size() << "): ";
  for (size_t i = 0; i < r.channels.size(); ++i) md << (i ? ", " : "") << r.channels[i];
  md << ". Logistic regression (C=1, balanced, one-vs-rest); " << o.folds << "-fold splits; " << o.level_percent
     << "% cluster-bootstrap CIs over programs (" << o.bootstrap << " replicates); seed " << o.seed << ".\n\n";
  md << "## Tasks\n\n| task | classes (runs) | runs | programs | status |\n|---|---|---:|---:|---|\n";
  for (const auto& t : r.tasks) {
    std::string classes;
    for (size_t c = 0; c < t.classes.size(); ++c)
      classes += (c ? ", " : "") + t.classes[c] + " (" + std::to_string(t.class_counts[c]) + ")";
    md << "| " << t.name << " | " << classes << " | " << t.runs << " | " << t.programs << " | "
       << (t.evaluated ? "evaluated" : t.note) << " |\n";
  }
  md << "\n## Table IV: k = " << o.table_window << "\n\n| task | metric | within | held-out | gap | LOPO |\n|---|---|---|---|---|---|\n";
  for (const SplitRow* row : table4)
    md << "| " << row->task << " | " << row->metric << " | " << ci3(row->within) << " | " << ci3(row->heldout) << " | "
       << ci3(row->gap) << " | " << ci3(row->lopo) << " |\n";
  md << "\n## Fig. 2: gap (balanced accuracy) by window\n\n| task | k | within | held-out | gap |\n|---|---:|---|---|---|\n";
  for (const SplitRow* row : fig2)
    if (row->metric == "balanced_accuracy")
      md << "| " << row->task << " | " << row->k << " | " << num3(row->within.value) << " | " << num3(row->heldout.value)
         << " | " << ci3(row->gap) << " |\n";
  md << "\n## Table V: per-program z-normalisation (k = " << o.table_window
     << ")\n\n| task | metric | within | held-out | gap |\n|---|---|---|---|---|\n";
  for (const SplitRow* row : table5)
    md << "| " << row->task << " | " << row->metric << " | " << ci3(row->within) << " | " << ci3(row->heldout) << " | "
       << ci3(row->gap) << " |\n";
  md << "\n## Fig. 3a: program identity from traces\n\n";
  if (r.identity.empty()) {
    md << r.identity_note << "\n";
  } else {
    md << "| k | features | accuracy | balanced accuracy | chance (1/programs) |\n|---:|---|---|---|---|\n";
    for (const auto& i : r.identity)
      md << "| " << i.k << " | " << i.variant << " | " << ci3(i.accuracy) << " | " << ci3(i.balanced_accuracy) << " | "
         << num3(i.chance_uniform) << " |\n";
  }
  md << "\n## Fig. 3b: within-program label permutation (" << o.permutations
     << " permutations, balanced accuracy)\n\n| task | k | split | observed | permuted median [q25, q75] |\n|---|---:|---|---|---|\n";
  for (const auto& p : r.permutations)
    if (p.metric == "balanced_accuracy")
      md << "| " << p.task << " | " << p.k << " | " << p.scheme << " | " << num3(p.observed) << " | " << num3(p.median)
         << " [" << num3(p.q25) << ", " << num3(p.q75) << "] |\n";
  md << "\n## Fig. 4: program separation (baseline channels, k = " << s.k << ")\n\n";
  md << "- median MMD² between programs: " << num3(median_program) << "; between fault labels: " << num3(median_label)
     << "\n- silhouette by program: " << num3(s.silhouette_program) << "; by fault label: " << num3(s.silhouette_label)
     << "\n- " << convention << "\n";
  files["summary.md"] = md.str();
  return files;
}

}  // namespace dynfault::evaluate
