/**
 * nn.Linear, nn.Bilinear, nn.Identity, nn.Flatten, nn.Unflatten, nn.Embedding; F.linear, F.bilinear, F.embedding.
 * Messages are PyTorch 1.13's (CPU), checked by test/oracle/layers.test.ts.
 */
import { NONE, int, typeName, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import {
  LEGACY_TYPE_NAME, SCALAR_NAME, bind, boolArg, broadcastShapes, dtypeArg, fmt, intArg, isFloatDtype, isNone, numel, out, seqItems,
  tensorArg, wrapDim,
} from './args';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param } from './types';

const P = (name: string, d?: Py): Param => (d === undefined ? { name } : { name, default: d });
const TRUE_: Py = { k: 'bool', v: true };
const FALSE_: Py = { k: 'bool', v: false };

/** Bind a module's `forward(self, input, ...)`. */
export function forwardArgs(type: string, args: CallArgs, names: string[] = ['input']): Map<string, Py> {
  return bind(`${type}.forward`, names.map((n) => P(n)), args);
}

/**
 * Sizes given to `torch.empty(size)` / `torch.zeros(size)` in a constructor: PyTorch's TypeErrors for non-int
 * sizes and its RuntimeError for negative ones. `sizes` are the bound values in the order of the tensor's shape;
 * `tuple` says whether PyTorch passes them as a tuple (`empty((out, in))`) or bare (`empty(n)`).
 */
export function emptySizes(sizes: Py[], tuple = true, fn: 'empty' | 'zeros' = 'empty'): number[] {
  const vals: number[] = [];
  sizes.forEach((v, i) => {
    if (v.k === 'unknown') throw new UnknownValue(`a layer size is unknown (${v.why})`);
    if (v.k === 'int') vals.push(v.v);
    else if (v.k === 'bool') vals.push(v.v ? 1 : 0);
    else if (v.k === 'tensor' && v.shape !== null && v.shape.length === 0) throw new UnknownValue('a layer size is the value of a tensor');
    else if (!tuple) throw new TorchError(invalidCombination(fn, typeName(v)), 'TypeError');
    else if (i === 0) throw new TorchError(invalidCombination(fn, 'tuple'), 'TypeError');
    else throw new TorchError(`${fn}(): argument 'size' must be tuple of SymInts, but found element of type ${typeName(v)} at pos ${i + 1}`, 'TypeError');
  });
  const neg = vals.find((x) => x < 0);
  if (neg !== undefined) throw new TorchError(`Trying to create tensor with negative dimension ${neg}: ${fmt(vals)}`);
  return vals;
}

/**
 * The `dtype=` factory argument of a module: float32 when absent, null when not understood. Parameters must be
 * floating point (`nn.Parameter` requires grad), which PyTorch checks after creating the tensors.
 */
export function factoryDtype(a: Map<string, Py>, makesParams: boolean): DType | null {
  const v = a.get('dtype');
  if (v === undefined || v.k === 'none') return 'float32';
  const d = dtypeArg(v);
  if (d !== null && makesParams && !isFloatDtype(d)) throw new TorchError('Only Tensors of floating point and complex dtype can require gradients');
  return d;
}

/** The TypeError `torch.empty(...)`/`torch.zeros(...)` raise when given a float size. */
export function invalidCombination(fn: 'empty' | 'zeros', got: string): string {
  const mf = fn === 'empty' ? 'torch.memory_format memory_format, ' : '';
  return `${fn}() received an invalid combination of arguments - got (${got}, dtype=NoneType, device=NoneType), but expected one of:\n` +
    ` * (tuple of ints size, *, tuple of names names, ${mf}torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)\n` +
    ` * (tuple of SymInts size, *, ${mf}Tensor out, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)\n`;
}

// ---------------------------------------------------------------------------------------------
// linear

/**
 * `torch._C._nn.linear(input, weight, bias)` for a 2-D weight [out, in]: the addmm path for 2-D/3-D input
 * with a bias (dtype checked first), the matmul path otherwise (shape checked first).
 */
