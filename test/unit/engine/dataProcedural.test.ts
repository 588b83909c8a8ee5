/**
 * The built-in procedural dataset: its report, determinism by seed, varied (non-square) source sizes going
 * through the resize/crop path, and four modes distinct enough that simple shape statistics tell them apart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDataset } from '../../../src/engine/data/dataset';
import { preprocess } from '../../../src/engine/data/preprocess';
import { PROCEDURAL_COUNT, PROCEDURAL_MODES, proceduralImage, proceduralSize } from '../../../src/engine/data/procedural';

/** Not kept in memory (budget 0) unless asked otherwise. */
const open = (seed: number, o: { size?: number; memoryBudget?: number; channels?: 1 | 3 } = {}) =>
  openDataset({ size: o.size ?? 16, channels: o.channels ?? 3, fit: 'crop', seed, cacheDir: '/nonexistent-not-used', memoryBudget: o.memoryBudget ?? 0 });

test('the report names the source and seed and lists varied, non-square sizes', async () => {
  const ds = await open(7);
  assert.equal(ds.report.source, 'built-in procedural dataset (seed 7)');
  assert.equal(ds.count, PROCEDURAL_COUNT);
  assert.equal(ds.report.count, PROCEDURAL_COUNT);
  assert.deepEqual(ds.report.formats, { procedural: PROCEDURAL_COUNT });
  assert.deepEqual(ds.report.skipped, []);
  assert.equal(ds.report.sizes.length, 20);
  assert.ok(ds.report.sizes.some(([s]) => s.split('x')[0] !== s.split('x')[1]), 'non-square sizes');
  assert.equal(ds.cacheFile, null);
  const dims = [...Array(500).keys()].map((i) => proceduralSize(7, i));
  assert.ok(dims.every((d) => d.width >= 24 && d.width <= 96 && d.height >= 24 && d.height <= 96));
  assert.ok(Math.min(...dims.map((d) => d.width)) < 30 && Math.max(...dims.map((d) => d.width)) > 90, 'the whole range is used');
  await ds.close();
});

test('deterministic by seed: the same seed gives the same images and batches, another seed other ones', async () => {
  const a = await open(1);
  const b = await open(1);
  const c = await open(2);
  const idx = [0, 1, 2, 3, 100, 4095];
  assert.deepEqual(await a.read(idx), await b.read(idx));
  assert.notDeepEqual(await a.read(idx), await c.read(idx));
  assert.deepEqual(await a.nextBatch(32), await b.nextBatch(32));
  // kept in memory (within the budget) equals drawn again each time
  const kept = await open(1, { memoryBudget: 1 << 30 });
  assert.equal(kept.residentBytes(), PROCEDURAL_COUNT * 16 * 16 * 3);
  assert.equal(a.residentBytes(), 0);
  assert.deepEqual(await kept.read(idx), await a.read(idx));
  assert.deepEqual(await kept.read(idx), await a.read(idx), 'the second read copies what the first drew');
  assert.deepEqual(await kept.nextBatch(32), await open(1).then((d) => d.nextBatch(32)));
  assert.deepEqual(proceduralImage(1, 5), proceduralImage(1, 5));
});

test('images use the whole value range and fill the frame', async () => {
  const ds = await open(3);
  const x = await ds.read([...Array(64).keys()]);
  let lo = 1;
  let hi = -1;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(lo < -0.8 && hi > 0.8, `range ${lo}…${hi}`);
  const grey = await open(3, { channels: 1 });
  assert.equal((await grey.read([0])).length, 16 * 16);
});

/** Colour-blind shape statistics of a 32×32 record: share of bright pixels, edge density along the sparser and denser axis, point symmetry. */
function features(rec: Uint8Array, s: number): number[] {
  const lum = Array.from({ length: s * s }, (_, i) => rec[3 * i] * 0.299 + rec[3 * i + 1] * 0.587 + rec[3 * i + 2] * 0.114);
  const mean = lum.reduce((a, b) => a + b, 0) / lum.length;
  const m = lum.map((v) => v > mean);
  let bright = 0;
  let rowEdges = 0;
  let colEdges = 0;
  let symmetric = 0;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const v = m[y * s + x];
      bright += +v;
      if (x > 0 && v !== m[y * s + x - 1]) rowEdges++;
      if (y > 0 && v !== m[(y - 1) * s + x]) colEdges++;
      if (v === m[(s - 1 - y) * s + (s - 1 - x)]) symmetric++;
    }
  }
  const n = s * s;
  return [bright / n, (8 * Math.min(rowEdges, colEdges)) / n, (8 * Math.max(rowEdges, colEdges)) / n, symmetric / n];
}

test('the four modes are distinct: a nearest-centroid classifier on shape statistics tells them apart', () => {
  const perMode = 40;
  const samples = [...Array(perMode * PROCEDURAL_MODES.length).keys()].map((i) => {
    const { mode, raster } = proceduralImage(11, i);
    return { mode, f: features(preprocess(raster, 32, 3, 'crop'), 32) };
  });
  for (const mode of PROCEDURAL_MODES) assert.equal(samples.filter((s) => s.mode === mode).length, perMode, 'modes take equal shares');
  let correct = 0;
  for (const q of samples) {
    const distance = (mode: string) => {
      const others = samples.filter((s) => s.mode === mode && s !== q);
      const centroid = q.f.map((_, k) => others.reduce((a, s) => a + s.f[k], 0) / others.length);
      return centroid.reduce((a, c, k) => a + (c - q.f[k]) ** 2, 0);
    };
    const best = PROCEDURAL_MODES.reduce((a, b) => (distance(a) <= distance(b) ? a : b));
    if (best === q.mode) correct++;
  }
  const accuracy = correct / samples.length;
  assert.ok(accuracy > 0.8, `leave-one-out accuracy ${accuracy.toFixed(2)} (chance: 0.25)`);
});
