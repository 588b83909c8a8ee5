/**
 * Padding: nn.ZeroPad2d, nn.ConstantPad1d/2d/3d, nn.ReflectionPad1d/2d/3d, nn.ReplicationPad1d/2d/3d and F.pad
 * (modes constant/reflect/replicate/circular; negative padding crops).
 *
 * Mirrors torch 1.13 on CPU: the Python module code (`_pair`/`_quadruple`/`_ntuple(6)` accept anything, F.pad
 * rejects it), the C++ argument parser of `torch._C._nn.pad`, ATen's `pad`/`_pad_enum`, `constant_pad_nd`
 * (built on `narrow`), `_pad_circular` and the reflection/replication kernels' shape checks in the order they run,
 * then the kernels' dtype dispatch. ZeroPad1d/ZeroPad3d do not exist in 1.13.
 */
import { typeName, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import { LEGACY_TYPE_NAME, SCALAR_NAME, bind, fmt, out, tensorArg } from './args';
import { checkScalarFits } from './tensorOps';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type TorchFn } from './types';

const err = (msg: string): TorchError => new TorchError(msg);

// ---------------------------------------------------------------------------------------------------------------
// The C++ argument parser (torch/csrc/utils/python_arg_parser.cpp), for builtins such as F.pad
// ---------------------------------------------------------------------------------------------------------------

/** What a C++ signature parameter accepts; the string is PyTorch's name for it in TypeErrors. */
export type CppType = 'Tensor' | 'tuple of ints' | 'tuple of SymInts' | 'str' | 'float' | 'int' | 'tuple of Tensors';

export interface CppParam {
  name: string;
  type: CppType;
  /** undefined: required */
  default?: Py;
  /** `float? value=None`: None is accepted */
  nullable?: boolean;
}

const isIntList = (type: CppType): boolean => type === 'tuple of ints' || type === 'tuple of SymInts';
const isZeroDim = (v: Py): boolean => v.k === 'tensor' && v.shape !== null && v.shape.length === 0;
const isIntDtype = (d: DType): boolean => d === 'int64' || d === 'int32' || d === 'uint8';

/**
 * Is `v` acceptable for `type` (the parser's check: for an int list, a sequence whose FIRST item is an int)?
 * Throws UnknownValue when that depends on an unknown value.
 */
function cppAccepts(v: Py, type: CppType, nullable: boolean): boolean {
  if (v.k === 'unknown') throw new UnknownValue(v.why);
  if (v.k === 'none' && nullable) return true;
  switch (type) {
    case 'Tensor': return v.k === 'tensor';
    case 'str': return v.k === 'str';
    case 'int':
      if (isZeroDim(v) && isIntDtype((v as { dtype: DType }).dtype)) throw new UnknownValue('an argument is the value of a tensor');
      return v.k === 'int';
    case 'float':
      return isZeroDim(v) || v.k === 'int' || v.k === 'float' || v.k === 'bool';
    case 'tuple of Tensors':
      return (v.k === 'tuple' || v.k === 'list') && v.items.every((x) => {
        if (x.k === 'unknown') throw new UnknownValue(x.why);
        return x.k === 'tensor';
      });
    default: {
      if (v.k !== 'tuple' && v.k !== 'list') return false;
      if (v.items.length === 0) return true;
      const x = v.items[0];
      if (x.k === 'unknown') throw new UnknownValue(x.why);
      if (isZeroDim(x) && isIntDtype((x as { dtype: DType }).dtype)) throw new UnknownValue('a size is the value of a tensor');
      return x.k === 'int';
    }
  }
}

/** The conversion of an accepted int list: later items may be ints or bools; anything else fails here. */
function cppConvertList(fn: string, p: CppParam, v: Py): void {
  if (v.k !== 'tuple' && v.k !== 'list') return;
  v.items.forEach((x, i) => {
    if (i === 0 || x.k === 'int' || x.k === 'bool') return;
    if (x.k === 'unknown') throw new UnknownValue(x.why);
    if (x.k === 'tensor') throw new UnknownValue('a size is the value of a tensor');
    throw new TorchError(`${fn}(): argument '${p.name}' must be ${p.type}, but found element of type ${typeName(x)} at pos ${i + 1}`, 'TypeError');
  });
}

