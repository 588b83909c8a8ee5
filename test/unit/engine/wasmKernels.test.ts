/**
 * The wasm training kernels (src/engine/wasmKernels.ts) against the cpu backend: every kernel registered or
 * replaced there, on a grid of convolution geometries, through tfjs's own gradient functions; the elementwise and
 * reduction fast paths on special values and on the shapes they hand back to the shipped kernels; the caches'
 * lifetimes; and a whole tiny DCGAN D+G gradient step.
 *
 * Relative error = max |wasm − cpu| / max |cpu| over a tensor; below 1e-4 everywhere.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import '../../../src/engine/tfGradients';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../../src/engine/wasmKernels';
import { mulberry32 } from '../../support/mutate';

type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
type Values = Float32Array | Int32Array | Uint8Array;

const TOLERANCE = 1e-4;
let served: string[] = [];

before(async () => {
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend did not initialise');
  served = registerWasmTrainingKernels(tf);
  assert.ok(await tf.setBackend('cpu'));
});

/** f run on each backend; inputs come in as plain numbers, so neither backend reads the other's tensors */
async function onBoth<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  const out: Partial<Record<'cpu' | 'wasm', T>> = {};
  for (const name of ['cpu', 'wasm'] as const) {
    await tf.setBackend(name);
    out[name] = f();
  }
  return out as { cpu: T; wasm: T };
}

function relativeError(actual: Values, expected: Values): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function assertClose(wasm: tf.Tensor, cpu: tf.Tensor, what: string): void {
  assert.deepEqual(wasm.shape, cpu.shape, `${what}: shape`);
  const err = relativeError(wasm.dataSync(), cpu.dataSync());
  assert.ok(err < TOLERANCE, `${what}: relative error ${err.toExponential(2)}`);
}

/** Same values bit for bit, NaN and −0 included; with `ulp`, finite values may also differ in the last bit. */
function assertSame(wasm: tf.Tensor, cpu: tf.Tensor, what: string, ulp = false): void {
  assert.deepEqual(wasm.shape, cpu.shape, `${what}: shape`);
  assert.equal(wasm.dtype, cpu.dtype, `${what}: dtype`);
  const a = Array.from(wasm.dataSync());
  const b = Array.from(cpu.dataSync());
  const near = (x: number, y: number) => ulp && Number.isFinite(y) && Math.abs(x - y) <= Math.abs(y) * 2 ** -23;
  b.forEach((v, i) => assert.ok(Object.is(a[i], v) || near(a[i], v), `${what}: [${i}] is ${a[i]}, cpu ${v}`));
}

const random = mulberry32(1);
/** uniform in [−1.7, 1.7) (unit variance), as a Float32Array: tfjs's randomNormal is slow for millions */
const values = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * Math.sqrt(3));

/**
 * A convolution and everything tfjs derives from it: y = conv2d(x, W), its gradients with respect to x
 * (Conv2DBackpropInput) and W (Conv2DBackpropFilter), and the transposed convolution of dy with its own
 * gradients (Conv2D, and Conv2DBackpropFilter with the roles swapped).
 */
async function checkConvolution(xShape: Shape4, k: [number, number], ci: number, co: number, strides: number | [number, number], pad: Pad): Promise<void> {
  const what = `x ${xShape.join('×')}, filter ${k.join('×')}×${ci}→${co}, stride ${strides}, pad ${JSON.stringify(pad)}`;
  const wShape: Shape4 = [k[0], k[1], ci, co];
  const xv = values(xShape);
  const wv = values(wShape);
  const yShape = tf.tidy(() => tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(wShape) as tf.Tensor4D, strides, pad).shape);
  const dyv = values(yShape);
  const r = await onBoth(() => tf.tidy(() => {
    const x = tf.tensor4d(xv, xShape);
    const w = tf.tensor4d(wv, wShape);
    const dy = tf.tensor4d(dyv, yShape);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), dy));
    const [dx, dw] = tf.grads(conv)([x, w]);
    const up = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, xShape, strides, pad), x));
    const [dUp, dwUp] = tf.grads(up)([dy, w]);
    return { y: tf.conv2d(x, w, strides, pad), dx, dw, t: tf.conv2dTranspose(dy, w, xShape, strides, pad), dUp, dwUp };
  }));
  for (const key of Object.keys(r.cpu) as (keyof typeof r.cpu)[]) assertClose(r.wasm[key], r.cpu[key], `${what}: ${key}`);
  tf.dispose([...Object.values(r.cpu), ...Object.values(r.wasm)]);
}

