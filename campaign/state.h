#pragma once
// What is done and what is left of one campaign directory, rebuilt from the
// plan and the journal alone. Replaying the journal's done records in order
// re-derives the kill verdicts (recorded verdicts win over recomputation, so a
// campaign resumed by a newer dynfault stays consistent) and, from them, the
// tasks DeepCrime's searches scheduled at run time, with the same ids.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/program_spec.h"
#include "core/run_task.h"
#include "campaign/journal.h"
#include "campaign/plan.h"

namespace dynfault::campaign {

class CampaignState {
 public:
  CampaignState(Plan plan, const JournalContents& journal);

  const Plan& plan() const { return plan_; }
  size_t size() const { return plan_.tasks.size(); }  // tasks known so far (grows with searches)
  const RunTask& task(size_t i) const { return plan_.tasks[i]; }
  RunTask task_with_spec(size_t i) const { return plan_.task_with_spec(i); }
  std::optional<size_t> find(const std::string& task_id) const;
  bool is_done(size_t i) const { return done_[i]; }

  // Unfinished tasks, largest expected cost first (ties by id).
  std::vector<size_t> pending() const;

  struct Update {
    std::vector<VerdictRecord> verdicts;  // new verdicts to journal
    std::vector<size_t> new_tasks;        // tasks a search scheduled
  };
  // Marks task i finished with its kill metric and trace status.
  Update record_done(size_t i, double metric, const std::string& status);

  // Verdicts not yet in the journal that replay produced (e.g. the journal lost
  // them to a torn write): journal them with the next flush.
  std::vector<VerdictRecord> take_unjournaled_verdicts();

  size_t done_count() const { return done_count_; }
  size_t crashed_count() const { return crashed_; }
  size_t killed_count() const { return killed_; }
  size_t verdict_count() const { return verdicts_.size(); }
  bool complete() const { return done_count_ == plan_.tasks.size(); }
  // The verdict of (program, mutant), if decided.
  const VerdictRecord* verdict(const std::string& program, const std::string& mutant_id) const;
  const std::map<std::pair<std::string, std::string>, VerdictRecord>& verdicts() const { return verdicts_; }

 private:
  struct Group {  // the repeats of one original or mutant
    std::string program, mutant_id, category, search;
    std::vector<size_t> tasks;
    size_t finished = 0;
  };
  size_t add_task(RunTask t);
  void try_decide(const std::string& program, const std::string& mutant_id, Update& update);
  void schedule(const PlannedMutant& m, Update& update);
  const ProgramSpec& original_spec(const std::string& program);

  Plan plan_;
  std::vector<bool> done_;
  std::vector<double> metric_;
  std::vector<bool> crashed_task_;  // finished with status "crashed" (no epoch)
  std::vector<bool> terminated_task_;  // finished with status "terminated" (a triage rule stopped it)
  // Task id -> index, keyed by the id's FNV-1a 64 hash (a million ids are not copied a second
  // time); ids that share a hash share its key, and the task's own id tells them apart.
  std::unordered_multimap<uint64_t, size_t> index_;
  std::map<std::pair<std::string, std::string>, Group> groups_;  // (program, mutant id or "")
  Group* last_group_ = nullptr;  // add_task's last group (map nodes do not move)
  std::map<std::string, const PlannedSearch*> searches_;         // key -> search
  std::map<std::pair<std::string, std::string>, std::string> search_of_;  // (program, mutant) -> search key
  std::map<std::pair<std::string, std::string>, std::string> parameters_; // (program, mutant) -> parameters
  std::map<std::pair<std::string, std::string>, VerdictRecord> verdicts_;
  std::map<std::pair<std::string, std::string>, VerdictRecord> journaled_;  // as found in the journal
  std::vector<VerdictRecord> unjournaled_;
  std::map<std::string, ProgramSpec> originals_;
  size_t done_count_ = 0, crashed_ = 0, killed_ = 0;
  bool replaying_ = false;
};

}  // namespace dynfault::campaign
