/**
 * What `--resume` continues with: the run's own configuration, from its checkpoint. The options that decide the
 * model, the data and the optimizer are the checkpoint's (one given on the command line with another value is
 * refused, with the reason); `--steps` may extend the run; the engine (`--backend`, `--python`, `--device`,
 * `--amp`) and the cadences (samples, checkpoints, SWD) may change, as a run may move between engines.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readSafetensorsMetadata } from './safetensors';
import type { TrainConfig } from './types';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Why a run cannot start as asked (a usage error: exit status 2 in the CLI). */
export class RunRefused extends Error {}

/** The options fixed by the run, with the command-line flag that sets each. */
const FIXED: [flag: string, read: (c: TrainConfig) => unknown][] = [
  ['model', (c) => c.model?.file ?? null],
  ['generator', (c) => c.model?.generator ?? null],
  ['discriminator', (c) => c.model?.discriminator ?? null],
  ['argv', (c) => (c.model?.argv ?? []).join(' ')],
  ['data', (c) => c.data ?? null],
  ['size', (c) => c.size],
  ['batch', (c) => c.batch],
  ['seed', (c) => c.seed],
  ['ngf', (c) => c.ngf],
  ['ndf', (c) => c.ndf],
  ['nz', (c) => c.nz],
  ['lr', (c) => c.lr],
  ['loss', (c) => c.loss],
  ['fit', (c) => c.fit],
];

/** The options `--resume` takes from the command line when given there, else from the run. */
const FREE: [flag: string, key: keyof TrainConfig][] = [
  ['steps', 'steps'], ['sample-every', 'sampleEvery'], ['checkpoint-every', 'checkpointEvery'], ['swd-every', 'swdEvery'],
];

export interface SavedRun { config: TrainConfig; step: number }

/** The checkpoint's configuration and step; a RunRefused when there is none to resume. */
export function savedRun(out: string): SavedRun {
  const file = path.join(out, CHECKPOINT_FILE);
  if (!existsSync(file)) {
    throw new RunRefused(`nothing to resume in ${out}: ${CHECKPOINT_FILE} does not exist there (leave out --resume to start a new run)`);
  }
  const meta = readSafetensorsMetadata(file);
  if (meta.format !== 'dcgan-lab-checkpoint-1' || !meta.config) throw new RunRefused(`${file} is not a DCGAN Lab checkpoint`);
  return { config: JSON.parse(meta.config) as TrainConfig, step: Number(meta.step) };
}

/**
 * The configuration a resumed run trains with: the saved one, with what the command line may change. `given`
 * is the command line's configuration (defaults filled in), `explicit` the flags that were actually typed.
 */
export function resumedConfig(saved: SavedRun, given: TrainConfig, explicit: ReadonlySet<string>, where: string): TrainConfig {
  const run = saved.config;
  for (const [flag, read] of FIXED) {
    if (!explicit.has(flag)) continue;
    const a = read(given);
    const b = read(run);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new RunRefused(`--${flag} ${show(a)}: the run in ${where} was trained with ${show(b)}; a resumed run keeps its model, data and ` +
        `optimizer settings. Leave --${flag} out, or start a new run in another --out`);
    }
  }
  const out: TrainConfig = {
    ...run,
    // where it runs now: the engine may change (a checkpoint moves between engines)
    out: given.out, backend: given.backend, resume: true,
    python: given.python, pythonHint: given.pythonHint, device: given.device, amp: given.amp, torchBlocked: given.torchBlocked,
    cacheDir: given.cacheDir ?? run.cacheDir,
  };
  for (const [flag, key] of FREE) if (explicit.has(flag)) (out as unknown as Record<string, unknown>)[key] = given[key];
  for (const k of ['python', 'pythonHint', 'device', 'amp', 'torchBlocked', 'cacheDir'] as const) if (out[k] === undefined) delete out[k];
  if (out.steps <= saved.step) {
    throw new RunRefused(`the run in ${where} is at step ${saved.step} of ${run.steps}: --steps ${out.steps} ends before it; give more steps to continue it`);
  }
  return out;
}

const show = (v: unknown) => (v === null ? '(none)' : typeof v === 'string' ? v || '(none)' : JSON.stringify(v));

/** An --out that already holds a run is not started over without --resume: its checkpoint and grids would be mixed up. */
export function refuseOccupied(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new RunRefused(`--out ${out} is a file, not a folder`);
  const ckpt = path.join(out, CHECKPOINT_FILE);
  const metrics = path.join(out, 'metrics.jsonl');
  const hasRun = existsSync(ckpt) || existsSync(path.join(out, 'run.json')) || (existsSync(metrics) && readFileSync(metrics, 'utf8').trim() !== '');
  if (!hasRun) return;
  let at = '';
  try {
    const s = savedRun(out);
    at = ` (step ${s.step} of ${s.config.steps})`;
  } catch { /* a run without a checkpoint yet */ }
  throw new RunRefused(`${out} already holds a run${at}: --resume continues it; to start a new run, choose another --out`);
}
