/**
 * A training run: the model pair (built-in or from a .py file), the dataset, the step loop, and what a run
 * leaves in its folder — the same for every engine:
 *   run.json                  the configuration, the backend (name, device, processes), versions, start time
 *   model.py                  the PyTorch source of the pair (the built-in DCGAN's is generated)
 *   metrics.jsonl             one StepMetrics per line
 *   alerts.jsonl              one Alert per line (mode collapse, D loss → 0, NaN)
 *   samples/step_NNNNNN.png   fixed-noise sample grids (G in eval mode)
 *   checkpoint.safetensors    latest checkpoint: weights, buffers, Adam moments, step, data position (atomic)
 *   generator.safetensors, discriminator.safetensors   PyTorch state_dict() keys and layouts
 *   fixed_noise.safetensors (z), fixed_samples.safetensors (images: G(z) in eval mode, NCHW, at the end)
 * The engine (tfEngine.ts, torch/torchEngine.ts) runs spans of steps between the loop's events (a sample, a
 * checkpoint, a pause); the loop reports through callbacks and knows nothing of who listens.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadPair, type GanPair } from '../core/gan';
import { openDataset, tooFewImages, type Dataset } from './data/dataset';
import { writeGridPng } from './data/grid';
import { mixSeed } from './data/random';
import { diversityAlerts, initialAlertState, meanPairwiseDistance, stepAlerts, type AlertState } from './alerts';
import { writeFileAtomic } from './atomic';
import { seededNormal } from './noise';
import { RunRefused } from './resume';
import { writeRunInfo } from './runInfo';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { OpenedBackend } from './select';
import { netState, type EngineState, type StepEngine, type StepRow } from './stepEngine';
import { slicedWasserstein } from './swd';
import { TfEngine } from './tfEngine';
import { torchData, torchModule } from './torch/runFiles';
import { TorchEngine } from './torch/torchEngine';
import type { Alert, StepMetrics, TrainCallbacks, TrainConfig, TrainResult } from './types';

export const CHECKPOINT = 'checkpoint.safetensors';
export const ALERTS = 'alerts.jsonl';
const FIXED_N = 64;

const isFiniteAll = (xs: number[]) => xs.every((x) => Number.isFinite(x));

/** The engine for an opened backend, on this pair and dataset. */
async function openEngine(backend: OpenedBackend, pair: GanPair, dataset: Dataset, cfg: TrainConfig, out: string, fixedNoise: Float32Array): Promise<StepEngine> {
  if (backend.kind === 'tfjs') {
    if (!pair.nets) throw new Error(pair.notTrainable?.message ?? 'the tfjs engines cannot train this pair');
    return new TfEngine(backend.tf, backend.info, pair.nets, pair.latentShape, dataset, cfg, fixedNoise);
  }
  try {
    const module = await torchModule(pair, path.join(out, 'model.py'));
    const data = await torchData(dataset, cfg);
    return await TorchEngine.create(backend.proc, backend.info, pair, cfg, { module, data, fixedNoise });
  } catch (e) {
    await backend.proc.close();
    throw e;
  }
}

export async function train(backend: OpenedBackend, cfg: TrainConfig, cb: TrainCallbacks = {}, given?: GanPair): Promise<TrainResult> {
  const out = path.resolve(cfg.out);
  if (cfg.resume && !existsSync(path.join(out, CHECKPOINT))) {
    if (backend.kind === 'torch') await backend.proc.close();
    throw new RunRefused(`nothing to resume in ${out}: ${CHECKPOINT} does not exist there (start a new run instead)`);
  }
  // a run that fails before its first step leaves no half-made folder behind (unless the folder was there before)
  const fresh = !existsSync(out);
  let stepped = false;
  try {
    return await trainIn(out, backend, cfg, cb, given, () => { stepped = true; });
  } catch (e) {
    if (fresh && !stepped) rmSync(out, { recursive: true, force: true });
    throw e;
  }
}

