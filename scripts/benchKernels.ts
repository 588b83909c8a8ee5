/**
 * `node --import tsx scripts/benchKernels.ts [--steps N] [--threads T]`: DCGAN training speed on tfjs-backend-wasm
 * with the training kernels of src/engine/wasmKernels.ts, side by side with PyTorch CPU in the same run.
 *
 * Shapes: 64×64 images, batch 16, ngf = ndf = 32, nz = 100 (the reference DCGAN with 32 filters).
 *  1. each convolution kernel of one D and one G layer stack, forward and backward, CPU ms per call (median), on
 *     fresh weights each call (as after an optimizer step: XNNPACK repacks them) and on weights it has seen;
 *  2. where one full D+G training step's time goes (tf.profile, by kernel and shape);
 *  3. img/s of the full step (batch images per second of wall time; CPU time alongside, since other processes
 *     on this machine show up in wall time only), against PyTorch (Debian python3-torch, /usr/bin/python3) doing
 *     the same step: the reference DCGAN with BCE and Adam, torch.set_num_threads(T) (default 2, this machine's
 *     cores).
 *
 * Self-contained: the tfjs step is a minimal DCGAN written here, as the engine's trainer runs it (G's forward again
 * inside G's step, batch norm from tf.moments, BCE from logits).
 */
import '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; its ES build does, on the engine the line above created
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { registerWasmTrainingKernels } from '../src/engine/wasmKernels';

const PYTHON = process.env.DCGAN_LAB_PYTHON ?? '/usr/bin/python3';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const STEPS = arg('steps', 12);
const THREADS = arg('threads', 2);
const B = 16, SIZE = 64, NZ = 100, NGF = 32, NDF = 32;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type T4 = tf.Tensor4D;
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

// ---------------------------------------------------------------------------------------------------------------
// 1. kernels

interface ConvLayer { name: string; x: [number, number, number, number]; k: number; s: number; p: number; cout: number }

/** D: Conv2d(k4, s2, p1) ×4 then Conv2d(k4, s1, p0) to one logit. G is the same stack run backwards. */
const D_LAYERS: ConvLayer[] = [
  { name: 'conv1', x: [B, 64, 64, 3], k: 4, s: 2, p: 1, cout: NDF },
  { name: 'conv2', x: [B, 32, 32, NDF], k: 4, s: 2, p: 1, cout: NDF * 2 },
  { name: 'conv3', x: [B, 16, 16, NDF * 2], k: 4, s: 2, p: 1, cout: NDF * 4 },
  { name: 'conv4', x: [B, 8, 8, NDF * 4], k: 4, s: 2, p: 1, cout: NDF * 8 },
  { name: 'conv5', x: [B, 4, 4, NDF * 8], k: 4, s: 1, p: 0, cout: 1 },
];
/** G's ConvTranspose2d layers as the convolutions whose dx they are: x is the transposed conv's output. */
const G_LAYERS: ConvLayer[] = [
  { name: 'tconv1', x: [B, 4, 4, NGF * 8], k: 4, s: 1, p: 0, cout: NZ },
  { name: 'tconv2', x: [B, 8, 8, NGF * 4], k: 4, s: 2, p: 1, cout: NGF * 8 },
  { name: 'tconv3', x: [B, 16, 16, NGF * 2], k: 4, s: 2, p: 1, cout: NGF * 4 },
  { name: 'tconv4', x: [B, 32, 32, NGF], k: 4, s: 2, p: 1, cout: NGF * 2 },
  { name: 'tconv5', x: [B, 64, 64, 3], k: 4, s: 2, p: 1, cout: NGF },
];

/**
 * Median CPU ms of `run`, each call on weights from `weights()` (made outside the timed region, disposed after).
 * CPU time, not wall: wasm runs on this one thread, and CPU time leaves out what other processes take from it.
 */
function timeKernel(weights: () => T4 | null, run: (w: T4 | null) => tf.Tensor, n = 15): number {
  const xs: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const w = weights();
    const t0 = cpuMs();
    const y = run(w);
    if (i >= 2) xs.push(cpuMs() - t0);
    y.dispose();
    if (w) w.dispose();
  }
  return median(xs);
}

