/**
 * Scanning and preprocessing a mixed folder: the ScanReport (count, size histogram, formats, skipped files and
 * why), channel conversion (grey, grey+alpha, RGBA, 16-bit, RGB → 1 channel), GIF first frame, and the geometry
 * of 'crop' (torchvision Resize + CenterCrop) against 'pad' (letterbox).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { openDataset, type Dataset } from '../../../src/engine/data/dataset';
import { cropGeometry, padGeometry, preprocess } from '../../../src/engine/data/preprocess';
import { resizeWindow, type Raster } from '../../../src/engine/data/resample';
import { makeMixedFolder, pattern, solid, tempDir, type FixtureSet } from './dataFixtures';

let fx: FixtureSet;
let root: string;

before(async () => {
  root = tempDir('scan');
  fx = await makeMixedFolder(path.join(root, 'images'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Images by relative path (the dataset keeps the folder's sorted order), as uint8 records. */
async function recordsByFile(ds: Dataset): Promise<Map<string, Uint8Array>> {
  const floats = await ds.read([...Array(ds.count).keys()]);
  const n = ds.size * ds.size * ds.channels;
  const loaded = [...fx.images].sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const out = new Map<string, Uint8Array>();
  loaded.forEach((f, i) => out.set(f.rel, Uint8Array.from(floats.subarray(i * n, (i + 1) * n), (v) => Math.round((v + 1) * 127.5))));
  return out;
}

const open = (size: number, channels: 1 | 3, fit: 'crop' | 'pad', onProgress?: (d: number, t: number) => void) =>
  openDataset({ dir: fx.dir, size, channels, fit, seed: 0, cacheDir: path.join(root, 'cache'), onProgress });

test('the report counts images, sizes (most common first), formats, and lists skipped files with the reason', async () => {
  const progress: [number, number][] = [];
  const ds = await open(16, 3, 'crop', (d, t) => progress.push([d, t]));
  const r = ds.report;
  assert.equal(r.source, path.resolve(fx.dir));
  assert.equal(r.count, fx.images.length);
  assert.equal(ds.count, fx.images.length);
  assert.deepEqual(r.sizes[0], ['32x32', 3]);
  const expectedSizes = new Map<string, number>();
  for (const f of fx.images) expectedSizes.set(`${f.width}x${f.height}`, (expectedSizes.get(`${f.width}x${f.height}`) ?? 0) + 1);
  assert.deepEqual(new Map(r.sizes), expectedSizes);
  for (let i = 1; i < r.sizes.length; i++) assert.ok(r.sizes[i - 1][1] >= r.sizes[i][1], 'sizes sorted by count');
  const expectedFormats: Record<string, number> = {};
  for (const f of fx.images) expectedFormats[f.format] = (expectedFormats[f.format] ?? 0) + 1;
  assert.deepEqual(r.formats, expectedFormats);
  assert.deepEqual(r.skipped.map((s) => s.file), fx.skipped.map((s) => s.rel));
  for (const [i, s] of fx.skipped.entries()) assert.match(r.skipped[i].why, s.why, s.rel);
  for (const h of fx.hidden) assert.ok(!r.skipped.some((s) => s.file === h), `${h} is hidden and must not be scanned`);
  const total = fx.images.length + fx.skipped.length;
  assert.deepEqual(progress.at(-1), [total, total]);
  assert.equal(progress.length, total);
  await ds.close();
});

test('the size histogram keeps the 20 most common sizes', async () => {
  const dir = path.join(root, 'many-sizes');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 25; i++) {
    const w = 10 + i;
    const copies = i < 3 ? 2 : 1;
    for (let k = 0; k < copies; k++) await sharp(solid(w, 12, [i * 9, 0, 0]), { raw: { width: w, height: 12, channels: 3 } }).png().toFile(path.join(dir, `s${i}_${k}.png`));
  }
  const ds = await openDataset({ dir, size: 8, channels: 3, fit: 'crop', seed: 0, cacheDir: path.join(root, 'cache') });
  assert.equal(ds.count, 28);
  assert.equal(ds.report.sizes.length, 20);
  assert.deepEqual(ds.report.sizes.slice(0, 3), [['10x12', 2], ['11x12', 2], ['12x12', 2]]);
  await ds.close();
});