async function trainIn(out: string, backend: OpenedBackend, cfg: TrainConfig, cb: TrainCallbacks, given: GanPair | undefined, onFirstStep: () => void): Promise<TrainResult> {
  const pair = given ?? await loadPair(cfg);
  if (pair.channels !== 1 && pair.channels !== 3) throw new Error(`${pair.description}: images with ${pair.channels} channels are not supported (1 or 3)`);
  // the folder only once the pair is known to train
  mkdirSync(path.join(out, 'samples'), { recursive: true });
  writeFileSync(path.join(out, 'model.py'), pair.source);
  const dataset = await openDataset({
    dir: cfg.data, size: pair.size, channels: pair.channels as 1 | 3, fit: cfg.fit, seed: cfg.seed,
    cacheDir: cfg.cacheDir ?? path.join(path.dirname(out), '.cache'),
    // the torch engine reads the records itself; this side only reads the fixed real set
    ...(backend.kind === 'torch' ? { memoryBudget: 0 } : {}),
  });
  if (cfg.batch > dataset.count) {
    await dataset.close();
    if (backend.kind === 'torch') await backend.proc.close();
    throw new RunRefused(tooFewImages(dataset.count, cfg.batch));
  }
  const latent = [FIXED_N, ...pair.latentShape];
  const fixedNoise = seededNormal(latent.reduce((a, b) => a * b, 1), mixSeed(cfg.seed, 0xf1ed));
  let engine: StepEngine;
  try {
    engine = await openEngine(backend, pair, dataset, cfg, out, fixedNoise);
  } catch (e) {
    await dataset.close();
    throw e;
  }
  const result: TrainResult = { out, steps: 0, stoppedEarly: false, lastCheckpoint: null, generatorExport: null, discriminatorExport: null };
  try {
    await writeSafetensors(path.join(out, 'fixed_noise.safetensors'), { z: { dtype: 'F32', shape: latent, data: fixedNoise } });
    let first = 1;
    let alertState = initialAlertState();
    const ckpt = path.join(out, CHECKPOINT);
    const metricsFile = path.join(out, 'metrics.jsonl');
    const alertsFile = path.join(out, ALERTS);
    let elapsedBefore = 0;
    if (cfg.resume && existsSync(ckpt)) {
      const resumed = await readCheckpoint(ckpt);
      await engine.load(resumed.state);
      first = resumed.step + 1;
      elapsedBefore = resumed.elapsedMs;
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
    writeRunInfo(out, { cfg, backend: engine.backend, pair, firstStep: first });
    // alerts are kept in the run folder too, for whoever reopens the run (the monitor's past runs)
    const onAlert = (a: Alert) => { appendFileSync(alertsFile, `${JSON.stringify(a)}\n`); cb.onAlert?.(a); };
    cb.onStart?.({
      backend: engine.backend, model: pair.description, generatorParams: pair.generator.params, discriminatorParams: pair.discriminator.params,
      dataset: dataset.report, firstStep: first, totalSteps: cfg.steps, notes: [...engine.notes],
    });
    // elapsed time goes on from the checkpoint's (the time the run had trained when it was written)
    const started = Date.now() - elapsedBefore;
    // a fixed set of real images for the diversity and SWD references
    const realRef = await dataset.read(Array.from({ length: Math.min(FIXED_N, dataset.count) }, (_, i) => i));
    // (mode collapse is judged against the real images' own diversity: a set of one image has none to compare)
    const realDiversity = dataset.count >= 2 ? meanPairwiseDistance(realRef, Math.min(FIXED_N, dataset.count)) : null;
    const sampleStep = (s: number) => s % cfg.sampleEvery === 0 || s === cfg.steps || swdStep(s);
    const swdStep = (s: number) => cfg.swdEvery > 0 && s % cfg.swdEvery === 0;

    /** A step's row: alerts, metrics.jsonl, onStep. */
    let lastElapsed = elapsedBefore;
    let nan: StepMetrics | null = null;
    const record = (m: StepMetrics): void => {
      const u = stepAlerts(alertState, m, { loss: cfg.loss });
      alertState = u.state;
      for (const a of u.alerts) onAlert(a);
      appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);
      cb.onStep?.(m);
      result.steps = m.step;
      onFirstStep();
    };

    let step = first;
    while (step <= cfg.steps) {
      await cb.waitWhilePaused?.();
      if (cb.shouldStop?.()) { result.stoppedEarly = true; result.reason = 'stopped'; break; }
      // a span of steps up to the next event: the engine may run it without a round trip per step
      let target = cfg.steps;
      for (const every of [cfg.sampleEvery, cfg.checkpointEvery, cfg.swdEvery]) if (every > 0) target = Math.min(target, Math.ceil(step / every) * every);
      const control = new AbortController();
      const unsubscribe = cb.onInterrupt?.(() => control.abort());
      if (cb.interruptPending?.()) control.abort();
      let held: StepMetrics | null = null;
      const onRows = (firstStep: number, rows: StepRow[]) => {
        if (nan) return;
        // rows read back together share their span's time: each gets its part, the last one ends now
        const now = Date.now() - started;
        let after = rows.reduce((a, r) => a + r.ms, 0);
        rows.forEach((r, i) => {
          if (nan) return;
          after -= r.ms;
          const { ms, ...metrics } = r;
          lastElapsed = Math.max(lastElapsed, Math.round(now - after));
          const m: StepMetrics = { step: firstStep + i, ...metrics, imgPerSec: cfg.batch / (Math.max(ms, 1e-3) / 1000), elapsedMs: lastElapsed };
          if (!isFiniteAll([m.lossD, m.lossG, m.gradNormD, m.gradNormG])) {
            nan = m;
            control.abort();
          } else if (m.step === target && sampleStep(target)) {
            held = m; // recorded after its samples (its SWD and the diversity alert come first)
          } else {
            record(m);
          }
        });
        // callers without onInterrupt (tests, scripts) are asked between steps, as the engine reports them
        if (cb.shouldStop?.() || cb.interruptPending?.()) control.abort();
      };
      let last: number;
      try {
        last = await engine.run(step, target, onRows, control.signal);
      } finally {
        unsubscribe?.();
      }
      if (nan) {
        const m = nan as StepMetrics;
        appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);
        cb.onStep?.(m);
        const message = `step ${m.step}: a loss or gradient became NaN/Infinity (loss_D ${m.lossD}, loss_G ${m.lossG}); the run stops and keeps its last good checkpoint${result.lastCheckpoint ? ` (${result.lastCheckpoint})` : ''}. Try a lower learning rate.`;
        onAlert({ step: m.step, kind: 'nan', message });
        result.stoppedEarly = true;
        result.reason = message;
        result.steps = m.step - 1;
        return result;
      }
      if (last === target && held) {
        const m = held as StepMetrics;
        const fakes = await engine.sample();
        await writeGrid(fakes, pair, out, target, cb);
        if (realDiversity !== null) {
          const d = diversityAlerts(alertState, { step: target, fake: meanPairwiseDistance(fakes, FIXED_N), real: realDiversity }, { loss: cfg.loss });
          alertState = d.state;
          for (const a of d.alerts) onAlert(a);
        }
        if (swdStep(target) && realRef.length === fakes.length) {
          // sliced Wasserstein distance on Laplacian pyramids (ProGAN), fixed-noise samples vs a fixed real set
          m.swd = slicedWasserstein(realRef, fakes, FIXED_N, pair.size, dataset.channels, 'NHWC', { seed: cfg.seed }).mean;
        }
        record(m);
      }
      if (last === target && target % cfg.checkpointEvery === 0) {
        result.lastCheckpoint = await saveCheckpoint(await engine.state(), ckpt, target, cfg, alertState, lastElapsed);
        cb.onCheckpoint?.({ step: target, file: ckpt });
      }
      step = last + 1;
    }
    // the final checkpoint, unless the last step already wrote one
    const final = result.steps > 0 && result.steps >= first ? await engine.state() : null;
    if (final && result.steps % cfg.checkpointEvery !== 0) {
      result.lastCheckpoint = await saveCheckpoint(final, ckpt, result.steps, cfg, alertState, lastElapsed);
      cb.onCheckpoint?.({ step: result.steps, file: ckpt });
    }
    await exportRun(engine, final ?? await engine.state(), pair, out, result);
    return result;
  } finally {
    await engine.dispose();
    await dataset.close();
  }
}

