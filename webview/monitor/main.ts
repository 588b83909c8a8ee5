/**
 * The training monitor's page. A view: it draws what the host sends (src/protocol/monitor.ts) and posts the
 * user's intents back; the only state it keeps is view state (smoothing, log scale, the sample step shown),
 * in getState/setState. Everything else comes again in `state` after each reload.
 */
import 'uplot/dist/uPlot.min.css';
import './monitor.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import {
  emptyColumns, type HostToMonitor, type MetricColumns, type MonitorIntent, type MonitorRun, type OverlayRun, type RunSummary,
} from '../../src/protocol/monitor';
import type { Alert } from '../../src/engine/types';
import { emaStart, smoothInto, type EmaState } from '../common/smoothing';
import { onThemeChange } from '../common/theme';
import { Chart, type SeriesSpec } from './chart';
import { headerStats, isLiveRun } from './stats';

interface VsCodeApi { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

interface ViewState { smoothing: number; log: boolean; sampleStep: number | null }

const api = acquireVsCodeApi();
const post = (m: MonitorIntent): void => api.postMessage(m);
const saved = (api.getState() ?? {}) as Partial<ViewState>;
const view: ViewState = {
  smoothing: typeof saved.smoothing === 'number' ? saved.smoothing : 0.9,
  log: saved.log === true,
  sampleStep: typeof saved.sampleStep === 'number' ? saved.sampleStep : null,
};
const saveView = (): void => api.setState(view);

// ── DOM ─────────────────────────────────────────────────────────────────────────────────────────────────────

type Attrs = Record<string, string | boolean | number>;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...kids: (Node | string)[]): HTMLElementTagNameMap[K];
function h(tag: string, attrs?: Attrs, ...kids: (Node | string)[]): HTMLElement;
function h(tag: string, attrs: Attrs = {}, ...kids: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...kids);
  return el;
}

const app = document.getElementById('app') ?? document.body;
const nonce = app.getAttribute('data-nonce');
if (nonce) (globalThis as { litNonce?: string }).litNonce = nonce;

const els = {
  empty: h('section', { class: 'empty' },
    h('p', {}, 'No training run in this window yet.'),
    h('p', { class: 'muted' }, 'Train the built-in DCGAN on the built-in dataset, or a generator/discriminator pair from a Python file.'),
  ),
  body: h('div', { class: 'run' }),
  status: h('span', { class: 'status', 'data-testid': 'status' }),
  runName: h('span', { class: 'run-name' }),
  device: h('div', { class: 'device muted', 'data-testid': 'device' }),
  progress: h('div', { class: 'progress' }),
  progressFill: h('div', { class: 'progress-fill' }),
  stats: h('div', { class: 'stats', 'data-testid': 'stats' }),
  alerts: h('div', { class: 'alerts', 'data-testid': 'alerts' }),
  lossChart: h('div', { class: 'chart', 'data-testid': 'loss-chart' }),
  lossReadout: h('div', { class: 'readout muted' }),
  dChart: h('div', { class: 'chart', 'data-testid': 'd-chart' }),
  dReadout: h('div', { class: 'readout muted' }),
  swdChart: h('div', { class: 'chart', 'data-testid': 'swd-chart' }),
  swdReadout: h('div', { class: 'readout muted' }),
  swdNote: h('p', { class: 'muted note' }),
  smoothing: h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, 'aria-label': 'Smoothing', 'data-testid': 'smoothing' }),
  smoothingValue: h('span', { class: 'slider-value' }),
  logScale: h('vscode-checkbox', { label: 'Log scale', 'data-testid': 'log-scale' }) as HTMLElement & { checked: boolean },
  sampleImg: h('img', { class: 'sample', alt: 'Fixed-noise sample grid', 'data-testid': 'sample' }),
  sampleNone: h('p', { class: 'muted note' }, 'The first sample grid appears after the first sampleEvery steps.'),
  sampleSlider: h('input', { type: 'range', min: 0, max: 0, step: 1, 'aria-label': 'Sample step', 'data-testid': 'sample-slider' }),
  sampleLabel: h('span', { class: 'slider-value', 'data-testid': 'sample-label' }),
  sampleStepRow: h('label', { class: 'slider' }, 'Step'),
  runs: h('div', { class: 'runs', 'data-testid': 'runs' }),
  buttons: {
    train: h('vscode-button', { 'data-testid': 'train' }, 'Train DCGAN'),
    trainEmpty: h('vscode-button', {}, 'Train DCGAN'),
    pause: h('vscode-button', { secondary: true, 'data-testid': 'pause' }, 'Pause'),
    resume: h('vscode-button', { 'data-testid': 'resume' }, 'Resume'),
    stop: h('vscode-button', { secondary: true, 'data-testid': 'stop' }, 'Stop'),
    folder: h('vscode-button', { secondary: true, title: 'Open Run Folder', 'data-testid': 'open-folder' }, 'Folder'),
    live: h('vscode-button', { secondary: true, title: 'Show the run training in this window', 'data-testid': 'show-live' }, 'Live run'),
  },
};

