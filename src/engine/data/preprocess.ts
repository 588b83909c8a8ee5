/**
 * One decoded image → one S×S×C uint8 record (HWC), the way torchvision prepares a PIL image:
 *   crop: `Resize(S)` (shorter side to S, bilinear with antialiasing) then `CenterCrop(S)`;
 *   pad:  the longer side to S (same filter), centred on black (letterbox).
 * Channels are converted first, as `Image.convert` would be before the transform:
 *   alpha is composited on black (a transparent pixel is black, whatever colour it stores);
 *   RGB → 1 channel uses Pillow's ITU-R 601-2 luma (`convert('L')`);
 *   grey → 3 channels replicates the grey value.
 * `toFloat` then maps uint8 to ToTensor + Normalize(0.5, 0.5), i.e. [-1, 1].
 */
import { resizeWindow, type Raster } from './resample';

export type Fit = 'crop' | 'pad';

export interface CropGeometry {
  /** size after Resize(S) */
  resizedW: number;
  resizedH: number;
  /** top-left of the S×S crop inside the resized image */
  left: number;
  top: number;
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision 0.14 `Resize(S)` output size and `CenterCrop(S)` offsets. */
export function cropGeometry(w: number, h: number, size: number): CropGeometry {
  const short = Math.min(w, h);
  const long = Math.max(w, h);
  // torchvision: new_long = int(size * long / short)
  const newLong = Math.trunc((size * long) / short);
  const resizedW = w <= h ? size : newLong;
  const resizedH = w <= h ? newLong : size;
  // torchvision: crop_top = int(round((image_height - crop_height) / 2.0))
  return { resizedW, resizedH, left: roundHalfEven((resizedW - size) / 2), top: roundHalfEven((resizedH - size) / 2) };
}

export interface PadGeometry {
  /** size after fitting the longer side to S */
  resizedW: number;
  resizedH: number;
  /** where the resized image sits in the S×S black square (torchvision's pad split: the smaller half first) */
  left: number;
  top: number;
}

export function padGeometry(w: number, h: number, size: number): PadGeometry {
  const long = Math.max(w, h);
  const resizedW = w >= h ? size : Math.max(1, Math.round((size * w) / long));
  const resizedH = h >= w ? size : Math.max(1, Math.round((size * h) / long));
  return { resizedW, resizedH, left: Math.floor((size - resizedW) / 2), top: Math.floor((size - resizedH) / 2) };
}

/** Composite any alpha channel on black: 2 → 1 channel, 4 → 3 channels. Pillow's paste rounding: round(c·a/255). */
export function flattenAlpha(img: Raster): Raster {
  if (img.channels !== 2 && img.channels !== 4) return img;
  const c = img.channels - 1;
  const n = img.width * img.height;
  const src = img.data;
  const out = new Uint8Array(n * c);
  for (let i = 0; i < n; i++) {
    const a = src[i * (c + 1) + c];
    for (let ch = 0; ch < c; ch++) {
      const t = src[i * (c + 1) + ch] * a + 128;
      out[i * c + ch] = ((t >> 8) + t) >> 8;
    }
  }
  return { width: img.width, height: img.height, channels: c, data: out };
}

/** Pillow's RGB → L: (R·19595 + G·38470 + B·7471 + 0x8000) >> 16. */
export function toLuma(img: Raster): Raster {
  if (img.channels !== 3) throw new RangeError(`toLuma needs 3 channels, got ${img.channels}`);
  const n = img.width * img.height;
  const src = img.data;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (src[3 * i] * 19595 + src[3 * i + 1] * 38470 + src[3 * i + 2] * 7471 + 0x8000) >>> 16;
  return { width: img.width, height: img.height, channels: 1, data: out };
}

function replicateGrey(img: Raster): Raster {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = img.data[i];
  return { width: img.width, height: img.height, channels: 3, data: out };
}

/** A decoded image (1–4 channels) → an S×S×C record. */
export function preprocess(img: Raster, size: number, channels: 1 | 3, fit: Fit): Uint8Array {
  let src = flattenAlpha(img);
  if (channels === 1 && src.channels === 3) src = toLuma(src);
  let out: Raster;
  if (fit === 'crop') {
    const g = cropGeometry(src.width, src.height, size);
    out = resizeWindow(src, g.resizedW, g.resizedH, g.left, g.top, size, size);
  } else {
    const g = padGeometry(src.width, src.height, size);
    const r = resizeWindow(src, g.resizedW, g.resizedH, 0, 0, g.resizedW, g.resizedH);
    const data = new Uint8Array(size * size * r.channels);
    const rowBytes = r.width * r.channels;
    for (let y = 0; y < r.height; y++) data.set(r.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((g.top + y) * size + g.left) * r.channels);
    out = { width: size, height: size, channels: r.channels, data };
  }
  if (channels === 3 && out.channels === 1) out = replicateGrey(out);
  return out.data;
}

/** uint8 → float32 exactly as torch computes ToTensor (x / 255) then Normalize(0.5, 0.5) ((x − 0.5) / 0.5). */
export const U8_TO_FLOAT: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = Math.fround(Math.fround(v / 255) - 0.5) / 0.5;
  return t;
})();

/** Write `bytes` (uint8 records) as [-1, 1] floats into `out` from `offset`. */
export function toFloat(bytes: Uint8Array, out: Float32Array, offset = 0): void {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = U8_TO_FLOAT[bytes[i]];
}
