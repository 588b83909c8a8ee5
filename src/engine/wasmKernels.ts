/**
 * Training kernels for tfjs-backend-wasm 4.22, which ships no Conv2DBackpropFilter (so no convolution can be
 * trained) and a Conv2DBackpropInput that is a scalar loop (the transposed convolution of every generator layer).
 *
 * Both are rebuilt on the wasm backend's own XNNPACK kernels (Conv2D, BatchMatMul), which run at ~14 GMAC/s on one
 * core with SIMD. What is left around them is data movement, done here in JS on the wasm heap: the backend's own
 * StridedSlice, Gather, Reverse, DepthToSpace and rank-5+ Transpose build an index vector per element (10–40 ns an
 * element), a JS copy loop takes 1.5–4 ns, a memmove of a run of channels less.
 *
 * A few shipped kernels that a training step leans on get a faster path for its cases (Identity, LeakyRelu,
 * Greater, Sum/Mean over N, H, W) and Conv2D a fix (its 'same' padding with a stride larger than the kernel).
 *
 * The kernels call other kernels directly, as tfjs's own kernels do: outside the engine, nothing is taped or
 * tracked, so every intermediate is disposed here.
 */
import type { DataId, KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from './types';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode: Rounding;
}

/** The parts of tfjs-backend-wasm's BackendWasm used here: tensors on the wasm heap, read and written in place. */
interface WasmBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32' | 'bool'): TensorInfo;
  /** Float32Array for float32 tensors, Uint8Array for bool */
  typedArrayFromHeap(t: TensorInfo): Float32Array | Uint8Array;
}

class Calls {
  private temps: TensorInfo[] = [];
  constructor(private readonly tf: TF, readonly backend: WasmBackend) {}

  run(name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = this.tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`the wasm backend has no ${name} kernel: is @tensorflow/tfjs-backend-wasm 4.22 loaded?`);
    const out = kernel.kernelFunc({ inputs: inputs as Record<string, TensorInfo>, attrs, backend: this.backend }) as TensorInfo;
    this.temps.push(out);
    return out;
  }
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
  /** a new float32 tensor on the wasm heap, disposed with the other intermediates; garbage until written */
  output(shape: number[]): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }
  /** a view of `t` on the wasm heap, valid until the next allocation (which may grow, and so detach, the heap) */
  heap(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }
  /** x[begin : begin + size] per axis, zero where that window passes x's edges (begin may be negative) */
  window(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    const shape = x.shape;
    if (begin.every((b, i) => b === 0 && size[i] === shape[i])) return x;
    const inBegin = begin.map((b) => Math.max(0, b));
    const inEnd = begin.map((b, i) => Math.min(shape[i], b + size[i]));
    let y = x;
    if (inBegin.some((b, i) => b !== 0 || inEnd[i] !== shape[i])) {
      y = this.run('Slice', { x: y }, { begin: inBegin, size: inEnd.map((e, i) => e - inBegin[i]) });
    }
    const before = inBegin.map((b, i) => b - begin[i]);
    const after = inEnd.map((e, i) => begin[i] + size[i] - e);
    if (before.some((p) => p > 0) || after.some((p) => p > 0)) {
      y = this.run('PadV2', { x: y }, { paddings: before.map((p, i) => [p, after[i]]), constantValue: 0 });
    }
    return y;
  }
  /** disposes these intermediates now rather than at the end */
  release(...ts: TensorInfo[]): void {
    for (const t of ts) {
      const i = this.temps.indexOf(t);
      if (i < 0) continue;
      this.temps.splice(i, 1);
      this.backend.disposeData(t.dataId);
    }
  }
  /** disposes every intermediate but `result` */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== result) this.backend.disposeData(t.dataId);
    this.temps = [];
    return result;
  }
  fail(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps = [];
  }
}

function withCalls(tf: TF, backend: KernelBackend, f: (c: Calls) => TensorInfo): TensorInfo {
  const c = new Calls(tf, backend as WasmBackend);
  try {
    return c.finish(f(c));
  } catch (e) {
    c.fail();
    throw e;
  }
}

/** The forward convolution x [n,h,w,ci] * W [kh,kw,ci,co] → y [n,oh,ow,co] whose gradients are taken. */
interface ConvGeometry {
  n: number; h: number; w: number; ci: number; co: number;
  kh: number; kw: number; sh: number; sw: number;
  oh: number; ow: number; top: number; left: number;
}