test('registers the training kernels and serves them from then on; a second call changes nothing', () => {
  assert.deepEqual(served, ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity', 'LeakyRelu', 'Greater', 'Sum', 'Mean', 'Conv2D']);
  const registered = served.map((k) => tf.getKernel(k, 'wasm'));
  assert.deepEqual(registerWasmTrainingKernels(tf), served);
  served.forEach((k, i) => assert.equal(tf.getKernel(k, 'wasm'), registered[i], `${k} was registered again`));
});

test('convolution gradients: kernels 1–5, strides 1–3, valid / same / numeric / explicit padding', async () => {
  const pads: Pad[] = ['valid', 'same', 0, 1, 2, [[0, 0], [1, 2], [2, 0], [0, 0]]];
  let cases = 0;
  for (const kk of [1, 2, 3, 4, 5]) {
    for (const s of [1, 2, 3]) {
      for (const pad of pads) {
        // batch and channels vary with the case, spatial sizes are odd and unequal
        const n = 1 + (cases % 3);
        const [ci, co] = [[1, 1], [3, 5], [8, 4]][cases % 3];
        const xShape: Shape4 = [n, 9, 7, ci];
        const p = typeof pad === 'number' ? [pad, pad, pad, pad] : Array.isArray(pad) ? [pad[1][0], pad[1][1], pad[2][0], pad[2][1]] : [0, 0, 0, 0];
        if (pad !== 'same' && (xShape[1] + p[0] + p[1] < kk || xShape[2] + p[2] + p[3] < kk)) continue;
        await checkConvolution(xShape, [kk, kk], ci, co, s, pad);
        cases++;
      }
    }
  }
  assert.ok(cases >= 80, `only ${cases} cases ran`);
});

test('convolution gradients: non-square kernels and strides, a kernel smaller than its stride', async () => {
  await checkConvolution([2, 10, 11, 3], [2, 5], 3, 4, [2, 3], 'same');
  await checkConvolution([2, 10, 11, 3], [5, 3], 3, 4, [3, 1], 'valid');
  await checkConvolution([1, 9, 9, 2], [1, 1], 2, 3, 3, 'valid');
  await checkConvolution([1, 9, 9, 2], [2, 2], 2, 3, 3, 1);
});

test('convolution gradients at DCGAN shapes: both ways of computing dx (one convolution for all phases on large maps, one per phase on small ones) and the 1×1 one', async () => {
  await checkConvolution([2, 64, 64, 3], [4, 4], 3, 8, 2, 1); // dx by one wide convolution
  await checkConvolution([2, 32, 32, 8], [4, 4], 8, 16, 2, 1);
  await checkConvolution([2, 8, 8, 32], [4, 4], 32, 64, 2, 1); // dx by phase
  await checkConvolution([3, 4, 4, 64], [4, 4], 64, 1, 1, 0); // D's last layer; G's first: dy is 1×1
  await checkConvolution([2, 2, 2, 5], [4, 4], 5, 6, 2, 'same'); // 1×1 output from 'same' padding
});

test('dW of a batch whose im2col passes 32 MB, computed over images 0–4 then 5, is their sum', async () => {
  // (the cpu backend takes seconds on this size; one-chunk dW is checked against it above)
  await tf.setBackend('wasm');
  const x = tf.tensor4d(values([6, 40, 40, 256]), [6, 40, 40, 256]);
  const dy = tf.tensor4d(values([6, 20, 20, 2]), [6, 20, 20, 2]);
  const attrs = { strides: 2, pad: 1, dataFormat: 'NHWC', filterShape: [4, 4, 256, 2] };
  const dW = (a: tf.Tensor, b: tf.Tensor) => tf.engine().runKernel('Conv2DBackpropFilter', { x: a, dy: b }, attrs) as tf.Tensor;
  const whole = dW(x, dy);
  const parts = tf.add(dW(tf.slice(x, 0, 5), tf.slice(dy, 0, 5)), dW(tf.slice(x, 5, 1), tf.slice(dy, 5, 1)));
  assertClose(whole, parts, 'dW');
  tf.dispose([x, dy, whole, parts]);
  await tf.setBackend('cpu');
});

test('dilated convolutions run on wasm as before (tfjs has no gradients for them)', async () => {
  const xv = values([2, 9, 9, 3]);
  const wv = values([3, 3, 3, 4]);
  const r = await onBoth(() => tf.conv2d(tf.tensor4d(xv, [2, 9, 9, 3]), tf.tensor4d(wv, [3, 3, 3, 4]), 1, 'same', 'NHWC', 2));
  assertClose(r.wasm, r.cpu, 'dilation 2');
});

test("Conv2D with 'same' padding and a stride larger than the kernel (XNNPACK's own SAME mode returned zeros)", async () => {
  for (const [k, s, d] of [[2, 3, 1], [1, 3, 1], [2, 4, 1], [3, 4, 1], [2, 3, 2]]) {
    const xv = values([2, 9, 7, 3]);
    const wv = values([k, k, 3, 4]);
    const r = await onBoth(() => tf.conv2d(tf.tensor4d(xv, [2, 9, 7, 3]), tf.tensor4d(wv, [k, k, 3, 4]), d === 1 ? s : 1, 'same', 'NHWC', d));
    assertClose(r.wasm, r.cpu, `kernel ${k}, stride ${s}, dilation ${d}`);
  }
});

test('the backprop kernels in NCHW, and a dy larger than the convolution produces (only its top-left is read)', async () => {
  const x = values([2, 3, 8, 6]);
  const w = values([3, 3, 3, 4]);
  const dyv = values([2, 4, 4, 3]);
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW' };
  const r = await onBoth(() => ({
    dx: tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(dyv, [2, 4, 4, 3]), filter: tf.tensor4d(w, [3, 3, 3, 4]) }, { ...attrs, inputShape: [2, 3, 8, 6] }) as tf.Tensor,
    dw: tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, [2, 3, 8, 6]), dy: tf.tensor4d(dyv, [2, 4, 4, 3]) }, { ...attrs, filterShape: [3, 3, 3, 4] }) as tf.Tensor,
  }));
  assertClose(r.wasm.dx, r.cpu.dx, 'NCHW dx');
  assertClose(r.wasm.dw, r.cpu.dw, 'NCHW dW');
  const big = values([1, 6, 6, 2]);
  const w2 = values([3, 3, 2, 2]);
  const r2 = await onBoth(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(big, [1, 6, 6, 2]), filter: tf.tensor4d(w2, [3, 3, 2, 2]) },
    { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 8, 8, 2] }) as tf.Tensor);
  assertClose(r2.wasm, r2.cpu, 'oversized dy');
});

