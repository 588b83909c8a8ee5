/**
 * `dcgan-lab train`: checks the model pair here (core only), then runs the training in the worker process
 * (src/engine/worker.ts) through the protocol, with a progress bar and ETA on stderr.
 * Exit status: 0 the run finished (or was stopped), 1 the model was refused by the shape check,
 * 2 usage or file errors, 3 the run failed (worker crash, NaN, backend unavailable).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { loadPair, ModelRefused } from '../core/gan';
import { ETA_WINDOW, etaMs, formatDuration, formatImgPerSec, recentImgPerSec } from '../core/progress';
import { splitArgv } from '../core/python/argv';
import { refuseOccupied, resumedConfig, RunRefused, savedRun } from '../engine/resume';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/types';
import { TrainingClient } from '../protocol/client';
import { UsageError, ampOption, backendOption, deviceOption, intOption, parseArgs } from './main';

/** A path the command line names must be there, and be what it is meant to be (else a usage error, exit 2). */
export function requirePath(p: string, kind: 'file' | 'folder', flag: string): void {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new UsageError(`${flag} ${p}: no such ${kind}`);
  }
  if (kind === 'file' && st.isDirectory()) throw new UsageError(`${flag} ${p} is a folder; it needs a Python file`);
  if (kind === 'folder' && !st.isDirectory()) throw new UsageError(`${flag} ${p} is a file; it needs a folder of images`);
}

export function defaultRunDir(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join('runs', `run-${stamp}`);
}

export function trainConfig(argv: string[]): TrainConfig {
  return trainArgs(argv).cfg;
}

/** The configuration the command line asks for, and which options it named (for --resume). */
export function trainArgs(argv: string[]): { cfg: TrainConfig; explicit: Set<string> } {
  const args = parseArgs(argv, ['model', 'generator', 'discriminator', 'argv', 'data', 'size', 'steps', 'batch', 'seed', 'out', 'backend',
    'ngf', 'ndf', 'nz', 'lr', 'loss', 'fit', 'sample-every', 'swd-every', 'checkpoint-every', 'python', 'device', 'amp'], ['resume']);
  if (args.positional.length) throw new UsageError(`train takes no positional arguments (got ${args.positional[0]}); use --model FILE.py`);
  const one = (n: string) => args.options.get(n)?.at(-1);
  const file = one('model');
  if (!file && (one('generator') || one('discriminator') || one('argv'))) throw new UsageError('--generator, --discriminator and --argv need --model FILE.py');
  const loss = one('loss') ?? 'bce';
  if (loss !== 'bce' && loss !== 'wgan-gp') throw new UsageError(`--loss must be bce or wgan-gp, got '${loss}'`);
  const fit = one('fit') ?? 'crop';
  if (fit !== 'crop' && fit !== 'pad') throw new UsageError(`--fit must be crop or pad, got '${fit}'`);
  const lr = one('lr') === undefined ? TRAIN_DEFAULTS.lr : Number(one('lr'));
  if (!(lr > 0 && lr < 1)) throw new UsageError(`--lr must be a number between 0 and 1, got '${one('lr')}'`);
  const steps = intOption(args, 'steps', TRAIN_DEFAULTS.steps);
  // paths are kept absolute: the checkpoint stores this configuration, and a resume may run from another folder
  const data = one('data');
  const cfg: TrainConfig = {
    ...TRAIN_DEFAULTS,
    model: file ? { file: path.resolve(file), generator: one('generator'), discriminator: one('discriminator'), argv: splitArgv(one('argv') ?? '') } : undefined,
    data: data === undefined ? undefined : path.resolve(data),
    // a model file decides its own size; --size then only has to agree with it
    size: intOption(args, 'size', file ? 0 : TRAIN_DEFAULTS.size, 16, 1024),
    steps,
    batch: intOption(args, 'batch', TRAIN_DEFAULTS.batch, 1, 4096),
    seed: intOption(args, 'seed', TRAIN_DEFAULTS.seed, 0, 2 ** 31),
    out: one('out') ?? defaultRunDir(),
    backend: backendOption(args),
    ngf: intOption(args, 'ngf', TRAIN_DEFAULTS.ngf, 1, 1024),
    ndf: intOption(args, 'ndf', TRAIN_DEFAULTS.ndf, 1, 1024),
    nz: intOption(args, 'nz', TRAIN_DEFAULTS.nz, 1, 4096),
    lr,
    loss,
    fit,
    sampleEvery: intOption(args, 'sample-every', Math.min(TRAIN_DEFAULTS.sampleEvery, Math.max(1, Math.floor(steps / 10)))),
    swdEvery: intOption(args, 'swd-every', 0, 0),
    checkpointEvery: intOption(args, 'checkpoint-every', TRAIN_DEFAULTS.checkpointEvery),
    resume: args.flags.has('resume'),
    // a path is taken from here; a bare name (`python3.11`) is looked up on PATH as a shell would
    ...(one('python') ? { python: /[\\/]/.test(one('python')!) ? path.resolve(one('python')!) : one('python')! } : {}),
    ...(deviceOption(args) ? { device: deviceOption(args) } : {}),
    ...(ampOption(args) ? { amp: ampOption(args) } : {}),
  };
  return { cfg, explicit: new Set(args.options.keys()) };
}


