/**
 * Activations (nn.ReLU … nn.GLU, F.*, torch.*) and elementwise unary tensor ops (x.exp(), torch.clamp, …).
 * All keep the input's shape; what varies is the result dtype and which dtypes a CPU kernel accepts.
 * PyTorch 1.13 (CPU) semantics, checked by test/oracle/layers.test.ts.
 */
import { NONE, float, int, str, typeName, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import {
  SCALAR_NAME, bind, boolArg, broadcastShapes, dtypeArg, fmt, floatArg, intArg, isFloatDtype, isNone, numel, out,
  resultType, sameShape, tensorArg, wrapDim,
} from './args';
import { emptySizes, factoryDtype, forwardArgs } from './linear';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type TorchCtx, type TorchFn } from './types';

const P = (name: string, d?: Py): Param => (d === undefined ? { name } : { name, default: d });
const FALSE_: Py = { k: 'bool', v: false };

type T = { shape: Shape; dtype: DType };
const isInt = (d: DType) => d === 'int64' || d === 'int32' || d === 'uint8';

// ---------------------------------------------------------------------------------------------
// The dtype table of elementwise ops

/**
 * How an elementwise op treats each dtype on CPU.
 * ints/bool: 'same' keeps the dtype, 'float' computes in the default float (float32), 'err' is the kernel's
 * "not implemented" error, a string of another shape is PyTorch's own message, 'int64'/'bool' give that dtype.
 */
interface Unary {
  kernel: string;
  half: boolean;
  ints: 'same' | 'float' | 'err' | 'bool';
  bool: 'same' | 'float' | 'err' | 'int64' | 'bool' | { msg: string };
  floats?: 'same' | 'err' | 'bool';
}

const NEG_BOOL = 'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.';

const U = (kernel: string, half: boolean, ints: Unary['ints'], bool: Unary['bool'], floats?: Unary['floats']): Unary => ({ kernel, half, ints, bool, floats });
const floatOp = (k: string, half = false) => U(k, half, 'float', 'float');
const predicate = U('', true, 'bool', 'bool', 'bool');

/** Elementwise unaries reachable as `torch.X`, `x.X()` and (in place) `x.X_()`. */
export const UNARY: Record<string, Unary> = {
  abs: U('abs_cpu', true, 'same', 'err'),
  absolute: U('abs_cpu', true, 'same', 'err'),
  exp: floatOp('exp_vml_cpu'),
  exp2: floatOp('exp2_cpu', true),
  expm1: floatOp('expm1_vml_cpu'),
  log: floatOp('log_vml_cpu'),
  log2: floatOp('log2_vml_cpu'),
  log10: floatOp('log10_vml_cpu'),
  log1p: floatOp('log1p_vml_cpu'),
  sqrt: floatOp('sqrt_vml_cpu'),
  rsqrt: floatOp('rsqrt_cpu'),
  neg: U('neg_cpu', true, 'same', { msg: NEG_BOOL }),
  negative: U('neg_cpu', true, 'same', { msg: NEG_BOOL }),
  positive: U('', true, 'same', { msg: 'The `+` operator, on a bool tensor is not supported.' }),
  sin: floatOp('sin_vml_cpu'),
  cos: floatOp('cos_vml_cpu'),
  tan: floatOp('tan_vml_cpu'),
  asin: floatOp('asin_vml_cpu'),
  acos: floatOp('acos_vml_cpu'),
  atan: floatOp('atan_vml_cpu'),
  arcsin: floatOp('asin_vml_cpu'),
  arccos: floatOp('acos_vml_cpu'),
  arctan: floatOp('atan_vml_cpu'),
  sinh: floatOp('sinh_cpu'),
  cosh: floatOp('cosh_cpu'),
  asinh: floatOp('asinh_cpu'),
  acosh: floatOp('acosh_cpu'),
  atanh: floatOp('atanh_cpu'),
  arcsinh: floatOp('asinh_cpu'),
  arccosh: floatOp('acosh_cpu'),
  arctanh: floatOp('atanh_cpu'),
  floor: U('floor_vml_cpu', false, 'same', 'err'),
  ceil: U('ceil_vml_cpu', false, 'same', 'err'),
  round: U('round_vml_cpu', false, 'same', 'err'),
  trunc: U('trunc_vml_cpu', false, 'same', 'err'),
  fix: U('trunc_vml_cpu', false, 'same', 'err'),
  frac: U('frac_cpu', true, 'err', 'err'),
  sign: U('sign_cpu', true, 'same', 'same'),
  sgn: U('sign_cpu', true, 'same', 'same'),
  square: U('pow', true, 'same', 'int64'),
  erf: floatOp('erf_vml_cpu'),
  erfc: floatOp('erfc_vml_cpu'),
  erfinv: floatOp('erfinv_vml_cpu'),
  reciprocal: floatOp('reciprocal_cpu', true),
  sigmoid: floatOp('sigmoid_cpu'),
  tanh: floatOp('tanh_vml_cpu'),
  relu: U('clamp_min_cpu', false, 'same', { msg: 'Boolean inputs not supported for relu' }),
  logical_not: U('', true, 'bool', 'bool', 'bool'),
  bitwise_not: U('bitwise_not_cpu', false, 'same', 'same', 'err'),
  isnan: predicate,
  isinf: predicate,
  isfinite: predicate,
  isposinf: predicate,
  isneginf: predicate,
  isreal: predicate,
  signbit: predicate,
  deg2rad: floatOp('deg2rad', true),
  rad2deg: floatOp('rad2deg', true),
  lgamma: floatOp('lgamma_vml_cpu'),
  digamma: floatOp('digamma'),
  i0: floatOp('i0_vml_cpu'),
  sinc: floatOp('sinc_cpu'),
  logit: floatOp('logit_cpu'),
  angle: floatOp('angle', true),
  nan_to_num: U('', true, 'same', 'same'),
  conj: U('', true, 'same', 'same'),
};

