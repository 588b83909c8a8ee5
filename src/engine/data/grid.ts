/**
 * Sample grids as PNG, laid out like torchvision's `make_grid(padding=2, pad_value=0)`: tiles in rows of `cols`,
 * 2 black pixels between tiles and around the edge. Values in [-1, 1] map to 0…255 as
 * `save_image` does for [0, 1] after (x + 1) / 2: floor(255·(x + 1)/2 + 0.5), clamped; NaN becomes 0.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic';
import { loadSharp } from './decode';
import { encodePng } from './png';

export const GRID_GAP = 2;

export function gridGeometry(n: number, size: number, cols = Math.ceil(Math.sqrt(n))): { cols: number; rows: number; width: number; height: number } {
  const c = Math.max(1, Math.min(cols, n));
  const rows = Math.ceil(n / c);
  return { cols: c, rows, width: c * (size + GRID_GAP) + GRID_GAP, height: rows * (size + GRID_GAP) + GRID_GAP };
}

/** `images`: n × size × size × channels (NHWC), values in [-1, 1]. Written atomically (temp file + rename). */
export async function writeGridPng(file: string, images: Float32Array, n: number, size: number, channels: 1 | 3, cols?: number): Promise<void> {
  if (images.length < n * size * size * channels) throw new RangeError(`writeGridPng: ${images.length} values for ${n} images of ${size}×${size}×${channels}`);
  const g = gridGeometry(n, size, cols);
  const pixels = new Uint8Array(g.width * g.height * channels);
  for (let i = 0; i < n; i++) {
    const x0 = GRID_GAP + (i % g.cols) * (size + GRID_GAP);
    const y0 = GRID_GAP + Math.floor(i / g.cols) * (size + GRID_GAP);
    for (let y = 0; y < size; y++) {
      const src = ((i * size + y) * size) * channels;
      const dst = ((y0 + y) * g.width + x0) * channels;
      for (let k = 0; k < size * channels; k++) {
        const v = Math.floor(255 * ((images[src + k] + 1) / 2) + 0.5);
        pixels[dst + k] = v >= 255 ? 255 : v > 0 ? v : 0; // NaN fails both tests: 0
      }
    }
  }
  // no native code on this path: the packaged extension writes samples on any platform (src/engine/data/png.ts)
  const png = encodePng(pixels, g.width, g.height, channels);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, png);
}

/**
 * Reads a grid written by `writeGridPng` back into NHWC [-1, 1] images (for tests and viewers), with sharp: an
 * independent decoder checks the encoder.
 */
export async function readGridPng(file: string, size: number, n?: number): Promise<{ images: Float32Array; n: number; cols: number; rows: number; channels: 1 | 3 }> {
  const img = loadSharp()(file);
  const meta = await img.metadata();
  // sharp hands grey back as R = G = B: the first channel is the grey value
  const channels: 1 | 3 = meta.channels <= 2 ? 1 : 3;
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const cols = (info.width - GRID_GAP) / (size + GRID_GAP);
  const rows = (info.height - GRID_GAP) / (size + GRID_GAP);
  if (!Number.isInteger(cols) || !Number.isInteger(rows)) throw new Error(`${file}: ${info.width}×${info.height} is not a grid of ${size}-pixel tiles with ${GRID_GAP}-pixel gaps`);
  const count = n ?? cols * rows;
  const images = new Float32Array(count * size * size * channels);
  for (let i = 0; i < count; i++) {
    const x0 = GRID_GAP + (i % cols) * (size + GRID_GAP);
    const y0 = GRID_GAP + Math.floor(i / cols) * (size + GRID_GAP);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const src = ((y0 + y) * info.width + x0 + x) * info.channels;
        const dst = ((i * size + y) * size + x) * channels;
        for (let c = 0; c < channels; c++) images[dst + c] = data[src + c] / 127.5 - 1;
      }
    }
  }
  return { images, n: count, cols, rows, channels };
}