test('repeated dx through one filter reuses its flipped copies; they are freed after the filter is', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend();
  const dy = tf.randomNormal([2, 4, 4, 16]) as tf.Tensor4D;
  const run = (w: tf.Tensor4D) => tf.conv2dTranspose(dy, w, [2, 8, 8, 8], 2, 1);
  const w0 = tf.randomNormal([4, 4, 8, 16]) as tf.Tensor4D;
  run(w0).dispose(); // w0's flipped copies stay cached
  const baseline = backend.numDataIds();
  const w = tf.randomNormal([4, 4, 8, 16]) as tf.Tensor4D;
  const first = run(w);
  const again = run(w);
  assertSame(again, first, 'the second call, from the cached copies');
  tf.dispose([first, again, w, w0]);
  // the next call drops the copies of w and w0, and caches w1's: w1 and its copies stand where w0 and its were
  const w1 = tf.zerosLike(w0) as tf.Tensor4D;
  run(w1).dispose();
  assert.equal(backend.numDataIds(), baseline);
  // the same data as another filter shape is another filter
  const w2 = tf.randomNormal([4, 4, 8, 16]) as tf.Tensor4D;
  run(w2).dispose();
  const other = tf.reshape(w2, [4, 4, 16, 8]) as tf.Tensor4D;
  const dy2 = tf.randomNormal([2, 4, 4, 8]) as tf.Tensor4D;
  const viaView = tf.conv2dTranspose(dy2, other, [2, 8, 8, 16], 2, 1);
  const viaCopy = tf.conv2dTranspose(dy2, tf.add(other, 0) as tf.Tensor4D, [2, 8, 8, 16], 2, 1);
  assertSame(viaView, viaCopy, 'a reshaped filter');
  tf.dispose([w1, w2, dy, other, dy2, viaView, viaCopy]);
  await tf.setBackend('cpu');
});