const notImpl = (kernel: string, d: DType) => new TorchError(`"${kernel}" not implemented for '${SCALAR_NAME[d]}'`);

/** Result dtype of an elementwise unary op on `d`, or PyTorch's error. */
export function unaryDtype(op: Unary, d: DType): DType {
  if (d === 'bool') {
    const b = op.bool;
    if (typeof b === 'object') throw new TorchError(b.msg);
    if (b === 'err') throw notImpl(op.kernel, d);
    return b === 'same' ? d : b === 'float' ? 'float32' : b;
  }
  if (isInt(d)) {
    if (op.ints === 'err') throw notImpl(op.kernel, d);
    return op.ints === 'same' ? d : op.ints === 'float' ? 'float32' : 'bool';
  }
  if (op.floats === 'err') throw notImpl(op.kernel, d);
  if (op.floats === 'bool') return 'bool';
  if (d === 'float16' && !op.half) throw notImpl(op.kernel, d);
  return d;
}

/** An in-place op writes its result into `self`: PyTorch's cast check. */
function castBack(result: DType, self: DType): void {
  if ((isFloatDtype(result) && !isFloatDtype(self)) || (result !== 'bool' && self === 'bool')) {
    throw new TorchError(`result type ${SCALAR_NAME[result]} can't be cast to the desired output type ${SCALAR_NAME[self]}`);
  }
}

function unaryFn(name: string, op: Unary, inplace = false): TorchFn {
  return (args) => {
    const a = bind(name, [P('input')], { pos: args.pos, kw: new Map([...args.kw].filter(([k]) => k !== 'out')) });
    const x = tensorArg(a.get('input'), 'input');
    // square_ is pow_(2): its TensorIterator wants the integral result in a bool tensor
    if (inplace && name === 'square_' && x.dtype === 'bool') throw new TorchError('Found dtype Bool but expected Long');
    const d = unaryDtype(op, x.dtype);
    if (inplace) castBack(d, x.dtype);
    return out(x.shape, inplace ? x.dtype : d);
  };
}

// ---------------------------------------------------------------------------------------------
// Activation kernels

/** Float-only activation kernels (float32/float64). */
const floatOnly = (kernel: string): Unary => U(kernel, false, 'err', 'err');

