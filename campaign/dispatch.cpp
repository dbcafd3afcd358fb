#include "campaign/dispatch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "campaign/executor.h"
#include "campaign/journal.h"
#include "campaign/plan.h"
#include "campaign/progress.h"
#include "campaign/serialize.h"
#include "campaign/state.h"
#include "campaign/store.h"
#include "campaign/task_process.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mpi.h"
#include "core/process_stats.h"
#include "core/program_spec.h"
#include "mutate/kill.h"
#include "triage/rule.h"

namespace dynfault::campaign {
namespace fs = std::filesystem;
namespace {

// ---------------------------------------------------------------- signals ---
volatile sig_atomic_t g_drain_signals = 0;
void on_drain_signal(int) { g_drain_signals = g_drain_signals + 1; }

// Every rank catches these: the master drains, workers keep following the
// master (mpirun forwards SIGUSR1 to all ranks; its default action would kill them).
void install_signal_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_drain_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT, SIGUSR1}) sigaction(sig, &sa, nullptr);
}

// ------------------------------------------------------------------ misc ---
// Sleeps between polls: short right after activity, up to 2 ms when idle, so
// waiting costs well under 1% of a core yet a result is seen within 2 ms.
class Backoff {
 public:
  void reset() { ns_ = kMinNs; }
  void sleep() {
    timespec ts{0, ns_};
    nanosleep(&ts, nullptr);
    ns_ = std::min<long>(ns_ * 2, kMaxNs);
  }

 private:
  static constexpr long kMinNs = 20'000, kMaxNs = 2'000'000;
  long ns_ = kMinNs;
};

// A lock on <campaign>/.lock for the master's lifetime: two masters on one
// directory would delete each other's batch files. flock dies with the process.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& dir) {
    path_ = dir + "/.lock";
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0 && errno == ENOENT) {
      fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      created_ = fd_ >= 0;
      if (fd_ < 0 && errno == EEXIST) fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    }
    if (fd_ < 0) throw Error(path_, std::string("cannot open: ") + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw Error(dir, "another `dynfault campaign run` is using this campaign directory");
    }
  }
  // The master started: the lock file stays (it is the lock of later runs too).
  // Until then, a lock file this run created goes with it, so a refused
  // directory (a bad plan, a corrupt journal) is left as it was.
  void keep() { created_ = false; }
  ~DirectoryLock() {
    if (created_) ::unlink(path_.c_str());  // still held: no other master can have it
    ::close(fd_);
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
};

// ----------------------------------------------------------------- MPI I/O ---
// master -> worker: Task (queue it), Drain (hand back queued tasks, start no
// more), Abort (stop the running task now), Stop (leave; sent only to a worker
// with nothing outstanding). worker -> master: Result (one per task handed out).
enum Tag : int { kTagTask = 1, kTagResult = 2, kTagStop = 3, kTagAbort = 4, kTagDrain = 5 };

// Waits, sleeping between polls, until every send has completed.
void drain(mpi::Outbox& outbox) {
  Backoff b;
  while (!outbox.progress()) b.sleep();
}

std::string task_message(int64_t index, const RunTask& task) {
  std::string msg(sizeof index, '\0');
  std::memcpy(msg.data(), &index, sizeof index);
  return msg + serialize_task(task);
}

// Writes batch files and then their journal records on a thread of its own,
// in submission order, so slow fsyncs (a busy disk, a network file system)
// never stall dispatch. Durability is unchanged: a job's records reach the
// journal only after its batch file is durable, and jobs never overtake each
// other. At most two jobs wait; a full queue makes the master wait (bounded
// memory). A write error is rethrown on the master's thread.
class Flusher {
 public:
  struct Job {
    std::vector<Trace> traces;
    std::vector<DoneRecord> records;
    std::vector<VerdictRecord> verdicts;
  };

