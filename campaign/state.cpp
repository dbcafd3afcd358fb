#include "campaign/state.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "core/seed.h"
#include "campaign/decide.h"

namespace dynfault::campaign {

CampaignState::CampaignState(Plan plan, const JournalContents& journal) : plan_(std::move(plan)) {
  std::vector<RunTask> planned;
  planned.swap(plan_.tasks);
  plan_.tasks.reserve(planned.size());
  index_.reserve(planned.size());
  for (auto& t : planned) add_task(std::move(t));
  for (const auto& s : plan_.searches) searches_[s.key] = &s;
  for (const auto& m : plan_.mutants) {
    parameters_[{m.program, m.mutant_id}] = m.parameters;
    if (!m.search.empty()) {
      if (!searches_.count(m.search)) throw Error("plan", "mutant " + m.mutant_id + " names unknown search " + m.search);
      search_of_[{m.program, m.mutant_id}] = m.search;
    }
  }
  for (const auto& v : journal.verdicts) journaled_[{v.program, v.mutant_id}] = v;

  // Replay in journal order. A search's tasks are journaled after the records
  // that scheduled them, so every id is known by the time it is reached; ids
  // still unknown at the end mean the journal belongs to another plan.
  replaying_ = true;
  const std::string journal_file = journal.path.empty() ? "journal" : journal.path;
  std::vector<const DoneRecord*> deferred;
  auto apply = [&](const DoneRecord& r) {
    const auto i = find(r.task_id);
    if (!i) return false;
    if (done_[*i]) throw Error(journal_file, "task '" + r.task_id + "' is recorded as finished twice");
    record_done(*i, r.metric, r.status);
    return true;
  };
  for (const auto& r : journal.done)
    if (!apply(r)) deferred.push_back(&r);
  for (bool progress = true; progress && !deferred.empty();) {
    progress = false;
    for (auto it = deferred.begin(); it != deferred.end();) {
      if (apply(**it)) {
        it = deferred.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
  if (!deferred.empty())
    throw Error(journal_file, "records task '" + deferred.front()->task_id + "', which this campaign's plan does not have");
  replaying_ = false;
}

size_t CampaignState::add_task(RunTask t) {
  const size_t i = plan_.tasks.size();
  if (find(t.run_id)) throw Error("campaign", "duplicate task id '" + t.run_id + "'");
  index_.emplace(fnv1a64(t.run_id), i);
  // A plan lists a group's repeats together: look the group up once per run of them.
  if (!last_group_ || last_group_->program != t.program || last_group_->mutant_id != t.mutant_id)
    last_group_ = &groups_[{t.program, t.mutant_id}];
  Group& g = *last_group_;
  if (g.tasks.empty()) {
    g.program = t.program;
    g.mutant_id = t.mutant_id;
    g.category = category_text(t.category);
  }
  g.tasks.push_back(i);
  plan_.tasks.push_back(std::move(t));
  done_.push_back(false);
  metric_.push_back(0);
  crashed_task_.push_back(false);
  terminated_task_.push_back(false);
  return i;
}

std::optional<size_t> CampaignState::find(const std::string& task_id) const {
  const auto [first, last] = index_.equal_range(fnv1a64(task_id));
  for (auto it = first; it != last; ++it)
    if (plan_.tasks[it->second].run_id == task_id) return it->second;
  return std::nullopt;
}

std::vector<size_t> CampaignState::pending() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < plan_.tasks.size(); ++i)
    if (!done_[i]) out.push_back(i);
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    const auto &ta = plan_.tasks[a], &tb = plan_.tasks[b];
    return ta.expected_cost != tb.expected_cost ? ta.expected_cost > tb.expected_cost : ta.run_id < tb.run_id;
  });
  return out;
}

const ProgramSpec& CampaignState::original_spec(const std::string& program) {
  auto it = originals_.find(program);
  if (it == originals_.end()) {
    const auto text = plan_.specs.find(spec_key(program, ""));
    if (text == plan_.specs.end()) throw Error("plan", "no spec for program " + program);
    it = originals_.emplace(program, spec_from_plan_text(text->second, "plan: " + program)).first;
  }
  return it->second;
}

CampaignState::Update CampaignState::record_done(size_t i, double metric, const std::string& status) {
  Update update;
  if (done_.at(i)) throw Error("campaign", "task '" + plan_.tasks[i].run_id + "' finished twice");
  done_[i] = true;
  metric_[i] = status == "terminated" ? std::numeric_limits<double>::quiet_NaN() : metric;  // not an outcome
  crashed_task_[i] = status == "crashed";
  terminated_task_[i] = status == "terminated";
  ++done_count_;
  if (status == "crashed") ++crashed_;
  // Copies: deciding may schedule search tasks, which grows plan_.tasks.
  const std::string program = plan_.tasks[i].program, mutant_id = plan_.tasks[i].mutant_id;
  Group& g = groups_.at({program, mutant_id});
  ++g.finished;
  if (g.finished < g.tasks.size()) return update;
  if (mutant_id.empty()) {
    // The original is complete: every mutant of the program that was waiting for it can be decided.
    std::vector<std::string> waiting;
    for (const auto& [key, group] : groups_)
      if (key.first == program && !key.second.empty() && group.finished == group.tasks.size())
        waiting.push_back(key.second);
    for (const auto& m : waiting) try_decide(program, m, update);
  } else {
    try_decide(program, mutant_id, update);
  }
  return update;
}