function kernelTable(): void {
  console.log('1. Convolution kernels on wasm, CPU ms per call (median of 15): fresh weights / weights seen before');
  console.log('   layer    x (NHWC) ⇄ y                      forward          dx (input grad)   dW (filter grad)');
  const rows = [...D_LAYERS.map((l) => ({ l, g: false })), ...G_LAYERS.map((l) => ({ l, g: true }))];
  for (const { l, g } of rows) {
    const [n, h, w, ci] = l.x;
    const oh = Math.floor((h + 2 * l.p - l.k) / l.s) + 1;
    const ow = Math.floor((w + 2 * l.p - l.k) / l.s) + 1;
    const x = tf.randomNormal(l.x) as T4;
    const dy = tf.randomNormal([n, oh, ow, l.cout]) as T4;
    const W = tf.randomNormal([l.k, l.k, ci, l.cout], 0, 0.02) as T4;
    const pad: Pad4 = [[0, 0], [l.p, l.p], [l.p, l.p], [0, 0]];
    // a copy is a new tensor to XNNPACK: new weights to pack, as after an optimizer step
    const fresh = () => tf.add(W, 0) as T4;
    const seen = () => null;
    const conv = (w: T4 | null) => tf.conv2d(x, w ?? W, l.s, pad);
    const dxK = (w: T4 | null) => tf.conv2dTranspose(dy, w ?? W, l.x, l.s, pad);
    const dwK = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: l.s, pad, dataFormat: 'NHWC', filterShape: W.shape }) as tf.Tensor;
    const both = (f: (w: T4 | null) => tf.Tensor) => `${timeKernel(fresh, f).toFixed(2).padStart(6)} / ${timeKernel(seen, f).toFixed(2).padStart(6)}`;
    // for G the forward is the transposed convolution (Conv2DBackpropInput) and its dx a Conv2D
    const [fwd, dx] = g ? [both(dxK), both(conv)] : [both(conv), both(dxK)];
    const dims = `${l.x.slice(1).join('×')} ${g ? '←' : '→'} ${oh}×${ow}×${l.cout}`;
    console.log(`   ${(g ? 'G ' : 'D ') + l.name.padEnd(7)} ${dims.padEnd(28)} ${fwd}  ${dx}  ${timeKernel(seen, dwK).toFixed(2).padStart(8)}`);
    tf.dispose([x, dy, W]);
  }
  console.log('   (D forward and G dx run the shipped Conv2D; the rest wasmKernels.ts. dW has no weights to pack.)');
}

// ---------------------------------------------------------------------------------------------------------------
// 2 and 3. a minimal DCGAN training step

type V = tf.Variable;
interface Model { g: { w: V[]; gamma: V[]; beta: V[] }; d: { w: V[]; gamma: V[]; beta: V[] } }

function makeModel(): Model {
  let seed = 1;
  const w = (shape: number[]) => tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', seed++));
  const gamma = (c: number) => tf.variable(tf.randomNormal([c], 1, 0.02, 'float32', seed++));
  const beta = (c: number) => tf.variable(tf.zeros([c]));
  const gc = [NGF * 8, NGF * 4, NGF * 2, NGF];
  const dc = [NDF * 2, NDF * 4, NDF * 8];
  return {
    // conv2dTranspose filters are [kh, kw, out, in]
    g: { w: [w([4, 4, NGF * 8, NZ]), w([4, 4, NGF * 4, NGF * 8]), w([4, 4, NGF * 2, NGF * 4]), w([4, 4, NGF, NGF * 2]), w([4, 4, 3, NGF])], gamma: gc.map(gamma), beta: gc.map(beta) },
    d: { w: [w([4, 4, 3, NDF]), w([4, 4, NDF, NDF * 2]), w([4, 4, NDF * 2, NDF * 4]), w([4, 4, NDF * 4, NDF * 8]), w([4, 4, NDF * 8, 1])], gamma: dc.map(gamma), beta: dc.map(beta) },
  };
}

function batchNorm(x: tf.Tensor, gamma: V, beta: V): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

function generator(m: Model, z: tf.Tensor2D): T4 {
  let x = tf.reshape(z, [B, 1, 1, NZ]) as T4;
  for (let i = 0; i < 5; i++) {
    const cout = m.g.w[i].shape[2] as number;
    const size = i === 0 ? 4 : x.shape[1] * 2;
    const pad: Pad4 = i === 0 ? [[0, 0], [0, 0], [0, 0], [0, 0]] : [[0, 0], [1, 1], [1, 1], [0, 0]];
    x = tf.conv2dTranspose(x, m.g.w[i] as T4, [B, size, size, cout], i === 0 ? 1 : 2, pad);
    x = (i < 4 ? tf.relu(batchNorm(x, m.g.gamma[i], m.g.beta[i])) : tf.tanh(x)) as T4;
  }
  return x;
}