function linearShape(x: { shape: Shape; dtype: DType }, wOut: number, wIn: number, wDtype: DType | null, hasBias: boolean): Shape {
  const nd = x.shape.length;
  if (nd === 0) throw new TorchError('both arguments to matmul need to be at least 1D, but they are 0D and 2D');
  const k = x.shape[nd - 1];
  const rows = nd === 1 ? 1 : numel(x.shape.slice(0, -1));
  const addmm = hasBias && (nd === 2 || nd === 3);
  const dtypeOk = wDtype === null || x.dtype === wDtype;
  if (addmm && !dtypeOk) throw new TorchError('mat1 and mat2 must have the same dtype');
  if (k !== wIn) throw new TorchError(`mat1 and mat2 shapes cannot be multiplied (${rows}x${k} and ${wIn}x${wOut})`);
  // the CPU matmul kernel dispatches on the input's dtype before it reads the weight
  if (x.dtype === 'float16') throw new TorchError(`"addmm_impl_cpu_" not implemented for 'Half'`);
  if (!dtypeOk) throw new TorchError(`expected scalar type ${SCALAR_NAME[x.dtype]} but found ${SCALAR_NAME[wDtype!]}`);
  return [...x.shape.slice(0, -1), wOut];
}

interface LinearCfg { inF: number; outF: number; bias: boolean; dtype: DType | null }

const Linear: ModuleDef<LinearCfg> = {
  signature: [P('in_features'), P('out_features'), P('bias', TRUE_), P('device', NONE), P('dtype', NONE)],
  init(a) {
    const [outF, inF] = emptySizes([a.get('out_features')!, a.get('in_features')!]);
    const dtype = factoryDtype(a, true);
    return { inF, outF, bias: boolArg(a, 'bias'), dtype };
  },
  forward(c, args) {
    const x = tensorArg(forwardArgs('Linear', args).get('input'), 'input');
    return out(linearShape(x, c.outF, c.inF, c.dtype, c.bias), x.dtype);
  },
  parameters: (c) => [{ name: 'weight', shape: [c.outF, c.inF] }, ...(c.bias ? [{ name: 'bias', shape: [c.outF] }] : [])],
};

/** Broadcasting an in-place result: `output with shape [..] doesn't match the broadcast shape [..]`. */
function inplaceBroadcast(outShape: Shape, other: Shape): void {
  const b = broadcastShapes(outShape, other);
  if (b.length !== outShape.length || b.some((x, i) => x !== outShape[i])) {
    throw new TorchError(`output with shape ${fmt(outShape)} doesn't match the broadcast shape ${fmt(b)}`);
  }
}

/** `bias.expand(target)` inside addmm: PyTorch's expand messages. */
function expandTo(bias: Shape, target: Shape, dtypeName = 'torch.FloatTensor'): void {
  if (bias.length > target.length) {
    throw new TorchError(`expand(${dtypeName}{${fmt(bias)}}, size=${fmt(target)}): the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${bias.length})`);
  }
  for (let i = target.length - 1; i >= 0; i--) {
    const j = i - (target.length - bias.length);
    if (j < 0) break;
    if (bias[j] !== target[i] && bias[j] !== 1) {
      throw new TorchError(`The expanded size of the tensor (${target[i]}) must match the existing size (${bias[j]}) at non-singleton dimension ${i}.  Target sizes: ${fmt(target)}.  Tensor sizes: ${fmt(bias)}`);
    }
  }
}

const linearFn = (args: CallArgs): Py => {
  const a = bind('linear', [P('input'), P('weight'), P('bias', NONE)], args);
  const x = tensorArg(a.get('input'), 'input');
  const w = tensorArg(a.get('weight'), 'weight');
  const b = isNone(a, 'bias') ? null : tensorArg(a.get('bias'), 'bias');
  if (w.shape.length > 2) throw new TorchError(`t() expects a tensor with <= 2 dimensions, but self is ${w.shape.length}D`);
  if (w.shape.length < 2) throw new UnknownValue('F.linear with a 1-D weight is not modelled');
  const [wOut, wIn] = w.shape;
  const nd = x.shape.length;
  const res = linearShape(x, wOut, wIn, w.dtype, b !== null);
  if (b !== null) {
    if (nd === 2) expandTo(b.shape, res);
    else if (nd === 3) expandTo(b.shape, [x.shape[0] * x.shape[1], wOut]);
    else inplaceBroadcast(res, b.shape);
  }
  return out(res, x.dtype);
};

