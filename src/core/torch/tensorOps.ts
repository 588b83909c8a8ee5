/**
 * Tensor methods and the matching `torch.*` functions: views and reshapes, dim juggling, reductions, joins
 * and splits, type conversion, broadcasting arithmetic, matmul and Python indexing.
 *
 * Shapes and messages follow PyTorch 1.13 (checked against it by test/oracle/tensorOps.test.ts). Tensors carry
 * no strides, so errors that depend on memory layout (`view` of a transposed tensor) are not reported.
 * Errors that only some devices raise (Half matmul on CPU, integer matmul on CUDA) are not reported either;
 * errors every device raises use the CPU kernel's wording (`"div_floor_cpu" not implemented for 'Bool'`).
 */
import { tensor, typeName, type CallArgs, type DType, type Py, type Shape, type TensorVal } from '../python/values';
import { bind, broadcastShapes, fmt, intList, numel, seqItems, tensorArg, wrapDim } from './args';

export { broadcastShapes, numel };
import { TorchError, UnknownValue, type Family, type Param, type TorchCtx, type TorchFn } from './types';

type KT = TensorVal & { shape: Shape };

// ---------------------------------------------------------------------------------------------------------------
// dtypes

const ORDER: DType[] = ['bool', 'uint8', 'int32', 'int64', 'float16', 'float32', 'float64'];
export const isFloating = (d: DType): boolean => d === 'float16' || d === 'float32' || d === 'float64';
/** For the dtypes modelled here, promote_types is the max in bool < uint8 < int32 < int64 < float16 < float32 < float64. */
export const promoteTypes = (a: DType, b: DType): DType => ORDER[Math.max(ORDER.indexOf(a), ORDER.indexOf(b))];

/** PyTorch's ScalarType name, as in messages (`Float`, `Long`). */
export const scalarTypeName = (d: DType): string =>
  ({ float32: 'Float', float64: 'Double', float16: 'Half', int64: 'Long', int32: 'Int', uint8: 'Byte', bool: 'Bool' })[d];
/** `torch.FloatTensor` and friends. */
export const tensorTypeName = (d: DType): string => `torch.${scalarTypeName(d)}Tensor`;

const DTYPE_NAMES: Record<string, DType> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', uint8: 'uint8', bool: 'bool',
};

/** The DType a dtype name denotes (`float32`, `torch.float`, `long` …), or null when it names none. */
export function dtypeFromName(name: string): DType | null {
  return DTYPE_NAMES[name.replace(/^torch\./, '')] ?? null;
}

/**
 * A `dtype=` argument: null for None/absent, float32 for an unknown value (the default dtype), else the DType.
 * Dtypes outside the model (int8, bfloat16, complex) give an UnknownValue.
 */
export function dtypeArg(v: Py | undefined, what = 'dtype'): DType | null {
  if (v === undefined || v.k === 'none') return null;
  if (v.k === 'unknown') return 'float32';
  if (v.k === 'str') {
    const d = dtypeFromName(v.v);
    if (d) return d;
    throw new UnknownValue(`${what} ${v.v} is not modelled`);
  }
  throw new TorchError(`${what} must be torch.dtype, not ${typeName(v)}`, 'TypeError');
}

const TENSOR_TYPES: Record<string, DType> = {
  FloatTensor: 'float32', DoubleTensor: 'float64', HalfTensor: 'float16', LongTensor: 'int64', IntTensor: 'int32',
  ByteTensor: 'uint8', BoolTensor: 'bool',
};

/** Operand of a type-promoting op: tensors with dims beat zero-dim tensors beat Python scalars within a category. */
interface Operand { dtype: DType; kind: 'dim' | 'zero' | 'wrapped' }

function promoteSkip(a: DType | undefined, b: DType | undefined): DType | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return promoteTypes(a, b);
}

function combineCategories(higher: DType | undefined, lower: DType | undefined): DType | undefined {
  if (higher !== undefined && isFloating(higher)) return higher;
  if (higher === 'bool' || (lower !== undefined && isFloating(lower))) return promoteSkip(higher, lower);
  if (higher !== undefined) return higher;
  return lower;
}

/** at::result_type over tensors and Python scalars. */
function resultType(ops: Operand[]): DType {
  let dim: DType | undefined;
  let zero: DType | undefined;
  let wrapped: DType | undefined;
  for (const o of ops) {
    if (o.kind === 'dim') dim = promoteSkip(dim, o.dtype);
    else if (o.kind === 'zero') zero = promoteSkip(zero, o.dtype);
    else wrapped = promoteSkip(wrapped, o.dtype);
  }
  return combineCategories(dim, combineCategories(zero, wrapped)) ?? 'float32';
}

function operandOf(v: Py): Operand | null {
  switch (v.k) {
    case 'tensor': return { dtype: v.dtype, kind: v.shape !== null && v.shape.length === 0 ? 'zero' : 'dim' };
    case 'int': return { dtype: 'int64', kind: 'wrapped' };
    case 'float': return { dtype: 'float32', kind: 'wrapped' };
    case 'bool': return { dtype: 'bool', kind: 'wrapped' };
    default: return null;
  }
}

const C_TYPE: Record<DType, string> = {
  float32: 'float', float64: 'double', float16: 'at::Half', int64: 'int64_t', int32: 'int', uint8: 'uint8_t', bool: 'bool',
};
const LIMITS: Record<DType, [number, number]> = {
  float32: [-3.4028234663852886e38, 3.4028234663852886e38], float64: [-Number.MAX_VALUE, Number.MAX_VALUE], float16: [-65504, 65504],
  int64: [-(2 ** 63), 2 ** 63 - 1], int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [0, 255], bool: [0, 1],
};

/**
 * c10::checked_convert of a Python scalar to `dtype` (fill values): PyTorch's
 * `value cannot be converted to type uint8_t without overflow`.
 */
export function checkScalarFits(v: Py, dtype: DType): void {
  if (dtype === 'bool' || (v.k !== 'int' && v.k !== 'float')) return;
  const [lo, hi] = LIMITS[dtype];
  let bad: boolean;
  if (v.k === 'int') {
    // integers may wrap into unsigned types: uint8 accepts -255..255
    bad = dtype === 'uint8' ? v.v > hi || (v.v < 0 && -v.v > hi) : v.v < lo || v.v > hi;
  } else if (!Number.isFinite(v.v)) {
    bad = Number.isNaN(v.v) ? !isFloating(dtype) : !isFloating(dtype);
  } else {
    bad = v.v < lo || v.v > hi;
  }
  if (bad) throw new TorchError(`value cannot be converted to type ${C_TYPE[dtype]} without overflow`);
}

// ---------------------------------------------------------------------------------------------------------------
// shape helpers



/** at::infer_size for view/reshape: resolves one -1. */
function inferSize(shape: number[], n: number): Shape {
  let newsize = 1;
  let inferDim = -1;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === -1) {
      if (inferDim >= 0) throw new TorchError('only one dimension can be inferred');
      inferDim = d;
    } else if (shape[d] >= 0) {
      newsize *= shape[d];
    } else {
      throw new TorchError(`invalid shape dimension ${shape[d]}`);
    }
  }
  if (n === newsize || (inferDim >= 0 && newsize > 0 && n % newsize === 0)) {
    const res = shape.slice();
    if (inferDim >= 0) {
      if (newsize === 0) {
        throw new TorchError(`cannot reshape tensor of 0 elements into shape ${fmt(shape)} because the unspecified dimension size -1 can be any value and is ambiguous`);
      }
      res[inferDim] = n / newsize;
    }
    return res;
  }
  throw new TorchError(`shape '${fmt(shape)}' is invalid for input of size ${n}`);
}

/** `check_size_nonnegative` of the factory functions. */
export function checkSizeNonNegative(size: number[]): void {
  for (const x of size) {
    if (x < 0) throw new TorchError(`Trying to create tensor with negative dimension ${x}: ${fmt(size)}`);
  }
}

/** The dims of a reduction (int or sequence), wrapped, with PyTorch's duplicate check. */
function dimList(v: Py, ndim: number, what = 'dim', wrapFirst = true): number[] {
  const items = seqItems(v);
  const raw = items === null ? intList([v], what) : intList(v, what);
  const seen = new Set<number>();
  if (wrapFirst) raw.forEach((d) => wrapDim(d, ndim));
  return raw.map((d) => {
    const w = wrapDim(d, ndim);
    if (seen.has(w)) throw new TorchError(`dim ${w} appears multiple times in the list of dims`);
    seen.add(w);
    return w;
  });
}

/** Shape after reducing `dims` (all dims when empty). */
function reduceShape(shape: Shape, dims: number[], keepdim: boolean): Shape {
  const all = dims.length === 0;
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (all || dims.includes(i)) {
      if (keepdim) out.push(1);
    } else {
      out.push(s);
    }
  });
  return out;
}

function int1(v: Py | undefined, name: string): number {
  if (v === undefined) throw new TorchError(`missing required argument '${name}'`, 'TypeError');
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'tensor' && v.shape !== null && v.shape.length === 0 && !isFloating(v.dtype)) {
    throw new UnknownValue(`${name} is the value of a tensor`);
  }
  throw new TorchError(`${name} must be int, not ${typeName(v)}`, 'TypeError');
}

function bool1(v: Py | undefined, name: string, dflt = false): boolean {
  if (v === undefined || v.k === 'none') return dflt;
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  if (v.k === 'bool') return v.v;
  if (v.k === 'int') return v.v !== 0;
  throw new TorchError(`${name} must be bool, not ${typeName(v)}`, 'TypeError');
}

const tup = (items: Py[], size = false): Py => (size ? { k: 'tuple', items, size: true } : { k: 'tuple', items });
const sizeVal = (s: Shape): Py => tup(s.map((v) => ({ k: 'int', v }) as Py), true);
const res = (shape: Shape, dtype: DType): TensorVal => tensor(shape, dtype);

// ---------------------------------------------------------------------------------------------------------------
// definition helpers: the same implementation serves `x.op(...)` and `torch.op(x, ...)`

type Impl = (self: KT, a: Map<string, Py>, ctx: TorchCtx) => Py;

function asMethod(name: string, sig: Param[], impl: Impl): TorchFn {
  return (args, ctx) => {
    const self = tensorArg(args.pos[0], 'self');
    return impl(self, bind(name, sig, { pos: args.pos.slice(1), kw: args.kw }), ctx);
  };
}

function asTorch(name: string, sig: Param[], impl: Impl): TorchFn {
  return (args, ctx) => {
    const a = bind(name, [{ name: 'input' }, ...sig], args);
    return impl(tensorArg(a.get('input'), 'input'), a, ctx);
  };
}

/** A shape-preserving op: keeps working (with an unknown shape) when the input shape is unknown. */
function keepShape(name: string, sig: Param[], dtypeOf: (self: TensorVal, a: Map<string, Py>) => DType): TorchFn {
  return (args) => {
    const self = args.pos[0];
    if (self === undefined || self.k !== 'tensor') tensorArg(self, 'self');
    const t = self as TensorVal;
    const a = bind(name, sig, { pos: args.pos.slice(1), kw: args.kw });
    return tensor(t.shape, dtypeOf(t, a), t.why);
  };
}

/** Varargs or one sequence (`x.view(2, 3)`, `x.view((2, 3))`, `size=`). */
function sizeArgs(name: string, args: CallArgs, from: number, kwName: string, required = true): number[] | null {
  const pos = args.pos.slice(from);
  const kw = args.kw.get(kwName);
  if (pos.length === 0) {
    if (kw !== undefined) return intList(kw, name);
    if (!required) return null;
    throw new TorchError(`${name}() missing 1 required positional arguments: "${kwName}"`, 'TypeError');
  }
  return intList(pos, name);
}