function discriminator(m: Model, x: T4): tf.Tensor {
  const same: Pad4 = [[0, 0], [1, 1], [1, 1], [0, 0]];
  let y: tf.Tensor = tf.leakyRelu(tf.conv2d(x, m.d.w[0] as T4, 2, same), 0.2);
  for (let i = 1; i < 4; i++) y = tf.leakyRelu(batchNorm(tf.conv2d(y as T4, m.d.w[i] as T4, 2, same), m.d.gamma[i - 1], m.d.beta[i - 1]), 0.2);
  return tf.reshape(tf.conv2d(y as T4, m.d.w[4] as T4, 1, 'valid'), [-1]);
}

/** BCE from logits: max(l, 0) − l·y + log(1 + e^(−|l|)), mean over the batch */
function bce(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  const t = tf.add(tf.relu(logits), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  return tf.mean(target === 1 ? tf.sub(t, logits) : t);
}

class Adam {
  private readonly m = new Map<V, [tf.Tensor, tf.Tensor]>();
  private t = 0;
  constructor(private readonly lr = 2e-4, private readonly b1 = 0.5, private readonly b2 = 0.999) {}
  step(grads: tf.NamedTensorMap, vars: V[]): void {
    this.t++;
    const a = (this.lr * Math.sqrt(1 - this.b2 ** this.t)) / (1 - this.b1 ** this.t);
    tf.tidy(() => {
      for (const v of vars) {
        const g = grads[v.name];
        const [m0, v0] = this.m.get(v) ?? [tf.zerosLike(v), tf.zerosLike(v)];
        const m1 = tf.keep(tf.add(tf.mul(m0, this.b1), tf.mul(g, 1 - this.b1)));
        const v1 = tf.keep(tf.add(tf.mul(v0, this.b2), tf.mul(tf.square(g), 1 - this.b2)));
        tf.dispose([m0, v0]);
        this.m.set(v, [m1, v1]);
        v.assign(tf.sub(v, tf.div(tf.mul(m1, a), tf.add(tf.sqrt(v1), 1e-8))));
      }
    });
  }
}

function trainStep(m: Model, real: T4, z: tf.Tensor2D, optD: Adam, optG: Adam): void {
  const dVars = [...m.d.w, ...m.d.gamma, ...m.d.beta];
  const gVars = [...m.g.w, ...m.g.gamma, ...m.g.beta];
  tf.tidy(() => {
    const fake = generator(m, z);
    const d = tf.variableGrads(() => tf.add(bce(discriminator(m, real), 1), bce(discriminator(m, fake), 0)) as tf.Scalar, dVars);
    optD.step(d.grads, dVars);
    const g = tf.variableGrads(() => bce(discriminator(m, generator(m, z)), 1), gVars);
    optG.step(g.grads, gVars);
    g.value.dataSync();
  });
}

function stepProfile(m: Model, real: T4, z: tf.Tensor2D, optD: Adam, optG: Adam): Promise<void> {
  return (async () => {
    const runs = 3;
    const byKernel = new Map<string, { ms: number; calls: number }>();
    let wall = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const info = await tf.profile(() => trainStep(m, real, z, optD, optG));
      wall += performance.now() - t0;
      for (const k of info.kernels) {
        const key = `${k.name} ${k.inputShapes.map((s) => (s ?? []).join('×')).join(', ')}`;
        const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
        e.ms += k.kernelTimeMs as number;
        e.calls++;
        byKernel.set(key, e);
      }
    }
    const rows = [...byKernel].map(([k, e]) => ({ k, ms: e.ms / runs, calls: e.calls / runs })).sort((a, b) => b.ms - a.ms);
    const inKernels = rows.reduce((s, r) => s + r.ms, 0);
    const step = wall / runs;
    console.log(`\n2. Where one D+G step's time goes on wasm (tf.profile, mean of ${runs} steps; ${step.toFixed(0)} ms a step while profiled)`);
    const byName = new Map<string, number>();
    for (const r of rows) byName.set(r.k.split(' ')[0], (byName.get(r.k.split(' ')[0]) ?? 0) + r.ms);
    for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`   ${ms.toFixed(1).padStart(7)} ms ${((100 * ms) / step).toFixed(1).padStart(5)}%  ${name}`);
    }
    console.log(`   ${(step - inKernels).toFixed(1).padStart(7)} ms ${((100 * (step - inKernels)) / step).toFixed(1).padStart(5)}%  (outside kernels: tfjs bookkeeping, tapes, JS)`);
    console.log('   the 15 largest by shape (calls a step):');
    for (const r of rows.slice(0, 15)) console.log(`   ${r.ms.toFixed(1).padStart(7)} ms ${String(r.calls).padStart(3)}×  ${r.k}`);
  })();
}