function geometry(tf: TF, xShape: Shape4, filterShape: Shape4, a: ConvAttrs): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
  return {
    n: info.batchSize, h: info.inHeight, w: info.inWidth, ci: info.inChannels, co: info.outChannels,
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    oh: info.outHeight, ow: info.outWidth, top: info.padInfo.top, left: info.padInfo.left,
  };
}

/** dy cut or zero-padded to the forward convolution's output size, which is all the cpu backend reads of it */
function fitted(c: Calls, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  return c.window(dy, [0, 0, 0, 0], [g.n, g.oh, g.ow, g.co]);
}

const toNHWC = [0, 2, 3, 1];
const toNCHW = [0, 3, 1, 2];

// ---------------------------------------------------------------------------------------------------------------
// Conv2DBackpropFilter

/**
 * For each filter tap (kh, kw) and output position m = (n, oh, ow): where in x (NHWC, channel 0) that tap reads,
 * or −1 in the padding. Computed once per geometry (a training run has a handful), and kept up to 16M entries.
 */
class Im2colPlans {
  private readonly plans = new Map<string, Int32Array>();
  private size = 0;

  get(g: ConvGeometry): Int32Array {
    const key = [g.n, g.h, g.w, g.ci, g.kh, g.kw, g.sh, g.sw, g.oh, g.ow, g.top, g.left].join(' ');
    let plan = this.plans.get(key);
    if (plan) return plan;
    const { n, h, w, ci, kh, kw, sh, sw, oh, ow, top, left } = g;
    plan = new Int32Array(kh * kw * n * oh * ow);
    let p = 0;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < oh; r++) {
            const ih = r * sh + i - top;
            for (let q = 0; q < ow; q++) {
              const iw = q * sw + j - left;
              plan[p++] = ih < 0 || ih >= h || iw < 0 || iw >= w ? -1 : ((b * h + ih) * w + iw) * ci;
            }
          }
        }
      }
    }
    const budget = 1 << 24;
    for (const [k, old] of this.plans) {
      if (this.size + plan.length <= budget) break;
      this.plans.delete(k);
      this.size -= old.length;
    }
    if (this.size + plan.length <= budget) {
      this.plans.set(key, plan);
      this.size += plan.length;
    }
    return plan;
  }
}

/**
 * cols[(kh,kw,ci), m] = x[n, oh·sh + kh − top, ow·sw + kw − left, ci] for m = (n, oh, ow), 0 outside x, of the
 * g.n images from float `from` of x: im2col,
 * transposed so the matmul below needs no transpose. The taps of the first sh filter rows are gathered, 128
 * positions at a time so the strided reads of x stay in L1; a tap sh rows further down reads what the tap above it
 * reads one output row later, so its rows are a copy (memmove), but for each image's last output row.
 */
function im2colT(c: Calls, x: TensorInfo, from: number, g: ConvGeometry, plan: Int32Array): TensorInfo {
  const { n, kh, kw, ci, sh, oh, ow } = g;
  const m = n * oh * ow;
  const taps = kh * kw;
  const out = c.output([taps * ci, m]);
  const src = c.heap(x).subarray(from);
  const dst = c.heap(out);
  const gather = (t: number, k: number, p0: number, p1: number) => {
    let o = (t * ci + k) * m + p0;
    for (let p = t * m + p0; p < t * m + p1; p++) {
      const s = plan[p];
      dst[o++] = s < 0 ? 0 : src[s + k];
    }
  };
  const direct = Math.min(kh, sh) * kw;
  for (let p0 = 0; p0 < m; p0 += 128) {
    const p1 = Math.min(m, p0 + 128);
    for (let t = 0; t < direct; t++) for (let k = 0; k < ci; k++) gather(t, k, p0, p1);
  }
  const heap = new Float32Array(dst.buffer);
  const base = dst.byteOffset >> 2;
  const image = oh * ow;
  for (let t = direct; t < taps; t++) {
    const above = t - sh * kw;
    for (let k = 0; k < ci; k++) {
      const to = base + (t * ci + k) * m;
      const from = base + (above * ci + k) * m;
      for (let b = 0; b < n; b++) {
        heap.copyWithin(to + b * image, from + b * image + ow, from + (b + 1) * image);
        gather(t, k, (b + 1) * image - ow, (b + 1) * image);
      }
    }
  }
  return out;
}

