/**
 * A training run: the model pair (built-in or from a .py file), the dataset, the step loop, and what a run
 * leaves in its folder:
 *   model.py                  the PyTorch source of the pair (the built-in DCGAN's is generated)
 *   metrics.jsonl             one StepMetrics per line
 *   alerts.jsonl              one Alert per line (mode collapse, D loss → 0, NaN)
 *   samples/step_NNNNNN.png   fixed-noise sample grids (G in eval mode)
 *   checkpoint.safetensors    latest checkpoint: weights, buffers, Adam moments, step, data position (atomic)
 *   generator.safetensors, discriminator.safetensors   PyTorch state_dict() keys and layouts
 *   fixed_noise.safetensors (z), fixed_samples.safetensors (images: G(z) in eval mode, NCHW, at the end)
 * The loop reports through callbacks and knows nothing of who listens.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { loadPair, type GanPair } from '../core/gan';
import { openDataset, type Dataset } from './data/dataset';
import { writeGridPng } from './data/grid';
import { mixSeed } from './data/random';
import { GanTrainer, type TorchTensor } from './ganTrainer';
import { diversityAlerts, initialAlertState, meanPairwiseDistance, stepAlerts, type AlertState } from './alerts';
import { writeFileAtomic } from './atomic';
import { readSafetensors, writeSafetensors, type Tensor as StTensor } from './safetensors';
import { slicedWasserstein } from './swd';
import type { Alert, BackendInfo, StepMetrics, TF, TrainCallbacks, TrainConfig, TrainResult } from './types';

export const CHECKPOINT = 'checkpoint.safetensors';
export const ALERTS = 'alerts.jsonl';
const FIXED_N = 64;

/** PyTorch NCHW ↔ the engine's NHWC for rank-4 tensors */
function toEngine(tf: TF, t: Tensor): Tensor { return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t; }

const isFiniteAll = (xs: number[]) => xs.every((x) => Number.isFinite(x));