  Flusher(BatchStore& store, Journal& journal) : store_(store), journal_(journal), thread_([this] { loop(); }) {}
  ~Flusher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    work_.notify_all();
    thread_.join();
  }

  void submit(Job job) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return jobs_.size() < 2 || error_; });
    rethrow_locked();
    jobs_.push_back(std::move(job));
    work_.notify_all();
  }
  void wait_idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return (jobs_.empty() && !busy_) || error_; });
    rethrow_locked();
  }
  void check() {
    std::lock_guard<std::mutex> lock(mutex_);
    rethrow_locked();
  }
  double seconds() const { return static_cast<double>(nanoseconds_.load()) * 1e-9; }
  size_t batches() const { return batches_.load(); }

 private:
  void rethrow_locked() {
    if (error_) std::rethrow_exception(error_);
  }
  void loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        // After a failed flush nothing more is written (the journal refuses
        // too): the unflushed traces simply run again on resume.
        if (error_) continue;
        busy_ = true;
      }
      const double started = monotonic_seconds();
      std::exception_ptr error;
      try {
        if (!job.traces.empty()) {
          const std::string batch = store_.write(job.traces);
          for (auto& r : job.records) r.batch = batch;
          ++batches_;
        }
        journal_.append(job.records, job.verdicts);
      } catch (...) {
        error = std::current_exception();
      }
      nanoseconds_ += static_cast<int64_t>((monotonic_seconds() - started) * 1e9);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        busy_ = false;
        if (error && !error_) error_ = error;
      }
      changed_.notify_all();
    }
  }

  BatchStore& store_;
  Journal& journal_;
  std::mutex mutex_;
  std::condition_variable work_, changed_;
  std::deque<Job> jobs_;
  bool busy_ = false, stop_ = false;
  std::exception_ptr error_;
  std::atomic<int64_t> nanoseconds_{0};
  std::atomic<size_t> batches_{0};
  std::thread thread_;  // last: starts once everything above exists
};

// ------------------------------------------------------------------ master ---
class Master {
 public:
  Master(const std::string& dir, const CampaignRunOptions& options, int workers)
      : dir_(dir),
        options_(options),
        workers_(workers),
        lock_(dir),
        journal_(dir + "/journal.log"),
        state_(load_plan(dir), journal_.initial()),
        store_(dir, journal_.initial()),
        flusher_(store_, journal_),
        status_(dir + "/status.jsonl"),
        progress_(options.progress, options.progress_seconds),
        queue_(Compare{&state_}) {
    if (journal_.initial().torn_tail)
      std::fprintf(stderr, "campaign: %s: ignored a torn last journal record (interrupted write)\n",
                   journal_.path().c_str());
    if (store_.removed_orphans() > 0)
      std::fprintf(stderr, "campaign: removed %zu unjournaled batch file(s) left by an interrupted run\n",
                   store_.removed_orphans());
    verdicts_ = state_.take_unjournaled_verdicts();
    for (size_t i : state_.pending()) queue_.push(i);
    stats_.workers = workers;
    stats_.rss_samples.push_back({0, current_rss_kb()});
    lock_.keep();
  }

  // Returns the process exit code; stats() then holds this run's statistics.
  int run() {
    const double started = monotonic_seconds(), cpu_started = process_cpu_seconds();
    if (workers_ == 0) run_alone();
    else run_master();
    flush();
    flusher_.wait_idle();
    stats_.batches_written = flusher_.batches();
    stats_.flush_seconds = flusher_.seconds();
    stats_.wall_seconds = monotonic_seconds() - started;
    stats_.master_cpu_seconds = process_cpu_seconds() - cpu_started;
    stats_.peak_rss_kb = peak_rss_kb();
    progress_.finish(counts(0));
    if (!state_.complete()) {
      std::fprintf(stderr, "campaign: stopped with %zu of %zu tasks done; run the same command to resume (exit %d)\n",
                   state_.done_count(), state_.size(), kExitResumeMe);
      return kExitResumeMe;
    }
    if (options_.consolidate && (stats_.tasks_finished > 0 || !fs::exists(dir_ + "/traces.h5"))) {
      const ExportSummary s = export_corpus(dir_, dir_ + "/traces.h5", false);
      const std::string terminated =
          s.terminated_runs ? ", " + std::to_string(s.terminated_runs) + " terminated by the triage rule" : "";
      std::fprintf(stderr, "campaign: complete: %zu runs (%zu of mutants, %zu of killed mutants, %zu crashed%s) in %s/traces.h5\n",
                   s.runs, s.mutant_runs, s.killed_runs, s.crashed_runs, terminated.c_str(), dir_.c_str());
    }
    return kExitComplete;
  }

