/**
 * Batches: a deterministic shuffled order per epoch from the seed, the incomplete last batch dropped,
 * `position()` / `seek()` resuming exactly, and streaming from the cache file with a bounded window: a
 * 295 MB cache file is read batch by batch with the process's memory growing by far less than that.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CacheWriter } from '../../../src/engine/data/cacheFile';
import { openDataset, type Dataset, type OpenDatasetOptions } from '../../../src/engine/data/dataset';
import { permutation } from '../../../src/engine/data/random';
import { cachePath, fingerprint, listFiles, PIPELINE_VERSION, type CacheTrailer } from '../../../src/engine/data/scan';
import { makeSimpleFolder, tempDir } from './dataFixtures';

let root: string;
let dir: string;

before(async () => {
  root = tempDir('stream');
  dir = path.join(root, 'images');
  await makeSimpleFolder(dir, 23);
});
after(() => rmSync(root, { recursive: true, force: true }));

const open = (o: Partial<OpenDatasetOptions> = {}) => openDataset({ dir, size: 8, channels: 3, fit: 'crop', seed: 5, cacheDir: path.join(root, 'cache'), ...o });

async function batches(ds: Dataset, n: number, batch: number): Promise<Float32Array[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await ds.nextBatch(batch));
  return out;
}

/** Which image each of a batch's records is, found by comparing with all images. */
async function identify(ds: Dataset, batch: Float32Array): Promise<number[]> {
  const rec = ds.size * ds.size * ds.channels;
  const all = await ds.read([...Array(ds.count).keys()]);
  const ids: number[] = [];
  for (let b = 0; b < batch.length / rec; b++) {
    const img = batch.subarray(b * rec, (b + 1) * rec);
    const hits = [...Array(ds.count).keys()].filter((i) => all.subarray(i * rec, (i + 1) * rec).every((v, k) => v === img[k]));
    assert.equal(hits.length, 1, 'every image is distinct');
    ids.push(hits[0]);
  }
  return ids;
}

test('the same seed gives the same batches; another seed another order', async () => {
  const a = await batches(await open(), 12, 5);
  const b = await batches(await open(), 12, 5);
  assert.deepEqual(a, b);
  const c = await batches(await open({ seed: 6 }), 12, 5);
  assert.notDeepEqual(a, c);
});

test('an epoch is a shuffled pass without repeats; the incomplete last batch is dropped', async () => {
  const ds = await open();
  assert.equal(ds.batchesPerEpoch(5), 4);
  assert.equal(ds.epoch, 0);
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) seen.push(...(await identify(ds, await ds.nextBatch(5))));
  assert.equal(ds.epoch, 0);
  assert.deepEqual(ds.position(), { epoch: 0, index: 20 });
  assert.equal(new Set(seen).size, 20, 'no image twice in an epoch');
  assert.deepEqual(seen, Array.from(permutation(23, 5, 0).subarray(0, 20)), 'the order is permutation(count, seed, epoch)');
  assert.notDeepEqual(seen, [...Array(20).keys()], 'shuffled');
  const next = await identify(ds, await ds.nextBatch(5));
  assert.equal(ds.epoch, 1, 'three images were left: a new epoch started');
  assert.deepEqual(ds.position(), { epoch: 1, index: 5 });
  assert.deepEqual(next, Array.from(permutation(23, 5, 1).subarray(0, 5)));
  await assert.rejects(ds.nextBatch(24), /23 images, fewer than the batch size 24/);
  await ds.close();
});

test('seek(position()) continues with exactly the batches an uninterrupted run gets', async () => {
  const whole = await batches(await open(), 15, 4);
  const first = await open();
  await batches(first, 7, 4);
  const pos = first.position();
  await first.close();
  const resumed = await open();
  resumed.seek(pos.epoch, pos.index);
  assert.equal(resumed.epoch, pos.epoch);
  assert.deepEqual(await batches(resumed, 8, 4), whole.slice(7));
  assert.throws(() => resumed.seek(0, 24), RangeError);
  assert.throws(() => resumed.seek(-1, 0), RangeError);
});