// ---------------------------------------------------------------------------------------------
// bilinear

function bilinearShape(x1: { shape: Shape; dtype: DType }, x2: { shape: Shape; dtype: DType }, w: Shape, wDtype: DType | null, bias: Shape | null): Shape {
  if (x1.shape.length !== x2.shape.length) {
    throw new TorchError(`bilinear(): input dimensions do not match: got ${x1.shape.length} and ${x2.shape.length}`);
  }
  const nd = x1.shape.length;
  for (let i = 0; i < nd - 1; i++) {
    if (x1.shape[i] !== x2.shape[i]) {
      throw new TorchError(`bilinear(): input batch dimensions do not match at dim ${i}: got ${x1.shape[i]} and ${x2.shape[i]}`);
    }
  }
  if (nd === 0) throw new TorchError('Dimension specified as -1 but tensor has no dimensions', 'IndexError');
  if (x1.shape[nd - 1] !== w[1]) throw new TorchError(`bilinear(): input1 size does not match weight size: got ${x1.shape[nd - 1]} but expected ${w[1]}`);
  if (x2.shape[nd - 1] !== w[2]) throw new TorchError(`bilinear(): input2 size does not match weight size: got ${x2.shape[nd - 1]} but expected ${w[2]}`);
  if (bias !== null && bias[0] !== w[0]) throw new TorchError(`bilinear(): bias size does not match weight size: got ${bias[0]} but expected ${w[0]}`);
  if (wDtype !== null && x1.dtype !== wDtype) throw new TorchError(`expected scalar type ${SCALAR_NAME[x1.dtype]} but found ${SCALAR_NAME[wDtype]}`);
  return [...x1.shape.slice(0, -1), w[0]];
}

interface BilinearCfg { in1: number; in2: number; outF: number; bias: boolean; dtype: DType | null }

const Bilinear: ModuleDef<BilinearCfg> = {
  signature: [P('in1_features'), P('in2_features'), P('out_features'), P('bias', TRUE_), P('device', NONE), P('dtype', NONE)],
  init(a) {
    const [outF, in1, in2] = emptySizes([a.get('out_features')!, a.get('in1_features')!, a.get('in2_features')!]);
    const dtype = factoryDtype(a, true);
    const bias = boolArg(a, 'bias');
    if (in1 === 0) throw new TorchError('float division by zero', 'ZeroDivisionError' as TorchError['pyType']);
    return { in1, in2, outF, bias, dtype };
  },
  forward(c, args) {
    const a = forwardArgs('Bilinear', args, ['input1', 'input2']);
    const x1 = tensorArg(a.get('input1'), 'input1');
    const x2 = tensorArg(a.get('input2'), 'input2');
    return out(bilinearShape(x1, x2, [c.outF, c.in1, c.in2], c.dtype, c.bias ? [c.outF] : null), x1.dtype);
  },
  parameters: (c) => [{ name: 'weight', shape: [c.outF, c.in1, c.in2] }, ...(c.bias ? [{ name: 'bias', shape: [c.outF] }] : [])],
};

const bilinearFn = (args: CallArgs): Py => {
  const a = bind('bilinear', [P('input1'), P('input2'), P('weight'), P('bias', NONE)], args);
  const x1 = tensorArg(a.get('input1'), 'input1');
  const x2 = tensorArg(a.get('input2'), 'input2');
  const w = tensorArg(a.get('weight'), 'weight');
  const b = isNone(a, 'bias') ? null : tensorArg(a.get('bias'), 'bias');
  if (w.shape.length !== 3) throw new UnknownValue('bilinear with a weight that is not 3-D is not modelled');
  return out(bilinearShape(x1, x2, w.shape, w.dtype, b ? b.shape : null), x1.dtype);
};

// ---------------------------------------------------------------------------------------------
// Identity, Flatten, Unflatten

/** nn.Identity accepts and ignores any constructor arguments. */
const Identity: ModuleDef<null> = {
  signature: Array.from({ length: 16 }, (_, i) => P(`__arg${i}`, NONE)),
  extraKw: true,
  init: () => null,
  forward(_c, args) {
    return forwardArgs('Identity', args).get('input')!;
  },
  parameters: () => [],
};

