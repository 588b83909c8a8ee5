/**
 * Resizing: nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, F.interpolate, F.upsample*,
 * nn.PixelShuffle, nn.PixelUnshuffle, F.pixel_shuffle, F.pixel_unshuffle.
 *
 * Mirrors torch 1.13: F.interpolate's Python checks in their order, ATen's `compute_output_size`
 * (output = trunc(double(in) · scale), or floor in Python when recompute_scale_factor/area), the upsample kernels'
 * "Input and output sizes should be greater than 0" checks, area mode through adaptive_avg_pool, and
 * pixel_(un)shuffle's checks.
 */
import { repr, typeName, type CallArgs, type Py, type Shape } from '../python/values';
import { bind, fmt, out, seqItems, tensorArg } from './args';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type TorchCtx, type TorchFn } from './types';
import { adaptivePool } from './pool';
import { spatialNames } from './conv';

const NONE: Py = { k: 'none' };
const S = (v: string): Py => ({ k: 'str', v });
const B = (v: boolean): Py => ({ k: 'bool', v });
const F = (v: number): Py => ({ k: 'float', v });

function known(v: Py, name: string): Py {
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  return v;
}

/** A number from a Python value, or null when it is not a number. */
function num(v: Py, name: string): number | null {
  known(v, name);
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  return null;
}

/** Python truthiness for optional bools (align_corners, recompute_scale_factor): null for None. */
function optBool(v: Py, name: string): boolean | null {
  known(v, name);
  if (v.k === 'none') return null;
  if (v.k === 'bool') return v.v;
  if (v.k === 'int' || v.k === 'float') return v.v !== 0;
  return true;
}

const UPSAMPLE_NAMES: Record<string, Record<number, string>> = {
  nearest: { 3: 'upsample_nearest1d', 4: 'upsample_nearest2d', 5: 'upsample_nearest3d' },
  'nearest-exact': { 3: '_upsample_nearest_exact1d', 4: '_upsample_nearest_exact2d', 5: '_upsample_nearest_exact3d' },
  linear: { 3: 'upsample_linear1d' },
  bilinear: { 4: 'upsample_bilinear2d' },
  trilinear: { 5: 'upsample_trilinear3d' },
  bicubic: { 4: 'upsample_bicubic2d' },
};

/** The upsample kernels' common check (`upsample_{1,2,3}d_common_check`) and the non-empty check. */
function upsampleCheck(input: Shape, o: number[]): Shape {
  const n = input.length - 2;
  const names = spatialNames(n).map((x) => (n === 1 ? 'W' : x));
  const sIn = input.slice(2);
  if (!(sIn.every((x) => x > 0) && o.every((x) => x > 0))) {
    const i = sIn.map((x, j) => `${names[j]}: ${x}`).join(', ');
    const os = o.map((x, j) => `${names[j]}: ${x}`).join(', ');
    throw new TorchError(`Input and output sizes should be greater than 0, but got input (${i})${n === 1 ? ' and' : ''} output (${os})`);
  }
  if (input.reduce((a, b) => a * b, 1) === 0 && input.slice(1).reduce((a, b) => a * b, 1) === 0) {
    throw new TorchError(`Non-empty ${input.length}D data tensor expected but got a tensor with sizes ${fmt(input)}`);
  }
  return [input[0], input[1], ...o];
}

export interface InterpArgs {
  size: Py;
  scaleFactor: Py;
  mode: string;
  alignCorners: Py;
  recompute: Py;
  antialias: boolean;
}