const K = {
  relu: UNARY.relu,
  hardtanh: U('clamp_scalar_cpu', false, 'same', { msg: 'Bool inputs not supported for hardtanh' }),
  leaky_relu: floatOnly('leaky_relu_cpu'),
  elu: floatOnly('elu_cpu'),
  gelu: floatOnly('GeluKernelImpl'),
  silu: floatOnly('silu_cpu'),
  mish: floatOnly('mish_cpu'),
  hardswish: floatOnly('hardswish_cpu'),
  hardsigmoid: floatOnly('hardsigmoid_cpu'),
  softplus: floatOnly('softplus_cpu'),
  log_sigmoid: floatOnly('log_sigmoid_cpu'),
  hardshrink: floatOnly('hardshrink_cpu'),
  softshrink: floatOnly('softshrink_cpu'),
  threshold: U('threshold_cpu', false, 'same', 'err'),
  sigmoid: UNARY.sigmoid,
  tanh: UNARY.tanh,
};

/** rrelu in training mode samples its slopes; in eval mode it is a leaky_relu. */
const RRELU_TRAIN = floatOnly('rrelu_with_noise_out_cpu');

function hardtanhDtype(d: DType, minVal: number): DType {
  if (d === 'bool') throw new TorchError('Bool inputs not supported for hardtanh');
  if (d === 'uint8' && minVal < 0) throw new TorchError('cannot do hardtanh on an unsigned type with negative limits');
  return unaryDtype(K.hardtanh, d);
}

function geluDtype(d: DType, approximate: string): DType {
  if (approximate !== 'none' && approximate !== 'tanh') throw new TorchError('approximate argument must be either none or tanh.');
  return unaryDtype(K.gelu, d);
}

/** x / (x.abs() + 1) */
function softsignDtype(d: DType): DType {
  unaryDtype(UNARY.abs, d);
  return isFloatDtype(d) ? d : 'float32';
}

