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
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  if (v.k !== 'tensor') throw new TorchError(`${name} must be Tensor, not ${typeName(v)}`, 'TypeError');
  if (v.shape === null) throw new UnknownValue(`the shape of ${name} is unknown (${v.why ?? 'unknown'})`);
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
