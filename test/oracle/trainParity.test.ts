/**
 * Training parity with PyTorch: from the same initial weights, batches and noise, three steps of the reference
 * DCGAN loop in the tfjs engine, in the torch engine's own step code (src/engine/torch/engine.py) and in a plain
 * PyTorch 1.13 loop give the same losses (1e-4 relative), the same BatchNorm running statistics, and the same
 * eval-mode outputs — for the built-in DCGAN and for a model from a .py file (non-default BatchNorm eps/momentum,
 * LeakyReLU, ConvTranspose2d padding and output_padding, Linear, view), and for WGAN-GP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as tfCore from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { builtinPair, filePair, loadPair, type GanPair } from '../../src/core/gan';
import { GanTrainer, type StepOutput, type TorchTensor } from '../../src/engine/ganTrainer';
import { writeSafetensors, type Tensor as StTensor } from '../../src/engine/safetensors';
import type { TF } from '../../src/engine/types';
import { requireTorch, runPython, withSafetensorsReader } from '../support/oracle';

const tf = tfCore as unknown as TF;
const ROOT = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-parity-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface TorchRun {
  steps: { lossD: number; lossG: number; dReal: number; dFake: number; dFakeAfter: number }[];
  G: Record<string, number[]>; D: Record<string, number[]>; evalImages: number[]; evalScores: number[];
}

/** deterministic data: a small LCG so the batches do not depend on tfjs's generators */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

const st = (m: Map<string, TorchTensor>, prefix: string): Record<string, StTensor> =>
  Object.fromEntries([...m].map(([k, v]) => [`${prefix}${k}`, v as StTensor]));

/** NCHW (PyTorch) → the engine's NHWC for rank-4 inputs */
const toEngine = (data: Float32Array, shape: number[]) => {
  const t = tf.tensor(data, shape);
  return shape.length === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
};

const relClose = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1e-3, Math.abs(b));

async function parity(pair: GanPair, sourceFile: string, gen: string, disc: string, batch: number, loss: 'bce' | 'wgan-gp' = 'bce', steps = 3) {
  await tf.setBackend('cpu');
  const opt = { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8, loss, gpWeight: 10, nCritic: 2 };
  const trainer = new GanTrainer(tf, pair.nets!, opt, 7);
  try {
    const init = path.join(tmp, `${gen}-init.safetensors`);
    await writeSafetensors(init, { ...st(trainer.torchState('g'), 'G/'), ...st(trainer.torchState('d'), 'D/') });
    const r = lcg(42);
    const imgShape = [batch, pair.channels, pair.size, pair.size];
    const zShape = [batch, ...pair.latentShape];
    const data: Record<string, StTensor> = {};
    const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
    for (let i = 0; i < steps; i++) {
      data[`alpha_${i}`] = { dtype: 'F32', shape: [batch, 1, 1, 1], data: Float32Array.from({ length: batch }, () => r()) };
      data[`real_${i}`] = { dtype: 'F32', shape: imgShape, data: Float32Array.from({ length: numel(imgShape) }, () => r() * 2 - 1) };
      data[`z_${i}`] = { dtype: 'F32', shape: zShape, data: Float32Array.from({ length: numel(zShape) }, () => normal(r)) };
    }
    data.z_eval = { dtype: 'F32', shape: zShape, data: Float32Array.from({ length: numel(zShape) }, () => normal(r)) };
    const dataFile = path.join(tmp, `${gen}-data.safetensors`);
    await writeSafetensors(dataFile, data);
    const common = { source: sourceFile, gen, disc, init, data: dataFile, steps, lr: opt.lr, beta1: opt.beta1, beta2: opt.beta2, loss, gpWeight: opt.gpWeight, nCritic: opt.nCritic };
    const plain = runPython<TorchRun>(withSafetensorsReader(readFileSync(path.join(__dirname, 'torchTrain.py'), 'utf8')), common);
    const engine = runPython<TorchRun & { roundTrip: boolean }>(withSafetensorsReader(readFileSync(path.join(__dirname, 'torchEngineSteps.py'), 'utf8')),
      { ...common, engine: path.join(ROOT, 'src/engine/torch'), batch, latent: pair.latentShape, image: [pair.channels, pair.size, pair.size] });
    assert.ok(engine.roundTrip, 'the torch engine\'s state after load() differs from the checkpoint it loaded');

    // the tfjs engine's steps, once (the trainer is stateful), then each PyTorch side against them
    const ours: StepOutput[] = [];
    for (let i = 0; i < steps; i++) {
      const real = toEngine(data[`real_${i}`].data as Float32Array, imgShape);
      const z = toEngine(data[`z_${i}`].data as Float32Array, zShape);
      const alpha = tf.tensor(data[`alpha_${i}`].data as Float32Array, [batch, 1, 1, 1]);
      ours.push(trainer.step({ real, z, seed: i, alpha }));
      real.dispose(); z.dispose(); alpha.dispose();
    }
    const z = toEngine(data.z_eval.data as Float32Array, zShape);
    const images = trainer.run('g', z, false);
    const evalImages = tf.transpose(images, [0, 3, 1, 2]).dataSync();
    const evalScores = trainer.run('d', images, false).dataSync();
    for (const [who, torch] of [['PyTorch', plain], ['the torch engine', engine]] as const) {
      for (let i = 0; i < steps; i++) {
        for (const k of ['lossD', 'lossG', 'dReal', 'dFake', 'dFakeAfter'] as const) {
          assert.ok(relClose(ours[i][k], torch.steps[i][k], 1e-4), `step ${i + 1} ${k}: tfjs ${ours[i][k]} vs ${who} ${torch.steps[i][k]}`);
        }
      }
      // BatchNorm running statistics (momentum, unbiased variance, num_batches_tracked) after the steps
      for (const [net, ref] of [['g', torch.G], ['d', torch.D]] as const) {
        for (const [key, value] of trainer.torchState(net)) {
          if (!/running_|num_batches/.test(key)) continue;
          const mine = Array.from(value.data as ArrayLike<number | bigint>, Number);
          mine.forEach((x, j) => assert.ok(Math.abs(x - ref[key][j]) <= 1e-4 * Math.max(1, Math.abs(ref[key][j])), `${net.toUpperCase()} ${key}[${j}]: tfjs ${x} vs ${who} ${ref[key][j]}`));
        }
      }
      // eval(): BatchNorm uses the running statistics
      let worst = 0;
      evalImages.forEach((x, j) => { worst = Math.max(worst, Math.abs(x - torch.evalImages[j])); });
      assert.ok(worst < 1e-4, `eval-mode generator output differs from ${who}'s by ${worst}`);
      evalScores.forEach((x, j) => assert.ok(relClose(x, torch.evalScores[j], 1e-4), `eval-mode D score ${j}: tfjs ${x} vs ${who} ${torch.evalScores[j]}`));
    }
  } finally {
    trainer.dispose();
  }
}

