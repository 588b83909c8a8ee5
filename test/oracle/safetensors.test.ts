/**
 * safetensors.ts against PyTorch, both ways. There is no `safetensors` Python package here, so the Python side
 * reads and writes the format by hand (json + torch.frombuffer), which is what the format promises is enough:
 *   - TS → PyTorch: a state dict written by writeSafetensors loads with load_state_dict(strict=True) into
 *     nn.Sequential(Conv2d, BatchNorm2d, ConvTranspose2d), values bit-exact, num_batches_tracked as int64;
 *   - PyTorch → TS: a file written by Python in the reference layout decodes to the same values, and
 *     re-encoding the decoded tensors reproduces the file byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { encodeSafetensors, readSafetensors, writeSafetensors, type Tensor } from '../../src/engine/safetensors';

const MODEL = `
import json, sys, torch, torch.nn as nn
torch.manual_seed(0)
def model():
    return nn.Sequential(nn.Conv2d(3, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ConvTranspose2d(4, 2, 4, 2, 1))
DTYPES = {'F64': torch.float64, 'F32': torch.float32, 'I64': torch.int64, 'I32': torch.int32,
          'U8': torch.uint8, 'BOOL': torch.bool, 'I16': torch.int16, 'I8': torch.int8}
NAMES = {v: k for k, v in DTYPES.items()}
# the reference enum order; its writer sorts by it, descending, then by name
ORDER = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']

def read(path):
    b = open(path, 'rb').read()
    n = int.from_bytes(b[:8], 'little')
    header = json.loads(b[8:8 + n].decode('utf8'))
    meta = header.pop('__metadata__', {})
    out = {}
    for name, h in header.items():
        s, e = h['data_offsets']
        raw = bytearray(b[8 + n + s:8 + n + e])
        t = torch.frombuffer(raw, dtype=DTYPES[h['dtype']]) if e > s else torch.empty(0, dtype=DTYPES[h['dtype']])
        out[name] = t.reshape(h['shape'])
    return out, meta, n, header

def write(path, tensors, meta):
    items = sorted(tensors.items(), key=lambda kv: kv[0].encode('utf8'))
    items.sort(key=lambda kv: ORDER.index(NAMES[kv[1].dtype]), reverse=True)
    header, blobs, off = {}, [], 0
    if meta is not None:
        header['__metadata__'] = meta
    for name, t in items:
        data = t.contiguous().numpy().tobytes()
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little') + h + b''.join(blobs))
`;

/** Seeded values that are exact in float32. */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (((i * 7919 + seed * 104729) % 2001) - 1000) / 256);
}

