/**
 * Sliced Wasserstein distance between two image sets, as ProGAN measures it (Karras et al. 2018, "Progressive
 * Growing of GANs", metrics/sliced_wasserstein.py):
 *
 *  1. each image → Laplacian pyramid (cv2.pyrDown/pyrUp with the 5×5 binomial filter, mirror borders), one level
 *     per resolution ≥ 16 (128 px: 128, 64, 32, 16; the last level is the Gaussian residual);
 *  2. per level, `descriptorsPerImage` random 7×7 neighbourhoods per image (all channels: 7·7·C numbers);
 *  3. each set's descriptors normalised per channel by ITS OWN mean and std (over neighbourhoods and pixels);
 *  4. SWD per level = mean over `repeats` × `projections` random unit directions of the 1-D Wasserstein-1
 *     distance between the projected real and fake descriptors (sort both, mean |difference|);
 *  5. reported ×10³ as in the paper's tables ("SWDx1e3"), per level (finest first) and their mean.
 *
 * Consequences of step 3 worth knowing when reading the numbers: SWD ignores a per-channel gain or offset
 * applied to a whole set (a global colour cast), and any fixed affine pixel scale ([-1, 1] or [0, 255]) gives
 * the same value.
 *
 * Every random choice (neighbourhood centres, directions) comes from `seed` through planSwd(); the plan can be
 * inspected, reused, or handed to another implementation (the PyTorch oracle test does).
 * Two deviations from the original, both for inputs it does not accept: a level of odd size is upsampled to
 * 2·⌈h/2⌉ and cropped (ProGAN only takes powers of two), and a channel whose descriptors are constant is left
 * at zero rather than divided by a zero std (NaN in numpy).
 */

export interface SwdOptions {
  /** seeds every random choice; the same seed and inputs give the same result (default 0) */
  seed?: number;
  /** 7×7 neighbourhoods sampled per image and level (ProGAN: 128) */
  descriptorsPerImage?: number;
  /** random directions per repeat (ProGAN: 128) */
  projections?: number;
  /** independent direction sets averaged (ProGAN: 4) */
  repeats?: number;
  /** the coarsest pyramid level kept (ProGAN: 16) */
  minResolution?: number;
}

export const SWD_DEFAULTS: Required<SwdOptions> = {
  seed: 0, descriptorsPerImage: 128, projections: 128, repeats: 4, minResolution: 16,
};

export interface SwdResult {
  /** SWD ×10³ per pyramid level, finest first */
  levels: number[];
  /** the side length of each level */
  resolutions: number[];
  /** mean of `levels` (ProGAN's SWDx1e3_avg) */
  mean: number;
}

/** The random choices of one SWD evaluation (see planSwd). */
export interface SwdPlan {
  size: number;
  channels: number;
  /** images per set */
  n: number;
  descriptorsPerImage: number;
  projections: number;
  repeats: number;
  /** side length of each level, finest first */
  resolutions: number[];
  /** per level: (y, x) centres of the real set's neighbourhoods; descriptor i is taken from image ⌊i / descriptorsPerImage⌋ */
  realCentres: Int32Array[];
  fakeCentres: Int32Array[];
  /** per level: repeats·projections unit directions, each `channels·49` long, one after the other */
  directions: Float32Array[];
}

const NHOOD = 7;
const HALF = NHOOD >> 1;

/** Side lengths of the pyramid: ProGAN keeps res, res/2, … while ≥ minResolution; pyrDown gives ⌈h/2⌉. */
export function pyramidResolutions(size: number, minResolution = SWD_DEFAULTS.minResolution): number[] {
  const out: number[] = [];
  for (let res = size, s = size; res >= minResolution; res = Math.floor(res / 2), s = Math.ceil(s / 2)) out.push(s);
  return out;
}

