/**
 * The safetensors format (huggingface/safetensors), written byte for byte as the reference Rust writer does:
 *
 *   u64 little-endian N | N bytes of JSON header, padded with spaces to a multiple of 8 | tensor data
 *
 * The header maps each name to {"dtype","shape","data_offsets":[begin,end]} (offsets relative to the data
 * section), with an optional "__metadata__" string→string map first. Tensors are stored C-contiguous,
 * little-endian, sorted by descending dtype (the reference enum order, U64 … BOOL: "descending alignment"),
 * then by name (byte order of the UTF-8), so every tensor is aligned to its element size.
 * The reference keeps `__metadata__` in a HashMap, so its key order is unspecified; we write the keys sorted.
 *
 * Decoding validates like the reference reader (offsets contiguous from 0, each span = numel × element size,
 * the last span ending exactly at the end of the file) and says which tensor is wrong and how.
 */
import { endianness } from 'node:os';
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic';

/** The element types DCGAN Lab reads and writes. F16/BF16 are kept as their raw 16-bit patterns. */
export interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
  I32: Int32Array;
  U32: Uint32Array;
  I16: Int16Array;
  U16: Uint16Array;
  I8: Int8Array;
  U8: Uint8Array;
  /** one byte per element, 0 or 1 (PyTorch's torch.bool storage) */
  BOOL: Uint8Array;
}
export type Dtype = keyof DtypeArrays;

/** One tensor: `data` holds numel(shape) elements in C order. */
export type Tensor = { [D in Dtype]: { dtype: D; shape: number[]; data: DtypeArrays[D] } }[Dtype];
export type TypedArray = DtypeArrays[Dtype];

export interface Safetensors {
  tensors: Record<string, Tensor>;
  /** the `__metadata__` map; empty when the file has none */
  metadata: Record<string, string>;
}

interface DtypeInfo { size: number; array: string; make: (b: ArrayBuffer) => TypedArray; is: (a: TypedArray) => boolean }
const info = <A extends TypedArray>(size: number, C: { new(b: ArrayBuffer): A; name: string }): DtypeInfo =>
  ({ size, array: C.name, make: (b) => new C(b), is: (a) => a instanceof C });

const DTYPES: Record<Dtype, DtypeInfo> = {
  F64: info(8, Float64Array), F32: info(4, Float32Array), F16: info(2, Uint16Array), BF16: info(2, Uint16Array),
  I64: info(8, BigInt64Array), U64: info(8, BigUint64Array), I32: info(4, Int32Array), U32: info(4, Uint32Array),
  I16: info(2, Int16Array), U16: info(2, Uint16Array), I8: info(1, Int8Array), U8: info(1, Uint8Array),
  BOOL: info(1, Uint8Array),
};

/** The reference `enum Dtype` declaration order; the writer sorts by it, descending. */
const REFERENCE_ORDER = [
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64',
];
const rank = (d: Dtype) => REFERENCE_ORDER.indexOf(d);

/** The reference reader refuses larger headers. */
const MAX_HEADER_SIZE = 100_000_000;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Serialize tensors (and optional string metadata) to the bytes of a .safetensors file. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) checkTensor(name, t);
  const utf8 = new Map(entries.map(([name]) => [name, Buffer.from(name, 'utf8')]));
  entries.sort(([a, ta], [b, tb]) => rank(tb.dtype) - rank(ta.dtype) || Buffer.compare(utf8.get(a)!, utf8.get(b)!));

  // Built by hand, not with JSON.stringify(object): JS objects put integer-like keys ("0", "12") first.
  // JSON.stringify of a well-formed string escapes exactly what serde_json escapes: " \ and control characters.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const meta: string[] = [];
    for (const key of Object.keys(metadata).sort()) {
      const v = metadata[key];
      if (typeof v !== 'string') throw new SafetensorsError(`__metadata__["${key}"] must be a string, got ${typeof v}`);
      checkWellFormed(`__metadata__ key "${key}"`, key);
      checkWellFormed(`__metadata__["${key}"]`, v);
      meta.push(`${JSON.stringify(key)}:${JSON.stringify(v)}`);
    }
    parts.push(`"__metadata__":{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + n}]}`);
    offset += n;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerLen = Math.ceil(json.length / 8) * 8;
  if (headerLen > MAX_HEADER_SIZE) throw new SafetensorsError(`header of ${headerLen} bytes exceeds the format's limit of ${MAX_HEADER_SIZE}`);

  const out = Buffer.allocUnsafe(8 + headerLen + offset);
  out.writeBigUInt64LE(BigInt(headerLen), 0);
  json.copy(out, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const [, t] of entries) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    bytes.copy(out, at);
    if (!LITTLE_ENDIAN_HOST) swapToFromLE(out.subarray(at, at + bytes.length), DTYPES[t.dtype].size);
    at += bytes.length;
  }
  return out;
}

/**
 * Parse the bytes of a .safetensors file. `source` (a file path) names the file in error messages.
 * Tensor data is copied out of `buf`, so the result does not keep `buf` alive and may be modified.
 */
