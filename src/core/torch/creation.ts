/**
 * Tensor factories: torch.randn/rand/zeros/ones/empty/full/randint, the *_like variants, arange, linspace,
 * logspace, eye, tensor/as_tensor, normal, randperm. Shapes, dtypes and messages follow PyTorch 1.13.
 */
import { tensor, typeName, type CallArgs, type DType, type Py, type Shape, type TensorVal } from '../python/values';
import { bind, intList, seqItems, tensorArg } from './args';
import { checkScalarFits, checkSizeNonNegative, dtypeArg, isFloating, pyData, scalarTypeName } from './tensorOps';
import { TorchError, UnknownValue, type Family, type Param, type TorchFn } from './types';

/** Keyword arguments every factory accepts (values other than dtype/requires_grad do not change the result). */
const FACTORY_KW = ['dtype', 'device', 'requires_grad', 'layout', 'pin_memory', 'generator', 'out', 'names', 'memory_format'];

function checkKw(name: string, args: CallArgs, allowed: string[]): void {
  for (const k of args.kw.keys()) {
    if (!allowed.includes(k)) throw new TorchError(`${name}() got an unexpected keyword argument '${k}'`, 'TypeError');
  }
}

function requiresGrad(args: CallArgs): boolean {
  const v = args.kw.get('requires_grad');
  if (v === undefined || v.k === 'unknown') return false;
  return v.k === 'bool' ? v.v : v.k === 'int' ? v.v !== 0 : false;
}

function checkGrad(args: CallArgs, dtype: DType): void {
  if (requiresGrad(args) && !isFloating(dtype)) {
    throw new TorchError('Only Tensors of floating point and complex dtype can require gradients');
  }
}

/** `f(2, 3)`, `f((2, 3))`, `f([2, 3])`, `f(torch.Size(...))`, `f(size=(2, 3))`. */
function sizeFrom(name: string, args: CallArgs): number[] {
  if (args.pos.length === 0) {
    const kw = args.kw.get('size');
    if (kw !== undefined) return intList(kw, name);
    throw new TorchError(`${name}() received an invalid combination of arguments - got (), but expected (tuple of ints size, *, torch.dtype dtype, …)`, 'TypeError');
  }
  if (args.kw.has('size')) throw new TorchError(`${name}() got multiple values for argument 'size'`, 'TypeError');
  return intList(args.pos, name);
}

/** The kernel check of random factories: randn needs a floating dtype, rand too. */
function randomKernel(kind: 'normal' | 'uniform', dtype: DType): void {
  if (!isFloating(dtype)) {
    const k = kind === 'normal' ? 'normal_kernel_cpu' : 'check_uniform_bounds';
    throw new TorchError(`"${k}" not implemented for '${scalarTypeName(dtype)}'`);
  }
}

function sizeFactory(name: string, random?: 'normal' | 'uniform'): TorchFn {
  return (args) => {
    checkKw(name, args, ['size', ...FACTORY_KW]);
    const size = sizeFrom(name, args);
    const dtype = dtypeArg(args.kw.get('dtype')) ?? 'float32';
    checkSizeNonNegative(size);
    if (random) randomKernel(random, dtype);
    checkGrad(args, dtype);
    return tensor(size, dtype);
  };
}

/** A Python scalar's default dtype (`torch.full`'s inference). */
function scalarDtype(v: Py): DType {
  switch (v.k) {
    case 'bool': return 'bool';
    case 'int': return 'int64';
    case 'float': return 'float32';
    case 'tensor': return v.dtype === 'bool' ? 'bool' : isFloating(v.dtype) ? 'float32' : 'int64';
    case 'unknown': throw new UnknownValue(`fill_value is unknown (${v.why})`);
    default: throw new TorchError(`full(): argument 'fill_value' (position 2) must be Number, not ${typeName(v)}`, 'TypeError');
  }
}