test('kernels leave no intermediate behind on the wasm heap', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend();
  const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 5]) as tf.Tensor4D;
  const step = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.leakyRelu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 0.2)))([x, w]));
  tf.dispose(step());
  const ids = backend.numDataIds();
  for (let i = 0; i < 5; i++) tf.dispose(step());
  assert.equal(backend.numDataIds(), ids);
  tf.dispose([x, w]);
  await tf.setBackend('cpu');
});

test('Identity shares data: a clone outlives its source', async () => {
  await tf.setBackend('wasm');
  const ids = tf.backend().numDataIds();
  const a = tf.tensor([1, -2, 3]);
  const b = tf.clone(a);
  assert.equal(tf.backend().numDataIds(), ids + 1);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, -2, 3]);
  b.dispose();
  assert.equal(tf.backend().numDataIds(), ids);
  await tf.setBackend('cpu');
});

const SPECIAL = [-2, -0.5, -0, 0, 0.5, 3, NaN, Infinity, -Infinity, 1e-40, -1e-40, 3.4e38, -3.4e38];

test('LeakyRelu: as cpu, special values included (α·x in float32 as wasm and PyTorch take it: cpu multiplies by the\
 float64 α, which can round differently in the last bit)', async () => {
  for (const alpha of [0.2, 0, 1, 1.5, -0.3]) {
    const r = await onBoth(() => tf.leakyRelu(tf.tensor(SPECIAL), alpha));
    assertSame(r.wasm, r.cpu, `alpha ${alpha}`, true);
  }
  const v = values([3, 5, 7, 2]);
  const r = await onBoth(() => tf.leakyRelu(tf.tensor4d(v, [3, 5, 7, 2]), 0.2));
  assertSame(r.wasm, r.cpu, 'random', true);
  const ints = await onBoth(() => tf.leakyRelu(tf.tensor([-3, 4], undefined, 'int32'), 0.5));
  assertSame(ints.wasm, ints.cpu, 'int32 (the shipped kernel)');
});

test('Greater: scalar and same-shape float32, and the cases left to the shipped kernel', async () => {
  const rev = [...SPECIAL].reverse();
  const cases: [string, () => tf.Tensor][] = [
    ['scalar', () => tf.greater(tf.tensor(SPECIAL), 0)],
    ['[1, 1] against a matrix', () => tf.greater(tf.tensor2d(SPECIAL.slice(0, 12), [3, 4]), tf.tensor2d([0.5], [1, 1]))],
    ['same shape', () => tf.greater(tf.tensor(SPECIAL), tf.tensor(rev))],
    ['broadcast row', () => tf.greater(tf.tensor2d(SPECIAL.slice(0, 12), [6, 2]), tf.tensor1d([0, 1]))],
    ['scalar on the left', () => tf.greater(tf.scalar(0), tf.tensor(SPECIAL))],
    ['int32', () => tf.greater(tf.tensor([1, 2, 3], undefined, 'int32'), tf.scalar(2, 'int32'))],
  ];
  for (const [what, f] of cases) {
    const r = await onBoth(f);
    assertSame(r.wasm, r.cpu, what);
  }
});

test('Sum and Mean over H, W (and N) of NHWC tensors, and the other reductions left to the shipped kernels', async () => {
  const shapes: Shape4[] = [[2, 3, 5, 4], [16, 8, 8, 32], [3, 64, 64, 3], [2, 128, 96, 2], [1, 7, 1, 2], [3, 1, 1, 5]];
  for (const shape of shapes) {
    const v = values(shape).map((x) => x + 0.5);
    for (const axis of [[0, 1, 2], [1, 2], [2, 1], [-2, -3, 0], [3], [0]]) {
      for (const keepDims of [false, true]) {
        for (const op of ['sum', 'mean'] as const) {
          const r = await onBoth(() => tf[op](tf.tensor4d(v, shape), axis, keepDims));
          assertClose(r.wasm, r.cpu, `${op} of ${shape.join('×')} over ${axis}${keepDims ? ', keepDims' : ''}`);
        }
      }
    }
  }
});

