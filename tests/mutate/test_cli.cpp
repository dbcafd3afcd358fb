// `dynfault mutate` and `dynfault kill-test` end to end through the binary.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "mutate/catalogue.h"
#include "mutate/mutant.h"
#include "mutate/registry.h"
#include "tests/support/temp_dir.h"

using namespace dynfault;
using namespace dynfault::mutate;

namespace {

struct Result {
  int code = -1;
  std::string out, err;
};

#ifdef DYNFAULT_BINARY
Result run(const std::string& args) {
  const dynfault_test::TempDir dir("stderr");
  const auto err_path = dir.path() / "err.txt";
  const std::string cmd = std::string(DYNFAULT_BINARY) + " " + args + " 2>" + err_path.string();
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text_file(err_path.string());
  return r;
}
#define REQUIRE_BINARY()
#else
Result run(const std::string&) { return {}; }
#define REQUIRE_BINARY() GTEST_SKIP() << "the dynfault binary is not built in this configuration"
#endif

// A user error: exit 1, nothing on stdout, one line on stderr containing `part`.
void expect_user_error(const Result& r, const std::string& part) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace

TEST(MutateCli, ListsOperatorsAndProgramMutants) {
  REQUIRE_BINARY();
  const Result list = run("mutate --list");
  ASSERT_EQ(list.code, 0) << list.err;
  for (const Operator* op : operators().all()) EXPECT_NE(list.out.find(op->info().name), std::string::npos);
  EXPECT_NE(list.out.find("values: 16, 32, 128, 256"), std::string::npos);

  const Result prog = run("mutate --program 31556268");
  ASSERT_EQ(prog.code, 0) << prog.err;
  EXPECT_NE(prog.out.find("program 31556268 (FFNN): 105 mutants"), std::string::npos) << prog.out;
  EXPECT_NE(prog.out.find("31556268-change_batch_size-"), std::string::npos);
  EXPECT_NE(prog.out.find("batch_size 16 -> 32"), std::string::npos);
  EXPECT_NE(prog.out.find("change_kernel_size: applies to CNN programs; this one is FFNN"), std::string::npos);

  const Result js = run("mutate --program 31556268 --json");
  ASSERT_EQ(js.code, 0);
  EXPECT_EQ(Json::parse(js.out)["mutants"].size(), 105u);
}

TEST(MutateCli, WritesTheCatalogueAtomicallyAndOneMutant) {
  REQUIRE_BINARY();
  const dynfault_test::TempDir scratch;
  const auto& dir = scratch.path();
  const std::string out = (dir / "catalogue.json").string();
  const Result r = run("mutate --set dynfault38 --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  const Json cat = Json::parse(read_text_file(out));
  EXPECT_EQ(cat["programs"].size(), 38u);
  const ProgramZoo zoo(std::string(DYNFAULT_SOURCE_DIR) + "/programs");
  size_t expected = 0;
  for (const auto& id : zoo.set("dynfault38")) expected += mutants_of(zoo.load(id)).size();
  EXPECT_EQ(cat["mutants"].size(), expected);
  const Mutant first = mutant_from_json(cat["mutants"][0], "catalogue.json");
  EXPECT_EQ(first.id, cat["mutants"][0]["id"]);

  const std::string one = (dir / "one.json").string();
  const Result m = run("mutate --program 31556268 --operator change_learning_rate --params '{\"learning_rate\": 0.1}' --out " + one);
  ASSERT_EQ(m.code, 0) << m.err;
  const Mutant lr = mutant_from_json(Json::parse(read_text_file(one)), one);
  EXPECT_EQ(lr.spec.optimizer.learning_rate, 0.1);

  const Result counts = run("mutate --set dynfault38 --counts");
  ASSERT_EQ(counts.code, 0);
  EXPECT_EQ(counts.out, counts_markdown(zoo, "dynfault38"));
}

TEST(MutateCli, BadInputFailsWithOneLine) {
  REQUIRE_BINARY();
  expect_user_error(run("mutate --program 31556268 --operator no_such --params '{}'"), "unknown operator 'no_such'");
  expect_user_error(run("mutate --program 31556268 --operator change_batch_size --params '{\"batch_size\": -1}'"),
                    "out of range");
  expect_user_error(run("mutate --program 31556268 --operator change_kernel_size --params '{\"layer\": 0, \"kernel_size\": 3}'"),
                    "does not apply: applies to CNN programs");
  expect_user_error(run("mutate --program 31556268 --operator change_batch_size --params '{\"batch_size\": '"),
                    "--params: malformed JSON");
  expect_user_error(run("mutate --program 99999999"), "unknown program '99999999'");
  expect_user_error(run("mutate --set no_such_set --counts"), "unknown program set 'no_such_set'");
  expect_user_error(run("mutate --list --program 31556268"), "give exactly one of");
  // A failed catalogue write leaves nothing behind.
  const dynfault_test::TempDir scratch;
  const auto& dir = scratch.path();
  const Result r = run("mutate --set no_such_set --out " + (dir / "c.json").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "c.json"));
}

TEST(KillTestCli, PrintsTheVerdictAsJson) {
  REQUIRE_BINARY();
  const dynfault_test::TempDir scratch;
  const auto& dir = scratch.path();
  const auto a = (dir / "a.txt").string(), b = (dir / "b.txt").string(), bad = (dir / "bad.txt").string();
  std::ofstream(a) << "0.90\n0.91\n0.89\n0.92\n0.88\n";
  std::ofstream(b) << "0.60\n0.62\n0.61\n0.58\n0.59\n";
  std::ofstream(bad) << "0.5\nhalf\n";
  Result r = run("kill-test --original " + a + " --mutant " + b);
  ASSERT_EQ(r.code, 0) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["killed"], true);
  const KillResult direct = kill_test(read_values_file(a), read_values_file(b));
  EXPECT_EQ(j["p"].get<double>(), direct.p);
  EXPECT_EQ(j["d"].get<double>(), direct.d);
  EXPECT_EQ(j["power"].get<double>(), direct.power);
  // As losses, the mutant is better: not killed.
  r = run("kill-test --original " + a + " --mutant " + b + " --regression");
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(Json::parse(r.out)["killed"], false);
  expect_user_error(run("kill-test --original " + a + " --mutant " + bad), bad + ":2: not a number: 'half'");
  expect_user_error(run("kill-test --original " + (dir / "missing.txt").string() + " --mutant " + b), "missing.txt");
}