const full: TorchFn = (args) => {
  const a = bind('full', [{ name: 'size' }, { name: 'fill_value' }], {
    pos: args.pos,
    kw: new Map([...args.kw].filter(([k]) => k === 'size' || k === 'fill_value')),
  });
  checkKw('full', args, ['size', 'fill_value', ...FACTORY_KW]);
  const sv = a.get('size')!;
  if (sv.k === 'int' || sv.k === 'float') {
    throw new TorchError(`full(): argument 'size' (position 1) must be tuple of SymInts, not ${typeName(sv)}`, 'TypeError');
  }
  const size = intList(sv, 'full');
  const fill = a.get('fill_value')!;
  const dtype = dtypeArg(args.kw.get('dtype')) ?? scalarDtype(fill);
  checkSizeNonNegative(size);
  checkScalarFits(fill, dtype);
  checkGrad(args, dtype);
  return tensor(size, dtype);
};

function intOf(v: Py | undefined, what: string, fn: string, pos: number): number {
  if (v === undefined) throw new TorchError(`${fn}() missing required argument '${what}'`, 'TypeError');
  if (v.k === 'unknown') throw new UnknownValue(`${what} is unknown (${v.why})`);
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  throw new TorchError(`${fn}(): argument '${what}' (position ${pos}) must be int, not ${typeName(v)}`, 'TypeError');
}

const randint: TorchFn = (args) => {
  checkKw('randint', args, ['low', 'high', 'size', ...FACTORY_KW]);
  const pos = args.pos;
  let low: Py | undefined = args.kw.get('low');
  let high: Py | undefined = args.kw.get('high');
  let size: Py | undefined = args.kw.get('size');
  // (high, size) or (low, high, size)
  const sizeLike = (v: Py) => seqItems(v) !== null;
  if (pos.length >= 3) [low, high, size] = pos;
  else if (pos.length === 2) {
    if (sizeLike(pos[1])) [high, size] = pos;
    else if (size !== undefined) [low, high] = pos;
    else throw new TorchError(`randint(): argument 'size' (position 2) must be tuple of ints, not ${typeName(pos[1])}`, 'TypeError');
  } else if (pos.length === 1) {
    if (high === undefined) high = pos[0];
    else low = pos[0];
  }
  if (high === undefined || size === undefined) {
    throw new TorchError('randint() received an invalid combination of arguments - expected (int high, tuple of ints size) or (int low, int high, tuple of ints size)', 'TypeError');
  }
  const hi = intOf(high, 'high', 'randint', low === undefined ? 1 : 2);
  const lo = low === undefined ? 0 : intOf(low, 'low', 'randint', 1);
  const shape = intList(size, 'randint');
  const dtype = dtypeArg(args.kw.get('dtype')) ?? 'int64';
  checkSizeNonNegative(shape);
  if (lo >= hi) throw new TorchError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  const bounds: Partial<Record<DType, [number, number, string]>> = {
    bool: [0, 1, 'bool'], uint8: [0, 255, 'unsigned char'], int32: [-(2 ** 31), 2 ** 31 - 1, 'int'],
  };
  const b = bounds[dtype];
  if (b) {
    if (lo < b[0] || lo > b[1]) throw new TorchError(`from is out of bounds for ${b[2]}`);
    if (hi - 1 < b[0] || hi - 1 > b[1]) throw new TorchError(`to - 1 is out of bounds for ${b[2]}`);
  }
  checkGrad(args, dtype);
  return tensor(shape, dtype);
};