function section(title: string, ...kids: (Node | string)[]): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...kids);
}

els.empty.append(els.buttons.trainEmpty);
els.sampleStepRow.append(els.sampleSlider, els.sampleLabel);
els.progress.append(els.progressFill);
const b = els.buttons;
els.body.append(
  h('header', {},
    h('div', { class: 'title-row' }, els.status, els.runName),
    h('div', { class: 'actions' }, b.train, b.pause, b.resume, b.stop, b.live, b.folder),
    els.device,
    els.progress,
    els.stats,
  ),
  els.alerts,
  // the samples first: below the charts, the grid began at the view's bottom edge and showed half its rows
  section('Samples (fixed noise)', els.sampleNone, els.sampleImg, els.sampleStepRow),
  section('Loss',
    h('div', { class: 'controls' },
      h('label', { class: 'slider' }, 'Smoothing', els.smoothing, els.smoothingValue),
      els.logScale),
    els.lossChart, els.lossReadout),
  section('D(x) and D(G(z))', els.dChart, els.dReadout),
  section('Sliced Wasserstein distance', els.swdNote, els.swdChart, els.swdReadout),
);
const runsSection = section('Runs', els.runs);
app.append(els.empty, els.body, runsSection);

// ── state (what the host sent) ──────────────────────────────────────────────────────────────────────────────

let run: MonitorRun | null = null;
let runs: RunSummary[] = [];
let overlays: OverlayRun[] = [];

/** the smoothed series, extended incrementally as steps arrive */
interface Smoothed { lossD: (number | null)[]; lossG: (number | null)[]; dReal: (number | null)[]; dFake: (number | null)[]; ema: Record<'lossD' | 'lossG' | 'dReal' | 'dFake', EmaState> }
let sm: Smoothed = freshSmoothed();
let swd = { x: [] as number[], y: [] as (number | null)[], from: 0 };
let overlayData: { x: number[]; ys: (number | null)[][] } | null = null;

function freshSmoothed(): Smoothed {
  return { lossD: [], lossG: [], dReal: [], dFake: [], ema: { lossD: emaStart(), lossG: emaStart(), dReal: emaStart(), dFake: emaStart() } };
}

function metrics(): MetricColumns {
  return run?.metrics ?? emptyColumns();
}

/** Extends the smoothed series and the SWD points to the end of the metric columns. */
function derive(): void {
  const m = metrics();
  for (const k of ['lossD', 'lossG', 'dReal', 'dFake'] as const) smoothInto(m[k], view.smoothing, sm[k], sm.ema[k]);
  for (let i = swd.from; i < m.swd.length; i++) {
    const v = m.swd[i];
    if (v !== null) { swd.x.push(m.step[i] as number); swd.y.push(v); }
  }
  swd.from = m.swd.length;
}

function resmooth(): void {
  sm = freshSmoothed();
  derive();
  overlayData = alignOverlays();
}

// ── charts ──────────────────────────────────────────────────────────────────────────────────────────────────

const D_COLOR: [string, string] = ['--vscode-charts-blue', '#3794ff'];
const G_COLOR: [string, string] = ['--vscode-charts-orange', '#d18616'];
const OVERLAY_DASH = [[6, 4], [2, 3], [10, 3, 2, 3], [1, 5]];

function lossSeries(): SeriesSpec[] {
  const s: SeriesSpec[] = [
    { label: 'D raw', color: D_COLOR, alpha: 0.28, width: 1, quiet: true },
    { label: 'G raw', color: G_COLOR, alpha: 0.28, width: 1, quiet: true },
    { label: 'D', color: D_COLOR, width: 2 },
    { label: 'G', color: G_COLOR, width: 2 },
  ];
  overlays.forEach((o, i) => {
    const dash = OVERLAY_DASH[i % OVERLAY_DASH.length];
    s.push({ label: `D ${o.id}`, color: D_COLOR, alpha: 0.8, width: 1.5, dash, spanGaps: true },
      { label: `G ${o.id}`, color: G_COLOR, alpha: 0.8, width: 1.5, dash, spanGaps: true });
  });
  return s;
}

