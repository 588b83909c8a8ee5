/**
 * The torch engine (`--backend torch`: the user's own PyTorch in a Python process) with real PyTorch, through the
 * CLI and the worker as users run them: the same batches as the Node side, the same run folder, resume within
 * and across engines, a script that trains at module level imported without running its training, the choice
 * of backend, and faults (an exception in the user's forward, out of memory, a killed Python, a killed worker,
 * pause and stop within one step of long spans).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDataset } from '../../src/engine/data/dataset';
import { readSafetensors } from '../../src/engine/safetensors';
import { torchData } from '../../src/engine/torch/runFiles';
import { TRAIN_DEFAULTS, type StepMetrics, type TrainConfig } from '../../src/engine/types';
import { TrainingClient, type TrainingFailure } from '../../src/protocol/client';
import { builtBundle } from '../support/build';
import { cliCommand } from '../support/cli';
import { eventually, gone } from '../support/processes';
import { inTerminal, requirePty } from '../support/terminal';
import { PYTHON, requireTorch, runPython } from '../support/oracle';

const ROOT = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-torch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** `dcgan-lab ARGS` with the torch engine on this machine's PyTorch (DCGAN_LAB_PYTHON or /usr/bin/python3). */
function cli(args: string[], cwd = ROOT) {
  const [cmd, ...pre] = cliCommand();
  return spawnSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, DCGAN_LAB_VERBOSE: '1' } });
}
const TINY = ['--size', '16', '--batch', '4', '--ngf', '8', '--ndf', '8'];
const metrics = (dir: string) => readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepMetrics);
const runJson = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));

/** The engine processes (engine.py) descended from `root`, read from /proc (other test files may train too). */
function enginesUnder(root: number): number[] {
  const parent = new Map<number, number>();
  const engines: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('engine.py')) engines.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return engines.filter((pid) => {
    for (let p = parent.get(pid); p !== undefined && p > 0; p = parent.get(p)) if (p === root) return true;
    return false;
  });
}

describe('the torch engine reads the data the Node side would hand out', () => {
  it('the same batches in the same order, across an epoch boundary, from the built-in dataset\'s cache file', async (t) => {
    if (!requireTorch(t)) return;
    const cfg: TrainConfig = { ...TRAIN_DEFAULTS, out: path.join(tmp, 'order', 'run'), size: 8, batch: 1500, seed: 5, cacheDir: path.join(tmp, 'order', 'cache') };
    const a = await openDataset({ size: 8, channels: 3, fit: 'crop', seed: 5, cacheDir: cfg.cacheDir! });
    const data = await torchData(a, cfg);
    assert.equal(data.kind, 'cache');
    // 4096 images, batch 1500: two batches per epoch, the third starts epoch 1
    const node: Float32Array[] = [];
    for (let i = 0; i < 3; i++) node.push(await a.nextBatch(1500));
    await a.close();
    const py = runPython<Record<'bytes' | 'float', { batches: number[][]; epochs: number[] }>>(`
import json, sys, torch
cfg = json.load(sys.stdin)
sys.path.insert(0, cfg["engine"])
import engine as E
class Run: pass
run = Run(); run.torch = torch; run.device = torch.device("cpu"); run.batch = 1500
result = {}
# records kept as bytes and converted per batch (CPU), or converted once and kept as floats (accelerators)
for resident in ("bytes", "float"):
    d = E.Data(run, dict(cfg["data"], resident=resident))
    out, epochs = [], []
    for _ in range(3):
        x, e = d.next_batch()
        out.append(x.permute(0, 2, 3, 1).flatten().tolist()); epochs.append(e)
    result[resident] = {"batches": out, "epochs": epochs}
print(json.dumps(result))`, { engine: path.join(ROOT, 'src/engine/torch'), data });
    for (const resident of ['bytes', 'float'] as const) {
      assert.deepEqual(py[resident].epochs, [0, 0, 1]);
      for (let i = 0; i < 3; i++) {
        const mismatch = node[i].findIndex((v, j) => v !== py[resident].batches[i][j]);
        assert.equal(mismatch, -1, `${resident}: batch ${i + 1}: value ${mismatch} differs (Node ${node[i][mismatch]}, Python ${py[resident].batches[i][mismatch]})`);
      }
    }
  });
});