function likeFactory(name: string, random?: 'normal' | 'uniform', extra: Param[] = []): TorchFn {
  return (args) => {
    const a = bind(name, [{ name: 'input' }, ...extra], {
      pos: args.pos,
      kw: new Map([...args.kw].filter(([k]) => k === 'input' || extra.some((p) => p.name === k))),
    });
    checkKw(name, args, ['input', ...extra.map((p) => p.name), ...FACTORY_KW]);
    const input = a.get('input')!;
    if (input.k !== 'tensor') tensorArg(input, 'input');
    const t = input as TensorVal;
    const dtype = dtypeArg(args.kw.get('dtype')) ?? t.dtype;
    if (random) randomKernel(random, dtype);
    if (name === 'full_like') checkScalarFits(a.get('fill_value')!, dtype);
    checkGrad(args, dtype);
    return tensor(t.shape, dtype, t.why);
  };
}

function randintLike(): TorchFn {
  return (args) => {
    const a = bind('randint_like', [{ name: 'input' }, { name: 'low' }, { name: 'high', default: { k: 'none' } }], {
      pos: args.pos,
      kw: new Map([...args.kw].filter(([k]) => ['input', 'low', 'high'].includes(k))),
    });
    const input = a.get('input')!;
    if (input.k !== 'tensor') tensorArg(input, 'input');
    const t = input as TensorVal;
    const dtype = dtypeArg(args.kw.get('dtype')) ?? t.dtype;
    const hv = a.get('high')!;
    const [lo, hi] = hv.k === 'none' ? [0, intOf(a.get('low'), 'high', 'randint_like', 2)] : [intOf(a.get('low'), 'low', 'randint_like', 2), intOf(hv, 'high', 'randint_like', 3)];
    if (lo >= hi) throw new TorchError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
    return tensor(t.shape, dtype, t.why);
  };
}

/** A Python number argument (arange/linspace bounds). */
function numArg(v: Py | undefined, what: string): { v: number; isInt: boolean } {
  if (v === undefined) throw new TorchError(`missing required argument '${what}'`, 'TypeError');
  if (v.k === 'unknown') throw new UnknownValue(`${what} is unknown (${v.why})`);
  if (v.k === 'int') return { v: v.v, isInt: true };
  if (v.k === 'bool') return { v: v.v ? 1 : 0, isInt: true };
  if (v.k === 'float') return { v: v.v, isInt: false };
  if (v.k === 'tensor') throw new UnknownValue(`${what} is the value of a tensor`);
  throw new TorchError(`arange(): argument '${what}' must be Number, not ${typeName(v)}`, 'TypeError');
}

const arange: TorchFn = (args) => {
  checkKw('arange', args, ['start', 'end', 'step', ...FACTORY_KW]);
  const pos = args.pos;
  let start: Py | undefined = args.kw.get('start');
  let end: Py | undefined = args.kw.get('end');
  let step: Py | undefined = args.kw.get('step');
  if (pos.length === 1) {
    if (start !== undefined && end === undefined) end = pos[0];
    else end = pos[0];
  } else if (pos.length === 2) [start, end] = pos;
  else if (pos.length >= 3) [start, end, step] = pos;
  if (end === undefined) throw new TorchError('arange() missing required argument \'end\'', 'TypeError');
  if (step !== undefined && start === undefined) {
    throw new TorchError('arange() received an invalid combination of arguments - got (int, step=int), but expected (Number end) or (Number start, Number end, Number step)', 'TypeError');
  }
  const s = start === undefined ? { v: 0, isInt: true } : numArg(start, 'start');
  const e = numArg(end, 'end');
  const st = step === undefined ? { v: 1, isInt: true } : numArg(step, 'step');
  const dtype = dtypeArg(args.kw.get('dtype')) ?? (s.isInt && e.isInt && st.isInt ? 'int64' : 'float32');
  if (dtype === 'bool') throw new TorchError(`"arange_cpu" not implemented for 'Bool'`);
  // checks use the accumulate type (int64 for integral dtypes), the size uses doubles except for int64
  const integral = !isFloating(dtype);
  const [xs, xe, xst] = integral ? [Math.trunc(s.v), Math.trunc(e.v), Math.trunc(st.v)] : [s.v, e.v, st.v];
  if (!(xst > 0 || xst < 0)) throw new TorchError('step must be nonzero');
  if (!((xst > 0 && xe >= xs) || (xst < 0 && xe <= xs))) throw new TorchError('upper bound and larger bound inconsistent with step sign');
  const n = dtype === 'int64' ? Math.trunc((xe - xs + xst - Math.sign(xst)) / xst) : Math.ceil((e.v - s.v) / st.v);
  if (!Number.isFinite(n) || n >= 2 ** 63) throw new TorchError('invalid size, possible overflow?');
  checkGrad(args, dtype);
  return tensor([n], dtype);
};