test('channels: grey is replicated, alpha is composited on black, 16-bit keeps the high byte, GIF uses frame 1', async () => {
  const ds = await open(16, 3, 'crop');
  const rec = await recordsByFile(ds);
  const px = (rel: string, i = 0) => Array.from(rec.get(rel)!.subarray(3 * i, 3 * i + 3));
  const everyPixel = (rel: string, f: (p: number[]) => boolean) => {
    for (let i = 0; i < 16 * 16; i++) if (!f(px(rel, i))) return false;
    return true;
  };
  assert.ok(everyPixel('gray_33x47.png', ([r, g, b]) => r === g && g === b), 'grey → R = G = B');
  assert.deepEqual(px('gray_alpha_30x30.png'), [50, 50, 50], 'grey 200 at alpha 64 → round(200·64/255) = 50');
  assert.deepEqual(px('rgba_64x48.png'), [100, 50, 25], '(200, 100, 50) at alpha 128 → (100, 50, 25)');
  assert.deepEqual(px('deep/rgb16_70x50.png'), [255, 128, 1], '16-bit (65535, 32768, 256) → high bytes');
  assert.deepEqual(px('deep/gray16_40x40.png'), [128, 128, 128], '16-bit grey 0x8080 → 128');
  assert.ok(everyPixel('anim_50x40.gif', (p) => p.join() === '220,30,30'), 'the first (red) frame, not the blue one');
  await ds.close();
});

test('channels: 1-channel records use Pillow\'s luma for RGB and keep grey as is', async () => {
  const ds = await open(16, 1, 'crop');
  assert.equal(ds.channels, 1);
  const rec = await recordsByFile(ds);
  // (200·19595 + 100·38470 + 50·7471 + 0x8000) >> 16 = 124, after compositing (100, 50, 25) at alpha 128:
  assert.equal(rec.get('rgba_64x48.png')![0], (100 * 19595 + 50 * 38470 + 25 * 7471 + 0x8000) >> 16);
  assert.equal(rec.get('deep/gray16_40x40.png')![0], 128);
  assert.equal(rec.get('gray_alpha_30x30.png')![0], 50);
  assert.equal(rec.get('anim_50x40.gif')![0], (220 * 19595 + 30 * 38470 + 30 * 7471 + 0x8000) >> 16);
  const grey3 = await recordsByFile(await open(16, 3, 'crop'));
  const g1 = rec.get('gray_33x47.png')!;
  const g3 = grey3.get('gray_33x47.png')!;
  for (let i = 0; i < g1.length; i++) assert.equal(g1[i], g3[3 * i], 'grey at C=1 equals each channel at C=3');
  await ds.close();
});

test('values are in [-1, 1], NHWC, one record per image', async () => {
  const ds = await open(20, 3, 'pad');
  const b = await ds.nextBatch(4);
  assert.equal(b.length, 4 * 20 * 20 * 3);
  for (const v of b) assert.ok(v >= -1 && v <= 1);
  await ds.close();
});

