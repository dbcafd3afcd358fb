#pragma once
// Renders the report's document: index.html (self-contained: the vega scripts
// and every specification inlined) and summary.md (the SVG files embedded).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/document.h"
#include "report/web_assets.h"

namespace dynfault::report {

std::string render_html(const Document& doc, const std::vector<std::pair<std::string, nlohmann::json>>& specs,
                        const WebAssets& web);

// `svg_written`: figures/<name>.svg exist, so the Markdown embeds them; else it says why not.
std::string render_markdown(const Document& doc, const std::string& corpus_composition,
                            const std::vector<std::pair<std::string, std::string>>& evaluation_summaries,
                            bool svg_written, const std::string& svg_warning);

}  // namespace dynfault::report