export async function runTrain(argv: string[], out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  const given = trainArgs(argv);
  let cfg = given.cfg;
  if (cfg.model) requirePath(cfg.model.file, 'file', '--model');
  if (cfg.data !== undefined) requirePath(cfg.data, 'folder', '--data');
  try {
    if (cfg.resume) cfg = resumedConfig(savedRun(cfg.out), cfg, given.explicit, cfg.out);
    else refuseOccupied(cfg.out);
  } catch (e) {
    if (e instanceof RunRefused) throw new UsageError(e.message);
    throw e;
  }
  // the shape check runs here, before any worker starts: a model that does not fit never trains
  try {
    const pair = await loadPair(cfg);
    out.write(`model: ${pair.description}: G ${pair.generator.inputShape.join('×')} → ${pair.generator.outputShape.join('×')}, D → ${pair.discriminator.outputShape.join('×')}\n`);
    if (!pair.nets && cfg.backend !== 'auto' && cfg.backend !== 'torch') {
      err.write(`dcgan-lab: the ${cfg.backend} backend cannot train this pair: ${pair.notTrainable?.message}\n  The torch engine (your own PyTorch) can: --backend torch\n`);
      return 1;
    }
    if (!pair.nets) out.write(`the tfjs engines cannot train this pair (${pair.notTrainable?.message}); it trains with the torch engine\n`);
  } catch (e) {
    if (e instanceof ModelRefused) {
      err.write(`dcgan-lab: the model cannot be trained: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const client = new TrainingClient();
  const tty = err.isTTY === true;
  // the recent pace, for the ETA (the status bar and the monitor use the same window)
  const paceSteps: number[] = [];
  const paceMs: number[] = [];
  // img/s as the status bar and the monitor show it: over the same recent window
  const paceImg: number[] = [];
  let lastPrinted = 0;
  let lastLine = '';
  return await new Promise<number>((resolve) => {
    let code = 3;
    // Ctrl+C (or SIGTERM) once: stop after the current step with a final checkpoint and the exports, as Stop Training
    // does; twice: abort at once, keeping the last checkpoint written. The worker and the torch engine ignore the
    // terminal's signals (they reach the whole process group): the decision is made here.
    let signalled: NodeJS.Signals | null = null;
    let aborted = false;
    const onSignal = (sig: NodeJS.Signals) => {
      const key = sig === 'SIGINT' ? 'Ctrl+C' : sig;
      if (!signalled) {
        signalled = sig;
        err.write(`${tty ? '\n' : ''}stopping after the current step (a final checkpoint is written; ${key} again aborts)…\n`);
        client.stop();
      } else if (!aborted) {
        aborted = true;
        err.write(`${tty ? '\n' : ''}aborting: the run keeps its last checkpoint${lastCheckpoint ? ` (step ${lastCheckpoint})` : ' (none was written yet)'}\n`);
        code = sig === 'SIGINT' ? 130 : 143;
        void client.dispose();
      }
    };
    let lastCheckpoint = 0;
    client.on('checkpoint', (k) => { lastCheckpoint = k.step; });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    client.on('started', (r) => {
      for (const s of r.backend.skipped) err.write(`falling back: ${s}\n`);
      out.write(`backend: ${r.backend.name} on ${r.backend.device}\n`);
      if (r.backend.python) out.write(`python: ${r.backend.python} (torch ${r.backend.torch})\n`);
      for (const n of r.notes ?? []) out.write(`note: ${n}\n`);
      const d = r.dataset;
      out.write(`data: ${d.source}: ${d.count} images${d.skipped.length ? `, ${d.skipped.length} skipped` : ''}${d.sizes.length ? ` (sizes: ${d.sizes.slice(0, 4).map(([s, n]) => `${s}×${n}`).join(', ')}${d.sizes.length > 4 ? ', …' : ''})` : ''}\n`);
      for (const s of d.skipped.slice(0, 10)) out.write(`  skipped ${s.file}: ${s.why}\n`);
      out.write(`run folder: ${path.resolve(cfg.out)}${r.firstStep > 1 ? ` (resuming at step ${r.firstStep})` : ''}\n`);
    });
    client.on('progress', (m) => {
      paceSteps.push(m.step);
      paceMs.push(m.elapsedMs);
      paceImg.push(m.imgPerSec);
      if (paceSteps.length > ETA_WINDOW + 1) { paceSteps.shift(); paceMs.shift(); paceImg.shift(); }
      const width = 24;
      const filled = Math.round((width * m.step) / cfg.steps);
      lastLine = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] step ${m.step}/${cfg.steps}  loss_D ${m.lossD.toFixed(3)}  loss_G ${m.lossG.toFixed(3)}  D(x) ${m.dReal.toFixed(2)}  D(G(z)) ${m.dFake.toFixed(2)}  ${formatImgPerSec(recentImgPerSec(paceImg))} img/s  ETA ${formatDuration(etaMs(paceSteps, paceMs, cfg.steps))}`;
      if (tty) err.write(`\r${lastLine}\x1b[K`);
      else if (m.step === cfg.steps || Date.now() - lastPrinted > 5000) { err.write(`${lastLine}\n`); lastPrinted = Date.now(); }
    });
    client.on('alert', (a) => err.write(`${tty ? '\n' : ''}alert (step ${a.step}, ${a.kind}): ${a.message}\n`));
    client.on('log', (line) => { if (process.env.DCGAN_LAB_VERBOSE) err.write(`${line}\n`); });
    client.on('error', (f) => {
      // a crash's message carries the worker's last lines already
      err.write(`${tty ? '\n' : ''}dcgan-lab: training failed: ${f.message}\n`);
      if (f.fatal) code = 3;
    });
    client.on('done', (r) => {
      if (aborted) return;
      if (tty) err.write('\n');
      code = r.reason && r.reason !== 'stopped' ? 3 : 0;
      out.write(`${r.stoppedEarly ? `stopped after step ${r.steps}${r.reason && r.reason !== 'stopped' ? `: ${r.reason}` : ''}` : `done: ${r.steps} steps`}\n`);
      out.write(`run folder: ${r.out}\n  samples/ (fixed-noise grids), metrics.jsonl, checkpoint.safetensors, generator.safetensors, discriminator.safetensors, model.py\n`);
    });
    client.on('exit', () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      client.dispose();
      resolve(code);
    });
    client.start(cfg);
  });
}
