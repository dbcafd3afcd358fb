#include "runner/campaign/run.h"

#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/program_spec.h"
#include "runner/campaign/decide.h"
#include "runner/campaign/executor.h"
#include "runner/campaign/journal.h"
#include "runner/campaign/plan.h"
#include "runner/campaign/progress.h"
#include "runner/campaign/serialize.h"
#include "runner/campaign/state.h"
#include "runner/campaign/store.h"
#include "runner/campaign/task_process.h"

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
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

long current_rss_kb() {
  long pages_total = 0, pages_resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  return pages_resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

double cpu_seconds() {
  rusage u;
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

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

RunStats g_stats;

// A lock on <campaign>/.lock for the master's lifetime: two masters on one
// directory would delete each other's batch files. flock dies with the process.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& dir) {
    const std::string path = dir + "/.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw Error(dir, "another `dynfault campaign run` is using this campaign directory");
  }
  ~DirectoryLock() { ::close(fd_); }

 private:
  int fd_ = -1;
};

// ----------------------------------------------------------------- MPI I/O ---
// master -> worker: Task (queue it), Drain (hand back queued tasks, start no
// more), Abort (stop the running task now), Stop (leave; sent only to a worker
// with nothing outstanding). worker -> master: Result (one per task handed out).
enum Tag : int { kTagTask = 1, kTagResult = 2, kTagStop = 3, kTagAbort = 4, kTagDrain = 5 };

// MPI_Iprobe in a burst: measured with Open MPI 4.1, a message that has
// arrived is only reported after ~4-8 Iprobe calls (low-priority progress
// callbacks run once per several progress calls), so one Iprobe per backoff
// sleep saw each message only at the top of the backoff ladder (1.5 ms per
// one-way message); 8 calls per wake-up see it within microseconds.
bool probe(int source, int tag, MPI_Status& status) {
  int flag = 0;
  for (int k = 0; k < 8 && !flag; ++k) MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &status);
  return flag != 0;
}

std::string receive(const MPI_Status& probed) {
  int count = 0;
  MPI_Get_count(&probed, MPI_BYTE, &count);
  std::string bytes(static_cast<size_t>(count), '\0');
  MPI_Recv(bytes.data(), count, MPI_BYTE, probed.MPI_SOURCE, probed.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return bytes;
}

// Nonblocking sends whose buffers live until MPI is done with them.
class Outbox {
 public:
  void send(std::string bytes, int dest, int tag) {
    pending_.push_back({std::move(bytes), MPI_REQUEST_NULL});
    auto& p = pending_.back();
    MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD, &p.request);
  }
  void progress() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? pending_.erase(it) : std::next(it);
    }
  }
  void drain() {
    Backoff b;
    for (progress(); !pending_.empty(); progress()) b.sleep();
  }

 private:
  struct Pending {
    std::string bytes;
    MPI_Request request;
  };
  std::list<Pending> pending_;  // std::list: buffers never move
};