function extraKw(name: string, args: CallArgs, allowed: string[]): void {
  for (const k of args.kw.keys()) {
    if (!allowed.includes(k)) throw new TorchError(`${name}() got an unexpected keyword argument '${k}'`, 'TypeError');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// views and reshapes

function viewShape(self: KT, shape: number[]): TensorVal {
  return res(inferSize(shape, numel(self.shape)), self.dtype);
}

function viewDtype(self: KT, d: DType): TensorVal {
  const size = (x: DType) => ({ float32: 4, float64: 8, float16: 2, int64: 8, int32: 4, uint8: 1, bool: 1 })[x];
  const from = size(self.dtype);
  const to = size(d);
  if (from === to) return res(self.shape, d);
  const what = `to view ${scalarTypeName(self.dtype)} as ${scalarTypeName(d)} (different element sizes)`;
  if (self.shape.length === 0) throw new TorchError(`self.dim() cannot be 0 ${what}`);
  const last = self.shape[self.shape.length - 1];
  const shape = self.shape.slice();
  if (from > to) {
    shape[shape.length - 1] = last * (from / to);
    return res(shape, d);
  }
  const ratio = to / from;
  if (last % ratio !== 0) throw new TorchError(`self.size(-1) must be divisible by ${ratio} ${what}, but got ${last}`);
  // contiguous strides: stride(i) = product of the later sizes
  for (let i = 0; i < shape.length - 1; i++) {
    const stride = numel(shape.slice(i + 1).map((x) => Math.max(x, 1)));
    if (stride % ratio !== 0) throw new TorchError(`self.stride(${i}) must be divisible by ${ratio} ${what}, but got ${stride}`);
  }
  shape[shape.length - 1] = last / ratio;
  return res(shape, d);
}

const view: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  extraKw('view', args, ['size', 'dtype']);
  const first = args.pos[1] ?? args.kw.get('dtype');
  if (first !== undefined && first.k === 'str') return viewDtype(self, dtypeArg(first)!);
  if (args.pos.length < 2 && !args.kw.has('size')) {
    throw new TorchError('view() received an invalid combination of arguments - got (), but expected one of:\n * (torch.dtype dtype)\n * (tuple of SymInts size)\n', 'TypeError');
  }
  return viewShape(self, sizeArgs('view', args, 1, 'size')!);
};

const reshapeM: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  extraKw('reshape', args, ['shape']);
  return viewShape(self, sizeArgs('reshape', args, 1, 'shape')!);
};

const reshapeT: TorchFn = (args) => {
  const a = bind('reshape', [{ name: 'input' }, { name: 'shape' }], args);
  return viewShape(tensorArg(a.get('input'), 'input'), intList(a.get('shape')!, 'reshape'));
};

const flattenSig: Param[] = [{ name: 'start_dim', default: { k: 'int', v: 0 } }, { name: 'end_dim', default: { k: 'int', v: -1 } }];
const flattenImpl: Impl = (self, a) => {
  const nd = self.shape.length;
  const s = wrapDim(int1(a.get('start_dim'), 'start_dim'), nd);
  const e = wrapDim(int1(a.get('end_dim'), 'end_dim'), nd);
  if (s > e) throw new TorchError('flatten() has invalid args: start_dim cannot come after end_dim');
  if (nd === 0) return res([1], self.dtype);
  if (s === e) return res(self.shape, self.dtype);
  const shape = [...self.shape.slice(0, s), numel(self.shape.slice(s, e + 1)), ...self.shape.slice(e + 1)];
  return res(shape, self.dtype);
};

const unflattenSig: Param[] = [{ name: 'dim' }, { name: 'sizes' }];
/** Tensor.unflatten (Python) checks for empty sizes before the dim; torch.unflatten (C++) after. */
const unflattenImpl = (method: boolean): Impl => (self, a) => {
  const nd = self.shape.length;
  const sizes = intList(a.get('sizes')!, 'unflatten');
  if (method && sizes.length === 0) throw new TorchError('unflatten: sizes must be non-empty');
  const dim = wrapDim(int1(a.get('dim'), 'dim'), nd);
  if (sizes.length === 0) throw new TorchError('unflatten: sizes must be non-empty');
  if (nd === 0) throw new TorchError(`Dimension specified as ${dim} but tensor has no dimensions`, 'IndexError');
  let inferred: Shape;
  try {
    inferred = inferSize(sizes, self.shape[dim]);
  } catch (e) {
    if (!(e instanceof TorchError)) throw e;
    if (e.message === 'only one dimension can be inferred') throw new TorchError(`unflatten got an unexpected error:\n${e.message}`);
    if (e.message.includes('is invalid for input of size')) {
      throw new TorchError(`unflatten: Provided sizes ${fmt(sizes)} don't multiply up to the size of dim ${dim} (${self.shape[dim]}) in the input tensor`);
    }
    throw e;
  }
  return res([...self.shape.slice(0, dim), ...inferred, ...self.shape.slice(dim + 1)], self.dtype);
};

const squeezeSig: Param[] = [{ name: 'dim', default: { k: 'none' } }];
const squeezeImpl: Impl = (self, a) => {
  const d = a.get('dim')!;
  if (d.k === 'none') return res(self.shape.filter((s) => s !== 1), self.dtype);
  const dim = wrapDim(int1(d, 'dim'), self.shape.length);
  if (self.shape.length === 0 || self.shape[dim] !== 1) return res(self.shape, self.dtype);
  return res(self.shape.filter((_, i) => i !== dim), self.dtype);
};

const unsqueezeSig: Param[] = [{ name: 'dim' }];
const unsqueezeImpl: Impl = (self, a) => {
  const dim = wrapDim(int1(a.get('dim'), 'dim'), self.shape.length + 1);
  const shape = self.shape.slice();
  shape.splice(dim, 0, 1);
  return res(shape, self.dtype);
};

function permuteShape(self: KT, dims: number[]): TensorVal {
  const nd = self.shape.length;
  if (dims.length !== nd) {
    throw new TorchError(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${nd} is not equal to len(dims) = ${dims.length}`);
  }
  const seen = new Set<number>();
  const shape = dims.map((d) => {
    const w = wrapDim(d, nd);
    if (seen.has(w)) throw new TorchError('permute(): duplicate dims are not allowed.');
    seen.add(w);
    return self.shape[w];
  });
  return res(shape, self.dtype);
}

const permuteM: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  extraKw('permute', args, ['dims']);
  return permuteShape(self, sizeArgs('permute', args, 1, 'dims')!);
};
const permuteT: TorchFn = (args) => {
  const a = bind('permute', [{ name: 'input' }, { name: 'dims' }], args);
  return permuteShape(tensorArg(a.get('input'), 'input'), intList(a.get('dims')!, 'permute'));
};

const transposeSig: Param[] = [{ name: 'dim0' }, { name: 'dim1' }];
const transposeImpl: Impl = (self, a) => {
  const nd = self.shape.length;
  const d0 = wrapDim(int1(a.get('dim0'), 'dim0'), nd);
  const d1 = wrapDim(int1(a.get('dim1'), 'dim1'), nd);
  if (nd === 0) return res([], self.dtype);
  const shape = self.shape.slice();
  [shape[d0], shape[d1]] = [shape[d1], shape[d0]];
  return res(shape, self.dtype);
};

const tImpl: Impl = (self) => {
  const nd = self.shape.length;
  if (nd > 2) throw new TorchError(`t() expects a tensor with <= 2 dimensions, but self is ${nd}D`);
  return res(self.shape.slice().reverse(), self.dtype);
};

/** Attributes of a tensor value the interpreter may ask for: shape, ndim, dtype, T, mT, is_cuda … */
export function tensorAttr(t: TensorVal, name: string): Py | undefined {
  switch (name) {
    case 'dtype': return { k: 'str', v: t.dtype };
    case 'requires_grad': case 'is_cuda': case 'device': case 'grad': case 'data':
      return name === 'data' ? tensor(t.shape, t.dtype, t.why) : { k: 'unknown', why: `tensor.${name} is not known statically` };
  }
  if (t.shape === null) return { k: 'unknown', why: `the shape is unknown (${t.why ?? 'unknown'})` };
  switch (name) {
    case 'shape': return sizeVal(t.shape);
    case 'ndim': return { k: 'int', v: t.shape.length };
    case 'T': return res(t.shape.slice().reverse(), t.dtype);
    case 'mT': case 'mH': {
      const n = t.shape.length;
      if (n === 0) return res([], t.dtype);
      if (n < 2) throw new TorchError(`tensor.${name} is only supported on matrices or batches of matrices. Got ${n}-D tensor.`);
      const s = t.shape.slice();
      [s[n - 2], s[n - 1]] = [s[n - 1], s[n - 2]];
      return res(s, t.dtype);
    }
  }
  return undefined;
}

function expandShape(self: KT, sizes: number[]): TensorVal {
  const td = self.shape.length;
  if (sizes.length < td) {
    throw new TorchError(`expand(${tensorTypeName(self.dtype)}{${fmt(self.shape)}}, size=${fmt(sizes)}): the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${td})`);
  }
  let out: number[];
  if (td === 0) {
    out = sizes.slice();
  } else {
    const n = sizes.length;
    out = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      const off = n - 1 - i;
      const dim = td - 1 - off;
      let size = dim >= 0 ? self.shape[dim] : 1;
      let target = sizes[i];
      if (target === -1) {
        if (dim < 0) throw new TorchError(`The expanded size of the tensor (${target}) isn't allowed in a leading, non-existing dimension ${i}`);
        target = size;
      }
      if (size !== target) {
        if (size !== 1) {
          throw new TorchError(`The expanded size of the tensor (${target}) must match the existing size (${size}) at non-singleton dimension ${i}.  Target sizes: ${fmt(sizes)}.  Tensor sizes: ${fmt(self.shape)}`);
        }
        size = target;
      }
      out[i] = size;
    }
  }
  if (out.some((s) => s < 0)) {
    // safe_compute_numel multiplies the sizes as uint64
    let prod = 1n;
    let overflow = false;
    for (const s of out) {
      prod *= BigInt.asUintN(64, BigInt(s));
      if (prod >= 1n << 64n) { overflow = true; prod = BigInt.asUintN(64, prod); }
    }
    if (overflow || prod > (1n << 63n) - 1n) throw new TorchError('numel: integer multiplication overflow');
    throw new UnknownValue('expand to a negative size');
  }
  return res(out, self.dtype);
}

const expandM: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  extraKw('expand', args, ['size', 'implicit']);
  return expandShape(self, sizeArgs('expand', args, 1, 'size')!);
};

const expandAs: TorchFn = (args) => {
  const a = bind('expand_as', [{ name: 'other' }], { pos: args.pos.slice(1), kw: args.kw });
  return expandShape(tensorArg(args.pos[0], 'self'), tensorArg(a.get('other'), 'other').shape);
};

