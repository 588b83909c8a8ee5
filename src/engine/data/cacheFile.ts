/**
 * The preprocessed-dataset cache: one file of uint8 HWC records, read back by position.
 *
 * Layout (little-endian):
 *   0   8 bytes  magic "DCGLDATA"
 *   8   u32      format version
 *   12  u32      record count
 *   16  u32      image size S
 *   20  u32      channels C
 *   24  u32      bytes per record (S·S·C)
 *   28  u32      length of the JSON trailer
 *   32  f64      offset of the JSON trailer
 *   40…63        zero
 *   64…          records, back to back
 *   then         JSON trailer (the scan report and the key the file was made for)
 * The file is written under a temporary name and renamed into place when complete, so a reader sees either
 * no file or a whole one; an interrupted run leaves only a temporary file, removed by a later writer.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../atomic';

const MAGIC = 'DCGLDATA';
const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
const WRITE_CHUNK = 1 << 20;

export interface CacheHeader {
  count: number;
  size: number;
  channels: number;
  recordBytes: number;
}

export class CacheWriter<Trailer> {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private position = HEADER_BYTES;
  private count = 0;

  private constructor(
    private readonly file: string,
    private readonly tmp: string,
    private readonly fh: fsp.FileHandle,
    private readonly size: number,
    private readonly channels: number,
  ) {}

  static async create<T>(file: string, size: number, channels: number): Promise<CacheWriter<T>> {
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      return new CacheWriter<T>(file, tmp, await fsp.open(tmp, 'w'), size, channels);
    } catch (e) {
      throw new Error(`cannot write the dataset cache in ${path.dirname(file)} (${(e as NodeJS.ErrnoException).code ?? String(e)}); choose a writable cache folder`);
    }
  }

  get recordBytes(): number {
    return this.size * this.size * this.channels;
  }

  async append(record: Uint8Array): Promise<void> {
    if (record.length !== this.recordBytes) throw new RangeError(`record of ${record.length} bytes, expected ${this.recordBytes}`);
    this.pending.push(Buffer.from(record)); // a copy: the caller may reuse `record`
    this.pendingBytes += record.length;
    this.count++;
    if (this.pendingBytes >= WRITE_CHUNK) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await writeFully(this.fh, chunk, this.position);
    this.position += chunk.length;
  }

  /** Write the trailer and header, then move the file into place. Returns the final path. */
  async finish(trailer: Trailer): Promise<string> {
    await this.flush();
    const json = Buffer.from(JSON.stringify(trailer), 'utf8');
    await writeFully(this.fh, json, this.position);
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(FORMAT_VERSION, 8);
    header.writeUInt32LE(this.count, 12);
    header.writeUInt32LE(this.size, 16);
    header.writeUInt32LE(this.channels, 20);
    header.writeUInt32LE(this.recordBytes, 24);
    header.writeUInt32LE(json.length, 28);
    header.writeDoubleLE(this.position, 32);
    await writeFully(this.fh, header, 0);
    await this.fh.sync();
    await this.fh.close();
    await fsp.rename(this.tmp, this.file);
    return this.file;
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await fsp.rm(this.tmp, { force: true });
  }
}

async function writeFully(fh: fsp.FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

async function readFully(fh: fsp.FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

export class CacheReader<Trailer> {
  private constructor(
    readonly file: string,
    private readonly fh: fsp.FileHandle,
    readonly header: CacheHeader,
    readonly trailer: Trailer,
  ) {}

  /** Opens a cache file; null when it is missing, incomplete or of another format version (it is then rebuilt). */
  static async open<T>(file: string): Promise<CacheReader<T> | null> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, 'r');
    } catch {
      return null;
    }
    try {
      const { size: fileBytes } = await fh.stat();
      if (fileBytes < HEADER_BYTES) throw new Error('short');
      const h = Buffer.alloc(HEADER_BYTES);
      await readFully(fh, h, 0);
      if (h.toString('latin1', 0, 8) !== MAGIC || h.readUInt32LE(8) !== FORMAT_VERSION) throw new Error('format');
      const header: CacheHeader = { count: h.readUInt32LE(12), size: h.readUInt32LE(16), channels: h.readUInt32LE(20), recordBytes: h.readUInt32LE(24) };
      const jsonLength = h.readUInt32LE(28);
      const jsonOffset = h.readDoubleLE(32);
      if (header.recordBytes !== header.size * header.size * header.channels) throw new Error('record size');
      if (jsonOffset !== HEADER_BYTES + header.count * header.recordBytes || jsonOffset + jsonLength !== fileBytes) throw new Error('length');
      const json = Buffer.alloc(jsonLength);
      await readFully(fh, json, jsonOffset);
      return new CacheReader<T>(file, fh, header, JSON.parse(json.toString('utf8')) as T);
    } catch {
      await fh.close();
      return null;
    }
  }

  /** Record `index` into `out` at `outOffset`. */
  async readRecord(index: number, out: Uint8Array, outOffset: number): Promise<void> {
    const n = this.header.recordBytes;
    await readFully(this.fh, out.subarray(outOffset, outOffset + n), HEADER_BYTES + index * n);
  }

  /** All records, in one buffer. */
  async readAll(): Promise<Uint8Array> {
    const out = new Uint8Array(this.header.count * this.header.recordBytes);
    for (let at = 0; at < out.length; at += 64 * WRITE_CHUNK) await readFully(this.fh, out.subarray(at, Math.min(out.length, at + 64 * WRITE_CHUNK)), HEADER_BYTES + at);
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * Delete the other cache files of the same folder and settings (`prefix`), and temporary files left by
 * processes that no longer run. Failures are ignored: this is housekeeping.
 */
export async function removeStale(dir: string, prefix: string, keep: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || path.join(dir, name) === keep) continue;
    const tmp = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (tmp && processAlive(Number(tmp[1]))) continue;
    await fsp.rm(path.join(dir, name), { force: true }).catch(() => undefined);
  }
}