/** Draw every random choice for comparing two sets of `n` images of `size`² × `channels`. */
export function planSwd(n: number, size: number, channels: number, opts: SwdOptions = {}): SwdPlan {
  const o = { ...SWD_DEFAULTS, ...opts };
  for (const k of ['descriptorsPerImage', 'projections', 'repeats', 'minResolution'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`SWD option ${k} must be a positive integer, got ${o[k]}`);
  }
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`SWD needs at least one image per set, got ${n}`);
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`SWD needs a positive channel count, got ${channels}`);
  const resolutions = pyramidResolutions(size, Math.max(o.minResolution, NHOOD));
  if (resolutions.length === 0) {
    throw new RangeError(`SWD needs images of at least ${Math.max(o.minResolution, NHOOD)} px (minResolution), got ${size} px`);
  }
  const rand = rng(o.seed);
  const count = n * o.descriptorsPerImage;
  const dim = channels * NHOOD * NHOOD;
  const centres = (res: number) => {
    const c = new Int32Array(2 * count);
    // ProGAN: np.random.randint(H, S - H), i.e. HALF ≤ y, x < res − HALF
    for (let i = 0; i < c.length; i++) c[i] = HALF + Math.floor(rand() * (res - 2 * HALF));
    return c;
  };
  const plan: SwdPlan = {
    size, channels, n, descriptorsPerImage: o.descriptorsPerImage, projections: o.projections, repeats: o.repeats,
    resolutions, realCentres: [], fakeCentres: [], directions: [],
  };
  for (const res of resolutions) {
    plan.realCentres.push(centres(res));
    plan.fakeCentres.push(centres(res));
    const dirs = new Float32Array(o.repeats * o.projections * dim);
    for (let d = 0; d < dirs.length; d += dim) {
      let norm = 0;
      for (let k = 0; k < dim; k++) {
        const g = gaussian(rand);
        dirs[d + k] = g;
        norm += g * g;
      }
      norm = Math.sqrt(norm);
      for (let k = 0; k < dim; k++) dirs[d + k] /= norm;
    }
    plan.directions.push(dirs);
  }
  return plan;
}

/**
 * SWD between `real` and `fake`, each `n` images of size × size × channels in NHWC order (any fixed pixel scale).
 * Cost grows with n · descriptorsPerImage · channels·49 · repeats·projections per level: see test/oracle/swd.test.ts.
 */
export function slicedWasserstein(
  real: Float32Array, fake: Float32Array, n: number, size: number, channels: number, layout: 'NHWC' = 'NHWC',
  opts: SwdOptions = {},
): SwdResult {
  if (layout !== 'NHWC') throw new RangeError(`SWD takes NHWC images, got layout ${String(layout)}`);
  return slicedWassersteinWithPlan(real, fake, planSwd(n, size, channels, opts));
}

/** SWD with the random choices given (planSwd). */
export function slicedWassersteinWithPlan(real: Float32Array, fake: Float32Array, plan: SwdPlan): SwdResult {
  const { n, size, channels } = plan;
  const expected = n * size * size * channels;
  for (const [what, a] of [['real', real], ['fake', fake]] as const) {
    if (a.length !== expected) {
      throw new RangeError(`SWD: the ${what} images have ${a.length} values, expected ${n}×${size}×${size}×${channels} = ${expected}`);
    }
  }
  if (!real.every(Number.isFinite) || !fake.every(Number.isFinite)) {
    // NaN/Infinity would poison every level; say so rather than return a number
    const levels = plan.resolutions.map(() => NaN);
    return { levels, resolutions: plan.resolutions, mean: NaN };
  }
  const pyrReal = laplacianPyramid(toPlanar(real, n, size, channels), n * channels, size, plan.resolutions.length);
  const pyrFake = laplacianPyramid(toPlanar(fake, n, size, channels), n * channels, size, plan.resolutions.length);
  const levels = plan.resolutions.map((res, l) => {
    const a = descriptors(pyrReal[l], n, channels, res, plan.realCentres[l], plan.descriptorsPerImage);
    const b = descriptors(pyrFake[l], n, channels, res, plan.fakeCentres[l], plan.descriptorsPerImage);
    return 1e3 * swdOfDescriptors(a, b, channels * NHOOD * NHOOD, plan.directions[l], plan.repeats, plan.projections);
  });
  return { levels, resolutions: plan.resolutions, mean: levels.reduce((s, x) => s + x, 0) / levels.length };
}