describe('dcgan-lab train --backend torch', () => {
  it('writes the run folder every engine writes, run.json included, and reports the interpreter before step 1', (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'folder');
    const r = cli(['train', '--backend', 'torch', '--python', PYTHON, '--steps', '4', '--sample-every', '2', '--checkpoint-every', '2', ...TINY, '--out', out]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /backend: torch on CPU, \d+ threads? \(torch [\d.]+/);
    assert.match(r.stdout, new RegExp(`python: ${PYTHON.replace(/[/.]/g, '\\$&')} \\(torch `));
    assert.ok(r.stdout.indexOf('python:') < r.stdout.indexOf('done: 4 steps'), 'the interpreter is shown before the run ends');
    for (const f of ['run.json', 'model.py', 'metrics.jsonl', 'alerts.jsonl', 'checkpoint.safetensors', 'generator.safetensors', 'discriminator.safetensors', 'fixed_noise.safetensors', 'fixed_samples.safetensors']) {
      assert.ok(existsSync(path.join(out, f)), `${f} is missing`);
    }
    assert.deepEqual(readdirSync(path.join(out, 'samples')).sort(), ['step_000002.png', 'step_000004.png']);
    const m = metrics(out);
    assert.deepEqual(m.map((x) => x.step), [1, 2, 3, 4]);
    for (const row of m) for (const k of ['lossD', 'lossG', 'dReal', 'dFake', 'dFakeAfter', 'gradNormD', 'gradNormG', 'imgPerSec', 'elapsedMs', 'epoch'] as const) assert.equal(typeof row[k], 'number', `${k} of step ${row.step}`);
    const info = runJson(out);
    assert.equal(info.backend.name, 'torch');
    assert.match(info.backend.device, /^CPU, \d+ threads? \(torch /);
    assert.equal(info.backend.processes, 1);
    assert.equal(info.backend.python, PYTHON);
    assert.match(info.versions.torch, /^\d+\.\d+/);
    assert.equal(info.config.steps, 4);
    assert.ok(!Number.isNaN(Date.parse(info.started)));
  });

  it('a resumed torch run gives the losses of an uninterrupted one, exactly', (t) => {
    if (!requireTorch(t)) return;
    const whole = path.join(tmp, 'whole');
    const split = path.join(tmp, 'split');
    const common = ['train', '--backend', 'torch', '--python', PYTHON, '--checkpoint-every', '3', '--sample-every', '3', ...TINY];
    assert.equal(cli([...common, '--steps', '6', '--out', whole]).status, 0);
    assert.equal(cli([...common, '--steps', '3', '--out', split]).status, 0);
    const r = cli([...common, '--steps', '6', '--resume', '--out', split]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /resuming at step 4/);
    const a = metrics(whole);
    const b = metrics(split);
    assert.deepEqual(b.map((m) => m.step), [1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) for (const k of ['lossD', 'lossG', 'dReal', 'dFake', 'gradNormD'] as const) assert.equal(b[i][k], a[i][k], `step ${i + 1} ${k}`);
  });

  it('a run moves between engines through its checkpoint: cpu (tfjs) → torch → wasm', async (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'moves');
    const common = ['train', '--checkpoint-every', '3', '--sample-every', '3', ...TINY, '--out', out];
    assert.equal(cli([...common, '--backend', 'cpu', '--steps', '3']).status, 0);
    const atThree = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    const toTorch = cli([...common, '--backend', 'torch', '--python', PYTHON, '--steps', '6', '--resume']);
    assert.equal(toTorch.status, 0, toTorch.stderr);
    const atSix = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    // the torch engine continued from the tfjs weights: one more step of BatchNorm statistics per G step
    assert.equal(Number(atSix.metadata.step), 6);
    assert.equal(Number(atSix.metadata.adamStepG), Number(atThree.metadata.adamStepG) + 3);
    const tracked = (s: typeof atSix, k: string) => Number((s.tensors[k].data as BigInt64Array)[0]);
    assert.equal(tracked(atSix, 'G/main.1.num_batches_tracked'), tracked(atThree, 'G/main.1.num_batches_tracked') + 3);
    assert.deepEqual(JSON.parse(atSix.metadata.position), { epoch: 0, index: 24 });
    const back = cli([...common, '--backend', 'wasm', '--steps', '8', '--resume']);
    assert.equal(back.status, 0, back.stderr);
    assert.deepEqual(metrics(out).map((m) => m.step), [1, 2, 3, 4, 5, 6, 7, 8]);
    const info = runJson(out);
    assert.deepEqual(info.resumes.map((x: { step: number; backend: string }) => [x.step, x.backend]), [[4, 'torch'], [7, 'wasm']]);
    assert.equal(info.backend.name, 'wasm');
  });

  it('a script that trains at module level is imported without running its training (only what builds the pair runs)', (t) => {
    if (!requireTorch(t)) return;
    const cwd = path.join(tmp, 'script-cwd');
    mkdirSync(cwd, { recursive: true });
    const out = path.join(tmp, 'script');
    const r = cli(['train', '--model', path.join(ROOT, 'examples/dcgan_train_script.py'), '--backend', 'torch', '--python', PYTHON, '--steps', '2', '--batch', '4', '--out', out], cwd);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    // its own output folder (os.makedirs(opt.outf)) and its training loop were left out, and the note says so
    assert.deepEqual(readdirSync(cwd), [], 'the script\'s module-level code ran (it made its output folder)');
    assert.match(r.stdout, /note: dcgan_train_script\.py: the torch engine runs the \d+ top-level statements that building Generator and Discriminator needs and leaves out \d+: .*line 140–166 `for epoch in range\(opt\.niter\):`/);
    assert.match(r.stdout, /note: argparse: --dataroot is required by the script but not given/);
    assert.deepEqual(metrics(out).map((m) => m.step), [1, 2]);
  });

  it('auto trains a pair the tfjs engines cannot (nn.PReLU) with torch; a forced tfjs backend refuses it and says --backend torch', (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'prelu');
    const r = cli(['train', '--model', 'examples/prelu_gan.py', '--steps', '2', '--batch', '4', '--out', out]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /the tfjs engines cannot train this pair \(.*prelu_gan\.py:\d+: .*nn\.PReLU/);
    assert.match(r.stdout, /backend: torch on CPU/);
    const refused = cli(['train', '--model', 'examples/prelu_gan.py', '--backend', 'wasm', '--steps', '2', '--out', path.join(tmp, 'prelu-wasm')]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /the wasm backend cannot train this pair: .*prelu_gan\.py:35: .*nn\.PReLU \(up\.1\)[\s\S]*--backend torch/);
    assert.ok(!existsSync(path.join(tmp, 'prelu-wasm')));
  });

  it('auto on a CPU-only torch keeps the built-in engines first, and says why torch was passed over', (t) => {
    if (!requireTorch(t)) return;
    const r = cli(['train', '--python', PYTHON, '--steps', '1', ...TINY, '--out', path.join(tmp, 'auto-cpu')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /backend: wasm/);
    assert.match(r.stderr, /falling back: torch: CPU only, \d+ threads? \(torch .*; on a CPU the built-in engines come first/);
  });

  it('a forced torch backend without a Python that has torch is an error that lists what was tried', (t) => {
    if (!requireTorch(t)) return;
    const bin = path.join(tmp, 'no-torch-bin');
    mkdirSync(bin, { recursive: true });
    // a real interpreter that cannot import torch: Python without its site packages
    writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`, { mode: 0o755 });
    const r = cli(['train', '--backend', 'torch', '--python', path.join(bin, 'python3'), '--steps', '1', ...TINY, '--out', path.join(tmp, 'no-torch')]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /The torch backend is not available: the Python you chose cannot run the torch engine: .*no-torch-bin\/python3 \(the python setting\): Python [\d.]+ cannot import torch \(ModuleNotFoundError: No module named 'torch'\)/);
  });
});

describe('the torch engine\'s faults', () => {
  /** a pair whose discriminator fails at its Nth call (PyTorch raises at run time what no static check can see) */
  function faultyModel(name: string, failure: string): string {
    const file = path.join(tmp, `${name}.py`);
    writeFileSync(file, `import torch
import torch.nn as nn

calls = [0]


class Generator(nn.Module):
    def __init__(self, nz=8):
        super().__init__()
        self.net = nn.Sequential(nn.ConvTranspose2d(nz, 8, 4, 1, 0), nn.ReLU(), nn.ConvTranspose2d(8, 3, 4, 2, 1), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 4, 1, 0))

    def forward(self, x):
        calls[0] += 1
        if calls[0] > 12:
            ${failure}
        return self.net(x).view(-1)
`);
    return file;
  }

  it('an exception in the user\'s forward ends the run with its type, message and the user\'s file:line; the last checkpoint stays', async (t) => {
    if (!requireTorch(t)) return;
    const file = faultyModel('raises', 'raise ValueError("activations out of range")');
    const out = path.join(tmp, 'raises-run');
    const r = cli(['train', '--model', file, '--backend', 'torch', '--python', PYTHON, '--steps', '8', '--batch', '4', '--checkpoint-every', '2', '--out', out]);
    assert.equal(r.status, 3, r.stdout + r.stderr);
    // one call while the engine checks the pair, then three per step: the 13th call is in step 4
    assert.match(r.stderr, /training failed: ValueError: activations out of range \(.*raises\.py:24, in forward: raise ValueError\("activations out of range"\)\) at step 4/);
    const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    assert.equal(ck.metadata.step, '2');
    assert.deepEqual(metrics(out).map((m) => m.step), [1, 2, 3]);
  });

  it('running out of memory says so, with the batch size to try', (t) => {
    if (!requireTorch(t)) return;
    const file = faultyModel('oom', 'torch.empty(1 << 62, dtype=torch.uint8)');
    const r = cli(['train', '--model', file, '--backend', 'torch', '--python', PYTHON, '--steps', '8', '--batch', '4', '--out', path.join(tmp, 'oom-run')]);
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /CPU, \d+ threads? \(torch [^)]*\) ran out of memory at step 4 with batch 4: RuntimeError: .*can't allocate memory.*oom\.py:24.*Try --batch 2/);
  });

  it('a killed Python process is reported as a crash; the last good checkpoint loads; nothing is left running', async (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'killed');
    const [cmd, ...pre] = cliCommand();
    const child = spawn(cmd, [...pre, 'train', '--backend', 'torch', '--python', PYTHON, '--steps', '100000', '--checkpoint-every', '5', ...TINY, '--out', out], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.ok(await eventually(() => existsSync(path.join(out, 'checkpoint.safetensors')), 120_000), 'no checkpoint was written');
    const pids = enginesUnder(child.pid!);
    assert.equal(pids.length, 1, `engine processes: ${pids}`);
    process.kill(pids[0], 'SIGKILL');
    assert.equal(await exited, 3);
    assert.match(stderr, /training failed: The PyTorch engine \(.*pid \d+\) was killed \(SIGKILL\)/);
    const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    assert.equal(Number(ck.metadata.step) % 5, 0);
    assert.ok(ck.tensors['G/main.0.weight'], 'the checkpoint holds the weights');
    assert.ok(gone(pids[0]));
  });

  it('pause and stop act within one step of a long span; a killed worker takes its Python with it', async (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'controls');
    // samples and checkpoints far apart: the engine runs long spans between the loop's events
    const config: TrainConfig = { ...TRAIN_DEFAULTS, out, backend: 'torch', python: PYTHON, size: 16, batch: 4, ngf: 8, ndf: 8, nz: 16, steps: 100_000,
      sampleEvery: 50_000, checkpointEvery: 50_000, cacheDir: path.join(tmp, 'controls-cache') };
    const c = new TrainingClient({ workerPath: builtBundle('worker') });
    const progress: StepMetrics[] = [];
    const failures: TrainingFailure[] = [];
    let paused = -1;
    let done: number | null = null;
    c.on('progress', (m) => progress.push(m));
    c.on('paused', (s) => (paused = s));
    c.on('error', (f) => failures.push(f));
    c.on('done', (r) => (done = r.steps));
    c.start(config);
    try {
      assert.ok(await eventually(() => (progress.at(-1)?.step ?? 0) >= 20, 120_000), 'no progress');
      c.pause();
      const asked = Date.now();
      assert.ok(await eventually(() => paused > 0, 5_000), 'the pause did not act');
      assert.ok(Date.now() - asked < 2_000, `the pause took ${Date.now() - asked} ms`);
      const at = progress.at(-1)!.step;
      assert.equal(at, paused, 'the last progress is the paused step');
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(progress.at(-1)!.step, paused, 'steps ran while paused');
      c.resume();
      assert.ok(await eventually(() => progress.at(-1)!.step > paused + 5, 30_000), 'no progress after resume');
      c.stop();
      const stopAsked = Date.now();
      assert.ok(await eventually(() => done !== null, 60_000), 'the stop did not end the run');
      assert.ok(Date.now() - stopAsked < 10_000, `stopping took ${Date.now() - stopAsked} ms`);
      const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
      assert.equal(Number(ck.metadata.step), done, 'the final checkpoint is the last step');
      assert.deepEqual(failures, []);
    } finally {
      await c.dispose();
    }
    // a second run, whose worker is killed outright: its Python notices its stdin closing and exits
    const c2 = new TrainingClient({ workerPath: builtBundle('worker') });
    let steps = 0;
    c2.on('progress', () => steps++);
    c2.on('error', () => undefined);
    c2.start({ ...config, out: path.join(tmp, 'controls-2') });
    assert.ok(await eventually(() => steps > 0, 120_000));
    const engines = enginesUnder(c2.pid!);
    assert.equal(engines.length, 1);
    process.kill(c2.pid!, 'SIGKILL');
    assert.ok(await eventually(() => gone(engines[0]), 10_000), 'the engine outlived its worker');
    await c2.dispose();
  });
});

describe('Ctrl+C with the torch engine', () => {
  it('the terminal\'s SIGINT reaches the Python process too; the run still stops after the current step with a checkpoint, exit 0', async (t) => {
    if (!requireTorch(t) || !requirePty(t)) return;
    const out = path.join(tmp, 'torch-ctrl-c');
    const r = inTerminal([...cliCommand(), 'train', '--backend', 'torch', '--python', PYTHON, '--steps', '100000', '--sample-every', '100000',
      '--checkpoint-every', '100000', ...TINY, '--out', out], 1, 'step \\d{2,}/100000');
    assert.equal(r.code, 0, r.output);
    const stopped = Number(r.output.match(/stopped after step (\d+)/)?.[1]);
    const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    assert.equal(Number(ck.metadata.step), stopped);
    assert.ok(existsSync(path.join(out, 'generator.safetensors')));
  });
});

describe('dcgan-lab bench --backend torch', () => {
  it('prints img/s beside a plain PyTorch loop of the same step, and the ratio', (t) => {
    if (!requireTorch(t)) return;
    const r = cli(['bench', '--backend', 'torch', '--python', PYTHON, '--size', '16', '--batch', '8', '--ngf', '8', '--steps', '3', '--warmup', '1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(j.backend, 'torch');
    assert.match(j.device, /^CPU/);
    for (const k of ['imgPerSec', 'reference', 'ratio']) assert.ok(typeof j[k] === 'number' && j[k] > 0, `${k}: ${j[k]}`);
    assert.ok(Math.abs(j.ratio - j.imgPerSec / j.reference) < 0.01);
  });
});
