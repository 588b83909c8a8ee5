/**
 * The monitor's header figures, and that they are the status bar's: for the same steps, the same img/s and ETA
 * (a new user saw 69.8 img/s in the status bar and 89 in the monitor at the same moment).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRAIN_DEFAULTS, type RunStart, type StepMetrics } from '../../../src/engine/types';
import { toColumns, type MonitorRun } from '../../../src/protocol/monitor';
import { RunStore } from '../../../src/vscode/training/runState';
import { statusView } from '../../../src/vscode/training/statusText';
import { headerStats } from '../../../webview/monitor/stats';

const start: RunStart = {
  backend: { name: 'wasm', tfBackend: 'wasm', device: 'CPU (WebAssembly, SIMD, 1 thread)', skipped: [] }, model: 'built-in DCGAN 32×32',
  generatorParams: 1000, discriminatorParams: 800, firstStep: 1, totalSteps: 1000,
  dataset: { source: 'built-in procedural dataset (seed 0)', count: 4096, sizes: [['64x64', 4096]], formats: { procedural: 4096 }, skipped: [] },
};

/** A live run fed as the session feeds the store, and the same run as the monitor's host sends it. */
function both(speeds: number[]): { status: string; header: Record<string, string> } {
  const store = new RunStore();
  store.begin({ ...TRAIN_DEFAULTS, out: '/ws/runs/run-20250101-000000', steps: 1000 });
  store.started(start);
  const metrics: StepMetrics[] = speeds.map((imgPerSec, i) => ({
    step: i + 1, epoch: 0, lossD: 1, lossG: 1, dReal: 0.5, dFake: 0.5, dFakeAfter: 0.5, gradNormD: 1, gradNormG: 1, imgPerSec, elapsedMs: 250 * (i + 1),
  }));
  for (const m of metrics) store.progress(m);
  const snap = store.snapshot()!;
  const run: MonitorRun = { id: snap.id, origin: 'live', status: 'running', totalSteps: 1000, start, metrics: toColumns(snap.metrics), samples: [], alerts: [] };
  return { status: statusView(snap).text, header: Object.fromEntries(headerStats(run).map((s) => [s.label, s.value])) };
}

test('the status bar and the monitor header show one img/s and one ETA for the same steps', () => {
  // the speeds a wasm run reports: a slow first step, then jitter around 70–90
  const speeds = [12, 71.3, 88.9, 69.8, 90.2, 75.5, 84.1, 69.8, 89, 77.7, 80.3, 73.9, 88.8, 70.1, 86.4, 79.9, 72.2, 89.5, 74.4, 83.3, 69.8, 89];
  const { status, header } = both(speeds);
  const inStatus = / · ([\d.,]+) img\/s · ETA (\S+)$/.exec(status);
  assert.ok(inStatus, status);
  assert.equal(header['img/s'], inStatus[1]);
  assert.equal(header.ETA, inStatus[2]);
  // the window's figure, not the last step's 89 (nor the first step's 12)
  assert.equal(header['img/s'], '79.4');
  assert.equal(header.step, '22 / 1,000');
});

test('before the first step: no figure; a past run shows its last window but no ETA', () => {
  const run: MonitorRun = { id: 'run-a', origin: 'past', status: 'saved', totalSteps: 10, metrics: toColumns([]), samples: [], alerts: [] };
  assert.deepEqual(headerStats(run).map((s) => s.value), ['0 / 10', '–', '–', '–', '–']);
});
