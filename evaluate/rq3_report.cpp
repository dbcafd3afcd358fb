// Rendering of the RQ3 results: CSV + JSON per table and figure, and a
// Markdown summary. Pure function of Rq3Results (no rank count, time or host),
// so outputs are byte-identical across MPI layouts.
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "evaluate/report.h"
#include "evaluate/rq3.h"

namespace dynfault::evaluate {
namespace {

using nlohmann::json;

const char* kRowHeader =
    "population,features,k,runs,programs,positives,prevalence,features_count,"
    "roc_auc_within,roc_auc_within_ci_low,roc_auc_within_ci_high,"
    "roc_auc_heldout,roc_auc_heldout_ci_low,roc_auc_heldout_ci_high,"
    "gap,gap_ci_low,gap_ci_high,note";

std::string row_csv(const Rq3Row& r) {
  return csv_field(r.population) + "," + csv_field(r.features) + "," + std::to_string(r.k) + "," +
         std::to_string(r.runs) + "," + std::to_string(r.programs) + "," + std::to_string(r.positives) + "," +
         num(r.prevalence) + "," + std::to_string(r.feature_count) + "," + cell_csv(r.within) + "," +
         cell_csv(r.heldout) + "," + cell_csv(r.gap) + "," + csv_field(r.note);
}

json row_json(const Rq3Row& r) {
  return {{"population", r.population}, {"features", r.features},     {"k", r.k},
          {"runs", r.runs},             {"programs", r.programs},     {"positives", r.positives},
          {"prevalence", jnum(r.prevalence)}, {"features_count", r.feature_count},
          {"roc_auc_within", jcell(r.within)}, {"roc_auc_heldout", jcell(r.heldout)},
          {"gap", jcell(r.gap)},        {"note", r.note}};
}

std::string rows_csv(const std::vector<Rq3Row>& rows, const std::string& first_column = "",
                     const std::string& first_value = "") {
  std::ostringstream f;
  f << (first_column.empty() ? "" : first_column + ",") << kRowHeader << "\n";
  for (const auto& r : rows) f << (first_column.empty() ? "" : csv_field(first_value) + ",") << row_csv(r) << "\n";
  return f.str();
}

json rows_json(const std::vector<Rq3Row>& rows) {
  json a = json::array();
  for (const auto& r : rows) a.push_back(row_json(r));
  return a;
}

std::string md_row(const Rq3Row& r) {
  return "| " + r.population + " | " + r.features + " | " + std::to_string(r.runs) + " | " +
         std::to_string(r.programs) + " | " + num3(r.prevalence) + " | " + ci3(r.within) + " | " + ci3(r.heldout) +
         " | " + ci3(r.gap) + " |" + (r.note.empty() ? "" : " " + r.note) + "\n";
}

}  // namespace

std::map<std::string, std::string> render_rq3(const Rq3Results& r) {
  std::map<std::string, std::string> files;
  const Rq3Options& o = r.options;
  auto put_json = [&](const std::string& name, const json& j) { files[name] = j.dump(2) + "\n"; };

  files["table8.csv"] = rows_csv(r.table8, "control", r.control);
  files["table9.csv"] = rows_csv(r.table9);
  files["fig10_auc_by_k.csv"] = rows_csv(r.fig10);
  {
    std::ostringstream f;
    f << "row,removed_group,removed_channels," << kRowHeader << "\n";
    json a = json::array();
    for (const auto& a_row : r.fig12) {
      std::string removed;
      for (const auto& c : a_row.removed_channels) removed += (removed.empty() ? "" : ";") + c;
      f << a_row.row << "," << csv_field(a_row.removed) << "," << csv_field(removed) << "," << row_csv(a_row.result) << "\n";
      json j = row_json(a_row.result);
      j["row"] = a_row.row;
      j["removed_group"] = a_row.removed;
      j["removed_channels"] = a_row.removed_channels;
      a.push_back(j);
    }
    files["fig12_ablation.csv"] = f.str();
    put_json("fig12_ablation.json", a);
  }
  {
    const Rq3Coefficients& c = r.fig11;
    std::ostringstream m, s;
    m << "feature,group";
    for (size_t f = 0; f < c.by_fold.size(); ++f) m << ",fold" << f;
    m << "\n";
    s << "feature,group,mean,std,min,max,positive_folds,negative_folds,sign_flip\n";
    json features = json::array();
    for (size_t j = 0; j < c.features.size(); ++j) {
      m << csv_field(c.features[j]) << "," << c.groups[j];
      json folds = json::array();
      for (const auto& f : c.by_fold) {
        m << "," << num(f[j]);
        folds.push_back(jnum(f[j]));
      }
      m << "\n";
      const auto& sp = c.spread[j];
      s << csv_field(c.features[j]) << "," << c.groups[j] << "," << num(sp.mean) << "," << num(sp.std) << ","
        << num(sp.min) << "," << num(sp.max) << "," << sp.positive << "," << sp.negative << ","
        << (sp.sign_flip ? 1 : 0) << "\n";
      features.push_back({{"feature", c.features[j]}, {"group", c.groups[j]}, {"by_fold", folds},
                          {"mean", jnum(sp.mean)}, {"std", jnum(sp.std)}, {"min", jnum(sp.min)},
                          {"max", jnum(sp.max)}, {"positive_folds", sp.positive}, {"negative_folds", sp.negative},
                          {"sign_flip", sp.sign_flip}});
    }
    files["fig11_coefficients.csv"] = m.str();
    files["fig11_spread.csv"] = s.str();
    put_json("fig11_coefficients.json", {{"population", c.population}, {"k", c.k}, {"features", features}});
  }
  {
    std::ostringstream f;
    f << "population,description,runs,programs,same_runs_as\n";
    for (const auto& p : r.populations)
      f << p.name << "," << csv_field(p.description) << "," << p.runs << "," << p.programs << "," << p.same_runs_as << "\n";
    files["populations.csv"] = f.str();
  }
  json pops = json::array();
  for (const auto& p : r.populations)
    pops.push_back({{"name", p.name}, {"description", p.description}, {"runs", p.runs}, {"programs", p.programs},
                    {"same_runs_as", p.same_runs_as}});
  json notes = json::object();
  for (const auto& [part, note] : r.notes) notes[part] = note;
  files["run.json"] = run_json_text(json(
           {{"analysis", "rq3"},
            {"corpus", r.corpus},
            {"runs", r.runs},
            {"programs", r.programs},
            {"runs_skipped_zero_epochs", r.skipped_empty},
            {"excluded_unstable", r.excluded_unstable},
            {"excluded_without_accuracy", r.excluded_no_accuracy},
            {"labelled_runs", r.labelled},
            {"labelled_runs_with_cf", r.runs_cf},
            {"labelled_runs_with_of", r.runs_of},
            {"labelled_runs_with_both", r.runs_both},
            {"control", r.control},
            {"control_description", r.control_description},
            {"overlap_programs", r.overlap_programs},
            {"cf_channels", r.cf_channels},
            {"of_channels", r.of_channels},
            {"of_channels_in_no_group", r.ungrouped_of_channels},
            {"populations", pops},
            {"table8", rows_json(r.table8)},
            {"table9", rows_json(r.table9)},
            {"table9_note", r.table9_note},
            {"fig10", rows_json(r.fig10)},
            {"notes", notes},
            {"bootstrap_redraws", r.bootstrap_redraws},
            {"options",
             {{"k", o.windows},
              {"table_k", o.table_window},
              {"folds", o.folds},
              {"bootstrap", o.bootstrap},
              {"seed", o.seed},
              {"shuffle_within", o.shuffle_within},
              {"instability_threshold", o.instability_threshold},
              {"gap", o.gap},
              {"gap_rule", gap_rule_name(o.gap_rule)},
              {"ci_level_percent", o.level_percent}}}}), r.skipped_terminated);

  std::ostringstream md;
  md << "# RQ3: train/validation mismatch (docs/rq3.md)\n\n"
     << "Corpus `" << r.corpus << "`: " << r.runs << " runs in " << r.programs << " programs; " << r.labelled
     << " stable runs with accuracy labelled (|train_acc - val_acc| " << (o.gap_rule == GapRule::AtLeast ? ">=" : ">")
     << " " << format_g17(o.gap) << " at some epoch of the first k), " << r.excluded_unstable << " unstable and "
     << r.excluded_no_accuracy << " without accuracy left out. Runs carrying CF: " << r.runs_cf << ", OF: " << r.runs_of
     << ", both: " << r.runs_both << ".\n\n"
     << "ROC-AUC, within-program StratifiedKFold(" << o.folds << ") vs program-held-out GroupKFold(" << o.folds
     << "), " << (o.bootstrap > 0 ? std::to_string(int(o.level_percent)) + "% cluster-bootstrap CIs over programs (" +
                                         std::to_string(o.bootstrap) + " replicates)"
                                   : std::string("no CIs (--bootstrap 0)"))
     << ".\n\n";
  const std::string head =
      "| population | features | runs | programs | prevalence | within | held-out | gap |\n|---|---|---|---|---|---|---|---|\n";
  md << "## Table VIII (k=" << o.table_window << "), control: " << r.control << "\n\n" << r.control_description << ".\n\n" << head;
  for (const auto& row : r.table8) md << md_row(row);
  md << "\n## Table IX (k=" << o.table_window << "): the full probe subsets\n\n";
  if (!r.table9_note.empty()) md << r.table9_note << ".\n\n";
  md << head;
  for (const auto& row : r.table9) md << md_row(row);
  md << "\n## Fig. 12: OF feature-group ablation (" << (r.fig12.empty() ? "skipped" : r.fig12[0].result.population)
     << ", k=" << o.table_window << ")\n\n"
     << "| row | held-out | gap |\n|---|---|---|\n";
  for (const auto& a : r.fig12) md << "| " << a.row << " | " << ci3(a.result.heldout) << " | " << ci3(a.result.gap) << " |\n";
  size_t flips = 0;
  for (const auto& s : r.fig11.spread) flips += s.sign_flip;
  md << "\n## Fig. 11\n\n"
     << (r.fig11.features.empty() ? std::string("skipped")
                                  : std::to_string(flips) + " of " + std::to_string(r.fig11.features.size()) +
                                        " coefficients of the +OF model change sign across the " +
                                        std::to_string(r.fig11.by_fold.size()) + " within-program folds")
     << ".\n";
  for (const auto& [part, note] : r.notes) md << "\n" << part << ": " << note << "\n";
  files["summary.md"] = md.str();
  return files;
}

}  // namespace dynfault::evaluate
