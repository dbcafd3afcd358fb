#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>

#include "core/error.h"
#include "helpers.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/state.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;
using campaign_test::zoo;

namespace {

Plan small_plan(int repeats = 4) {
  CampaignSettings s;
  s.programs = {"31556268"};
  s.selection = "list:31556268";
  s.repeats = repeats;
  s.probes = ProbeSet{{"of"}};
  s.scale = Scale::Smoke;
  s.seed = 5;
  return make_plan(s, zoo());
}

// A made-up kill metric: change_epochs settings and loss-function mutants lose
// accuracy (killed); the others keep it (survive). Small noise per repeat.
double fake_metric(const RunTask& t) {
  const double noise = 0.001 * static_cast<double>(t.repeat % 3);
  if (t.operator_name == "change_epochs" || t.category == FaultCategory::Loss) return 0.5 + noise;
  return 0.9 + noise;
}

DoneRecord record_of(const RunTask& t) {
  DoneRecord r;
  r.task_id = t.run_id;
  r.status = "ok";
  r.batch = "batch-000001.h5";
  r.metric = fake_metric(t);
  return r;
}

// Runs the whole campaign in memory, in the dispatch order, journaling as the master would.
JournalContents run_all(CampaignState& state) {
  JournalContents journal;
  for (auto pending = state.pending(); !pending.empty(); pending = state.pending()) {
    for (size_t i : pending) {
      const DoneRecord r = record_of(state.task(i));
      const auto update = state.record_done(i, r.metric, r.status);
      journal.done.push_back(r);
      for (const auto& v : update.verdicts) journal.verdicts.push_back(v);
    }
  }
  return journal;
}

}  // namespace

TEST(State, PendingIsLargestFirst) {
  const CampaignState state(small_plan(), JournalContents{});
  const auto pending = state.pending();
  ASSERT_EQ(pending.size(), state.size());
  for (size_t k = 1; k < pending.size(); ++k)
    EXPECT_GE(state.task(pending[k - 1]).expected_cost, state.task(pending[k]).expected_cost);
}

TEST(State, VerdictsAndSearchesFollowFinishedRepeats) {
  const Plan plan = small_plan();
  ASSERT_FALSE(plan.searches.empty()) << "31556268 should have a binary-search operator (change_epochs)";
  CampaignState state(plan, JournalContents{});
  const size_t planned = state.size();
  const JournalContents journal = run_all(state);
  EXPECT_TRUE(state.complete());
  EXPECT_GT(state.size(), planned) << "the change_epochs search should schedule settings after the extreme";
  // Every mutant got a verdict, in line with the metric.
  std::set<std::string> epochs_settings;
  for (const auto& m : state.plan().mutants) {
    const VerdictRecord* v = state.verdict(m.program, m.mutant_id);
    ASSERT_NE(v, nullptr) << m.mutant_id;
    const bool should_kill = m.operator_name == "change_epochs" || m.category == "Loss";
    EXPECT_EQ(v->killed, should_kill) << m.mutant_id;
    EXPECT_EQ(v->label, should_kill ? m.category : "");
    if (m.operator_name == "change_epochs") epochs_settings.insert(m.parameters);
  }
  // Killed at every setting: the bisection walks down to the original's neighbour.
  EXPECT_GE(epochs_settings.size(), 3u);
  EXPECT_EQ(journal.verdicts.size(), state.plan().mutants.size());

  // Replaying the journal rebuilds the same state: same tasks (with the
  // searched ones), same verdicts, nothing pending, nothing to journal again.
  CampaignState replayed(plan, journal);
  EXPECT_EQ(replayed.size(), state.size());
  EXPECT_TRUE(replayed.complete());
  EXPECT_EQ(replayed.killed_count(), state.killed_count());
  EXPECT_TRUE(replayed.take_unjournaled_verdicts().empty());
  for (size_t i = 0; i < state.size(); ++i) EXPECT_EQ(replayed.task(i), state.task(i));

  // Without the verdict records (a torn write lost them) they are recomputed and handed back.
  JournalContents no_verdicts = journal;
  no_verdicts.verdicts.clear();
  CampaignState recomputed(plan, no_verdicts);
  EXPECT_TRUE(recomputed.complete());
  EXPECT_EQ(recomputed.take_unjournaled_verdicts().size(), journal.verdicts.size());
}

TEST(State, PartialJournalLeavesTheRestPending) {
  const Plan plan = small_plan();
  CampaignState full(plan, JournalContents{});
  const JournalContents journal = run_all(full);
  for (size_t cut : {size_t(0), size_t(1), journal.done.size() / 2, journal.done.size() - 1}) {
    JournalContents partial;
    partial.done.assign(journal.done.begin(), journal.done.begin() + static_cast<long>(cut));
    CampaignState s(plan, partial);
    EXPECT_EQ(s.done_count(), cut);
    // Finishing the rest gives the same campaign as the uninterrupted run.
    run_all(s);
    EXPECT_EQ(s.size(), full.size()) << "cut " << cut;
    EXPECT_EQ(s.killed_count(), full.killed_count());
  }
}

