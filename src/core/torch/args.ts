/**
 * Argument binding and typed extraction for PyTorch signatures.
 * Every extractor throws `UnknownValue` for an unknown value (with the argument's name in the reason)
 * and `TorchError` (TypeError) where Python/PyTorch would reject the type.
 */
import { repr, tensor, typeName, type CallArgs, type DType, type Py, type Shape, type TensorVal } from '../python/values';
import { TorchError, UnknownValue, type Param } from './types';

/** Bind positional and keyword arguments to a signature, as Python does; Python 3.11's wording on errors. */
export function bind(fnName: string, sig: Param[], args: CallArgs, extraKw = false): Map<string, Py> {
  const out = new Map<string, Py>();
  if (args.pos.length > sig.length) {
    const required = sig.filter((p) => p.default === undefined).length + 1;
    const total = sig.length + 1;
    const range = required === total ? `${total}` : `from ${required} to ${total}`;
    throw new TorchError(`${fnName}() takes ${range} positional arguments but ${args.pos.length + 1} were given`, 'TypeError');
  }
  args.pos.forEach((v, i) => out.set(sig[i].name, v));
  for (const [k, v] of args.kw) {
    if (!sig.some((p) => p.name === k)) {
      if (extraKw) { out.set(k, v); continue; }
      throw new TorchError(`${fnName}() got an unexpected keyword argument '${k}'`, 'TypeError');
    }
    if (out.has(k)) throw new TorchError(`${fnName}() got multiple values for argument '${k}'`, 'TypeError');
    out.set(k, v);
  }
  const missing = sig.filter((p) => !out.has(p.name) && p.default === undefined).map((p) => p.name);
  if (missing.length > 0) {
    const names = missing.map((m) => `'${m}'`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    throw new TorchError(`${fnName}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`, 'TypeError');
  }
  for (const p of sig) if (!out.has(p.name)) out.set(p.name, p.default!);
  return out;
}

function get(a: Map<string, Py>, name: string): Py {
  const v = a.get(name);
  if (v === undefined) throw new Error(`internal: argument '${name}' not bound`);
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  return v;
}

export function isNone(a: Map<string, Py>, name: string): boolean {
  const v = a.get(name);
  return v === undefined || v.k === 'none';
}

/** An int (bools are ints in Python). */
export function intArg(a: Map<string, Py>, name: string): number {
  const v = get(a, name);
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  throw new TorchError(`${name} must be int, not ${typeName(v)}`, 'TypeError');
}

export function floatArg(a: Map<string, Py>, name: string): number {
  const v = get(a, name);
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  throw new TorchError(`${name} must be float, not ${typeName(v)}`, 'TypeError');
}

export function boolArg(a: Map<string, Py>, name: string): boolean {
  const v = get(a, name);
  if (v.k === 'bool') return v.v;
  if (v.k === 'int' || v.k === 'float') return v.v !== 0;
  if (v.k === 'none') return false;
  throw new TorchError(`${name} must be bool, not ${typeName(v)}`, 'TypeError');
}

export function strArg(a: Map<string, Py>, name: string): string {
  const v = get(a, name);
  if (v.k === 'str') return v.v;
  throw new TorchError(`${name} must be str, not ${typeName(v)}`, 'TypeError');
}

/** A Python sequence (tuple/list/torch.Size) as items, or null when it is not one. */
export function seqItems(v: Py): Py[] | null {
  return v.k === 'tuple' || v.k === 'list' ? v.items : null;
}

/** int or tuple of ints expanded to `n` (PyTorch's `_pair`, `_triple`, `_single`). */
export function intTupleArg(a: Map<string, Py>, name: string, n: number): number[] {
  const v = get(a, name);
  const items = seqItems(v);
  if (items === null) return new Array(n).fill(intArg(a, name));
  return items.map((x, i) => {
    if (x.k === 'unknown') throw new UnknownValue(`${name}[${i}] is unknown (${x.why})`);
    if (x.k === 'int') return x.v;
    if (x.k === 'bool') return x.v ? 1 : 0;
    throw new TorchError(`${name} must be a tuple of ints, not ${repr(v)}`, 'TypeError');
  });
}

/** A list of ints from a sequence value or from varargs (`x.view(a, b)` and `x.view((a, b))`). */
export function intList(v: Py | Py[], what: string): number[] {
  const items = Array.isArray(v) ? (v.length === 1 && seqItems(v[0]) ? seqItems(v[0])! : v) : (seqItems(v) ?? [v]);
  return items.map((x, i) => {
    if (x.k === 'unknown') throw new UnknownValue(`${what}[${i}] is unknown (${x.why})`);
    if (x.k === 'int') return x.v;
    if (x.k === 'bool') return x.v ? 1 : 0;
    if (x.k === 'tensor' && x.shape !== null && x.shape.length === 0 && x.dtype !== 'float32') {
      throw new UnknownValue(`${what}[${i}] is the value of a tensor`);
    }
    throw new TorchError(`${what}(): argument 'size' must be tuple of ints, but found element of type ${typeName(x)} at pos ${i}`, 'TypeError');
  });
}

/** A tensor argument with a known shape. */
export function tensorArg(v: Py | undefined, name: string): TensorVal & { shape: Shape } {
  if (v === undefined) throw new TorchError(`missing required argument '${name}'`, 'TypeError');
  if (v.k === 'unknown') throw new UnknownValue(v.why);
  if (v.k !== 'tensor') throw new TorchError(`${name} must be Tensor, not ${typeName(v)}`, 'TypeError');
  // keep the root cause: an unknown shape's reason is where it became unknown, not every layer it went through
  if (v.shape === null) throw new UnknownValue(v.why ?? `the shape of ${name} is unknown`);
  return v as TensorVal & { shape: Shape };
}

export const out = (shape: Shape, dtype: DType = 'float32'): TensorVal => tensor(shape, dtype);

/** PyTorch's dim wrapping: -1 is the last dim; its IndexError wording when out of range. */
export function wrapDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (dim < -n || dim >= n) {
    throw new TorchError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`, 'IndexError');
  }
  return dim < 0 ? dim + n : dim;
}

/** Shape as PyTorch prints it in messages: `[8, 3, 64, 64]`. */
export const fmt = (s: Shape): string => `[${s.join(', ')}]`;

// ---------------------------------------------------------------------------------------------
// Shared helpers for the layer families (linear, norm, activation, dropout, losses).

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e');
  const e = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (e >= -4 && e < 16) {
    let s: string;
    if (e < 0) s = '0.' + '0'.repeat(-e - 1) + digits;
    else if (digits.length <= e + 1) s = digits + '0'.repeat(e + 1 - digits.length) + '.0';
    else s = digits.slice(0, e + 1) + '.' + digits.slice(e + 1);
    return (neg ? '-' : '') + s;
  }
  const m = digits.length === 1 ? digits : digits[0] + '.' + digits.slice(1);
  return `${neg ? '-' : ''}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Python's `str(v)` for the values that appear in messages (`'{}'.format(v)`). */
export function pyStr(v: Py): string {
  switch (v.k) {
    case 'float': return pyFloatRepr(v.v);
    case 'str': return v.v;
    default: return repr(v);
  }
}

/** A C++ `double` streamed with default flags (`%g`, precision 6), as in ATen messages. */
export function cppDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (e < -4 || e >= 6) {
    const [m, ex] = x.toExponential(5).split('e');
    const mm = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(ex);
    return `${mm}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** `torch.Size([8, 1])`, as Python prints a tensor's size. */
export const torchSize = (s: Shape): string => `torch.Size([${s.join(', ')}])`;

/** ATen's scalar type names (`Float`, `Long`, …) used in kernel messages. */
export const SCALAR_NAME: Record<DType, string> = {
  float32: 'Float', float64: 'Double', float16: 'Half', int64: 'Long', int32: 'Int', uint8: 'Byte', bool: 'Bool',
};

/** The legacy type names in `checkScalarTypes` messages (`torch.FloatTensor`). */
export const LEGACY_TYPE_NAME: Record<DType, string> = {
  float32: 'torch.FloatTensor', float64: 'torch.DoubleTensor', float16: 'torch.HalfTensor', int64: 'torch.LongTensor',
  int32: 'torch.IntTensor', uint8: 'torch.ByteTensor', bool: 'CPUBoolType',
};

export const isFloatDtype = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16';

const DTYPE_ORDER: DType[] = ['bool', 'uint8', 'int32', 'int64', 'float16', 'float32', 'float64'];
/** `torch.promote_types` over the dtypes the value model knows (a total order for these). */
export const promoteTypes = (a: DType, b: DType): DType => (DTYPE_ORDER.indexOf(a) >= DTYPE_ORDER.indexOf(b) ? a : b);

/**
 * `torch.result_type` of tensor operands: dimensioned tensors win over zero-dim ones within a category
 * (bool < integer < floating), as in c10's ResultTypeState.
 */
export function resultType(...ts: { shape: Shape | null; dtype: DType }[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  for (const t of ts) {
    if (t.shape !== null && t.shape.length === 0) zero = zero === null ? t.dtype : promoteTypes(zero, t.dtype);
    else dim = dim === null ? t.dtype : promoteTypes(dim, t.dtype);
  }
  if (dim === null) return zero ?? 'float32';
  if (zero === null) return dim;
  if (isFloatDtype(dim)) return dim;
  if (dim === 'bool' || isFloatDtype(zero)) return promoteTypes(dim, zero);
  return dim;
}

/** A `dtype=` argument: `torch.float64` (however the interpreter spells it), or null when absent/unrecognised. */
export function dtypeArg(v: Py | undefined): DType | null {
  if (v === undefined || v.k === 'none') return null;
  let name: string | null = null;
  if (v.k === 'str') name = v.v;
  else if (v.k === 'namespace' || v.k === 'builtin') name = v.name;
  if (name === null) return null;
  const n = name.replace(/^torch\./, '');
  const alias: Record<string, DType> = {
    float: 'float32', float32: 'float32', double: 'float64', float64: 'float64', half: 'float16', float16: 'float16',
    long: 'int64', int64: 'int64', int: 'int32', int32: 'int32', uint8: 'uint8', bool: 'bool',
  };
  return alias[n] ?? null;
}

/** Broadcast two shapes as PyTorch does (`infer_size`), with its message when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const res = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const off = n - 1 - i;
    const da = a.length - 1 - off;
    const db = b.length - 1 - off;
    const sa = da >= 0 ? a[da] : 1;
    const sb = db >= 0 ? b[db] : 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw new TorchError(`The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`);
    }
    res[i] = sa === 1 ? sb : sa;
  }
  return res;
}

export const numel = (s: Shape): number => s.reduce((p, x) => p * x, 1);
export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
