/**
 * The sample grids' PNG encoder (src/engine/data/png.ts, node:zlib only): what it writes decodes, in libvips
 * (sharp), to exactly the pixels given and to exactly what sharp's own PNG encoder gives for the same raster,
 * grey and RGB, at odd sizes and for every row filter the heuristic picks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { crc32, encodePng } from '../../../src/engine/data/png';
import { pattern } from './dataFixtures';

/** The file's own channel count (sharp hands grey back as R = G = B: the first channel is the grey value). */
async function decoded(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number; space?: string }> {
  const meta = await sharp(png).metadata();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const channels = meta.channels;
  const own = channels === info.channels ? data : Buffer.from(Array.from({ length: info.width * info.height * channels }, (_, i) => data[Math.floor(i / channels) * info.channels + (i % channels)]));
  return { data: own, width: info.width, height: info.height, channels, space: meta.space };
}

test('CRC-32 is the PNG/zlib one', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const b = pattern(37, 11, 3, 5);
  if ('crc32' in zlib) assert.equal(crc32(b), (zlib as unknown as { crc32(d: Uint8Array): number }).crc32(b));
});

test('encodePng decodes (in sharp) to the pixels given, and to what sharp\'s encoder gives', async () => {
  const cases: [number, number, 1 | 3][] = [[1, 1, 1], [1, 7, 3], [13, 1, 1], [34, 34, 3], [274, 274, 3], [31, 17, 1], [130, 66, 1]];
  for (const [w, h, c] of cases) {
    for (const seed of [0, 3]) {
      // a smooth pattern (Sub/Up/Paeth win) and noise-like bytes (None wins): every filter gets used
      const pixels = seed === 0 ? pattern(w, h, c, 1) : Buffer.from(Array.from({ length: w * h * c }, (_, i) => (i * 2654435761) >>> 24));
      const ours = await decoded(encodePng(pixels, w, h, c));
      const ref = sharp(pixels, { raw: { width: w, height: h, channels: c } });
      if (c === 1) ref.toColourspace('b-w');
      const theirs = await decoded(await ref.png().toBuffer());
      assert.deepEqual([ours.width, ours.height, ours.channels], [w, h, c], `${w}×${h}×${c}`);
      assert.equal(ours.space, c === 1 ? 'b-w' : 'srgb');
      assert.ok(ours.data.equals(pixels), `${w}×${h}×${c} seed ${seed}: pixels differ from the input`);
      assert.ok(ours.data.equals(theirs.data), `${w}×${h}×${c} seed ${seed}: differs from sharp's PNG`);
    }
  }
});

test('encodePng refuses a buffer of the wrong length', () => {
  assert.throws(() => encodePng(new Uint8Array(5), 2, 2, 1), RangeError);
  assert.throws(() => encodePng(new Uint8Array(0), 0, 0, 3), RangeError);
});
