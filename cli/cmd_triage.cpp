// `dynfault triage fit|apply` (docs/triage.md): the paper's Algorithm 1 as a
// rule file. `fit` runs RQ2's triage part on a corpus and writes the in-sample
// rule with its leave-one-program-out validation; `apply` scores a rule on
// another corpus's epoch-0 probe rows without training anything. Applying a
// rule during training is `dynfault run|campaign run --triage rule.json`.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/corpus.h"
#include "core/error.h"
#include "core/seed.h"
#include "core/sha256.h"
#include "evaluate/engine.h"
#include "evaluate/features.h"
#include "evaluate/labels.h"
#include "evaluate/rq2.h"
#include "triage/rule.h"

namespace dynfault::cli {
namespace {

struct FitOptions {
  std::string corpus, out;
  int triage_k = 7, restarts = 10, hvp_vectors = kDefaultHvpVectors, probe_batch = kDefaultProbeBatch;
  std::string seed = "0", threshold = "1e6", epoch = "after_epoch_0";
  bool quiet = false;
};

triage::Counts counts_of(const evaluate::TriageCounts& c) {
  return {c.runs, c.tp, c.fp, c.fn, c.tn, c.precision, c.recall, c.f1};
}

std::string format_share(double x) {
  if (std::isnan(x)) return "n/a";
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << x;
  return s.str();
}

double parse_threshold(const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v) && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw Error("--threshold", "'" + text + "' is not a positive number");
}

void fit(const FitOptions& o) {
  if (o.epoch != "after_epoch_0" && o.epoch != "at_init") throw Error("--epoch", "'" + o.epoch + "' is neither after_epoch_0 nor at_init");
  if (o.out.empty()) throw Error("dynfault triage fit", "--out FILE is required");
  check_output_file(o.out);
  evaluate::Rq2Options ro;
  ro.thresholds = {parse_threshold(o.threshold)};
  ro.triage_k = o.triage_k;
  ro.clusters = {o.triage_k};
  ro.restarts = o.restarts;
  ro.seed = static_cast<uint32_t>(parse_seed("--seed", o.seed, 4294967295ULL));
  ro.windows = {1};  // the triage part reads epoch 0 only; the windows are checked against the runs
  ro.parts = {"triage"};
  ro.geometry_at_init = o.epoch == "at_init";
  evaluate::Engine engine(!o.quiet);
  const CorpusReader corpus(o.corpus);
  const evaluate::Rq2Output result = evaluate::run_rq2(corpus, ro, engine);
  const evaluate::Rq2Results& res = result.results;
  if (engine.rank() != 0) return;
  const auto& fit = res.triage_fit;
  if (fit.centroids.empty()) throw Error(o.corpus, "no triage rule could be fitted: " + res.notes.at("triage"));
  triage::Rule rule;
  rule.features = fit.features;
  rule.centroids = fit.centroids;
  rule.terminate_cluster = fit.terminate_cluster;
  rule.epoch = o.epoch;
  rule.hvp_vectors = o.hvp_vectors;
  rule.probe_batch = o.probe_batch;
  rule.instability_threshold = ro.thresholds[0];
  rule.corpus = o.corpus;
  rule.corpus_sha256 = sha256_file_hex(o.corpus);
  rule.fit_runs = fit.runs;
  rule.fit_programs = fit.programs;
  rule.fit_unstable = fit.unstable;
  rule.seed = ro.seed;
  rule.restarts = ro.restarts;
  rule.lopo = counts_of(res.triage_lopo.back());
  rule.in_sample = counts_of(res.triage_in_sample);
  triage::write_rule(o.out, rule);
  std::cout << "triage rule: K=" << rule.K() << ", " << rule.features.size() << " features, terminate cluster "
            << rule.terminate_cluster << ", fitted on " << rule.fit_runs << " runs (" << rule.fit_unstable
            << " unstable) of " << rule.fit_programs << " programs; LOPO precision " << format_share(rule.lopo.precision)
            << ", recall " << format_share(rule.lopo.recall) << " -> " << o.out << "\n"
            << "checksum " << triage::checksum(rule) << "\n";
}

struct ApplyOptions {
  std::string corpus, rule, out;
};

// The rule on every run of a corpus with a logged epoch: what it would have
// stopped, against the corpus's own instability label.
void apply(const ApplyOptions& o) {
  const triage::Rule rule = triage::read_rule(o.rule);
  if (!o.out.empty()) check_output_file(o.out);
  const CorpusReader corpus(o.corpus);
  const evaluate::RunTable table = evaluate::load_runs(corpus, evaluate::LabelSource::Every, true);
  const evaluate::Labeling unstable = evaluate::instability_labels(table, rule.instability_threshold);
  const std::string missing = triage::missing_channels(rule, table.all_channels);
  if (!missing.empty()) throw Error(o.corpus, missing);
  triage::Counts c;
  std::ostringstream runs;
  runs << "run_id,program,cluster,flagged,unstable\n";
  for (size_t r = 0; r < table.runs.size(); ++r) {
    const Eigen::MatrixXd& s = table.series[r];
    const triage::Decision d = triage::decide(rule, [&](const std::string& channel) {
      for (size_t j = 0; j < table.channels.size(); ++j)
        if (table.channels[j] == channel && table.has_channel[r][j]) return s(0, static_cast<Eigen::Index>(j));
      return std::nan("");
    });
    const bool u = unstable.y[r] == 1;
    ++c.runs;
    c.tp += d.terminate && u;
    c.fp += d.terminate && !u;
    c.fn += !d.terminate && u;
    c.tn += !d.terminate && !u;
    runs << table.runs[r].run_id << "," << table.runs[r].program << "," << d.cluster << "," << d.terminate << ","
         << u << "\n";
  }
  c = triage::with_ratios(c);
  if (!o.out.empty()) write_file_atomically(o.out, runs.str());
  std::cout << o.corpus << ": " << c.runs << " runs, " << (c.tp + c.fp) << " flagged; tp " << c.tp << ", fp " << c.fp
            << ", fn " << c.fn << ", tn " << c.tn << "; precision " << format_share(c.precision) << ", recall "
            << format_share(c.recall) << " (rule fitted on " << rule.corpus << ": LOPO precision "
            << format_share(rule.lopo.precision) << ", recall " << format_share(rule.lopo.recall) << ")\n";
}

}  // namespace

