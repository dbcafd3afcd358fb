// Rendering of the RQ2 results: CSV + JSON per table and figure, and a
// Markdown summary. Pure function of Rq2Results (no rank count, time or host),
// so outputs are byte-identical across MPI layouts.
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>


#include "evaluate/report.h"
#include "evaluate/rq2.h"

namespace dynfault::evaluate {
namespace {

using nlohmann::json;

double share(size_t a, size_t b) { return b ? double(a) / double(b) : std::nan(""); }

json counts_json(const TriageCounts& c) {
  return {{"program", c.program}, {"runs", c.runs},  {"tp", c.tp}, {"fp", c.fp},
          {"fn", c.fn},           {"tn", c.tn},      {"precision", jnum(c.precision)},
          {"recall", jnum(c.recall)}, {"f1", jnum(c.f1)}};
}
std::string counts_csv(const TriageCounts& c) {
  return c.program + "," + std::to_string(c.runs) + "," + std::to_string(c.tp) + "," + std::to_string(c.fp) + "," +
         std::to_string(c.fn) + "," + std::to_string(c.tn) + "," + num(c.precision) + "," + num(c.recall) + "," +
         num(c.f1);
}

}  // namespace

std::map<std::string, std::string> render_rq2(const Rq2Results& r) {
  std::map<std::string, std::string> files;
  const Rq2Options& o = r.options;
  auto put_json = [&](const std::string& name, const json& j) { files[name] = j.dump(2) + "\n"; };
  auto ran = [&](const std::string& part) { return r.notes.count(part) && r.notes.at(part).rfind("skipped", 0) != 0; };

  {
    std::ostringstream f;
    f << "part,status,note\n";
    json a = json::array();
    for (const auto& p : rq2_parts()) {
      const auto it = r.notes.find(p);
      const std::string status = it == r.notes.end() ? "not requested" : ran(p) ? "done" : "skipped";
      const std::string note = it == r.notes.end() ? "" : it->second;
      f << p << "," << status << ",\"" << note << "\"\n";
      a.push_back({{"part", p}, {"status", status}, {"note", note}});
    }
    files["parts.csv"] = f.str();
    files["run.json"] = run_json_text(json(
             {{"analysis", "rq2"},
              {"corpus", r.corpus},
              {"runs", r.runs},
              {"programs", r.programs},
              {"runs_skipped_zero_epochs", r.skipped_empty},
              {"curvature_runs", r.cf_runs},
              {"curvature_programs", r.cf_programs},
              {"curvature_runs_without_epoch0_mean_hvp", r.cf_excluded},
              {"instability_threshold", o.thresholds[0]},
              {"thresholds", o.thresholds},
              {"instability_rule",
               "train_loss or val_loss > threshold, or non-finite (NaN/inf: an explosion), at any logged epoch"},
              {"windows", o.windows},
              {"folds", o.folds},
              {"seed", o.seed},
              {"bootstrap_replicates", o.bootstrap},
              {"bootstrap_redraws", r.bootstrap_redraws},
              {"confidence_level_percent", o.level_percent},
              {"clusters", o.clusters},
              {"triage_k", o.triage_k},
              {"restarts", o.restarts},
              {"mismatch_window", o.mismatch_window},
              {"geometry_features", r.geometry_features},
              {"parts", a}}), r.skipped_terminated);
  }

  if (ran("fig5a")) {
    std::ostringstream s, e, h;
    s << "threshold,runs,unstable,share_flagged,at_epoch0,share_at_epoch0,by_epoch1,share_by_epoch1,non_finite\n";
    e << "threshold,run_id,program,first_explosion_epoch,non_finite\n";
    h << "threshold,epoch,runs\n";
    json a = json::array();
    for (const auto& t : r.thresholds) {
      s << num(t.threshold) << "," << t.runs << "," << t.unstable << "," << num(share(t.unstable, t.runs)) << ","
        << t.at_epoch0 << "," << num(share(t.at_epoch0, t.unstable)) << "," << t.by_epoch1 << ","
        << num(share(t.by_epoch1, t.unstable)) << "," << t.non_finite << "\n";
      json by = json::object();
      for (const auto& [epoch, n] : t.by_epoch) {
        h << num(t.threshold) << "," << epoch << "," << n << "\n";
        by[std::to_string(epoch)] = n;
      }
      a.push_back({{"threshold", t.threshold}, {"runs", t.runs}, {"unstable", t.unstable},
                   {"share_flagged", jnum(share(t.unstable, t.runs))}, {"at_epoch0", t.at_epoch0},
                   {"share_at_epoch0", jnum(share(t.at_epoch0, t.unstable))}, {"by_epoch1", t.by_epoch1},
                   {"share_by_epoch1", jnum(share(t.by_epoch1, t.unstable))}, {"non_finite", t.non_finite},
                   {"first_explosion_epochs", by}});
    }
    for (const auto& x : r.explosions)
      e << num(x.threshold) << "," << x.run_id << "," << x.program << "," << x.epoch << "," << (x.non_finite ? 1 : 0) << "\n";
    files["fig5a_summary.csv"] = s.str();
    files["fig5a_first_explosion.csv"] = e.str();
    files["fig5a_histogram.csv"] = h.str();
    put_json("fig5a.json", {{"label_threshold", o.thresholds[0]}, {"thresholds", a},
                            {"epochs", "0-based logged epoch (row) of the first explosion"}});
  }

  if (ran("table6")) {
    std::ostringstream f;
    f << "k,variant,split,metric,value,ci_low,ci_high\n";
    json a = json::array();
    for (const auto& d : r.detection) {
      f << d.k << "," << d.variant << "," << d.split << "," << d.metric << "," << num(d.value.value) << ","
        << num(d.value.low) << "," << num(d.value.high) << "\n";
      a.push_back({{"k", d.k}, {"variant", d.variant}, {"split", d.split}, {"metric", d.metric},
                   {"value", jnum(d.value.value)}, {"ci_low", jnum(d.value.low)}, {"ci_high", jnum(d.value.high)}});
    }
    files["table6_detection.csv"] = f.str();
    put_json("table6.json", {{"population", r.detection_population}, {"runs", r.detection_runs},
                             {"programs", r.detection_programs}, {"unstable", r.detection_unstable},
                             {"note", r.notes.at("table6")}, {"rows", a},
                             {"variants", {{"baseline", "train_loss, train_acc, val_loss, val_acc"},
                                           {"baseline_no_loss", "train_acc, val_acc"},
                                           {"cf", "baseline + mean HVP + HVP std (curvature.h)"},
                                           {"cf_no_loss", "train_acc, val_acc + mean HVP + HVP std"}}}});
  }

  if (ran("fig6")) {
    std::ostringstream f;
    f << "quantity,quintile,low,high,runs,unstable,rate\n";
    json a = json::array();
    for (const auto& q : r.quintiles) {
      f << q.quantity << "," << q.quintile << "," << num(q.low) << "," << num(q.high) << "," << q.runs << ","
        << q.unstable << "," << num(q.rate) << "\n";
      a.push_back({{"quantity", q.quantity}, {"quintile", q.quintile}, {"low", jnum(q.low)}, {"high", jnum(q.high)},
                   {"runs", q.runs}, {"unstable", q.unstable}, {"rate", jnum(q.rate)}});
    }
    files["fig6_quintiles.csv"] = f.str();
    put_json("fig6.json", {{"rows", a},
                           {"bins", "epoch-0 values; edges at the 20/40/60/80th percentiles (type 7); right-closed bins"}});
  }

  if (ran("fig7")) {
    std::ostringstream f;
    f << "bin,depth_low,depth_high,stable_runs,unstable_runs,stable_median_log10_hvp,unstable_median_log10_hvp,difference\n";
    json a = json::array();
    for (const auto& d : r.depth) {
      const double diff = d.unstable_median_log10 - d.stable_median_log10;
      f << d.bin << "," << num(d.depth_low) << "," << num(d.depth_high) << "," << d.stable_runs << "," << d.unstable_runs
        << "," << num(d.stable_median_log10) << "," << num(d.unstable_median_log10) << "," << num(diff) << "\n";
      a.push_back({{"bin", d.bin}, {"depth_low", d.depth_low}, {"depth_high", d.depth_high},
                   {"stable_runs", d.stable_runs}, {"unstable_runs", d.unstable_runs},
                   {"stable_median_log10_hvp", jnum(d.stable_median_log10)},
                   {"unstable_median_log10_hvp", jnum(d.unstable_median_log10)}, {"difference", jnum(diff)}});
    }
    files["fig7_layer_depth.csv"] = f.str();
    put_json("fig7.json",
             {{"rows", a},
              {"binning", "layer l of L at relative depth (l + 0.5) / L, " + std::to_string(r.depth_bins) +
                              " equal bins of [0, 1]; per run the mean log10 ||Hv|| of its layers in a bin; medians "
                              "over runs"}});
  }

  if (ran("table7")) {
    std::ostringstream s, p, c;
    s << "K,silhouette,inertia\n";
    json sil = json::array();
    for (const auto& x : r.silhouettes) {
      s << x.K << "," << num(x.silhouette) << "," << num(x.inertia) << "\n";
      sil.push_back({{"K", x.K}, {"silhouette", jnum(x.silhouette)}, {"inertia", x.inertia}});
    }
    p << "cluster,runs,programs,median_mean_hvp,median_grad_std,instability_rate,mismatch_prevalence,unstable_runs,"
         "stable_runs,mismatch_runs,centre_mean_hvp_standardised,terminate\n";
    json ph = json::array();
    for (const auto& x : r.phenotypes) {
      p << x.cluster << "," << x.runs << "," << x.programs << "," << num(x.median_mean_hvp) << ","
        << num(x.median_grad_std) << "," << num(x.instability_rate) << "," << num(x.mismatch_prevalence) << ","
        << x.unstable << "," << x.stable << "," << x.mismatch << "," << num(x.centre_mean_hvp) << ","
        << (x.terminate ? 1 : 0) << "\n";
      ph.push_back({{"cluster", x.cluster}, {"runs", x.runs}, {"programs", x.programs},
                    {"median_mean_hvp", jnum(x.median_mean_hvp)}, {"median_grad_std", jnum(x.median_grad_std)},
                    {"instability_rate", jnum(x.instability_rate)},
                    {"mismatch_prevalence", jnum(x.mismatch_prevalence)}, {"unstable_runs", x.unstable},
                    {"stable_runs", x.stable}, {"mismatch_runs", x.mismatch},
                    {"centre_mean_hvp_standardised", x.centre_mean_hvp}, {"terminate", x.terminate}});
    }
    c << "run_id,program,cluster,unstable,pc1,pc2\n";
    for (const auto& x : r.pca)
      c << x.run_id << "," << x.program << "," << x.cluster << "," << x.unstable << "," << num(x.pc1) << "," << num(x.pc2)
        << "\n";
    files["table7_silhouette.csv"] = s.str();
    files["table7_phenotypes.csv"] = p.str();
    files["fig8_pca.csv"] = c.str();
    put_json("table7.json", {{"features", r.geometry_features},
                             {"scaling", "log10 of magnitudes clamped to [1e-12, 1e12]; median-imputed; standardised"},
                             {"kmeans", "k-means++ (2 + floor(ln K) trials), Lloyd, max_iter 300, tol 1e-4, best of " +
                                            std::to_string(o.restarts) + " restarts (scikit-learn 1.2)"},
                             {"K", o.triage_k}, {"silhouettes", sil}, {"phenotypes", ph},
                             {"pca_explained_variance_ratio", r.pca_explained}});
  }

  if (ran("triage")) {
    std::ostringstream f;
    f << "program,runs,tp,fp,fn,tn,precision,recall,f1\n";
    json per = json::array();
    for (const auto& c : r.triage_lopo) {
      f << counts_csv(c) << "\n";
      if (c.program != "all") per.push_back(counts_json(c));
    }
    files["triage_lopo.csv"] = f.str();
    put_json("triage.json",
             {{"K", o.triage_k},
              {"rule", "flag a run when its nearest centroid is the one of highest mean HVP ('terminate')"},
              {"lopo", counts_json(r.triage_lopo.back())},
              {"lopo_per_program", per},
              {"in_sample", counts_json(r.triage_in_sample)}});
  }

  if (ran("fig9")) {
    std::ostringstream f, p;
    f << "variant,k,point,precision,recall,threshold\n";
    int point = 0;
    std::string last;
    for (const auto& x : r.pr_curves) {
      const std::string key = x.variant + std::to_string(x.k);
      point = key == last ? point + 1 : 0;
      last = key;
      f << x.variant << "," << x.k << "," << point << "," << num(x.precision) << "," << num(x.recall) << ","
        << num(x.threshold) << "\n";
    }
    p << "rule,precision,recall\n";
    if (ran("triage")) {
      p << "lopo_triage," << num(r.triage_lopo.back().precision) << "," << num(r.triage_lopo.back().recall) << "\n";
      p << "in_sample_rule," << num(r.triage_in_sample.precision) << "," << num(r.triage_in_sample.recall) << "\n";
    }
    files["fig9_pr_curves.csv"] = f.str();
    files["fig9_operating_points.csv"] = p.str();
  }

  // Markdown summary.
  std::ostringstream md;
  md << "# RQ2: instability and curvature\n\n";
  md << "Corpus `" << r.corpus << "`: " << r.runs << " runs with at least one epoch (" << r.skipped_empty
     << " zero-epoch runs not evaluated), " << r.programs << " programs; " << r.cf_runs << " runs from " << r.cf_programs
     << " programs have the curvature channels. Instability: loss > " << sig4(o.thresholds[0])
     << " or non-finite at any logged epoch.\n\n## Parts\n\n| part | status |\n|---|---|\n";
  for (const auto& p : rq2_parts()) {
    const auto it = r.notes.find(p);
    md << "| " << p << " | " << (it == r.notes.end() ? "not requested" : it->second.empty() ? "done" : it->second)
       << " |\n";
  }
  if (ran("fig5a")) {
    md << "\n## Fig. 5a: first explosion\n\n| threshold | flagged | at epoch 0 | by epoch 1 | non-finite |\n|---|---|---|---|---|\n";
    for (const auto& t : r.thresholds)
      md << "| " << sig4(t.threshold) << " | " << t.unstable << " (" << num3(share(t.unstable, t.runs)) << ") | "
         << num3(share(t.at_epoch0, t.unstable)) << " | " << num3(share(t.by_epoch1, t.unstable)) << " | " << t.non_finite
         << " |\n";
  }
  if (ran("table6")) {
    md << "\n## Table VI: instability detection (" << r.detection_runs << " runs, " << r.detection_unstable
       << " unstable, " << r.detection_programs << " programs)\n\n| k | variant | split | ROC-AUC | PR-AUC |\n|---:|---|---|---|---|\n";
    for (size_t i = 0; i + 1 < r.detection.size(); i += 2) {
      const auto& a = r.detection[i];
      const auto& b = r.detection[i + 1];
      md << "| " << a.k << " | " << a.variant << " | " << a.split << " | " << ci3(a.value) << " | " << ci3(b.value) << " |\n";
    }
  }
  if (ran("table7")) {
    md << "\n## Table VII: k-means on epoch-0 curvature\n\n| K | silhouette |\n|---:|---|\n";
    for (const auto& s : r.silhouettes) md << "| " << s.K << " | " << num3(s.silhouette) << " |\n";
    md << "\n| cluster | runs | programs | median mean HVP | median grad std | unstable | mismatch |\n|---:|---:|---:|---|---|---|---|\n";
    for (const auto& p : r.phenotypes)
      md << "| " << p.cluster << (p.terminate ? " (terminate)" : "") << " | " << p.runs << " | " << p.programs << " | "
         << sig4(p.median_mean_hvp) << " | " << sig4(p.median_grad_std) << " | " << num3(p.instability_rate) << " | "
         << num3(p.mismatch_prevalence) << " |\n";
  }
  if (ran("triage")) {
    const auto& l = r.triage_lopo.back();
    const auto& s = r.triage_in_sample;
    md << "\n## Algorithm 1: triage (K = " << o.triage_k << ")\n\n| rule | TP | FP | FN | precision | recall | F1 |\n|---|---:|---:|---:|---|---|---|\n";
    md << "| LOPO | " << l.tp << " | " << l.fp << " | " << l.fn << " | " << num3(l.precision) << " | " << num3(l.recall)
       << " | " << num3(l.f1) << " |\n";
    md << "| in-sample | " << s.tp << " | " << s.fp << " | " << s.fn << " | " << num3(s.precision) << " | "
       << num3(s.recall) << " | " << num3(s.f1) << " |\n";
  }
  files["summary.md"] = md.str();
  return files;
}

}  // namespace dynfault::evaluate
