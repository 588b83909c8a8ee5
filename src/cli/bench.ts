/**
 * `dcgan-lab bench --size S --batch B --ngf F --steps N [--backend …] [--json]`: the built-in DCGAN's full
 * training step (D on real and fake, G through D, Adam on both) on random data, timed after warm-up steps.
 * JSON: {"backend", "size", "batch", "ngf", "imgPerSec"} (+ "device", "msPerStep").
 */
import { builtinPair } from '../core/gan';
import { loadBackend } from '../engine/backend';
import { GanTrainer } from '../engine/ganTrainer';
import { UsageError, backendOption, intOption, parseArgs } from './main';

export async function runBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['size', 'batch', 'ngf', 'steps', 'backend', 'warmup'], ['json']);
  if (args.positional.length) throw new UsageError(`bench takes no FILE (got ${args.positional[0]})`);
  const size = intOption(args, 'size', 64, 16, 512);
  const batch = intOption(args, 'batch', 16, 1, 4096);
  const ngf = intOption(args, 'ngf', 32, 1, 1024);
  const steps = intOption(args, 'steps', 10, 1, 1e6);
  const warmup = intOption(args, 'warmup', 2, 0, 1000);
  const json = args.flags.has('json');
  const { tf, info } = await loadBackend(backendOption(args), { log: json ? undefined : (l) => process.stderr.write(`${l}\n`) });
  const pair = await builtinPair({ size, channels: 3, nz: 100, ngf, ndf: ngf }, batch);
  const trainer = new GanTrainer(tf, pair, { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8, loss: 'bce', gpWeight: 10, nCritic: 5 }, 0);
  const real = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1);
  const z = tf.randomNormal([batch, 1, 1, 100], 0, 1, 'float32', 2);
  try {
    for (let i = 0; i < warmup; i++) trainer.step({ real, z, seed: i });
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) trainer.step({ real, z, seed: warmup + i });
    const ms = (performance.now() - t0) / steps;
    const imgPerSec = batch / (ms / 1000);
    if (json) {
      process.stdout.write(`${JSON.stringify({ backend: info.name, size, batch, ngf, imgPerSec: Number(imgPerSec.toFixed(3)), device: info.device, msPerStep: Number(ms.toFixed(1)) })}\n`);
    } else {
      for (const s of info.skipped) process.stdout.write(`skipped ${s}\n`);
      process.stdout.write(`built-in DCGAN ${size}×${size}, batch ${batch}, ngf=ndf=${ngf} on ${info.name} (${info.device}): ${imgPerSec.toFixed(2)} img/s, ${ms.toFixed(0)} ms per step (${steps} steps after ${warmup} warm-up)\n`);
    }
    return 0;
  } finally {
    real.dispose();
    z.dispose();
    trainer.dispose();
  }
}