/** the most im2col columns one matmul takes: bounds the memory a large batch needs (32 MB) */
const COLS_BUDGET = 1 << 23;

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh + kh − top, ow·sw + kw − left, ci] · dy[n,oh,ow,co]: matmuls of the
 * transposed im2col with dy, a few images at a time. dy is the right operand because XNNPACK repacks that one on
 * every call (5 ns an element), and dy is the smaller.
 */
function filterGrad(c: Calls, x: TensorInfo, dy: TensorInfo, g: ConvGeometry, plans: Im2colPlans): TensorInfo {
  const k = g.kh * g.kw * g.ci;
  const perImage = g.oh * g.ow;
  const chunk = Math.max(1, Math.min(g.n, Math.floor(COLS_BUDGET / (k * perImage))));
  let dw: TensorInfo | null = null;
  for (let b0 = 0; b0 < g.n; b0 += chunk) {
    const part = { ...g, n: Math.min(chunk, g.n - b0) };
    const m = part.n * perImage;
    const cols = im2colT(c, x, b0 * g.h * g.w * g.ci, part, plans.get(part));
    const dyPart = part.n === g.n ? dy : c.run('Slice', { x: dy }, { begin: [b0, 0, 0, 0], size: [part.n, g.oh, g.ow, g.co] });
    const a = c.reshape(cols, [1, k, m]);
    const b = c.reshape(dyPart, [1, m, g.co]);
    const product = c.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    c.release(a, b, cols, ...(dyPart === dy ? [] : [dyPart]));
    if (dw) {
      const sum = c.run('Add', { a: dw, b: product });
      c.release(dw, product);
      dw = sum;
    } else {
      dw = product;
    }
  }
  return c.reshape(dw!, [g.kh, g.kw, g.ci, g.co]);
}

// ---------------------------------------------------------------------------------------------------------------
// Conv2DBackpropInput (dx of a convolution; the forward pass of a transposed convolution)
//
// By output phase: for dx row h with h + top = q·sh + r, only filter rows kh ≡ r (mod sh) contribute, each from dy
// row q − t where kh = r + sh·t. So the rows of one phase are a stride-1 convolution of dy with the flipped filter
// rows r, r + sh, … — no multiplications by the zeros a dilate-then-convolve formulation inserts.

/** dx rows (or columns) of phase r: h = first + s·i for i < count; row i reads dy rows q0 + i − t for t < taps */
interface Phase { r: number; first: number; count: number; q0: number; taps: number }

function phasesOf(size: number, k: number, s: number, pad: number): Phase[] {
  const out: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const first = (((r - pad) % s) + s) % s;
    out.push({
      r, first,
      count: first < size ? Math.ceil((size - first) / s) : 0,
      q0: (first + pad - r) / s,
      taps: r < k ? Math.ceil((k - r) / s) : 0,
    });
  }
  return out;
}

/**
 * Stride-1 convolution of dy [n, oh, ow, co] producing `rows`×`cols` outputs, output (i, j) reading dy rows
 * q0y + i − (th − 1) … q0y + i (and likewise columns): XNNPACK's own padding where the window passes dy's edges.
 */
function phaseConv(c: Calls, dy: TensorInfo, f: TensorInfo, g: ConvGeometry, q0y: number, rows: number, q0x: number, cols: number): TensorInfo {
  const [th, tw] = f.shape;
  const top = th - 1 - q0y;
  const left = tw - 1 - q0x;
  const bottom = q0y + rows - g.oh;
  const right = q0x + cols - g.ow;
  if (Math.min(top, left, bottom, right) >= 0) {
    return c.run('Conv2D', { x: dy, filter: f },
      { strides: 1, pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: 1 });
  }
  const x = c.window(dy, [0, -top, -left, 0], [g.n, rows + th - 1, cols + tw - 1, g.co]);
  return c.run('Conv2D', { x, filter: f }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 });
}

