// `dynfault evaluate rq3`: train/validation mismatch detection with the CF and OF probes (rq3.h).

#include "evaluate/analysis.h"
#include "evaluate/rq3.h"

namespace dynfault::evaluate {
namespace {

class Rq3Analysis : public Analysis {
 public:
  std::string summary() const override { return "RQ3: train/validation mismatch with the CF and OF probes"; }
  std::vector<std::string> options() const override {
    return {"--k", "--table-k", "--folds", "--bootstrap", "--seed", "--no-shuffle", "--include-terminated", "--thresholds", "--gap-rule"};
  }
  AnalysisOutput run(const CorpusReader& corpus, const AnalysisArgs& a, Engine& engine) const override {
    Rq3Options o;
    o.windows = parse_int_list(a.windows, "--k");
    o.table_window = a.table_window;
    o.folds = a.folds;
    o.bootstrap = a.bootstrap;
    o.seed = parse_analysis_seed(a.seed);
    o.shuffle_within = !a.no_shuffle;
    const std::vector<double> thresholds = parse_double_list(a.thresholds, "--thresholds");
    if (thresholds.empty()) throw Error("--thresholds", "no threshold given");
    o.instability_threshold = thresholds[0];  // RQ2's instability label: stable runs are RQ3's
    o.gap_rule = parse_gap_rule(a.gap_rule);
    o.include_terminated = a.include_terminated;
    o.dump = a.dump;
    Rq3Output result = run_rq3(corpus, o, engine);
    AnalysisOutput out;
    out.files = render_rq3(result.results);
    out.dump = std::move(result.dump);
    const Rq3Results& r = result.results;
    out.summary = std::to_string(r.labelled) + " stable runs with accuracy (" + std::to_string(r.runs_cf) + " CF, " +
                  std::to_string(r.runs_of) + " OF), control " + r.control;
    return out;
  }
};

}  // namespace

DYNFAULT_ANALYSIS(rq3) { return std::make_unique<Rq3Analysis>(); }

}  // namespace dynfault::evaluate
