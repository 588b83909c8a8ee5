/**
 * The built-in dataset, used when no folder is given: images drawn from (seed, index) alone, at sizes from
 * 24 to 96 pixels and aspect ratios up to 2:1, which then go through the same resize/crop path as files.
 * Four modes, each in its own colour family (PALETTES): discs on a gradient, stripes at an angle, a rotated
 * checkerboard, concentric rings. Feature sizes are relative to the shorter side, so a mode looks alike at
 * every size. Edges are soft (coverage from the distance to the edge), which also keeps a discriminator from
 * winning on edge sharpness alone.
 */
import type { Raster } from './resample';
import { mixSeed, rng } from './random';

export const PROCEDURAL_MODES = ['discs', 'stripes', 'checkers', 'rings'] as const;
export type ProceduralMode = (typeof PROCEDURAL_MODES)[number];

/** The number of images in the built-in dataset (one epoch). */
export const PROCEDURAL_COUNT = 4096;

const MIN_SIDE = 24;
const MAX_SIDE = 96;

type RGB = [number, number, number];

/**
 * Each mode has its own colour family (hue ± HUE_JITTER, saturation and value ranges), so that colour, which a
 * GAN learns first, already tells the modes apart, and shape follows: discs are warm on a cool gradient,
 * stripes green on dark magenta, checkers near-white on near-black, rings cyan on dark red.
 */
type Tone = [hue: number, saturation: [number, number], value: [number, number]];
const PALETTES: Record<ProceduralMode, { bright: Tone; dark: Tone }> = {
  discs: { bright: [0.1, [0.7, 1], [0.85, 1]], dark: [0.62, [0.4, 0.8], [0.1, 0.3]] },
  stripes: { bright: [0.33, [0.6, 1], [0.75, 1]], dark: [0.83, [0.4, 0.8], [0.1, 0.3]] },
  checkers: { bright: [0.15, [0, 0.15], [0.85, 1]], dark: [0.6, [0, 0.3], [0.02, 0.15]] },
  rings: { bright: [0.52, [0.6, 1], [0.8, 1]], dark: [0.98, [0.5, 0.9], [0.15, 0.35]] },
};
const HUE_JITTER = 0.06;

function hsv(h: number, s: number, v: number): RGB {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5) * 255, f(3) * 255, f(1) * 255];
}

function between(r: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * r();
}

/** Coverage of an edge `soft` pixels wide at signed distance `d` pixels (positive inside). */
function coverage(d: number, soft: number): number {
  const t = d / soft;
  return t >= 0.5 ? 1 : t <= -0.5 ? 0 : t + 0.5;
}

export interface ProceduralImage {
  mode: ProceduralMode;
  raster: Raster;
}

/** Width and height of image `index` (the first draws of its generator, so a scan needs no drawing). */
function dimensions(r: () => number): { width: number; height: number } {
  const width = Math.floor(between(r, MIN_SIDE, MAX_SIDE + 1));
  const aspect = 2 ** between(r, -1, 1);
  const height = Math.max(MIN_SIDE, Math.min(MAX_SIDE, Math.round(width * aspect)));
  return { width, height };
}

export function proceduralSize(seed: number, index: number): { width: number; height: number } {
  return dimensions(rng(mixSeed(seed, index)));
}

/** Modes cycle with the index, so every mode has the same share of the dataset. */
export function proceduralMode(index: number): ProceduralMode {
  return PROCEDURAL_MODES[index % PROCEDURAL_MODES.length];
}

export function proceduralImage(seed: number, index: number): ProceduralImage {
  const r = rng(mixSeed(seed, index));
  const { width, height } = dimensions(r);
  const mode = proceduralMode(index);
  const short = Math.min(width, height);
  const p = PALETTES[mode];
  const jitter = () => between(r, -HUE_JITTER, HUE_JITTER);
  const bright = hsv((p.bright[0] + jitter() + 1) % 1, between(r, ...p.bright[1]), between(r, ...p.bright[2]));
  const dark = hsv((p.dark[0] + jitter() + 1) % 1, between(r, ...p.dark[1]), between(r, ...p.dark[2]));
  const angle = between(r, 0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = width / 2 + between(r, -0.1, 0.1) * short;
  const cy = height / 2 + between(r, -0.1, 0.1) * short;
  const period = short * between(r, 0.3, 0.45);
  // soft edges, a fixed share of the image: about 1.5 pixels once resized to 32
  const soft = short / 20;

  // alpha: how much of `bright` (0…1) each pixel gets, sampled at pixel centres
  const alpha = new Float32Array(width * height);
  let second = dark; // the background: a gradient from `dark` to `second` along (cos, sin)
  const TWO_PI = 2 * Math.PI;
  switch (mode) {
    case 'discs': {
      second = hsv((p.dark[0] + 0.15 + jitter() + 1) % 1, between(r, ...p.dark[1]), between(r, 0.25, 0.45));
      const radius = short * between(r, 0.24, 0.34);
      for (let y = 0, i = 0; y < height; y++) for (let x = 0; x < width; x++, i++) alpha[i] = coverage(radius - Math.sqrt((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2), soft);
      break;
    }
    case 'stripes':
      // a square wave; sin(2πu)·period/2π is the distance to the nearest edge near the edge
      for (let y = 0, i = 0; y < height; y++) {
        for (let x = 0; x < width; x++, i++) alpha[i] = coverage((Math.sin((TWO_PI * ((x + 0.5) * cos + (y + 0.5) * sin)) / period) * period) / TWO_PI, soft);
      }
      break;
    case 'checkers': {
      const cell = period * 0.6;
      for (let y = 0, i = 0; y < height; y++) {
        for (let x = 0; x < width; x++, i++) {
          const dx = x + 0.5 - cx;
          const dy = y + 0.5 - cy;
          const du = (Math.sin((Math.PI * (dx * cos + dy * sin)) / cell) * cell) / Math.PI;
          const dv = (Math.sin((Math.PI * (dy * cos - dx * sin)) / cell) * cell) / Math.PI;
          // inside where du and dv have the same sign; the distance to the nearest edge is the smaller one
          alpha[i] = coverage(Math.sign(du * dv) * Math.min(Math.abs(du), Math.abs(dv)), soft);
        }
      }
      break;
    }
    case 'rings':
      for (let y = 0, i = 0; y < height; y++) {
        for (let x = 0; x < width; x++, i++) alpha[i] = coverage((Math.cos((TWO_PI * Math.sqrt((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2)) / period) * period) / TWO_PI, soft);
      }
      break;
  }

  const data = new Uint8Array(width * height * 3);
  const diag = Math.hypot(width, height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const t = second === dark ? 0 : Math.min(1, Math.max(0, 0.5 + ((x + 0.5 - width / 2) * cos + (y + 0.5 - height / 2) * sin) / diag));
      const a = alpha[i];
      for (let c = 0; c < 3; c++) {
        const bg = dark[c] + (second[c] - dark[c]) * t;
        data[3 * i + c] = Math.round(bg + (bright[c] - bg) * a);
      }
    }
  }
  return { mode, raster: { width, height, channels: 3, data } };
}