function repeatShape(self: KT, reps: number[]): TensorVal {
  if (reps.length < self.shape.length) {
    throw new TorchError('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  }
  const padded = [...new Array<number>(reps.length - self.shape.length).fill(1), ...self.shape];
  const target = padded.map((s, i) => s * reps[i]);
  checkSizeNonNegative(target);
  return res(target, self.dtype);
}

const repeatM: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  extraKw('repeat', args, ['repeats']);
  return repeatShape(self, sizeArgs('repeat', args, 1, 'repeats')!);
};

const narrowSig: Param[] = [{ name: 'dim' }, { name: 'start' }, { name: 'length' }];
const narrowImpl: Impl = (self, a) => {
  if (self.shape.length === 0) throw new TorchError('narrow() cannot be applied to a 0-dim tensor.');
  const dim = wrapDim(int1(a.get('dim'), 'dim'), self.shape.length);
  const cur = self.shape[dim];
  let start = int1(a.get('start'), 'start');
  const length = int1(a.get('length'), 'length');
  if (start !== cur) start = wrapDim(start, cur);
  if (!(length >= 0 && start <= cur - length)) {
    throw new TorchError(`start (${start}) + length (${length}) exceeds dimension size (${cur}).`);
  }
  const shape = self.shape.slice();
  shape[dim] = length;
  return res(shape, self.dtype);
};

const selectSig: Param[] = [{ name: 'dim' }, { name: 'index' }];
const selectImpl: Impl = (self, a) => {
  const nd = self.shape.length;
  if (nd === 0) throw new TorchError('select() cannot be applied to a 0-dim tensor.', 'IndexError');
  const dim = wrapDim(int1(a.get('dim'), 'dim'), nd);
  const index = a.get('index')!;
  if (index.k === 'tensor' || index.k === 'unknown') return res(self.shape.filter((_, i) => i !== dim), self.dtype);
  const i = int1(index, 'index');
  const size = self.shape[dim];
  if (size < -i || size <= i) {
    throw new TorchError(`select(): index ${i} out of range for tensor of size ${fmt(self.shape)} at dimension ${dim}`, 'IndexError');
  }
  return res(self.shape.filter((_, j) => j !== dim), self.dtype);
};

const indexSelectSig: Param[] = [{ name: 'dim' }, { name: 'index' }];
const indexSelectImpl: Impl = (self, a) => {
  const nd = self.shape.length;
  const dim = wrapDim(int1(a.get('dim'), 'dim'), nd);
  const index = tensorArg(a.get('index'), 'index');
  if (index.shape.length > 1) throw new TorchError('index_select(): Index is supposed to be a vector', 'IndexError');
  if (index.dtype !== 'int64' && index.dtype !== 'int32') throw new TorchError('index_select(): Expected dtype int32 or int64 for index');
  if (nd === 0) return res([], self.dtype);
  const n = numel(index.shape);
  if (self.shape[dim] === 0 && n > 0) {
    if (nd === 1) throw new TorchError('index out of range in self', 'IndexError');
    throw new TorchError('index_select(): self indexing axis dim should be positive');
  }
  const shape = self.shape.slice();
  shape[dim] = n;
  return res(shape, self.dtype);
};

const maskedFillSig: Param[] = [{ name: 'mask' }, { name: 'value' }];
const maskedFillImpl: Impl = (self, a) => {
  const mask = tensorArg(a.get('mask'), 'mask');
  const shape = broadcastShapes(mask.shape, self.shape);
  const value = a.get('value')!;
  if (value.k === 'tensor' && value.shape !== null && value.shape.length !== 0) {
    throw new TorchError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.shape.length} dimension(s).`);
  }
  checkScalarFits(value, self.dtype);
  return res(shape, self.dtype);
};
const maskedFillInplace: Impl = (self, a) => {
  const mask = tensorArg(a.get('mask'), 'mask');
  const value = a.get('value')!;
  if (value.k === 'tensor' && value.shape !== null && value.shape.length !== 0) {
    throw new TorchError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.shape.length} dimension(s).`);
  }
  const shape = broadcastShapes(self.shape, mask.shape);
  if (fmt(shape) !== fmt(self.shape)) {
    throw new TorchError(`output with shape ${fmt(self.shape)} doesn't match the broadcast shape ${fmt(shape)}`);
  }
  checkScalarFits(value, self.dtype);
  return res(self.shape, self.dtype);
};

// ---------------------------------------------------------------------------------------------------------------
// type conversion

const toM: TorchFn = (args) => {
  const self = args.pos[0];
  if (self === undefined || self.k !== 'tensor') tensorArg(self, 'self');
  const t = self as TensorVal;
  extraKw('to', args, ['dtype', 'device', 'non_blocking', 'copy', 'memory_format']);
  let dtype = t.dtype;
  for (const v of args.pos.slice(1)) {
    if (v.k === 'tensor') dtype = v.dtype;
    else if (v.k === 'str') {
      const d = dtypeFromName(v.v);
      if (d) dtype = d;
      else if (/^torch\.(int8|int16|bfloat16|complex|uint16|uint32|uint64|qint|quint)/.test(v.v) || /^(int8|int16|bfloat16|complex64|complex128)$/.test(v.v)) {
        throw new UnknownValue(`dtype ${v.v} is not modelled`);
      }
      // otherwise a device ('cpu', 'cuda:0')
    }
    // unknown positional: most often a device
  }
  const kd = dtypeArg(args.kw.get('dtype'));
  if (kd) dtype = kd;
  return tensor(t.shape, dtype, t.why);
};

const typeM: TorchFn = (args) => {
  const self = args.pos[0];
  if (self === undefined || self.k !== 'tensor') tensorArg(self, 'self');
  const t = self as TensorVal;
  const a = bind('type', [{ name: 'dtype', default: { k: 'none' } }, { name: 'non_blocking', default: { k: 'bool', v: false } }], { pos: args.pos.slice(1), kw: args.kw });
  const d = a.get('dtype')!;
  if (d.k === 'none') return { k: 'str', v: tensorTypeName(t.dtype) };
  if (d.k === 'str') {
    const m = /^torch\.(?:cuda\.)?(\w+Tensor)$/.exec(d.v);
    if (m) {
      const dt = TENSOR_TYPES[m[1]];
      if (!dt) throw new UnknownValue(`tensor type ${d.v} is not modelled`);
      return tensor(t.shape, dt, t.why);
    }
    return tensor(t.shape, dtypeArg(d)!, t.why);
  }
  if (d.k === 'unknown') throw new UnknownValue(`dtype is unknown (${d.why})`);
  throw new TorchError(`type(): argument 'dtype' must be torch.dtype, not ${typeName(d)}`, 'TypeError');
};

const same = (t: TensorVal) => t.dtype;
const castTo = (d: DType) => () => d;

// ---------------------------------------------------------------------------------------------------------------
// arithmetic

const OP_NAMES: Record<string, string> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '//': 'floor_divide', '%': 'remainder', '**': 'pow',
  '&': 'bitwise_and', '|': 'bitwise_or', '^': 'bitwise_xor', '@': 'matmul',
  '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne',
};

function pyArith(a: Py & { v: number | boolean }, b: Py & { v: number | boolean }, op: string): Py {
  const x = Number(a.v);
  const y = Number(b.v);
  const ints = a.k !== 'float' && b.k !== 'float';
  const num = (v: number, isInt: boolean): Py => (isInt ? { k: 'int', v } : { k: 'float', v });
  switch (op) {
    case '+': return num(x + y, ints);
    case '-': return num(x - y, ints);
    case '*': return num(x * y, ints);
    case '/': return y === 0 ? { k: 'unknown', why: 'division by zero' } : { k: 'float', v: x / y };
    case '//': return y === 0 ? { k: 'unknown', why: 'division by zero' } : num(Math.floor(x / y), ints);
    case '%': return y === 0 ? { k: 'unknown', why: 'division by zero' } : num(x - y * Math.floor(x / y), ints);
    case '**': return num(x ** y, ints && y >= 0);
    case '<': return { k: 'bool', v: x < y };
    case '<=': return { k: 'bool', v: x <= y };
    case '>': return { k: 'bool', v: x > y };
    case '>=': return { k: 'bool', v: x >= y };
    case '==': return { k: 'bool', v: x === y };
    case '!=': return { k: 'bool', v: x !== y };
    case '&': case '|': case '^':
      if (!ints) throw new TorchError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`, 'TypeError');
      {
        const r = op === '&' ? x & y : op === '|' ? x | y : x ^ y;
        return a.k === 'bool' && b.k === 'bool' ? { k: 'bool', v: r !== 0 } : { k: 'int', v: r };
      }
  }
  return { k: 'unknown', why: `operator ${op} is not modelled` };
}

/**
 * `a <op> b` where at least one side is a tensor (Python numbers on both sides are computed as Python does).
 * op: + - * / // % ** & | ^ @ and comparisons (< <= > >= == !=). Call as `binaryOp(op, a, b)` or
 * `binaryOp(a, b, op = '+')`.
 */
export function binaryOp(op: string, a: Py, b: Py): Py;
export function binaryOp(a: Py, b: Py, op?: string): Py;
export function binaryOp(x: string | Py, y: Py, z?: string | Py): Py {
  if (typeof x === 'string') return binaryOpImpl(y, z as Py, x);
  return binaryOpImpl(x, y, (z as string | undefined) ?? '+');
}

function binaryOpImpl(a: Py, b: Py, op: string): Py {
  if (a.k === 'unknown') return a;
  if (b.k === 'unknown') return b;
  if (a.k !== 'tensor' && b.k !== 'tensor') {
    if ((a.k === 'int' || a.k === 'float' || a.k === 'bool') && (b.k === 'int' || b.k === 'float' || b.k === 'bool')) return pyArith(a, b, op);
    return { k: 'unknown', why: `${typeName(a)} ${op} ${typeName(b)} is not a tensor operation` };
  }
  if (op === '@') {
    if (a.k !== 'tensor' || b.k !== 'tensor') {
      throw new TorchError(`unsupported operand type(s) for @: '${typeName(a)}' and '${typeName(b)}'`, 'TypeError');
    }
    return matmulVals(a, b);
  }
  const oa = operandOf(a);
  const ob = operandOf(b);
  if (oa === null || ob === null) {
    const other = oa === null ? a : b;
    if (op === '==' || op === '!=') return { k: 'bool', v: op === '!=' };
    if (op === '*' && (other.k === 'list' || other.k === 'tuple' || other.k === 'str')) {
      throw new TorchError('only integer tensors of a single element can be converted to an index', 'TypeError');
    }
    if (a.k === 'list' && op === '+') throw new TorchError('can only concatenate list (not "Tensor") to list', 'TypeError');
    if (a.k === 'tuple' && op === '+') throw new TorchError('can only concatenate tuple (not "Tensor") to tuple', 'TypeError');
    const sym = op === '**' ? '** or pow()' : op;
    throw new TorchError(`unsupported operand type(s) for ${sym}: '${typeName(a)}' and '${typeName(b)}'`, 'TypeError');
  }
  const ta = a.k === 'tensor' ? a : null;
  const tb = b.k === 'tensor' ? b : null;
  if (op === '-') {
    if (oa.dtype === 'bool' && ob.dtype === 'bool') {
      throw new TorchError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
    }
    if (oa.dtype === 'bool' || ob.dtype === 'bool') {
      throw new TorchError('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
    }
  }
  let shape: Shape | null;
  if ((ta && ta.shape === null) || (tb && tb.shape === null)) shape = null;
  else if (ta && tb) shape = broadcastShapes(ta.shape!, tb.shape!);
  else shape = (ta ?? tb)!.shape;
  let dtype = resultType([oa, ob]);
  switch (op) {
    case '<': case '<=': case '>': case '>=': case '==': case '!=':
      dtype = 'bool';
      break;
    case '/':
      if (!isFloating(dtype)) dtype = 'float32';
      break;
    case '//': case '%':
      if (dtype === 'bool') throw new TorchError(`"${op === '//' ? 'div_floor_cpu' : 'remainder_cpu'}" not implemented for 'Bool'`);
      if (!isFloating(dtype) && (b.k === 'int' || b.k === 'bool') && Number(b.v) === 0 && shape !== null && numel(shape) > 0) throw new TorchError('ZeroDivisionError');
      break;
    case '**':
      if (ta && !isFloating(ta.dtype) && b.k === 'int' && b.v < 0) throw new TorchError('Integers to negative integer powers are not allowed.');
      if (dtype === 'bool') throw new TorchError(`"pow" not implemented for 'Bool'`);
      break;
    case '&': case '|': case '^':
      if (isFloating(dtype)) throw new TorchError(`"${OP_NAMES[op]}_cpu" not implemented for '${scalarTypeName(dtype)}'`);
      break;
    case '+': case '-': case '*':
      break;
    default:
      throw new UnknownValue(`operator ${op} is not modelled`);
  }
  return tensor(shape, dtype, shape === null ? 'unknown shape' : undefined);
}

/** A method form of a binary op (`x.add(y)`, `torch.add(x, y)`), with in-place variants. */
function binMethod(op: string, name: string, opts: { inplace?: boolean; alpha?: boolean; rounding?: boolean; torch?: boolean } = {}): TorchFn {
  const sig: Param[] = [{ name: 'other' }];
  if (opts.alpha) sig.push({ name: 'alpha', default: { k: 'int', v: 1 } });
  if (opts.rounding) sig.push({ name: 'rounding_mode', default: { k: 'none' } });
  return (args) => {
    const a = opts.torch
      ? bind(name, [{ name: 'input' }, ...sig], args)
      : bind(name, sig, { pos: args.pos.slice(1), kw: args.kw });
    const self = opts.torch ? a.get('input')! : args.pos[0];
    if (self === undefined) throw new TorchError(`${name}() missing 1 required positional argument: 'input'`, 'TypeError');
    const other = a.get('other')!;
    if (opts.rounding) {
      const rm = a.get('rounding_mode')!;
      if (rm.k === 'str') {
        if (rm.v !== 'trunc' && rm.v !== 'floor') {
          throw new TorchError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${rm.v}'`);
        }
        const r = binaryOpRounded(self, other, rm.v);
        return opts.inplace ? inplaceCheck(self, r) : r;
      }
    }
    const r0 = binaryOp(self, other, op);
    const r = opts.inplace ? inplaceShapeCheck(self, r0) : r0;
    if (opts.alpha && r.k === 'tensor') {
      const al = a.get('alpha')!;
      if (al.k === 'bool' && r.dtype !== 'bool') throw new TorchError('Boolean alpha only supported for Boolean results.');
      if (al.k === 'float' && !isFloating(r.dtype)) {
        throw new TorchError('For integral input tensors, argument alpha must not be a floating point number.');
      }
    }
    return opts.inplace ? inplaceCheck(self, r) : r;
  };
}