  const DispatchStats& stats() const { return stats_; }

 private:
  struct Compare {  // priority_queue top = largest expected cost, then smallest id
    const CampaignState* state;
    bool operator()(size_t a, size_t b) const {
      const RunTask &ta = state->task(a), &tb = state->task(b);
      if (ta.expected_cost != tb.expected_cost) return ta.expected_cost < tb.expected_cost;
      return ta.run_id > tb.run_id;
    }
  };

  ProgressCounts counts(size_t running) const {
    ProgressCounts c;
    c.done = state_.done_count();
    c.total = state_.size();
    c.crashed = state_.crashed_count();
    c.killed = state_.killed_count();
    c.decided = state_.verdict_count();
    c.running = running;
    c.done_this_session = stats_.tasks_finished;
    return c;
  }

  // Drain requested: true once the first signal has arrived. A second signal ends the grace period.
  bool check_drain() {
    const int signals = g_drain_signals;
    if (signals > seen_signals_) {
      if (!draining_) {
        draining_ = true;
        drain_deadline_ = monotonic_seconds() + options_.grace;
        std::fprintf(stderr, "\ncampaign: signal received: draining (no new tasks; running ones get %.0f s)\n",
                     options_.grace);
      } else {
        drain_deadline_ = monotonic_seconds();
      }
      seen_signals_ = signals;
    }
    return draining_;
  }

  const ProgramSpec& original(const std::string& program) {
    auto it = originals_.find(program);
    if (it == originals_.end()) {
      const auto text = state_.plan().specs.at(spec_key(program, ""));
      it = originals_.emplace(program, spec_from_plan_text(text, "plan: " + program)).first;
    }
    return it->second;
  }

  void handle(TaskResult r, int rank) {
    if (r.task_index < 0 || static_cast<size_t>(r.task_index) >= state_.size())
      throw Error("campaign", "rank " + std::to_string(rank) + " reported an unknown task index");
    const size_t i = static_cast<size_t>(r.task_index);
    const RunTask& task = state_.task(i);
    stats_.worker_busy_seconds += r.seconds;
    const int attempt = ++attempts_[i];
    switch (r.outcome) {
      case Outcome::Done: {
        if (r.trace.run_id != task.run_id)
          throw Error("campaign", "rank " + std::to_string(rank) + " returned trace '" + r.trace.run_id +
                                      "' for task '" + task.run_id + "'");
        if (rank != 0 && trace_checksum(r.trace) != r.checksum)
          throw Error("campaign", "trace of task '" + task.run_id + "' from rank " + std::to_string(rank) +
                                      " arrived with a wrong checksum");
        status_.record(task.run_id, rank, r.host, r.start_unix, r.seconds, to_string(r.trace.status), attempt);
        finish(i, std::move(r.trace), crashes_[i] + 1);
        break;
      }
      case Outcome::Crashed: {
        const int crashes = ++crashes_[i];
        std::fprintf(stderr, "\ncampaign: task %s crashed its worker process on rank %d (%s), attempt %d of %d\n",
                     task.run_id.c_str(), rank, r.message.c_str(), crashes, options_.retries + 1);
        if (crashes > options_.retries) {
          status_.record(task.run_id, rank, r.host, r.start_unix, r.seconds, "crashed", attempt);
          finish(i, crash_trace(task, crashes, r.message), crashes);
        } else {
          status_.record(task.run_id, rank, r.host, r.start_unix, r.seconds, "worker-crash", attempt);
          queue_.push(i);
        }
        break;
      }
      case Outcome::Stopped:
        // A queued task handed back unstarted (start_unix 0) ran no attempt: no status record.
        if (r.start_unix > 0) status_.record(task.run_id, rank, r.host, r.start_unix, r.seconds, "stopped", attempt);
        --attempts_[i];  // a stop on purpose is not an attempt
        queue_.push(i);
        break;
    }
  }

