// `dynfault evaluate rq1`: within-program vs program-held-out diagnosis (rq1.h).

#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/rq1.h"

namespace dynfault::evaluate {
namespace {

class Rq1Analysis : public Analysis {
 public:
  std::string summary() const override { return "RQ1: within-program vs program-held-out fault diagnosis"; }
  std::vector<std::string> options() const override {
    return {"--k",     "--table-k",   "--channels", "--tasks", "--labels", "--folds",
            "--bootstrap", "--permutations", "--seed", "--no-shuffle", "--include-terminated"};
  }
  AnalysisOutput run(const CorpusReader& corpus, const AnalysisArgs& a, Engine& engine) const override {
    Rq1Options o;
    o.channels = a.channels;
    o.labels = parse_label_source(a.labels);
    o.windows = parse_int_list(a.windows, "--k");
    o.table_window = a.table_window;
    o.folds = a.folds;
    o.bootstrap = a.bootstrap;
    o.permutations = a.permutations;
    o.seed = parse_analysis_seed(a.seed);
    o.shuffle_within = !a.no_shuffle;
    o.tasks = split_names(a.tasks);
    o.include_terminated = a.include_terminated;
    o.dump = a.dump;
    Rq1Output result = run_rq1(corpus, o, engine);
    AnalysisOutput out;
    out.files = render_rq1(result.results);
    out.dump = std::move(result.dump);
    out.summary = std::to_string(result.results.runs) + " runs, " + std::to_string(result.results.programs) +
                  " programs";
    return out;
  }
};

}  // namespace

DYNFAULT_ANALYSIS(rq1) { return std::make_unique<Rq1Analysis>(); }

}  // namespace dynfault::evaluate
