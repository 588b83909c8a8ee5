/**
 * The trainer's dataset: `openDataset` scans a folder (or makes the built-in procedural set), keeps the
 * preprocessed records in a cache file, and hands out shuffled batches as NHWC float32 in [-1, 1].
 *
 * Order: epoch e visits the images in `permutation(count, seed, e)`; a batch that would run past the end of an
 * epoch is dropped (PyTorch's `drop_last=True`) and the next epoch starts. `position()` / `seek()` let a
 * resumed run continue with exactly the batches it would have had.
 *
 * Memory: a set whose records fit in `memoryBudget` is read once and kept. A larger one is streamed: each batch
 * is read from the cache file record by record (positional reads), and the next batch is read ahead while the
 * caller trains on this one, so at most two batches of records are held. The built-in set has no cache file:
 * an image is drawn the first time it is read, and kept when the whole set fits in the budget.
 */
import path from 'node:path';
import type { ScanReport } from '../types';
import { CacheReader } from './cacheFile';
import { preprocess, toFloat, type Fit } from './preprocess';
import { PROCEDURAL_COUNT, proceduralImage, proceduralSize } from './procedural';
import { permutation } from './random';
import { ReportBuilder, buildCache, cachePath, fingerprint, listFiles, PIPELINE_VERSION, type CacheTrailer } from './scan';

export interface OpenDatasetOptions {
  /** a folder of images; absent: the built-in procedural dataset */
  dir?: string;
  /** square image size S */
  size: number;
  channels: 1 | 3;
  fit: Fit;
  /** shuffling (and, for the built-in set, the images themselves) */
  seed: number;
  /** where preprocessed folders are cached */
  cacheDir: string;
  /** files read so far, of `total`; not called when a cache file is reused, nor for the built-in dataset (drawn as needed) */
  onProgress?(done: number, total: number): void;
  /** bytes of records to keep in memory (default 256 MiB); a larger set is streamed from the cache file */
  memoryBudget?: number;
}

export interface DatasetPosition {
  /** 0-based epoch */
  epoch: number;
  /** images of this epoch already handed out */
  index: number;
}

export interface Dataset {
  readonly report: ScanReport;
  readonly count: number;
  readonly size: number;
  readonly channels: 1 | 3;
  /** the epoch of the last batch handed out (0-based; 0 before the first) */
  readonly epoch: number;
  /** the cache file the records are read from; null for the built-in dataset */
  readonly cacheFile: string | null;
  /** true when an existing cache file was reused (nothing was decoded) */
  readonly cacheHit: boolean;
  batchesPerEpoch(batch: number): number;
  /** the next `batch` images of the shuffled order, NHWC in [-1, 1] */
  nextBatch(batch: number): Promise<Float32Array>;
  position(): DatasetPosition;
  /** continue from a saved `position()` */
  seek(epoch: number, index: number): void;
  /** images by index (unshuffled), NHWC in [-1, 1]: for previews and metrics on real data */
  read(indices: ArrayLike<number>): Promise<Float32Array>;
  /** the preprocessed uint8 HWC records by index (unshuffled), as the cache file holds them */
  readRecords(indices: ArrayLike<number>): Promise<Uint8Array>;
  /** bytes of records held in memory now */
  residentBytes(): number;
  close(): Promise<void>;
}

export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;