/**
 * Bind `args` to a builtin's signature as PyTorch's C++ argument parser does, with its wording: too many positional
 * arguments first, then each parameter in order (type errors, missing arguments), then stray keywords, then the
 * conversion of int lists (an item that is not an int), last parameter first.
 */
export function cppBind(fn: string, sig: CppParam[], args: CallArgs): Map<string, Py> {
  const nargs = args.pos.length;
  const minArgs = sig.filter((p) => p.default === undefined).length;
  if (nargs > sig.length) {
    if (minArgs !== sig.length) throw new TorchError(`${fn}() takes from ${minArgs} to ${sig.length} positional arguments but ${nargs} were given`, 'TypeError');
    throw new TorchError(`${fn}() takes ${sig.length} positional argument${sig.length === 1 ? '' : 's'} but ${nargs} were given`, 'TypeError');
  }
  const out = new Map<string, Py>();
  let usedKw = 0;
  for (let i = 0; i < sig.length; i++) {
    const p = sig[i];
    let v: Py | undefined;
    let isKw = false;
    if (i < nargs) v = args.pos[i];
    else if (args.kw.has(p.name)) { v = args.kw.get(p.name); isKw = true; usedKw++; }
    if (v === undefined) {
      if (p.default !== undefined) { out.set(p.name, p.default); continue; }
      const missing = sig.slice(i).filter((q) => q.default === undefined).map((q) => `"${q.name}"`);
      throw new TorchError(`${fn}() missing ${missing.length} required positional argument${missing.length === 1 ? 's' : ''}: ${missing.join(', ')}`, 'TypeError');
    }
    if (!cppAccepts(v, p.type, p.nullable === true)) {
      const where = isKw ? '' : ` (position ${i + 1})`;
      throw new TorchError(`${fn}(): argument '${p.name}'${where} must be ${p.type}, not ${typeName(v)}`, 'TypeError');
    }
    out.set(p.name, v);
  }
  if (usedKw < args.kw.size) {
    for (const k of args.kw.keys()) {
      const idx = sig.findIndex((p) => p.name === k);
      if (idx < 0) throw new TorchError(`${fn}() got an unexpected keyword argument '${k}'`, 'TypeError');
      if (idx < nargs) throw new TorchError(`${fn}() got multiple values for argument '${k}'`, 'TypeError');
    }
  }
  // the generated bindings convert their arguments right to left (GCC's evaluation order of call arguments)
  for (const p of [...sig].reverse()) if (isIntList(p.type)) cppConvertList(fn, p, out.get(p.name)!);
  return out;
}

/** The ints of a value `cppBind` accepted as a tuple of ints. */
export const cppInts = (v: Py): number[] =>
  (v.k === 'tuple' || v.k === 'list' ? v.items.map((x) => (x.k === 'bool' ? (x.v ? 1 : 0) : (x as { v: number }).v)) : []);

/** Python's `_ntuple(n)` (`_pair`, `_quadruple`): an iterable becomes a tuple of its items, anything else is repeated. */
export function ntuple(v: Py, n: number): Py {
  if (v.k === 'unknown') throw new UnknownValue(v.why);
  if (v.k === 'tuple' || v.k === 'list') return { k: 'tuple', items: v.items };
  if (v.k === 'str') return { k: 'tuple', items: [...v.v].map((c) => ({ k: 'str', v: c }) as Py) };
  if (v.k === 'tensor') {
    if (v.shape === null) throw new UnknownValue(v.why ?? 'the shape of a padding tensor is unknown');
    if (v.shape.length === 0) throw new TorchError('iteration over a 0-d tensor', 'TypeError');
    throw new UnknownValue('a padding given as a tensor is not modelled');
  }
  if (v.k === 'dict') return { k: 'tuple', items: [...v.keys.values()] };
  return { k: 'tuple', items: new Array(n).fill(v) };
}