export async function train(tf: TF, backend: BackendInfo, cfg: TrainConfig, cb: TrainCallbacks = {}): Promise<TrainResult> {
  const out = path.resolve(cfg.out);
  const pair = await loadPair(cfg);
  if (pair.channels !== 1 && pair.channels !== 3) throw new Error(`${pair.description}: images with ${pair.channels} channels are not supported (1 or 3)`);
  // the folder only once the pair is known to train
  mkdirSync(path.join(out, 'samples'), { recursive: true });
  writeFileSync(path.join(out, 'model.py'), pair.source);
  const dataset = await openDataset({
    dir: cfg.data, size: pair.size, channels: pair.channels, fit: cfg.fit, seed: cfg.seed,
    cacheDir: cfg.cacheDir ?? path.join(path.dirname(out), '.cache'),
  });
  const trainer = new GanTrainer(tf, pair, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: 1e-8, loss: cfg.loss, gpWeight: cfg.gpWeight, nCritic: cfg.nCritic }, cfg.seed);
  const latent = [FIXED_N, ...pair.latentShape];
  const fixedZ = tf.randomNormal(latent, 0, 1, 'float32', mixSeed(cfg.seed, 0xf1ed));
  const fixedZEngine = toEngine(tf, fixedZ);
  const result: TrainResult = { out, steps: 0, stoppedEarly: false, lastCheckpoint: null, generatorExport: null, discriminatorExport: null };
  try {
    await writeSafetensors(path.join(out, 'fixed_noise.safetensors'), { z: { dtype: 'F32', shape: latent, data: Float32Array.from(fixedZ.dataSync()) } });
    let first = 1;
    let alertState = initialAlertState();
    const ckpt = path.join(out, CHECKPOINT);
    const metricsFile = path.join(out, 'metrics.jsonl');
    const alertsFile = path.join(out, ALERTS);
    if (cfg.resume && existsSync(ckpt)) {
      const resumed = await loadCheckpoint(trainer, dataset, ckpt);
      first = resumed.step + 1;
      alertState = resumed.alerts ?? alertState;
      result.lastCheckpoint = ckpt;
      // steps after the checkpoint ran in the process that died; they run again now, so their rows go
      await keepRowsUpTo(metricsFile, resumed.step);
      await keepRowsUpTo(alertsFile, resumed.step);
    } else {
      // a new run in an old folder starts new metrics and alerts files, as it starts a new checkpoint
      writeFileSync(metricsFile, '');
      writeFileSync(alertsFile, '');
    }
    // alerts are kept in the run folder too, for whoever reopens the run (the monitor's past runs)
    const onAlert = (a: Alert) => { appendFileSync(alertsFile, `${JSON.stringify(a)}\n`); cb.onAlert?.(a); };
    cb.onStart?.({
      backend, model: pair.description, generatorParams: count(pair.generator.params), discriminatorParams: count(pair.discriminator.params),
      dataset: dataset.report, firstStep: first, totalSteps: cfg.steps,
    });
    const started = Date.now();
    // a fixed set of real images for the diversity and SWD references
    const realRef = await dataset.read(Array.from({ length: Math.min(FIXED_N, dataset.count) }, (_, i) => i));
    const realDiversity = meanPairwiseDistance(realRef, Math.min(FIXED_N, dataset.count));
    for (let step = first; step <= cfg.steps; step++) {
      await cb.waitWhilePaused?.();
      if (cb.shouldStop?.()) { result.stoppedEarly = true; result.reason = 'stopped'; break; }
      const t0 = performance.now();
      const batch = await dataset.nextBatch(cfg.batch);
      const real = tf.tensor4d(batch, [cfg.batch, pair.size, pair.size, dataset.channels]);
      const z = tf.tidy(() => toEngine(tf, tf.randomNormal([cfg.batch, ...pair.latentShape], 0, 1, 'float32', mixSeed(cfg.seed, step))));
      const s = trainer.step({ real, z, seed: mixSeed(cfg.seed, step, 1) });
      real.dispose();
      z.dispose();
      const dt = performance.now() - t0;
      const m: StepMetrics = { step, epoch: dataset.epoch, ...s, imgPerSec: cfg.batch / (dt / 1000), elapsedMs: Date.now() - started };
      if (!isFiniteAll([s.lossD, s.lossG, s.gradNormD, s.gradNormG])) {
        appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);
        cb.onStep?.(m);
        const message = `step ${step}: a loss or gradient became NaN/Infinity (loss_D ${s.lossD}, loss_G ${s.lossG}); the run stops and keeps its last good checkpoint${result.lastCheckpoint ? ` (${result.lastCheckpoint})` : ''}. Try a lower learning rate.`;
        onAlert({ step, kind: 'nan', message });
        result.stoppedEarly = true;
        result.reason = message;
        result.steps = step - 1;
        return result;
      }
      let fakes: Float32Array | null = null;
      if (step % cfg.sampleEvery === 0 || step === cfg.steps || (cfg.swdEvery > 0 && step % cfg.swdEvery === 0)) {
        fakes = await writeSamples(tf, trainer, fixedZEngine, pair, out, step, cb);
        const d = diversityAlerts(alertState, { step, fake: meanPairwiseDistance(fakes, FIXED_N), real: realDiversity }, { loss: cfg.loss });
        alertState = d.state;
        for (const a of d.alerts) onAlert(a);
      }
      if (fakes && cfg.swdEvery > 0 && step % cfg.swdEvery === 0 && realRef.length === fakes.length) {
        // sliced Wasserstein distance on Laplacian pyramids (ProGAN), fixed-noise samples vs a fixed real set
        m.swd = slicedWasserstein(realRef, fakes, FIXED_N, pair.size, dataset.channels, 'NHWC', { seed: cfg.seed }).mean;
      }
      const u = stepAlerts(alertState, m, { loss: cfg.loss });
      alertState = u.state;
      for (const a of u.alerts) onAlert(a);
      appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);
      cb.onStep?.(m);
      result.steps = step;
      if (step % cfg.checkpointEvery === 0) {
        result.lastCheckpoint = await saveCheckpoint(trainer, dataset, ckpt, step, cfg, alertState);
        cb.onCheckpoint?.({ step, file: ckpt });
      }
    }
    // the final checkpoint, unless the last step already wrote one
    if (result.steps > 0 && result.steps >= first && result.steps % cfg.checkpointEvery !== 0) {
      result.lastCheckpoint = await saveCheckpoint(trainer, dataset, ckpt, result.steps, cfg, alertState);
      cb.onCheckpoint?.({ step: result.steps, file: ckpt });
    }
    await exportRun(tf, trainer, fixedZEngine, pair, out, result);
    return result;
  } finally {
    fixedZ.dispose();
    fixedZEngine.dispose();
    trainer.dispose();
    await dataset.close();
  }
}