function spaceFactory(name: string): TorchFn {
  return (args) => {
    const sig: Param[] = [{ name: 'start' }, { name: 'end' }, { name: 'steps' }];
    if (name === 'logspace') sig.push({ name: 'base', default: { k: 'float', v: 10 } });
    const a = bind(name, sig, { pos: args.pos, kw: new Map([...args.kw].filter(([k]) => sig.some((p) => p.name === k))) });
    checkKw(name, args, [...sig.map((p) => p.name), ...FACTORY_KW]);
    numArg(a.get('start'), 'start');
    numArg(a.get('end'), 'end');
    const steps = intOf(a.get('steps'), 'steps', name, 3);
    if (steps < 0) throw new TorchError('number of steps must be non-negative');
    const dtype = dtypeArg(args.kw.get('dtype')) ?? 'float32';
    // one step is a fill, more run the kernel, which has no Bool version
    if (dtype === 'bool' && steps > 1) throw new TorchError(`"${name}_cpu" not implemented for 'Bool'`);
    checkGrad(args, dtype);
    return tensor([steps], dtype);
  };
}

const eye: TorchFn = (args) => {
  const a = bind('eye', [{ name: 'n' }, { name: 'm', default: { k: 'none' } }], {
    pos: args.pos,
    kw: new Map([...args.kw].filter(([k]) => k === 'n' || k === 'm')),
  });
  checkKw('eye', args, ['n', 'm', ...FACTORY_KW]);
  const n = intOf(a.get('n'), 'n', 'eye', 1);
  const mv = a.get('m')!;
  const m = mv.k === 'none' ? n : intOf(mv, 'm', 'eye', 2);
  if (n < 0) throw new TorchError(`n must be greater or equal to 0, got ${n}`);
  if (m < 0) throw new TorchError(`m must be greater or equal to 0, got ${m}`);
  const dtype = dtypeArg(args.kw.get('dtype')) ?? 'float32';
  checkGrad(args, dtype);
  return tensor([n, m], dtype);
};

function fromData(name: string): TorchFn {
  return (args) => {
    const a = bind(name, [{ name: 'data' }], { pos: args.pos, kw: new Map([...args.kw].filter(([k]) => k === 'data')) });
    checkKw(name, args, name === 'as_tensor' ? ['data', 'dtype', 'device'] : ['data', ...FACTORY_KW]);
    const data = a.get('data')!;
    const want = dtypeArg(args.kw.get('dtype'));
    if (data.k === 'unknown') throw new UnknownValue(`data is unknown (${data.why})`);
    let shape: Shape | null;
    let dtype: DType;
    let why: string | undefined;
    if (data.k === 'tensor') {
      shape = data.shape;
      dtype = want ?? data.dtype;
      why = data.why;
    } else {
      const d = pyData(data, want);
      shape = d.shape;
      dtype = d.dtype;
    }
    if (name === 'tensor') checkGrad(args, dtype);
    return tensor(shape, dtype, why);
  };
}