// ---------------------------------------------------------------------------------------------------------------
// ATen
// ---------------------------------------------------------------------------------------------------------------

/** `Tensor.narrow(dim, start, length)` on a shape (1.13: start wrapped unless it equals the size). */
function narrow(s: Shape, dim: number, start: number, length: number): Shape {
  const size = s[dim];
  let st = start;
  if (st !== size) {
    const n = Math.max(size, 1);
    const lo = size <= 0 ? -1 : -size, hi = size <= 0 ? 0 : size - 1;
    if (st < lo || st > hi) {
      throw new TorchError(`Dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${st})`, 'IndexError');
    }
    if (st < 0) st += n;
  }
  if (!(length >= 0 && st <= size - length)) throw err(`start (${st}) + length (${length}) exceeds dimension size (${size}).`);
  const o = s.slice();
  o[dim] = length;
  return o;
}

/** `at::constant_pad_nd(self, pad, value)`: negative pads narrow the input first. */
export function constantPadNd(input: Shape, dtype: DType, pad: number[], value: number): Shape {
  const lInp = input.length;
  const lPad = pad.length / 2;
  const lDiff = lInp - lPad;
  let c = input.slice();
  let allNonPositive = true;
  for (let i = lDiff; i < lInp; i++) {
    const idx = 2 * (lInp - i - 1);
    if (pad[idx] < 0) c = narrow(c, i, -pad[idx], c[i] + pad[idx]);
    else if (pad[idx] !== 0) allNonPositive = false;
    if (pad[idx + 1] < 0) c = narrow(c, i, 0, c[i] + pad[idx + 1]);
    else if (pad[idx + 1] !== 0) allNonPositive = false;
  }
  if (allNonPositive) return c;
  const o = input.slice(0, lDiff);
  for (let i = 0; i < lPad; i++) {
    const pi = pad.length - (i + 1) * 2;
    const nd = input[lDiff + i] + pad[pi] + pad[pi + 1];
    if (!(nd > 0)) {
      throw err(`The input size ${input[lDiff + i]}, plus negative padding ${pad[pi]} and ${pad[pi + 1]} resulted in a negative output size, which is invalid. Check dimension ${lDiff + i} of your input.`);
    }
    o.push(nd);
  }
  // output.fill_(value): the double must fit the dtype
  checkScalarFits({ k: 'float', v: value }, dtype);
  return o;
}

/** `at::slice(dim, start, end)` on one size: the clamped [start, end). */
function sliceRange(size: number, start: number, end: number): [number, number] {
  let s = start < 0 ? start + size : start;
  let e = end < 0 ? end + size : end;
  s = s < 0 ? 0 : s >= size ? size : s;
  e = e < s ? s : e >= size ? size : e;
  return [s, e];
}

/**
 * `dst.copy_(src)` between equal-rank shapes: TensorIterator's broadcast of the input into the (fixed) output,
 * with its messages.
 */
function copyInto(dst: Shape, src: Shape): void {
  const b = dst.map((d, i) => {
    const s = src[i];
    if (d !== s && d !== 1 && s !== 1) throw err(`The size of tensor a (${d}) must match the size of tensor b (${s}) at non-singleton dimension ${i}`);
    return d === 1 ? s : d;
  });
  if (b.some((x, i) => x !== dst[i])) throw err(`output with shape ${fmt(dst)} doesn't match the broadcast shape ${fmt(b)}`);
}

/**
 * `out.slice(dim, ...).copy_(out.slice(dim, ...))` inside `_pad_circular`: TensorIterator's partial-overlap check
 * (only decidable for dense slices: all leading dims of size 1, or a whole-dim slice), then the broadcast check.
 */