std::string task_message(int64_t index, const Task& task) {
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
  Master(const std::string& dir, const RunOptions& options, int workers)
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
    g_stats = RunStats{};
    g_stats.master = true;
    g_stats.workers = workers;
    g_stats.rss_samples.push_back({0, current_rss_kb()});
  }

  int run() {
    const double started = monotonic_seconds(), cpu_started = cpu_seconds();
    if (workers_ == 0) run_alone();
    else run_master();
    flush();
    flusher_.wait_idle();
    g_stats.batches_written = flusher_.batches();
    g_stats.flush_seconds = flusher_.seconds();
    g_stats.wall_seconds = monotonic_seconds() - started;
    g_stats.master_cpu_seconds = cpu_seconds() - cpu_started;
    progress_.finish(counts(0));
    if (!state_.complete()) {
      std::fprintf(stderr, "campaign: stopped with %zu of %zu tasks done; run the same command to resume (exit %d)\n",
                   state_.done_count(), state_.size(), kExitResumeMe);
      return kExitResumeMe;
    }
    if (options_.consolidate && (g_stats.tasks_finished > 0 || !fs::exists(dir_ + "/traces.h5"))) {
      const ExportSummary s = export_corpus(dir_, dir_ + "/traces.h5", false);
      std::fprintf(stderr, "campaign: complete: %zu runs (%zu of mutants, %zu of killed mutants, %zu crashed) in %s/traces.h5\n",
                   s.runs, s.mutant_runs, s.killed_runs, s.crashed_runs, dir_.c_str());
    }
    return kExitComplete;
  }

 private:
  struct Compare {  // priority_queue top = largest expected cost, then smallest id
    const CampaignState* state;
    bool operator()(size_t a, size_t b) const {
      const Task &ta = state->task(a), &tb = state->task(b);
      if (ta.expected_cost != tb.expected_cost) return ta.expected_cost < tb.expected_cost;
      return ta.id > tb.id;
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
    c.done_this_session = g_stats.tasks_finished;
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
      it = originals_.emplace(program, program_from_json(nlohmann::json::parse(text), "plan: " + program)).first;
    }
    return it->second;
  }

  void handle(TaskResult r, int rank) {
    if (r.task_index < 0 || static_cast<size_t>(r.task_index) >= state_.size())
      throw Error("campaign", "rank " + std::to_string(rank) + " reported an unknown task index");
    const size_t i = static_cast<size_t>(r.task_index);
    const Task& task = state_.task(i);
    g_stats.worker_busy_seconds += r.seconds;
    const int attempt = ++attempts_[i];
    switch (r.outcome) {
      case Outcome::Done: {
        if (r.trace.run_id != task.id)
          throw Error("campaign", "rank " + std::to_string(rank) + " returned trace '" + r.trace.run_id +
                                      "' for task '" + task.id + "'");
        if (rank != 0 && trace_checksum(r.trace) != r.checksum)
          throw Error("campaign", "trace of task '" + task.id + "' from rank " + std::to_string(rank) +
                                      " arrived with a wrong checksum");
        status_.record(task.id, rank, r.host, r.start_unix, r.seconds, to_string(r.trace.status), attempt);
        finish(i, std::move(r.trace), crashes_[i] + 1);
        break;
      }
      case Outcome::Crashed: {
        const int crashes = ++crashes_[i];
        std::fprintf(stderr, "\ncampaign: task %s crashed its worker process on rank %d (%s), attempt %d of %d\n",
                     task.id.c_str(), rank, r.message.c_str(), crashes, options_.retries + 1);
        if (crashes > options_.retries) {
          status_.record(task.id, rank, r.host, r.start_unix, r.seconds, "crashed", attempt);
          finish(i, crash_trace(task, crashes, r.message), crashes);
        } else {
          status_.record(task.id, rank, r.host, r.start_unix, r.seconds, "worker-crash", attempt);
          queue_.push(i);
        }
        break;
      }
      case Outcome::Stopped:
        // A queued task handed back unstarted (start_unix 0) ran no attempt: no status record.
        if (r.start_unix > 0) status_.record(task.id, rank, r.host, r.start_unix, r.seconds, "stopped", attempt);
        --attempts_[i];  // a stop on purpose is not an attempt
        queue_.push(i);
        break;
    }
  }

  void finish(size_t i, Trace trace, int attempts) {
    const Task& task = state_.task(i);
    DoneRecord rec;
    rec.task_id = task.id;
    rec.status = to_string(trace.status);
    rec.checksum = trace_checksum(trace);
    rec.metric = kill_metric(trace, original(task.program));
    rec.attempts = attempts;
    if (buffer_.empty()) first_buffered_ = monotonic_seconds();
    buffer_.push_back(std::move(trace));
    records_.push_back(rec);
    auto update = state_.record_done(i, rec.metric, rec.status);
    for (auto& v : update.verdicts) verdicts_.push_back(std::move(v));
    for (size_t n : update.new_tasks) queue_.push(n);
    attempts_.erase(i);
    crashes_.erase(i);
    ++g_stats.tasks_finished;
    if (g_stats.tasks_finished % 1000 == 0) g_stats.rss_samples.push_back({g_stats.tasks_finished, current_rss_kb()});
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
    const ExecContext context{options_.threads, 0};
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
    Outbox outbox;
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

      MPI_Status st;
      if (probe(MPI_ANY_SOURCE, kTagResult, st)) {
        TaskResult r = deserialize_result(receive(st));
        auto& mine = outstanding[st.MPI_SOURCE];
        const auto it = std::find(mine.begin(), mine.end(), r.task_index);
        if (it == mine.end())
          throw Error("campaign", "rank " + std::to_string(st.MPI_SOURCE) + " reported a task it was not given");
        mine.erase(it);
        handle(std::move(r), st.MPI_SOURCE);
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
    outbox.drain();
  }

  std::string dir_;
  RunOptions options_;
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
};

