#include "report/web_assets.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/process.h"

namespace dynfault::report {
namespace fs = std::filesystem;

extern const char* const kRenderSvgJs;  // generated from report/render_svg.js

namespace {

constexpr const char* kInstallHint = "install them with `bash scripts/install-web.sh BUILD_DIR` (or scripts/install-deps.sh)";

struct Package {
  const char* name;
  const char* umd;  // minified UMD build inside the package
};
constexpr Package kPackages[] = {{"vega", "build/vega.min.js"},
                                 {"vega-lite", "build/vega-lite.min.js"},
                                 {"vega-embed", "build/vega-embed.min.js"}};

bool complete(const fs::path& dir) {
  for (const Package& p : kPackages)
    if (!fs::is_regular_file(dir / "node_modules" / p.name / p.umd)) return false;
  return true;
}

std::string version_of(const fs::path& dir, const char* package) {
  const std::string where = (dir / "node_modules" / package / "package.json").string();
  try {
    return nlohmann::json::parse(read_text_file(where)).at("version").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    throw Error(where, "corrupt package.json");
  }
}

}  // namespace

WebAssets load_web_assets(const std::string& explicit_dir, const std::string& self_path) {
  std::vector<fs::path> candidates;
  if (!explicit_dir.empty()) {
    candidates.push_back(explicit_dir);
  } else {
    if (const char* env = std::getenv("DYNFAULT_WEB_DIR"); env && *env) {
      candidates.push_back(env);
    } else if (!self_path.empty()) {
      const fs::path bin = fs::path(self_path).parent_path();
      candidates.push_back(bin.parent_path() / "web");
      candidates.push_back(bin.parent_path() / "share" / "dynfault" / "web");
    }
  }
  std::string tried;
  for (const fs::path& dir : candidates) {
    if (!complete(dir)) {
      tried += (tried.empty() ? "" : ", ") + dir.string();
      continue;
    }
    WebAssets w;
    w.dir = dir.string();
    w.vega = read_text_file((dir / "node_modules/vega" / kPackages[0].umd).string());
    w.vega_lite = read_text_file((dir / "node_modules/vega-lite" / kPackages[1].umd).string());
    w.vega_embed = read_text_file((dir / "node_modules/vega-embed" / kPackages[2].umd).string());
    w.versions = "vega " + version_of(dir, "vega") + ", vega-lite " + version_of(dir, "vega-lite") + ", vega-embed " +
                 version_of(dir, "vega-embed");
    return w;
  }
  throw Error(tried.empty() ? "DYNFAULT_WEB_DIR" : tried,
              std::string("vega, vega-lite and vega-embed not found; ") + kInstallHint);
}

std::map<std::string, std::string> render_svgs(const WebAssets& web,
                                               const std::vector<std::pair<std::string, nlohmann::json>>& specs,
                                               std::string& warning) {
  std::map<std::string, std::string> svgs;
  const char* node_env = std::getenv("DYNFAULT_NODE");
  const std::string node = node_env && *node_env ? node_env : "node";
  std::string scratch = (fs::temp_directory_path() / "dynfault-report-svg-XXXXXX").string();
  if (!::mkdtemp(scratch.data())) {
    warning = "SVG figures skipped: cannot create a scratch directory in " + fs::temp_directory_path().string();
    return svgs;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{scratch};
  nlohmann::json all = nlohmann::json::object();
  for (const auto& [name, spec] : specs) all[name] = spec;
  write_file_atomically(scratch + "/specs.json", all.dump());
  write_file_atomically(scratch + "/render_svg.js", kRenderSvgJs);
  std::string out;
  // Node's own messages (a crash, a deprecation notice) go to a file: the warning is one line.
  const std::string node_stderr = scratch + "/node.stderr";
  const int status =
      run_capturing({node, scratch + "/render_svg.js", web.dir, scratch + "/specs.json", scratch}, out, node_stderr);
  if (status != 0) {
    std::string first = out.substr(0, out.find('\n'));
    if (first.empty() && fs::exists(node_stderr)) {
      const std::string err = read_text_file(node_stderr);
      first = err.substr(0, err.find('\n'));
    }
    if (!first.empty() && status > 0 && out.empty()) first = node + " exited with status " + std::to_string(status) + ": " + first;
    warning = status < 0 ? "SVG figures skipped: Node (`" + node + "`) not found; index.html draws them in the browser"
                         : "SVG figures skipped: " + (first.empty() ? node + " exited with status " + std::to_string(status) : first);
    return {};
  }
  for (const auto& [name, spec] : specs) svgs[name] = read_text_file(scratch + "/" + name + ".svg");
  return svgs;
}

}  // namespace dynfault::report