function copyWithin(o: Shape, dim: number, dst: [number, number], src: [number, number]): void {
  const lead = o.slice(0, dim).reduce((a, b) => a * b, 1);
  const inner = o.slice(dim + 1).reduce((a, b) => a * b, 1);
  const range = ([s, e]: [number, number]): [number, number] | null => {
    if ((e - s) * lead * inner === 0) return null;
    if (e - s === o[dim]) return [0, lead * o[dim] * inner];
    if (lead !== 1) return null;
    return [s * inner, e * inner];
  };
  const a = range(dst), b = range(src);
  if (a && b && a[0] < b[1] && b[0] < a[1] && !(a[0] === b[0] && a[1] === b[1])) {
    throw err('unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.');
  }
  const ds = o.slice(), ss = o.slice();
  ds[dim] = dst[1] - dst[0];
  ss[dim] = src[1] - src[0];
  copyInto(ds, ss);
}

/** `at::_pad_circular(self, padding)`, including the copies that negative padding can make fail. */
function padCircular(input: Shape, pad: number[]): Shape {
  const ndim = input.length - 2;
  if (pad.length + 4 !== input.length * 2) throw err(`Invalid padding size, expected ${ndim * 2} but got ${pad.length}`);
  const o = input.slice();
  for (let i = 0; i < ndim; i++) {
    const l = pad[2 * (ndim - i - 1)], r = pad[2 * (ndim - i - 1) + 1];
    const size = input[2 + i];
    o[2 + i] = size + l + r;
    if (!(l <= size && r <= size)) throw err('Padding value causes wrapping around more than once.');
    if (o[2 + i] < 0) throw err('Negative padding value is resulting in an empty dimension');
  }
  // the input into the middle of the output
  const dst = o.slice(), src = input.slice();
  for (let i = 0; i < ndim; i++) {
    const dim = ndim - i + 1;
    const l = pad[2 * i], r = pad[2 * i + 1];
    const [ds, de] = sliceRange(dst[dim], Math.max(l, 0), o[dim] - Math.max(r, 0));
    dst[dim] = de - ds;
    const [ss, se] = sliceRange(src[dim], Math.max(-l, 0), input[dim] - Math.max(-r, 0));
    src[dim] = se - ss;
  }
  copyInto(dst, src);
  // then the wrapped borders, left then right, dim by dim
  for (let i = 0; i < ndim; i++) {
    const dim = ndim - i + 1;
    const l = pad[2 * i], r = pad[2 * i + 1];
    const size = o[dim];
    if (l > 0) {
      copyWithin(o, dim, sliceRange(size, 0, l), sliceRange(size, size - l - Math.max(r, 0), size - Math.max(r, 0)));
    }
    if (r > 0) {
      copyWithin(o, dim, sliceRange(size, size - r, size), sliceRange(size, Math.max(l, 0), Math.max(l, 0) + r));
    }
  }
  return o;
}

/** c10::safe_compute_numel: the product of the sizes as uint64, failing on overflow (a negative size is huge). */
function numelOverflows(s: Shape): boolean {
  const M = 1n << 64n;
  let prod = 1n;
  let overflow = false;
  for (const x of s) {
    prod *= BigInt.asUintN(64, BigInt(x));
    if (prod >= M) { overflow = true; prod %= M; }
  }
  return overflow || prod > (1n << 63n) - 1n;
}

/** An empty tensor as ATen prints it in a message (`[ torch.FloatTensor{2,0} ]`). */
const emptyTensorStr = (s: Shape, d: DType): string => `[ ${LEGACY_TYPE_NAME[d]}{${s.join(',')}} ]`;