test('a tiny DCGAN D+G step: the same losses and gradients on wasm as on cpu', async () => {
  const nz = 8, ngf = 4, ndf = 4, n = 3;
  const shapes: Record<string, number[]> = {
    g0: [4, 4, ngf * 2, nz], g1: [4, 4, ngf, ngf * 2], g2: [4, 4, 3, ngf],
    gGamma0: [ngf * 2], gBeta0: [ngf * 2], gGamma1: [ngf], gBeta1: [ngf],
    d0: [4, 4, 3, ndf], d1: [4, 4, ndf, ndf * 2], d2: [4, 4, ndf * 2, 1], dGamma: [ndf * 2], dBeta: [ndf * 2],
  };
  const init: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    init[name] = /Gamma/.test(name) ? values(shape).map((x) => 1 + 0.1 * x) : /Beta/.test(name) ? values(shape).map((x) => 0.1 * x) : values(shape).map((x) => 0.2 * x);
  }
  const realV = values([n, 16, 16, 3]).map(Math.tanh);
  const zV = values([n, 1, 1, nz]);

  const r = await onBoth(() => tf.tidy(() => {
    const p: Record<string, tf.Variable> = {};
    for (const [name, shape] of Object.entries(shapes)) p[name] = tf.variable(tf.tensor(init[name], shape), true, `${tf.getBackend()}-${name}`);
    const bn = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
    };
    const same: Pad = [[0, 0], [1, 1], [1, 1], [0, 0]];
    const G = (z: tf.Tensor4D) => {
      let x = tf.conv2dTranspose(z, p.g0 as tf.Tensor4D, [n, 4, 4, ngf * 2], 1, 'valid');
      x = tf.relu(bn(x, p.gGamma0, p.gBeta0)) as tf.Tensor as tf.Tensor4D;
      x = tf.relu(bn(tf.conv2dTranspose(x, p.g1 as tf.Tensor4D, [n, 8, 8, ngf], 2, same), p.gGamma1, p.gBeta1)) as tf.Tensor4D;
      return tf.tanh(tf.conv2dTranspose(x, p.g2 as tf.Tensor4D, [n, 16, 16, 3], 2, same));
    };
    const D = (x: tf.Tensor4D) => {
      let y: tf.Tensor = tf.leakyRelu(tf.conv2d(x, p.d0 as tf.Tensor4D, 2, same), 0.2);
      y = tf.leakyRelu(bn(tf.conv2d(y as tf.Tensor4D, p.d1 as tf.Tensor4D, 2, same), p.dGamma, p.dBeta), 0.2);
      return tf.reshape(tf.conv2d(y as tf.Tensor4D, p.d2 as tf.Tensor4D, 1, 'valid'), [-1]);
    };
    const bce = (l: tf.Tensor, target: 0 | 1) => {
      const t = tf.add(tf.relu(l), tf.log1p(tf.exp(tf.neg(tf.abs(l)))));
      return tf.mean(target === 1 ? tf.sub(t, l) : t) as tf.Scalar;
    };
    const real = tf.tensor4d(realV, [n, 16, 16, 3]);
    const z = tf.tensor4d(zV, [n, 1, 1, nz]);
    const dVars = ['d0', 'd1', 'd2', 'dGamma', 'dBeta'].map((k) => p[k]);
    const gVars = ['g0', 'g1', 'g2', 'gGamma0', 'gBeta0', 'gGamma1', 'gBeta1'].map((k) => p[k]);
    const fake = G(z);
    const d = tf.variableGrads(() => tf.add(bce(D(real), 1), bce(D(fake as tf.Tensor4D), 0)) as tf.Scalar, dVars);
    const g = tf.variableGrads(() => bce(D(G(z) as tf.Tensor4D), 1), gVars);
    const out: Record<string, tf.Tensor> = { lossD: d.value, lossG: g.value };
    for (const [k, v] of Object.entries({ ...d.grads, ...g.grads })) out[k.slice(k.indexOf('-') + 1)] = v;
    Object.values(p).forEach((v) => v.dispose());
    return out;
  }));
  assert.equal(Object.keys(r.wasm).length, 2 + 12);
  for (const key of Object.keys(r.cpu)) assertClose(r.wasm[key], r.cpu[key], key);
  tf.dispose([...Object.values(r.cpu), ...Object.values(r.wasm)]);
});