void CampaignState::try_decide(const std::string& program, const std::string& mutant_id, Update& update) {
  const auto key = std::make_pair(program, mutant_id);
  if (verdicts_.count(key)) return;
  const auto original = groups_.find({program, ""});
  if (original == groups_.end() || original->second.finished < original->second.tasks.size()) return;
  const Group& mutant = groups_.at(key);

  std::vector<double> a;
  std::vector<mutate::RepeatOutcome> original_runs, mutant_runs;
  for (size_t i : original->second.tasks) {
    a.push_back(metric_[i]);
    original_runs.push_back({metric_[i], crashed_task_[i], terminated_task_[i]});
  }
  for (size_t i : mutant.tasks) mutant_runs.push_back({metric_[i], crashed_task_[i], terminated_task_[i]});
  VerdictRecord v;
  if (const auto j = journaled_.find(key); j != journaled_.end()) {
    v = j->second;
  } else {
    const auto k = decide_kill(original_runs, mutant_runs, original_spec(program));
    if (!k) return;  // fewer than 2 runs a side: no verdict, no search step
    const bool tested = k->reason == mutate::KillVerdict::Reason::Test;
    v.mutant_id = mutant_id;
    v.program = program;
    v.killed = k->killed;
    v.label = k->killed ? mutant.category : "";
    v.p_reported = tested ? k->test.p_reported : std::numeric_limits<double>::quiet_NaN();
    v.d = tested ? k->test.d : std::numeric_limits<double>::quiet_NaN();
    v.original_runs = static_cast<int64_t>(original_runs.size());
    v.mutant_runs = static_cast<int64_t>(mutant_runs.size());
    v.reason = mutate::to_string(k->reason);
    v.dropped_original = static_cast<int64_t>(k->dropped_original);
    v.dropped_mutant = static_cast<int64_t>(k->dropped_mutant);
    v.terminated_original = static_cast<int64_t>(k->terminated_original);
    v.terminated_mutant = static_cast<int64_t>(k->terminated_mutant);
    if (replaying_) unjournaled_.push_back(v);
    else update.verdicts.push_back(v);
  }
  verdicts_[key] = v;
  if (v.killed) ++killed_;

  // A search moves on once the setting it proposed has a verdict. The search
  // is a pure function of all its finished settings (mutate/search.h).
  const auto s = search_of_.find(key);
  if (s == search_of_.end()) return;
  const PlannedSearch& search = *searches_.at(s->second);
  std::vector<SearchTrialRuns> trials;
  for (const auto& [mkey, search_key] : search_of_) {
    if (search_key != search.key || !verdicts_.count(mkey)) continue;
    SearchTrialRuns t;
    t.parameters = parameters_.at(mkey);
    for (size_t i : groups_.at(mkey).tasks) t.values.push_back(metric_[i]);
    trials.push_back(std::move(t));
  }
  if (auto next = next_search_mutant(search, original_spec(program), a, trials)) schedule(*next, update);
}

void CampaignState::schedule(const PlannedMutant& m, Update& update) {
  const std::string key = spec_key(m.program, m.mutant_id);
  if (plan_.specs.count(key))
    throw Error("search " + m.search, "proposed mutant '" + m.mutant_id + "' twice (a search must not revisit a setting)");
  plan_.specs[key] = m.spec;
  plan_.mutants.push_back(m);
  parameters_[{m.program, m.mutant_id}] = m.parameters;
  search_of_[{m.program, m.mutant_id}] = m.search;
  const ProgramSpec spec = spec_from_plan_text(m.spec, "mutant " + m.mutant_id);
  const ProgramSpec& original = original_spec(m.program);
  RunIdentity run;
  run.program = m.program;
  run.architecture = original.architecture;
  run.mutant_id = m.mutant_id;
  run.operator_name = m.operator_name;
  run.category = parse_optional_category(m.category, "mutant " + m.mutant_id);
  run.parameters = m.parameters;
  const double cost = estimate_cost(spec, plan_.settings.scale, probes_for(plan_.settings, m.program));
  for (auto& t : repeat_tasks(plan_.settings, run, cost)) update.new_tasks.push_back(add_task(std::move(t)));
}

std::vector<VerdictRecord> CampaignState::take_unjournaled_verdicts() {
  std::vector<VerdictRecord> out;
  out.swap(unjournaled_);
  return out;
}

const VerdictRecord* CampaignState::verdict(const std::string& program, const std::string& mutant_id) const {
  const auto it = verdicts_.find({program, mutant_id});
  return it == verdicts_.end() ? nullptr : &it->second;
}

}  // namespace dynfault::campaign