/** x - x.tanh() */
function tanhshrinkDtype(d: DType): DType {
  const t = unaryDtype(UNARY.tanh, d);
  if (d === 'bool') {
    throw new TorchError('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  }
  return t;
}

function preluCheck(x: T, w: T): void {
  const wn = numel(w.shape);
  if (wn !== 1) {
    if (x.shape.length === 0) throw new TorchError('Not allow zero-dim input tensor.');
    const ch = x.shape.length > 1 ? x.shape[1] : 1;
    if (ch !== wn) {
      throw new TorchError(`Mismatch of parameter numbers and input channel size. Found parameter numbers = ${wn} and channel size = ${ch}.`);
    }
  }
  if (w.shape.length > 1) throw new TorchError(`prelu: Expected \`weight\` to be a scalar or 1D tensor, but got ndim = ${w.shape.length}`);
  if (w.dtype !== x.dtype) throw new TorchError(`Found dtype ${SCALAR_NAME[w.dtype]} but expected ${SCALAR_NAME[x.dtype]}`);
}

// ---------------------------------------------------------------------------------------------
// softmax family

/** PyTorch's legacy `dim=None` rule (`_get_softmax_dim`) with its deprecation warning. */
function implicitDim(name: string, ndim: number, ctx: TorchCtx): number {
  ctx.warn(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** `input.softmax(dim, dtype)` / `log_softmax`: dim wrapping and the CPU kernels' dtype support. */
function softmaxCore(x: T, dim: number, log: boolean, dtype: DType | null): Py {
  const nd = x.shape.length;
  const d = wrapDim(dim, nd);
  const dt = dtype ?? x.dtype;
  if (dt !== 'float32' && dt !== 'float64' && numel(x.shape) > 0) {
    const last = nd === 0 || d === nd - 1;
    throw notImpl(last ? `${log ? 'log_' : ''}softmax_lastdim_kernel_impl` : 'softmax_kernel_impl', dt);
  }
  return out(x.shape, dt);
}

function softmaxFunctional(name: 'softmax' | 'log_softmax' | 'softmin'): TorchFn {
  return (args, ctx) => {
    const a = bind(name, [P('input'), P('dim', NONE), P('_stacklevel', int(3)), P('dtype', NONE)], args);
    const x = tensorArg(a.get('input'), 'input');
    const dim = isNone(a, 'dim') ? implicitDim(name, x.shape.length, ctx) : intArg(a, 'dim');
    return softminOr(name, x, dim, dtypeOf(a));
  };
}

function softminOr(name: 'softmax' | 'log_softmax' | 'softmin', x: T, dim: number, dtype: DType | null): Py {
  if (name === 'softmin') {
    const neg = unaryDtype(UNARY.neg, x.dtype);
    return softmaxCore({ shape: x.shape, dtype: neg }, dim, false, dtype);
  }
  return softmaxCore(x, dim, name === 'log_softmax', dtype);
}

function dtypeOf(a: Map<string, Py>): DType | null {
  if (isNone(a, 'dtype')) return null;
  const d = dtypeArg(a.get('dtype'));
  if (d === null) throw new UnknownValue('the dtype argument is not understood');
  return d;
}

/** `torch.softmax(input, dim, dtype=None)` and the tensor methods: dim is required. */
function softmaxStrict(name: 'softmax' | 'log_softmax'): TorchFn {
  return (args) => {
    const a = bind(name, [P('input'), P('dim'), P('dtype', NONE)], args);
    const x = tensorArg(a.get('input'), 'input');
    return softmaxCore(x, intArg(a, 'dim'), name === 'log_softmax', dtypeOf(a));
  };
}

function gluShape(x: T, dim: number): Py {
  if (x.shape.length === 0) throw new TorchError('glu does not support scalars because halving size must be even');
  const d = wrapDim(dim, x.shape.length);
  const n = x.shape[d];
  if (n % 2 !== 0) throw new TorchError(`Halving dimension must be even, but dimension ${d} is size ${n}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw notImpl('glu_cpu', x.dtype);
  const s = [...x.shape];
  s[d] = n / 2;
  return out(s, x.dtype);
}

// ---------------------------------------------------------------------------------------------
// clamp

type Bound = { k: 'none' } | { k: 'num'; v: Py } | { k: 'tensor'; t: T };

const pyTypeName = (v: Py) => (v.k === 'tensor' ? 'Tensor' : typeName(v));

/** Result dtype of `tensor op python-scalar(s)`. */
function scalarResult(d: DType, scalars: Py[]): DType {
  if (scalars.some((s) => s.k === 'float')) return isFloatDtype(d) ? d : 'float32';
  if (scalars.some((s) => s.k === 'int')) return d === 'bool' ? 'int64' : d;
  return d;
}

/** C++ type names in the in-place cast check of the scalar clamp kernels. */
const CPP_NAME: Record<DType, string> = {
  float32: 'float', float64: 'double', float16: 'c10::Half', int64: 'long int', int32: 'int', uint8: 'unsigned char', bool: 'bool',
};

/**
 * PyTorch's "invalid combination of arguments" TypeError for clamp/clip/clamp_min/clamp_max.
 * Method forms list the overloads with "didn't match" details when as many arguments were given as an
 * overload takes; the torch.* forms list their full signatures only. clamp's bounds are optional (`Tensor? min`),
 * clamp_min's is not.
 */
function clampTypeError(fn: string, isMethod: boolean, raw: CallArgs, params: string[]): TorchError {
  const pos = (isMethod ? raw.pos.slice(1) : raw.pos).map(pyTypeName);
  const kws = [...raw.kw].map(([k, v]) => `${k}=${pyTypeName(v)}`);
  const got = kws.length ? `${pos.map((p) => `${p}, `).join('')}${kws.join(', ')}, ` : pos.join(', ');
  const all = isMethod ? [...raw.pos.slice(1), ...raw.kw.values()] : [];
  const sig = (kind: 'Tensor' | 'Number') => params.map((p) => `${kind} ${p}`).join(', ');
  let msg = `${fn}() received an invalid combination of arguments - got (${got}), but expected one of:\n`;
  if (isMethod) {
    const lines = all.length === params.length;
    for (const kind of ['Tensor', 'Number'] as const) {
      msg += ` * (${sig(kind)})\n`;
      if (lines) {
        const marks = all.map((v) => {
          const n = pyTypeName(v);
          return kind === 'Tensor' && (v.k === 'tensor' || (v.k === 'none' && params.length === 2)) ? n : `!${n}!`;
        });
        msg += `      didn't match because some of the arguments have invalid types: (${marks.join(', ')})\n`;
      }
    }
  } else {
    for (const kind of ['Tensor', 'Number'] as const) msg += ` * (Tensor input, ${sig(kind)}, *, Tensor out)\n`;
  }
  return new TorchError(msg, 'TypeError');
}

function toBound(v: Py | undefined, name: string): Bound | null {
  if (v === undefined || v.k === 'none') return { k: 'none' };
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  if (v.k === 'tensor') return { k: 'tensor', t: tensorArg(v, name) };
  if (v.k === 'int' || v.k === 'float' || v.k === 'bool') return { k: 'num', v };
  return null;
}

function clampCore(x: T, lo: Bound, hi: Bound, inplace: boolean): Py {
  if (lo.k === 'none' && hi.k === 'none') throw new TorchError("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (lo.k === 'tensor' || hi.k === 'tensor') {
    const ts: T[] = [x, ...[lo, hi].filter((b): b is { k: 'tensor'; t: T } => b.k === 'tensor').map((b) => b.t)];
    let shape = x.shape;
    for (const t of ts.slice(1)) shape = broadcastShapes(shape, t.shape);
    const dt = resultType(...ts);
    if (inplace) {
      if (!sameShape(shape, x.shape)) throw new TorchError(`output with shape ${fmt(x.shape)} doesn't match the broadcast shape ${fmt(shape)}`);
      castBack(dt, x.dtype);
    }
    // with both bounds tensors the clamp_cpu kernel runs (clamp_min/clamp_max kernels otherwise)
    const kdt = inplace ? x.dtype : dt;
    if (lo.k === 'tensor' && hi.k === 'tensor' && (kdt === 'float16' || kdt === 'bool')) throw notImpl('clamp_cpu', kdt);
    return inplace ? out(x.shape, x.dtype) : out(shape, dt);
  }
  const scalars = [lo, hi].filter((b): b is { k: 'num'; v: Py } => b.k === 'num').map((b) => b.v);
  const dt = scalarResult(x.dtype, scalars);
  const kernel = lo.k !== 'none' && hi.k !== 'none' ? 'clamp_scalar_cpu' : lo.k !== 'none' ? 'clamp_min_cpu' : 'clamp_max_scalar_cpu';
  if (inplace && ((isFloatDtype(dt) && !isFloatDtype(x.dtype)) || (dt !== 'bool' && x.dtype === 'bool'))) {
    throw new TorchError(`result type ${SCALAR_NAME[dt]} can't be cast to the desired output type ${CPP_NAME[x.dtype]}`);
  }
  if (dt === 'bool' || dt === 'float16') throw notImpl(kernel, dt);
  return out(x.shape, inplace ? x.dtype : dt);
}

function clampFn(name: string, isMethod: boolean, inplace = false): TorchFn {
  return (args) => {
    const a = bind(name, [P('input'), P('min', NONE), P('max', NONE)], { pos: args.pos, kw: new Map([...args.kw].filter(([k]) => k !== 'out')) });
    const x = tensorArg(a.get('input'), 'input');
    const lo = toBound(a.get('min'), 'min');
    const hi = toBound(a.get('max'), 'max');
    if (lo === null || hi === null || (lo.k === 'tensor' && hi.k === 'num') || (lo.k === 'num' && hi.k === 'tensor')) {
      throw clampTypeError(name, isMethod, args, ['min', 'max']);
    }
    return clampCore(x, lo, hi, inplace);
  };
}

function clampOneFn(name: string, which: 'min' | 'max', isMethod: boolean, inplace = false): TorchFn {
  return (args) => {
    const a = bind(name, [P('input'), P(which)], args);
    const x = tensorArg(a.get('input'), 'input');
    const b = toBound(a.get(which), which);
    if (b === null || b.k === 'none') throw clampTypeError(name, isMethod, args, [which]);
    return clampCore(x, which === 'min' ? b : { k: 'none' }, which === 'max' ? b : { k: 'none' }, inplace);
  };
}

// ---------------------------------------------------------------------------------------------
// modules

/** A parameterless activation module: `init` reads its arguments, `apply` maps the input dtype. */
function act<C>(type: string, signature: Param[], init: (a: Map<string, Py>) => C, apply: (c: C, x: T, ctx: TorchCtx & { training: boolean }) => Py): ModuleDef<C> {
  return {
    signature,
    init,
    forward(c, args, ctx) {
      const x = tensorArg(forwardArgs(type, args).get('input'), 'input');
      return apply(c, x, ctx);
    },
    parameters: () => [],
  };
}

const inplaceSig = [P('inplace', FALSE_)];
const simple = (type: string, op: Unary, sig: Param[] = inplaceSig) =>
  act(type, sig, () => null, (_c, x) => out(x.shape, unaryDtype(op, x.dtype)));

const softmaxModule = (type: string, name: 'softmax' | 'log_softmax' | 'softmin') =>
  act<{ dim: number | null }>(type, [P('dim', NONE)], (a) => ({ dim: isNone(a, 'dim') ? null : intArg(a, 'dim') }), (c, x, ctx) =>
    softminOr(name, x, c.dim ?? implicitDim(name, x.shape.length, ctx), null));

function hardtanhInit(a: Map<string, Py>): { min: number; max: number } {
  let min = floatArg(a, 'min_val');
  let max = floatArg(a, 'max_val');
  if (!isNone(a, 'min_value')) min = floatArg(a, 'min_value');
  if (!isNone(a, 'max_value')) max = floatArg(a, 'max_value');
  if (!(max > min)) throw new TorchError('', 'AssertionError' as TorchError['pyType']);
  return { min, max };
}

interface PReLUCfg { n: number; dtype: DType }

const PReLU: ModuleDef<PReLUCfg> = {
  signature: [P('num_parameters', int(1)), P('init', float(0.25)), P('device', NONE), P('dtype', NONE)],
  init(a) {
    const [n] = emptySizes([a.get('num_parameters')!], false);
    return { n, dtype: factoryDtype(a, true) ?? 'float32' };
  },
  forward(c, args) {
    const x = tensorArg(forwardArgs('PReLU', args).get('input'), 'input');
    preluCheck(x, { shape: [c.n], dtype: c.dtype });
    return out(x.shape, x.dtype);
  },
  parameters: (c) => [{ name: 'weight', shape: [c.n] }],
};

const modules: Record<string, ModuleDef> = {
  ReLU: simple('ReLU', K.relu),
  ReLU6: act('ReLU6', inplaceSig, () => null, (_c, x) => out(x.shape, hardtanhDtype(x.dtype, 0))),
  Hardtanh: act('Hardtanh', [P('min_val', float(-1)), P('max_val', float(1)), P('inplace', FALSE_), P('min_value', NONE), P('max_value', NONE)],
    hardtanhInit, (c, x) => out(x.shape, hardtanhDtype(x.dtype, c.min))),
  LeakyReLU: simple('LeakyReLU', K.leaky_relu, [P('negative_slope', float(0.01)), P('inplace', FALSE_)]),
  PReLU,
  RReLU: act('RReLU', [P('lower', float(1 / 8)), P('upper', float(1 / 3)), P('inplace', FALSE_)], () => null,
    (_c, x, ctx) => out(x.shape, unaryDtype(ctx.training ? RRELU_TRAIN : K.leaky_relu, x.dtype))),
  ELU: simple('ELU', K.elu, [P('alpha', float(1)), P('inplace', FALSE_)]),
  SELU: simple('SELU', K.elu),
  CELU: simple('CELU', K.elu, [P('alpha', float(1)), P('inplace', FALSE_)]),
  GELU: act('GELU', [P('approximate', str('none'))], (a) => ({ approximate: a.get('approximate')!.k === 'str' ? (a.get('approximate') as { v: string }).v : '' }),
    (c, x) => out(x.shape, geluDtype(x.dtype, c.approximate))),
  SiLU: simple('SiLU', K.silu),
  Mish: simple('Mish', K.mish),
  Tanh: simple('Tanh', K.tanh, []),
  Sigmoid: simple('Sigmoid', K.sigmoid, []),
  Hardswish: simple('Hardswish', K.hardswish),
  Hardsigmoid: simple('Hardsigmoid', K.hardsigmoid),
  Softplus: simple('Softplus', K.softplus, [P('beta', int(1)), P('threshold', int(20))]),
  Softsign: act('Softsign', [], () => null, (_c, x) => out(x.shape, softsignDtype(x.dtype))),
  Tanhshrink: act('Tanhshrink', [], () => null, (_c, x) => out(x.shape, tanhshrinkDtype(x.dtype))),
  LogSigmoid: simple('LogSigmoid', K.log_sigmoid, []),
  Hardshrink: simple('Hardshrink', K.hardshrink, [P('lambd', float(0.5))]),
  Softshrink: simple('Softshrink', K.softshrink, [P('lambd', float(0.5))]),
  Threshold: simple('Threshold', K.threshold, [P('threshold'), P('value'), P('inplace', FALSE_)]),
  Softmax: softmaxModule('Softmax', 'softmax'),
  LogSoftmax: softmaxModule('LogSoftmax', 'log_softmax'),
  Softmin: softmaxModule('Softmin', 'softmin'),
  Softmax2d: act('Softmax2d', [], () => null, (_c, x) => {
    if (x.shape.length !== 3 && x.shape.length !== 4) {
      throw new TorchError('Softmax2d requires a 3D or 4D tensor as input', 'AssertionError' as TorchError['pyType']);
    }
    return softmaxCore(x, -3, false, null);
  }),
  GLU: act('GLU', [P('dim', int(-1))], (a) => ({ dim: intArg(a, 'dim') }), (c, x) => gluShape(x, c.dim)),
};

// ---------------------------------------------------------------------------------------------
// functional / torch / methods

/** `F.name(input, <params>)` that keeps the shape; `dt` maps the input dtype given the bound arguments. */
function fn(name: string, sig: Param[], dt: (d: DType, a: Map<string, Py>) => DType, warn?: string): TorchFn {
  return (args, ctx) => {
    const a = bind(name, [P('input'), ...sig], args);
    const x = tensorArg(a.get('input'), 'input');
    if (warn) ctx.warn(warn);
    return out(x.shape, dt(x.dtype, a));
  };
}
const via = (op: Unary) => (d: DType) => unaryDtype(op, d);
const inpl = [P('inplace', FALSE_)];

const hardtanhFn = fn('hardtanh', [P('min_val', float(-1)), P('max_val', float(1)), P('inplace', FALSE_)], (d, a) => hardtanhDtype(d, floatArg(a, 'min_val')));
const preluFn: TorchFn = (args) => {
  const a = bind('prelu', [P('input'), P('weight')], args);
  const x = tensorArg(a.get('input'), 'input');
  preluCheck(x, tensorArg(a.get('weight'), 'weight'));
  return out(x.shape, x.dtype);
};
const gluFn: TorchFn = (args) => {
  const a = bind('glu', [P('input'), P('dim', int(-1))], args);
  return gluShape(tensorArg(a.get('input'), 'input'), intArg(a, 'dim'));
};
const geluFn: TorchFn = (args) => {
  if (args.pos.length > 1) throw new TorchError(`gelu() takes 1 positional argument but ${args.pos.length} were given`, 'TypeError');
  const a = bind('gelu', [P('input'), P('approximate', str('none'))], args);
  const x = tensorArg(a.get('input'), 'input');
  const ap = a.get('approximate')!;
  return out(x.shape, geluDtype(x.dtype, ap.k === 'str' ? ap.v : ''));
};
const thresholdSig = [P('threshold'), P('value'), P('inplace', FALSE_)];
const thresholdFn = fn('threshold', thresholdSig, via(K.threshold));
const rreluSig = [P('lower', float(1 / 8)), P('upper', float(1 / 3)), P('training', FALSE_), P('inplace', FALSE_)];
const rreluFn = fn('rrelu', rreluSig, (d, a) => unaryDtype(boolArg(a, 'training') ? RRELU_TRAIN : K.leaky_relu, d));
const celuFn = fn('celu', [P('alpha', float(1)), P('inplace', FALSE_)], via(K.elu));
const seluFn = fn('selu', inpl, via(K.elu));
const hardshrinkFn = fn('hardshrink', [P('lambd', float(0.5))], via(K.hardshrink));

const functional: Record<string, TorchFn> = {
  relu: fn('relu', inpl, via(K.relu)),
  relu_: fn('relu_', [], via(K.relu)),
  relu6: fn('relu6', inpl, (d) => hardtanhDtype(d, 0)),
  leaky_relu: fn('leaky_relu', [P('negative_slope', float(0.01)), P('inplace', FALSE_)], via(K.leaky_relu)),
  leaky_relu_: fn('leaky_relu_', [P('negative_slope', float(0.01))], via(K.leaky_relu)),
  prelu: preluFn,
  rrelu: rreluFn,
  elu: fn('elu', [P('alpha', float(1)), P('inplace', FALSE_)], via(K.elu)),
  elu_: fn('elu_', [P('alpha', float(1))], via(K.elu)),
  selu: seluFn,
  celu: celuFn,
  gelu: geluFn,
  silu: fn('silu', inpl, via(K.silu)),
  mish: fn('mish', inpl, via(K.mish)),
  hardswish: fn('hardswish', inpl, via(K.hardswish)),
  hardsigmoid: fn('hardsigmoid', inpl, via(K.hardsigmoid)),
  hardtanh: hardtanhFn,
  hardtanh_: fn('hardtanh_', [P('min_val', float(-1)), P('max_val', float(1))], (d, a) => hardtanhDtype(d, floatArg(a, 'min_val'))),
  softplus: fn('softplus', [P('beta', int(1)), P('threshold', int(20))], via(K.softplus)),
  softsign: fn('softsign', [], softsignDtype),
  tanhshrink: fn('tanhshrink', [], tanhshrinkDtype),
  logsigmoid: fn('logsigmoid', [], via(K.log_sigmoid)),
  hardshrink: hardshrinkFn,
  softshrink: fn('softshrink', [P('lambd', float(0.5))], via(K.softshrink)),
  threshold: thresholdFn,
  threshold_: fn('threshold_', [P('threshold'), P('value')], via(K.threshold)),
  tanh: fn('tanh', [], via(K.tanh), 'nn.functional.tanh is deprecated. Use torch.tanh instead.'),
  sigmoid: fn('sigmoid', [], via(K.sigmoid), 'nn.functional.sigmoid is deprecated. Use torch.sigmoid instead.'),
  softmax: softmaxFunctional('softmax'),
  log_softmax: softmaxFunctional('log_softmax'),
  softmin: softmaxFunctional('softmin'),
  glu: gluFn,
};

const torchFns: Record<string, TorchFn> = {
  softmax: softmaxStrict('softmax'),
  log_softmax: softmaxStrict('log_softmax'),
  clamp: clampFn('clamp', false),
  clip: clampFn('clip', false),
  clamp_: clampFn('clamp_', false, true),
  clip_: clampFn('clip_', false, true),
  clamp_min: clampOneFn('clamp_min', 'min', false),
  clamp_max: clampOneFn('clamp_max', 'max', false),
  prelu: preluFn,
  rrelu: rreluFn,
  selu: seluFn,
  celu: celuFn,
  threshold: fn('threshold', [P('threshold'), P('value')], via(K.threshold)),
  hardshrink: hardshrinkFn,
  relu_: fn('relu_', [], via(K.relu)),
};
const methods: Record<string, TorchFn> = {
  softmax: softmaxStrict('softmax'),
  log_softmax: softmaxStrict('log_softmax'),
  clamp: clampFn('clamp', true),
  clip: clampFn('clip', true),
  clamp_: clampFn('clamp_', true, true),
  clip_: clampFn('clip_', true, true),
  clamp_min: clampOneFn('clamp_min', 'min', true),
  clamp_max: clampOneFn('clamp_max', 'max', true),
  clamp_min_: clampOneFn('clamp_min_', 'min', true, true),
  clamp_max_: clampOneFn('clamp_max_', 'max', true, true),
  prelu: preluFn,
  hardshrink: hardshrinkFn,
};
for (const [name, op] of Object.entries(UNARY)) {
  torchFns[name] = unaryFn(name, op);
  methods[name] = unaryFn(name, op);
  const noInplace = (op.floats === 'bool' && name !== 'logical_not') || ['conj', 'angle', 'positive'].includes(name);
  if (!noInplace) methods[`${name}_`] = unaryFn(`${name}_`, op, true);
}

export const family: Family = { modules, functional, torch: torchFns, methods };
