#include "cli/run_mutant.h"

#include <iostream>

#include "core/corpus.h"
#include "core/error.h"
#include "core/run_task.h"
#include "mutate/kill.h"
#include "mutate/mutant.h"
#include "runner/library.h"

namespace dynfault::cli {

void run_mutant_repeats(const runner::RunRequest& base, const MutantRunOptions& o) {
  if (o.repeats < 2) throw Error("--repeats", "the kill test needs at least 2 repeats, got " + std::to_string(o.repeats));
  const ProgramSpec& original = base.spec;
  const mutate::Mutant mutant = mutate::find_mutant(original, o.mutant_id);
  const mutate::KillMetric metric = mutate::kill_metric_for(original);

  std::unique_ptr<CorpusWriter> corpus;
  if (!o.out.empty()) corpus = std::make_unique<CorpusWriter>(o.out);

  // The campaign's run ids and seeds (make_task_id, task_seed): the same command
  // reproduces every trace, and a campaign with the same seed trains the same runs.
  std::vector<Trace> originals, mutants;
  std::vector<mutate::RepeatOutcome> original_runs, mutant_runs;
  for (int r = 0; r < o.repeats; ++r) {
    for (const bool is_mutant : {false, true}) {
      runner::RunRequest req = base;
      const std::string run_id = make_task_id(original.id, is_mutant ? mutant.id : "", r);
      req.run_id = run_id;
      req.repeat = r;
      req.seed = task_seed(base.seed, run_id);
      if (is_mutant) {
        req.spec = mutant.spec;
        req.mutant_id = mutant.id;
        req.operator_name = mutant.operator_name;
        req.category = mutant.category;
        req.parameters = mutant.parameters.dump();
      }
      Trace t = runner::runner_library().train_and_trace(req);
      const double value = mutate::kill_metric(t, original);
      (is_mutant ? mutant_runs : original_runs).push_back({value, t.status == RunStatus::Crashed, t.status == RunStatus::Terminated});
      std::cerr << run_id << ": " << to_string(t.status) << ", " << metric.channel << " = " << value << "\n";
      (is_mutant ? mutants : originals).push_back(std::move(t));
    }
  }
  const mutate::KillOptions options = mutate::kill_options_for(original);
  // The campaign's verdict (mutate::kill_verdict): killed by crash, non-finite repeats dropped.
  const mutate::KillVerdict verdict = mutate::kill_verdict(original_runs, mutant_runs, options);

  if (corpus) {
    for (const auto& t : originals) corpus->add(t, RunVerdict{-1, ""});
    for (const auto& t : mutants)
      corpus->add(t, RunVerdict{verdict.killed ? 1 : 0, verdict.killed ? t.category : ""});
    corpus->finish();
  }
  nlohmann::json j = verdict.reason == mutate::KillVerdict::Reason::Test ? mutate::to_json(verdict.test, options)
                                                                         : nlohmann::json{{"killed", verdict.killed}};
  j["killed"] = verdict.killed;
  j["reason"] = mutate::to_string(verdict.reason);
  j["dropped_original"] = verdict.dropped_original;
  j["dropped_mutant"] = verdict.dropped_mutant;
  j["terminated_original"] = verdict.terminated_original;
  j["terminated_mutant"] = verdict.terminated_mutant;
  if (!verdict.note.empty()) j["verdict_note"] = verdict.note;
  j["program"] = original.id;
  j["mutant"] = mutant.id;
  j["operator"] = mutant.operator_name;
  j["category"] = to_string(mutant.category);
  j["change"] = mutant.change;
  j["metric"] = metric.channel;
  j["repeats"] = o.repeats;
  std::cout << j.dump(2) << "\n";
}

}  // namespace dynfault::cli