/** Where records come from: memory, the cache file, or the procedural generator. */
interface Records {
  readonly recordBytes: number;
  /** bytes held for the lifetime of the dataset */
  readonly resident: number;
  /** reads wait on I/O, so reading the next batch early overlaps it with training */
  readonly readAhead: boolean;
  read(indices: ArrayLike<number>, out: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

class MemoryRecords implements Records {
  readonly readAhead = false;
  constructor(private readonly data: Uint8Array, readonly recordBytes: number) {}
  get resident(): number {
    return this.data.length;
  }
  async read(indices: ArrayLike<number>, out: Uint8Array): Promise<void> {
    const n = this.recordBytes;
    for (let i = 0; i < indices.length; i++) out.set(this.data.subarray(indices[i] * n, (indices[i] + 1) * n), i * n);
  }
  async close(): Promise<void> {}
}

class FileRecords implements Records {
  readonly resident = 0;
  readonly readAhead = true;
  constructor(private readonly reader: CacheReader<CacheTrailer>) {}
  get recordBytes(): number {
    return this.reader.header.recordBytes;
  }
  async read(indices: ArrayLike<number>, out: Uint8Array): Promise<void> {
    const reads: Promise<void>[] = [];
    for (let i = 0; i < indices.length; i++) reads.push(this.reader.readRecord(indices[i], out, i * this.recordBytes));
    await Promise.all(reads);
  }
  close(): Promise<void> {
    return this.reader.close();
  }
}

/** The built-in images, drawn when first read; kept (when `keep`) so later epochs only copy them. */
class GeneratedRecords implements Records {
  readonly readAhead = false;
  readonly recordBytes: number;
  private readonly kept: Uint8Array | null;
  private readonly drawn: Uint8Array | null;
  constructor(private readonly seed: number, count: number, private readonly size: number, private readonly channels: 1 | 3, private readonly fit: Fit, keep: boolean) {
    this.recordBytes = size * size * channels;
    this.kept = keep ? new Uint8Array(count * this.recordBytes) : null;
    this.drawn = keep ? new Uint8Array(count) : null;
  }
  get resident(): number {
    return this.kept ? this.kept.length : 0;
  }
  async read(indices: ArrayLike<number>, out: Uint8Array): Promise<void> {
    const n = this.recordBytes;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i];
      if (this.kept && this.drawn![k]) {
        out.set(this.kept.subarray(k * n, (k + 1) * n), i * n);
        continue;
      }
      const record = preprocess(proceduralImage(this.seed, k).raster, this.size, this.channels, this.fit);
      out.set(record, i * n);
      if (this.kept) {
        this.kept.set(record, k * n);
        this.drawn![k] = 1;
      }
    }
  }
  async close(): Promise<void> {}
}

