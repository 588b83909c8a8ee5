/**
 * `npm run bench:editor`: what a hover costs on a 1,000-line model file.
 *  1. In process: the provider's work (analysis when the document changed, then finding the layer and writing
 *     the hover), without VS Code.
 *  2. In a real VS Code (code-server + Chromium, when installed: scripts/e2e-setup.sh): the packaged extension's
 *     activation and 200 hovers through VS Code's hover request path, measured by a test-only probe extension
 *     (test/e2e/probe/) inside the extension host.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, e2eUnavailable, runCommand, startVSCode, waitFor } from '../test/e2e/harness';
import { FileAnalysis } from '../src/core/analysis';
import { documentShapes } from '../src/core/documentShapes';
import { hoverMarkdown, itemAt } from '../src/core/presentation';
import { StatementCache } from '../src/core/python/syntax';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function benchFile(): string {
  const files = readdirSync('examples').filter((f) => f.endsWith('.py')).sort();
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < 1000; i++) {
    const src = readFileSync(path.join('examples', files[i % files.length]), 'utf8').replace(/\bclass (\w+)/g, `class $1_${i}`);
    parts.push(src);
    n += src.split('\n').length;
  }
  return parts.join('\n');
}

async function inProcess(text: string): Promise<void> {
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

interface ProbeResult {
  lines: number; layers: number; shapedLayers: number; wasActive: boolean; activationMs: number; firstHoverMs: number;
  hovers: number; withShapes: number; p50: number; p99: number; max: number; error?: string;
}

async function inVSCode(text: string): Promise<void> {
  const why = e2eUnavailable();
  if (why) {
    console.log(`real VS Code part skipped: ${why}`);
    return;
  }
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'ignore' });
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'dcgan-lab-bench-'));
  writeFileSync(path.join(workspace, 'bench.py'), text);
  const result = path.join(workspace, 'probe-result.json');
  const vs = await startVSCode({ workspace, extensionVsix: path.join(ROOT, 'dcgan-lab.vsix'), extensionDir: 'test/e2e/probe' });
  try {
    await runCommand(vs.page, 'DCGAN Probe: Measure Activation and Hovers');
    await waitFor(() => existsSync(result), 180_000, 'the probe\'s result', 500);
    const r = JSON.parse(readFileSync(result, 'utf8')) as ProbeResult;
    if (r.error) throw new Error(`probe failed: ${r.error}`);
    console.log(`\nIn a real VS Code (code-server 4.100.3, packaged .vsix; ${r.lines}-line file, ${r.layers} layer constructions, ${r.shapedLayers} of them traced):`);
    console.log(`activation (require + activate(), timed around Extension.activate()${r.wasActive ? '; was already active' : ''}): ${r.activationMs.toFixed(1)} ms`);
    console.log(`first hover with shapes after opening the file (wasm load + first analysis + hover): ${r.firstHoverMs.toFixed(0)} ms`);
    console.log(`hover on a traced layer through vscode.executeHoverProvider (${r.hovers} hovers, ${r.withShapes} with shapes): p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms`);
  } finally {
    await vs.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const text = benchFile();
  await inProcess(text);
  await inVSCode(text);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
