/**
 * A folder of images → a cache file of preprocessed records and its ScanReport.
 *
 * The folder is walked recursively; names starting with '.' (dot-files, .git, a cache folder) are left out.
 * Every other file is tried: what sharp cannot decode is listed in the report with the reason, and the run
 * goes on. The cache key is the folder's content fingerprint (relative paths, sizes, modification times in ns)
 * with the settings (S, C, fit) and PIPELINE_VERSION; anything that changes the key makes a new cache file.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ScanReport } from '../types';
import { CacheWriter, removeStale } from './cacheFile';
import { DecodeError, decodeImage, loadSharp } from './decode';
import { preprocess, type Fit } from './preprocess';

/** Bump when decoding or preprocessing changes what a record holds: old cache files then stop matching. */
export const PIPELINE_VERSION = 1;

export interface SourceFile {
  /** path relative to the folder, '/'-separated */
  rel: string;
  abs: string;
  bytes: number;
  mtimeNs: bigint;
}

/** What the cache file stores after the records. */
export interface CacheTrailer {
  pipeline: number;
  source: string;
  fingerprint: string;
  size: number;
  channels: number;
  fit: Fit;
  report: ScanReport;
}

/** The folder's files (not hidden), sorted by relative path. Throws a user-facing error when `dir` is not a folder. */
export async function listFiles(dir: string): Promise<SourceFile[]> {
  const root = path.resolve(dir);
  let st;
  try {
    st = await fsp.stat(root);
  } catch (e) {
    throw new Error(`data folder not found: ${root} (${(e as NodeJS.ErrnoException).code ?? String(e)}); pass a folder of images, or no folder for the built-in dataset`);
  }
  if (!st.isDirectory()) throw new Error(`data must be a folder of images, but ${root} is a file`);
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  async function walk(abs: string, rel: string): Promise<void> {
    const real = await fsp.realpath(abs);
    if (seen.has(real)) return; // a symlink loop
    seen.add(real);
    const entries = await fsp.readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childAbs = path.join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const s = await fsp.stat(childAbs, { bigint: true }).catch(() => null); // follows symlinks; a broken one is left out
      if (!s) continue;
      if (s.isDirectory()) await walk(childAbs, childRel);
      else if (s.isFile()) out.push({ rel: childRel, abs: childAbs, bytes: Number(s.size), mtimeNs: s.mtimeNs });
    }
  }
  await walk(root, '');
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

export function fingerprint(root: string, files: SourceFile[]): string {
  const h = createHash('sha256');
  h.update(`dcgan-lab data v${PIPELINE_VERSION}\n${path.resolve(root)}\n`);
  for (const f of files) h.update(`${f.rel}\t${f.bytes}\t${f.mtimeNs}\n`);
  return h.digest('hex');
}

/** `<folder hash>-<S>x<C>-<fit>-`: the part of a cache name shared by every version of one folder at one setting. */
export function cachePrefix(root: string, size: number, channels: number, fit: Fit): string {
  const folder = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 12);
  return `${folder}-${size}x${channels}-${fit}-`;
}

export function cachePath(cacheDir: string, root: string, fp: string, size: number, channels: number, fit: Fit): string {
  return path.join(cacheDir, `${cachePrefix(root, size, channels, fit)}${fp.slice(0, 16)}.dcgdata`);
}

/** Collects what a ScanReport says, as images are read or skipped. */
export class ReportBuilder {
  private sizes = new Map<string, number>();
  private formats: Record<string, number> = {};
  private skipped: { file: string; why: string }[] = [];
  private count = 0;

  add(width: number, height: number, format: string): void {
    const key = `${width}x${height}`;
    this.sizes.set(key, (this.sizes.get(key) ?? 0) + 1);
    this.formats[format] = (this.formats[format] ?? 0) + 1;
    this.count++;
  }

  skip(file: string, why: string): void {
    this.skipped.push({ file, why });
  }

  build(source: string): ScanReport {
    const sizes = [...this.sizes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 20);
    return { source, count: this.count, sizes, formats: this.formats, skipped: this.skipped };
  }
}

type Outcome = { ok: true; record: Uint8Array; width: number; height: number; format: string } | { ok: false; why: string };

async function load(f: SourceFile, size: number, channels: 1 | 3, fit: Fit): Promise<Outcome> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(f.abs);
  } catch (e) {
    return { ok: false, why: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  try {
    const { format, raster } = await decodeImage(bytes, f.rel);
    return { ok: true, record: preprocess(raster, size, channels, fit), width: raster.width, height: raster.height, format };
  } catch (e) {
    // never rejects: one bad file must not stop the scan
    return { ok: false, why: e instanceof DecodeError ? e.message : `could not be decoded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

export interface BuildOptions {
  root: string;
  files: SourceFile[];
  fingerprint: string;
  size: number;
  channels: 1 | 3;
  fit: Fit;
  cacheFile: string;
  onProgress?(done: number, total: number): void;
}

/**
 * Decode and preprocess every file into `cacheFile` (written atomically). Decoding runs a few files ahead
 * (sharp works off the main thread) while records are written in file order.
 */
export async function buildCache(o: BuildOptions): Promise<CacheTrailer> {
  const root = path.resolve(o.root);
  // a platform without sharp fails here, once, with what to do, rather than as "could not be decoded" per file
  if (o.files.length) loadSharp();
  const writer = await CacheWriter.create<CacheTrailer>(o.cacheFile, o.size, o.channels);
  const report = new ReportBuilder();
  const ahead = Math.max(2, Math.min(4, os.availableParallelism()));
  const inFlight: Promise<Outcome>[] = [];
  try {
    for (let i = 0; i < o.files.length; i++) {
      for (let j = inFlight.length; j < ahead && i + j < o.files.length; j++) inFlight.push(load(o.files[i + j], o.size, o.channels, o.fit));
      const r = await inFlight.shift()!;
      if (r.ok) {
        report.add(r.width, r.height, r.format);
        await writer.append(r.record);
      } else {
        report.skip(o.files[i].rel, r.why);
      }
      o.onProgress?.(i + 1, o.files.length);
    }
    const scan = report.build(root);
    if (scan.count === 0) {
      const first = scan.skipped[0];
      throw new Error(`no readable images in ${root}: ${o.files.length} file(s)${first ? `, e.g. ${first.file}: ${first.why}` : ''}; add PNG, JPEG, WebP or GIF images, or pass no folder for the built-in dataset`);
    }
    const trailer: CacheTrailer = { pipeline: PIPELINE_VERSION, source: root, fingerprint: o.fingerprint, size: o.size, channels: o.channels, fit: o.fit, report: scan };
    await writer.finish(trailer);
    await removeStale(path.dirname(o.cacheFile), cachePrefix(root, o.size, o.channels, o.fit), o.cacheFile);
    return trailer;
  } catch (e) {
    await Promise.allSettled(inFlight);
    await writer.abort();
    throw e;
  }
}