/** `input.flatten(start_dim, end_dim)`, PyTorch's rules (a 0-d tensor flattens to [1]). */
export function flattenShape(s: Shape, start: number, end: number): Shape {
  const nd = s.length;
  const st = wrapDim(start, nd);
  const en = wrapDim(end, nd);
  if (st > en) throw new TorchError('flatten() has invalid args: start_dim cannot come after end_dim');
  if (nd === 0) return [1];
  if (st === en) return s;
  return [...s.slice(0, st), numel(s.slice(st, en + 1)), ...s.slice(en + 1)];
}

interface FlattenCfg { start: number; end: number }

const Flatten: ModuleDef<FlattenCfg> = {
  signature: [P('start_dim', int(1)), P('end_dim', int(-1))],
  init: (a) => ({ start: intArg(a, 'start_dim'), end: intArg(a, 'end_dim') }),
  forward(c, args) {
    const x = tensorArg(forwardArgs('Flatten', args).get('input'), 'input');
    return out(flattenShape(x.shape, c.start, c.end), x.dtype);
  },
  parameters: () => [],
};

/** `input.unflatten(dim, sizes)` with ATen's messages. */
export function unflattenShape(s: Shape, dim: number, sizes: number[]): Shape {
  if (sizes.length === 0) throw new TorchError('unflatten: sizes must be non-empty');
  const d = wrapDim(dim, s.length);
  const n = s.length === 0 ? 1 : s[d];
  let newsize = 1;
  let infer: number | null = null;
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i] === -1) {
      if (infer !== null) throw new TorchError('unflatten got an unexpected error:\nonly one dimension can be inferred');
      infer = i;
    } else if (sizes[i] >= 0) newsize *= sizes[i];
    else throw new TorchError(`invalid shape dimension ${sizes[i]}`);
  }
  const res = [...sizes];
  if (n === newsize || (infer !== null && newsize > 0 && n % newsize === 0)) {
    if (infer !== null) {
      if (newsize === 0) {
        throw new TorchError(`cannot reshape tensor of 0 elements into shape ${fmt(sizes)} because the unspecified dimension size -1 can be any value and is ambiguous`);
      }
      res[infer] = n / newsize;
    }
  } else {
    throw new TorchError(`unflatten: Provided sizes ${fmt(sizes)} don't multiply up to the size of dim ${d} (${n}) in the input tensor`);
  }
  return [...s.slice(0, d), ...res, ...s.slice(d + 1)];
}

interface UnflattenCfg { dim: number; sizes: number[] }

const Unflatten: ModuleDef<UnflattenCfg> = {
  signature: [P('dim'), P('unflattened_size')],
  init(a) {
    const dim = a.get('dim')!;
    const us = a.get('unflattened_size')!;
    if (dim.k === 'unknown') throw new UnknownValue(`dim is unknown (${dim.why})`);
    if (us.k === 'unknown') throw new UnknownValue(`unflattened_size is unknown (${us.why})`);
    if (dim.k === 'str') {
      if (us.k !== 'tuple') throw new TorchError(`unflattened_size must be a tuple of tuples, but found type ${typeName(us)}`, 'TypeError');
      us.items.forEach((e, i) => {
        if (e.k !== 'tuple') throw new TorchError(`unflattened_size must be tuple of tuples, but found element of type ${typeName(e)} at pos ${i}`, 'TypeError');
      });
      throw new UnknownValue('named tensors are not modelled');
    }
    if (dim.k !== 'int' && dim.k !== 'bool') throw new TorchError('invalid argument type for dim parameter', 'TypeError');
    const items = seqItems(us);
    if (items === null) throw new TorchError(`unflattened_size must be a tuple of ints, but found type ${typeName(us)}`, 'TypeError');
    const sizes = items.map((e, i) => {
      if (e.k === 'unknown') throw new UnknownValue(`unflattened_size[${i}] is unknown (${e.why})`);
      if (e.k === 'int') return e.v;
      if (e.k === 'bool') return e.v ? 1 : 0;
      throw new TorchError(`unflattened_size must be tuple of ints, but found element of type ${typeName(e)} at pos ${i}`, 'TypeError');
    });
    return { dim: dim.k === 'int' ? dim.v : dim.v ? 1 : 0, sizes };
  },
  forward(c, args) {
    const x = tensorArg(forwardArgs('Unflatten', args).get('input'), 'input');
    return out(unflattenShape(x.shape, c.dim, c.sizes), x.dtype);
  },
  parameters: () => [],
};

