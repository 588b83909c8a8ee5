/**
 * The preprocessed-dataset cache: reused when the folder is unchanged (nothing decoded, same records), rebuilt
 * when a file is changed, added or removed, one file per (content, S, C, fit), the outdated file of a folder
 * removed, no temporary files left behind, and a damaged cache file rebuilt rather than trusted.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { openDataset, type OpenDatasetOptions } from '../../../src/engine/data/dataset';
import { makeSimpleFolder, pattern, tempDir } from './dataFixtures';

let root: string;
let dir: string;
let cacheDir: string;

before(async () => {
  root = tempDir('cache');
  dir = path.join(root, 'images');
  cacheDir = path.join(root, 'cache');
  await makeSimpleFolder(dir, 10);
});
after(() => rmSync(root, { recursive: true, force: true }));

const cacheFiles = () => readdirSync(cacheDir).sort();

async function openAll(o: Partial<OpenDatasetOptions> = {}) {
  let progress = 0;
  const ds = await openDataset({ dir, size: 12, channels: 3, fit: 'crop', seed: 3, cacheDir, onProgress: () => progress++, ...o });
  const all = await ds.read([...Array(ds.count).keys()]);
  const snapshot = { hit: ds.cacheHit, file: ds.cacheFile, count: ds.count, report: ds.report, all, progress };
  await ds.close();
  return snapshot;
}

test('an unchanged folder reuses the cache file: no decoding, same report, same records', async () => {
  const first = await openAll();
  assert.equal(first.hit, false);
  assert.equal(first.progress, 10);
  assert.deepEqual(cacheFiles(), [path.basename(first.file!)], 'one cache file, no temporary file left');
  const mtime = statSync(first.file!).mtimeMs;
  const second = await openAll();
  assert.equal(second.hit, true);
  assert.equal(second.progress, 0, 'nothing decoded');
  assert.equal(second.file, first.file);
  assert.equal(statSync(second.file!).mtimeMs, mtime, 'not rewritten');
  assert.deepEqual(second.report, first.report);
  assert.deepEqual(second.all, first.all);
});

test('a changed, added or removed file invalidates the cache; the outdated cache file is removed', async () => {
  const before = await openAll();
  // same size, new content and mtime
  const victim = path.join(dir, 'img0003.png');
  const { width, height } = await sharp(victim).metadata();
  await sharp(pattern(width, height, 3, 999), { raw: { width, height, channels: 3 } }).png().toFile(victim);
  const t = new Date(Date.now() + 5000);
  utimesSync(victim, t, t);
  const changed = await openAll();
  assert.equal(changed.hit, false);
  assert.notEqual(changed.file, before.file);
  assert.notDeepEqual(changed.all, before.all);
  assert.deepEqual(cacheFiles(), [path.basename(changed.file!)], 'the old file of this folder and setting is gone');

  // only the mtime changes: still a new fingerprint (content may differ at the same size)
  utimesSync(victim, new Date(t.getTime() + 5000), new Date(t.getTime() + 5000));
  assert.equal((await openAll()).hit, false);

  await sharp(pattern(20, 20, 3, 5), { raw: { width: 20, height: 20, channels: 3 } }).png().toFile(path.join(dir, 'sub-added.png'));
  const added = await openAll();
  assert.equal(added.hit, false);
  assert.equal(added.count, 11);

  unlinkSync(path.join(dir, 'sub-added.png'));
  const removed = await openAll();
  assert.equal(removed.hit, false);
  assert.equal(removed.count, 10);
  assert.equal((await openAll()).hit, true);

  // a file the scan skips is part of the folder's content too: the report must list it
  writeFileSync(path.join(dir, 'readme.txt'), 'hello');
  const withText = await openAll();
  assert.equal(withText.hit, false);
  assert.deepEqual(withText.report.skipped, [{ file: 'readme.txt', why: 'not an image' }]);
  unlinkSync(path.join(dir, 'readme.txt'));
});

test('size, channels and fit each have their own cache file, side by side', async () => {
  const settings: Partial<OpenDatasetOptions>[] = [{}, { size: 16 }, { channels: 1 }, { fit: 'pad' }];
  const first = [];
  for (const o of settings) first.push(await openAll(o));
  assert.deepEqual(first.slice(1).map((f) => f.hit), [false, false, false]);
  assert.equal(new Set(first.map((f) => f.file)).size, 4);
  for (const o of settings) assert.equal((await openAll(o)).hit, true, JSON.stringify(o));
  assert.equal(cacheFiles().length, 4);
  assert.equal((await openAll({ seed: 77 })).hit, true, 'the seed only shuffles: same cache file');
});

test('a damaged cache file is rebuilt, not trusted; an interrupted writer\'s temp file is cleaned up', async () => {
  const good = await openAll();
  truncateSync(good.file!, statSync(good.file!).size - 10);
  const rebuilt = await openAll();
  assert.equal(rebuilt.hit, false);
  assert.deepEqual(rebuilt.all, good.all);
  writeFileSync(good.file!, 'garbage');
  assert.equal((await openAll()).hit, false);

  // a temp file of a process that no longer runs (pid 2^22 + 1 is above Linux's pid_max default)
  const stale = `${good.file}.tmp-4194305-deadbeef`;
  writeFileSync(stale, 'partial');
  unlinkSync(good.file!);
  await openAll();
  assert.ok(!readdirSync(cacheDir).includes(path.basename(stale)), 'stale temp file removed');
});
