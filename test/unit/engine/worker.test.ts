/**
 * The worker process and its client: the protocol checks, the progress throttle, and real workers forked the
 * way the CLI and the extension fork them: a config that fails early, every injected crash (the host must get
 * one error event and keep running, and no process may survive), dispose(), the parent dying, and real
 * training runs on tiny sizes with pause, resume and stop.
 *
 * Crashes and runs use the bundled dist/worker.js (the shipped artefact, rebuilt here when a source is newer);
 * the early-failure test runs the worker from source through tsx, the way tests and `npm start` do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { builtBundle } from '../../support/build';
import { eventually, gone } from '../../support/processes';
import { TRAIN_DEFAULTS, type StepMetrics, type TrainConfig } from '../../../src/engine/types';
import { ProgressThrottle } from '../../../src/engine/worker';
import { TrainingClient, describeExit, locateWorker, type TrainingClientOptions, type TrainingFailure } from '../../../src/protocol/client';
import { ProtocolError, parseHostMessage, parseWorkerMessage, type WorkerMessage } from '../../../src/protocol/training';

const ROOT = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(ROOT, 'dist', 'worker.js');

/** dist/worker.js, rebuilt when any source file is newer. */
const bundledWorker = (): string => builtBundle('worker');

/** A tiny run; its dataset cache stays inside `out` (the default, `<out>/../.cache`, would be the shared tmpdir). */
function config(out: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return { ...TRAIN_DEFAULTS, out, backend: 'wasm', size: 16, batch: 2, steps: 2, ngf: 8, ndf: 8, nz: 16,
    sampleEvery: 1000, checkpointEvery: 1000, cacheDir: path.join(out, '.cache'), ...over };
}

/** A client whose events are all recorded. */
function client(opts: TrainingClientOptions) {
  const c = new TrainingClient(opts);
  const events: { type: string; value?: unknown; at: number }[] = [];
  const t0 = Date.now();
  for (const type of ['ready', 'started', 'progress', 'sample', 'checkpoint', 'alert', 'log', 'error', 'done', 'paused', 'resumed'] as const) {
    c.on(type, (value?: unknown) => events.push({ type, value, at: Date.now() - t0 }));
  }
  const of = <T>(type: string) => events.filter((e) => e.type === type).map((e) => e.value as T);
  return { c, events, of };
}

// ── the protocol ─────────────────────────────────────────────────────────────────────────────────────────────

test('protocol: messages are checked field by field; NaN is a number', () => {
  const metrics: StepMetrics = { step: 3, epoch: 0, lossD: NaN, lossG: 1, dReal: 0.5, dFake: 0.5, dFakeAfter: 0.5,
    gradNormD: 1, gradNormG: 1, imgPerSec: 10, elapsedMs: 5 };
  assert.deepEqual(parseWorkerMessage({ type: 'progress', metrics }), { type: 'progress', metrics });
  assert.throws(() => parseWorkerMessage({ type: 'progress', metrics: { ...metrics, lossG: '1' } }),
    { name: 'ProtocolError', message: 'invalid message: progress.metrics.lossG should be a number, got "1"' });
  assert.throws(() => parseWorkerMessage({ type: 'done', result: { out: '/r', steps: 2, stoppedEarly: false, lastCheckpoint: null, generatorExport: 7, discriminatorExport: null } }),
    /done\.result\.generatorExport should be a string, got number 7/);
  assert.throws(() => parseWorkerMessage({ type: 'alert', alert: { step: 1, kind: 'bored', message: '' } }),
    /alert\.alert\.kind should be 'mode-collapse' \| 'd-loss-zero' \| 'nan', got "bored"/);
  assert.throws(() => parseWorkerMessage('ready'), ProtocolError);
  assert.throws(() => parseWorkerMessage({ type: 'hello' }), /message\.type should be a worker message type/);

  const cfg = config('/tmp/x', { model: { file: 'm.py', argv: ['--img_size', '32'] }, data: '/d' });
  assert.deepEqual(parseHostMessage({ type: 'start', config: cfg }), { type: 'start', config: cfg });
  assert.deepEqual(parseHostMessage({ type: 'stop' }), { type: 'stop' });
  assert.throws(() => parseHostMessage({ type: 'start', config: { ...cfg, backend: 'tpu' } }), /start\.config\.backend should be 'auto' \| 'torch' \| 'gpu'/);
  assert.throws(() => parseHostMessage({ type: 'start', config: { ...cfg, model: { file: 'm.py', argv: [1] } } }), /start\.config\.model\.argv\[0\] should be a string/);
  assert.throws(() => parseHostMessage({ type: 'start', config: { ...cfg, steps: undefined } }), /start\.config\.steps should be a number, got undefined/);
  assert.throws(() => parseHostMessage({ type: 'progress' }), /message\.type should be 'start', 'pause', 'resume' or 'stop'/);
});

