// Template rendering: placeholders, #SBATCH lines, shell quoting, template lookup.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "helpers.h"
#include "slurm/script_template.h"

using namespace dynfault::slurm;
using slurm_test::read_file;
using slurm_test::run;
using slurm_test::TempDir;
using slurm_test::write_file;

namespace {

ScriptTemplate make(const std::string& text) { return {"t.sbatch", "t.sbatch", text}; }

std::string expect_error(const ScriptTemplate& t, const TemplateValues& v) {
  try {
    render(t, v);
  } catch (const dynfault::Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "rendered without an error";
  return {};
}

}  // namespace

TEST(SlurmRender, ShellQuotedWordsSurviveBash) {
  for (const std::string word : {"plain", "/a/b-c_d.e:f=g@h%i+j,k", "two words", "it's", "$HOME", "`id`", "*",
                                 "", "tab\there", "new\nline", "back\\slash", "a'b'c", "--opt=\"x\""}) {
    std::string out;
    ASSERT_EQ(run({"bash", "-c", "printf '%s' " + shell_quote(word)}, out), 0) << word;
    EXPECT_EQ(out, word);
  }
  EXPECT_EQ(shell_quote("/plain/path"), "/plain/path");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(SlurmRender, FillsDirectivesRawAndShellLinesQuoted) {
  const auto t = make(
      "#!/bin/bash\n"
      "#SBATCH --time={{TIME}}\n"
      "#SBATCH --signal=B:USR1@{{LEAD}}\n"
      "DIR={{DIR}}\n"
      "ARGS=({{ARGS}})\n"
      "EMPTY=({{NONE}})\n");
  const TemplateValues v = {{"TIME", TemplateValue::word("01:00:00")},
                            {"LEAD", TemplateValue::word("300")},
                            {"DIR", TemplateValue::word("/x/my dir")},
                            {"ARGS", TemplateValue::list_of({"--a", "b c", "it's"})},
                            {"NONE", TemplateValue::list_of({})}};
  const std::string text = render(t, v);
  EXPECT_EQ(text,
            "#!/bin/bash\n"
            "# Rendered by `dynfault slurm submit` from t.sbatch: edit the template, not this file.\n"
            "#SBATCH --time=01:00:00\n"
            "#SBATCH --signal=B:USR1@300\n"
            "DIR='/x/my dir'\n"
            "ARGS=(--a 'b c' 'it'\\''s')\n"
            "EMPTY=()\n");
  EXPECT_EQ(render(t, v), text);  // a pure function
  // bash reads the values back exactly.
  std::string out;
  ASSERT_EQ(run({"bash", "-c", text + "printf '%s|' \"$DIR\" \"${#ARGS[@]}\" \"${ARGS[@]}\" \"${#EMPTY[@]}\""}, out), 0);
  EXPECT_EQ(out, "/x/my dir|3|--a|b c|it's|0|");
}

TEST(SlurmRender, LeavesOutDirectivesWithAnEmptyValue) {
  const auto t = make("#SBATCH --partition={{P}}\n#SBATCH --account={{A}}\necho {{A}}.\n");
  const std::string text =
      render(t, {{"P", TemplateValue::word("")}, {"A", TemplateValue::word("proj1")}});
  EXPECT_EQ(text, "#SBATCH --account=proj1\necho proj1.\n");
}

TEST(SlurmRender, RejectsBadPlaceholdersAndValues) {
  const TemplateValues v = {{"A", TemplateValue::word("x")}, {"L", TemplateValue::list_of({"a", "b"})}};
  EXPECT_NE(expect_error(make("ok\necho {{B}}\n"), v).find("t.sbatch:2: unknown placeholder '{{B}}'"),
            std::string::npos);
  EXPECT_NE(expect_error(make("echo {{A\n"), v).find("t.sbatch:1: '{{' without '}}'"), std::string::npos);
  EXPECT_NE(expect_error(make("echo {{a b}}\n"), v).find("malformed placeholder"), std::string::npos);
  EXPECT_NE(expect_error(make("#SBATCH --x={{L}}\n"), v).find("list"), std::string::npos);
  EXPECT_NE(expect_error(make("#SBATCH --x={{A}}\n"), {{"A", TemplateValue::word("a b")}}).find("'a b' contains whitespace"),
            std::string::npos);
}

TEST(SlurmRender, TemplatesComeFromTheSourceTreeTheEnvironmentOrTheBinary) {
  ::unsetenv("DYNFAULT_SLURM_DIR");
  for (const std::string name : {"campaign.sbatch", "collect-evaluate.sbatch"}) {
    const ScriptTemplate t = load_template(name);
    EXPECT_EQ(t.origin, std::string(DYNFAULT_SOURCE_DIR) + "/slurm/" + name);
    // The embedded copy is the source tree's (regenerated when a template changes).
    EXPECT_EQ(embedded_template(name), t.text) << name;
    EXPECT_EQ(t.text.rfind("#!/bin/bash\n", 0), 0u);
  }
  EXPECT_EQ(embedded_template("nope.sbatch"), "");

  TempDir d("templates");
  write_file(d / "campaign.sbatch", "#!/bin/bash\n#SBATCH --time={{TIME}}\n");
  ::setenv("DYNFAULT_SLURM_DIR", d.path().c_str(), 1);
  const ScriptTemplate custom = load_template("campaign.sbatch");
  EXPECT_EQ(custom.origin, d / "campaign.sbatch");
  EXPECT_EQ(custom.text, "#!/bin/bash\n#SBATCH --time={{TIME}}\n");
  try {
    load_template("collect-evaluate.sbatch");
    ADD_FAILURE() << "a template missing from DYNFAULT_SLURM_DIR must be an error";
  } catch (const dynfault::Error& e) {
    EXPECT_NE(std::string(e.what()).find("DYNFAULT_SLURM_DIR"), std::string::npos) << e.what();
  }
  ::unsetenv("DYNFAULT_SLURM_DIR");
}