function tfjsStepSpeed(m: Model, real: T4, z: tf.Tensor2D, optD: Adam, optG: Adam): { wallMs: number; cpuMs: number } {
  for (let i = 0; i < 3; i++) trainStep(m, real, z, optD, optG);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    trainStep(m, real, z, optD, optG);
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

const TORCH_STEP = String.raw`
import sys, time, torch, torch.nn as nn
threads, steps, B, nz, ngf, ndf = (int(a) for a in sys.argv[1:7])
torch.set_num_threads(threads)
torch.manual_seed(0)
G = nn.Sequential(
    nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
    nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
    nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
    nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
    nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())
D = nn.Sequential(
    nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())
crit = nn.BCELoss()
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
real = torch.rand(B, 3, 64, 64) * 2 - 1
ones, zeros = torch.ones(B), torch.zeros(B)
def step():
    D.zero_grad()
    crit(D(real).view(-1), ones).backward()
    fake = G(torch.randn(B, nz, 1, 1))
    crit(D(fake.detach()).view(-1), zeros).backward()
    optD.step()
    G.zero_grad()
    crit(D(fake).view(-1), ones).backward()
    optG.step()
for _ in range(3): step()
wall, cpu = [], []
for _ in range(steps):
    t, c = time.perf_counter(), time.process_time()
    step()
    wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
med = lambda xs: sorted(xs)[len(xs) // 2]
print(torch.__version__, torch.get_num_threads(), med(wall) * 1000, med(cpu) * 1000)
`;

function torchStepSpeed(threads: number): { version: string; threads: number; wallMs: number; cpuMs: number } | string {
  const r = spawnSync(PYTHON, ['-c', TORCH_STEP, ...[threads, STEPS, B, NZ, NGF, NDF].map(String)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `PyTorch did not run (${PYTHON}): ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  const [version, t, wall, cpu] = r.stdout.trim().split(/\s+/);
  return { version, threads: Number(t), wallMs: Number(wall), cpuMs: Number(cpu) };
}

async function main(): Promise<void> {
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  await tf.setBackend('wasm');
  const kernels = registerWasmTrainingKernels(tf);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  console.log(`tfjs ${tf.version_core} wasm (${simd ? 'SIMD' : 'no SIMD'}, ${getThreadsCount()} thread); kernels from wasmKernels.ts: ${kernels.join(', ')}`);
  console.log(`DCGAN 64×64, batch ${B}, ngf = ndf = ${NGF}, nz = ${NZ}; ${os.cpus().length} CPU cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);

  const m = makeModel();
  const real = tf.randomUniform([B, SIZE, SIZE, 3], -1, 1) as T4;
  const z = tf.randomNormal([B, NZ]) as tf.Tensor2D;
  const optD = new Adam();
  const optG = new Adam();
  // warm-up: the JIT, XNNPACK's operators and the kernels' plans, so the first row of the table is not the slowest
  for (let i = 0; i < 3; i++) trainStep(m, real, z, optD, optG);

  kernelTable();
  const ours = tfjsStepSpeed(m, real, z, optD, optG);
  await stepProfile(m, real, z, optD, optG);

  console.log(`\n3. Full D+G training step, median of ${STEPS} (img/s = batch images per second of wall time)`);
  const line = (who: string, wallMs: number, cpu: number) =>
    `   ${who.padEnd(36)} ${(1000 * B / wallMs).toFixed(1).padStart(6)} img/s   ${wallMs.toFixed(0).padStart(5)} ms wall   ${cpu.toFixed(0).padStart(5)} ms CPU`;
  console.log(line('tfjs wasm (1 thread, SIMD)', ours.wallMs, ours.cpuMs));
  const torchRuns = [THREADS, ...(THREADS === 1 ? [] : [1])].map(torchStepSpeed);
  for (const t of torchRuns) {
    if (typeof t === 'string') {
      console.log(`   ${t}`);
      continue;
    }
    console.log(line(`PyTorch ${t.version} CPU, ${t.threads} thread${t.threads === 1 ? '' : 's'}`, t.wallMs, t.cpuMs));
  }
  const main = torchRuns[0];
  if (typeof main !== 'string') {
    console.log(`   ratio wasm / PyTorch (${main.threads} threads): ${(main.wallMs / ours.wallMs).toFixed(2)}× by wall time`);
  }
  console.log(`   load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes slow the wall times)`);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