async function writeGrid(data: Float32Array, pair: GanPair, out: string, step: number, cb: TrainCallbacks): Promise<void> {
  const file = path.join(out, 'samples', `step_${String(step).padStart(6, '0')}.png`);
  await writeGridPng(file, data, FIXED_N, pair.size, pair.channels as 1 | 3);
  cb.onSample?.({ step, file });
}

async function saveCheckpoint(state: EngineState, file: string, step: number, cfg: TrainConfig, alerts: AlertState, elapsedMs: number): Promise<string> {
  await writeSafetensors(file, state.tensors, {
    format: 'dcgan-lab-checkpoint-1', step: String(step), adamStepG: String(state.adamStepG), adamStepD: String(state.adamStepD),
    elapsedMs: String(Math.round(elapsedMs)),
    position: JSON.stringify(state.position), config: JSON.stringify(cfg),
    // a resumed run neither repeats an alert already raised nor forgets a window under way
    alerts: JSON.stringify(alerts),
  });
  return file;
}

async function readCheckpoint(file: string): Promise<{ state: EngineState; step: number; elapsedMs: number; alerts?: AlertState }> {
  const { tensors, metadata } = await readSafetensors(file);
  if (metadata.format !== 'dcgan-lab-checkpoint-1') throw new Error(`${file} is not a DCGAN Lab checkpoint`);
  return {
    state: {
      tensors, adamStepG: Number(metadata.adamStepG), adamStepD: Number(metadata.adamStepD),
      position: JSON.parse(metadata.position) as EngineState['position'],
    },
    step: Number(metadata.step),
    // checkpoints written before the elapsed time was kept: the run's clock starts again
    elapsedMs: Number(metadata.elapsedMs ?? 0) || 0,
    // checkpoints written before the alert state was kept have none: alerts start afresh
    alerts: metadata.alerts ? JSON.parse(metadata.alerts) as AlertState : undefined,
  };
}

