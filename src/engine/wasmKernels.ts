/**
 * Training kernels for tfjs-backend-wasm 4.22, which ships no Conv2DBackpropFilter (so no convolution can be
 * trained) and a Conv2DBackpropInput that is a scalar loop (the transposed convolution of every generator layer).
 *
 * Both are rebuilt on the wasm backend's own XNNPACK kernels (Conv2D, BatchMatMul), which run at ~14 GMAC/s on one
 * core with SIMD. What is left around them is data movement, done here in JS on the wasm heap: the backend's own
 * StridedSlice, Gather, Reverse, DepthToSpace and rank-5+ Transpose build an index vector per element (10–40 ns an
 * element), a JS copy loop takes 1.5–4 ns.
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
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
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
    return this.backend.typedArrayFromHeap(t);
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

const toNHWC = [0, 2, 3, 1];
const toNCHW = [0, 3, 1, 2];

// ---------------------------------------------------------------------------------------------------------------
// Conv2DBackpropFilter

/**
 * cols[(kh,kw,ci), (n,oh,ow)] = x[n, oh·sh + kh − top, ow·sw + kw − left, ci], 0 outside x: im2col, transposed so
 * the matmul below needs no transpose. A few rows of dy at a time, so the strided reads of x stay in cache.
 */
function im2colT(c: Calls, x: TensorInfo, g: ConvGeometry): TensorInfo {
  const { n, h, w, ci, kh, kw, sh, sw, oh, ow, top, left } = g;
  const m = n * oh * ow;
  const out = c.output([kh * kw * ci, m]);
  const src = c.heap(x);
  const dst = c.heap(out);
  const rowsPerBlock = Math.max(1, Math.floor(128 / ow));
  const step = sw * ci;
  for (let b = 0; b < n; b++) {
    for (let r0 = 0; r0 < oh; r0 += rowsPerBlock) {
      const r1 = Math.min(oh, r0 + rowsPerBlock);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          // the output columns whose input column q·sw + j − left lies inside x
          const q0 = Math.min(ow, Math.max(0, Math.ceil((left - j) / sw)));
          const q1 = Math.max(q0, Math.min(ow, Math.floor((w - 1 + left - j) / sw) + 1));
          for (let k = 0; k < ci; k++) {
            let o = ((i * kw + j) * ci + k) * m + (b * oh + r0) * ow;
            for (let r = r0; r < r1; r++) {
              const ih = r * sh + i - top;
              if (ih < 0 || ih >= h) {
                dst.fill(0, o, o + ow);
                o += ow;
                continue;
              }
              let q = 0;
              for (; q < q0; q++) dst[o++] = 0;
              let s = ((b * h + ih) * w + q0 * sw + j - left) * ci + k;
              for (; q < q1; q++, s += step) dst[o++] = src[s];
              for (; q < ow; q++) dst[o++] = 0;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh + kh − top, ow·sw + kw − left, ci] · dy[n,oh,ow,co]: one matmul of the
 * transposed im2col with dy. dy is the right operand because XNNPACK repacks that one on every call (5 ns an
 * element), and dy is the smaller.
 */
function filterGrad(c: Calls, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const m = g.n * g.oh * g.ow;
  const k = g.kh * g.kw * g.ci;
  const cols = im2colT(c, x, g);
  const dw = c.run('BatchMatMul', { a: c.reshape(cols, [1, k, m]), b: c.reshape(dy, [1, m, g.co]) },
    { transposeA: false, transposeB: false });
  return c.reshape(dw, [g.kh, g.kw, g.ci, g.co]);
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
 * 0 where that tap is past the filter's edge.
 */
function flippedFilter(W: Float32Array, F: Float32Array, g: ConvGeometry, ty: number, tx: number, phases: [number, number][]): void {
  const { kh, kw, ci, co, sh, sw } = g;
  let o = 0;
  for (let u = 0; u < ty; u++) {
    for (let v = 0; v < tx; v++) {
      for (let oc = 0; oc < co; oc++) {
        for (const [ry, rx] of phases) {
          const i = ry + sh * (ty - 1 - u);
          const j = rx + sw * (tx - 1 - v);
          if (i >= kh || j >= kw) {
            F.fill(0, o, o + ci);
            o += ci;
            continue;
          }
          let s = (i * kw + j) * ci * co + oc;
          for (let k = 0; k < ci; k++, s += co) F[o++] = W[s];
        }
      }
    }
  }
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
  const [f] = cache.get(filter, `all ${sh}x${sw}`, (alloc) => {
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
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const zRow = (b * qy + Math.floor((y + top) / sh) - qMin) * qx;
      const ry = (y + top) % sh;
      for (let x = 0; x < w; x++) {
        let s = (zRow + Math.floor((x + left) / sw) - pMin) * zc + (ry * sw + ((x + left) % sw)) * ci;
        for (let k = 0; k < ci; k++) dst[o++] = src[s++];
      }
    }
  }
  return dx;
}

function inputGradByPhase(c: Calls, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, rows: Phase[], cols: Phase[], cache: FlippedFilters): TensorInfo {
  const { n, h, w, ci, co, sh, sw } = g;
  const live = rows.flatMap((y) => cols.map((x) => ({ y, x }))).filter(({ y, x }) => y.count > 0 && x.count > 0);
  const convolved = live.filter(({ y, x }) => y.taps > 0 && x.taps > 0);
  const key = `each ${sh}x${sw}: ${convolved.map(({ y, x }) => `${y.r},${x.r}`).join(' ')}`;
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
    const src = c.heap(zs[i]);
    const gap = (sw - 1) * ci;
    let s = 0;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < y.count; r++) {
        let o = ((b * h + y.first + r * sh) * w + x.first) * ci;
        for (let q = 0; q < x.count; q++, o += gap) {
          for (let k = 0; k < ci; k++) dst[o++] = src[s++];
        }
      }
    }
  });
  return dx;
}

// ---------------------------------------------------------------------------------------------------------------

/** marks the kernel configs registered here, so that a second call leaves them in place */
const OURS = 'dcganLabTraining';

/**
 * Registers, for the 'wasm' backend, the kernels a DCGAN training step needs that tfjs-backend-wasm 4.22 lacks
 * (Conv2DBackpropFilter) or ships as a scalar loop (Conv2DBackpropInput, replaced). Call it after
 * `@tensorflow/tfjs-backend-wasm` is imported; it may be called again. Returns the kernel names served here.
 */
export function registerWasmTrainingKernels(tf: TF): string[] {
  const caches = new WeakMap<KernelBackend, FlippedFilters>();
  const cacheFor = (backend: KernelBackend): FlippedFilters => {
    let cache = caches.get(backend);
    if (!cache) caches.set(backend, (cache = new FlippedFilters(backend as WasmBackend)));
    return cache;
  };
  const configs: KernelConfig[] = [
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
          return filterGrad(c, xs, dys, geometry(tf, xs.shape as Shape4, a.filterShape, a));
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
          const dx = inputGrad(c, nchw ? c.transpose(dy, toNHWC) : dy, filter, g, cacheFor(backend as KernelBackend));
          return nchw ? c.transpose(dx, toNCHW) : dx;
        });
      },
    },
  ];
  for (const config of configs) {
    const current = tf.getKernel(config.kernelName, 'wasm') as (KernelConfig & { [OURS]?: true }) | undefined;
    if (current?.[OURS]) continue;
    if (current) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, [OURS]: true } as KernelConfig);
  }
  return configs.map((k) => k.kernelName);
}