TEST(State, JournalOfAnotherPlanIsRefused) {
  JournalContents j;
  DoneRecord r;
  r.task_id = "99999999.orig.r000";
  r.status = "ok";
  j.done.push_back(r);
  EXPECT_THROW(CampaignState(small_plan(), j), Error);
  JournalContents twice;
  DoneRecord a;
  a.task_id = small_plan().tasks[0].run_id;
  a.status = "ok";
  twice.done = {a, a};
  EXPECT_THROW(CampaignState(small_plan(), twice), Error);
}

TEST(State, OriginalFinishingLastDecidesEveryWaitingMutant) {
  // The original's last repeat arrives after every mutant: deciding a search
  // mutant schedules tasks (the task table grows) while other mutants still
  // wait for their verdict. (Found by the SIGKILL fault test.)
  const Plan plan = small_plan();
  CampaignState state(plan, JournalContents{});
  std::vector<size_t> originals;
  for (size_t i : state.pending()) {
    if (state.task(i).is_original()) {
      originals.push_back(i);
      continue;
    }
    state.record_done(i, fake_metric(state.task(i)), "ok");
  }
  size_t waiting = 0;
  for (const auto& m : state.plan().mutants) waiting += state.verdict(m.program, m.mutant_id) == nullptr;
  EXPECT_EQ(waiting, state.plan().mutants.size());
  for (size_t i : originals) state.record_done(i, fake_metric(state.task(i)), "ok");
  for (const auto& m : state.plan().mutants) {
    const bool scheduled_now = !state.is_done(*state.find(make_task_id(m.program, m.mutant_id, 0)));
    if (!scheduled_now) {
      EXPECT_NE(state.verdict(m.program, m.mutant_id), nullptr) << m.mutant_id;
    }
  }
}

TEST(State, OneRepeatGivesNoVerdicts) {
  CampaignState state(small_plan(1), JournalContents{});
  run_all(state);
  EXPECT_TRUE(state.complete());
  EXPECT_EQ(state.verdict_count(), 0u);
}

// docs/kill.md "Crashes and non-finite repeats": a mutant whose every repeat
// crashed is killed by crash (labelled with its category); an original with a
// NaN repeat still lets its mutants be decided, on the finite repeats, and the
// journal records why and how many repeats were left out.
TEST(State, CrashedMutantsAreKilledByCrashAndNaNRepeatsAreDropped) {
  const Plan plan = small_plan();
  CampaignState state(plan, JournalContents{});
  const auto& first = plan.mutants.front();
  JournalContents journal;
  for (auto pending = state.pending(); !pending.empty(); pending = state.pending())
    for (size_t i : pending) {
      const RunTask& t = state.task(i);
      DoneRecord r = record_of(t);
      if (t.mutant_id == first.mutant_id) {  // every repeat crashes before its first epoch
        r.status = "crashed";
        r.metric = std::numeric_limits<double>::quiet_NaN();
      }
      if (t.is_original() && t.repeat == 1) r.metric = std::numeric_limits<double>::quiet_NaN();  // NaN loss
      const auto update = state.record_done(i, r.metric, r.status);
      journal.done.push_back(r);
      for (const auto& v : update.verdicts) journal.verdicts.push_back(v);
    }
  const VerdictRecord* crashed = state.verdict(first.program, first.mutant_id);
  ASSERT_NE(crashed, nullptr);
  EXPECT_TRUE(crashed->killed);
  EXPECT_EQ(crashed->reason, "crash");
  EXPECT_EQ(crashed->label, first.category);
  EXPECT_EQ(crashed->dropped_mutant, crashed->mutant_runs);
  size_t tested = 0;
  for (const auto& m : state.plan().mutants) {
    if (m.mutant_id == first.mutant_id) continue;
    const VerdictRecord* v = state.verdict(m.program, m.mutant_id);
    ASSERT_NE(v, nullptr) << m.mutant_id << ": the NaN original repeat must not block the verdict";
    EXPECT_EQ(v->reason, "test");
    EXPECT_EQ(v->dropped_original, 1);
    const bool should_kill = m.operator_name == "change_epochs" || m.category == "Loss";
    EXPECT_EQ(v->killed, should_kill) << m.mutant_id;
    ++tested;
  }
  EXPECT_GT(tested, 0u);
  // The new fields survive the journal's text form.
  const TempDir dir;
  {
    Journal j(dir / "journal.log");
    j.append(journal.done, journal.verdicts);
  }
  const JournalContents back = read_journal(dir / "journal.log");
  ASSERT_EQ(back.verdicts.size(), journal.verdicts.size());
  for (size_t i = 0; i < back.verdicts.size(); ++i) {
    EXPECT_EQ(back.verdicts[i].reason, journal.verdicts[i].reason);
    EXPECT_EQ(back.verdicts[i].dropped_original, journal.verdicts[i].dropped_original);
    EXPECT_EQ(back.verdicts[i].dropped_mutant, journal.verdicts[i].dropped_mutant);
  }
}