test('progress throttle: at most one per interval, the latest held back and never lost', async () => {
  let now = 0;
  const sent: number[] = [];
  const throttle = new ProgressThrottle((m) => sent.push(m.step), 100, () => now);
  const m = (step: number) => ({ step } as StepMetrics);
  throttle.push(m(1));
  now = 30; throttle.push(m(2));
  now = 60; throttle.push(m(3));
  assert.deepEqual(sent, [1]);
  throttle.flush();
  assert.deepEqual(sent, [1, 3], 'flush sends the latest held step, and only it');
  throttle.flush();
  assert.deepEqual(sent, [1, 3]);
  now = 100; throttle.push(m(4));
  assert.deepEqual(sent, [1, 3], 'too soon after the flush at 60');
  now = 200; throttle.push(m(5));
  assert.deepEqual(sent, [1, 3, 5]);

  // Held steps go out by timer too (a slow step or a pause must not hide the latest numbers).
  const real: number[] = [];
  const timed = new ProgressThrottle((x) => real.push(x.step), 30);
  timed.push(m(1));
  timed.push(m(2));
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(real, [1, 2]);
});

test('a dead worker is described in the user\'s terms, with its last words', () => {
  assert.match(describeExit(null, 'SIGABRT', ['<--- Last few GCs --->', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory']),
    /^The training worker ran out of memory \(the JavaScript heap limit was reached\)\..*\nLast output of the worker:\n {2}FATAL ERROR: Reached heap limit/s);
  assert.match(describeExit(null, 'SIGKILL', []), /^The training worker was killed \(SIGKILL\)\. If nothing else killed it, the system ran out of memory/);
  assert.match(describeExit(null, 'SIGSEGV', ['x']), /^The training worker crashed in native code \(SIGSEGV\)/);
  assert.equal(describeExit(3, null, []), 'The training worker exited with code 3 before the run finished.');
});

test('the worker is found next to the bundle, or as source run through tsx', () => {
  const fromSource = locateWorker(path.join(ROOT, 'src', 'protocol'));
  assert.equal(fromSource.file, path.join(ROOT, 'src', 'engine', 'worker.ts'));
  assert.deepEqual(fromSource.execArgv.slice(0, 1), ['--import']);
  assert.match(fromSource.execArgv[1], /^file:\/\/.*\/tsx\//);
  assert.deepEqual(locateWorker(path.join(ROOT, 'dist')), { file: BUNDLE, execArgv: [] });
  assert.throws(() => locateWorker(os.tmpdir()), /The training worker is missing/);
});

// ── real workers ─────────────────────────────────────────────────────────────────────────────────────────────

test('from source: a missing data folder is one clean fatal error, then exit code 1', { timeout: 60_000 }, async (t) => {
  const { c, of, events } = client({});
  c.start(config('/tmp/unused', { data: '/nonexistent/images' }));
  const exit = await c.exited;
  assert.deepEqual(exit, { code: 1, signal: null });
  const errors = of<TrainingFailure>('error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].fatal, true);
  assert.match(errors[0].message, /^Data folder not found: \/nonexistent\/images\. Choose a folder of images/);
  assert.equal(errors[0].exitCode, undefined, 'the worker\'s own error is not reported as a crash as well');
  assert.ok(gone(c.pid));
  t.diagnostic(`worker from source (tsx): ready after ${events.find((e) => e.type === 'ready')?.at} ms`);
});

const CRASHES: { kind: string; execArgv?: string[]; expect: { message: RegExp; signal?: NodeJS.Signals; exitCode?: number } }[] = [
  { kind: 'abort', expect: { signal: 'SIGABRT', message: /^The training worker aborted \(SIGABRT\)/ } },
  { kind: 'segv', expect: { signal: 'SIGSEGV', message: /^The training worker crashed in native code \(SIGSEGV\)/ } },
  { kind: 'oom', execArgv: ['--max-old-space-size=32'], expect: { message: /^The training worker ran out of memory.*\nLast output of the worker:\n.*heap out of memory/s } },
  { kind: 'throw', expect: { message: /^test crash: an exception in the training loop$/ } },
  { kind: 'uncaught', expect: { message: /^test crash: an uncaught exception$/ } },
  { kind: 'reject', expect: { message: /^test crash: an unhandled rejection$/ } },
  { kind: 'exit', expect: { exitCode: 3, message: /^The training worker exited with code 3 before the run finished\.\nLast output of the worker:\n.*backend: wasm/s } },
];

for (const crash of CRASHES) {
  test(`crash '${crash.kind}': one fatal error event for the host, no process left`, { timeout: 60_000 }, async () => {
    const { c, of } = client({ workerPath: bundledWorker(), env: { DCGAN_LAB_TEST_CRASH: crash.kind }, execArgv: crash.execArgv });
    c.start(config('/tmp/unused'));
    await c.exited;
    const errors = of<TrainingFailure>('error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].fatal, true);
    assert.match(errors[0].message, crash.expect.message);
    if (crash.expect.signal) assert.equal(errors[0].signal, crash.expect.signal);
    if (crash.expect.exitCode) assert.equal(errors[0].exitCode, crash.expect.exitCode);
    assert.ok(errors[0].lastLines.some((l) => l.startsWith('backend: wasm')), 'the last lines are in the report');
    assert.ok(gone(c.pid), `worker ${c.pid} is still alive`);
  });
}

test('dispose(): the worker exits when its channel closes; SIGKILL for one hung where it cannot notice; no error event either way', { timeout: 60_000 }, async () => {
  const idle = client({ workerPath: bundledWorker() });
  await once(idle.c, 'ready');
  await idle.c.dispose();
  assert.deepEqual(await idle.c.exited, { code: 0, signal: null });
  assert.ok(gone(idle.c.pid));

  const stubborn = client({ workerPath: bundledWorker(), env: { DCGAN_LAB_TEST_CRASH: 'stubborn' }, killGraceMs: 300 });
  stubborn.c.start(config('/tmp/unused'));
  await eventually(() => stubborn.of<string>('log').includes('test: hanging'), 10_000);
  await new Promise((r) => setTimeout(r, 400)); // past its last turn of the event loop
  const t0 = Date.now();
  await stubborn.c.dispose();
  assert.deepEqual(await stubborn.c.exited, { code: null, signal: 'SIGKILL' });
  assert.ok(Date.now() - t0 >= 250, 'SIGKILL came before the grace period');
  assert.ok(stubborn.of<string>('log').includes('test: hanging'));
  assert.ok(gone(stubborn.c.pid));
  assert.deepEqual([...idle.of('error'), ...stubborn.of('error')], []);
});

test('inspect: the worker listens for a debugger and says where', { timeout: 60_000 }, async () => {
  const { c, of } = client({ workerPath: bundledWorker(), inspect: 0 });
  try {
    assert.ok(await eventually(() => of<string>('log').some((l) => /^Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//.test(l)), 10_000),
      of<string>('log').join('\n'));
  } finally {
    await c.dispose();
  }
  assert.ok(gone(c.pid));
});

test('when the host dies, its worker exits too', { timeout: 60_000 }, async () => {
  const script = `const { TrainingClient } = require(${JSON.stringify(path.join(ROOT, 'src/protocol/client.ts'))});
const c = new TrainingClient({ workerPath: ${JSON.stringify(bundledWorker())} });
c.on('ready', (pid) => console.log('worker', pid));`;
  const host = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  host.stdout.on('data', (d) => (out += d));
  assert.ok(await eventually(() => /worker \d+/.test(out), 20_000), `no worker pid from the host: ${out}`);
  const pid = Number(out.match(/worker (\d+)/)![1]);
  assert.ok(!gone(pid));
  host.kill('SIGKILL');
  assert.ok(await eventually(() => gone(pid), 5000), `worker ${pid} outlived its host`);
});

test('the worker answers invalid and repeated messages with a non-fatal error', { timeout: 60_000 }, async () => {
  const worker = fork(bundledWorker(), [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced',
    env: { ...process.env, DCGAN_LAB_TEST_CRASH: 'stubborn' } });
  const got: WorkerMessage[] = [];
  worker.on('message', (m) => got.push(parseWorkerMessage(m)));
  try {
    assert.ok(await eventually(() => got.some((m) => m.type === 'ready'), 10_000));
    worker.send({ type: 'start', config: { size: 'big' } });
    worker.send({ type: 'start', config: config('/tmp/unused') });
    worker.send({ type: 'start', config: config('/tmp/unused') });
    assert.ok(await eventually(() => got.filter((m) => m.type === 'error').length === 2, 10_000));
    const errors = got.filter((m): m is Extract<WorkerMessage, { type: 'error' }> => m.type === 'error');
    assert.match(errors[0].message, /^ignored a message: invalid message: start\.config\.size should be a number, got "big"$/);
    assert.equal(errors[1].message, 'ignored a second `start`: this worker already runs a run');
    assert.ok(errors.every((e) => !e.fatal));
  } finally {
    worker.kill('SIGKILL');
    await once(worker, 'exit').catch(() => {});
  }
});

test('a real 2-step run through the bundled worker (wasm, 16×16, batch 2)', { timeout: 120_000 }, async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'dcgan-run-'));
  try {
    const { c, of, events } = client({ workerPath: bundledWorker() });
    c.start(config(out, { sampleEvery: 1, checkpointEvery: 2 }));
    const exit = await c.exited;
    assert.deepEqual(of('error'), []);
    assert.deepEqual(exit, { code: 0, signal: null });
    const [run] = of<{ backend: { name: string }; firstStep: number; totalSteps: number }>('started');
    assert.equal(run.backend.name, 'wasm');
    assert.equal(run.totalSteps, 2);
    const progress = of<StepMetrics>('progress');
    assert.equal(progress.at(-1)?.step, 2, 'the last step was not reported');
    assert.ok(progress.every((m) => Number.isFinite(m.lossD) && Number.isFinite(m.lossG)));
    assert.deepEqual(of<{ step: number }>('sample').map((s) => s.step), [1, 2]);
    const [done] = of<{ steps: number; stoppedEarly: boolean; lastCheckpoint: string }>('done');
    assert.equal(done.steps, 2);
    assert.equal(done.stoppedEarly, false);
    assert.ok(existsSync(done.lastCheckpoint));
    assert.ok(gone(c.pid));
    const at = (type: string) => events.find((e) => e.type === type)?.at;
    t.diagnostic(`bundled worker: ready ${at('ready')} ms, started ${at('started')} ms, done ${at('done')} ms`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('pause, resume and stop act between steps; stop ends with done and a checkpoint', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'dcgan-run-'));
  try {
    const { c, of, events } = client({ workerPath: bundledWorker() });
    c.start(config(out, { steps: 10_000 }));
    const [first] = (await once(c, 'progress')) as [StepMetrics];
    c.pause();
    const [pausedAt] = (await once(c, 'paused')) as [number];
    // Between steps means the next step boundary, not the next file write at step 1000 (steps do not yield to
    // the event loop on their own); the margin is for progress messages lagging on a fast machine.
    assert.ok(pausedAt < first.step + 50, `paused at step ${pausedAt}, asked at step ${first.step}`);
    const before = of('progress').length;
    assert.equal((of<StepMetrics>('progress').at(-1))?.step, pausedAt, 'the paused step was not flushed first');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(of('progress').length, before, 'steps ran while paused');
    c.resume();
    await once(c, 'resumed');
    const [stopAsked] = (await once(c, 'progress')) as [StepMetrics];
    c.stop();
    const exit = await c.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.deepEqual(of('error'), []);
    const [done] = of<{ steps: number; stoppedEarly: boolean; lastCheckpoint: string | null }>('done');
    assert.equal(done.stoppedEarly, true);
    assert.ok(done.steps > pausedAt && done.steps < stopAsked.step + 50, `stopped at ${done.steps}, asked at ${stopAsked.step}`);
    assert.ok(done.lastCheckpoint && existsSync(done.lastCheckpoint), 'no final checkpoint');
    assert.ok(events.findIndex((e) => e.type === 'resumed') > events.findIndex((e) => e.type === 'paused'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