/**
 * F[u, v, co, (phase, ci)] = W[ry + sh·(ty − 1 − u), rx + sw·(tx − 1 − v), ci, co] for each phase (ry, rx) listed,
 * 0 where that tap is past the filter's edge: per tap a [ci, co] → [co, ci] transpose, in 16-wide tiles of co.
 */
function flippedFilter(W: Float32Array, F: Float32Array, g: ConvGeometry, ty: number, tx: number, phases: [number, number][]): void {
  const { kh, kw, ci, co, sh, sw } = g;
  const rowLen = phases.length * ci;
  for (let u = 0; u < ty; u++) {
    for (let v = 0; v < tx; v++) {
      const tapBase = (u * tx + v) * co * rowLen;
      phases.forEach(([ry, rx], ph) => {
        const i = ry + sh * (ty - 1 - u);
        const j = rx + sw * (tx - 1 - v);
        const out = tapBase + ph * ci;
        if (i >= kh || j >= kw) {
          for (let oc = 0; oc < co; oc++) F.fill(0, out + oc * rowLen, out + oc * rowLen + ci);
          return;
        }
        const from = (i * kw + j) * ci * co;
        for (let oc0 = 0; oc0 < co; oc0 += 16) {
          const oc1 = Math.min(co, oc0 + 16);
          for (let k = 0; k < ci; k++) {
            let s = from + k * co + oc0;
            for (let oc = oc0; oc < oc1; oc++) F[out + oc * rowLen + k] = W[s++];
          }
        }
      });
    }
  }
}

/** Copies runs of floats between tensors on one wasm heap: memmove for long runs, a loop for short ones. */
function runCopier(dst: Float32Array, src: Float32Array, len: number): (o: number, s: number) => void {
  if (len < 16) {
    return (o, s) => {
      for (let k = 0; k < len; k++) dst[o + k] = src[s + k];
    };
  }
  const heap = new Float32Array(dst.buffer);
  const d = dst.byteOffset >> 2;
  const from = src.byteOffset >> 2;
  return (o, s) => heap.copyWithin(d + o, from + s, from + s + len);
}

/**
 * The flipped filters one dx call needs, kept while the filter they came from lives: a training step takes dx
 * through each filter more than once (G's forward runs twice, D's real and fake passes share a filter), and
 * XNNPACK keeps its packed weights for as long as the tensor it packed lives, which saves repacking them (12 ns an
 * element, the cost of a small layer's whole convolution).
 */
class FlippedFilters {
  private readonly byFilter = new Map<DataId, Map<string, TensorInfo[]>>();
  constructor(private readonly backend: WasmBackend) {}

  get(filter: TensorInfo, key: string, make: (alloc: (shape: number[]) => TensorInfo) => void): TensorInfo[] {
    this.sweep();
    let byKey = this.byFilter.get(filter.dataId);
    if (!byKey) this.byFilter.set(filter.dataId, (byKey = new Map()));
    let made = byKey.get(key);
    if (!made) {
      const fs: TensorInfo[] = [];
      make((shape) => {
        const t = this.backend.makeOutput(shape, 'float32');
        fs.push(t);
        return t;
      });
      byKey.set(key, (made = fs));
    }
    return made;
  }
  /** drops the filters derived from tensors that have been disposed since */
  private sweep(): void {
    for (const [dataId, byKey] of this.byFilter) {
      if (this.backend.refCount(dataId) > 0) continue;
      for (const fs of byKey.values()) for (const f of fs) this.backend.disposeData(f.dataId);
      this.byFilter.delete(dataId);
    }
  }
}