/** NHWC → one plane per (image, channel), i.e. NCHW. */
function toPlanar(x: Float32Array, n: number, size: number, channels: number): Float32Array {
  const hw = size * size;
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < hw; p++) {
      for (let c = 0; c < channels; c++) out[(i * channels + c) * hw + p] = x[(i * hw + p) * channels + c];
    }
  }
  return out;
}

/**
 * Laplacian pyramid of `planes` square planes of side `size` (ProGAN's generate_laplacian_pyramid):
 * level i = G_i − pyrUp(G_{i+1}) for all but the last level, which is the Gaussian G_last.
 */
export function laplacianPyramid(planes: Float32Array, count: number, size: number, levels: number): Float32Array[] {
  const out: Float32Array[] = [planes.slice()];
  let s = size;
  for (let l = 1; l < levels; l++) {
    const down = ceilHalf(s);
    const g = new Float32Array(count * down * down);
    const finer = out[l - 1];
    for (let p = 0; p < count; p++) {
      const src = finer.subarray(p * s * s, (p + 1) * s * s);
      const small = pyrDown(src, s);
      g.set(small, p * down * down);
      const up = pyrUp(small, down, s);
      for (let k = 0; k < s * s; k++) src[k] -= up[k];
    }
    out.push(g);
    s = down;
  }
  return out;
}

const ceilHalf = (s: number) => (s + 1) >> 1;

/** cv2.pyrDown: 5×5 binomial blur with mirror borders, kept at every other row and column. */
function pyrDown(src: Float32Array, s: number): Float32Array {
  const d = ceilHalf(s);
  return blur(src, s, s, 1, 2, d, d);
}

/** cv2.pyrUp: zeros between the samples, blur ×4 with mirror borders (on the 2d×2d grid), crop to `target`. */
function pyrUp(small: Float32Array, d: number, target: number): Float32Array {
  const big = 2 * d;
  const z = new Float32Array(big * big);
  for (let y = 0; y < d; y++) for (let x = 0; x < d; x++) z[2 * y * big + 2 * x] = small[y * d + x];
  return blur(z, big, big, 4, 1, target, target);
}

const BINOMIAL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

/** scipy.ndimage 'mirror' (= cv2 BORDER_REFLECT_101): … c b | a b c … — the edge sample is not repeated. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

/** For each output position o < outN, the 5 mirrored input indices around o·step, times `scale`. */
function taps(n: number, step: number, outN: number, scale: number): Int32Array {
  const t = new Int32Array(5 * outN);
  for (let o = 0; o < outN; o++) for (let k = 0; k < 5; k++) t[5 * o + k] = mirror(o * step + k - 2, n) * scale;
  return t;
}

/**
 * The separable 5×5 binomial filter (1 4 6 4 1)ᵀ(1 4 6 4 1)/256 times `gain`, on an h×w plane with mirror
 * borders, evaluated only at rows/columns 0, step, 2·step, … (outH × outW of them).
 */
function blur(src: Float32Array, h: number, w: number, gain: number, step: number, outH: number, outW: number): Float32Array {
  const [k0, k1, k2, k3, k4] = BINOMIAL;
  const cols = taps(w, step, outW, 1);
  const tmp = new Float64Array(h * outW);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < outW; x++) {
      const c = 5 * x;
      tmp[y * outW + x] = k0 * src[row + cols[c]] + k1 * src[row + cols[c + 1]] + k2 * src[row + cols[c + 2]]
        + k3 * src[row + cols[c + 3]] + k4 * src[row + cols[c + 4]];
    }
  }
  const rows = taps(h, step, outH, outW);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const r = 5 * y;
    const r0 = rows[r], r1 = rows[r + 1], r2 = rows[r + 2], r3 = rows[r + 3], r4 = rows[r + 4];
    for (let x = 0; x < outW; x++) {
      out[y * outW + x] = gain * (k0 * tmp[r0 + x] + k1 * tmp[r1 + x] + k2 * tmp[r2 + x] + k3 * tmp[r3 + x] + k4 * tmp[r4 + x]);
    }
  }
  return out;
}