test('crop geometry follows torchvision: shorter side to S (int() of the longer), crop offsets rounded half to even', () => {
  assert.deepEqual(cropGeometry(200, 150, 64), { resizedW: 85, resizedH: 64, left: 10, top: 0 }); // int(64·200/150) = 85; round(10.5) = 10
  assert.deepEqual(cropGeometry(150, 200, 64), { resizedW: 64, resizedH: 85, left: 0, top: 10 });
  assert.deepEqual(cropGeometry(33, 32, 32), { resizedW: 33, resizedH: 32, left: 0, top: 0 }); // round(0.5) = 0
  assert.deepEqual(cropGeometry(35, 32, 32), { resizedW: 35, resizedH: 32, left: 2, top: 0 }); // round(1.5) = 2
  assert.deepEqual(cropGeometry(37, 32, 32), { resizedW: 37, resizedH: 32, left: 2, top: 0 }); // round(2.5) = 2
  assert.deepEqual(cropGeometry(10, 10, 32), { resizedW: 32, resizedH: 32, left: 0, top: 0 });
  assert.deepEqual(padGeometry(200, 100, 64), { resizedW: 64, resizedH: 32, left: 0, top: 16 });
  assert.deepEqual(padGeometry(33, 100, 64), { resizedW: 21, resizedH: 64, left: 21, top: 0 });
  assert.deepEqual(padGeometry(1000, 1, 64), { resizedW: 64, resizedH: 1, left: 0, top: 31 });
});

test('crop keeps the centre and fills the square; pad shows the whole image on black bars', () => {
  // a wide image: white with a black 10-px band at the left and right edges
  const w = 120;
  const h = 40;
  const data = Buffer.alloc(w * h, 255);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x < 10 || x >= w - 10) data[y * w + x] = 0;
  const img: Raster = { width: w, height: h, channels: 1, data };
  const crop = preprocess(img, 20, 1, 'crop');
  assert.ok(crop.every((v) => v === 255), 'crop: the centre of the image, no bars, no edges');
  const pad = preprocess(img, 30, 1, 'pad'); // 120×40 → 30×10, at rows 10…19
  for (let y = 0; y < 30; y++) {
    const row = Array.from(pad.subarray(y * 30, y * 30 + 30));
    if (y < 10 || y >= 20) assert.ok(row.every((v) => v === 0), `pad: row ${y} is the black bar`);
    else {
      assert.equal(row[0], 0, 'pad: the image\'s own dark left edge is kept');
      assert.equal(row[29], 0);
      assert.equal(row[15], 255);
    }
  }
  // a tall image pads left and right
  const tall = preprocess({ width: 10, height: 40, channels: 1, data: Buffer.alloc(400, 255) }, 20, 1, 'pad');
  const row = Array.from(tall.subarray(10 * 20, 11 * 20));
  assert.equal(row.filter((v) => v === 255).length, 5, '10×40 → 5×20');
  assert.equal(row.indexOf(255), 7, 'left bar floor((20 − 5) / 2) = 7 px');
});

test('resizeWindow: a window equals the same pixels of the whole resize; same size is the identity', () => {
  const src: Raster = { width: 53, height: 31, channels: 3, data: pattern(53, 31, 3, 11) };
  for (const [ow, oh] of [[20, 20], [80, 40], [53, 12], [17, 31]]) {
    const whole = resizeWindow(src, ow, oh, 0, 0, ow, oh);
    const x0 = Math.floor(ow / 4);
    const y0 = Math.floor(oh / 3);
    const win = resizeWindow(src, ow, oh, x0, y0, ow - x0 - 1, oh - y0);
    for (let y = 0; y < win.height; y++) {
      for (let x = 0; x < win.width; x++) {
        for (let c = 0; c < 3; c++) assert.equal(win.data[(y * win.width + x) * 3 + c], whole.data[((y + y0) * ow + x + x0) * 3 + c]);
      }
    }
  }
  assert.deepEqual(resizeWindow(src, 53, 31, 0, 0, 53, 31).data, new Uint8Array(src.data));
});

test('a folder with no readable image is an error that says so', async () => {
  const dir = path.join(root, 'nothing');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'a.txt'), 'x');
  await assert.rejects(openDataset({ dir, size: 8, channels: 3, fit: 'crop', seed: 0, cacheDir: path.join(root, 'cache') }), /no readable images in .*nothing: 1 file\(s\), e\.g\. a\.txt: not an image/);
  await assert.rejects(openDataset({ dir: path.join(root, 'missing'), size: 8, channels: 3, fit: 'crop', seed: 0, cacheDir: path.join(root, 'cache') }), /data folder not found/);
});
