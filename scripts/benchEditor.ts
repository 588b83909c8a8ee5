/**
 * `npm run bench:editor`: what a hover costs on a 1,000-line model file, in process (the provider's work:
 * analysis when the document changed, then finding the layer and writing the hover).
 * Activation in a real VS Code is measured by the e2e test (test/e2e/editor.test.ts) and printed there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FileAnalysis } from '../src/core/analysis';
import { documentShapes } from '../src/core/documentShapes';
import { hoverMarkdown, itemAt } from '../src/core/presentation';
import { StatementCache } from '../src/core/python/syntax';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function main(): Promise<void> {
  const files = readdirSync('examples').filter((f) => f.endsWith('.py')).sort();
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < 1000; i++) {
    const src = readFileSync(path.join('examples', files[i % files.length]), 'utf8').replace(/\bclass (\w+)/g, `class $1_${i}`);
    parts.push(src);
    n += src.split('\n').length;
  }
  const text = parts.join('\n');
  const lines = text.split('\n');
  const t0 = performance.now();
  const parser = await FileAnalysis.loadParser();
  const load = performance.now() - t0;
  const cache = new StatementCache();
  const settings = { inputSizes: [64] };
  let shapes = documentShapes(FileAnalysis.createSync(parser, text, { cache }), settings);
  const targets = shapes.layers.map((l) => l.range.start).slice(0, 200);
  while (targets.length < 200) targets.push(...targets.slice(0, 200 - targets.length));
  // warm
  for (let i = 0; i < 5; i++) shapes = documentShapes(FileAnalysis.createSync(parser, text, { cache }), settings);
  const hover: number[] = [];
  for (const p of targets) {
    const s = performance.now();
    const item = itemAt(shapes, { row: p.row, column: p.column + 1 });
    if (item) hoverMarkdown(item);
    hover.push(performance.now() - s);
  }
  const afterEdit: number[] = [];
  for (let i = 0; i < 40; i++) {
    const edited = lines.map((l, k) => (k === i * 20 ? `${l} ` : l)).join('\n');
    const s = performance.now();
    const sh = documentShapes(FileAnalysis.createSync(parser, edited, { cache }), settings);
    const p = targets[i];
    const item = itemAt(sh, { row: p.row, column: p.column + 1 });
    if (item) hoverMarkdown(item);
    afterEdit.push(performance.now() - s);
  }
  console.log(`${lines.length}-line file, ${shapes.layers.length} layers, ${shapes.runs.length} traced runs`);
  console.log(`tree-sitter wasm load (once, on the first analysis, not at activation): ${load.toFixed(0)} ms`);
  console.log(`hover on an analysed document (200 hovers): p50 ${pct(hover, 0.5).toFixed(3)} ms, p99 ${pct(hover, 0.99).toFixed(3)} ms`);
  console.log(`hover right after an edit (re-analysis + hover, 40 edits): p50 ${pct(afterEdit, 0.5).toFixed(1)} ms, p99 ${pct(afterEdit, 0.99).toFixed(1)} ms`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
