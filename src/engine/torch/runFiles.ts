/**
 * What the torch engine reads from this side: the module it executes (the user's file with only the statements
 * building the pair needs) and the dataset's cache file (the built-in procedural set gets one too, written once
 * per seed, size, channels and fit, so both engines train on the very same records).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GanPair } from '../../core/gan';
import { ModelRefused } from '../../core/gan';
import { pairModule } from '../../core/torchModule';
import { CacheReader, CacheWriter } from '../data/cacheFile';
import type { Dataset } from '../data/dataset';
import type { TrainConfig } from '../types';
import type { TorchData, TorchModule } from './torchEngine';

/** The module to execute, with notes saying which statements of the user's file were left out. */
export async function torchModule(pair: GanPair, builtinFile: string): Promise<TorchModule> {
  if (!pair.file) return { file: builtinFile, source: pair.source, argv: [] };
  if (pair.skippedLines.length) {
    const line = pair.skippedLines[0];
    throw new ModelRefused(`${pair.file}:${line + 1}: this line does not parse (SyntaxError); the torch engine runs the file itself, so fix it first`, pair.file, line);
  }
  const m = await pairModule(pair);
  const notes = m.omitted.length ? [
    `${path.basename(pair.file)}: the torch engine runs the ${m.kept.length} top-level statements that building ${pair.generator.name} and ` +
      `${pair.discriminator.name} needs and leaves out ${m.omitted.length}: ` +
      m.omitted.map((s) => `line ${s.line + 1}${s.endLine > s.line ? `–${s.endLine + 1}` : ''} \`${s.text}\``).join(', '),
  ] : [];
  return { file: pair.file, source: m.source, argv: pair.argv, notes };
}

interface ProceduralTrailer { procedural: { seed: number; fit: string; version: number } }
/** bumped when the procedural images or the preprocessing change */
const PROCEDURAL_CACHE_VERSION = 1;

/** The records the engine trains on: the dataset's cache file, made for the built-in set when it has none. */
export async function torchData(dataset: Dataset, cfg: TrainConfig): Promise<TorchData> {
  const base = { count: dataset.count, size: dataset.size, channels: dataset.channels, seed: cfg.seed };
  if (dataset.cacheFile) return { kind: 'cache', file: dataset.cacheFile, ...base };
  const dir = cfg.cacheDir ?? path.join(path.dirname(path.resolve(cfg.out)), '.cache');
  const file = path.join(dir, `procedural-s${cfg.seed}-${dataset.size}-c${dataset.channels}-${cfg.fit}.dcgl`);
  const key = { seed: cfg.seed, fit: cfg.fit, version: PROCEDURAL_CACHE_VERSION };
  const existing = existsSync(file) ? await CacheReader.open<ProceduralTrailer>(file) : null;
  if (existing) {
    const h = existing.header;
    const ok = h.count === dataset.count && h.size === dataset.size && h.channels === dataset.channels && JSON.stringify(existing.trailer.procedural) === JSON.stringify(key);
    await existing.close();
    if (ok) return { kind: 'cache', file, ...base };
  }
  const w = await CacheWriter.create<ProceduralTrailer>(file, dataset.size, dataset.channels);
  try {
    const chunk = 256;
    for (let i = 0; i < dataset.count; i += chunk) {
      const indices = Array.from({ length: Math.min(chunk, dataset.count - i) }, (_, k) => i + k);
      const bytes = await dataset.readRecords(indices);
      for (let k = 0; k < indices.length; k++) await w.append(bytes.subarray(k * w.recordBytes, (k + 1) * w.recordBytes));
    }
    await w.finish({ procedural: key });
  } catch (e) {
    await w.abort();
    throw e;
  }
  return { kind: 'cache', file, ...base };
}