/**
 * 7×7×C neighbourhoods around the given centres, normalised per channel over all of them (ProGAN's
 * finalize_descriptors, population std). Element order is ProGAN's minibatch.flat[idx]: channel, then COLUMN,
 * then row (its np.ogrid names the column offset y and indexes rows with it), so that the same directions give
 * the same projections.
 */
function descriptors(level: Float32Array, n: number, channels: number, res: number, centres: Int32Array, perImage: number): Float32Array {
  const count = centres.length / 2;
  const per = NHOOD * NHOOD;
  const dim = channels * per;
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const img = Math.floor(i / perImage);
    const cy = centres[2 * i] - HALF;
    const cx = centres[2 * i + 1] - HALF;
    for (let c = 0; c < channels; c++) {
      const plane = (img * channels + c) * res * res;
      const base = i * dim + c * per;
      for (let dy = 0; dy < NHOOD; dy++) {
        const row = plane + (cy + dy) * res + cx;
        for (let dx = 0; dx < NHOOD; dx++) out[base + dx * NHOOD + dy] = level[row + dx];
      }
    }
  }
  if (n * perImage !== count) throw new RangeError(`SWD plan has ${count} centres for ${n} images × ${perImage}`);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = 0; i < count; i++) for (let k = 0; k < per; k++) sum += out[i * dim + c * per + k];
    const mean = sum / (count * per);
    let sq = 0;
    for (let i = 0; i < count; i++) for (let k = 0; k < per; k++) sq += (out[i * dim + c * per + k] - mean) ** 2;
    const std = Math.sqrt(sq / (count * per));
    const inv = std > 0 ? 1 / std : 0;
    for (let i = 0; i < count; i++) for (let k = 0; k < per; k++) out[i * dim + c * per + k] = (out[i * dim + c * per + k] - mean) * inv;
  }
  return out;
}

/**
 * ProGAN's sliced_wasserstein(A, B): per repeat, project both descriptor sets on `projections` directions, sort
 * each projection, average |A_sorted − B_sorted|; then average the repeats.
 */
function swdOfDescriptors(a: Float32Array, b: Float32Array, dim: number, dirs: Float32Array, repeats: number, projections: number): number {
  const count = a.length / dim;
  const pa = new Float32Array(projections * count);
  const pb = new Float32Array(projections * count);
  const sorter = new FloatSorter(count);
  let total = 0;
  for (let r = 0; r < repeats; r++) {
    const d = dirs.subarray(r * projections * dim, (r + 1) * projections * dim);
    project(a, d, count, dim, projections, pa);
    project(b, d, count, dim, projections, pb);
    let sum = 0;
    for (let p = 0; p < projections; p++) {
      const sa = sorter.sort(pa.subarray(p * count, (p + 1) * count));
      const sb = sorter.sort(pb.subarray(p * count, (p + 1) * count));
      for (let i = 0; i < count; i++) sum += Math.abs(sa[i] - sb[i]);
    }
    total += sum / (projections * count);
  }
  return total / repeats;
}

/**
 * In-place ascending sort of finite float32 values: LSD radix sort on the IEEE bits mapped to unsigned order
 * (3 passes of 11 bits), about 3× faster than TypedArray.prototype.sort on the 10⁴-element columns SWD sorts.
 */
