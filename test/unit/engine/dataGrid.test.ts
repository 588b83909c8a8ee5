/**
 * Sample grids: torchvision make_grid's layout (2-px black gaps, around the edge too), [-1, 1] → 0…255 with
 * rounding, grey and RGB, NaN drawn black, written atomically, and read back by readGridPng.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { gridGeometry, readGridPng, writeGridPng } from '../../../src/engine/data/grid';
import { tempDir } from './dataFixtures';

const root = tempDir('grid');
after(() => rmSync(root, { recursive: true, force: true }));

function images(n: number, size: number, channels: number): Float32Array {
  const x = new Float32Array(n * size * size * channels);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 0.99;
  return x;
}

test('layout: cols × rows tiles with 2-px gaps around every tile', async () => {
  assert.deepEqual(gridGeometry(64, 32), { cols: 8, rows: 8, width: 8 * 34 + 2, height: 8 * 34 + 2 });
  assert.deepEqual(gridGeometry(5, 8, 3), { cols: 3, rows: 2, width: 32, height: 22 });
  assert.deepEqual(gridGeometry(2, 8, 10), { cols: 2, rows: 1, width: 22, height: 12 });
  const file = path.join(root, 'rgb.png');
  await writeGridPng(file, new Float32Array(5 * 8 * 8 * 3).fill(1), 5, 8, 3, 3);
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 32);
  assert.equal(info.height, 22);
  const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
  for (const [x, y] of [[0, 0], [1, 5], [10, 5], [11, 3], [5, 10], [5, 11], [31, 21]]) assert.equal(at(x, y), 0, `gap at ${x},${y}`);
  for (const [x, y] of [[2, 2], [9, 9], [12, 2], [22, 2], [12, 12]]) assert.equal(at(x, y), 255, `tile at ${x},${y}`);
  assert.equal(at(25, 15), 0, 'the sixth slot (no image) is black');
});

test('round trip: values come back within half a grey level; grey grids are 1-channel PNGs', async () => {
  for (const channels of [1, 3] as const) {
    const file = path.join(root, `rt${channels}.png`);
    const x = images(7, 10, channels);
    await writeGridPng(file, x, 7, 10, channels);
    const meta = await sharp(file).metadata();
    assert.equal(meta.channels, channels);
    const back = await readGridPng(file, 10, 7);
    assert.equal(back.channels, channels);
    assert.equal(back.cols, 3);
    assert.equal(back.rows, 3);
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(back.images[i] - x[i]));
    assert.ok(max <= 1 / 255 + 1e-6, `max error ${max}`);
  }
});

test('out-of-range values are clamped and NaN is drawn black; no temporary file is left', async () => {
  const file = path.join(root, 'sub/dir/clamp.png');
  await writeGridPng(file, Float32Array.from([-5, 5, NaN, 0]), 4, 1, 1, 4);
  const back = await readGridPng(file, 1);
  assert.deepEqual(Array.from(back.images, (v) => Math.round((v + 1) * 127.5)), [0, 255, 0, 128]);
  assert.deepEqual(readdirSync(path.dirname(file)), ['clamp.png']);
  await assert.rejects(writeGridPng(file, new Float32Array(3), 4, 1, 1), RangeError);
});
