#include "report/page.h"

#include <sstream>

namespace dynfault::report {
namespace {

std::string escape_html(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Plain text with `code` spans -> HTML.
std::string inline_html(const std::string& s) {
  std::string out, chunk;
  bool code = false;
  for (char c : s) {
    if (c != '`') {
      chunk += c;
      continue;
    }
    out += escape_html(chunk) + (code ? "</code>" : "<code>");
    chunk.clear();
    code = !code;
  }
  return out + escape_html(chunk) + (code ? "</code>" : "");
}

// A script or JSON inlined in <script>: "</script" and "<!--" must not appear in it.
// In JSON '<' occurs only inside strings, where \u003c is the same character.
std::string json_for_script(const nlohmann::json& j) {
  const std::string s = j.dump();
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}
std::string script_for_html(const std::string& js) {
  std::string out = js;
  for (size_t p = 0; (p = out.find("</script", p)) != std::string::npos; p += 2) out.replace(p, 2, "<\\/");
  return out;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

constexpr const char* kStyle = R"css(
body { font-family: sans-serif; margin: 0; color: #222; }
nav { position: sticky; top: 0; background: #f4f4f4; padding: 0.5em 1em; border-bottom: 1px solid #ddd; }
nav a { margin-right: 1em; }
main { padding: 0 1.5em 2em; max-width: 1200px; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #eee; }
td .paper { display: block; color: #555; font-size: 0.85em; }
td.differs { background: #fde2e1; }
td.differs .paper::after { content: " \2260"; color: #b00; font-weight: bold; }
figure { margin: 1.5em 0; }
figcaption { font-size: 0.9em; color: #333; }
.not-computed { border-left: 4px solid #e0a800; background: #fff8e1; padding: 0.4em 0.8em; margin: 0.6em 0; }
.note { color: #555; font-size: 0.85em; }
#report-errors { color: #b00; }
)css";

// Draws every specification with vega-embed as SVG (its default is canvas); any
// failure lands in #report-errors and on the console. When all are drawn, body
// gets data-rendered = the number of chart SVGs (what the browser test reads).
constexpr const char* kDrawScript = R"js(
(function () {
  var errors = document.getElementById('report-errors');
  function fail(message) {
    errors.hidden = false;
    errors.textContent += message + '\n';
    console.error(message);
  }
  window.addEventListener('error', function (e) { fail('error: ' + e.message); });
  var specs = JSON.parse(document.getElementById('report-specs').textContent);
  var names = Object.keys(specs);
  Promise.all(names.map(function (name) {
    return vegaEmbed('#chart-' + name, specs[name], { renderer: 'svg', actions: false })
      .catch(function (e) { fail(name + ': ' + e); });
  })).then(function () {
    document.body.setAttribute('data-rendered', String(document.querySelectorAll('.chart svg').length));
  });
})();
)js";

}  // namespace

std::string render_html(const Document& doc, const std::vector<std::pair<std::string, nlohmann::json>>& specs,
                        const WebAssets& web) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>dynfault report</title>\n"
    << "<meta name=\"dynfault-figures\" content=\"" << specs.size() << "\">\n"
    << "<style>" << kStyle << "</style>\n"
    << "<!-- " << escape_html(web.versions) << ", inlined so the page needs no network -->\n"
    << "<script>" << script_for_html(web.vega) << "</script>\n"
    << "<script>" << script_for_html(web.vega_lite) << "</script>\n"
    << "<script>" << script_for_html(web.vega_embed) << "</script>\n"
    << "</head>\n<body>\n<nav>";
  for (const Section& s : doc.sections) h << "<a href=\"#" << s.id << "\">" << escape_html(s.title) << "</a>";
  h << "</nav>\n<main>\n";
  for (const Section& s : doc.sections) {
    h << "<section id=\"" << s.id << "\">\n<h2>" << escape_html(s.title) << "</h2>\n";
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::Text:
          h << "<p>" << inline_html(b.text) << "</p>\n";
          break;
        case Block::Kind::Table: {
          const Table& t = b.table;
          h << "<table id=\"" << t.id << "\">\n<caption>" << inline_html(t.caption) << "</caption>\n<thead><tr>";
          for (const auto& c : t.header) h << "<th>" << escape_html(c) << "</th>";
          h << "</tr></thead>\n<tbody>\n";
          for (const auto& row : t.rows) {
            h << "<tr>";
            for (const TableCell& c : row) {
              h << "<td" << (c.differs ? " class=\"differs\"" : "");
              if (!c.verdict.empty()) h << " title=\"" << escape_html(c.verdict) << "\"";
              h << ">" << inline_html(c.text);
              if (!c.paper.empty())
                h << "<span class=\"paper\">paper " << escape_html(c.paper) << " (" << escape_html(c.verdict) << ")</span>";
              h << "</td>";
            }
            h << "</tr>\n";
          }
          h << "</tbody>\n</table>\n";
          if (!t.note.empty()) h << "<p class=\"note\">" << inline_html(t.note) << "</p>\n";
          break;
        }
        case Block::Kind::Figure:
          h << "<figure id=\"figure-" << b.figure << "\">\n<div class=\"chart\" id=\"chart-" << b.figure << "\"></div>\n"
            << "<figcaption><b>" << escape_html(b.artefact) << "</b> " << escape_html(b.title) << " (<a href=\"figures/"
            << b.figure << ".svg\">SVG</a>, <a href=\"figures/" << b.figure << ".vl.json\">Vega-Lite</a>)</figcaption>\n"
            << "</figure>\n";
          break;
        case Block::Kind::NotComputed:
          h << "<div class=\"not-computed\"><b>" << escape_html(b.artefact) << "</b> " << escape_html(b.title)
            << ": not computed — " << inline_html(b.reason) << ".";
          if (!b.command.empty()) h << " Computed by <code>" << escape_html(b.command) << "</code>.";
          h << "</div>\n";
          break;
      }
    }
    h << "</section>\n";
  }
  nlohmann::json all = nlohmann::json::object();
  for (const auto& [name, spec] : specs) all[name] = spec;
  h << "</main>\n<pre id=\"report-errors\" hidden></pre>\n"
    << "<script type=\"application/json\" id=\"report-specs\">" << json_for_script(all) << "</script>\n"
    << "<script>" << kDrawScript << "</script>\n</body>\n</html>\n";
  return h.str();
}

std::string render_markdown(const Document& doc, const std::string& corpus_composition,
                            const std::vector<std::pair<std::string, std::string>>& evaluation_summaries,
                            bool svg_written, const std::string& svg_warning) {
  std::ostringstream md;
  md << "# dynfault report\n\n";
  if (!svg_written) md << "> " << svg_warning << "\n\n";
  for (const Section& s : doc.sections) {
    md << (s.id == "overview" ? "" : "## " + s.title + "\n\n");
    if (s.id == "corpus") md << "```\n" << corpus_composition << "```\n\n";
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::Text:
          md << b.text << "\n\n";
          break;
        case Block::Kind::Table: {
          const Table& t = b.table;
          md << "**" << t.caption << "**\n\n|";
          for (const auto& c : t.header) md << " " << md_cell(c) << " |";
          md << "\n|";
          for (size_t i = 0; i < t.header.size(); ++i) md << "---|";
          md << "\n";
          for (const auto& row : t.rows) {
            md << "|";
            for (const TableCell& c : row) {
              std::string cell = c.text;
              if (!c.paper.empty()) cell += " (paper " + c.paper + (c.differs ? "; **≠** " : "; ") + c.verdict + ")";
              md << " " << md_cell(cell) << " |";
            }
            md << "\n";
          }
          if (!t.note.empty()) md << "\n" << t.note << "\n";
          md << "\n";
          break;
        }
        case Block::Kind::Figure:
          if (svg_written)
            md << "![" << b.artefact << ": " << b.title << "](figures/" << b.figure << ".svg)\n\n*" << b.artefact
               << ": " << b.title << "*\n\n";
          else
            md << "*" << b.artefact << ": " << b.title << "*: drawn in index.html only (figures/" << b.figure
               << ".vl.json).\n\n";
          break;
        case Block::Kind::NotComputed:
          md << "> **" << b.artefact << "** " << b.title << ": not computed — " << b.reason << ".";
          if (!b.command.empty()) md << " Computed by `" << b.command << "`.";
          md << "\n\n";
          break;
      }
    }
  }
  if (!evaluation_summaries.empty()) {
    md << "## Evaluation summaries (as `dynfault evaluate` wrote them)\n\n";
    for (const auto& [dir, text] : evaluation_summaries) {
      md << "From `" << dir << "/summary.md`:\n\n";
      std::istringstream in(text);  // one heading level down, under this page's sections
      for (std::string line; std::getline(in, line);) md << (line.rfind("#", 0) == 0 ? "##" + line : line) << "\n";
      md << "\n";
    }
  }
  return md.str();
}

}  // namespace dynfault::report