function yScale(): 'linear' | 'log' | 'asinh' {
  if (!view.log) return 'linear';
  // WGAN-GP losses are signed: asinh is log-like far from 0 and defined everywhere
  if (run?.loss === 'wgan-gp') return 'asinh';
  const m = metrics();
  const negative = (ys: (number | null)[]) => ys.some((v) => v !== null && v <= 0);
  return negative(m.lossD) || negative(m.lossG) ? 'asinh' : 'log';
}

const lossChart = new Chart(els.lossChart, { height: 170, series: lossSeries(), yScale: yScale(), readout: els.lossReadout });
const dChart = new Chart(els.dChart, {
  height: 130, readout: els.dReadout,
  series: [
    { label: 'D(x)', color: ['--vscode-charts-green', '#89d185'], width: 2 },
    { label: 'D(G(z))', color: ['--vscode-charts-purple', '#b180d7'], width: 2 },
  ],
});
const swdChart = new Chart(els.swdChart, {
  height: 110, readout: els.swdReadout,
  series: [{ label: 'SWD', color: ['--vscode-charts-yellow', '#cca700'], width: 1.5, points: true }],
});

/**
 * The shown run's steps joined with the overlaid runs' (uPlot wants one x array): a sorted union of steps,
 * null where a run has no value, drawn with spanGaps.
 */
function alignOverlays(): { x: number[]; ys: (number | null)[][] } | null {
  if (!overlays.length) return null;
  const m = metrics();
  const tables: [number[], ...(number | null)[][]][] = [
    [m.step as number[], m.lossD, m.lossG, sm.lossD, sm.lossG],
    ...overlays.map((o): [number[], ...(number | null)[][]] => {
      const e1 = emaStart(); const e2 = emaStart(); const d: (number | null)[] = []; const g: (number | null)[] = [];
      smoothInto(o.lossD, view.smoothing, d, e1, 0);
      smoothInto(o.lossG, view.smoothing, g, e2, 0);
      return [o.step, d, g];
    }),
  ];
  const xs = [...new Set(tables.flatMap((t) => t[0]))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys: (number | null)[][] = [];
  for (const t of tables) {
    for (let s = 1; s < t.length; s++) {
      const col = new Array<number | null>(xs.length).fill(null);
      t[0].forEach((x, i) => { col[at.get(x) as number] = t[s][i]; });
      ys.push(col);
    }
  }
  return { x: xs, ys };
}

let dirty = { charts: false, header: false, samples: false, alerts: false, runs: false };
let frame = 0;
let workMs = 0;

function schedule(parts: Partial<typeof dirty>): void {
  dirty = { ...dirty, ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v)) } as typeof dirty;
  frame ||= requestAnimationFrame(render);
}

function render(): void {
  frame = 0;
  const t0 = performance.now();
  const d = dirty;
  dirty = { charts: false, header: false, samples: false, alerts: false, runs: false };
  els.empty.hidden = run !== null;
  els.body.hidden = run === null;
  if (d.header) renderHeader();
  if (d.alerts) renderAlerts();
  if (d.charts) renderCharts();
  if (d.samples) renderSamples();
  if (d.runs) renderRuns();
  // uPlot draws in a microtask after setData: this one runs after it
  queueMicrotask(() => {
    workMs += performance.now() - t0;
    // read by scripts/benchMonitor.ts: the work of the last update, message handling included
    document.dispatchEvent(new CustomEvent('monitor-rendered', { detail: { workMs } }));
    workMs = 0;
  });
}

function renderCharts(): void {
  const m = metrics();
  if (overlayData) lossChart.setData(overlayData.x, overlayData.ys);
  else lossChart.setData(m.step as number[], [m.lossD, m.lossG, sm.lossD, sm.lossG]);
  dChart.setData(m.step as number[], [sm.dReal, sm.dFake]);
  swdChart.setData(swd.x, [swd.y]);
  // how many steps each chart holds (the e2e test reads it; the canvas does not say)
  els.lossChart.dataset.points = String(m.step.length);
  els.dChart.dataset.points = String(m.step.length);
  els.swdChart.dataset.points = String(swd.x.length);
  const swdOff = swd.x.length === 0;
  els.swdChart.hidden = swdOff;
  els.swdNote.hidden = !swdOff;
  els.swdNote.textContent = m.step.length
    ? 'No SWD points yet: the quality metric is computed every swdEvery steps (0 turns it off).'
    : 'Waiting for the first steps.';
}