function binaryOpRounded(a: Py, b: Py, mode: string): Py {
  const r = binaryOp(a, b, '*'); // shape and promoted dtype, no division semantics
  if (r.k !== 'tensor') return r;
  if (r.dtype === 'bool') throw new TorchError(`"div_${mode}_cpu" not implemented for 'Bool'`);
  if (!isFloating(r.dtype) && (b.k === 'int' || b.k === 'bool') && Number(b.v) === 0 && r.shape !== null && numel(r.shape) > 0) throw new TorchError('ZeroDivisionError');
  return r;
}

function inplaceShapeCheck(self: Py, r: Py): Py {
  if (self.k === 'tensor' && r.k === 'tensor' && self.shape !== null && r.shape !== null && fmt(self.shape) !== fmt(r.shape)) {
    throw new TorchError(`output with shape ${fmt(self.shape)} doesn't match the broadcast shape ${fmt(r.shape)}`);
  }
  return r;
}

function inplaceCheck(self: Py, r: Py): Py {
  if (self.k !== 'tensor' || r.k !== 'tensor') return r;
  inplaceShapeCheck(self, r);
  if (!canCast(r.dtype, self.dtype)) {
    throw new TorchError(`result type ${scalarTypeName(r.dtype)} can't be cast to the desired output type ${scalarTypeName(self.dtype)}`);
  }
  return tensor(self.shape, self.dtype, self.why);
}

/** c10::canCast: no float -> integral, no non-bool -> bool. */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from) && !isFloating(to)) return false;
  if (from !== 'bool' && to === 'bool') return false;
  return true;
}

/** max(other)/min(other)/maximum/minimum: broadcast and promote like any binary op. */
const elementwisePair = (self: Py, other: Py): Py => binaryOp(self, other, '*');

// ---------------------------------------------------------------------------------------------------------------
// matmul

const mulFail = (a: number, b: number, c: number, d: number) => new TorchError(`mat1 and mat2 shapes cannot be multiplied (${a}x${b} and ${c}x${d})`);
const mvFail = (n: number, m: number, k: number) => new TorchError(`size mismatch, got ${n}, ${n}x${m},${k}`);

/** Which kernel torch.matmul dispatches to, with the shapes it passes; the output shape. */
interface MatmulPlan {
  out: Shape;
  /** the dtype-checked kernel call: kernel name and which of (a, b) is passed as `self` */
  kernel: 'dot' | 'mv' | 'mm' | 'bmm';
  selfIsA: boolean;
}