  void finish(size_t i, Trace trace, int attempts) {
    const RunTask& task = state_.task(i);
    DoneRecord rec;
    rec.task_id = task.run_id;
    rec.status = to_string(trace.status);
    rec.checksum = trace_checksum(trace);
    rec.metric = mutate::kill_metric(trace, original(task.program));
    rec.attempts = attempts;
    if (buffer_.empty()) first_buffered_ = monotonic_seconds();
    buffer_.push_back(std::move(trace));
    records_.push_back(rec);
    auto update = state_.record_done(i, rec.metric, rec.status);
    for (auto& v : update.verdicts) verdicts_.push_back(std::move(v));
    for (size_t n : update.new_tasks) queue_.push(n);
    attempts_.erase(i);
    crashes_.erase(i);
    ++stats_.tasks_finished;
    if (stats_.tasks_finished % 1000 == 0) stats_.rss_samples.push_back({stats_.tasks_finished, current_rss_kb()});
    if (buffer_.size() >= static_cast<size_t>(std::max(1, options_.batch_size))) flush();
  }

  // Hands the buffer to the flusher (batch file, then journal records).
  void flush() {
    if (buffer_.empty() && records_.empty() && verdicts_.empty()) return;
    Flusher::Job job;
    job.traces.swap(buffer_);
    job.records.swap(records_);
    job.verdicts.swap(verdicts_);
    flusher_.submit(std::move(job));
  }

  void flush_if_due() {
    flusher_.check();
    if (!buffer_.empty() && monotonic_seconds() - first_buffered_ >= options_.flush_seconds) flush();
  }

  void run_alone() {
    const ExecutorInfo& executor = find_executor(options_.executor);
    const ExecContext context{options_.threads, 0, options_.triage};
    const std::string host = host_name();
    while (!queue_.empty() && !check_drain()) {
      const size_t i = queue_.top();
      queue_.pop();
      // Fork only while the flusher thread is idle (it holds no lock a child could inherit mid-use).
      if (options_.isolate) flusher_.wait_idle();
      TaskProcess process(state_.task_with_spec(i), executor, context, options_.task_timeout, options_.isolate);
      std::optional<TaskResult> r;
      while (!(r = process.poll(50))) {
        if (check_drain() && monotonic_seconds() >= drain_deadline_)
          r = process.stop_on_purpose("stopped: drain grace period expired");
        if (r) break;
        flush_if_due();
        progress_.update(counts(1));
      }
      r->task_index = static_cast<int64_t>(i);
      r->host = host;
      handle(std::move(*r), 0);
      flush_if_due();
      progress_.update(counts(0));
    }
  }

