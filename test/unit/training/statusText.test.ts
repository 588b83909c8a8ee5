/**
 * The status bar's words for each state of a run (from a RunStore fed as the session feeds it), the ETA from
 * the recent pace, and the scan report as the user reads it before step 1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRAIN_DEFAULTS, type RunStart, type StepMetrics } from '../../../src/engine/types';
import { RunStore } from '../../../src/vscode/training/runState';
import { etaMs, formatDuration, formatImgPerSec, recentImgPerSec } from '../../../src/core/progress';
import { scanReportLines, scanSummary, statusView } from '../../../src/vscode/training/statusText';

const start = (over: Partial<RunStart> = {}): RunStart => ({
  backend: { name: 'wasm', tfBackend: 'wasm', device: 'CPU (WebAssembly, SIMD, 1 thread)', skipped: [] }, model: 'built-in DCGAN 32×32',
  generatorParams: 1000, discriminatorParams: 800, firstStep: 1, totalSteps: 1000,
  dataset: { source: 'built-in procedural dataset (seed 0)', count: 4096, sizes: [['64x64', 4096]], formats: { procedural: 4096 }, skipped: [] }, ...over,
});
const metric = (step: number, elapsedMs: number, imgPerSec = 85.4): StepMetrics => ({
  step, epoch: 0, lossD: 1.2346, lossG: 0.6789, dReal: 0.61, dFake: 0.42, dFakeAfter: 0.4, gradNormD: 1, gradNormG: 1, imgPerSec, elapsedMs,
});
const text = (s: RunStore) => statusView(s.snapshot()!).text;

test('starting, then step/total, img/s and ETA, paused, stopping, stopped', () => {
  const s = new RunStore();
  s.begin({ ...TRAIN_DEFAULTS, out: '/ws/runs/run-20250101-000000', steps: 1000 });
  assert.equal(text(s), '$(loading~spin) DCGAN starting…');
  s.started(start());
  assert.equal(text(s), '$(pulse) DCGAN 0/1,000');
  s.progress(metric(1, 500));
  assert.equal(text(s), '$(pulse) DCGAN 1/1,000 · 85.4 img/s');
  // 10 steps in 2 s since step 1: 0.2 s a step, 880 steps to go → 2:56
  s.progress(metric(11, 2500));
  s.progress(metric(120, 24_300));
  assert.equal(text(s), '$(pulse) DCGAN 120/1,000 · 85.4 img/s · ETA 2:56');
  assert.match(statusView(s.snapshot()!).tooltip, /run-20250101-000000 on CPU \(WebAssembly, SIMD, 1 thread\)\nstep 120: loss D 1\.235, loss G 0\.679/);
  s.setStatus('paused');
  assert.equal(text(s), '$(debug-pause) DCGAN paused 120/1,000');
  s.setStatus('running');
  s.setStatus('stopping');
  assert.equal(text(s), '$(loading~spin) DCGAN stopping at 120/1,000…');
  s.setStatus('done', { result: { out: '/ws/runs/run-20250101-000000', steps: 121, stoppedEarly: true, reason: 'stopped', lastCheckpoint: 'c', generatorExport: null, discriminatorExport: null } });
  assert.equal(text(s), '$(debug-stop) DCGAN stopped at 121/1,000');
  assert.equal(statusView(s.snapshot()!).tone, undefined);
});

test('done, failed (red), stopped by NaN (amber), an alert colours the running item', () => {
  const s = new RunStore();
  s.begin({ ...TRAIN_DEFAULTS, out: '/r/run-a', steps: 200 });
  s.started(start({ totalSteps: 200 }));
  s.progress(metric(200, 9000));
  s.setStatus('done', { result: { out: '/r/run-a', steps: 200, stoppedEarly: false, lastCheckpoint: 'c', generatorExport: 'g', discriminatorExport: 'd' } });
  assert.equal(text(s), '$(check) DCGAN done: 200 steps');

  s.begin({ ...TRAIN_DEFAULTS, out: '/r/run-b', steps: 200 });
  s.setStatus('failed', { error: 'The training worker was killed (SIGKILL).' });
  assert.deepEqual(statusView(s.snapshot()!), { text: '$(error) DCGAN failed', tooltip: 'DCGAN run run-b failed: The training worker was killed (SIGKILL).\nClick to show the training monitor.', tone: 'error' });

  s.begin({ ...TRAIN_DEFAULTS, out: '/r/run-c', steps: 200 });
  s.started(start({ totalSteps: 200 }));
  s.progress(metric(50, 1000));
  s.alert({ step: 50, kind: 'mode-collapse', message: 'the samples look alike' });
  assert.equal(statusView(s.snapshot()!).tone, 'warning');
  s.setStatus('done', { result: { out: '/r/run-c', steps: 51, stoppedEarly: true, reason: 'loss is NaN', lastCheckpoint: null, generatorExport: null, discriminatorExport: null } });
  assert.equal(text(s), '$(debug-stop) DCGAN stopped at 51/200');
  assert.match(statusView(s.snapshot()!).tooltip, /stopped after step 51: loss is NaN/);
  assert.equal(statusView(s.snapshot()!).tone, 'warning');
});

test('ETA follows the last 20 steps (a pause or a slow start fades out), and needs two steps', () => {
  const eta = (ms: StepMetrics[], total: number) => etaMs(ms.map((x) => x.step), ms.map((x) => x.elapsedMs), total);
  assert.equal(eta([metric(1, 100)], 100), null);
  const m: StepMetrics[] = [metric(1, 60_000)]; // a minute of warm-up
  for (let k = 2; k <= 40; k++) m.push(metric(k, 60_000 + (k - 1) * 100));
  assert.equal(eta(m, 100), 60 * 100);
  // the monitor's columns may hold a gap (null) from a diverged step's row; the pace still reads
  assert.equal(etaMs([1, 2, 3], [0, 100, 200], 10), 700);
  assert.equal(formatDuration(null), '–');
  assert.equal(formatDuration(6000), '0:06');
  assert.equal(formatDuration(3_725_000), '1h02m');
});

test('img/s is the recent window\'s (the ETA\'s last 20 steps), not the last step\'s jittery figure', () => {
  const s = new RunStore();
  s.begin({ ...TRAIN_DEFAULTS, out: '/r/run-speed', steps: 1000 });
  s.started(start());
  // steps alternate 60 and 120 img/s (a garbage-collector pause every other step): 2 batches in 1/60 + 1/120 s
  for (let k = 1; k <= 40; k++) s.progress(metric(k, k * 100, k % 2 ? 60 : 120));
  assert.match(text(s), /^\$\(pulse\) DCGAN 40\/1,000 · 80\.0 img\/s · ETA /);
  // a change of pace shows within the window, and an old slow start is out of it
  for (let k = 41; k <= 60; k++) s.progress(metric(k, k * 100, 200));
  assert.match(text(s), / · 200 img\/s · /);
});

test('recentImgPerSec: the harmonic mean of the last 20 steps\' img/s (images over time), gaps skipped', () => {
  assert.equal(recentImgPerSec([]), null);
  assert.equal(recentImgPerSec([null]), null);
  assert.equal(recentImgPerSec([50]), 50);
  assert.equal(recentImgPerSec([60, 120]), 80);
  assert.equal(recentImgPerSec([60, null, 120, Number.NaN]), 80);
  // only the last 20 rows count: a slow warm-up step before them does not
  assert.ok(Math.abs(recentImgPerSec([1, ...new Array<number>(20).fill(100)])! - 100) < 1e-9);
  assert.equal(formatImgPerSec(null), '–');
  assert.equal(formatImgPerSec(8.44), '8.4');
  assert.equal(formatImgPerSec(99.96), '100');
  assert.equal(formatImgPerSec(1234.5), '1,235');
});

test('the scan report: count, sizes and skipped files, in a line and in the output channel', () => {
  const d = { source: '/data/faces', count: 1203, sizes: [['178x218', 1200], ['64x64', 3]] as [string, number][], formats: { jpeg: 1200, png: 3 },
    skipped: [{ file: 'notes.txt', why: 'not an image' }, { file: 'bad.jpg', why: 'corrupt JPEG: premature end' }] };
  assert.equal(scanSummary(d), '/data/faces: 1,203 images (sizes: 1,200 at 178x218, 3 at 64x64); 2 files skipped');
  assert.deepEqual(scanReportLines(d, 1), [
    'data: /data/faces: 1,203 images (sizes: 1,200 at 178x218, 3 at 64x64); 2 files skipped',
    '  formats: jpeg 1,200, png 3',
    '  skipped notes.txt: not an image',
    '  … and 1 more skipped',
  ]);
});
