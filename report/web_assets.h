#pragma once
// The vega packages the report inlines and draws with: the minified UMD files of
// vega, vega-lite and vega-embed, installed by scripts/install-web.sh (npm ci of
// report/web/package-lock.json) into a "web directory". Looked up, first found:
//   1. --web-dir DIR, 2. $DYNFAULT_WEB_DIR, 3. <binary>/../web (a build tree:
//   build/cli/dynfault -> build/web), 4. <binary>/../share/dynfault/web (installed).
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dynfault::report {

struct WebAssets {
  std::string dir;      // the web directory
  std::string vega, vega_lite, vega_embed;  // the minified UMD scripts
  std::string versions; // "vega 5.33.0, vega-lite 5.23.0, vega-embed 6.29.0"
};

// Throws a one-line Error naming the directories tried and the install command.
WebAssets load_web_assets(const std::string& explicit_dir, const std::string& self_path);

// Renders every Vega-Lite spec to SVG with Node (vega's View.toSVG, no canvas).
// Returns name -> SVG; on failure (no node, a spec vega rejects) returns nothing
// and sets `warning` to one line.
std::map<std::string, std::string> render_svgs(const WebAssets& web,
                                               const std::vector<std::pair<std::string, nlohmann::json>>& specs,
                                               std::string& warning);

}  // namespace dynfault::report