const normal: TorchFn = (args) => {
  checkKw('normal', args, ['mean', 'std', 'size', ...FACTORY_KW]);
  const a = bind('normal', [{ name: 'mean', default: { k: 'float', v: 0 } }, { name: 'std', default: { k: 'float', v: 1 } }, { name: 'size', default: { k: 'none' } }], {
    pos: args.pos,
    kw: new Map([...args.kw].filter(([k]) => ['mean', 'std', 'size'].includes(k))),
  });
  const mean = a.get('mean')!;
  const std = a.get('std')!;
  const size = a.get('size')!;
  if (mean.k === 'unknown') throw new UnknownValue(`mean is unknown (${mean.why})`);
  if (std.k === 'unknown') throw new UnknownValue(`std is unknown (${std.why})`);
  const checkStd = () => {
    if ((std.k === 'int' || std.k === 'float') && std.v < 0) {
      throw new TorchError(`normal expects std >= 0.0, but found std ${std.v}`);
    }
  };
  if (mean.k === 'tensor' || std.k === 'tensor') {
    if (size.k !== 'none') throw new TorchError('normal() received an invalid combination of arguments - got (Tensor, Tensor, size=tuple)', 'TypeError');
    checkStd();
    const base = (mean.k === 'tensor' ? mean : std) as TensorVal;
    const dtype = base.dtype;
    let shape: Shape | null;
    if (mean.k === 'tensor' && std.k === 'tensor') {
      const mt = tensorArg(mean, 'mean');
      const sd = tensorArg(std, 'std');
      // a = mean, b = std
      shape = broadcast(mt.shape, sd.shape);
    } else {
      shape = base.shape;
    }
    randomKernel('normal', dtype);
    return tensor(shape, dtype, shape === null ? base.why : undefined);
  }
  if (size.k === 'none') throw new TorchError('normal() received an invalid combination of arguments - got (float, float)', 'TypeError');
  const shape = intList(size, 'normal');
  const dtype = dtypeArg(args.kw.get('dtype')) ?? 'float32';
  checkSizeNonNegative(shape);
  checkStd();
  randomKernel('normal', dtype);
  checkGrad(args, dtype);
  return tensor(shape, dtype);
};

function broadcast(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const off = n - 1 - i;
    const sa = a.length - 1 - off >= 0 ? a[a.length - 1 - off] : 1;
    const sb = b.length - 1 - off >= 0 ? b[b.length - 1 - off] : 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw new TorchError(`The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`);
    }
    out[i] = sa === 1 ? sb : sa;
  }
  return out;
}

const randperm: TorchFn = (args) => {
  const a = bind('randperm', [{ name: 'n' }], { pos: args.pos, kw: new Map([...args.kw].filter(([k]) => k === 'n')) });
  checkKw('randperm', args, ['n', ...FACTORY_KW]);
  const n = intOf(a.get('n'), 'n', 'randperm', 1);
  checkSizeNonNegative([n]);
  const dtype = dtypeArg(args.kw.get('dtype')) ?? 'int64';
  checkGrad(args, dtype);
  return tensor([n], dtype);
};

const fromNumpy: TorchFn = () => ({ k: 'unknown', why: 'the shape of a NumPy array is not known statically' });

export const family: Family = {
  torch: {
    randn: sizeFactory('randn', 'normal'),
    rand: sizeFactory('rand', 'uniform'),
    zeros: sizeFactory('zeros'),
    ones: sizeFactory('ones'),
    empty: sizeFactory('empty'),
    full,
    randint,
    randn_like: likeFactory('randn_like', 'normal'),
    rand_like: likeFactory('rand_like', 'uniform'),
    zeros_like: likeFactory('zeros_like'),
    ones_like: likeFactory('ones_like'),
    empty_like: likeFactory('empty_like'),
    full_like: likeFactory('full_like', undefined, [{ name: 'fill_value' }]),
    randint_like: randintLike(),
    arange,
    linspace: spaceFactory('linspace'),
    logspace: spaceFactory('logspace'),
    eye,
    tensor: fromData('tensor'),
    as_tensor: fromData('as_tensor'),
    from_numpy: fromNumpy,
    normal,
    randperm,
  },
};
