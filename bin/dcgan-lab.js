#!/usr/bin/env node
'use strict';
// The CLI entry: the bundled dist/cli.js is built by `npm ci` (prepare) or `npm run build`.
const { main } = require('../dist/cli.js');
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`dcgan-lab: internal error: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 2; },
);