  void run_master() {
    const int size = workers_ + 1;
    const size_t depth = 1 + static_cast<size_t>(std::max(0, options_.prefetch));
    std::vector<std::vector<int64_t>> outstanding(size);  // tasks handed to each worker, not yet reported
    std::vector<char> stopped(size, 0), drained(size, 0);
    mpi::Outbox outbox;
    Backoff backoff;
    bool aborted = false;
    for (;;) {
      const bool draining = check_drain();
      size_t busy = 0;
      for (int w = 1; w < size; ++w) busy += !outstanding[w].empty();
      if (draining) {
        for (int w = 1; w < size; ++w) {
          if (stopped[w]) continue;
          if (outstanding[w].empty()) {
            outbox.send("", w, kTagStop);
            stopped[w] = 1;
          } else if (!drained[w]) {
            outbox.send("", w, kTagDrain);  // queued tasks come back as "stopped"
            drained[w] = 1;
          }
        }
        if (!aborted && busy > 0 && monotonic_seconds() >= drain_deadline_) {
          std::fprintf(stderr, "campaign: grace period over: stopping %zu running task(s)\n", busy);
          for (int w = 1; w < size; ++w)
            if (!outstanding[w].empty()) outbox.send("", w, kTagAbort);
          aborted = true;
        }
      } else {
        // Fill every worker up to `depth`, one task per worker per round, so
        // the largest tasks spread over the workers first.
        for (bool gave = true; gave && !queue_.empty();) {
          gave = false;
          for (int w = 1; w < size && !queue_.empty(); ++w) {
            if (stopped[w] || outstanding[w].size() >= depth) continue;
            const size_t i = queue_.top();
            queue_.pop();
            outbox.send(task_message(static_cast<int64_t>(i), state_.task_with_spec(i)), w, kTagTask);
            outstanding[w].push_back(static_cast<int64_t>(i));
            gave = true;
          }
        }
        busy = 0;
        for (int w = 1; w < size; ++w) busy += !outstanding[w].empty();
      }
      if (busy == 0 && (draining || queue_.empty())) break;

      if (const auto m = mpi::probe(mpi::kAnySource, kTagResult)) {
        TaskResult r = deserialize_result(mpi::receive(*m));
        auto& mine = outstanding[m->source];
        const auto it = std::find(mine.begin(), mine.end(), r.task_index);
        if (it == mine.end())
          throw Error("campaign", "rank " + std::to_string(m->source) + " reported a task it was not given");
        mine.erase(it);
        handle(std::move(r), m->source);
        backoff.reset();
        continue;
      }
      outbox.progress();
      flush_if_due();
      progress_.update(counts(busy));
      backoff.sleep();
    }
    for (int w = 1; w < size; ++w)
      if (!stopped[w]) outbox.send("", w, kTagStop), stopped[w] = 1;
    drain(outbox);
  }

  std::string dir_;
  CampaignRunOptions options_;
  int workers_;
  DirectoryLock lock_;
  Journal journal_;
  CampaignState state_;
  BatchStore store_;
  Flusher flusher_;  // after the store and journal it writes to: destroyed (joined) first
  StatusStream status_;
  ProgressLine progress_;
  std::priority_queue<size_t, std::vector<size_t>, Compare> queue_;
  std::map<size_t, int> attempts_, crashes_;  // only for tasks in flight or retried
  std::vector<Trace> buffer_;
  std::vector<DoneRecord> records_;
  std::vector<VerdictRecord> verdicts_;
  double first_buffered_ = 0;
  std::map<std::string, ProgramSpec> originals_;
  bool draining_ = false;
  int seen_signals_ = 0;
  double drain_deadline_ = 0;
  DispatchStats stats_;
};

// ------------------------------------------------------------------ worker ---
void run_worker(const CampaignRunOptions& options, int rank) {
  const ExecutorInfo& executor = find_executor(options.executor);
  const ExecContext context{options.threads, rank, options.triage};
  const std::string host = host_name();
  mpi::Outbox outbox;
  Backoff backoff;
  std::deque<std::pair<int64_t, RunTask>> queued;
  std::unique_ptr<TaskProcess> running;
  int64_t running_index = -1;
  bool draining = false;
  auto report = [&](TaskResult r, int64_t index) {
    r.task_index = index;
    r.host = host;
    r.rank = rank;
    if (r.outcome == Outcome::Done) r.checksum = trace_checksum(r.trace);
    outbox.send(serialize_result(r), 0, kTagResult);
  };
  for (;;) {
    // Messages first: they may add work or stop it.
    if (const auto m = mpi::probe(0, mpi::kAnyTag)) {
      backoff.reset();
      const std::string msg = mpi::receive(*m);
      if (m->tag == kTagStop) break;
      if (m->tag == kTagTask) {
        int64_t index = -1;
        std::memcpy(&index, msg.data(), sizeof index);
        queued.emplace_back(index, deserialize_task(msg.substr(sizeof index)));
      } else if (m->tag == kTagDrain) {
        draining = true;
        for (auto& [index, task] : queued) {
          TaskResult r;
          r.outcome = Outcome::Stopped;
          r.message = "not started: the campaign is draining";
          report(std::move(r), index);
        }
        queued.clear();
      } else if (m->tag == kTagAbort && running) {
        report(running->stop_on_purpose("stopped by the master: drain grace period expired"), running_index);
        running.reset();
      }
      continue;
    }
    if (!running && !queued.empty() && !draining) {
      running_index = queued.front().first;
      running = std::make_unique<TaskProcess>(queued.front().second, executor, context, options.task_timeout,
                                              options.isolate);
      queued.pop_front();
    }
    if (running) {
      // Blocks in poll() on the child's pipe (no CPU), waking for the result
      // or every few ms to look for messages from the master.
      if (auto r = running->poll(5)) {
        report(std::move(*r), running_index);
        running.reset();
        backoff.reset();
      }
      outbox.progress();
      continue;
    }
    outbox.progress();
    backoff.sleep();
  }
  drain(outbox);
}

