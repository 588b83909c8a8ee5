/**
 * Run folders on disk, read for the monitor's past runs: a run folder is a folder with metrics.jsonl (the
 * trainer writes one StepMetrics JSON per line, samples/step_NNNNNN.png beside it; src/engine/trainer.ts).
 *
 * A run may be written to while it is read (another window trains it, or it crashed mid-line), so a line that
 * does not parse is skipped, never fatal. No 'vscode' import: unit-tested in plain Node.
 */
import { existsSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { alert, stepMetrics } from '../../protocol/training';
import type { Alert, StepMetrics } from '../../engine/types';

export const METRICS_FILE = 'metrics.jsonl';
const SAMPLE = /^step_(\d+)\.png$/;

export interface RunFolder {
  id: string;
  dir: string;
  lastStep: number;
  samples: number;
  modified: number;
}

/** Parses metrics.jsonl text: lines that are not a whole StepMetrics (a half-written last line) are skipped. */
export function parseMetricsLines(text: string): { metrics: StepMetrics[]; skipped: number } {
  const metrics: StepMetrics[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      // JSON has no NaN: the trainer writes a diverged loss as null, which the monitor shows as a gap
      const raw = JSON.parse(t) as Record<string, unknown>;
      for (const k of ['lossD', 'lossG', 'dReal', 'dFake', 'dFakeAfter', 'gradNormD', 'gradNormG', 'imgPerSec', 'swd']) {
        if (raw[k] === null) raw[k] = Number.NaN;
      }
      metrics.push(stepMetrics(raw, 'metrics'));
    } catch {
      skipped++;
    }
  }
  return { metrics, skipped };
}

export async function readMetrics(dir: string): Promise<{ metrics: StepMetrics[]; skipped: number }> {
  try {
    return parseMetricsLines(await readFile(path.join(dir, METRICS_FILE), 'utf8'));
  } catch {
    return { metrics: [], skipped: 0 };
  }
}

/** The alerts a run raised (alerts.jsonl), skipping lines that are not a whole Alert. */
export async function readAlerts(dir: string): Promise<Alert[]> {
  let text: string;
  try { text = await readFile(path.join(dir, 'alerts.jsonl'), 'utf8'); } catch { return []; }
  return text.split('\n').flatMap((line) => {
    try { return [alert(JSON.parse(line), 'alert')]; } catch { return []; }
  });
}

/** The sample grids of a run folder, in step order. */
export async function readSamples(dir: string): Promise<{ step: number; file: string }[]> {
  let names: string[];
  try { names = await readdir(path.join(dir, 'samples')); } catch { return []; }
  return names.flatMap((n) => {
    const m = SAMPLE.exec(n);
    return m ? [{ step: Number(m[1]), file: path.join(dir, 'samples', n) }] : [];
  }).sort((a, b) => a.step - b.step);
}

/** The last complete line's step, read from the end of the file only (metrics.jsonl grows to many MB). */
async function lastStep(file: string, size: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const n = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, size - n);
    const lines = buf.toString('utf8').split('\n').reverse();
    for (const l of lines) {
      const m = /^\s*\{.*"step"\s*:\s*(\d+)/.exec(l);
      if (m && l.trim().endsWith('}')) return Number(m[1]);
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/**
 * The run folders directly inside each of ROOTS (e.g. <workspace>/runs), newest first. Ids are folder names;
 * when two roots hold the same name, the later ones get '@<parent folder name>' so every id is unique.
 */
export async function listRunFolders(roots: readonly string[]): Promise<RunFolder[]> {
  const found: RunFolder[] = [];
  const ids = new Set<string>();
  for (const root of roots) {
    let names: string[];
    try { names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name); } catch { continue; }
    for (const name of names) {
      const dir = path.join(root, name);
      const file = path.join(dir, METRICS_FILE);
      if (!existsSync(file)) continue;
      try {
        const st = await stat(file);
        let id = name;
        if (ids.has(id)) id = `${name}@${path.basename(path.dirname(root))}`;
        for (let k = 2; ids.has(id); k++) id = `${name}@${k}`;
        ids.add(id);
        const samples = await readSamples(dir);
        found.push({ id, dir, lastStep: await lastStep(file, st.size), samples: samples.length, modified: st.mtimeMs });
      } catch { /* vanished while listing */ }
    }
  }
  return found.sort((a, b) => b.modified - a.modified);
}

/**
 * What a past run was asked to do (its step target and loss), from the `config` metadata of its
 * checkpoint.safetensors: only the header is read (8-byte little-endian length, then JSON), never the tensors.
 */
export async function readRunConfig(dir: string): Promise<{ steps?: number; loss?: string }> {
  let fh;
  try { fh = await open(path.join(dir, 'checkpoint.safetensors'), 'r'); } catch { return {}; }
  try {
    const len = Buffer.alloc(8);
    await fh.read(len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE());
    if (!(n > 0 && n < 16 * 1024 * 1024)) return {};
    const head = Buffer.alloc(n);
    await fh.read(head, 0, n, 8);
    const meta = (JSON.parse(head.toString('utf8')) as { __metadata__?: { config?: string } }).__metadata__;
    const cfg = meta?.config ? JSON.parse(meta.config) as { steps?: unknown; loss?: unknown } : {};
    return {
      ...(typeof cfg.steps === 'number' ? { steps: cfg.steps } : {}),
      ...(typeof cfg.loss === 'string' ? { loss: cfg.loss } : {}),
    };
  } catch {
    return {};
  } finally {
    await fh.close();
  }
}