export function decodeSafetensors(buf: Uint8Array, source = '<buffer>'): Safetensors {
  const fail = (what: string): never => {
    throw new SafetensorsError(`${source}: not a valid safetensors file: ${what}`);
  };
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8) fail(`it is ${b.length} bytes long, shorter than the 8-byte header length`);
  const n64 = b.readBigUInt64LE(0);
  if (n64 > BigInt(MAX_HEADER_SIZE)) fail(`the header length field says ${n64} bytes (limit ${MAX_HEADER_SIZE}); the file is probably not safetensors`);
  const n = Number(n64);
  if (8 + n > b.length) fail(`the header length field says ${n} bytes but only ${b.length - 8} follow (truncated file?)`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + n));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');

  const metadata: Record<string, string> = {};
  const specs: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) fail('__metadata__ is not an object');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__["${k}"] is not a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${where}: its entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(REFERENCE_ORDER.includes(dtype))) fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!(dtype as string in DTYPES)) {
      fail(`${where}: dtype ${dtype} is not supported by DCGAN Lab (supported: ${Object.keys(DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    specs.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }

  // The reference reader's check: sorted by offsets, the spans tile the data section exactly.
  specs.sort((x, y) => x.begin - y.begin || x.end - y.end);
  const dataStart = 8 + n;
  const dataLen = b.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  let expected = 0;
  let previous: string | null = null;
  for (const s of specs) {
    const where = `tensor "${s.name}" (data_offsets [${s.begin}, ${s.end}])`;
    if (s.end < s.begin) fail(`${where}: the end offset is before the begin offset`);
    if (s.begin < expected) fail(`${where}: overlaps tensor "${previous}", which ends at ${expected}`);
    if (s.begin > expected) fail(`${where}: ${s.begin - expected} bytes between ${previous === null ? 'the start of the data' : `tensor "${previous}"`} and it belong to no tensor`);
    if (s.end > dataLen) fail(`${where}: ends past the end of the file (the data section is ${dataLen} bytes; truncated file?)`);
    const size = DTYPES[s.dtype].size;
    const numel = s.shape.reduce((a, d) => a * d, 1);
    if (!Number.isSafeInteger(numel * size)) fail(`${where}: shape ${JSON.stringify(s.shape)} is too large`);
    if (s.end - s.begin !== numel * size) {
      fail(`${where}: shape [${s.shape.join(', ')}] of ${s.dtype} needs ${numel * size} bytes but the offsets span ${s.end - s.begin}`);
    }
    const copy = new ArrayBuffer(s.end - s.begin);
    new Uint8Array(copy).set(b.subarray(dataStart + s.begin, dataStart + s.end));
    if (!LITTLE_ENDIAN_HOST) swapToFromLE(Buffer.from(copy), size);
    tensors[s.name] = { dtype: s.dtype, shape: s.shape, data: DTYPES[s.dtype].make(copy) } as Tensor;
    expected = s.end;
    previous = s.name;
  }
  if (expected !== dataLen) {
    fail(`the tensors cover ${expected} bytes of data but ${dataLen} bytes follow the header (extra bytes at the end of the file)`);
  }
  return { tensors, metadata };
}

/** Write a .safetensors file atomically (a crash leaves the previous file or the new one). */
export async function writeSafetensors(file: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = encodeSafetensors(tensors, metadata);
  } catch (e) {
    throw new SafetensorsError(`${file}: ${(e as Error).message}`, { cause: e });
  }
  await writeFileAtomic(file, bytes);
}

export async function readSafetensors(file: string): Promise<Safetensors> {
  return decodeSafetensors(await readFile(file), file);
}

/** A file's `__metadata__` alone, reading only its header (a checkpoint's step and configuration, not its tensors). */
export function readSafetensorsMetadata(file: string): Record<string, string> {
  const fd = openSync(file, 'r');
  try {
    const n = Buffer.alloc(8);
    if (readSync(fd, n, 0, 8, 0) !== 8) throw new SafetensorsError(`${file}: shorter than a safetensors header`);
    const length = Number(n.readBigUInt64LE(0));
    if (length > 100_000_000) throw new SafetensorsError(`${file}: a header of ${length} bytes is not a safetensors header`);
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 8) !== length) throw new SafetensorsError(`${file}: the header is cut short`);
    const json = JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, string> };
    return json.__metadata__ ?? {};
  } finally {
    closeSync(fd);
  }
}

/** Number of elements of a shape (1 for a scalar, []). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

function checkTensor(name: string, t: Tensor): void {
  const where = `tensor "${name}"`;
  if (name === '__metadata__') throw new SafetensorsError(`"__metadata__" is reserved by the format and cannot name a tensor`);
  checkWellFormed(`tensor name ${JSON.stringify(name)}`, name);
  const d = DTYPES[t.dtype];
  if (d === undefined) throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(t.dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
  if (!d.is(t.data)) throw new SafetensorsError(`${where}: dtype ${t.dtype} needs a ${d.array}, got a ${t.data.constructor.name}`);
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) throw new SafetensorsError(`${where}: shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
  if (t.data.length !== numel(t.shape)) {
    throw new SafetensorsError(`${where}: shape [${t.shape.join(', ')}] has ${numel(t.shape)} elements but the data has ${t.data.length}`);
  }
  if (t.dtype === 'BOOL' && t.data.some((x) => x > 1)) throw new SafetensorsError(`${where}: BOOL data must be 0 or 1`);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** A lone UTF-16 surrogate has no UTF-8 form; the reference (Rust strings) cannot hold one. */
function checkWellFormed(what: string, s: string): void {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) {
    throw new SafetensorsError(`${what} contains a lone UTF-16 surrogate, which has no UTF-8 encoding`);
  }
}

function swapToFromLE(bytes: Buffer, size: number): void {
  if (size === 2) bytes.swap16();
  else if (size === 4) bytes.swap32();
  else if (size === 8) bytes.swap64();
}