class FloatSorter {
  private readonly keys: Uint32Array;
  private readonly tmp: Uint32Array;
  private readonly counts = new Uint32Array(3 * 2048);
  constructor(n: number) {
    this.keys = new Uint32Array(n);
    this.tmp = new Uint32Array(n);
  }
  sort(x: Float32Array): Float32Array {
    const n = x.length;
    const bits = new Uint32Array(x.buffer, x.byteOffset, n);
    const { keys, tmp, counts } = this;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const b = bits[i];
      // negative: flip all bits (larger magnitude sorts first); positive: set the sign bit
      const k = (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
      keys[i] = k;
      counts[k & 2047]++;
      counts[2048 + ((k >>> 11) & 2047)]++;
      counts[4096 + (k >>> 22)]++;
    }
    for (let pass = 0; pass < 3; pass++) {
      let sum = 0;
      for (let j = pass * 2048; j < (pass + 1) * 2048; j++) {
        const c = counts[j];
        counts[j] = sum;
        sum += c;
      }
    }
    for (let i = 0; i < n; i++) { const k = keys[i]; tmp[counts[k & 2047]++] = k; }
    for (let i = 0; i < n; i++) { const k = tmp[i]; keys[counts[2048 + ((k >>> 11) & 2047)]++] = k; }
    for (let i = 0; i < n; i++) { const k = keys[i]; tmp[counts[4096 + (k >>> 22)]++] = k; }
    for (let i = 0; i < n; i++) { const k = tmp[i]; bits[i] = (k & 0x80000000 ? k & 0x7fffffff : ~k) >>> 0; }
    return x;
  }
}

/** out[p·count + i] = ⟨x_i, dir_p⟩, in 4×4 register blocks (the hot loop of SWD). */
function project(x: Float32Array, dirs: Float32Array, count: number, dim: number, projections: number, out: Float32Array): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const x0 = i * dim, x1 = x0 + dim, x2 = x1 + dim, x3 = x2 + dim;
    let p = 0;
    for (; p + 4 <= projections; p += 4) {
      const d0 = p * dim, d1 = d0 + dim, d2 = d1 + dim, d3 = d2 + dim;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < dim; k++) {
        const a0 = x[x0 + k], a1 = x[x1 + k], a2 = x[x2 + k], a3 = x[x3 + k];
        const e0 = dirs[d0 + k], e1 = dirs[d1 + k], e2 = dirs[d2 + k], e3 = dirs[d3 + k];
        s00 += a0 * e0; s01 += a0 * e1; s02 += a0 * e2; s03 += a0 * e3;
        s10 += a1 * e0; s11 += a1 * e1; s12 += a1 * e2; s13 += a1 * e3;
        s20 += a2 * e0; s21 += a2 * e1; s22 += a2 * e2; s23 += a2 * e3;
        s30 += a3 * e0; s31 += a3 * e1; s32 += a3 * e2; s33 += a3 * e3;
      }
      out[p * count + i] = s00; out[p * count + i + 1] = s10; out[p * count + i + 2] = s20; out[p * count + i + 3] = s30;
      out[(p + 1) * count + i] = s01; out[(p + 1) * count + i + 1] = s11; out[(p + 1) * count + i + 2] = s21; out[(p + 1) * count + i + 3] = s31;
      out[(p + 2) * count + i] = s02; out[(p + 2) * count + i + 1] = s12; out[(p + 2) * count + i + 2] = s22; out[(p + 2) * count + i + 3] = s32;
      out[(p + 3) * count + i] = s03; out[(p + 3) * count + i + 1] = s13; out[(p + 3) * count + i + 2] = s23; out[(p + 3) * count + i + 3] = s33;
    }
    for (; p < projections; p++) for (let r = 0; r < 4; r++) out[p * count + i + r] = dot(x, (i + r) * dim, dirs, p * dim, dim);
  }
  for (; i < count; i++) for (let p = 0; p < projections; p++) out[p * count + i] = dot(x, i * dim, dirs, p * dim, dim);
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/** sfc32 seeded through splitmix32: small, fast, and the same sequence on every platform. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** Box–Muller; 1 − u keeps the logarithm finite. */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
