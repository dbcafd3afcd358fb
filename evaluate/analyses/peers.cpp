// `dynfault evaluate peers`: DEFault, DeepFD, AutoTrainer and DeepDiagnosis re-evaluated (peers.h, docs/peers.md).

#include "core/text.h"
#include "evaluate/analysis.h"
#include "evaluate/peers.h"

namespace dynfault::evaluate {
namespace {

class PeersAnalysis : public Analysis {
 public:
  std::string summary() const override {
    return "Peers: DEFault/DeepFD diagnosis within vs held-out (Fig. 13), AutoTrainer/DeepDiagnosis rule firing";
  }
  std::vector<std::string> options() const override {
    return {"--table-k", "--labels", "--folds", "--bootstrap", "--seed", "--no-shuffle", "--include-terminated", "--techniques", "--classifiers", "--rf-grid"};
  }
  AnalysisOutput run(const CorpusReader& corpus, const AnalysisArgs& a, Engine& engine) const override {
    PeersOptions o;
    o.k = a.table_window;
    o.labels = parse_label_source(a.labels);
    o.folds = a.folds;
    o.bootstrap = a.bootstrap;
    o.seed = parse_analysis_seed(a.seed);
    o.shuffle_within = !a.no_shuffle;
    o.techniques = split_names(a.techniques);
    o.classifiers = split_names(a.peer_classifiers);
    o.include_terminated = a.include_terminated;
    o.rf_grid = a.rf_grid;
    o.dump = a.dump;
    PeersOutput result = run_peers(corpus, o, engine);
    AnalysisOutput out;
    out.files = render_peers(result.results);
    out.dump = std::move(result.dump);
    out.summary = std::to_string(result.results.runs) + " runs, " + std::to_string(result.results.programs) +
                  " programs, " + std::to_string(result.results.fig13.size()) + " Fig. 13 rows";
    return out;
  }
};

}  // namespace

DYNFAULT_ANALYSIS(peers) { return std::make_unique<PeersAnalysis>(); }

}  // namespace dynfault::evaluate