const count = (ps: { shape: number[]; kind: string }[]) => ps.filter((p) => p.kind === 'param').reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);

async function writeSamples(tf: TF, trainer: GanTrainer, z: Tensor, pair: GanPair, out: string, step: number, cb: TrainCallbacks): Promise<Float32Array> {
  const images = tf.tidy(() => trainer.run('g', z, false));
  const data = Float32Array.from(images.dataSync());
  images.dispose();
  const file = path.join(out, 'samples', `step_${String(step).padStart(6, '0')}.png`);
  await writeGridPng(file, data, FIXED_N, pair.size, pair.channels as 1 | 3);
  cb.onSample?.({ step, file });
  return data;
}

const asSt = (t: TorchTensor): StTensor => t as StTensor;

async function saveCheckpoint(trainer: GanTrainer, dataset: Dataset, file: string, step: number, cfg: TrainConfig, alerts: AlertState): Promise<string> {
  const tensors: Record<string, StTensor> = {};
  for (const net of ['g', 'd'] as const) {
    const N = net.toUpperCase();
    for (const [k, v] of trainer.torchState(net)) tensors[`${N}/${k}`] = asSt(v);
    const o = trainer.optimizerState(net);
    for (const [k, v] of o.m) tensors[`${N}.adam.exp_avg/${k}`] = asSt(v);
    for (const [k, v] of o.v) tensors[`${N}.adam.exp_avg_sq/${k}`] = asSt(v);
  }
  await writeSafetensors(file, tensors, {
    format: 'dcgan-lab-checkpoint-1', step: String(step), adamStepG: String(trainer.adamStepG), adamStepD: String(trainer.adamStepD),
    position: JSON.stringify(dataset.position()), config: JSON.stringify(cfg),
    // a resumed run neither repeats an alert already raised nor forgets a window under way
    alerts: JSON.stringify(alerts),
  });
  return file;
}

async function loadCheckpoint(trainer: GanTrainer, dataset: Dataset, file: string): Promise<{ step: number; alerts?: AlertState }> {
  const { tensors, metadata } = await readSafetensors(file);
  if (metadata.format !== 'dcgan-lab-checkpoint-1') throw new Error(`${file} is not a DCGAN Lab checkpoint`);
  for (const net of ['g', 'd'] as const) {
    const N = net.toUpperCase();
    const pick = (prefix: string) => new Map(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v as TorchTensor]));
    trainer.loadTorchState(net, pick(`${N}/`), { m: pick(`${N}.adam.exp_avg/`), v: pick(`${N}.adam.exp_avg_sq/`), step: Number(net === 'g' ? metadata.adamStepG : metadata.adamStepD) });
  }
  const pos = JSON.parse(metadata.position) as { epoch: number; index: number };
  dataset.seek(pos.epoch, pos.index);
  // checkpoints written before the alert state was kept have none: alerts start afresh
  return { step: Number(metadata.step), alerts: metadata.alerts ? JSON.parse(metadata.alerts) as AlertState : undefined };
}

/** Drop the rows of a .jsonl file (metrics, alerts) after `step`, and a torn last line, atomically. */
async function keepRowsUpTo(file: string, step: number): Promise<void> {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8').split('\n').filter((line) => {
    try { return (JSON.parse(line) as { step: number }).step <= step; } catch { return false; }
  });
  await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}

async function exportRun(tf: TF, trainer: GanTrainer, zEngine: Tensor, pair: GanPair, out: string, result: TrainResult): Promise<void> {
  const state = (net: 'g' | 'd') => Object.fromEntries([...trainer.torchState(net)].map(([k, v]) => [k, asSt(v)]));
  const meta = { format: 'pt', source: 'DCGAN Lab' };
  result.generatorExport = path.join(out, 'generator.safetensors');
  result.discriminatorExport = path.join(out, 'discriminator.safetensors');
  await writeSafetensors(result.generatorExport, state('g'), { ...meta, class: pair.generator.name });
  await writeSafetensors(result.discriminatorExport, state('d'), { ...meta, class: pair.discriminator.name });
  const images = tf.tidy(() => {
    const y = trainer.run('g', zEngine, false);
    return y.rank === 4 ? tf.transpose(y, [0, 3, 1, 2]) : y;
  });
  await writeSafetensors(path.join(out, 'fixed_samples.safetensors'), { images: { dtype: 'F32', shape: images.shape as number[], data: Float32Array.from(images.dataSync()) } });
  images.dispose();
}