// ── header ──────────────────────────────────────────────────────────────────────────────────────────────────

function statusLabel(r: MonitorRun): string {
  if (r.status === 'done' && r.result?.stoppedEarly) return 'stopped';
  if (r.status === 'saved') return 'saved run';
  return r.status;
}

function stat(label: string, value: string, testid: string): HTMLElement {
  return h('div', { class: 'stat', 'data-testid': testid }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
}

function renderHeader(): void {
  if (!run) return;
  const m = run.metrics;
  const label = statusLabel(run);
  els.status.textContent = label;
  els.status.dataset.status = label.replace(' ', '-');
  els.runName.textContent = run.id;
  els.runName.title = run.id;
  const be = run.start?.backend;
  // e.g. "torch · NVIDIA H200 (CUDA 13.0, torch 2.11.0) · 8 processes" (torchrun: rank 0 reports for all)
  const processes = be?.processes && be.processes > 1 ? ` · ${be.processes} processes` : '';
  els.device.textContent = be ? `${be.name} · ${be.device}${processes}` : run.origin === 'past' ? 'read from the run folder' : 'starting the worker…';
  if (run.start) els.device.title = `${run.start.model}\n${run.start.dataset.source}: ${run.start.dataset.count} images${be?.python ? `\npython: ${be.python}` : ''}`;
  const step = m.step[m.step.length - 1] ?? 0;
  const total = run.totalSteps ?? run.start?.totalSteps;
  const liveRun = isLiveRun(run);
  els.progressFill.style.width = total ? `${Math.min(100, (100 * step) / total)}%` : '0';
  els.stats.replaceChildren(...headerStats(run).map((x) => stat(x.label, x.value, x.testid)));
  const live = run.origin === 'live';
  b.train.hidden = liveRun;
  b.pause.hidden = !(live && run.status === 'running');
  b.resume.hidden = !(live && run.status === 'paused');
  b.stop.hidden = !(live && (run.status === 'running' || run.status === 'paused' || run.status === 'starting'));
  b.live.hidden = live || !runs.some((r) => r.live);
}

const ALERT_TITLES: Record<Alert['kind'], string> = { 'mode-collapse': 'Mode collapse', 'd-loss-zero': 'D loss → 0', nan: 'NaN' };

function renderAlerts(): void {
  const items: HTMLElement[] = [];
  if (run?.error) items.push(h('div', { class: 'alert error', role: 'alert' }, h('strong', {}, 'Failed'), ' ', run.error));
  // a stop on request is said by the status; another reason (a NaN loss) is said here
  if (run?.result?.reason && run.result.stoppedEarly && run.result.reason !== 'stopped') items.push(h('div', { class: 'alert info' }, h('strong', {}, `Stopped at step ${run.result.steps}`), ' ', run.result.reason));
  for (const a of run?.alerts ?? []) {
    // the title says what and when; the message's own "Step N: mode collapse:" would say it twice
    const title = ALERT_TITLES[a.kind];
    let text = a.message.replace(/^Step \d+:\s*/i, '');
    if (text.toLowerCase().startsWith(`${title.toLowerCase()}:`)) text = text.slice(title.length + 1).trim();
    // collapsed to one line (what and when, and the start of why); opened, the whole advice
    const details = h('details', { class: `alert ${a.kind === 'nan' ? 'error' : 'warning'}`, role: 'alert', 'data-kind': a.kind },
      h('summary', {}, h('strong', {}, `${title} · step ${a.step}`), ' ', h('span', { class: 'alert-preview' }, text)),
      h('p', {}, text));
    items.push(details);
  }
  els.alerts.replaceChildren(...items);
  els.alerts.hidden = items.length === 0;
}

// ── samples ─────────────────────────────────────────────────────────────────────────────────────────────────

function renderSamples(): void {
  const s = run?.samples ?? [];
  els.sampleNone.hidden = s.length > 0;
  els.sampleImg.hidden = s.length === 0;
  els.sampleSlider.disabled = s.length < 2;
  if (!s.length) { els.sampleLabel.textContent = ''; els.sampleImg.removeAttribute('src'); return; }
  // the chosen step, or the newest grid (following the run) when none was chosen
  let i = s.length - 1;
  if (view.sampleStep !== null) {
    const k = s.findIndex((x) => x.step >= (view.sampleStep as number));
    if (k >= 0) i = k;
  }
  els.sampleSlider.max = String(s.length - 1);
  els.sampleSlider.value = String(i);
  els.sampleLabel.textContent = `step ${s[i].step} (${i + 1} of ${s.length})`;
  // only the grid on screen is loaded
  if (els.sampleImg.getAttribute('src') !== s[i].uri) els.sampleImg.src = s[i].uri;
}

/** Below this height the grid is not made smaller to fit the view: the view is then scrolled to see it whole. */
const SAMPLE_MIN_PX = 160;

/**
 * The whole grid in view at any sidebar width: as wide as the sidebar allows (at most 512 px, monitor.css) and no
 * taller than the view below where it starts, its step slider included. CSS gets the height it may take
 * (--sample-room) and the image's own aspect ratio (--sample-aspect), and sizes it from both.
 */
function fitSample(): void {
  const img = els.sampleImg;
  if (img.hidden) return;
  if (img.naturalWidth && img.naturalHeight) img.style.setProperty('--sample-aspect', String(img.naturalWidth / img.naturalHeight));
  const box = img.getBoundingClientRect();
  const below = els.sampleStepRow.getBoundingClientRect().bottom - box.bottom + 8;
  const room = Math.max(SAMPLE_MIN_PX, Math.floor(window.innerHeight - (box.top + window.scrollY) - below));
  img.style.setProperty('--sample-room', `${room}px`);
  // pixelated only when enlarged: shrunk, it would drop whole rows of pixels, the gaps between tiles among them
  // (an 8×8 grid of 64-pixel images read as 4×4 in a narrow sidebar)
  img.classList.toggle('shrunk', img.naturalWidth > 0 && img.getBoundingClientRect().width - 2 < img.naturalWidth);
}

els.sampleImg.addEventListener('load', fitSample);
window.addEventListener('resize', fitSample);

els.sampleSlider.addEventListener('input', () => {
  const s = run?.samples ?? [];
  const i = Number(els.sampleSlider.value);
  view.sampleStep = i >= s.length - 1 ? null : s[i]?.step ?? null;
  saveView();
  schedule({ samples: true });
});

// ── runs list ───────────────────────────────────────────────────────────────────────────────────────────────

function renderRuns(): void {
  runsSection.hidden = runs.length === 0;
  const shown = run?.id;
  const overlaid = new Set(overlays.map((o) => o.id));
  els.runs.replaceChildren(...runs.map((r) => {
    const isShown = r.id === shown;
    const box = h('vscode-checkbox', { title: isShown ? 'This run is shown' : 'Overlay its loss curves', 'aria-label': `Overlay ${r.id}` }) as HTMLElement & { checked: boolean; disabled: boolean };
    box.checked = overlaid.has(r.id);
    box.disabled = isShown;
    box.addEventListener('change', () => {
      const ids = new Set(overlaid);
      if (box.checked) ids.add(r.id); else ids.delete(r.id);
      post({ type: 'overlay', ids: [...ids].slice(-4) });
    });
    const open = h('vscode-button', { secondary: true, 'data-testid': 'open-run' }, isShown ? 'Shown' : 'Open');
    open.toggleAttribute('disabled', isShown);
    open.addEventListener('click', () => post({ type: 'openRun', id: r.id }));
    const date = new Date(r.modified);
    const when = `${date.toLocaleDateString('en-CA')} ${date.toTimeString().slice(0, 5)}`;
    return h('div', { class: `run-row${isShown ? ' shown' : ''}`, 'data-run': r.id },
      box,
      h('div', { class: 'run-text' },
        h('div', { class: 'run-id', title: r.id }, r.id, ...(r.live ? [' ', h('vscode-badge', {}, 'live')] : [])),
        h('div', { class: 'muted' }, `${r.lastStep.toLocaleString('en-US')} steps · ${r.samples} grids · ${when}`)),
      open);
  }));
}

// ── messages from the host ──────────────────────────────────────────────────────────────────────────────────

const isShown = (runId: string): boolean => run !== null && run.id === runId && run.origin === 'live';

const handlers: { [T in HostToMonitor['type']]: (m: Extract<HostToMonitor, { type: T }>) => void } = {
  state: (m) => {
    const changedRun = run?.id !== m.run?.id;
    run = m.run;
    runs = m.runs;
    overlays = m.overlays;
    if (changedRun && view.sampleStep !== null && run && !run.samples.some((s) => s.step === view.sampleStep)) view.sampleStep = null;
    swd = { x: [], y: [], from: 0 };
    lossChart.configure({ series: lossSeries(), yScale: yScale() });
    resmooth();
    schedule({ charts: true, header: true, samples: true, alerts: true, runs: true });
  },
  metrics: (m) => {
    if (!run || !isShown(m.runId)) return;
    const cols = run.metrics;
    for (const k of Object.keys(cols) as (keyof MetricColumns)[]) {
      const src = m.metrics[k];
      for (let i = 0; i < src.length; i++) cols[k].push(src[i]);
    }
    derive();
    if (overlays.length) overlayData = alignOverlays();
    schedule({ charts: true, header: true });
  },
  status: (m) => {
    if (!run || !isShown(m.runId)) return;
    run.status = m.status;
    if (m.error !== undefined) run.error = m.error;
    if (m.result) run.result = m.result;
    schedule({ header: true, alerts: true });
  },
  started: (m) => {
    if (!run || !isShown(m.runId)) return;
    run.start = m.start;
    schedule({ header: true });
  },
  sample: (m) => {
    if (!run || !isShown(m.runId)) return;
    run.samples.push(m.sample);
    schedule({ samples: true });
  },
  alert: (m) => {
    if (!run || !isShown(m.runId)) return;
    run.alerts.push(m.alert);
    schedule({ alerts: true });
  },
  runs: (m) => {
    runs = m.runs;
    schedule({ runs: true, header: true });
  },
  overlays: (m) => {
    overlays = m.overlays;
    overlayData = alignOverlays();
    lossChart.configure({ series: lossSeries() });
    schedule({ charts: true, runs: true });
  },
};

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as HostToMonitor | null;
  if (!m || typeof m !== 'object' || !(m.type in handlers)) return;
  const t0 = performance.now();
  (handlers[m.type] as (m: HostToMonitor) => void)(m);
  workMs += performance.now() - t0;
});

