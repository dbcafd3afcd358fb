#pragma once
// Job-script templates (slurm/*.sbatch) and their rendering.
//
// A template is a working batch script in which `{{NAME}}` marks a value that
// `dynfault slurm submit` fills in:
//   - on an `#SBATCH` line the value is inserted as is (Slurm parses those lines
//     itself, so it must be one word without whitespace), and a line whose value
//     is empty is left out (e.g. no --account unless one is given);
//   - on any other line the value is shell-quoted: a single word, or for list
//     values the words separated by spaces (as in `ARGS=({{ARGS}})`).
// Rendering is a pure function of the template and the values.
#include <map>
#include <string>
#include <vector>

namespace dynfault::slurm {

struct TemplateValue {
  std::vector<std::string> words;
  bool list = false;

  static TemplateValue word(std::string w) { return {{std::move(w)}, false}; }
  static TemplateValue list_of(std::vector<std::string> ws) { return {std::move(ws), true}; }
};
using TemplateValues = std::map<std::string, TemplateValue>;

struct ScriptTemplate {
  std::string name;    // file name, e.g. "campaign.sbatch"
  std::string origin;  // where it was read: a path, or "the copy built into dynfault"
  std::string text;
};

// Finds a template, in the manner of the program zoo: $DYNFAULT_SLURM_DIR/<name>
// when that variable is set (an error if the file is missing there), else the
// source tree's slurm/<name>, else the copy embedded in the binary at build time.
ScriptTemplate load_template(const std::string& name);

// The copy embedded at build time (empty string if `name` is unknown).
std::string embedded_template(const std::string& name);

// Renders `t`; throws dynfault::Error naming the template and line for an unknown
// or malformed placeholder, and naming the value for one an #SBATCH line cannot hold.
std::string render(const ScriptTemplate& t, const TemplateValues& values);

// A word for a POSIX shell: unchanged if it has only safe characters, else single-quoted.
std::string shell_quote(const std::string& word);

}  // namespace dynfault::slurm