describe('training matches PyTorch step for step (tfjs engine, torch engine, plain PyTorch)', () => {
  it('the built-in DCGAN (16×16, 3 channels)', async (t) => {
    if (!requireTorch(t)) return;
    const pair = await builtinPair({ size: 16, channels: 3, nz: 8, ngf: 8, ndf: 8 }, 4);
    const file = path.join(tmp, 'builtin.py');
    writeFileSync(file, pair.source);
    await parity(pair, file, 'Generator', 'Discriminator', 4);
  });

  it('a generator/discriminator pair from a .py file (examples/tiny_gan16.py)', async (t) => {
    if (!requireTorch(t)) return;
    const file = path.join(ROOT, 'examples/tiny_gan16.py');
    const pair = await filePair(file, readFileSync(file, 'utf8'), { batch: 5 });
    assert.equal(pair.generator.name, 'TinyGenerator');
    assert.equal(pair.discriminator.name, 'TinyDiscriminator');
    await parity(pair, file, 'TinyGenerator', 'TinyDiscriminator', 5);
  });

  it('WGAN-GP: critic steps with the gradient penalty (double backprop through BatchNorm), G every 2nd step', async (t) => {
    if (!requireTorch(t)) return;
    const pair = await builtinPair({ size: 16, channels: 3, nz: 8, ngf: 8, ndf: 8 }, 4);
    const file = path.join(tmp, 'builtin-wgan.py');
    writeFileSync(file, pair.source);
    await parity(pair, file, 'Generator', 'Discriminator', 4, 'wgan-gp', 4);
  });

  it('WGAN-GP with the built-in critic `--loss wgan-gp` gets (no BatchNorm, no Sigmoid in D)', async (t) => {
    if (!requireTorch(t)) return;
    const pair = await loadPair({ size: 16, batch: 4, nz: 8, ngf: 8, ndf: 8, loss: 'wgan-gp' });
    assert.match(pair.description, /WGAN-GP critic/);
    const critic = pair.source.slice(pair.source.indexOf('class Discriminator'));
    assert.doesNotMatch(critic, /BatchNorm|Sigmoid/);
    const file = path.join(tmp, 'builtin-critic.py');
    writeFileSync(file, pair.source);
    await parity(pair, file, 'Generator', 'Discriminator', 4, 'wgan-gp', 4);
  });
});