/** The reflection_padNd / replication_padNd kernels (np = 1, 2, 3 spatial dims). */
function padKernel(input: Shape, dtype: DType, pad: number[], np: number, reflect: boolean): Shape {
  const ndim = input.length;
  const batched = ndim === np + 2;
  if (reflect && np < 3) {
    // reflection_pad1d/2d: dim 0 (batch, or channels when unbatched) may be empty
    const ok = input.every((s, i) => i === 0 || s !== 0);
    if (!ok) throw err(`${np === 1 ? '2D or 3D' : '3D or 4D'} (batch mode) tensor expected for input, but got: ${emptyTensorStr(input, dtype)}`);
  } else {
    const ok = input.every((s, i) => s !== 0 || (batched && i === 0));
    if (!ok) {
      const what = np === 1 ? '2D or 3D' : np === 2 ? '3D or 4D' : '4D or 5D';
      throw err(`Expected ${what} (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${fmt(input)}`);
    }
  }
  if (reflect) {
    const argNo = [4, 6, 8];
    for (let j = 0; j < np; j++) {
      const dim = ndim - 1 - j;
      const l = pad[2 * j], r = pad[2 * j + 1];
      if (!(l < input[dim] && r < input[dim])) {
        const of = np === 2 ? String(ndim) : fmt(input);
        throw err(`Argument #${argNo[j]}: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${dim} of input ${of}`);
      }
    }
  }
  const o = input.slice();
  for (let j = 0; j < np; j++) {
    const dim = ndim - 1 - j;
    o[dim] = input[dim] + pad[2 * j] + pad[2 * j + 1];
  }
  const iw = input[ndim - 1], ow = o[ndim - 1];
  const ih = input[ndim - 2], oh = o[ndim - 2];
  const id = input[ndim - 3], od = o[ndim - 3];
  if (np === 1) {
    if (ow < 1) throw err(reflect ? `2input (W: ${iw})is too small. Calculated output W: ${ow}` : `input (W: ${iw}) is too small. Calculated output W: ${ow}`);
  } else if (np === 2) {
    if (ow < 1 && oh < 1) throw err(`input (H: ${ih}, W: ${iw}${reflect ? ')is' : ' ) is'} too small. Calculated output H: ${oh} W: ${ow}`);
    // a structured kernel: the output is allocated without the negative-size check, only numel's
    if (reflect && o.some((x) => x < 0) && numelOverflows(o)) throw err('numel: integer multiplication overflow');
  } else if (ow < 1 && oh < 1 && od < 1) {
    throw err(`input (D: ${id} H: ${ih}, W: ${iw}) is too small. Calculated output D: ${od} H: ${oh} W: ${ow}`);
  }
  const neg = o.find((x) => x < 0);
  if (neg !== undefined && !(reflect && np === 2)) throw err(`Trying to create tensor with negative dimension ${neg}: ${fmt(o)}`);
  if (dtype !== 'float32' && dtype !== 'float64' && !(reflect && np === 3 && dtype === 'float16')) {
    const kernel = reflect ? (np === 3 ? 'reflection_pad3d_cpu' : `reflection_pad${np}d`) : `replication_pad${np}d_cpu`;
    throw err(`"${kernel}" not implemented for '${SCALAR_NAME[dtype]}'`);
  }
  return o;
}

/**
 * `F.pad(input, pad, mode, value)` after argument parsing: ATen's `pad` → `_pad_enum` → kernel.
 * `value` is null when None was given.
 */
export function padShape(input: Shape, dtype: DType, pad: number[], mode: string, value: number | null): Shape {
  if (mode !== 'reflect' && mode !== 'constant' && mode !== 'replicate' && mode !== 'circular') {
    throw new TorchError(`Unrecognised padding mode ${mode}`, 'NotImplementedError');
  }
  const ndim = input.length;
  if (pad.length % 2 !== 0) throw err('Padding length must be divisible by 2');
  if (pad.length > ndim * 2) throw err('Padding length too large');
  if (mode === 'constant') return constantPadNd(input, dtype, pad, value ?? 0);
  if (value !== null && value !== 0) throw err(`Padding mode "${mode}" doesn't take in value argument`);
  const np = pad.length / 2;
  if (np >= 1 && np <= 3 && (ndim === np + 1 || ndim === np + 2)) {
    if (mode === 'circular') return padCircular(input, pad);
    return padKernel(input, dtype, pad, np, mode === 'reflect');
  }
  throw new TorchError('Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now', 'NotImplementedError');
}

