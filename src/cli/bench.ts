/**
 * `dcgan-lab bench --size S --batch B --ngf F --steps N [--backend …] [--json]`: the built-in DCGAN's full
 * training step (D on real and fake, G through D, Adam on both) on random data, timed after warm-up steps.
 * JSON: {"backend", "size", "batch", "ngf", "imgPerSec"} (+ "device", "msPerStep").
 *
 * With the torch engine the step is timed through the engine itself (its data path, metrics read back in batches,
 * the process boundary), and in the same run a plain PyTorch loop of the same pair and step (pytorch/examples
 * dcgan's, no metrics, no sampling, no IPC) on the same device: JSON adds "reference" (its img/s) and "ratio".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinPair } from '../core/gan';
import { mixSeed } from '../engine/data/random';
import { GanTrainer } from '../engine/ganTrainer';
import { seededNormal } from '../engine/noise';
import { openBackend } from '../engine/select';
import { TorchEngine } from '../engine/torch/torchEngine';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/types';
import { UsageError, ampOption, backendOption, deviceOption, intOption, parseArgs } from './main';

export async function runBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['size', 'batch', 'ngf', 'steps', 'backend', 'warmup', 'python', 'device', 'amp'], ['json']);
  if (args.positional.length) throw new UsageError(`bench takes no FILE (got ${args.positional[0]})`);
  const size = intOption(args, 'size', 64, 16, 512);
  const batch = intOption(args, 'batch', 16, 1, 4096);
  const ngf = intOption(args, 'ngf', 32, 1, 1024);
  const steps = intOption(args, 'steps', 10, 1, 1e6);
  const warmup = intOption(args, 'warmup', 2, 0, 1000);
  const json = args.flags.has('json');
  const python = args.options.get('python')?.at(-1);
  const cfg: TrainConfig = {
    ...TRAIN_DEFAULTS, out: '', size, batch, ngf, ndf: ngf, backend: backendOption(args),
    ...(python ? { python } : {}), ...(deviceOption(args) ? { device: deviceOption(args) } : {}), ...(ampOption(args) ? { amp: ampOption(args) } : {}),
  };
  // the backends passed over are printed once, below (the log repeats them as they are tried)
  const log = process.env.DCGAN_LAB_VERBOSE ? (l: string) => process.stderr.write(`${l}\n`) : undefined;
  const pair = await builtinPair({ size, channels: 3, nz: 100, ngf, ndf: ngf }, batch);
  const opened = await openBackend(cfg, pair, { log });
  const info = opened.info;
  let measured: { imgPerSec: number; reference?: number };
  if (opened.kind === 'torch') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dcgan-lab-bench-'));
    try {
      const file = path.join(dir, 'model.py');
      writeFileSync(file, pair.source);
      const engine = await TorchEngine.create(opened.proc, info, pair, cfg, {
        module: { file, source: pair.source, argv: [] },
        data: { kind: 'random', count: Math.max(4 * batch, 64), size, channels: 3, seed: 1 },
        fixedNoise: seededNormal(64 * 100, mixSeed(0, 0xf1ed)),
      });
      try {
        measured = await benchTorch(engine, batch, steps, warmup);
      } finally {
        await engine.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    measured = { imgPerSec: benchTfjs(opened.tf, pair.nets!, batch, size, steps, warmup) };
  }
  const { imgPerSec, reference } = measured;
  const ms = (1000 * batch) / imgPerSec;
  const ratio = reference ? imgPerSec / reference : undefined;
  if (json) {
    process.stdout.write(`${JSON.stringify({
      backend: info.name, size, batch, ngf, imgPerSec: Number(imgPerSec.toFixed(3)), device: info.device, msPerStep: Number(ms.toFixed(1)),
      ...(reference ? { reference: Number(reference.toFixed(3)), ratio: Number(ratio!.toFixed(3)) } : {}),
      ...(cfg.amp ? { amp: cfg.amp } : {}),
    })}\n`);
  } else {
    for (const s of info.skipped) process.stdout.write(`skipped ${s}\n`);
    process.stdout.write(`built-in DCGAN ${size}×${size}, batch ${batch}, ngf=ndf=${ngf} on ${info.name} (${info.device}): ${imgPerSec.toFixed(2)} img/s, ${ms.toFixed(1)} ms per step (${steps} steps after ${warmup} warm-up)\n`);
    if (reference) {
      process.stdout.write(`plain PyTorch loop of the same step (no metrics, no sampling, no IPC): ${reference.toFixed(2)} img/s; ratio ${ratio!.toFixed(3)}\n`);
    }
  }
  return 0;
}

function benchTfjs(tf: import('../engine/types').TF, nets: ConstructorParameters<typeof GanTrainer>[1], batch: number, size: number, steps: number, warmup: number): number {
  const trainer = new GanTrainer(tf, nets, { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8, loss: 'bce', gpWeight: 10, nCritic: 5 }, 0);
  const real = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1);
  const z = tf.randomNormal([batch, 1, 1, 100], 0, 1, 'float32', 2);
  try {
    for (let i = 0; i < warmup; i++) trainer.step({ real, z, seed: i });
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) trainer.step({ real, z, seed: warmup + i });
    return batch / ((performance.now() - t0) / steps / 1000);
  } finally {
    real.dispose();
    z.dispose();
    trainer.dispose();
  }
}

/**
 * The engine's steps timed from here (what a run gets, metrics included), then the plain loop, twice each in turn
 * so neither gets the warmer device; the better of the two rounds of each.
 */
async function benchTorch(engine: TorchEngine, batch: number, steps: number, warmup: number): Promise<{ imgPerSec: number; reference: number }> {
  const never = new AbortController().signal;
  let next = 1;
  const span = async (n: number): Promise<number> => {
    const t0 = performance.now();
    const last = await engine.run(next, next + n - 1, () => {}, never);
    if (last !== next + n - 1) throw new Error(`the bench run stopped at step ${last} of ${next + n - 1}: a loss or gradient became NaN/Infinity`);
    next += n;
    return (batch * n) / ((performance.now() - t0) / 1000);
  };
  if (warmup) await span(warmup);
  let ours = 0;
  let reference = 0;
  for (let round = 0; round < 2; round++) {
    ours = Math.max(ours, await span(steps));
    reference = Math.max(reference, await engine.reference(steps, warmup));
  }
  return { imgPerSec: ours, reference };
}