test('TS → PyTorch: load_state_dict(strict=True) into Conv2d/BatchNorm2d/ConvTranspose2d', async (t) => {
  if (!requireTorch(t)) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'st-oracle-'));
  try {
    const shapes: Record<string, number[]> = {
      '0.weight': [4, 3, 3, 3], '0.bias': [4],
      '1.weight': [4], '1.bias': [4], '1.running_mean': [4], '1.running_var': [4],
      '2.weight': [4, 2, 4, 4], '2.bias': [2],
    };
    const tensors: Record<string, Tensor> = {};
    const expected: Record<string, number[]> = {};
    let seed = 1;
    for (const [name, shape] of Object.entries(shapes)) {
      expected[name] = values(shape.reduce((a, b) => a * b, 1), seed++);
      tensors[name] = { dtype: 'F32', shape, data: Float32Array.from(expected[name]) };
    }
    tensors['1.num_batches_tracked'] = { dtype: 'I64', shape: [], data: BigInt64Array.of(123456789012n) };
    const file = path.join(dir, 'model.safetensors');
    await writeSafetensors(file, tensors, { format: 'pt', step: '500' });

    const r = runPython<{ loaded: boolean; equal: Record<string, boolean>; nbt: number; nbtDtype: string; meta: unknown; n: number; aligned: boolean; out: number[] }>(MODEL + `
inp = json.load(sys.stdin)
sd, meta, n, header = read(inp['file'])
m = model()
m.load_state_dict(sd, strict=True)
msd = m.state_dict()
equal = {k: bool(torch.equal(msd[k], torch.tensor(v, dtype=torch.float32).reshape(msd[k].shape))) for k, v in inp['expected'].items()}
aligned = all((8 + n + h['data_offsets'][0]) % msd[k].element_size() == 0 for k, h in header.items())
m.eval()
with torch.no_grad():
    out = m(torch.ones(1, 3, 5, 5))
print(json.dumps({'loaded': True, 'equal': equal, 'nbt': int(msd['1.num_batches_tracked']),
                  'nbtDtype': str(msd['1.num_batches_tracked'].dtype), 'meta': meta, 'n': n, 'aligned': aligned,
                  'out': list(out.shape)}))
`, { file, expected });
    assert.equal(r.loaded, true);
    for (const [k, eq] of Object.entries(r.equal)) assert.equal(eq, true, `${k} differs after loading into PyTorch`);
    assert.equal(r.nbt, 123456789012);
    assert.equal(r.nbtDtype, 'torch.int64');
    assert.deepEqual(r.meta, { format: 'pt', step: '500' });
    assert.equal(r.n % 8, 0);
    assert.equal(r.aligned, true);
    assert.deepEqual(r.out, [1, 2, 10, 10]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PyTorch → TS: a hand-written reference-layout file decodes exactly and re-encodes byte for byte', async (t) => {
  if (!requireTorch(t)) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'st-oracle-'));
  try {
    const file = path.join(dir, 'torch.safetensors');
    const r = runPython<{ values: Record<string, { dtype: string; shape: number[]; v: (number | boolean)[] }> }>(MODEL + `
inp = json.load(sys.stdin)
m = model()
m.train()
m(torch.randn(2, 3, 6, 6))   # moves running stats and num_batches_tracked
sd = dict(m.state_dict())
sd['extra.f64'] = torch.randn(3, dtype=torch.float64)
sd['extra.i32'] = torch.tensor([[-2**31, 2**31 - 1]], dtype=torch.int32)
sd['extra.u8'] = torch.tensor([0, 255, 7], dtype=torch.uint8)
sd['extra.mask'] = torch.tensor([True, False, True])
sd['extra.i16'] = torch.tensor([-32768], dtype=torch.int16)
sd['extra.i8'] = torch.tensor([-128, 127], dtype=torch.int8)
sd['extra.empty'] = torch.zeros(0, 3)
sd['extra.scalar'] = torch.tensor(2.5)
write(inp['file'], sd, {'format': 'pt', 'note': 'written by hand'})
# float64 has 17 significant digits in repr, exactly what JSON round trips
print(json.dumps({'values': {k: {'dtype': NAMES[v.dtype], 'shape': list(v.shape), 'v': v.flatten().tolist()} for k, v in sd.items()}}))
`, { file });
    const back = await readSafetensors(file);
    assert.deepEqual(back.metadata, { format: 'pt', note: 'written by hand' });
    assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(r.values).sort());
    for (const [name, want] of Object.entries(r.values)) {
      const got = back.tensors[name];
      assert.equal(got.dtype, want.dtype, name);
      assert.deepEqual(got.shape, want.shape, name);
      const v = Array.from(got.data as ArrayLike<number | bigint>, (x) => typeof x === 'bigint' ? Number(x) : x);
      assert.deepEqual(v, want.v.map((x) => (typeof x === 'boolean' ? Number(x) : x)), name);
    }
    assert.equal(back.tensors['1.num_batches_tracked'].dtype, 'I64');
    assert.deepEqual([...back.tensors['1.num_batches_tracked'].data as BigInt64Array], [1n]);
    assert.deepEqual(encodeSafetensors(back.tensors, back.metadata), readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