/** Drop the rows of a .jsonl file (metrics, alerts) after `step`, and a torn last line, atomically. */
async function keepRowsUpTo(file: string, step: number): Promise<void> {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8').split('\n').filter((line) => {
    try { return (JSON.parse(line) as { step: number }).step <= step; } catch { return false; }
  });
  await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}

async function exportRun(engine: StepEngine, state: EngineState, pair: GanPair, out: string, result: TrainResult): Promise<void> {
  const meta = { format: 'pt', source: 'DCGAN Lab' };
  result.generatorExport = path.join(out, 'generator.safetensors');
  result.discriminatorExport = path.join(out, 'discriminator.safetensors');
  await writeSafetensors(result.generatorExport, netState(state, 'G'), { ...meta, class: pair.generator.name });
  await writeSafetensors(result.discriminatorExport, netState(state, 'D'), { ...meta, class: pair.discriminator.name });
  const nhwc = await engine.sample();
  const [n, s, c] = [FIXED_N, pair.size, pair.channels];
  const nchw = new Float32Array(nhwc.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) for (let k = 0; k < c; k++) {
    nchw[((i * c + k) * s + y) * s + x] = nhwc[((i * s + y) * s + x) * c + k];
  }
  await writeSafetensors(path.join(out, 'fixed_samples.safetensors'), { images: { dtype: 'F32', shape: [n, c, s, s], data: nchw } });
}
