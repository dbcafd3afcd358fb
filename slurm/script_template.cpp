#include "slurm/script_template.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace dynfault::slurm {
namespace fs = std::filesystem;

ScriptTemplate load_template(const std::string& name) {
  if (const char* dir = std::getenv("DYNFAULT_SLURM_DIR"); dir && *dir) {
    const fs::path path = fs::path(dir) / name;
    if (!fs::is_regular_file(path))
      throw Error(path.string(), "no such job-script template (DYNFAULT_SLURM_DIR is set to " + std::string(dir) + ")");
    return {name, path.string(), read_text_file(path.string())};
  }
  const fs::path source = fs::path(DYNFAULT_SOURCE_SLURM_DIR) / name;
  if (fs::is_regular_file(source)) return {name, source.string(), read_text_file(source.string())};
  std::string text = embedded_template(name);
  if (text.empty()) throw Error(name, "no such job-script template");
  return {name, "the copy built into dynfault", std::move(text)};
}

std::string shell_quote(const std::string& word) {
  bool safe = !word.empty();
  for (const char c : word) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string("_./:=@%+,-").find(c) != std::string::npos;
    if (!ok) safe = false;
  }
  if (safe) return word;
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

bool is_placeholder_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

bool holds_space_or_control(const std::string& s) {
  for (const unsigned char c : s)
    if (c <= ' ' || c == 0x7f) return true;
  return false;
}

}  // namespace

std::string render(const ScriptTemplate& t, const TemplateValues& values) {
  std::istringstream in(t.text);
  std::ostringstream out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = t.origin + ":" + std::to_string(number);
    const bool directive = line.rfind("#SBATCH", 0) == 0;
    std::string rendered;
    bool empty_directive_value = false;
    size_t pos = 0;
    for (;;) {
      const size_t open = line.find("{{", pos);
      if (open == std::string::npos) {
        rendered += line.substr(pos);
        break;
      }
      const size_t close = line.find("}}", open + 2);
      if (close == std::string::npos) throw Error(where, "'{{' without '}}'");
      const std::string name = line.substr(open + 2, close - open - 2);
      if (name.empty()) throw Error(where, "empty placeholder '{{}}'");
      for (const char c : name)
        if (!is_placeholder_char(c)) throw Error(where, "malformed placeholder '{{" + name + "}}'");
      const auto it = values.find(name);
      if (it == values.end()) throw Error(where, "unknown placeholder '{{" + name + "}}'");
      const TemplateValue& value = it->second;
      rendered += line.substr(pos, open - pos);
      if (directive) {
        if (value.list || value.words.size() != 1)
          throw Error(where, "'{{" + name + "}}' is a list, which an #SBATCH line cannot hold");
        const std::string& word = value.words.front();
        if (holds_space_or_control(word))
          throw Error(name, "'" + word + "' contains whitespace, which an #SBATCH line cannot hold");
        if (word.empty()) empty_directive_value = true;
        rendered += word;
      } else if (value.list) {
        for (size_t i = 0; i < value.words.size(); ++i) rendered += (i ? " " : "") + shell_quote(value.words[i]);
      } else {
        if (value.words.size() != 1) throw Error(where, "'{{" + name + "}}' needs exactly one word");
        rendered += shell_quote(value.words.front());
      }
      pos = close + 2;
    }
    if (empty_directive_value) continue;  // an option not given: leave Slurm's default
    out << rendered << "\n";
    if (number == 1 && line.rfind("#!", 0) == 0)
      out << "# Rendered by `dynfault slurm submit` from " << t.origin << ": edit the template, not this file.\n";
  }
  return out.str();
}

}  // namespace dynfault::slurm