// ------------------------------------------------------------------ worker ---
void run_worker(const RunOptions& options, int rank) {
  const ExecutorInfo& executor = find_executor(options.executor);
  const ExecContext context{options.threads, rank};
  const std::string host = host_name();
  Outbox outbox;
  Backoff backoff;
  std::deque<std::pair<int64_t, Task>> queued;
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
    MPI_Status st;
    if (probe(0, MPI_ANY_TAG, st)) {
      backoff.reset();
      const std::string msg = receive(st);
      if (st.MPI_TAG == kTagStop) break;
      if (st.MPI_TAG == kTagTask) {
        int64_t index = -1;
        std::memcpy(&index, msg.data(), sizeof index);
        queued.emplace_back(index, deserialize_task(msg.substr(sizeof index)));
      } else if (st.MPI_TAG == kTagDrain) {
        draining = true;
        for (auto& [index, task] : queued) {
          TaskResult r;
          r.outcome = Outcome::Stopped;
          r.message = "not started: the campaign is draining";
          report(std::move(r), index);
        }
        queued.clear();
      } else if (st.MPI_TAG == kTagAbort && running) {
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
  outbox.drain();
}

}  // namespace

const RunStats& last_run_stats() { return g_stats; }

std::string stats_json(const RunStats& s) {
  nlohmann::json rss = nlohmann::json::array();
  for (const auto& [tasks, kb] : s.rss_samples) rss.push_back({tasks, kb});
  return nlohmann::json{{"tasks_finished", s.tasks_finished},
                        {"wall_seconds", s.wall_seconds},
                        {"master_cpu_seconds", s.master_cpu_seconds},
                        {"worker_busy_seconds", s.worker_busy_seconds},
                        {"workers", s.workers},
                        {"batches_written", s.batches_written},
                        {"flush_seconds", s.flush_seconds},
                        {"rss_kb_by_tasks", rss}}
      .dump();
}

int run_campaign(const std::string& dir, const RunOptions& options) {
  // Unknown executors, and a missing runner library, fail on every rank before MPI starts.
  if (const ExecutorInfo& executor = find_executor(options.executor); executor.prepare) executor.prepare();
  if (!fs::exists(dir + "/plan.json")) throw Error(dir, "not a campaign directory (no plan.json)");
  if (is_sharded_root(dir)) load_plan(dir);  // throws the "run one shard" message
  install_signal_handlers();
  g_drain_signals = 0;
  // Backoff sleeps of tens of microseconds need a small timer slack (default 50 us).
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  if (!launched_by_mpi()) return Master(dir, options, 0).run();

  int provided = 0;
  // FUNNELED: the master runs a flusher thread, but only the main thread calls MPI.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw Error("campaign run", "the MPI library does not support MPI_THREAD_FUNNELED");
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int code = kExitComplete;
  try {
    if (rank == 0) code = Master(dir, options, size - 1).run();
    else run_worker(options, rank);
  } catch (const std::exception& e) {
    // One rank failing leaves the others waiting on it: take the job down.
    std::fprintf(stderr, "dynfault: rank %d: %s\n", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return code;
}

}  // namespace dynfault::campaign