function matmulPlan(a: Shape, b: Shape): MatmulPlan {
  const da = a.length;
  const db = b.length;
  if (da === 0 || db === 0) {
    throw new TorchError(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  }
  if (da === 1 && db === 1) {
    if (a[0] !== b[0]) {
      throw new TorchError(`inconsistent tensor size, expected tensor [${a[0]}] and src [${b[0]}] to have the same number of elements, but got ${a[0]} and ${b[0]} elements respectively`);
    }
    return { out: [], kernel: 'dot', selfIsA: true };
  }
  if (da === 2 && db === 1) {
    if (a[1] !== b[0]) throw mvFail(a[0], a[1], b[0]);
    return { out: [a[0]], kernel: 'mv', selfIsA: true };
  }
  if (da === 1 && db === 2) {
    if (a[0] !== b[0]) throw mulFail(1, a[0], b[0], b[1]);
    return { out: [b[1]], kernel: 'mm', selfIsA: true };
  }
  if (da === 2 && db === 2) {
    if (a[1] !== b[0]) throw mulFail(a[0], a[1], b[0], b[1]);
    return { out: [a[0], b[1]], kernel: 'mm', selfIsA: true };
  }
  if (da >= 3 && (db === 1 || db === 2)) {
    const batch = a.slice(0, -1);
    const folded = numel(batch);
    const m1 = a[da - 1];
    if (db === 2) {
      if (m1 !== b[0]) throw mulFail(folded, m1, b[0], b[1]);
      return { out: [...batch, b[1]], kernel: 'mm', selfIsA: true };
    }
    if (m1 !== b[0]) throw mvFail(folded, m1, b[0]);
    return { out: batch, kernel: 'mv', selfIsA: true };
  }
  if (db >= 3 && (da === 1 || da === 2)) {
    // transposed: t1 = b.mT (..., p, m2), t2 = a.t() or a
    const p = b[db - 1];
    const m2 = b[db - 2];
    const batch = b.slice(0, -2);
    const folded = numel(batch) * p;
    if (da === 2) {
      const n = a[0];
      const m1 = a[1];
      if (m2 !== m1) throw mulFail(folded, m2, m1, n);
      return { out: [...batch, n, p], kernel: 'mm', selfIsA: false };
    }
    if (m2 !== a[0]) throw mvFail(folded, m2, a[0]);
    return { out: [...batch, p], kernel: 'mv', selfIsA: false };
  }
  // both >= 3: broadcast the batch dims, then bmm
  const n = a[da - 2];
  const m1 = a[da - 1];
  const m2 = b[db - 2];
  const p = b[db - 1];
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  const bp = numel(batch);
  if (m2 !== m1) {
    throw new TorchError(`Expected size for first two dimensions of batch2 tensor to be: [${bp}, ${m1}] but got: [${bp}, ${m2}].`);
  }
  return { out: [...batch, n, p], kernel: 'bmm', selfIsA: true };
}

/** Output shape of `a @ b` (torch.matmul), with PyTorch's message for each failing case. */
export function matmulShape(a: Shape, b: Shape): Shape {
  return matmulPlan(a, b).out;
}

const KERNEL_BOOL: Record<string, string> = { dot: 'dot', mv: 'addmv_impl_cpu', mm: 'addmm_impl_cpu_', bmm: 'bmm' };

function matmulVals(a: TensorVal, b: TensorVal): Py {
  if (a.shape === null || b.shape === null) {
    return tensor(null, a.dtype === b.dtype ? a.dtype : 'float32', `the shape of ${a.shape === null ? 'the left' : 'the right'} operand is unknown`);
  }
  if (a.shape.length === 1 && b.shape.length === 1 && a.dtype !== b.dtype) checkMatmulDtypes('dot', a.dtype, b.dtype);
  const plan = matmulPlan(a.shape, b.shape);
  checkMatmulDtypes(plan.kernel, plan.selfIsA ? a.dtype : b.dtype, plan.selfIsA ? b.dtype : a.dtype);
  return res(plan.out, a.dtype);
}

function checkMatmulDtypes(kernel: string, self: DType, other: DType): void {
  if (self !== other) {
    if (kernel === 'dot') {
      throw new TorchError(`dot : expected both vectors to have same dtype, but found ${scalarTypeName(self)} and ${scalarTypeName(other)}`);
    }
    throw new TorchError(`expected scalar type ${scalarTypeName(self)} but found ${scalarTypeName(other)}`);
  }
  if (self === 'bool') throw new TorchError(`"${KERNEL_BOOL[kernel]}" not implemented for 'Bool'`);
}

const matmulT: TorchFn = (args) => {
  const a = bind('matmul', [{ name: 'input' }, { name: 'other' }], args);
  return matmulVals(tensorArg(a.get('input'), 'input'), tensorArg(a.get('other'), 'other'));
};
const matmulM: TorchFn = (args) => {
  const a = bind('matmul', [{ name: 'other' }], { pos: args.pos.slice(1), kw: args.kw });
  return matmulVals(tensorArg(args.pos[0], 'self'), tensorArg(a.get('other'), 'other'));
};

function mm(x: KT, y: KT): Py {
  if (x.shape.length !== 2) throw new TorchError('self must be a matrix');
  if (y.shape.length !== 2) throw new TorchError('mat2 must be a matrix');
  if (x.shape[1] !== y.shape[0]) throw mulFail(x.shape[0], x.shape[1], y.shape[0], y.shape[1]);
  checkMatmulDtypes('mm', x.dtype, y.dtype);
  return res([x.shape[0], y.shape[1]], x.dtype);
}

function bmm(x: KT, y: KT): Py {
  if (x.shape.length !== 3) throw new TorchError('batch1 must be a 3D tensor');
  if (y.shape.length !== 3) throw new TorchError('batch2 must be a 3D tensor');
  const [b, n, m] = x.shape;
  if (y.shape[0] !== b || y.shape[1] !== m) {
    throw new TorchError(`Expected size for first two dimensions of batch2 tensor to be: [${b}, ${m}] but got: [${y.shape[0]}, ${y.shape[1]}].`);
  }
  checkMatmulDtypes('bmm', x.dtype, y.dtype);
  return res([b, n, y.shape[2]], x.dtype);
}

function mv(x: KT, y: KT): Py {
  if (x.shape.length === 0) throw new TorchError('Dimension specified as 0 but tensor has no dimensions', 'IndexError');
  if (x.shape.length !== 2 || y.shape.length !== 1) {
    throw new TorchError(`vector + matrix @ vector expected, got 1, ${x.shape.length}, ${y.shape.length}`);
  }
  if (x.shape[1] !== y.shape[0]) throw mvFail(x.shape[0], x.shape[1], y.shape[0]);
  checkMatmulDtypes('mv', x.dtype, y.dtype);
  return res([x.shape[0]], x.dtype);
}

function dot(x: KT, y: KT): Py {
  if (x.shape.length !== 1 || y.shape.length !== 1) {
    throw new TorchError(`1D tensors expected, but got ${x.shape.length}D and ${y.shape.length}D tensors`);
  }
  if (x.dtype !== y.dtype) checkMatmulDtypes('dot', x.dtype, y.dtype);
  if (x.shape[0] !== y.shape[0]) {
    throw new TorchError(`inconsistent tensor size, expected tensor [${x.shape[0]}] and src [${y.shape[0]}] to have the same number of elements, but got ${x.shape[0]} and ${y.shape[0]} elements respectively`);
  }
  checkMatmulDtypes('dot', x.dtype, y.dtype);
  return res([], x.dtype);
}

function pair(name: string, f: (x: KT, y: KT) => Py, otherName: string): { m: TorchFn; t: TorchFn } {
  return {
    m: (args) => {
      const a = bind(name, [{ name: otherName }], { pos: args.pos.slice(1), kw: args.kw });
      return f(tensorArg(args.pos[0], 'self'), tensorArg(a.get(otherName), otherName));
    },
    t: (args) => {
      const a = bind(name, [{ name: 'input' }, { name: otherName }], args);
      return f(tensorArg(a.get('input'), 'input'), tensorArg(a.get(otherName), otherName));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// reductions

function sumLike(name: 'sum' | 'prod' | 'mean'): { sig: Param[]; impl: Impl } {
  const sig: Param[] = [{ name: 'dim', default: { k: 'none' } }, { name: 'keepdim', default: { k: 'bool', v: false } }, { name: 'dtype', default: { k: 'none' } }];
  const impl: Impl = (self, a) => {
    const want = dtypeArg(a.get('dtype'));
    if (name === 'mean') {
      if (want !== null && !isFloating(want)) {
        throw new TorchError(`mean(): could not infer output dtype. Optional dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(want)}`);
      }
      if (want === null && !isFloating(self.dtype)) {
        throw new TorchError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(self.dtype)}`);
      }
    }
    const d = a.get('dim')!;
    const keepdim = bool1(a.get('keepdim'), 'keepdim');
    if (name === 'prod' && d.k !== 'none' && seqItems(d) !== null) {
      throw new TorchError(`prod(): argument 'dim' must be int, not ${typeName(d)}`, 'TypeError');
    }
    const dims = d.k === 'none' ? [] : dimList(d, self.shape.length);
    const dtype = want ?? (name === 'mean' ? self.dtype : isFloating(self.dtype) ? self.dtype : 'int64');
    return res(reduceShape(self.shape, dims, d.k === 'none' && name !== 'mean' && name !== 'sum' ? false : keepdim), dtype);
  };
  return { sig, impl };
}

function emptyAllCheck(name: string, self: KT, idx: boolean): void {
  if (numel(self.shape) === 0) {
    if (idx) throw new TorchError(`${name}(): Expected reduction dim to be specified for input.numel() == 0.`, 'IndexError');
    throw new TorchError(`${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
  }
}

function emptyDimCheck(name: string, self: KT, dims: number[]): void {
  if (numel(self.shape) !== 0) return;
  for (const d of dims) {
    if (self.shape.length > 0 && self.shape[d] === 0) {
      throw new TorchError(`${name}(): Expected reduction dim ${d} to have non-zero size.`, 'IndexError');
    }
  }
}

function maxMin(name: 'max' | 'min'): { sig: Param[]; impl: Impl } {
  const sig: Param[] = [{ name: 'dim', default: { k: 'none' } }, { name: 'keepdim', default: { k: 'bool', v: false } }, { name: 'other', default: { k: 'none' } }];
  const impl: Impl = (self, a) => {
    const d = a.get('dim')!;
    const other = a.get('other')!;
    if (d.k === 'tensor' || other.k === 'tensor') return elementwisePair(self, d.k === 'tensor' ? d : other);
    if (d.k === 'none') {
      if (a.get('keepdim')!.k !== 'bool' || (a.get('keepdim') as { v: boolean }).v) {
        throw new UnknownValue(`${name}(keepdim=...) without dim is not a valid overload`);
      }
      emptyAllCheck(name, self, false);
      return res([], self.dtype);
    }
    const dim = wrapDim(int1(d, 'dim'), self.shape.length);
    emptyDimCheck(name, self, [dim]);
    const shape = reduceShape(self.shape, [dim], bool1(a.get('keepdim'), 'keepdim'));
    return tup([res(shape, self.dtype), res(shape, 'int64')]);
  };
  return { sig, impl };
}

function amaxLike(name: 'amax' | 'amin'): { sig: Param[]; impl: Impl } {
  const sig: Param[] = [{ name: 'dim', default: { k: 'tuple', items: [] } }, { name: 'keepdim', default: { k: 'bool', v: false } }];
  const impl: Impl = (self, a) => {
    const d = a.get('dim')!;
    if (numel(self.shape) === 0) {
      // zero_numel_check_dims runs on the dims as given, before they are wrapped and checked for repeats
      const raw = d.k === 'none' ? [] : seqItems(d) === null ? [int1(d, 'dim')] : intList(d, name);
      if (raw.length === 0) emptyAllCheck(name, self, false);
      for (const r of raw) {
        if (self.shape[wrapDim(r, self.shape.length)] === 0) {
          throw new TorchError(`${name}(): Expected reduction dim ${r} to have non-zero size.`, 'IndexError');
        }
      }
    }
    const dims = d.k === 'none' ? [] : dimList(d, self.shape.length);
    return res(reduceShape(self.shape, dims, bool1(a.get('keepdim'), 'keepdim')), self.dtype);
  };
  return { sig, impl };
}

function argLike(name: 'argmax' | 'argmin'): { sig: Param[]; impl: Impl } {
  const sig: Param[] = [{ name: 'dim', default: { k: 'none' } }, { name: 'keepdim', default: { k: 'bool', v: false } }];
  const impl: Impl = (self, a) => {
    const d = a.get('dim')!;
    const keepdim = bool1(a.get('keepdim'), 'keepdim');
    let shape: Shape;
    let trivial = false;
    if (d.k === 'none') {
      emptyAllCheck(name, self, true);
      shape = keepdim ? self.shape.map(() => 1) : [];
    } else {
      if (seqItems(d) !== null) throw new TorchError(`${name}(): argument 'dim' (position 1) must be int, not ${typeName(d)}`, 'TypeError');
      const dim = wrapDim(int1(d, 'dim'), self.shape.length);
      emptyDimCheck(name, self, [dim]);
      shape = reduceShape(self.shape, [dim], keepdim);
      // reducing a dim of size 1 needs no kernel
      trivial = self.shape.length > 0 && (self.shape[dim] === 1 || numel(self.shape) === 0);
    }
    if (self.dtype === 'bool' && !trivial) throw new TorchError(`"${name}_cpu" not implemented for 'Bool'`);
    return res(shape, 'int64');
  };
  return { sig, impl };
}

/** std and var share signature and rules. */
function stdVar(): { sig: Param[]; impl: Impl } {
  const sig: Param[] = [{ name: 'dim', default: { k: 'none' } }, { name: 'unbiased', default: { k: 'bool', v: true } }, { name: 'keepdim', default: { k: 'bool', v: false } }, { name: 'correction', default: { k: 'none' } }];
  const impl: Impl = (self, a) => {
    let d = a.get('dim')!;
    let keepdim = a.get('keepdim')!;
    if (d.k === 'bool') {
      // the std(bool unbiased) overload
      keepdim = { k: 'bool', v: false };
      d = { k: 'none' };
    }
    if (!isFloating(self.dtype)) throw new TorchError('std and var only support floating point and complex dtypes');
    const dims = d.k === 'none' ? [] : dimList(d, self.shape.length, 'dim', false);
    return res(reduceShape(self.shape, dims, bool1(keepdim, 'keepdim')), self.dtype);
  };
  return { sig, impl };
}

const normSig: Param[] = [{ name: 'p', default: { k: 'str', v: 'fro' } }, { name: 'dim', default: { k: 'none' } }, { name: 'keepdim', default: { k: 'bool', v: false } }, { name: 'out', default: { k: 'none' } }, { name: 'dtype', default: { k: 'none' } }];
const normImpl: Impl = (self, a) => {
  const p = a.get('p')!;
  const d = a.get('dim')!;
  const keepdim = bool1(a.get('keepdim'), 'keepdim');
  const want = dtypeArg(a.get('dtype'));
  const nd = self.shape.length;
  const dtypeCheck = (): void => {
    if (want !== null) {
      if (!isFloating(want)) {
        throw new TorchError(`norm(): the desired output dtype should be either floating point or complex. Got ${scalarTypeName(want)} instead.`);
      }
    } else if (!isFloating(self.dtype)) {
      throw new TorchError(`norm(): input dtype should be either floating point or complex. Got ${scalarTypeName(self.dtype)} instead.`);
    }
  };
  const vectorNorm = (dims: number[]): Py => {
    dtypeCheck();
    return res(reduceShape(self.shape, dims, keepdim), want ?? self.dtype);
  };
  const rawDims = (): number[] | null => (d.k === 'none' ? null : seqItems(d) === null ? [int1(d, 'dim')] : intList(d, 'norm'));
  if (p.k === 'unknown') throw new UnknownValue(`p is unknown (${p.why})`);
  if (p.k === 'str') {
    if (p.v === 'fro') {
      if (want !== null) throw new TorchError('dtype argument is not supported in frobenius norm', 'ValueError');
      const raw = rawDims() ?? (d.k === 'none' && want === null ? [] : [...Array(nd).keys()]);
      if (raw.length > 2) throw new TorchError(`Expected at most 2 dimensions, but got ${raw.length} dimensions instead.`);
      if (raw.length <= 1) {
        dtypeCheck();
        return vectorNorm(raw.length === 0 ? [] : dimList({ k: 'list', items: raw.map((v) => ({ k: 'int', v }) as Py) }, nd, 'norm', true));
      }
      const w = raw.map((x) => wrapDim(x, nd));
      if (w[0] === w[1]) throw new TorchError(`Expected dims to be different, got ${fmt(raw)} instead`);
      if (!isFloating(self.dtype)) {
        throw new TorchError('result.scalar_type() == toRealValueType(self.scalar_type()) INTERNAL ASSERT FAILED at "./aten/src/ATen/native/LinearAlgebra.cpp":2694, please report a bug to PyTorch. ');
      }
      return res(reduceShape(self.shape, w, keepdim), self.dtype);
    }
    if (p.v === 'nuc') throw new UnknownValue('the nuclear norm is not modelled');
    throw new TorchError(`only valid string values are 'fro' and 'nuc', found ${p.v}`);
  }
  if (p.k === 'none') throw new UnknownValue('norm(p=None) is not modelled');
  const raw = rawDims();
  dtypeCheck();
  const dims = raw === null ? [] : dimList({ k: 'list', items: raw.map((v) => ({ k: 'int', v }) as Py) }, nd, 'norm', true);
  return vectorNorm(dims);
};

// ---------------------------------------------------------------------------------------------------------------
// splits and joins

function splitInt(self: KT, size: number, dimArg: number): Py {
  if (self.shape.length === 0) throw new TorchError('split expects at least a 1-dimensional tensor');
  if (size < 0) throw new TorchError(`split expects split_size be non-negative, but got split_size=${size}`);
  const dim = wrapDim(dimArg, self.shape.length);
  const dimSize = self.shape[dim];
  if (!(size > 0 || dimSize === 0)) {
    throw new TorchError(`split_size can only be 0 if dimension size is 0, but got dimension size of ${dimSize}`);
  }
  let n = 1;
  if (size !== 0) n = Math.max(Math.floor((dimSize + size - 1) / size), 1);
  const last = size - (size * n - dimSize);
  const parts: Py[] = [];
  for (let i = 0; i < n; i++) {
    const s = self.shape.slice();
    s[dim] = i < n - 1 ? size : last;
    parts.push(res(s, self.dtype));
  }
  return tup(parts);
}

function splitSizes(self: KT, sizes: number[], dimArg: number): Py {
  if (self.shape.length === 0) throw new TorchError('split expects at least a 1-dimensional tensor');
  const dim = wrapDim(dimArg, self.shape.length);
  const dimSize = self.shape[dim];
  if (sizes.some((s) => s < 0)) {
    throw new TorchError(`split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${fmt(sizes)}`);
  }
  if (sizes.reduce((x, y) => x + y, 0) !== dimSize) {
    throw new TorchError(`split_with_sizes expects split_sizes to sum exactly to ${dimSize} (input tensor's size at dimension ${dimArg}), but got split_sizes=${fmt(sizes)}`);
  }
  return tup(sizes.map((n) => {
    const s = self.shape.slice();
    s[dim] = n;
    return res(s, self.dtype);
  }));
}

function splitAny(self: KT, v: Py, dim: number): Py {
  if (v.k === 'unknown') throw new UnknownValue(`split_size is unknown (${v.why})`);
  if (seqItems(v) !== null) return splitSizes(self, intList(v, 'split_with_sizes'), dim);
  return splitInt(self, int1(v, 'split_size'), dim);
}

const splitM: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  const a = bind('split', [{ name: 'split_size' }, { name: 'dim', default: { k: 'int', v: 0 } }], { pos: args.pos.slice(1), kw: args.kw });
  return splitAny(self, a.get('split_size')!, int1(a.get('dim'), 'dim'));
};
const splitT: TorchFn = (args) => {
  const a = bind('split', [{ name: 'tensor' }, { name: 'split_size_or_sections' }, { name: 'dim', default: { k: 'int', v: 0 } }], args);
  return splitAny(tensorArg(a.get('tensor'), 'tensor'), a.get('split_size_or_sections')!, int1(a.get('dim'), 'dim'));
};
const splitWithSizesImpl: Impl = (self, a) => splitSizes(self, intList(a.get('split_sizes')!, 'split_with_sizes'), int1(a.get('dim'), 'dim'));

const chunkSig: Param[] = [{ name: 'chunks' }, { name: 'dim', default: { k: 'int', v: 0 } }];
const chunkImpl: Impl = (self, a) => {
  if (self.shape.length === 0) throw new TorchError('chunk expects at least a 1-dimensional tensor');
  const chunks = int1(a.get('chunks'), 'chunks');
  if (chunks <= 0) throw new TorchError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const dimArg = int1(a.get('dim'), 'dim');
  const dim = wrapDim(dimArg, self.shape.length);
  const dimSize = self.shape[dim];
  const size = Math.floor((dimSize + chunks - 1) / chunks);
  if (size === 0 && dimSize === 0) {
    const sizes = new Array<number>(chunks).fill(0);
    return splitSizes(self, sizes, dimArg);
  }
  return splitInt(self, size, dimArg);
};

function tensorList(v: Py | undefined, fn: string): TensorVal[] {
  if (v === undefined) throw new TorchError(`${fn}() missing required argument 'tensors'`, 'TypeError');
  if (v.k === 'unknown') throw new UnknownValue(`tensors is unknown (${v.why})`);
  const items = seqItems(v);
  if (items === null) {
    throw new TorchError(`${fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not ${typeName(v)}`, 'TypeError');
  }
  return items.map((x, i) => {
    if (x.k === 'unknown') throw new UnknownValue(`tensors[${i}] is unknown (${x.why})`);
    if (x.k !== 'tensor') {
      throw new TorchError(`${fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not ${typeName(x)}`, 'TypeError');
    }
    return x;
  });
}

function catShapes(ts: TensorVal[], dimArg: number): Py {
  if (ts.length === 0) throw new TorchError('torch.cat(): expected a non-empty list of Tensors');
  const dtype = ts.map((t) => t.dtype).reduce(promoteTypes);
  for (let i = 0; i < ts.length; i++) {
    if (ts[i].shape !== null && ts[i].shape!.length === 0) {
      throw new TorchError(`zero-dimensional tensor (at position ${i}) cannot be concatenated`);
    }
  }
  const known = ts.map((t, i) => tensorArg(t, `tensors[${i}]`));
  const skip = (t: KT) => t.shape.length === 1 && t.shape[0] === 0;
  const firstValid = known.findIndex((t) => !skip(t));
  if (firstValid < 0) return res([0], dtype);
  const dim = wrapDim(dimArg, known[firstValid].shape.length);
  const first = known[firstValid];
  let total = 0;
  known.forEach((t, i) => {
    if (skip(t)) return;
    if (t.shape.length !== first.shape.length) {
      throw new TorchError(`Tensors must have same number of dimensions: got ${first.shape.length} and ${t.shape.length}`);
    }
    for (let d = 0; d < first.shape.length; d++) {
      if (d === dim) continue;
      if (first.shape[d] !== t.shape[d]) {
        throw new TorchError(`Sizes of tensors must match except in dimension ${dim}. Expected size ${first.shape[d]} but got size ${t.shape[d]} for tensor number ${i} in the list.`);
      }
    }
    total += t.shape[dim];
  });
  const shape = first.shape.slice();
  shape[dim] = total;
  return res(shape, dtype);
}

const catT = (name: string): TorchFn => (args) => {
  const a = bind(name, [{ name: 'tensors' }, { name: 'dim', default: { k: 'int', v: 0 } }], args);
  return catShapes(tensorList(a.get('tensors'), name), int1(a.get('dim'), 'dim'));
};

const stackT: TorchFn = (args) => {
  const a = bind('stack', [{ name: 'tensors' }, { name: 'dim', default: { k: 'int', v: 0 } }], args);
  const ts = tensorList(a.get('tensors'), 'stack');
  if (ts.length === 0) throw new TorchError('stack expects a non-empty TensorList');
  const known = ts.map((t, i) => tensorArg(t, `tensors[${i}]`));
  const dimArg = int1(a.get('dim'), 'dim');
  const nd0 = known[0].shape.length;
  const wrapped = wrapDim(dimArg, nd0 + 1);
  for (let i = 1; i < known.length; i++) {
    if (fmt(known[i].shape) !== fmt(known[0].shape)) {
      throw new TorchError(`stack expects each tensor to be equal size, but got ${fmt(known[0].shape)} at entry 0 and ${fmt(known[i].shape)} at entry ${i}`);
    }
  }
  const shape = known[0].shape.slice();
  shape.splice(wrapped, 0, known.length);
  return res(shape, ts.map((t) => t.dtype).reduce(promoteTypes));
};

const whereT: TorchFn = (args) => {
  const a = bind('where', [{ name: 'condition' }, { name: 'input', default: { k: 'none' } }, { name: 'other', default: { k: 'none' } }], args);
  const c = a.get('condition')!;
  const x = a.get('input')!;
  const y = a.get('other')!;
  if (x.k === 'none' && y.k === 'none') {
    const ct = tensorArg(c, 'condition');
    return tup(Array.from({ length: Math.max(ct.shape.length, 1) }, () => tensor(null, 'int64', 'the number of true elements is not known statically')));
  }
  if (c.k !== 'tensor') tensorArg(c, 'condition');
  const ct = c as TensorVal;
  if (ct.dtype !== 'bool' && ct.dtype !== 'uint8') {
    throw new TorchError(`where expected condition to be a boolean tensor, but got a tensor with dtype ${scalarTypeName(ct.dtype)}`);
  }
  const ox = operandOf(x);
  const oy = operandOf(y);
  if (x.k === 'unknown') return x;
  if (y.k === 'unknown') return y;
  if (ox === null) throw new TorchError(`where(): argument 'input' (position 2) must be Tensor, not ${typeName(x)}`, 'TypeError');
  if (oy === null) throw new TorchError(`where(): argument 'other' (position 3) must be Tensor, not ${typeName(y)}`, 'TypeError');
  const dtype = resultType([ox, oy]);
  checkScalarFits(x, dtype);
  checkScalarFits(y, dtype);
  const shapes = [ct, x, y].filter((v): v is TensorVal => v.k === 'tensor').map((t) => t.shape);
  if (shapes.some((s) => s === null)) return tensor(null, dtype, 'unknown shape');
  return res((shapes as Shape[]).reduce(broadcastShapes), dtype);
};

const broadcastTensorsT: TorchFn = (args) => {
  if (args.kw.size > 0) throw new TorchError(`broadcast_tensors() got an unexpected keyword argument '${[...args.kw.keys()][0]}'`, 'TypeError');
  const ts = args.pos.length === 1 && seqItems(args.pos[0]) !== null ? seqItems(args.pos[0])! : args.pos;
  const known = ts.map((t, i) => tensorArg(t, `tensors[${i}]`));
  if (known.length === 0) return tup([]);
  const shape = known.map((t) => t.shape).reduce(broadcastShapes);
  return tup(known.map((t) => res(shape, t.dtype)));
};

/** torch.broadcast_shapes (Python in torch/functional.py, with its own messages). */
const broadcastShapesT: TorchFn = (args) => {
  const shapes = args.pos.map((s, i) => (s.k === 'int' ? [s.v] : intList(s, `shape${i}`)));
  const result = new Array<number>(Math.max(0, ...shapes.map((s) => s.length))).fill(1);
  for (const shape of shapes) {
    for (let i = -1; i >= -shape.length; i--) {
      const v = shape[shape.length + i];
      if (v < 0) throw new TorchError(`Trying to create tensor with negative dimension (${v}): (${v})`);
      const r = result.length + i;
      if (v === 1 || v === result[r]) continue;
      if (result[r] !== 1) throw new TorchError('Shape mismatch: objects cannot be broadcast to a single shape');
      result[r] = v;
    }
  }
  return sizeVal(result);
};

// ---------------------------------------------------------------------------------------------------------------
// new_* factories

function newFactory(name: string, fill: boolean): TorchFn {
  return (args) => {
    const self = args.pos[0];
    if (self === undefined || self.k !== 'tensor') tensorArg(self, 'self');
    const t = self as TensorVal;
    extraKw(name, args, ['size', 'fill_value', 'dtype', 'device', 'requires_grad', 'layout', 'pin_memory']);
    let size: number[];
    if (fill) {
      const a = bind(name, [{ name: 'size' }, { name: 'fill_value' }], { pos: args.pos.slice(1), kw: new Map([...args.kw].filter(([k]) => k === 'size' || k === 'fill_value')) });
      size = intList(a.get('size')!, name);
    } else {
      size = sizeArgs(name, args, 1, 'size')!;
    }
    checkSizeNonNegative(size);
    const dtype = dtypeArg(args.kw.get('dtype')) ?? t.dtype;
    if (fill) checkScalarFits(args.pos[2] ?? args.kw.get('fill_value') ?? { k: 'none' }, dtype);
    return res(size, dtype);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// indexing

interface SeqData { shape: Shape; dtype: DType; values: number[] | null }

/** Leaf kinds of nested Python data: its dtype class and value. */
function leafInfo(v: Py): { dtype: DType; value: number | null } | 'seq' {
  switch (v.k) {
    case 'int': return { dtype: 'int64', value: v.v };
    case 'float': return { dtype: 'float32', value: v.v };
    case 'bool': return { dtype: 'bool', value: v.v ? 1 : 0 };
    case 'tuple': case 'list': return 'seq';
    case 'tensor': return { dtype: v.dtype, value: null };
    case 'unknown': throw new UnknownValue(`an element is unknown (${v.why})`);
    case 'str': throw new TorchError(`new(): invalid data type 'str'`, 'TypeError');
    default: throw new TorchError(`Could not infer dtype of ${typeName(v)}`);
  }
}

/**
 * Shape, inferred dtype and values of nested Python data as `torch.tensor(data)` reads it, with its errors.
 * Tensors inside the data must have one element each.
 */
export function pyData(data: Py, dtype: DType | null = null): SeqData {
  // dtype inference walks everything first (errors for None and str come first)
  let inferred: DType | undefined;
  const infer = (v: Py): void => {
    const l = leafInfo(v);
    if (l === 'seq') {
      const items = seqItems(v)!;
      // an empty sequence contributes the default dtype (NumPy's rule with float32 for float64)
      if (items.length === 0) { inferred = inferred === undefined ? 'float32' : promoteTypes(inferred, 'float32'); return; }
      for (const x of items) infer(x);
      return;
    }
    inferred = inferred === undefined ? l.dtype : promoteTypes(inferred, l.dtype);
  };
  if (dtype === null) infer(data);
  const dt = dtype ?? inferred ?? 'float32';
  // sizes from the first elements
  const sizes: number[] = [];
  let cur: Py = data;
  for (;;) {
    const items = seqItems(cur);
    if (items === null) break;
    sizes.push(items.length);
    if (items.length === 0) break;
    cur = items[0];
  }
  const values: number[] = [];
  let known = true;
  const store = (v: Py, d: number): void => {
    if (d === sizes.length) {
      const items = seqItems(v);
      if (items !== null) {
        if (isFloating(dt)) throw new TorchError(`must be real number, not ${typeName(v)}`, 'TypeError');
        throw new TorchError(`'${typeName(v)}' object cannot be interpreted as an integer`, 'TypeError');
      }
      if (v.k === 'tensor') {
        if (v.shape === null) throw new UnknownValue('the shape of an element tensor is unknown');
        if (numel(v.shape) !== 1) throw new TorchError('only one element tensors can be converted to Python scalars', 'ValueError');
        known = false;
        return;
      }
      const l = leafInfo(v);
      if (l === 'seq' || l.value === null) { known = false; return; }
      values.push(l.value);
      return;
    }
    const items = seqItems(v);
    if (items === null) {
      if (v.k === 'tensor' && v.shape !== null && fmt(v.shape) === fmt(sizes.slice(d))) { known = false; return; }
      throw new TorchError('not a sequence', 'TypeError');
    }
    if (items.length !== sizes[d]) {
      throw new TorchError(`expected sequence of length ${sizes[d]} at dim ${d} (got ${items.length})`, 'ValueError');
    }
    for (const x of items) store(x, d + 1);
  };
  // PyTorch only walks the data to store it when there is something to store
  if (numel(sizes) > 0) store(data, 0);
  return { shape: sizes, dtype: dt, values: known ? values : null };
}

interface AdvIndex { shape: Shape | null; dtype: DType; values: number[] | null }

function treatSequenceAsTuple(items: Py[]): boolean {
  if (items.length >= 32) return false;
  return items.some((x) => x.k === 'tensor' || x.k === 'list' || x.k === 'tuple' || x.k === 'str' || x.k === 'slice' || x.k === 'ellipsis' || x.k === 'none');
}

/** A slice bound: null for None. */
function sliceBound(v: Py, what: string): number | null {
  if (v.k === 'none') return null;
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'unknown') throw new UnknownValue(`slice ${what} is unknown (${v.why})`);
  if (v.k === 'tensor') throw new UnknownValue(`slice ${what} is the value of a tensor`);
  throw new TorchError('slice indices must be integers or None or have an __index__ method', 'TypeError');
}

/** Length of `slice(start, stop, step)` applied to a dim of `size` (PyTorch's slice: clamp, step > 0). */
function sliceLen(size: number, s: { start: Py; stop: Py; step: Py }): number {
  const step = sliceBound(s.step, 'step') ?? 1;
  if (step === 0) throw new TorchError('slice step cannot be zero', 'ValueError');
  const sv = sliceBound(s.start, 'start');
  const ev = sliceBound(s.stop, 'stop');
  return sliceLenOf(size, sv, ev, step);
}

function sliceLenOf(size: number, sv: number | null, ev: number | null, step: number): number {
  let start = sv ?? 0;
  let stop = ev ?? Number.MAX_SAFE_INTEGER;
  if (start < 0) start += size;
  if (stop < 0) stop += size;
  start = Math.min(Math.max(start, 0), size);
  stop = Math.min(Math.max(stop, 0), size);
  if (stop < start) stop = start;
  return Math.floor((stop - start + step - 1) / step);
}

const INVALID_INDEX = (v: Py) =>
  new TorchError(`only integers, slices (\`:\`), ellipsis (\`...\`), None and long or byte Variables are valid indices (got ${typeName(v)})`, 'IndexError');

function selectAt(cur: number[], dim: number, index: number, realDim: number): void {
  if (index === 0 && dim === 0 && cur.length === 0) {
    throw new TorchError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number', 'IndexError');
  }
  if (dim >= cur.length && cur.length > 0) throw new UnknownValue('indexing past the last dimension');
  const size = cur.length === 0 ? 0 : cur[dim];
  if (!(size >= -index && size > index)) {
    throw new TorchError(`index ${index} is out of bounds for dimension ${realDim} with size ${size}`, 'IndexError');
  }
  cur.splice(dim, 1);
}

/** `t[index]`: shape (and dtype) of the result, PyTorch's IndexError/ValueError where it raises. */
export function indexShape(t: TensorVal, index: Py): Py {
  if (t.shape === null) return tensor(null, t.dtype, t.why);
  try {
    return res(indexShapeKnown(t.shape, index), t.dtype);
  } catch (e) {
    if (e instanceof UnknownValue) return tensor(null, t.dtype, e.why);
    throw e;
  }
}

function indexShapeKnown(shape: Shape, index: Py): Shape {
  if (index.k === 'unknown') throw new UnknownValue(`the index is unknown (${index.why})`);
  let items: Py[];
  if (index.k === 'tuple') {
    items = index.items;
  } else if (index.k === 'list' && treatSequenceAsTuple(index.items)) {
    items = index.items;
  } else {
    // single-index fast paths
    switch (index.k) {
      case 'none': return [1, ...shape];
      case 'ellipsis': return shape.slice();
      case 'int': {
        const cur = shape.slice();
        selectAt(cur, 0, index.v, 0);
        return cur;
      }
      case 'slice': {
        const step = sliceBound(index.step, 'step') ?? 1;
        if (step === 0) throw new TorchError('slice step cannot be zero', 'ValueError');
        if (step <= 0) throw new TorchError('step must be greater than zero', 'ValueError');
        if (shape.length === 0) throw new TorchError('slice() cannot be applied to a 0-dim tensor.', 'IndexError');
        return [sliceLen(shape[0], index), ...shape.slice(1)];
      }
      case 'bool': return [index.v ? 1 : 0, ...shape];
    }
    items = [index];
  }
  const ndim = shape.length;
  let count = 0;
  for (const x of items) {
    if (x.k === 'tensor') count += x.dtype === 'bool' || x.dtype === 'uint8' ? (x.shape === null ? NaN : x.shape.length) : 1;
    else if (x.k !== 'none' && x.k !== 'ellipsis' && x.k !== 'bool') count++;
  }
  if (Number.isNaN(count)) throw new UnknownValue('the shape of a mask index is unknown');
  if (count > ndim) throw new TorchError(`too many indices for tensor of dimension ${ndim}`, 'IndexError');

  const cur = shape.slice();
  let dim = 0;
  const adv: (AdvIndex | undefined)[] = [];
  const record = (ix: AdvIndex) => {
    adv.length = Math.max(adv.length, dim + 1);
    adv[dim] = ix;
    dim++;
  };
  items.forEach((x, i) => {
    switch (x.k) {
      case 'int':
        selectAt(cur, dim, x.v, i);
        return;
      case 'slice': {
        const step = sliceBound(x.step, 'step') ?? 1;
        if (step === 0) throw new TorchError('slice step cannot be zero', 'ValueError');
        if (step <= 0) throw new TorchError('step must be greater than zero', 'ValueError');
        if (cur.length === 0) throw new TorchError('slice() cannot be applied to a 0-dim tensor.', 'IndexError');
        if (dim >= cur.length) throw new UnknownValue('slicing past the last dimension');
        cur[dim] = sliceLen(cur[dim], x);
        dim++;
        return;
      }
      case 'ellipsis':
        dim += ndim - count;
        return;
      case 'none':
        cur.splice(dim, 0, 1);
        dim++;
        return;
      case 'bool':
        cur.splice(dim, 0, 1);
        record({ shape: [x.v ? 1 : 0], dtype: 'int64', values: x.v ? [0] : [] });
        return;
      case 'tensor':
        if (x.shape === null) throw new UnknownValue(`the shape of an index tensor is unknown (${x.why ?? 'unknown'})`);
        if (x.shape.length === 0 && x.dtype !== 'float16' && x.dtype !== 'float32' && x.dtype !== 'float64') {
          if (x.dtype !== 'bool' && x.dtype !== 'uint8') {
            if (cur.length === 0) throw new UnknownValue('indexing a 0-dim tensor by a tensor value');
            if (dim >= cur.length) throw new UnknownValue('indexing past the last dimension');
            cur.splice(dim, 1);
            return;
          }
          cur.splice(dim, 0, 1);
          record({ shape: null, dtype: 'int64', values: null });
          return;
        }
        record({ shape: x.shape, dtype: x.dtype, values: null });
        return;
      case 'list': case 'tuple': {
        const d = pyData(x);
        const isMask = d.dtype === 'bool';
        record({ shape: d.shape, dtype: isMask ? 'bool' : 'int64', values: d.values === null ? null : isMask ? d.values : d.values.map(Math.trunc) });
        return;
      }
      case 'str':
        throw new TorchError(`new(): invalid data type 'str'`, 'TypeError');
      case 'unknown':
        throw new UnknownValue(`index ${i} is unknown (${x.why})`);
      default:
        throw INVALID_INDEX(x);
    }
  });
  if (adv.length === 0) return cur;
  return advancedIndex(cur, adv);
}

function advancedIndex(self: Shape, adv: (AdvIndex | undefined)[]): Shape {
  for (const ix of adv) {
    if (ix && ix.dtype !== 'int64' && ix.dtype !== 'bool' && ix.dtype !== 'uint8') {
      throw new TorchError('tensors used as indices must be long, byte or bool tensors', 'IndexError');
    }
  }
  // masks become one long index per mask dim
  const exp: (AdvIndex | undefined)[] = [];
  for (const ix of adv) {
    if (!ix) { exp.push(undefined); continue; }
    if (ix.dtype === 'bool' || ix.dtype === 'uint8') {
      const ms = ix.shape!;
      for (let j = 0; j < ms.length; j++) {
        const src = exp.length + j;
        const size = self[wrapDim(src, self.length)];
        if (ms[j] !== size) {
          throw new TorchError(`The shape of the mask ${fmt(ms)} at index ${j} does not match the shape of the indexed tensor ${fmt(self)} at index ${src}`, 'IndexError');
        }
      }
      const count = ix.values === null ? null : ix.values.filter((v) => v !== 0).length;
      for (let j = 0; j < ms.length; j++) exp.push({ shape: count === null ? null : [count], dtype: 'int64', values: null });
      continue;
    }
    exp.push(ix);
  }
  const defined = exp.filter((x): x is AdvIndex => x !== undefined);
  if (defined.some((x) => x.shape === null)) throw new UnknownValue('the number of true elements of a mask is not known statically');
  let bshape: Shape;
  try {
    bshape = defined.map((x) => x.shape!).reduce(broadcastShapes);
  } catch (e) {
    if (!(e instanceof TorchError)) throw e;
    throw new TorchError(`shape mismatch: indexing tensors could not be broadcast together with shapes ${defined.map((x) => fmt(x.shape!)).join(', ')}`, 'IndexError');
  }
  while (exp.length < self.length) exp.push(undefined);
  const positions = exp.map((x, i) => (x ? i : -1)).filter((i) => i >= 0);
  if (positions.some((p) => p >= self.length)) throw new UnknownValue('indexing past the last dimension');
  const first = positions[0];
  const last = positions[positions.length - 1];
  const contiguous = last - first + 1 === positions.length;
  const indexedSizes = positions.map((p) => self[p]);
  if (indexedSizes.includes(0) && !bshape.includes(0)) {
    throw new TorchError('index is out of bounds for dimension with size 0', 'IndexError');
  }
  // bounds of known index values, element by element as the kernel visits them
  const n = numel(bshape);
  const resultEmpty = numel(self) === 0 && self.some((x, i) => x === 0 && !exp[i]);
  if (n > 0 && !resultEmpty && defined.some((x) => x.values !== null)) {
    const strides = defined.map((x) => {
      const s = x.shape!;
      const st: number[] = new Array(bshape.length).fill(0);
      let acc = 1;
      for (let k = s.length - 1; k >= 0; k--) {
        const bk = bshape.length - s.length + k;
        st[bk] = s[k] === 1 ? 0 : acc;
        acc *= s[k];
      }
      return st;
    });
    const limit = Math.min(n, 100000);
    const coord = new Array<number>(bshape.length).fill(0);
    for (let e = 0; e < limit; e++) {
      for (let k = 0; k < defined.length; k++) {
        const vals = defined[k].values;
        if (vals === null) continue;
        let off = 0;
        for (let q = 0; q < bshape.length; q++) off += coord[q] * strides[k][q];
        const v = vals[off];
        const size = indexedSizes[k];
        if (v < -size || v >= size) {
          throw new TorchError(`index ${v} is out of bounds for dimension ${k} with size ${size}`, 'IndexError');
        }
      }
      for (let q = bshape.length - 1; q >= 0; q--) {
        if (++coord[q] < bshape[q]) break;
        coord[q] = 0;
      }
    }
  }
  const rest = (from: number, to: number) => self.slice(from, to).filter((_, i) => !exp[from + i]);
  if (contiguous) return [...self.slice(0, first), ...bshape, ...self.slice(last + 1)];
  return [...bshape, ...rest(0, self.length)];
}

// ---------------------------------------------------------------------------------------------------------------
// the family

const m = (name: string, sig: Param[], impl: Impl) => asMethod(name, sig, impl);
const tf = (name: string, sig: Param[], impl: Impl) => asTorch(name, sig, impl);

const sum = sumLike('sum');
const mean = sumLike('mean');
const prod = sumLike('prod');
const max = maxMin('max');
const min = maxMin('min');
const amax = amaxLike('amax');
const amin = amaxLike('amin');
const argmax = argLike('argmax');
const argmin = argLike('argmin');
const std = stdVar();
const variance = stdVar();
const mmP = pair('mm', mm, 'mat2');
const bmmP = pair('bmm', bmm, 'mat2');
const mvP = pair('mv', mv, 'vec');
const dotP = pair('dot', dot, 'tensor');

const sizeM: TorchFn = (args) => {
  const self = tensorArg(args.pos[0], 'self');
  const a = bind('size', [{ name: 'dim', default: { k: 'none' } }], { pos: args.pos.slice(1), kw: args.kw });
  const d = a.get('dim')!;
  if (d.k === 'none') return sizeVal(self.shape);
  const dim = int1(d, 'dim');
  if (self.shape.length === 0) throw new TorchError(`Dimension specified as ${dim} but tensor has no dimensions`, 'IndexError');
  return { k: 'int', v: self.shape[wrapDim(dim, self.shape.length)] };
};

const noArgs = (name: string, f: (t: KT) => Py): TorchFn => (args) => {
  const self = tensorArg(args.pos[0], 'self');
  bind(name, [], { pos: args.pos.slice(1), kw: args.kw });
  return f(self);
};

const fillSig: Param[] = [{ name: 'value' }];
const fillDtype = (t: TensorVal, a: Map<string, Py>): DType => {
  const v = a.get('value')!;
  if (v.k === 'tensor' && v.shape !== null && v.shape.length !== 0) {
    throw new TorchError(`fill_ only supports 0-dimension value tensor but got tensor with ${v.shape.length} dimensions.`);
  }
  checkScalarFits(v, t.dtype);
  return t.dtype;
};

const unknownValue: TorchFn = () => ({ k: 'unknown', why: 'tensor values are not known statically' });

const methods: Record<string, TorchFn> = {
  view, view_as: (args) => {
    const a = bind('view_as', [{ name: 'other' }], { pos: args.pos.slice(1), kw: args.kw });
    return viewShape(tensorArg(args.pos[0], 'self'), tensorArg(a.get('other'), 'other').shape);
  },
  reshape: reshapeM,
  reshape_as: (args) => {
    const a = bind('reshape_as', [{ name: 'other' }], { pos: args.pos.slice(1), kw: args.kw });
    return viewShape(tensorArg(args.pos[0], 'self'), tensorArg(a.get('other'), 'other').shape);
  },
  flatten: m('flatten', flattenSig, flattenImpl),
  unflatten: m('unflatten', unflattenSig, unflattenImpl(true)),
  squeeze: m('squeeze', squeezeSig, squeezeImpl),
  unsqueeze: m('unsqueeze', unsqueezeSig, unsqueezeImpl),
  permute: permuteM,
  transpose: m('transpose', transposeSig, transposeImpl),
  swapaxes: m('swapaxes', [{ name: 'axis0' }, { name: 'axis1' }], (s, a) => transposeImpl(s, new Map([['dim0', a.get('axis0')!], ['dim1', a.get('axis1')!]]), { warn() {} })),
  swapdims: m('swapdims', transposeSig, transposeImpl),
  t: m('t', [], tImpl),
  contiguous: keepShape('contiguous', [{ name: 'memory_format', default: { k: 'none' } }], same),
  clone: keepShape('clone', [{ name: 'memory_format', default: { k: 'none' } }], same),
  detach: keepShape('detach', [], same),
  detach_: keepShape('detach_', [], same),
  cpu: keepShape('cpu', [{ name: 'memory_format', default: { k: 'none' } }], same),
  cuda: keepShape('cuda', [{ name: 'device', default: { k: 'none' } }, { name: 'non_blocking', default: { k: 'bool', v: false } }, { name: 'memory_format', default: { k: 'none' } }], same),
  requires_grad_: keepShape('requires_grad_', [{ name: 'requires_grad', default: { k: 'bool', v: true } }], same),
  float: keepShape('float', [{ name: 'memory_format', default: { k: 'none' } }], castTo('float32')),
  double: keepShape('double', [{ name: 'memory_format', default: { k: 'none' } }], castTo('float64')),
  half: keepShape('half', [{ name: 'memory_format', default: { k: 'none' } }], castTo('float16')),
  long: keepShape('long', [{ name: 'memory_format', default: { k: 'none' } }], castTo('int64')),
  int: keepShape('int', [{ name: 'memory_format', default: { k: 'none' } }], castTo('int32')),
  bool: keepShape('bool', [{ name: 'memory_format', default: { k: 'none' } }], castTo('bool')),
  byte: keepShape('byte', [{ name: 'memory_format', default: { k: 'none' } }], castTo('uint8')),
  to: toM,
  type: typeM,
  type_as: (args) => {
    const a = bind('type_as', [{ name: 'other' }], { pos: args.pos.slice(1), kw: args.kw });
    const self = args.pos[0];
    if (self === undefined || self.k !== 'tensor') tensorArg(self, 'self');
    const o = a.get('other')!;
    if (o.k !== 'tensor') tensorArg(o, 'other');
    return tensor((self as TensorVal).shape, (o as TensorVal).dtype, (self as TensorVal).why);
  },
  expand: expandM,
  expand_as: expandAs,
  repeat: repeatM,
  size: sizeM,
  dim: noArgs('dim', (t) => ({ k: 'int', v: t.shape.length })),
  ndimension: noArgs('ndimension', (t) => ({ k: 'int', v: t.shape.length })),
  numel: noArgs('numel', (t) => ({ k: 'int', v: numel(t.shape) })),
  nelement: noArgs('nelement', (t) => ({ k: 'int', v: numel(t.shape) })),
  item: unknownValue,
  tolist: unknownValue,
  sum: m('sum', sum.sig, sum.impl),
  mean: m('mean', mean.sig, mean.impl),
  prod: m('prod', prod.sig, prod.impl),
  max: m('max', max.sig, max.impl),
  min: m('min', min.sig, min.impl),
  amax: m('amax', amax.sig, amax.impl),
  amin: m('amin', amin.sig, amin.impl),
  argmax: m('argmax', argmax.sig, argmax.impl),
  argmin: m('argmin', argmin.sig, argmin.impl),
  std: m('std', std.sig, std.impl),
  var: m('var', variance.sig, variance.impl),
  norm: m('norm', normSig, normImpl),
  split: splitM,
  split_with_sizes: m('split_with_sizes', [{ name: 'split_sizes' }, { name: 'dim', default: { k: 'int', v: 0 } }], splitWithSizesImpl),
  chunk: m('chunk', chunkSig, chunkImpl),
  narrow: m('narrow', narrowSig, narrowImpl),
  select: m('select', selectSig, selectImpl),
  index_select: m('index_select', indexSelectSig, indexSelectImpl),
  masked_fill: m('masked_fill', maskedFillSig, maskedFillImpl),
  masked_fill_: m('masked_fill_', maskedFillSig, maskedFillInplace),
  fill_: keepShape('fill_', fillSig, fillDtype),
  zero_: keepShape('zero_', [], same),
  add: binMethod('+', 'add', { alpha: true }),
  sub: binMethod('-', 'sub', { alpha: true }),
  subtract: binMethod('-', 'subtract', { alpha: true }),
  mul: binMethod('*', 'mul'),
  multiply: binMethod('*', 'multiply'),
  div: binMethod('/', 'div', { rounding: true }),
  divide: binMethod('/', 'divide', { rounding: true }),
  true_divide: binMethod('/', 'true_divide'),
  floor_divide: binMethod('//', 'floor_divide'),
  remainder: binMethod('%', 'remainder'),
  pow: binMethod('**', 'pow'),
  add_: binMethod('+', 'add_', { alpha: true, inplace: true }),
  sub_: binMethod('-', 'sub_', { alpha: true, inplace: true }),
  mul_: binMethod('*', 'mul_', { inplace: true }),
  div_: binMethod('/', 'div_', { rounding: true, inplace: true }),
  pow_: binMethod('**', 'pow_', { inplace: true }),
  maximum: binMethod('*', 'maximum'),
  minimum: binMethod('*', 'minimum'),
  matmul: matmulM,
  mm: mmP.m,
  bmm: bmmP.m,
  mv: mvP.m,
  dot: dotP.m,
  new_zeros: newFactory('new_zeros', false),
  new_ones: newFactory('new_ones', false),
  new_empty: newFactory('new_empty', false),
  new_full: newFactory('new_full', true),
};

/** `torch.name(input, ...)` for a method whose arguments after `input` are `sig`. */
function asFunction(name: string, sig: Param[]): TorchFn {
  return (args, ctx) => {
    const a = bind(name, [{ name: 'input' }, ...sig], args);
    const kw = new Map([...a].filter(([k]) => k !== 'input'));
    return methods[name]({ pos: [a.get('input')!], kw }, ctx);
  };
}

const torch: Record<string, TorchFn> = {
  cat: catT('cat'),
  concat: catT('concat'),
  concatenate: catT('concatenate'),
  stack: stackT,
  flatten: tf('flatten', flattenSig, flattenImpl),
  unflatten: tf('unflatten', unflattenSig, unflattenImpl(false)),
  reshape: reshapeT,
  squeeze: tf('squeeze', squeezeSig, squeezeImpl),
  unsqueeze: tf('unsqueeze', unsqueezeSig, unsqueezeImpl),
  transpose: tf('transpose', transposeSig, transposeImpl),
  swapdims: tf('swapdims', transposeSig, transposeImpl),
  t: tf('t', [], tImpl),
  permute: permuteT,
  narrow: tf('narrow', narrowSig, narrowImpl),
  select: tf('select', selectSig, selectImpl),
  index_select: tf('index_select', indexSelectSig, indexSelectImpl),
  masked_fill: tf('masked_fill', maskedFillSig, maskedFillImpl),
  matmul: matmulT,
  mm: mmP.t,
  bmm: bmmP.t,
  mv: mvP.t,
  dot: dotP.t,
  split: splitT,
  chunk: tf('chunk', chunkSig, chunkImpl),
  sum: tf('sum', sum.sig, sum.impl),
  mean: tf('mean', mean.sig, mean.impl),
  prod: tf('prod', prod.sig, prod.impl),
  max: tf('max', max.sig, max.impl),
  min: tf('min', min.sig, min.impl),
  amax: tf('amax', amax.sig, amax.impl),
  amin: tf('amin', amin.sig, amin.impl),
  argmax: tf('argmax', argmax.sig, argmax.impl),
  argmin: tf('argmin', argmin.sig, argmin.impl),
  std: tf('std', std.sig, std.impl),
  var: tf('var', variance.sig, variance.impl),
  norm: tf('norm', normSig, normImpl),
  where: whereT,
  broadcast_tensors: broadcastTensorsT,
  broadcast_shapes: broadcastShapesT,
  add: binMethod('+', 'add', { alpha: true, torch: true }),
  sub: binMethod('-', 'sub', { alpha: true, torch: true }),
  subtract: binMethod('-', 'subtract', { alpha: true, torch: true }),
  mul: binMethod('*', 'mul', { torch: true }),
  multiply: binMethod('*', 'multiply', { torch: true }),
  div: binMethod('/', 'div', { rounding: true, torch: true }),
  divide: binMethod('/', 'divide', { rounding: true, torch: true }),
  true_divide: binMethod('/', 'true_divide', { torch: true }),
  floor_divide: binMethod('//', 'floor_divide', { torch: true }),
  remainder: binMethod('%', 'remainder', { torch: true }),
  pow: binMethod('**', 'pow', { torch: true }),
  maximum: binMethod('*', 'maximum', { torch: true }),
  minimum: binMethod('*', 'minimum', { torch: true }),
  clone: asFunction('clone', [{ name: 'memory_format', default: { k: 'none' } }]),
  detach: asFunction('detach', []),
  numel: asFunction('numel', []),
};

export const family: Family = { methods, torch };
