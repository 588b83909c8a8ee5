/**
 * `npm run bench:monitor`: how fast the training monitor redraws with 100,000 steps in it.
 *
 * Loads the built page (dist/webview/monitor.js and .css, as the extension ships them) in headless Chromium
 * (playwright-core, /usr/bin/chromium) inside a minimal HTML harness: the webview's CSP, a dark theme's
 * --vscode-* variables, and an acquireVsCodeApi() stand-in. Host messages are delivered as the webview gets
 * them (window 'message' events). The page reports the work of each update (message handling + drawing) in a
 * 'monitor-rendered' event; wall time adds the wait for the next animation frame.
 *
 * Measured, median of several: the full load of 100k points (`state`), the append of one batch at 100k
 * (`metrics`, 10 steps: what ~100 ms of a fast run holds), a smoothing slider change, the log-scale toggle;
 * with min/max decimation (what ships) and without it (every point to uPlot), for comparison.
 *
 * Options: --points N (default 100000), --shots DIR (also writes harness screenshots, dark and light).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { METRIC_KEYS, type MetricColumns, type MonitorRun, type StateMessage } from '../src/protocol/monitor';

const ROOT = path.resolve(__dirname, '..');

// The functions passed to evaluate() run in the page; the project's tsconfig has no DOM lib, so the little of
// the DOM they use is declared here.
interface RenderedEvent { detail: { workMs: number } }
declare const document: {
  addEventListener(type: 'monitor-rendered', fn: (e: RenderedEvent) => void, opts: { once: boolean }): void;
  querySelectorAll(selector: string): { length: number };
};
declare const window: { dispatchEvent(e: unknown): void; __posted: { type: string }[]; __csp: string[] };
declare const MessageEvent: new (type: string, init: { data: unknown }) => unknown;
const CHROMIUM = process.env.DCGAN_LAB_CHROMIUM ?? '/usr/bin/chromium';
const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const POINTS = Number(arg('--points') ?? 100_000);
const SHOTS = arg('--shots');

export const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': "system-ui, 'Ubuntu', 'Droid Sans', sans-serif", '--vscode-font-size': '13px',
  '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f', '--vscode-sideBar-background': '#181818',
  '--vscode-sideBarSectionHeader-foreground': '#cccccc', '--vscode-focusBorder': '#0078d4',
  '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-charts-red': '#f14c4c', '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7',
  '--vscode-progressBar-background': '#0078d4', '--vscode-widget-border': '#313131',
  '--vscode-list-inactiveSelectionBackground': '#37373d', '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-inputValidation-warningBackground': '#352a05', '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
};
export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171',
  '--vscode-editor-background': '#ffffff', '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-sideBarSectionHeader-foreground': '#3b3b3b', '--vscode-focusBorder': '#005fb8',
  '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-charts-red': '#e51400', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-yellow': '#bf8803',
  '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90',
  '--vscode-widget-border': '#e5e5e5', '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
  '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-inputValidation-warningBackground': '#f6f5d2',
  '--vscode-inputValidation-errorBackground': '#f2dede',
  '--vscode-button-background': '#005fb8', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
};

/** A run of N steps shaped like a GAN's: D loss falling then noisy, G loss rising, a few NaN-free spikes. */
export function syntheticColumns(n: number, from = 1): MetricColumns {
  const cols = Object.fromEntries(METRIC_KEYS.map((k) => [k, [] as (number | null)[]])) as MetricColumns;
  let seed = 12345 + from;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  for (let s = from; s < from + n; s++) {
    const t = s / 100_000;
    cols.step.push(s);
    cols.epoch.push(Math.floor(s / 100));
    cols.lossD.push(0.4 + 0.9 * Math.exp(-6 * t) + 0.25 * (rnd() - 0.5) + (rnd() < 0.001 ? 1.5 : 0));
    cols.lossG.push(1.2 + 2.0 * (1 - Math.exp(-4 * t)) + 0.8 * (rnd() - 0.5));
    cols.dReal.push(0.6 + 0.25 * (1 - Math.exp(-5 * t)) + 0.1 * (rnd() - 0.5));
    cols.dFake.push(0.4 - 0.3 * (1 - Math.exp(-5 * t)) + 0.1 * (rnd() - 0.5));
    cols.imgPerSec.push(500 + 40 * rnd());
    cols.elapsedMs.push(s * 250);
    cols.swd.push(s % 500 === 0 ? 0.3 * Math.exp(-3 * t) + 0.02 + 0.01 * rnd() : null);
  }
  return cols;
}