/** `F.interpolate` → output shape, or PyTorch's error. */
export function interpolate(input: Shape, a: InterpArgs): Shape {
  const { mode } = a;
  const size = known(a.size, 'size'), sf = known(a.scaleFactor, 'scale_factor');
  const ac = optBool(a.alignCorners, 'align_corners');
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (ac !== null) {
      throw new TorchError('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear', 'ValueError');
    }
  }
  const dim = input.length - 2;
  const spatial = fmt(input.slice(2));
  let outputSize: number[] | null = null;
  let outputSizeRaw: Py[] | null = null;
  let scales: number[] | null = null;
  if (size.k !== 'none' && sf.k !== 'none') {
    throw new TorchError('only one of size or scale_factor should be defined', 'ValueError');
  } else if (size.k !== 'none') {
    const items = seqItems(size);
    if (items !== null) {
      if (items.length !== dim) {
        throw new TorchError(`Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and output size of ${repr(size)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`, 'ValueError');
      }
      outputSizeRaw = items;
    } else {
      outputSizeRaw = new Array(Math.max(dim, 0)).fill(size);
    }
  } else if (sf.k !== 'none') {
    const items = seqItems(sf);
    let raw: Py[];
    if (items !== null) {
      if (items.length !== dim) {
        throw new TorchError(`Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and scale_factor of shape ${repr(sf)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`, 'ValueError');
      }
      raw = items;
    } else {
      raw = new Array(Math.max(dim, 0)).fill(sf);
    }
    scales = raw.map((x, i) => {
      const v = num(x, `scale_factor[${i}]`);
      if (v === null) throw new TorchError(`must be real number, not ${typeName(x)}`, 'TypeError');
      return v;
    });
  } else {
    throw new TorchError('either size or scale_factor should be defined', 'ValueError');
  }
  let recompute = optBool(a.recompute, 'recompute_scale_factor');
  if (recompute && size.k !== 'none') {
    throw new TorchError('recompute_scale_factor is not meaningful with an explicit size.', 'ValueError');
  }
  if (mode === 'area' && outputSizeRaw === null) recompute = true;
  if (recompute && scales !== null) {
    outputSize = scales.map((s, i) => Math.floor(input[i + 2] * s));
    scales = null;
  }
  if (a.antialias && !((mode === 'bilinear' || mode === 'bicubic') && input.length === 4)) {
    throw new TorchError('Anti-alias option is only supported for bilinear and bicubic modes', 'ValueError');
  }
  const nd = input.length;
  let cname = nd >= 3 && nd <= 5 ? UPSAMPLE_NAMES[mode]?.[nd] : undefined;
  if (cname !== undefined && a.antialias) cname = `_${cname}_aa`;
  const area = mode === 'area' && nd >= 3 && nd <= 5;
  if (outputSize === null && outputSizeRaw !== null && (cname !== undefined || area)) {
    outputSizeRaw.forEach((x, i) => known(x, `size[${i}]`));
    const bad = outputSizeRaw.findIndex((x) => x.k !== 'int' && x.k !== 'bool');
    if (bad >= 0) {
      // the C++ argument parser rejects the list (first element) or names the element (later ones)
      const fn = cname ?? `adaptive_avg_pool${nd - 2}d`;
      const ints = area && nd !== 4 ? 'ints' : 'SymInts';
      if (bad > 0) {
        throw new TorchError(`${fn}(): argument 'output_size' must be tuple of ${ints}, but found element of type ${typeName(outputSizeRaw[bad])} at pos ${bad + 1}`, 'TypeError');
      }
      const container = seqItems(size) === null || (area && nd > 3) ? 'list' : typeName(size);
      if (area) throw new TorchError(`${fn}(): argument 'output_size' (position 2) must be tuple of ${ints}, not ${container}`, 'TypeError');
      const got = mode === 'nearest' || mode === 'nearest-exact' ? `(Tensor, ${container}, NoneType)` : `(Tensor, ${container}, bool, NoneType)`;
      throw new TorchError(`${fn}() received an invalid combination of arguments - got ${got}, but expected one of:`, 'TypeError');
    }
    outputSize = outputSizeRaw.map((x) => (x.k === 'int' ? x.v : x.k === 'bool' && x.v ? 1 : 0));
  }
  if (area) {
    return adaptivePool('avg', nd - 2, input, outputSize!);
  }
  if (cname !== undefined) {
    const o = outputSize ?? scales!.map((s, i) => Math.trunc(input[i + 2] * s));
    return upsampleCheck(input, o);
  }
  const pair: Record<string, string> = {
    '3bilinear': 'Got 3D input, but bilinear mode needs 4D input',
    '3trilinear': 'Got 3D input, but trilinear mode needs 5D input',
    '4linear': 'Got 4D input, but linear mode needs 3D input',
    '4trilinear': 'Got 4D input, but trilinear mode needs 5D input',
    '5linear': 'Got 5D input, but linear mode needs 3D input',
    '5bilinear': 'Got 5D input, but bilinear mode needs 4D input',
  };
  const m = pair[`${nd}${mode}`];
  if (m) throw new TorchError(m, 'NotImplementedError');
  throw new TorchError(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${nd}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`, 'NotImplementedError');
}

function strOf(v: Py | undefined, name: string): string {
  if (v === undefined) throw new Error(`internal: ${name} not bound`);
  known(v, name);
  if (v.k === 'str') return v.v;
  throw new TorchError(`${name} must be str, not ${typeName(v)}`, 'TypeError');
}

// ---------------------------------------------------------------------------------------------------------------
// nn.Upsample
// ---------------------------------------------------------------------------------------------------------------

export interface UpsampleCfg {
  size: Py;
  /** what `Upsample.__init__` stored: None, a float, or a tuple of floats */
  scaleFactor: Py;
  mode: string;
  alignCorners: Py;
  recompute: Py;
}

/** `float(scale_factor) if scale_factor else None`, tuples as tuples of floats. */
function upsampleScale(v: Py): Py {
  known(v, 'scale_factor');
  if (v.k === 'tuple') {
    return {
      k: 'tuple', items: v.items.map((x, i) => {
        const n = num(x, `scale_factor[${i}]`);
        if (n === null) throw new TorchError(`float() argument must be a string or a real number, not '${typeName(x)}'`, 'TypeError');
        return F(n);
      }),
    };
  }
  const truthy = !(v.k === 'none' || ((v.k === 'int' || v.k === 'float') && v.v === 0) || (v.k === 'bool' && !v.v) || (v.k === 'list' && v.items.length === 0) || (v.k === 'str' && v.v === ''));
  if (!truthy) return NONE;
  const n = num(v, 'scale_factor');
  if (n === null) {
    if (v.k === 'str') throw new TorchError(`could not convert string to float: '${v.v}'`, 'ValueError');
    throw new TorchError(`float() argument must be a string or a real number, not '${typeName(v)}'`, 'TypeError');
  }
  return F(n);
}

function upsampleFormula(c: UpsampleCfg, input: Shape, output: Shape): string[] {
  const n = input.length - 2;
  if (n < 1 || output.length !== input.length) return [];
  const names = spatialNames(n);
  return names.map((nm, i) => {
    const sf = c.scaleFactor;
    if (sf.k === 'none') return `${nm}_out = size = ${output[i + 2]}`;
    const s = sf.k === 'tuple' ? sf.items[i] : sf;
    return `${nm}_out = ⌊${input[i + 2]} × ${repr(s)}⌋ = ${output[i + 2]}`;
  });
}

function upsampleModule(fixed?: { mode: string; alignCorners: Py }): ModuleDef<UpsampleCfg> {
  const sig: Param[] = fixed
    ? [{ name: 'size', default: NONE }, { name: 'scale_factor', default: NONE }]
    : [
      { name: 'size', default: NONE }, { name: 'scale_factor', default: NONE }, { name: 'mode', default: S('nearest') },
      { name: 'align_corners', default: NONE }, { name: 'recompute_scale_factor', default: NONE },
    ];
  return {
    signature: sig,
    resizes: true,
    init(a) {
      return {
        size: a.get('size')!,
        scaleFactor: upsampleScale(a.get('scale_factor')!),
        mode: fixed ? fixed.mode : strOf(a.get('mode'), 'mode'),
        alignCorners: fixed ? fixed.alignCorners : a.get('align_corners')!,
        recompute: fixed ? NONE : a.get('recompute_scale_factor')!,
      };
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }], args);
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      return out(interpolate(x, {
        size: c.size, scaleFactor: c.scaleFactor, mode: c.mode, alignCorners: c.alignCorners, recompute: c.recompute, antialias: false,
      }), xt.dtype);
    },
    parameters: () => [],
    formula: upsampleFormula,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// pixel shuffle
// ---------------------------------------------------------------------------------------------------------------

export function pixelShuffle(input: Shape, r: number): Shape {
  if (input.length < 3) {
    throw new TorchError(`pixel_shuffle expects input to have at least 3 dimensions, but got input with ${input.length} dimension(s)`);
  }
  if (!(r > 0)) throw new TorchError(`pixel_shuffle expects a positive upscale_factor, but got ${r}`);
  const [c, h, w] = input.slice(-3);
  const r2 = r * r;
  if (c % r2 !== 0) {
    throw new TorchError(`pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${r2}`);
  }
  return [...input.slice(0, -3), c / r2, h * r, w * r];
}

export function pixelUnshuffle(input: Shape, r: number): Shape {
  if (input.length < 3) {
    throw new TorchError(`pixel_unshuffle expects input to have at least 3 dimensions, but got input with ${input.length} dimension(s)`);
  }
  if (!(r > 0)) throw new TorchError(`pixel_unshuffle expects a positive downscale_factor, but got ${r}`);
  const [c, h, w] = input.slice(-3);
  if (h % r !== 0) {
    throw new TorchError(`pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=${h} is not divisible by ${r}`);
  }
  if (w % r !== 0) {
    throw new TorchError(`pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=${w} is not divisible by ${r}`);
  }
  // an empty input comes back unchanged
  if (input.reduce((x, y) => x * y, 1) === 0) return input.slice();
  return [...input.slice(0, -3), c * r * r, h / r, w / r];
}

/** The C++ parser's int argument: floats and others are TypeErrors with its wording. */
function cInt(v: Py, fn: string, name: string, pos: number): number {
  known(v, name);
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  throw new TorchError(`${fn}(): argument '${name}' (position ${pos}) must be int, not ${typeName(v)}`, 'TypeError');
}

interface ShuffleCfg { factor: Py; down: boolean }

function shuffleModule(down: boolean): ModuleDef<ShuffleCfg> {
  const pname = down ? 'downscale_factor' : 'upscale_factor';
  const fn = down ? 'pixel_unshuffle' : 'pixel_shuffle';
  return {
    signature: [{ name: pname }],
    resizes: true,
    init(a) {
      return { factor: a.get(pname)!, down };
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }], args);
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      const r = cInt(c.factor, fn, pname, 2);
      return out(down ? pixelUnshuffle(x, r) : pixelShuffle(x, r), xt.dtype);
    },
    parameters: () => [],
    formula(c, input, output) {
      const r = c.factor.k === 'int' ? c.factor.v : '?';
      if (input.length < 3 || output.length < 3) return [];
      const [ci, hi, wi] = input.slice(-3), [co, ho, wo] = output.slice(-3);
      return down
        ? [`C_out = ${ci}·${r}² = ${co}`, `H_out = ${hi}/${r} = ${ho}`, `W_out = ${wi}/${r} = ${wo}`]
        : [`C_out = ${ci}/${r}² = ${co}`, `H_out = ${hi}·${r} = ${ho}`, `W_out = ${wi}·${r} = ${wo}`];
    },
  };
}

function shuffleFn(down: boolean): TorchFn {
  const pname = down ? 'downscale_factor' : 'upscale_factor';
  const fn = down ? 'pixel_unshuffle' : 'pixel_shuffle';
  return (args: CallArgs) => {
    const a = bind(fn, [{ name: 'input' }, { name: pname }], args);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    const r = cInt(a.get(pname)!, fn, pname, 2);
    return out(down ? pixelUnshuffle(x, r) : pixelShuffle(x, r), xt.dtype);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// functional
// ---------------------------------------------------------------------------------------------------------------

const interpSig: Param[] = [
  { name: 'input' }, { name: 'size', default: NONE }, { name: 'scale_factor', default: NONE }, { name: 'mode', default: S('nearest') },
  { name: 'align_corners', default: NONE }, { name: 'recompute_scale_factor', default: NONE }, { name: 'antialias', default: B(false) },
];

const interpolateFn: TorchFn = (args: CallArgs) => {
  const a = bind('interpolate', interpSig, args);
  const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
  const aa = known(a.get('antialias')!, 'antialias');
  return out(interpolate(x, {
    size: a.get('size')!, scaleFactor: a.get('scale_factor')!, mode: strOf(a.get('mode'), 'mode'),
    alignCorners: a.get('align_corners')!, recompute: a.get('recompute_scale_factor')!,
    antialias: aa.k === 'bool' ? aa.v : (aa.k === 'int' || aa.k === 'float') ? aa.v !== 0 : aa.k !== 'none',
  }), xt.dtype);
};

const upsampleSig: Param[] = [
  { name: 'input' }, { name: 'size', default: NONE }, { name: 'scale_factor', default: NONE }, { name: 'mode', default: S('nearest') },
  { name: 'align_corners', default: NONE },
];

const upsampleFn: TorchFn = (args: CallArgs, ctx: TorchCtx) => {
  const a = bind('upsample', upsampleSig, args);
  ctx.warn('nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.');
  const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
  return out(interpolate(x, {
    size: a.get('size')!, scaleFactor: a.get('scale_factor')!, mode: strOf(a.get('mode'), 'mode'),
    alignCorners: a.get('align_corners')!, recompute: NONE, antialias: false,
  }), xt.dtype);
};

function upsampleFixedFn(name: string, mode: string, alignCorners: Py): TorchFn {
  return (args: CallArgs, ctx: TorchCtx) => {
    const a = bind(name, [{ name: 'input' }, { name: 'size', default: NONE }, { name: 'scale_factor', default: NONE }], args);
    ctx.warn(`nn.functional.${name} is deprecated. Use nn.functional.interpolate instead.`);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    return out(interpolate(x, { size: a.get('size')!, scaleFactor: a.get('scale_factor')!, mode, alignCorners, recompute: NONE, antialias: false }), xt.dtype);
  };
}

export const family: Family = {
  modules: {
    Upsample: upsampleModule(),
    UpsamplingNearest2d: upsampleModule({ mode: 'nearest', alignCorners: NONE }),
    UpsamplingBilinear2d: upsampleModule({ mode: 'bilinear', alignCorners: B(true) }),
    PixelShuffle: shuffleModule(false),
    PixelUnshuffle: shuffleModule(true),
  },
  functional: {
    interpolate: interpolateFn,
    upsample: upsampleFn,
    upsample_nearest: upsampleFixedFn('upsample_nearest', 'nearest', NONE),
    upsample_bilinear: upsampleFixedFn('upsample_bilinear', 'bilinear', B(true)),
    pixel_shuffle: shuffleFn(false),
    pixel_unshuffle: shuffleFn(true),
  },
  torch: {
    pixel_shuffle: shuffleFn(false),
    pixel_unshuffle: shuffleFn(true),
  },
};