static Register triage_command("triage", "Fit the epoch-0 curvature triage rule (Algorithm 1) or score it on a corpus",
                               [](CLI::App& sub) {
  sub.require_subcommand(1);
  auto f = std::make_shared<FitOptions>();
  CLI::App* fit_cmd = sub.add_subcommand("fit", "Fit the rule on every program of a corpus and write it (JSON)");
  fit_cmd->add_option("corpus", f->corpus, "corpus file (HDF5) with CF traces")->required();
  fit_cmd->add_option("--out", f->out, "rule file to write (JSON, written atomically)")->required();
  fit_cmd->add_option("--triage-k", f->triage_k, "K of the k-means clustering")->capture_default_str();
  fit_cmd->add_option("--restarts", f->restarts, "k-means restarts (n_init)")->capture_default_str();
  fit_cmd->add_option("--seed", f->seed, "seed of the k-means restarts")->capture_default_str();
  fit_cmd->add_option("--threshold", f->threshold, "instability threshold on train/val loss")->capture_default_str();
  fit_cmd->add_option("--hvp-vectors", f->hvp_vectors, "the --hvp-vectors the corpus was probed with")
      ->capture_default_str();
  fit_cmd->add_option("--probe-batch", f->probe_batch, "the --probe-batch the corpus was probed with")
      ->capture_default_str();
  fit_cmd->add_option("--epoch", f->epoch, "when the rule looks: after_epoch_0 (the probe row of the first epoch, as the paper) or at_init (before any update)")->capture_default_str();
  fit_cmd->add_flag("--quiet", f->quiet, "no progress lines");
  fit_cmd->callback([f] { fit(*f); });

  auto a = std::make_shared<ApplyOptions>();
  CLI::App* apply_cmd = sub.add_subcommand("apply", "Score a rule on a corpus's epoch-0 rows (nothing is trained)");
  apply_cmd->add_option("corpus", a->corpus, "corpus file (HDF5)")->required();
  apply_cmd->add_option("rule", a->rule, "rule file from `dynfault triage fit`")->required();
  apply_cmd->add_option("--out", a->out, "per-run decisions (CSV: run_id, program, cluster, flagged, unstable)");
  apply_cmd->callback([a] { apply(*a); });
});

}  // namespace dynfault::cli
