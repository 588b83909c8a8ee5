/**
 * run.json, in every run folder whatever the engine: what ran (the configuration, the pair), where (the backend's
 * name, device and process count), with what (versions), and when (the first start, and each resume with the
 * backend it resumed on: a run may move between engines through its checkpoint).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pkg from '../../package.json';
import type { GanPair } from '../core/gan';
import { writeFileAtomicSync } from './atomic';
import type { BackendInfo, TrainConfig } from './types';

export const RUN_INFO = 'run.json';

export interface RunInfo {
  format: 'dcgan-lab-run-1';
  /** when the run first started (ISO 8601) */
  started: string;
  /** when this process started it (the first start, or the latest resume) */
  updated: string;
  config: TrainConfig;
  backend: { name: BackendInfo['name']; device: string; processes: number; python?: string; torch?: string; skipped: string[] };
  model: {
    description: string; file: string | null; size: number; channels: number; latentShape: number[];
    generator: { name: string; build: string | null; params: number };
    discriminator: { name: string; build: string | null; params: number };
  };
  versions: { dcganLab: string; node: string; tfjs?: string; python?: string; torch?: string };
  /** each resume: the step it continued at and the backend it ran on */
  resumes: { step: number; at: string; backend: string; device: string }[];
}

export function writeRunInfo(out: string, r: { cfg: TrainConfig; backend: BackendInfo; pair: GanPair; firstStep: number }, now = new Date()): RunInfo {
  const file = path.join(out, RUN_INFO);
  let previous: RunInfo | null = null;
  if (r.firstStep > 1 && existsSync(file)) {
    try { previous = JSON.parse(readFileSync(file, 'utf8')) as RunInfo; } catch { /* a torn file: start it again */ }
  }
  const b = r.backend;
  const at = now.toISOString();
  const info: RunInfo = {
    format: 'dcgan-lab-run-1',
    started: previous?.started ?? at,
    updated: at,
    config: r.cfg,
    backend: { name: b.name, device: b.device, processes: b.processes ?? 1, ...(b.python ? { python: b.python, torch: b.torch } : {}), skipped: b.skipped },
    model: {
      description: r.pair.description, file: r.pair.file || null, size: r.pair.size, channels: r.pair.channels, latentShape: r.pair.latentShape,
      generator: { name: r.pair.generator.name, build: r.pair.generator.build, params: r.pair.generator.params },
      discriminator: { name: r.pair.discriminator.name, build: r.pair.discriminator.build, params: r.pair.discriminator.params },
    },
    versions: {
      dcganLab: pkg.version, node: process.version,
      ...(b.name === 'torch' ? { python: b.python, torch: b.torch } : { tfjs: pkg.dependencies['@tensorflow/tfjs-core'] }),
    },
    resumes: [...(previous?.resumes ?? []), ...(r.firstStep > 1 ? [{ step: r.firstStep, at, backend: b.name, device: b.device }] : [])],
  };
  writeFileAtomicSync(file, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}