// ── controls ────────────────────────────────────────────────────────────────────────────────────────────────

function showSmoothing(): void {
  els.smoothing.value = String(view.smoothing);
  els.smoothingValue.textContent = view.smoothing.toFixed(2);
}
showSmoothing();
els.smoothing.addEventListener('input', () => {
  const t0 = performance.now();
  view.smoothing = Number(els.smoothing.value);
  saveView();
  showSmoothing();
  resmooth();
  workMs += performance.now() - t0;
  schedule({ charts: true });
});

els.logScale.checked = view.log;
els.logScale.addEventListener('change', () => {
  const t0 = performance.now();
  view.log = els.logScale.checked;
  saveView();
  lossChart.configure({ yScale: yScale() });
  workMs += performance.now() - t0;
  schedule({ charts: true });
});

b.train.addEventListener('click', () => post({ type: 'train' }));
b.trainEmpty.addEventListener('click', () => post({ type: 'train' }));
b.pause.addEventListener('click', () => post({ type: 'pause' }));
b.resume.addEventListener('click', () => post({ type: 'resume' }));
b.stop.addEventListener('click', () => post({ type: 'stop' }));
b.folder.addEventListener('click', () => post({ type: 'openRunFolder' }));
b.live.addEventListener('click', () => {
  const live = runs.find((r) => r.live);
  if (live) post({ type: 'openRun', id: live.id });
});

// benchmark only (scripts/benchMonitor.ts): <body data-decimate="off"> draws every point, for comparison
if (document.body.dataset.decimate === 'off') for (const c of [lossChart, dChart, swdChart]) c.decimate = false;

// (the grid is fitted in the next frame: resizing it here would resize the observed body within its own callback)
new ResizeObserver(() => { lossChart.resize(); dChart.resize(); swdChart.resize(); requestAnimationFrame(fitSample); }).observe(els.body);
onThemeChange(() => { lossChart.retheme(); dChart.retheme(); swdChart.retheme(); });

els.body.hidden = true;
runsSection.hidden = true;
post({ type: 'ready' });