test('streaming (memory budget 0) gives the same batches as the in-memory set and holds at most the next batch', async () => {
  const mem = await open();
  const streamed = await open({ memoryBudget: 0 });
  const recordBytes = 8 * 8 * 3;
  assert.equal(mem.residentBytes(), 23 * recordBytes, 'in memory: the whole set');
  for (let i = 0; i < 30; i++) {
    const batch = i % 3 === 2 ? 3 : 4; // changing batch size discards the read-ahead batch
    assert.deepEqual(await streamed.nextBatch(batch), await mem.nextBatch(batch));
    assert.ok(streamed.residentBytes() <= batch * recordBytes, `resident ${streamed.residentBytes()} bytes`);
  }
  assert.deepEqual(streamed.position(), mem.position());
  await streamed.close();
  await mem.close();
});

test('a 295 MB cache file is streamed: memory grows by a small fraction of it over a whole epoch', async () => {
  // A cache file made to look like the one for a one-image folder, but holding 24,000 records.
  const big = path.join(root, 'big');
  await makeSimpleFolder(big, 1);
  const cacheDir = path.join(root, 'big-cache');
  const size = 64;
  const channels = 3;
  const count = 24_000;
  const files = await listFiles(big);
  const fp = fingerprint(big, files);
  const writer = await CacheWriter.create<CacheTrailer>(cachePath(cacheDir, big, fp, size, channels, 'crop'), size, channels);
  const record = new Uint8Array(size * size * channels);
  for (let i = 0; i < count; i++) {
    record.fill(i % 251);
    record[0] = i & 255;
    record[1] = (i >> 8) & 255;
    await writer.append(record);
  }
  const report = { source: path.resolve(big), count, sizes: [], formats: {}, skipped: [] };
  await writer.finish({ pipeline: PIPELINE_VERSION, source: path.resolve(big), fingerprint: fp, size, channels, fit: 'crop', report });

  const ds = await openDataset({ dir: big, size, channels, fit: 'crop', seed: 1, cacheDir, memoryBudget: 64 << 20 });
  assert.equal(ds.cacheHit, true);
  assert.equal(ds.count, count);
  const fileBytes = count * record.length;
  // measure what is live, not garbage the collector has not reached yet
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const base = process.memoryUsage();
  let peakRss = 0;
  let peakBuffers = 0;
  const batch = 256;
  const order = permutation(count, 1, 0);
  const u8 = (v: number) => Math.round((v + 1) * 127.5);
  for (let b = 0; b < ds.batchesPerEpoch(batch); b++) {
    const x = await ds.nextBatch(batch);
    for (const k of [0, batch - 1]) {
      const i = order[b * batch + k];
      const at = k * record.length;
      assert.equal(u8(x[at]) + 256 * u8(x[at + 1]), i & 0xffff, 'the record of the shuffled index');
      assert.equal(u8(x[at + 5]), i % 251);
    }
    assert.ok(ds.residentBytes() <= batch * record.length);
    gc();
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss - base.rss);
    peakBuffers = Math.max(peakBuffers, now.arrayBuffers - base.arrayBuffers);
  }
  await ds.close();
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  // live buffers: a batch or two as floats (4 bytes a value; V8 frees detached buffers one collection late)
  // and the next batch read ahead as bytes; the whole set in memory would be fileBytes
  assert.ok(peakBuffers < fileBytes / 6, `live buffers grew by ${mib(peakBuffers)} while streaming a ${mib(fileBytes)} file`);
  // the process as a whole (the allocator keeps some freed memory)
  assert.ok(peakRss < fileBytes / 3, `RSS grew by ${mib(peakRss)} while streaming a ${mib(fileBytes)} file`);
});