function inputGrad(c: Calls, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, cache: FlippedFilters): TensorInfo {
  const { n, h, w, ci, co, kh, kw, sh, sw, top, left } = g;
  if (g.oh === 1 && g.ow === 1) {
    // dx[n, kh − top, kw − left, ci] = Σ_co dy[n,co]·W[kh,kw,ci,co]: dxᵀ = W [kh·kw·ci, co] @ dyᵀ, so that XNNPACK
    // packs the small dyᵀ rather than the filter.
    const k = kh * kw * ci;
    const dyT = c.transpose(c.reshape(dy, [n, co]), [1, 0]);
    const dxT = c.run('BatchMatMul', { a: c.reshape(filter, [1, k, co]), b: c.reshape(dyT, [1, co, n]) },
      { transposeA: false, transposeB: false });
    const full = c.reshape(c.transpose(c.reshape(dxT, [k, n]), [1, 0]), [n, kh, kw, ci]);
    return c.window(full, [0, top, left, 0], [n, h, w, ci]);
  }
  const rows = phasesOf(h, kh, sh, top);
  const cols = phasesOf(w, kw, sw, left);
  const ty = Math.ceil(kh / sh);
  const tx = Math.ceil(kw / sw);
  const qy = Math.floor((h - 1 + top) / sh) - Math.floor(top / sh) + 1;
  const qx = Math.floor((w - 1 + left) / sw) - Math.floor(left / sw) + 1;
  // All phases as one convolution (output channels (phase, ci)) computes qy·qx·sh·sw rows of dx where h·w are
  // needed: on small maps (8×8 from 4×4: 25 for 16) one convolution per phase, each exactly its rows, is faster
  // despite the smaller matmuls; on large ones the single wide convolution is.
  if (sh * sw > 1 && qy * qx * sh * sw > 1.1 * h * w) return inputGradByPhase(c, dy, filter, g, rows, cols, cache);

  const phases: [number, number][] = [];
  for (let ry = 0; ry < sh; ry++) for (let rx = 0; rx < sw; rx++) phases.push([ry, rx]);
  const [f] = cache.get(filter, `${filter.shape} all ${sh}x${sw}`, (alloc) => {
    const t = alloc([ty, tx, co, phases.length * ci]);
    flippedFilter(c.heap(filter), c.heap(t), g, ty, tx, phases);
  });
  const qMin = Math.floor(top / sh);
  const pMin = Math.floor(left / sw);
  const z = phaseConv(c, dy, f, g, qMin, qy, pMin, qx);
  // dx[n, y, x, ci] = Z[n, (y + top)/sh − qMin, (x + left)/sw − pMin, ((y + top) % sh, (x + left) % sw, ci)]
  const dx = c.output([n, h, w, ci]);
  const src = c.heap(z);
  const dst = c.heap(dx);
  const zc = phases.length * ci;
  const copy = runCopier(dst, src, ci);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const zRow = (b * qy + Math.floor((y + top) / sh) - qMin) * qx;
      const ry = (y + top) % sh;
      for (let x = 0; x < w; x++, o += ci) {
        copy(o, (zRow + Math.floor((x + left) / sw) - pMin) * zc + (ry * sw + ((x + left) % sw)) * ci);
      }
    }
  }
  return dx;
}

function inputGradByPhase(c: Calls, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, rows: Phase[], cols: Phase[], cache: FlippedFilters): TensorInfo {
  const { n, h, w, ci, co, sh, sw } = g;
  const live = rows.flatMap((y) => cols.map((x) => ({ y, x }))).filter(({ y, x }) => y.count > 0 && x.count > 0);
  const convolved = live.filter(({ y, x }) => y.taps > 0 && x.taps > 0);
  const key = `${filter.shape} each ${sh}x${sw}: ${convolved.map(({ y, x }) => `${y.r},${x.r}`).join(' ')}`;
  const fs = cache.get(filter, key, (alloc) => {
    for (const { y, x } of convolved) {
      const t = alloc([y.taps, x.taps, co, ci]);
      flippedFilter(c.heap(filter), c.heap(t), g, y.taps, x.taps, [[y.r, x.r]]);
    }
  });
  const zs = convolved.map(({ y, x }, i) => phaseConv(c, dy, fs[i], g, y.q0, y.count, x.q0, x.count));
  const dx = c.output([n, h, w, ci]);
  const dst = c.heap(dx);
  // a phase with no filter taps (a kernel smaller than its stride) leaves its rows 0
  if (convolved.length < live.length) dst.fill(0);
  convolved.forEach(({ y, x }, i) => {
    const copy = runCopier(dst, c.heap(zs[i]), ci);
    let s = 0;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < y.count; r++) {
        let o = ((b * h + y.first + r * sh) * w + x.first) * ci;
        for (let q = 0; q < x.count; q++, o += sw * ci, s += ci) copy(o, s);
      }
    }
  });
  return dx;
}

