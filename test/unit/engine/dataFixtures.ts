/**
 * Image fixtures for the data-pipeline tests, made with sharp at test time: every format and pixel layout the
 * scanner must handle, odd sizes, and files it must skip (truncated, empty, not images, hidden).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `dcgan-data-${prefix}-`));
}

/** A smooth pattern with some texture, different per channel and seed: resampling has something to do. */
export function pattern(width: number, height: number, channels: number, seed = 0): Buffer {
  const d = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 128 + 70 * Math.sin(x * 0.21 + c + seed) + 50 * Math.cos(y * (0.13 + 0.05 * c) + seed) + ((x * 31 + y * 17 + c * 7 + seed) % 19);
        d[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return d;
}

export function solid(width: number, height: number, value: number[]): Buffer {
  const d = Buffer.alloc(width * height * value.length);
  for (let i = 0; i < width * height; i++) d.set(value, i * value.length);
  return d;
}

type Raw = { width: number; height: number; channels: 1 | 2 | 3 | 4 };
const raw = (data: Buffer | Uint16Array, r: Raw & { pageHeight?: number }) => sharp(data, { raw: r });

export interface FixtureImage {
  rel: string;
  format: string;
  width: number;
  height: number;
}

export interface FixtureSet {
  dir: string;
  images: FixtureImage[];
  /** files the scan must list as skipped, with the reason it must give */
  skipped: { rel: string; why: RegExp }[];
  /** files the scan must not see at all */
  hidden: string[];
}

async function write(dir: string, rel: string, img: sharp.Sharp): Promise<void> {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  await img.toFile(file);
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A 4×4 PNG whose header claims 30000×20000 pixels (with a valid CRC): must be refused before decoding. */
async function forgedHugePng(): Promise<Buffer> {
  const png = await raw(solid(4, 4, [255, 0, 0]), { width: 4, height: 4, channels: 3 }).png().toBuffer();
  png.writeUInt32BE(30000, 16); // IHDR data: bytes 16…28, its CRC: 29…32
  png.writeUInt32BE(20000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** The mixed folder: 12 images in 4 formats and 7 pixel layouts, 6 files to skip, 2 hidden ones. */
export async function makeMixedFolder(dir: string): Promise<FixtureSet> {
  const images: FixtureImage[] = [];
  const add = async (rel: string, format: string, width: number, height: number, img: sharp.Sharp) => {
    await write(dir, rel, img);
    images.push({ rel, format, width, height });
  };
  await add('rgb_37x91.png', 'png', 37, 91, raw(pattern(37, 91, 3, 1), { width: 37, height: 91, channels: 3 }).png());
  await add('photos/photo_200x150.jpg', 'jpeg', 200, 150, raw(pattern(200, 150, 3, 2), { width: 200, height: 150, channels: 3 }).jpeg({ quality: 90 }));
  await add('photos/wide_120x80.webp', 'webp', 120, 80, raw(pattern(120, 80, 3, 3), { width: 120, height: 80, channels: 3 }).webp({ quality: 90 }));
  // two frames: a red one, then a blue one; the first must be used
  const frames = Buffer.concat([solid(50, 40, [220, 30, 30]), solid(50, 40, [30, 30, 220])]);
  await add('anim_50x40.gif', 'gif', 50, 40, raw(frames, { width: 50, height: 80, channels: 3, pageHeight: 40 }).gif());
  await add('gray_33x47.png', 'png', 33, 47, raw(pattern(33, 47, 1, 4), { width: 33, height: 47, channels: 1 }).toColourspace('b-w').png());
  await add('gray_alpha_30x30.png', 'png', 30, 30, raw(solid(30, 30, [200, 64]), { width: 30, height: 30, channels: 2 }).toColourspace('b-w').png());
  await add('rgba_64x48.png', 'png', 64, 48, raw(solid(64, 48, [200, 100, 50, 128]), { width: 64, height: 48, channels: 4 }).png());
  await add('deep/rgb16_70x50.png', 'png', 70, 50, raw(new Uint16Array(solid(70, 50, [0, 0, 0]).length).map((_, i) => [65535, 32768, 256][i % 3]), { width: 70, height: 50, channels: 3 }).toColourspace('rgb16').png());
  await add('deep/gray16_40x40.png', 'png', 40, 40, raw(new Uint16Array(40 * 40).fill(0x8080), { width: 40, height: 40, channels: 1 }).toColourspace('grey16').png());
  for (const [rel, seed] of [['same/a_32x32.png', 5], ['same/b_32x32.png', 6]] as const) await add(rel, 'png', 32, 32, raw(pattern(32, 32, 3, seed), { width: 32, height: 32, channels: 3 }).png());
  await add('same/c_32x32.jpg', 'jpeg', 32, 32, raw(pattern(32, 32, 3, 7), { width: 32, height: 32, channels: 3 }).jpeg());

  const png = await raw(pattern(64, 64, 3, 8), { width: 64, height: 64, channels: 3 }).png().toBuffer();
  const jpg = await raw(pattern(64, 64, 3, 9), { width: 64, height: 64, channels: 3 }).jpeg().toBuffer();
  mkdirSync(path.join(dir, 'broken'), { recursive: true });
  writeFileSync(path.join(dir, 'broken/truncated.png'), png.subarray(0, png.length >> 1));
  writeFileSync(path.join(dir, 'broken/truncated.jpg'), jpg.subarray(0, jpg.length >> 1));
  writeFileSync(path.join(dir, 'broken/not-really.jpg'), 'this is text, not a JPEG\n');
  writeFileSync(path.join(dir, 'broken/empty.png'), '');
  writeFileSync(path.join(dir, 'broken/huge_header.png'), await forgedHugePng());
  writeFileSync(path.join(dir, 'notes.txt'), 'a folder of images\n');
  const skipped = [
    { rel: 'broken/empty.png', why: /^empty file$/ },
    { rel: 'broken/huge_header.png', why: /^too large: over 268 megapixels$/ },
    { rel: 'broken/not-really.jpg', why: /^not an image: named \.jpg, but the content is not JPEG$/ },
    { rel: 'broken/truncated.jpg', why: /^corrupt JPEG: / },
    { rel: 'broken/truncated.png', why: /^corrupt PNG: / },
    { rel: 'notes.txt', why: /^not an image$/ },
  ];

  mkdirSync(path.join(dir, '.hidden'), { recursive: true });
  writeFileSync(path.join(dir, '.hidden/x.png'), png);
  writeFileSync(path.join(dir, '.DS_Store'), 'junk');
  return { dir, images, skipped, hidden: ['.hidden/x.png', '.DS_Store'] };
}

/** `n` RGB PNGs of mixed sizes (for streaming and determinism tests, where the content only has to differ). */
export async function makeSimpleFolder(dir: string, n: number, seed = 0): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const w = 16 + ((i * 7 + seed) % 23);
    const h = 16 + ((i * 11 + seed) % 19);
    await raw(pattern(w, h, 3, i + seed * 1000), { width: w, height: h, channels: 3 }).png().toFile(path.join(dir, `img${String(i).padStart(4, '0')}.png`));
  }
}