CampaignRunResult run_as_master(const std::string& dir, const CampaignRunOptions& options, int workers) {
  Master master(dir, options, workers);
  CampaignRunResult result;
  result.exit_code = master.run();
  result.stats = master.stats();
  return result;
}

}  // namespace

std::string stats_json(const DispatchStats& s) {
  nlohmann::json rss = nlohmann::json::array();
  for (const auto& [tasks, kb] : s.rss_samples) rss.push_back({tasks, kb});
  return nlohmann::json{{"tasks_finished", s.tasks_finished},
                        {"wall_seconds", s.wall_seconds},
                        {"master_cpu_seconds", s.master_cpu_seconds},
                        {"worker_busy_seconds", s.worker_busy_seconds},
                        {"workers", s.workers},
                        {"batches_written", s.batches_written},
                        {"flush_seconds", s.flush_seconds},
                        {"rss_kb_by_tasks", rss},
                        {"peak_rss_kb", s.peak_rss_kb}}
      .dump();
}

CampaignRunResult run_campaign(const std::string& dir, const CampaignRunOptions& options) {
  // Unknown executors, and a missing runner library, fail on every rank before MPI starts.
  if (const ExecutorInfo& executor = find_executor(options.executor); executor.prepare) executor.prepare();
  if (!fs::exists(dir + "/plan.json")) throw Error(dir, "not a campaign directory (no plan.json)");
  if (is_sharded_root(dir)) load_plan(dir);  // throws the "run one shard" message
  if (options.triage) {  // before any rank starts: a task the rule cannot read is bad input, not a crash
    // Once per distinct probe set and settings, not per task (a plan holds ~10^5 tasks).
    std::set<std::tuple<std::string, int, int>> checked;
    for (const RunTask& task : load_plan(dir).tasks) {
      if (!checked.emplace(to_string(task.probes), task.hvp_vectors, task.probe_batch).second) continue;
      const std::vector<std::string> probes(task.probes.names.begin(), task.probes.names.end());
      const std::string why = triage::mismatch_before_training(*options.triage, probes, task.hvp_vectors, task.probe_batch);
      if (!why.empty()) throw Error("--triage", "task " + task.run_id + ": " + why);
    }
  }
  install_signal_handlers();
  g_drain_signals = 0;
  // Backoff sleeps of tens of microseconds need a small timer slack (default 50 us).
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  if (!mpi::launched_by_mpi()) return run_as_master(dir, options, 0);

  // FUNNELED: the master runs a flusher thread, but only the main thread calls MPI.
  const mpi::Session session(mpi::Threads::Funneled);
  CampaignRunResult result;
  try {
    if (session.rank() == 0) result = run_as_master(dir, options, session.size() - 1);
    else run_worker(options, session.rank());
  } catch (const std::exception& e) {
    // One rank failing leaves the others waiting on it: take the job down.
    std::fprintf(stderr, "dynfault: rank %d: %s\n", session.rank(), e.what());
    session.abort(dynamic_cast<const StorageError*>(&e) ? kExitResumeMe : kExitBadInput);
  }
  return result;
}

}  // namespace dynfault::campaign
