/**
 * Bilinear resizing that reproduces Pillow's `Image.resize(size, Image.BILINEAR)` bit for bit on 8-bit images,
 * which is what torchvision's `Resize` runs on PIL images (torchvision 0.14 passes no `reducing_gap`).
 *
 * Pillow (src/libImaging/Resample.c, 9.x): a separable triangle filter whose support is scaled by the
 * downscaling factor (so downscaling is antialiased), coefficients normalised to sum 1 and then converted to
 * fixed point with PRECISION_BITS = 32 − 8 − 2; the horizontal pass runs first and its result is rounded and
 * clipped to 8 bits before the vertical pass. A pass whose size does not change is skipped.
 *
 * `resizeWindow` computes only a window of the resized image (the crop that `CenterCrop` keeps): every output
 * pixel depends only on its own coefficients, so the window equals the same pixels of the full resize.
 */

/** An 8-bit image, rows top to bottom, channels interleaved (HWC). */
export interface Raster {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const CLIP_HIGH = 2 ** (PRECISION_BITS + 8);

interface Coefficients {
  /** per output pixel: first input index used */
  first: Int32Array;
  /** per output pixel: how many input pixels are used */
  count: Int32Array;
  /** per output pixel: `ksize` fixed-point weights */
  weights: Int32Array;
  ksize: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for output pixels [from, from + n) of an inSize → outSize resize. */
function coefficients(inSize: number, outSize: number, from: number, n: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let i = 0; i < n; i++) {
    const center = (from + i + 0.5) * scale;
    // C's (int) truncates toward zero
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      sum += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      weights[i * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    first[i] = xmin;
    count[i] = xmax;
  }
  return { first, count, weights, ksize };
}

/** Pillow's clip8: the fixed-point sum back to 0…255 (sums stay below 2^31, so `>>` is exact). */
function clip8(v: number): number {
  return v >= CLIP_HIGH ? 255 : v <= 0 ? 0 : v >> PRECISION_BITS;
}

/** The horizontal pass for 3 channels, with the channel loop unrolled (most images are RGB). */
function horizontal3(src: Raster, rowFirst: number, rows: number, hc: Coefficients, tmp: Uint8Array, w: number): void {
  const { first, count, weights, ksize } = hc;
  const sd = src.data;
  const rowStride = src.width * 3;
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + rowFirst) * rowStride;
    let o = y * w * 3;
    for (let xx = 0; xx < w; xx++) {
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      const kb = xx * ksize;
      let p = rowBase + first[xx] * 3;
      for (let x = 0, n = count[xx]; x < n; x++, p += 3) {
        const wt = weights[kb + x];
        a0 += sd[p] * wt;
        a1 += sd[p + 1] * wt;
        a2 += sd[p + 2] * wt;
      }
      tmp[o++] = clip8(a0);
      tmp[o++] = clip8(a1);
      tmp[o++] = clip8(a2);
    }
  }
}

function horizontalAny(src: Raster, rowFirst: number, rows: number, hc: Coefficients, tmp: Uint8Array, w: number): void {
  const { first, count, weights, ksize } = hc;
  const c = src.channels;
  const sd = src.data;
  const rowStride = src.width * c;
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + rowFirst) * rowStride;
    const outBase = y * w * c;
    for (let xx = 0; xx < w; xx++) {
      const kb = xx * ksize;
      for (let ch = 0; ch < c; ch++) {
        let acc = HALF;
        let p = rowBase + first[xx] * c + ch;
        for (let x = 0, n = count[xx]; x < n; x++, p += c) acc += sd[p] * weights[kb + x];
        tmp[outBase + xx * c + ch] = clip8(acc);
      }
    }
  }
}

/**
 * The window [x0, x0 + w) × [y0, y0 + h) of `src` resized to outW × outH with Pillow's BILINEAR filter.
 * The whole image: `resizeWindow(src, outW, outH, 0, 0, outW, outH)`.
 */
export function resizeWindow(src: Raster, outW: number, outH: number, x0: number, y0: number, w: number, h: number): Raster {
  const c = src.channels;
  if (x0 < 0 || y0 < 0 || x0 + w > outW || y0 + h > outH) throw new RangeError(`window ${w}×${h}+${x0}+${y0} outside ${outW}×${outH}`);

  // Horizontal pass over the source rows the vertical pass will read.
  const needH = outW !== src.width;
  const needV = outH !== src.height;
  const vert = needV ? coefficients(src.height, outH, y0, h) : null;
  const rowFirst = vert ? vert.first[0] : y0;
  const rowEnd = vert ? vert.first[h - 1] + vert.count[h - 1] : y0 + h;
  const rows = rowEnd - rowFirst;
  const tmp = new Uint8Array(rows * w * c);
  if (needH) {
    const hc = coefficients(src.width, outW, x0, w);
    if (c === 3) horizontal3(src, rowFirst, rows, hc, tmp, w);
    else horizontalAny(src, rowFirst, rows, hc, tmp, w);
  } else {
    for (let y = 0; y < rows; y++) {
      const s = ((y + rowFirst) * src.width + x0) * c;
      tmp.set(src.data.subarray(s, s + w * c), y * w * c);
    }
  }
  if (!vert) return { width: w, height: h, channels: c, data: tmp };

  // Vertical pass, row by row: each source row is read contiguously.
  const out = new Uint8Array(w * h * c);
  const { first, count, weights, ksize } = vert;
  const stride = w * c;
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < h; yy++) {
    acc.fill(HALF);
    const ymin = first[yy] - rowFirst;
    const kb = yy * ksize;
    for (let y = 0; y < count[yy]; y++) {
      const wt = weights[kb + y];
      const base = (ymin + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] += tmp[base + i] * wt;
    }
    const outBase = yy * stride;
    for (let i = 0; i < stride; i++) out[outBase + i] = clip8(acc[i]);
  }
  return { width: w, height: h, channels: c, data: out };
}