// ---------------------------------------------------------------------------------------------
// Embedding

function checkIndices(idx: DType, fn: string, argNo: number): void {
  if (idx !== 'int64' && idx !== 'int32') {
    throw new TorchError(`Expected tensor for argument #${argNo} 'indices' to have one of the following scalar types: Long, Int; but got ${LEGACY_TYPE_NAME[idx]} instead (while checking arguments for ${fn})`);
  }
}

function checkPaddingIdx(pad: number | null, n: number): void {
  if (pad === null) return;
  if ((pad > 0 && !(pad < n)) || (pad < 0 && !(pad >= -n))) {
    throw new TorchError('Padding_idx must be within num_embeddings', 'AssertionError' as TorchError['pyType']);
  }
}

interface EmbeddingCfg { num: number; dim: number; maxNorm: boolean; dtype: DType | null }

const Embedding: ModuleDef<EmbeddingCfg> = {
  signature: [
    P('num_embeddings'), P('embedding_dim'), P('padding_idx', NONE), P('max_norm', NONE), P('norm_type', { k: 'float', v: 2 }),
    P('scale_grad_by_freq', FALSE_), P('sparse', FALSE_), P('_weight', NONE), P('device', NONE), P('dtype', NONE),
  ],
  init(a) {
    const nv = a.get('num_embeddings')!;
    if (!isNone(a, 'padding_idx') && (nv.k === 'int' || nv.k === 'float')) checkPaddingIdx(intArg(a, 'padding_idx'), nv.v);
    let num: number;
    let dim: number;
    if (!isNone(a, '_weight')) {
      const w = tensorArg(a.get('_weight'), '_weight');
      num = intArg(a, 'num_embeddings');
      dim = intArg(a, 'embedding_dim');
      if (w.shape.length !== 2 || w.shape[0] !== num || w.shape[1] !== dim) {
        throw new TorchError('Shape of weight does not match num_embeddings and embedding_dim', 'AssertionError' as TorchError['pyType']);
      }
    } else {
      [num, dim] = emptySizes([nv, a.get('embedding_dim')!]);
    }
    return { num, dim, maxNorm: !isNone(a, 'max_norm'), dtype: factoryDtype(a, isNone(a, '_weight')) };
  },
  forward(c, args) {
    const x = tensorArg(forwardArgs('Embedding', args).get('input'), 'input');
    if (c.maxNorm) checkIndices(x.dtype, 'embedding_renorm_', 2);
    checkIndices(x.dtype, 'embedding', 1);
    return out([...x.shape, c.dim], c.dtype ?? 'float32');
  },
  parameters: (c) => [{ name: 'weight', shape: [c.num, c.dim] }],
};

const embeddingFn = (args: CallArgs): Py => {
  const a = bind('embedding', [
    P('input'), P('weight'), P('padding_idx', NONE), P('max_norm', NONE), P('norm_type', { k: 'float', v: 2 }),
    P('scale_grad_by_freq', FALSE_), P('sparse', FALSE_),
  ], args);
  const x = tensorArg(a.get('input'), 'input');
  const w = tensorArg(a.get('weight'), 'weight');
  if (!isNone(a, 'padding_idx')) {
    if (w.shape.length === 0) throw new TorchError('Dimension specified as 0 but tensor has no dimensions', 'IndexError');
    checkPaddingIdx(intArg(a, 'padding_idx'), w.shape[0]);
  }
  if (!isNone(a, 'max_norm')) checkIndices(x.dtype, 'embedding_renorm_', 2);
  if (w.shape.length !== 2) throw new TorchError("'weight' must be 2-D");
  checkIndices(x.dtype, 'embedding', 1);
  return out([...x.shape, w.shape[1]], w.dtype);
};

export const family: Family = {
  modules: { Linear, Bilinear, Identity, Flatten, Unflatten, Embedding },
  functional: { linear: linearFn, bilinear: bilinearFn, embedding: embeddingFn },
  torch: { bilinear: bilinearFn },
};
