#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "helpers.h"
#include "campaign/journal.h"

using namespace dynfault;
using namespace dynfault::campaign;
using campaign_test::TempDir;

namespace {

DoneRecord done(const std::string& id, double metric = 0.5) {
  DoneRecord r;
  r.task_id = id;
  r.status = "ok";
  r.checksum = 0x0123456789abcdefULL;
  r.batch = "batch-000001.h5";
  r.metric = metric;
  r.attempts = 1;
  return r;
}

void append_raw(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

}  // namespace

TEST(Journal, MissingFileReadsEmpty) {
  TempDir d("journal_missing");
  const auto c = read_journal(d / "journal.log");
  EXPECT_TRUE(c.done.empty());
  EXPECT_FALSE(c.torn_tail);
}

TEST(Journal, RecordsRoundTripExactly) {
  TempDir d("journal_rt");
  const std::string path = d / "journal.log";
  {
    Journal j(path);
    VerdictRecord v{"p-op-1", "p", true, "Loss", 0.001, 1.75, 5, 5};
    j.append({done("a", std::nan("")), done("b", -0.0)}, {v});
    j.append({done("c", 0.1 + 0.2)});
  }
  const auto c = read_journal(path);
  ASSERT_EQ(c.done.size(), 3u);
  EXPECT_EQ(c.done[0].task_id, "a");
  EXPECT_TRUE(std::isnan(c.done[0].metric));
  EXPECT_TRUE(std::signbit(c.done[1].metric));
  EXPECT_EQ(c.done[2].metric, 0.1 + 0.2);
  EXPECT_EQ(c.done[2].checksum, 0x0123456789abcdefULL);
  ASSERT_EQ(c.verdicts.size(), 1u);
  EXPECT_TRUE(c.verdicts[0].killed);
  EXPECT_EQ(c.verdicts[0].label, "Loss");
  EXPECT_EQ(c.verdicts[0].d, 1.75);
  EXPECT_EQ(c.lines, 4u);
  EXPECT_FALSE(c.torn_tail);
}

TEST(Journal, TornLastLineIsIgnoredAndTruncatedBeforeTheNextAppend) {
  TempDir d("journal_torn");
  const std::string path = d / "journal.log";
  { Journal(path).append({done("a"), done("b")}); }
  const std::string whole = journal_line(nlohmann::json{{"type", "done"}, {"task", "c"}});
  append_raw(path, whole.substr(0, whole.size() / 2));  // power cut in the middle of a write
  auto c = read_journal(path);
  EXPECT_EQ(c.done.size(), 2u);
  EXPECT_TRUE(c.torn_tail);
  {
    Journal j(path);
    EXPECT_TRUE(j.initial().torn_tail);
    j.append({done("c")});
  }
  c = read_journal(path);
  ASSERT_EQ(c.done.size(), 3u);
  EXPECT_EQ(c.done[2].task_id, "c");
  EXPECT_FALSE(c.torn_tail);
}

TEST(Journal, ZeroFilledTailIsTorn) {
  TempDir d("journal_zeros");
  const std::string path = d / "journal.log";
  { Journal(path).append({done("a")}); }
  append_raw(path, std::string(4096, '\0'));  // a block allocated but never written
  const auto c = read_journal(path);
  EXPECT_EQ(c.done.size(), 1u);
  EXPECT_TRUE(c.torn_tail);
}

TEST(Journal, LastLineWithBadChecksumIsTorn) {
  TempDir d("journal_badsum_last");
  const std::string path = d / "journal.log";
  { Journal(path).append({done("a"), done("b")}); }
  std::string text = read_text_file(path);
  text[text.size() - 3] = text[text.size() - 3] == '0' ? '1' : '0';  // flip a hex digit of the last hash
  write_file_atomically(path, text);
  const auto c = read_journal(path);
  EXPECT_EQ(c.done.size(), 1u);
  EXPECT_TRUE(c.torn_tail);
}

TEST(Journal, CorruptRecordBeforeValidOnesIsRefused) {
  TempDir d("journal_corrupt");
  const std::string path = d / "journal.log";
  { Journal(path).append({done("a"), done("b"), done("c")}); }
  std::string text = read_text_file(path);
  const auto pos = text.find("\"a\"");
  text[pos + 1] = 'z';  // record 1 no longer matches its checksum
  write_file_atomically(path, text);
  try {
    read_journal(path);
    FAIL() << "corruption accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(Journal{path}, Error);
}

TEST(Journal, AppendIsDurableWhenItReturns) {
  // A process killed right after append() returns has its record on disk:
  // nothing waits in a user-space buffer (append writes and fsyncs).
  TempDir d("journal_durable");
  const std::string path = d / "journal.log";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Journal j(path);
    j.append({done("survives")});
    ::kill(::getpid(), SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const auto c = read_journal(path);
  ASSERT_EQ(c.done.size(), 1u);
  EXPECT_EQ(c.done[0].task_id, "survives");
}