// ---------------------------------------------------------------------------------------------------------------
// leakyRelu's forward, and the Greater of its backward (where(x > 0, dy, α·dy)): wasm's LeakyRelu and Greater take
// ~5 ns an element, these branch-free JS loops ~3. Only float32 (and for Greater, same-shape or scalar) cases are
// served here; the shipped kernels get the rest. (wasm's Select is already as fast as a JS loop.)

type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];
/** a kernel's fast path: its result, or null to leave the call to the shipped kernel (which it may also call) */
type FastPath = (args: KernelArgs, shipped: KernelConfig['kernelFunc']) => TensorInfo | null;

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

const leakyRelu: FastPath = ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype !== 'float32') return null;
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput(x.shape, 'float32');
  const src = wasm.typedArrayFromHeap(x);
  const dst = wasm.typedArrayFromHeap(out);
  // wasm multiplies by α in float32: the float64 product of two float32 values rounds to the same float32
  const factor = new Float64Array([1, Math.fround((attrs as { alpha: number }).alpha)]);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    dst[i] = v * factor[+(v < 0)];
  }
  return out;
};

/** Greater of a float32 tensor and a scalar or a tensor of its shape */
const greater: FastPath = ({ inputs, backend }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const scalar = b.shape.every((d) => d === 1) && b.shape.length <= a.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !(scalar || sameShape(a.shape, b.shape))) return null;
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput(a.shape, 'bool');
  const x = wasm.typedArrayFromHeap(a);
  const y = wasm.typedArrayFromHeap(b);
  const dst = wasm.typedArrayFromHeap(out);
  if (scalar) {
    const v = y[0];
    for (let i = 0; i < x.length; i++) dst[i] = +(x[i] > v);
  } else {
    for (let i = 0; i < x.length; i++) dst[i] = +(x[i] > y[i]);
  }
  return out;
};

/**
 * Sum/Mean of an NHWC float32 tensor over [1, 2] or [0, 1, 2] (batch norm's statistics, and the gradients of its
 * broadcasts): wasm's Sum/Mean transpose the reduced axes innermost first (2–3 ns an element); XNNPACK's average
 * pooling over the whole H×W, then the few [N, C] values in JS, takes ~0.3 ns, and rounds less (its partial sums
 * are shorter than one float32 running sum).
 */
function spatialReduction(tf: TF, kind: 'sum' | 'mean'): FastPath {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32' || x.shape.length !== 4) return null;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q).join();
    if (axes !== '1,2' && axes !== '0,1,2') return null;
    const [n, h, w, ch] = x.shape;
    if (h * w === 1 || n * h * w * ch === 0) return null;
    return withCalls(tf, backend as KernelBackend, (c) => {
      const pooled = c.run('AvgPool', { x }, { filterSize: [h, w], strides: 1, pad: 'valid' });
      const overBatch = axes === '0,1,2';
      const out = c.output(keepDims ? [overBatch ? 1 : n, 1, 1, ch] : overBatch ? [ch] : [n, ch]);
      const src = c.heap(pooled);
      const dst = c.heap(out);
      if (!overBatch) {
        const scale = kind === 'sum' ? h * w : 1;
        for (let i = 0; i < n * ch; i++) dst[i] = src[i] * scale;
      } else {
        const scale = kind === 'sum' ? h * w : 1 / n;
        for (let k = 0; k < ch; k++) {
          let acc = 0;
          for (let b = 0; b < n; b++) acc += src[b * ch + k];
          dst[k] = acc * scale;
        }
      }
      return out;
    });
  };
}

/**
 * Conv2D with 'same' padding where the stride leaves input rows or columns unread (kernel 2, stride 3): wasm hands
 * XNNPACK its TensorFlow-SAME mode, whose total padding (out − 1)·s + k − in is then negative, and the output
 * comes back all zeros. The same convolution with that padding spelled out (clamped at 0, as tfjs computes it)
 * is right.
 */