function checkOptions(o: OpenDatasetOptions): void {
  if (!Number.isInteger(o.size) || o.size < 1) throw new RangeError(`image size must be a positive integer, got ${o.size}`);
  if (o.channels !== 1 && o.channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${String(o.channels)}`);
  if (o.fit !== 'crop' && o.fit !== 'pad') throw new RangeError(`fit must be 'crop' or 'pad', got ${String(o.fit)}`);
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
}

export async function openDataset(o: OpenDatasetOptions): Promise<Dataset> {
  checkOptions(o);
  const budget = o.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  if (o.dir === undefined) return openProcedural(o, budget);

  const files = await listFiles(o.dir);
  const root = path.resolve(o.dir);
  const fp = fingerprint(root, files);
  const file = cachePath(o.cacheDir, root, fp, o.size, o.channels, o.fit);
  const matches = (t: CacheTrailer) => t.pipeline === PIPELINE_VERSION && t.fingerprint === fp && t.size === o.size && t.channels === o.channels && t.fit === o.fit;
  const build = async () => {
    await buildCache({ root, files, fingerprint: fp, size: o.size, channels: o.channels, fit: o.fit, cacheFile: file, onProgress: o.onProgress });
    const fresh = await CacheReader.open<CacheTrailer>(file);
    if (!fresh) throw new Error(`the dataset cache ${file} could not be read back after writing it; check the free space in ${o.cacheDir}`);
    return fresh;
  };
  const cached = await CacheReader.open<CacheTrailer>(file);
  const hit = cached !== null && matches(cached.trailer);
  if (cached && !hit) await cached.close();
  const r = cached && hit ? cached : await build();
  let records: Records;
  if (r.header.count * r.header.recordBytes <= budget) {
    records = new MemoryRecords(await r.readAll(), r.header.recordBytes);
    await r.close();
  } else {
    records = new FileRecords(r);
  }
  return new ShuffledDataset(r.trailer.report, r.header.count, o.size, o.channels, o.seed, records, file, hit);
}

/** The built-in set opens at once: an image is drawn the first time a batch needs it (about 0.3 ms each). */
function openProcedural(o: OpenDatasetOptions, budget: number): Dataset {
  const count = PROCEDURAL_COUNT;
  const report = new ReportBuilder();
  for (let i = 0; i < count; i++) {
    const { width, height } = proceduralSize(o.seed, i);
    report.add(width, height, 'procedural');
  }
  const records = new GeneratedRecords(o.seed, count, o.size, o.channels, o.fit, count * o.size * o.size * o.channels <= budget);
  return new ShuffledDataset(report.build(`built-in procedural dataset (seed ${o.seed})`), count, o.size, o.channels, o.seed, records, null, false);
}

interface Prefetch {
  epoch: number;
  index: number;
  batch: number;
  bytes: number;
  promise: Promise<Uint8Array>;
}

class ShuffledDataset implements Dataset {
  private pos: DatasetPosition = { epoch: 0, index: 0 };
  private orders = new Map<number, Uint32Array>();
  private ahead: Prefetch | null = null;
  private closed = false;

  constructor(
    readonly report: ScanReport,
    readonly count: number,
    readonly size: number,
    readonly channels: 1 | 3,
    private readonly seed: number,
    private readonly records: Records,
    readonly cacheFile: string | null,
    readonly cacheHit: boolean,
  ) {}

  get epoch(): number {
    return this.pos.epoch;
  }

  batchesPerEpoch(batch: number): number {
    return Math.floor(this.count / batch);
  }

  position(): DatasetPosition {
    return { ...this.pos };
  }

  seek(epoch: number, index: number): void {
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(index) || index < 0 || index > this.count) {
      throw new RangeError(`seek(${epoch}, ${index}): need an epoch ≥ 0 and an index in 0…${this.count}`);
    }
    this.pos = { epoch, index };
    this.ahead = null;
  }

  private order(epoch: number): Uint32Array {
    let o = this.orders.get(epoch);
    if (!o) {
      o = permutation(this.count, this.seed, epoch);
      this.orders.set(epoch, o);
      // keep this epoch and the next (read ahead across an epoch boundary)
      for (const e of this.orders.keys()) if (e < epoch - 1) this.orders.delete(e);
    }
    return o;
  }

  /** Where a batch of `batch` starting from `p` comes from, after dropping an incomplete tail. */
  private start(p: DatasetPosition, batch: number): DatasetPosition {
    return p.index + batch > this.count ? { epoch: p.epoch + 1, index: 0 } : p;
  }

  private readBytes(p: DatasetPosition, batch: number): Prefetch {
    const bytes = batch * this.records.recordBytes;
    const indices = this.order(p.epoch).subarray(p.index, p.index + batch);
    const out = new Uint8Array(bytes);
    const promise = this.records.read(indices, out).then(() => out);
    return { epoch: p.epoch, index: p.index, batch, bytes, promise };
  }

  async nextBatch(batch: number): Promise<Float32Array> {
    if (this.closed) throw new Error('nextBatch on a closed dataset');
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch size must be a positive integer, got ${batch}`);
    if (batch > this.count) throw new RangeError(tooFewImages(this.count, batch));
    const p = this.start(this.pos, batch);
    const a = this.ahead;
    const job = a && a.epoch === p.epoch && a.index === p.index && a.batch === batch ? a : this.readBytes(p, batch);
    this.ahead = null;
    this.pos = { epoch: p.epoch, index: p.index + batch };
    // Streaming: read the next batch while the caller works on this one.
    if (this.records.readAhead) {
      this.ahead = this.readBytes(this.start(this.pos, batch), batch);
      this.ahead.promise.catch(() => undefined); // reported when (if) it is used
    }
    const bytes = await job.promise;
    const out = new Float32Array(bytes.length);
    toFloat(bytes, out);
    return out;
  }

  async readRecords(indices: ArrayLike<number>): Promise<Uint8Array> {
    for (let i = 0; i < indices.length; i++) {
      if (!Number.isInteger(indices[i]) || indices[i] < 0 || indices[i] >= this.count) throw new RangeError(`image index ${indices[i]} outside 0…${this.count - 1}`);
    }
    const bytes = new Uint8Array(indices.length * this.records.recordBytes);
    await this.records.read(indices, bytes);
    return bytes;
  }

  async read(indices: ArrayLike<number>): Promise<Float32Array> {
    const bytes = await this.readRecords(indices);
    const out = new Float32Array(bytes.length);
    toFloat(bytes, out);
    return out;
  }

  residentBytes(): number {
    return this.records.resident + (this.ahead ? this.ahead.bytes : 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ahead) await this.ahead.promise.catch(() => undefined);
    this.ahead = null;
    await this.records.close();
  }
}

/** The dataset is smaller than one batch: what to do about it. */
export function tooFewImages(count: number, batch: number): string {
  return `the dataset has ${count} image${count === 1 ? '' : 's'}, fewer than the batch size ${batch}: use a batch of at most ${count}, or add images`;
}
