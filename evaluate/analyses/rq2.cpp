// `dynfault evaluate rq2`: when instability happens and whether curvature detects it (rq2.h).

#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/rq2.h"

namespace dynfault::evaluate {
namespace {

class Rq2Analysis : public Analysis {
 public:
  std::string summary() const override { return "RQ2: instability onset, detection and curvature triage"; }
  std::vector<std::string> options() const override {
    return {"--k",       "--table-k", "--folds",    "--bootstrap", "--seed",  "--no-shuffle", "--include-terminated",
            "--thresholds", "--clusters", "--triage-k", "--restarts", "--parts"};
  }
  AnalysisOutput run(const CorpusReader& corpus, const AnalysisArgs& a, Engine& engine) const override {
    Rq2Options o;
    o.thresholds = parse_double_list(a.thresholds, "--thresholds");
    o.windows = parse_int_list(a.windows, "--k");
    o.mismatch_window = a.table_window;
    o.folds = a.folds;
    o.bootstrap = a.bootstrap;
    o.seed = parse_analysis_seed(a.seed);
    o.shuffle_within = !a.no_shuffle;
    o.clusters = parse_int_list(a.clusters, "--clusters");
    o.triage_k = a.triage_k;
    o.restarts = a.restarts;
    o.parts = split_names(a.parts);
    o.include_terminated = a.include_terminated;
    o.dump = a.dump;
    Rq2Output result = run_rq2(corpus, o, engine);
    AnalysisOutput out;
    out.files = render_rq2(result.results);
    out.dump = std::move(result.dump);
    size_t unstable = 0;
    for (const auto& t : result.results.thresholds)
      if (t.threshold == o.thresholds[0]) unstable = t.unstable;
    out.summary = std::to_string(result.results.runs) + " runs, " + std::to_string(unstable) + " unstable, " +
                  std::to_string(result.results.cf_runs) + " with curvature";
    return out;
  }
};

}  // namespace

DYNFAULT_ANALYSIS(rq2) { return std::make_unique<Rq2Analysis>(); }

}  // namespace dynfault::evaluate