function sameAsExplicitPadding(tf: TF): FastPath {
  return ({ inputs, attrs, backend }, shipped) => {
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { dilations: number | [number, number] };
    if (a.pad !== 'same' || a.dataFormat === 'NCHW') return null;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, a.strides, a.dilations, 'same', a.dimRoundingMode);
    const short = (out: number, s: number, k: number, d: number, size: number) => (out - 1) * s + (k - 1) * d + 1 < size;
    if (!short(info.outHeight, info.strideHeight, info.filterHeight, info.dilationHeight, info.inHeight)
      && !short(info.outWidth, info.strideWidth, info.filterWidth, info.dilationWidth, info.inWidth)) return null;
    const { top, bottom, left, right } = info.padInfo;
    const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
    return shipped({ inputs, backend, attrs: { ...attrs, pad } }) as TensorInfo;
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** marks the kernel configs registered here, so that a second call leaves them in place */
const OURS = 'dcganLabTraining';

/**
 * Registers, for the 'wasm' backend, the kernels a DCGAN training step needs that tfjs-backend-wasm 4.22 lacks
 * (Conv2DBackpropFilter) or ships as a scalar loop (Conv2DBackpropInput, replaced); an Identity that shares data
 * instead of copying it; faster paths for LeakyRelu, Greater, and Sum/Mean over N, H, W; and a fix for Conv2D with
 * 'same' padding and a stride larger than the kernel (the shipped kernels keep all other cases of those five).
 * Call it after `@tensorflow/tfjs-backend-wasm` is loaded, before or after the backend is initialized; calling it
 * again changes nothing. Returns the names of the kernels served here.
 */
export function registerWasmTrainingKernels(tf: TF): string[] {
  const plans = new Im2colPlans();
  const caches = new WeakMap<KernelBackend, FlippedFilters>();
  const cacheFor = (backend: KernelBackend): FlippedFilters => {
    let cache = caches.get(backend);
    if (!cache) caches.set(backend, (cache = new FlippedFilters(backend as WasmBackend)));
    return cache;
  };
  const kernels: KernelConfig[] = [
    {
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
        const a = attrs as unknown as ConvAttrs & { filterShape: Shape4 };
        return withCalls(tf, backend as KernelBackend, (c) => {
          const nchw = a.dataFormat === 'NCHW';
          const xs = nchw ? c.transpose(x, toNHWC) : x;
          const dys = nchw ? c.transpose(dy, toNHWC) : dy;
          const g = geometry(tf, xs.shape as Shape4, a.filterShape, a);
          return filterGrad(c, xs, fitted(c, dys, g), g, plans);
        });
      },
    },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
        const a = attrs as unknown as ConvAttrs & { inputShape: Shape4 };
        return withCalls(tf, backend as KernelBackend, (c) => {
          const nchw = a.dataFormat === 'NCHW';
          const s = a.inputShape;
          const g = geometry(tf, nchw ? [s[0], s[2], s[3], s[1]] : s, filter.shape as Shape4, a);
          const dx = inputGrad(c, fitted(c, nchw ? c.transpose(dy, toNHWC) : dy, g), filter, g, cacheFor(backend as KernelBackend));
          return nchw ? c.transpose(dx, toNCHW) : dx;
        });
      },
    },
    {
      // Shares the input's data, as the cpu backend's Identity does; wasm's copies it, and gradients clone a lot.
      kernelName: 'Identity',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const { x } = inputs as { x: TensorInfo };
        (backend as KernelBackend).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    },
  ];
  const fastPaths: [string, FastPath][] = [
    ['LeakyRelu', leakyRelu],
    ['Greater', greater],
    ['Sum', spatialReduction(tf, 'sum')],
    ['Mean', spatialReduction(tf, 'mean')],
    ['Conv2D', sameAsExplicitPadding(tf)],
  ];
  const current = (name: string) => tf.getKernel(name, 'wasm') as (KernelConfig & { [OURS]?: true }) | undefined;
  const install = (config: KernelConfig) => {
    if (current(config.kernelName)) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, [OURS]: true } as KernelConfig);
  };
  for (const config of kernels) if (!current(config.kernelName)?.[OURS]) install(config);
  const served = kernels.map((k) => k.kernelName);
  for (const [name, fast] of fastPaths) {
    const shipped = current(name);
    if (!shipped) continue;
    served.push(name);
    if (shipped[OURS]) continue;
    install({
      kernelName: name,
      backendName: 'wasm',
      // the shipped kernel binds its wasm function in setupFunc, when the backend initializes
      setupFunc: shipped.setupFunc,
      disposeFunc: shipped.disposeFunc,
      kernelFunc: (args) => fast(args, shipped.kernelFunc) ?? shipped.kernelFunc(args),
    });
  }
  return served;
}
