import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  decodeSafetensors, encodeSafetensors, readSafetensors, SafetensorsError, writeSafetensors, type Tensor,
} from '../../../src/engine/safetensors';

const f32 = (...xs: number[]) => Float32Array.from(xs);
const header = (buf: Buffer) => buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8');

/** Hand-made file: header text (padded as given) + data bytes. */
function file(json: string, data: Buffer | number[] = []): Buffer {
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([n, Buffer.from(json), Buffer.from(data)]);
}

// Golden bytes: the reference implementation's own tests (safetensors/src/tensor.rs).
test('matches the reference serializer byte for byte (test_serialization)', () => {
  const out = encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) } });
  assert.deepEqual([...out], [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
    116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
    58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
    101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
    0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]);
});

test('pads the header with spaces to 8 bytes (test_serialization_forced_alignement)', () => {
  const out = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) } });
  assert.deepEqual([...out], [
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
    121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
    91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
    115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
    32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
    160, 64,
  ]);
});

test('empty file, with and without __metadata__ (test_empty)', () => {
  assert.deepEqual([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual([...encodeSafetensors({}, { framework: 'pt' })], [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
    95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
    116, 34, 125, 125, 32, 32, 32, 32, 32,
  ]);
  assert.deepEqual(decodeSafetensors(encodeSafetensors({}, { framework: 'pt' })), { tensors: {}, metadata: { framework: 'pt' } });
});

test('orders tensors as the reference writer does: dtype descending (U64 … BOOL), then name by UTF-8 bytes', () => {
  const out = encodeSafetensors({
    b: { dtype: 'F32', shape: [1], data: f32(1) },
    a: { dtype: 'F32', shape: [1], data: f32(2) },
    mask: { dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
    pix: { dtype: 'U8', shape: [1], data: Uint8Array.of(7) },
    n: { dtype: 'I64', shape: [], data: BigInt64Array.of(5n) },
    d: { dtype: 'F64', shape: [1], data: Float64Array.of(0.1) },
    i: { dtype: 'I32', shape: [1], data: Int32Array.of(-3) },
    h: { dtype: 'F16', shape: [1], data: Uint16Array.of(0x3c00) },
    '\u{1F600}': { dtype: 'F32', shape: [1], data: f32(3) }, // 4-byte UTF-8, a surrogate pair in UTF-16
    '\uFF21': { dtype: 'F32', shape: [1], data: f32(4) }, // 3-byte UTF-8, sorts after the surrogates in UTF-16
  }, { b: '2', a: '1' });
  const h = JSON.parse(header(out)) as Record<string, { data_offsets: [number, number] }>;
  const names = Object.keys(h).filter((k) => k !== '__metadata__').sort((x, y) => h[x].data_offsets[0] - h[y].data_offsets[0]);
  assert.deepEqual(names, ['n', 'd', 'a', 'b', '\uFF21', '\u{1F600}', 'i', 'h', 'pix', 'mask']);
  assert.ok(header(out).startsWith('{"__metadata__":{"a":"1","b":"2"},"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"d":'));
  assert.equal(out.readBigUInt64LE(0) % 8n, 0n);
  assert.match(header(out), /} *$/);
});

test('integer-like tensor names keep the reference order in the header text', () => {
  const out = encodeSafetensors({ x: { dtype: 'U8', shape: [1], data: Uint8Array.of(1) }, 10: { dtype: 'U8', shape: [1], data: Uint8Array.of(2) }, 9: { dtype: 'U8', shape: [1], data: Uint8Array.of(3) } });
  assert.match(header(out), /^\{"10":.*"9":.*"x":/);
});

test('round trip of every dtype, including scalars, empty tensors and non-ASCII names', () => {
  const tensors: Record<string, Tensor> = {
    w: { dtype: 'F32', shape: [2, 3], data: f32(1.5, -2, 3e-38, Infinity, -0, NaN) },
    d: { dtype: 'F64', shape: [2], data: Float64Array.of(Math.PI, -1e300) },
    num_batches_tracked: { dtype: 'I64', shape: [], data: BigInt64Array.of(-(2n ** 63n), ) },
    u64: { dtype: 'U64', shape: [1], data: BigUint64Array.of(2n ** 64n - 1n) },
    i32: { dtype: 'I32', shape: [2, 1], data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) },
    u32: { dtype: 'U32', shape: [1], data: Uint32Array.of(2 ** 32 - 1) },
    i16: { dtype: 'I16', shape: [1], data: Int16Array.of(-32768) },
    u16: { dtype: 'U16', shape: [1], data: Uint16Array.of(65535) },
    bf: { dtype: 'BF16', shape: [1], data: Uint16Array.of(0x3f80) },
    i8: { dtype: 'I8', shape: [3], data: Int8Array.of(-128, 0, 127) },
    u8: { dtype: 'U8', shape: [1, 1, 1], data: Uint8Array.of(255) },
    b: { dtype: 'BOOL', shape: [2], data: Uint8Array.of(0, 1) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    'gén.0 "quoted"\n': { dtype: 'F32', shape: [1], data: f32(7) },
  };
  const back = decodeSafetensors(encodeSafetensors(tensors, { format: 'pt', note: 'ünï\u0001' }));
  assert.deepEqual(back.metadata, { format: 'pt', note: 'ünï\u0001' });
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const u = back.tensors[name];
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.equal(u.data.constructor, t.data.constructor, name);
    assert.deepEqual(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), name);
  }
});

test('decoded arrays are aligned copies, even from an unaligned buffer', () => {
  const bytes = encodeSafetensors({ w: { dtype: 'F64', shape: [2], data: Float64Array.of(1, 2) } });
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const t = decodeSafetensors(shifted.subarray(3)).tensors.w;
  assert.deepEqual([...t.data as Float64Array], [1, 2]);
  shifted.fill(0);
  assert.deepEqual([...t.data as Float64Array], [1, 2]);
});

test('encode refuses what the format cannot hold, naming the tensor', () => {
  const bad = (tensors: Record<string, unknown>, re: RegExp, meta?: Record<string, unknown>) =>
    assert.throws(() => encodeSafetensors(tensors as Record<string, Tensor>, meta as Record<string, string>), (e: Error) => e instanceof SafetensorsError && re.test(e.message));
  bad({ w: { dtype: 'F32', shape: [2, 2], data: f32(1, 2, 3) } }, /tensor "w": shape \[2, 2\] has 4 elements but the data has 3/);
  bad({ w: { dtype: 'F32', shape: [1], data: Float64Array.of(1) } }, /tensor "w": dtype F32 needs a Float32Array, got a Float64Array/);
  bad({ w: { dtype: 'I64', shape: [1], data: Int32Array.of(1) } }, /needs a BigInt64Array/);
  bad({ w: { dtype: 'F8_E4M3', shape: [1], data: Uint8Array.of(1) } }, /unknown dtype "F8_E4M3"/);
  bad({ w: { dtype: 'F32', shape: [-1], data: f32() } }, /shape \[-1\] is not a list of non-negative integers/);
  bad({ m: { dtype: 'BOOL', shape: [1], data: Uint8Array.of(2) } }, /BOOL data must be 0 or 1/);
  bad({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, /reserved/);
  bad({ ['a\uD800']: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, /lone UTF-16 surrogate/);
  bad({}, /__metadata__\["k"\] must be a string/, { k: 1 });
});

test('decode validates like the reference reader, with errors naming the file and the tensor', () => {
  const bad = (buf: Buffer, re: RegExp) =>
    assert.throws(() => decodeSafetensors(buf, 'runs/a/G.safetensors'), (e: Error) => {
      assert.ok(e instanceof SafetensorsError);
      assert.match(e.message, /^runs\/a\/G\.safetensors: not a valid safetensors file: /);
      assert.match(e.message, re);
      return true;
    });
  const t = (name: string, dtype: string, shape: number[], offsets: number[]) =>
    `"${name}":{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;
  // The reference test_metadata_incomplete_buffer cases: trailing bytes, and 2 bytes missing.
  const ok = `{${t('test', 'I32', [2, 2], [0, 16])}}`;
  bad(file(ok, Buffer.concat([Buffer.alloc(16), Buffer.from('extra_bogus_data_for_polyglot_file')])), /cover 16 bytes of data but 50 bytes follow/);
  bad(file(ok, Buffer.alloc(14)), /tensor "test" \(data_offsets \[0, 16\]\): ends past the end of the file \(the data section is 14 bytes/);
  assert.equal(decodeSafetensors(file(ok, Buffer.alloc(16))).tensors.test.data.length, 4);

  bad(Buffer.alloc(5), /5 bytes long/);
  bad(file('{}').subarray(0, 9), /says 2 bytes but only 1 follow/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(2n ** 62n);
  bad(huge, /header length field says 4611686018427387904 bytes/);
  bad(file('{"a":'), /not valid JSON/);
  bad(file('[1,2]'), /not a JSON object/);
  bad(Buffer.concat([file('{} '), Buffer.from([])]).fill(0xff, 8, 9), /not valid UTF-8/);
  bad(file(`{${t('a', 'F32', [2], [0, 8])},${t('b', 'F32', [2], [4, 12])}}`, Buffer.alloc(12)), /tensor "b" \(data_offsets \[4, 12\]\): overlaps tensor "a", which ends at 8/);
  bad(file(`{${t('a', 'F32', [2], [0, 8])},${t('b', 'F32', [1], [12, 16])}}`, Buffer.alloc(16)), /tensor "b".*4 bytes between tensor "a" and it belong to no tensor/);
  bad(file(`{${t('a', 'F32', [2], [4, 12])}}`, Buffer.alloc(12)), /4 bytes between the start of the data and it/);
  bad(file(`{${t('a', 'F32', [3], [0, 8])}}`, Buffer.alloc(8)), /tensor "a".*shape \[3\] of F32 needs 12 bytes but the offsets span 8/);
  bad(file(`{${t('a', 'F32', [0], [8, 0])}}`, Buffer.alloc(8)), /end offset is before the begin offset/);
  bad(file(`{${t('a', 'Q7', [1], [0, 1])}}`, Buffer.alloc(1)), /tensor "a": unknown dtype "Q7"/);
  bad(file(`{${t('a', 'F8_E5M2', [1], [0, 1])}}`, Buffer.alloc(1)), /dtype F8_E5M2 is not supported by DCGAN Lab/);
  bad(file(`{${t('a', 'F32', [1.5] as number[], [0, 4])}}`, Buffer.alloc(4)), /shape \[1.5\] is not a list/);
  bad(file(`{"a":{"dtype":"F32","shape":[1]}}`, Buffer.alloc(4)), /data_offsets undefined is not a pair/);
  bad(file(`{"__metadata__":{"k":1}}`), /__metadata__\["k"\] is not a string/);
});

test('decode accepts what the reference accepts: any key order, unpadded headers, null __metadata__', () => {
  const json = '{"b":{"shape":[1],"dtype":"U8","data_offsets":[4,5]},"__metadata__":null,"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}';
  const out = decodeSafetensors(file(json, [0, 0, 128, 63, 9]));
  assert.deepEqual(out.metadata, {});
  assert.deepEqual([...out.tensors.a.data as Float32Array], [1]);
  assert.deepEqual([...out.tensors.b.data as Uint8Array], [9]);
});

test('writeSafetensors / readSafetensors: atomic write, read back, errors name the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'st-'));
  try {
    const f = path.join(dir, 'G.safetensors');
    await writeSafetensors(f, { w: { dtype: 'F32', shape: [2], data: f32(1, 2) } }, { step: '10' });
    const r = await readSafetensors(f);
    assert.deepEqual(r.metadata, { step: '10' });
    assert.deepEqual([...r.tensors.w.data as Float32Array], [1, 2]);
    assert.deepEqual(readdirSync(dir), ['G.safetensors']);
    await assert.rejects(writeSafetensors(f, { w: { dtype: 'F32', shape: [3], data: f32(1, 2) } }), new RegExp(`^SafetensorsError: ${f}: tensor "w"`));
    assert.deepEqual([...(await readSafetensors(f)).tensors.w.data as Float32Array], [1, 2]);
    writeFileSync(f, readFileSync(f).subarray(0, 40));
    await assert.rejects(readSafetensors(f), new RegExp(`${f}: not a valid safetensors file`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
