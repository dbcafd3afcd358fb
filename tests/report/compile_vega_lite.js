// Compiles every Vega-Lite specification given with vega-lite (as the page
// does in the browser) and parses the result with vega: a spec vega-lite
// rejects, or that compiles with a warning, fails. Prints one line per spec.
//   node compile_vega_lite.js WEB_DIR SPEC.vl.json...
'use strict';
const fs = require('fs');
const path = require('path');

const [webDir, ...files] = process.argv.slice(2);
const vega = require(path.join(webDir, 'node_modules', 'vega'));
const vegaLite = require(path.join(webDir, 'node_modules', 'vega-lite'));
let failed = 0;
for (const file of files) {
  const warnings = [];
  const logger = {
    level() { return this; },
    warn(...m) { warnings.push(m.join(' ')); return this; },
    info() { return this; },
    debug() { return this; },
    error(...m) { warnings.push('error: ' + m.join(' ')); return this; },
  };
  try {
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    const compiled = vegaLite.compile(spec, { logger }).spec;
    vega.parse(compiled);
    if (warnings.length) throw new Error('vega-lite warnings: ' + warnings.join('; '));
    console.log('ok ' + path.basename(file));
  } catch (e) {
    failed += 1;
    console.log('FAIL ' + path.basename(file) + ': ' + String((e && e.message) || e));
  }
}
process.exit(failed ? 1 : 0);
