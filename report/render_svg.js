// Draws Vega-Lite specifications as SVG with vega's headless View.toSVG()
// (renderer "none": no canvas, no browser). Run by `dynfault report`:
//   node render_svg.js WEB_DIR SPECS.json OUT_DIR
// SPECS.json: {"<name>": <vega-lite spec>, ...}; writes OUT_DIR/<name>.svg.
// Any failure: one line "render_svg: <name>: <message>" on stdout, exit 1.
'use strict';
const fs = require('fs');
const path = require('path');

const [webDir, specsPath, outDir] = process.argv.slice(2);
let current = '(start)';
(async () => {
  const vega = require(path.join(webDir, 'node_modules', 'vega'));
  const vegaLite = require(path.join(webDir, 'node_modules', 'vega-lite'));
  const specs = JSON.parse(fs.readFileSync(specsPath, 'utf8'));
  for (const name of Object.keys(specs)) {
    current = name;
    const compiled = vegaLite.compile(specs[name]).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
    const svg = await view.toSVG();
    view.finalize();
    fs.writeFileSync(path.join(outDir, name + '.svg'), svg + '\n');
  }
})().catch((e) => {
  console.log('render_svg: ' + current + ': ' + String((e && e.message) || e).split('\n')[0]);
  process.exit(1);
});