const PAD_SIG: CppParam[] = [
  { name: 'input', type: 'Tensor' },
  { name: 'pad', type: 'tuple of ints' },
  { name: 'mode', type: 'str', default: { k: 'str', v: 'constant' } },
  { name: 'value', type: 'float', default: { k: 'none' }, nullable: true },
];

/** A `float? value` the parser accepted: its number, null for None; unknown for a tensor's value. */
function padValue(v: Py, mode: string): number | null {
  if (v.k === 'none') return null;
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (mode === 'constant') return 0;
  throw new UnknownValue('the padding value is the value of a tensor');
}

/** `F.pad(...)` on bound, parsed arguments. */
function padCall(args: CallArgs): Py {
  const a = cppBind('pad', PAD_SIG, args);
  const x = tensorArg(a.get('input'), 'input');
  const mode = (a.get('mode') as { v: string }).v;
  return out(padShape(x.shape, x.dtype, cppInts(a.get('pad')!), mode, padValue(a.get('value')!, mode)), x.dtype);
}

// ---------------------------------------------------------------------------------------------------------------
// modules
// ---------------------------------------------------------------------------------------------------------------

interface PadCfg { padding: Py; mode: string; value: Py }

const DIM_NAMES = ['W', 'H', 'D'];

function padModule(fwdCls: string, n: number, mode: string, constant: 'value' | 'zero' | null): ModuleDef<PadCfg> {
  const signature: Param[] = constant === 'value' ? [{ name: 'padding' }, { name: 'value' }] : [{ name: 'padding' }];
  return {
    signature,
    resizes: true,
    init(a) {
      const padding = ntuple(a.get('padding')!, n);
      const value: Py = constant === 'value' ? a.get('value')! : constant === 'zero' ? { k: 'float', v: 0 } : { k: 'none' };
      return { padding, mode, value };
    },
    forward(c, args) {
      const a = bind(`${fwdCls}.forward`, [{ name: 'input' }], args);
      const pos: Py[] = [a.get('input')!, c.padding, { k: 'str', v: c.mode }];
      if (constant !== null) pos.push(c.value);
      return padCall({ pos, kw: new Map() });
    },
    parameters: () => [],
    formula(c, input, output) {
      if (c.padding.k !== 'tuple') return [];
      const p = cppInts(c.padding);
      const lines: string[] = [];
      for (let j = 0; j < p.length / 2 && j < input.length; j++) {
        const d = input.length - 1 - j;
        const name = j < 3 ? DIM_NAMES[j] : `d${d}`;
        lines.push(`${name}_out = ${input[d]} + ${p[2 * j]} + ${p[2 * j + 1]} = ${output[d]}`);
      }
      return lines;
    },
  };
}

const modules: Record<string, ModuleDef> = {
  ZeroPad2d: padModule('_ConstantPadNd', 4, 'constant', 'zero'),
  ConstantPad1d: padModule('_ConstantPadNd', 2, 'constant', 'value'),
  ConstantPad2d: padModule('_ConstantPadNd', 4, 'constant', 'value'),
  ConstantPad3d: padModule('_ConstantPadNd', 6, 'constant', 'value'),
  ReflectionPad1d: padModule('_ReflectionPadNd', 2, 'reflect', null),
  ReflectionPad2d: padModule('_ReflectionPadNd', 4, 'reflect', null),
  ReflectionPad3d: padModule('_ReflectionPadNd', 6, 'reflect', null),
  ReplicationPad1d: padModule('_ReplicationPadNd', 2, 'replicate', null),
  ReplicationPad2d: padModule('_ReplicationPadNd', 4, 'replicate', null),
  ReplicationPad3d: padModule('_ReplicationPadNd', 6, 'replicate', null),
};

const pad: TorchFn = (args) => padCall(args);

export const family: Family = {
  modules,
  functional: { pad },
};