export function harnessHtml(opts: { theme: Record<string, string>; kind: 'vscode-dark' | 'vscode-light'; decimate: boolean }): string {
  const nonce = 'bench0nonce';
  const vars = Object.entries(opts.theme).map(([k, v]) => `${k}: ${v}`).join('; ');
  // the host's CSP (src/vscode/monitor/view.ts), with file: for the harness's local files
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src file: 'nonce-${nonce}'; img-src file: data:; font-src file:`;
  return `<!DOCTYPE html><html lang="en" style="${vars}"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="monitor.css"></head>
<body class="${opts.kind}"${opts.decimate ? '' : ' data-decimate="off"'}><main id="app" data-nonce="${nonce}"></main>
<script nonce="${nonce}">
  window.__posted = []; window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  let state;
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => state, setState: (s) => { state = s; } });
</script>
<script nonce="${nonce}" src="monitor.js"></script></body></html>`;
}

/** Delivers MSG as a host message and resolves with the page's work (ms) and the wall time to the drawn frame. */
async function deliver(page: Page, msg: unknown): Promise<{ work: number; wall: number }> {
  return page.evaluate((m) => new Promise<{ work: number; wall: number }>((resolve) => {
    const t0 = performance.now();
    document.addEventListener('monitor-rendered', (e) => resolve({ work: e.detail.workMs, wall: performance.now() - t0 }), { once: true });
    window.dispatchEvent(new MessageEvent('message', { data: m }));
  }), msg);
}

/** Runs ACT in the page (a control change) and resolves like deliver(). */
async function interact(page: Page, act: string): Promise<{ work: number; wall: number }> {
  return page.evaluate((code) => new Promise<{ work: number; wall: number }>((resolve) => {
    const t0 = performance.now();
    document.addEventListener('monitor-rendered', (e) => resolve({ work: e.detail.workMs, wall: performance.now() - t0 }), { once: true });
    new Function(code)();
  }), act);
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

export function benchRun(n: number, samples: { step: number; uri: string }[] = []): MonitorRun {
  return {
    id: 'run-bench', origin: 'live', status: 'running', totalSteps: n + 10_000, loss: 'bce',
    start: {
      backend: { name: 'wasm', tfBackend: 'wasm', device: 'CPU (WebAssembly, SIMD, 1 thread)', skipped: [] },
      model: 'built-in DCGAN 32×32 (ngf 16, ndf 16, nz 100)', generatorParams: 1, discriminatorParams: 1,
      dataset: { source: 'built-in procedural dataset (seed 0)', count: 10000, sizes: [], formats: {}, skipped: [] },
      firstStep: 1, totalSteps: n + 10_000,
    },
    metrics: syntheticColumns(n), samples,
    alerts: [{ step: 4200, kind: 'mode-collapse', message: 'the 64 fixed-noise samples are nearly identical (mean pairwise distance 0.004)' }],
  };
}

async function measure(page: Page, label: string): Promise<Record<string, number>> {
  const state = (): StateMessage => ({ type: 'state', run: benchRun(POINTS), runs: [], overlays: [] });
  const load: number[] = []; const loadWall: number[] = [];
  for (let i = 0; i < 5; i++) { const r = await deliver(page, state()); load.push(r.work); loadWall.push(r.wall); }
  const append: number[] = []; const appendWall: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await deliver(page, { type: 'metrics', runId: 'run-bench', metrics: syntheticColumns(10, POINTS + 1 + i * 10) });
    append.push(r.work); appendWall.push(r.wall);
  }
  const slider: number[] = []; const sliderWall: number[] = [];
  for (let i = 0; i < 10; i++) {
    const v = (0.5 + 0.04 * i).toFixed(2);
    const r = await interact(page, `const s = document.querySelector('[data-testid=smoothing]'); s.value = '${v}'; s.dispatchEvent(new Event('input'));`);
    slider.push(r.work); sliderWall.push(r.wall);
  }
  const log: number[] = []; const logWall: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await interact(page, `const c = document.querySelector('[data-testid=log-scale]'); c.checked = !c.checked; c.dispatchEvent(new Event('change'));`);
    log.push(r.work); logWall.push(r.wall);
  }
  const drawn = await page.evaluate(() => document.querySelectorAll('canvas').length);
  const res = {
    'full load of 100k points': median(load), 'full load (wall)': median(loadWall),
    'append one batch (10 steps) at 100k': median(append), 'append (wall)': median(appendWall),
    'smoothing slider change': median(slider), 'smoothing (wall)': median(sliderWall),
    'log-scale toggle': median(log), 'log-scale (wall)': median(logWall),
  };
  console.log(`\n${label} (${POINTS.toLocaleString('en-US')} points, ${drawn} charts; ms, median)`);
  for (const [k, v] of Object.entries(res)) console.log(`  ${k.padEnd(40)} ${v.toFixed(1)}`);
  return res;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/webview/monitor.js'))) execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dcgan-monitor-bench-'));
  try {
    for (const f of ['monitor.js', 'monitor.css']) copyFileSync(path.join(ROOT, 'dist/webview', f), path.join(dir, f));
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const results: Record<string, Record<string, number>> = {};
      for (const decimate of [true, false]) {
        const file = path.join(dir, `monitor-${decimate ? 'decimated' : 'full'}.html`);
        writeFileSync(file, harnessHtml({ theme: DARK_THEME, kind: 'vscode-dark', decimate }));
        // a sidebar's width
        const page = await browser.newPage({ viewport: { width: 420, height: 1100 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        await page.goto(`file://${file}`);
        await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
        results[decimate ? 'decimated' : 'full'] = await measure(page, decimate ? 'With min/max decimation (shipped)' : 'Without decimation (every point to uPlot)');
        const csp = await page.evaluate(() => window.__csp);
        if (csp.length || errors.length) console.log(`  page problems: ${[...csp.map((c) => `CSP: ${c}`), ...errors].join('; ')}`);
        await page.close();
      }
      if (SHOTS) await screenshots(browser, dir, SHOTS);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function screenshots(browser: import('playwright-core').Browser, dir: string, out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  // a stand-in sample grid: 8×8 tiles of colour blobs
  const W = 256; const raw = Buffer.alloc(W * W * 3);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
    const tx = x % 32 - 16; const ty = y % 32 - 16; const t = ((x >> 5) * 7 + (y >> 5) * 3) % 8;
    const blob = Math.exp(-(tx * tx + ty * ty) / 60);
    raw.set([40 + 180 * blob * (t % 3 === 0 ? 1 : 0.3), 40 + 180 * blob * (t % 3 === 1 ? 1 : 0.4), 60 + 160 * blob * (t % 3 === 2 ? 1 : 0.5)], (y * W + x) * 3);
  }
  const sharp = require('sharp') as typeof import('sharp');
  await sharp(raw, { raw: { width: W, height: W, channels: 3 } }).png().toFile(path.join(dir, 'grid.png'));
  for (const [kind, theme] of [['vscode-dark', DARK_THEME], ['vscode-light', LIGHT_THEME]] as const) {
    const file = path.join(dir, `shot-${kind}.html`);
    writeFileSync(file, harnessHtml({ theme, kind, decimate: true }));
    const page = await browser.newPage({ viewport: { width: 360, height: 1300 } });
    await page.goto(`file://${file}`);
    const samples = [1000, 2000, 3000].map((step) => ({ step, uri: `file://${path.join(dir, 'grid.png')}` }));
    const run = benchRun(3000, samples);
    await deliver(page, {
      type: 'state', run,
      runs: [{ id: 'run-bench', lastStep: 3000, samples: 3, modified: Date.now(), live: true },
        { id: 'run-20250101-120000', lastStep: 5000, samples: 50, modified: Date.now() - 86_400_000, live: false }],
      overlays: [],
    } satisfies StateMessage);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, `bench-${kind}.png`), fullPage: true });
    await page.close();
  }
  console.log(`\nscreenshots: ${out}/bench-vscode-dark.png, bench-vscode-light.png`);
}

if (require.main === module) {
  main().catch((e: unknown) => { console.error(e); process.exit(1); });
}
