/**
 * BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, LocalResponseNorm and their functional forms,
 * plus F.normalize. PyTorch 1.13 (CPU) semantics, checked by test/oracle/layers.test.ts.
 */
import { NONE, float, int, typeName, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import {
  SCALAR_NAME, bind, boolArg, fmt, intArg, isFloatDtype, isNone, numel, out, resultType, sameShape, seqItems, tensorArg,
  torchSize, wrapDim,
} from './args';
import { emptySizes, factoryDtype, forwardArgs } from './linear';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type ParamInfo } from './types';

const P = (name: string, d?: Py): Param => (d === undefined ? { name } : { name, default: d });
const TRUE_: Py = { k: 'bool', v: true };
const FALSE_: Py = { k: 'bool', v: false };

type T = { shape: Shape; dtype: DType };

/** F._verify_batch_size: more than one value per channel when using batch statistics. */
function verifyBatchSize(s: Shape, asList = false): void {
  if (s.length === 0) throw new TorchError('tuple index out of range', 'IndexError');
  let prod = s[0];
  for (let i = 2; i < s.length; i++) prod *= s[i];
  if (prod === 1) {
    throw new TorchError(`Expected more than 1 value per channel when training, got input size ${asList ? fmt(s) : torchSize(s)}`, 'ValueError');
  }
}

interface BnTensors { weight: T | null; bias: T | null; runningMean: T | null; runningVar: T | null }

/** `torch.batch_norm` (ATen `_batch_norm_impl_index`), after the Python checks; returns the output dtype. */
function atenBatchNorm(x: T, p: BnTensors, training: boolean): DType {
  if (numel(x.shape) === 0) {
    // an empty input is returned as `input.clone() * weight[0] + bias[0]`
    let dt = x.dtype;
    for (const t of [p.weight, p.bias]) {
      if (t === null) continue;
      if (numel(t.shape) === 0) throw new TorchError(`index 0 is out of bounds for dimension 0 with size 0`, 'IndexError');
      dt = resultType({ shape: [1], dtype: dt }, { shape: [], dtype: t.dtype });
    }
    return dt;
  }
  // ATen reads sizes()[1] unchecked; PyTorch 1.13 reports 0 channels for 0-d and 1-d input
  const c = x.shape.length >= 2 ? x.shape[1] : 0;
  const check = (name: string, t: T | null) => {
    if (t !== null && numel(t.shape) !== c) throw new TorchError(`${name} should contain ${c} elements not ${numel(t.shape)}`);
  };
  check('running_mean', p.runningMean);
  if (p.runningMean === null && !training) throw new TorchError('running_mean must be defined in evaluation mode');
  check('running_var', p.runningVar);
  if (p.runningVar === null && !training) throw new TorchError('running_var must be defined in evaluation mode');
  check('weight', p.weight);
  check('bias', p.bias);
  if (!isFloatDtype(x.dtype) || x.dtype === 'float16') throw new TorchError(`"batch_norm" not implemented for '${SCALAR_NAME[x.dtype]}'`);
  const params = [p.weight, p.bias, p.runningMean, p.runningVar].filter((t): t is T => t !== null);
  if (params.some((t) => t.dtype !== x.dtype)) {
    throw new TorchError(x.dtype === 'float32'
      ? 'mixed dtype (CPU): expect parameter to have scalar type of Float'
      : 'mixed dtype (CPU): expect input to have scalar type of BFloat16');
  }
  // the CPU kernel then reads the channel dim
  if (x.shape.length === 0) throw new TorchError('Dimension specified as 0 but tensor has no dimensions', 'IndexError');
  if (x.shape.length === 1) throw new TorchError('Dimension out of range (expected to be in range of [-1, 0], but got 1)', 'IndexError');
  return x.dtype;
}

// ---------------------------------------------------------------------------------------------
// BatchNorm / InstanceNorm modules

interface NormCfg { nf: number; affine: boolean; track: boolean; dtype: DType }

const normSig: Param[] = [P('num_features'), P('eps', float(1e-5)), P('momentum', float(0.1)), P('affine', TRUE_), P('track_running_stats', TRUE_), P('device', NONE), P('dtype', NONE)];

function normInit(a: Map<string, Py>): NormCfg {
  const affine = boolArg(a, 'affine');
  const track = boolArg(a, 'track_running_stats');
  const nfv = a.get('num_features')!;
  let nf: number;
  if (affine) nf = emptySizes([nfv], false, 'empty')[0];
  else if (track) nf = emptySizes([nfv], false, 'zeros')[0];
  else if (nfv.k === 'int' || nfv.k === 'float') nf = nfv.v;
  else if (nfv.k === 'bool') nf = nfv.v ? 1 : 0;
  else nf = 0;
  return { nf, affine, track, dtype: factoryDtype(a, affine) ?? 'float32' };
}

function normParams(c: NormCfg): ParamInfo[] {
  return c.affine ? [{ name: 'weight', shape: [c.nf] }, { name: 'bias', shape: [c.nf] }] : [];
}
function normBuffers(c: NormCfg): ParamInfo[] {
  return c.track
    ? [{ name: 'running_mean', shape: [c.nf] }, { name: 'running_var', shape: [c.nf] }, { name: 'num_batches_tracked', shape: [] }]
    : [];
}

function batchNorm(type: string, dims: number[], expected: string): ModuleDef<NormCfg> {
  return {
    signature: normSig,
    init: normInit,
    forward(c, args, ctx) {
      const x = tensorArg(forwardArgs(type, args).get('input'), 'input');
      if (!dims.includes(x.shape.length)) throw new TorchError(`expected ${expected} input (got ${x.shape.length}D input)`, 'ValueError');
      const bnTraining = ctx.training || !c.track;
      if (bnTraining) verifyBatchSize(x.shape);
      const v: T = { shape: [c.nf], dtype: c.dtype };
      const dt = atenBatchNorm(x, { weight: c.affine ? v : null, bias: c.affine ? v : null, runningMean: c.track ? v : null, runningVar: c.track ? v : null }, bnTraining);
      return out(x.shape, dt);
    },
    parameters: normParams,
    buffers: normBuffers,
  };
}

/** F.instance_norm after the unsqueeze of unbatched input: `_verify_spatial_size` then `torch.instance_norm`. */
function instanceNormCore(x: T, p: BnTensors, useInputStats: boolean): DType {
  if (useInputStats) {
    let prod = 1;
    for (let i = 2; i < x.shape.length; i++) prod *= x.shape[i];
    if (prod === 1) throw new TorchError(`Expected more than 1 spatial element when training, got input size ${torchSize(x.shape)}`, 'ValueError');
  }
  if (!useInputStats && (p.runningMean === null || p.runningVar === null)) {
    throw new TorchError('Expected running_mean and running_var to be defined when use_input_stats is false');
  }
  if (x.shape.length === 0) throw new TorchError('Dimension specified as 0 but tensor has no dimensions', 'IndexError');
  if (x.shape.length === 1) throw new TorchError('Dimension out of range (expected to be in range of [-1, 0], but got 1)', 'IndexError');
  const b = x.shape[0];
  const rep = (t: T | null): T | null => (t === null ? null : { shape: [numel(t.shape) * b], dtype: t.dtype });
  const reshaped: T = { shape: [1, b * x.shape[1], ...x.shape.slice(2)], dtype: x.dtype };
  const dt = atenBatchNorm(reshaped, { weight: rep(p.weight), bias: rep(p.bias), runningMean: rep(p.runningMean), runningVar: rep(p.runningVar) }, useInputStats);
  // the running stats are written back as `running_mean_.view({b, c}).mean(0)`
  const c = x.shape[1];
  for (const r of [p.runningMean, p.runningVar]) {
    if (r === null) continue;
    const n = numel(r.shape);
    if (b * c !== b * n) throw new TorchError(`shape '${fmt([b, c])}' is invalid for input of size ${b * n}`);
    if (c !== n && c !== 1) throw new TorchError(`The size of tensor a (${n}) must match the size of tensor b (${c}) at non-singleton dimension 0`);
  }
  return dt;
}

function instanceNorm(type: string, dims: [number, number], expected: string): ModuleDef<NormCfg> {
  const sig = normSig.map((p) => (p.name === 'affine' || p.name === 'track_running_stats' ? P(p.name, FALSE_) : p));
  return {
    signature: sig,
    init: normInit,
    forward(c, args, ctx) {
      const x = tensorArg(forwardArgs(type, args).get('input'), 'input');
      if (!dims.includes(x.shape.length)) throw new TorchError(`expected ${expected} input (got ${x.shape.length}D input)`, 'ValueError');
      const shape = x.shape.length === dims[0] ? [1, ...x.shape] : x.shape;
      const v: T = { shape: [c.nf], dtype: c.dtype };
      const dt = instanceNormCore({ shape, dtype: x.dtype }, {
        weight: c.affine ? v : null, bias: c.affine ? v : null, runningMean: c.track ? v : null, runningVar: c.track ? v : null,
      }, ctx.training || !c.track);
      return out(x.shape, dt);
    },
    parameters: normParams,
    buffers: normBuffers,
  };
}

// ---------------------------------------------------------------------------------------------
// LayerNorm

function layerNormCheck(x: T, ns: number[], w: T | null, b: T | null): void {
  if (ns.length < 1) {
    throw new TorchError(`Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = ${fmt(ns)}`);
  }
  if (w !== null && !sameShape(w.shape, ns)) {
    throw new TorchError(`Expected weight to be of same shape as normalized_shape, but got weight of shape ${fmt(w.shape)} and normalized_shape = ${fmt(ns)}`);
  }
  if (b !== null && !sameShape(b.shape, ns)) {
    throw new TorchError(`Expected bias to be of same shape as normalized_shape, but got bias of shape ${fmt(b.shape)} and normalized_shape = ${fmt(ns)}`);
  }
  const nd = x.shape.length;
  if (nd < ns.length || !sameShape(x.shape.slice(nd - ns.length), ns)) {
    throw new TorchError(`Given normalized_shape=${fmt(ns)}, expected input with shape [*${ns.map((n) => `, ${n}`).join('')}], but got input of size${fmt(x.shape)}`);
  }
  if (!isFloatDtype(x.dtype) || x.dtype === 'float16') throw new TorchError(`"LayerNormKernelImpl" not implemented for '${SCALAR_NAME[x.dtype]}'`);
  const p = w ?? b;
  if (p !== null && p.dtype !== x.dtype) throw new TorchError(`expected scalar type ${SCALAR_NAME[x.dtype]} but found ${SCALAR_NAME[p.dtype]}`);
}

interface LayerNormCfg { shape: number[]; affine: boolean; dtype: DType }

const LayerNorm: ModuleDef<LayerNormCfg> = {
  signature: [P('normalized_shape'), P('eps', float(1e-5)), P('elementwise_affine', TRUE_), P('device', NONE), P('dtype', NONE)],
  init(a) {
    const v = a.get('normalized_shape')!;
    if (v.k === 'unknown') throw new UnknownValue(`normalized_shape is unknown (${v.why})`);
    const affine = boolArg(a, 'elementwise_affine');
    let items: Py[];
    if (v.k === 'int' || v.k === 'bool') items = [v];
    else {
      const s = seqItems(v);
      if (s === null) throw new TorchError(`'${typeName(v)}' object is not iterable`, 'TypeError');
      items = s;
    }
    let shape: number[];
    if (affine) shape = items.length === 0 ? [] : emptySizes(items);
    else {
      shape = items.map((x, i) => {
        if (x.k === 'unknown') throw new UnknownValue(`normalized_shape[${i}] is unknown (${x.why})`);
        if (x.k === 'int' || x.k === 'float') return x.v;
        if (x.k === 'bool') return x.v ? 1 : 0;
        throw new TorchError(`layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, but found element of type ${typeName(x)} at pos ${i}`, 'TypeError');
      });
    }
    return { shape, affine, dtype: factoryDtype(a, affine) ?? 'float32' };
  },
  forward(c, args) {
    const x = tensorArg(forwardArgs('LayerNorm', args).get('input'), 'input');
    const w: T | null = c.affine ? { shape: c.shape, dtype: c.dtype } : null;
    layerNormCheck(x, c.shape, w, w);
    return out(x.shape, x.dtype);
  },
  parameters: (c) => (c.affine ? [{ name: 'weight', shape: c.shape }, { name: 'bias', shape: c.shape }] : []),
};

// ---------------------------------------------------------------------------------------------
// GroupNorm

function groupNormCheck(x: T, g: number, w: T | null, b: T | null): void {
  if (x.shape.length === 0) throw new TorchError('Dimension specified as 0 but tensor has no dimensions', 'IndexError');
  if (x.shape.length === 1) throw new TorchError('Dimension out of range (expected to be in range of [-1, 0], but got 1)', 'IndexError');
  if (g === 0) throw new TorchError('integer division or modulo by zero', 'ZeroDivisionError' as TorchError['pyType']);
  const [n, c] = x.shape;
  verifyBatchSize([Math.floor((n * c) / g), g, ...x.shape.slice(2)], true);
  if (c % g !== 0) {
    throw new TorchError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmt(x.shape)} and num_groups=${g}`);
  }
  if (w !== null && !(w.shape.length === 1 && w.shape[0] === c)) {
    throw new TorchError(`Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape ${fmt(w.shape)} and input of shape ${fmt(x.shape)}`);
  }
  if (b !== null && !(b.shape.length === 1 && b.shape[0] === c)) {
    // PyTorch 1.13 prints the weight's shape here ([0] when there is no weight)
    throw new TorchError(`Expected bias to be a vector of size equal to the number of channels in input, but got bias of shape ${w ? fmt(w.shape) : '[0]'} and input of shape ${fmt(x.shape)}`);
  }
  if (!isFloatDtype(x.dtype) || x.dtype === 'float16') throw new TorchError(`"GroupNormKernelImpl" not implemented for '${SCALAR_NAME[x.dtype]}'`);
  const p = w ?? b;
  if (p !== null && p.dtype !== x.dtype) throw new TorchError(`expected scalar type ${SCALAR_NAME[x.dtype]} but found ${SCALAR_NAME[p.dtype]}`);
}

interface GroupNormCfg { g: number; c: number; affine: boolean; dtype: DType }

const GroupNorm: ModuleDef<GroupNormCfg> = {
  signature: [P('num_groups'), P('num_channels'), P('eps', float(1e-5)), P('affine', TRUE_), P('device', NONE), P('dtype', NONE)],
  init(a) {
    const gv = a.get('num_groups')!;
    const cv = a.get('num_channels')!;
    for (const [n, v] of [['num_groups', gv], ['num_channels', cv]] as const) {
      if (v.k === 'unknown') throw new UnknownValue(`${n} is unknown (${v.why})`);
      if (v.k !== 'int' && v.k !== 'float' && v.k !== 'bool') {
        throw new TorchError(`unsupported operand type(s) for %: '${typeName(cv)}' and '${typeName(gv)}'`, 'TypeError');
      }
    }
    const num = (v: Py) => (v.k === 'bool' ? (v.v ? 1 : 0) : (v as { v: number }).v);
    const g = num(gv);
    const c = num(cv);
    if (g === 0) {
      const isF = gv.k === 'float' || cv.k === 'float';
      throw new TorchError(isF ? 'float modulo' : 'integer modulo by zero', 'ZeroDivisionError' as TorchError['pyType']);
    }
    const mod = c - g * Math.floor(c / g);
    if (mod !== 0) throw new TorchError('num_channels must be divisible by num_groups', 'ValueError');
    const affine = boolArg(a, 'affine');
    if (affine) emptySizes([cv], false);
    const dtype = factoryDtype(a, affine) ?? 'float32';
    if (gv.k === 'float') throw new UnknownValue('GroupNorm with a float num_groups');
    return { g, c, affine, dtype };
  },
  forward(c, args) {
    const x = tensorArg(forwardArgs('GroupNorm', args).get('input'), 'input');
    const w: T | null = c.affine ? { shape: [c.c], dtype: c.dtype } : null;
    groupNormCheck(x, c.g, w, w);
    return out(x.shape, x.dtype);
  },
  parameters: (c) => (c.affine ? [{ name: 'weight', shape: [c.c] }, { name: 'bias', shape: [c.c] }] : []),
};

// ---------------------------------------------------------------------------------------------
// LocalResponseNorm

function lrnShape(x: T, size: number): Py {
  const nd = x.shape.length;
  if (nd < 3) {
    throw new TorchError(`Expected 3D or higher dimensionality                          input (got ${nd} dimensions)`, 'ValueError');
  }
  if (numel(x.shape) === 0) return out(x.shape, x.dtype);
  if (size < 0) throw new UnknownValue('LocalResponseNorm with a negative size is not modelled');
  if (size === 0) {
    throw new TorchError(nd === 3
      ? `kernel size should be greater than zero, but got kH: ${size} kW: 1`
      : `kernel size should be greater than zero, but got kT: ${size} kH: 1 kW: 1`);
  }
  if (x.dtype === 'bool' || x.dtype === 'float16') {
    throw new TorchError(`"${nd === 3 ? 'avg_pool2d' : 'avg_pool3d_out_frame'}" not implemented for '${SCALAR_NAME[x.dtype]}'`);
  }
  return out(x.shape, isFloatDtype(x.dtype) ? x.dtype : 'float32');
}

const LocalResponseNorm: ModuleDef<{ size: number }> = {
  signature: [P('size'), P('alpha', float(1e-4)), P('beta', float(0.75)), P('k', float(1))],
  init: (a) => ({ size: intArg(a, 'size') }),
  forward(c, args) {
    const x = tensorArg(forwardArgs('LocalResponseNorm', args).get('input'), 'input');
    return lrnShape(x, c.size);
  },
  parameters: () => [],
};

// ---------------------------------------------------------------------------------------------
// functional

const optT = (a: Map<string, Py>, n: string): T | null => (isNone(a, n) ? null : tensorArg(a.get(n), n));

const batchNormFn = (args: CallArgs): Py => {
  const a = bind('batch_norm', [
    P('input'), P('running_mean'), P('running_var'), P('weight', NONE), P('bias', NONE), P('training', FALSE_),
    P('momentum', float(0.1)), P('eps', float(1e-5)),
  ], args);
  const x = tensorArg(a.get('input'), 'input');
  const p: BnTensors = { runningMean: optT(a, 'running_mean'), runningVar: optT(a, 'running_var'), weight: optT(a, 'weight'), bias: optT(a, 'bias') };
  const training = boolArg(a, 'training');
  if (training) verifyBatchSize(x.shape);
  return out(x.shape, atenBatchNorm(x, p, training));
};

const instanceNormFn = (args: CallArgs): Py => {
  const a = bind('instance_norm', [
    P('input'), P('running_mean', NONE), P('running_var', NONE), P('weight', NONE), P('bias', NONE),
    P('use_input_stats', TRUE_), P('momentum', float(0.1)), P('eps', float(1e-5)),
  ], args);
  const x = tensorArg(a.get('input'), 'input');
  const dt = instanceNormCore(x, { runningMean: optT(a, 'running_mean'), runningVar: optT(a, 'running_var'), weight: optT(a, 'weight'), bias: optT(a, 'bias') }, boolArg(a, 'use_input_stats'));
  return out(x.shape, dt);
};

const layerNormFn = (args: CallArgs): Py => {
  const a = bind('layer_norm', [P('input'), P('normalized_shape'), P('weight', NONE), P('bias', NONE), P('eps', float(1e-5))], args);
  const x = tensorArg(a.get('input'), 'input');
  const v = a.get('normalized_shape')!;
  if (v.k === 'unknown') throw new UnknownValue(`normalized_shape is unknown (${v.why})`);
  const items = seqItems(v);
  if (items === null) {
    throw new TorchError(`layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not ${typeName(v)}`, 'TypeError');
  }
  const ns = items.map((e, i) => {
    if (e.k === 'unknown') throw new UnknownValue(`normalized_shape[${i}] is unknown (${e.why})`);
    if (e.k === 'int') return e.v;
    if (e.k === 'bool') return e.v ? 1 : 0;
    throw new TorchError(`layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, but found element of type ${typeName(e)} at pos ${i}`, 'TypeError');
  });
  layerNormCheck(x, ns, optT(a, 'weight'), optT(a, 'bias'));
  return out(x.shape, x.dtype);
};

const groupNormFn = (args: CallArgs): Py => {
  const a = bind('group_norm', [P('input'), P('num_groups'), P('weight', NONE), P('bias', NONE), P('eps', float(1e-5))], args);
  const x = tensorArg(a.get('input'), 'input');
  groupNormCheck(x, intArg(a, 'num_groups'), optT(a, 'weight'), optT(a, 'bias'));
  return out(x.shape, x.dtype);
};

const lrnFn = (args: CallArgs): Py => {
  const a = bind('local_response_norm', [P('input'), P('size'), P('alpha', float(1e-4)), P('beta', float(0.75)), P('k', float(1))], args);
  return lrnShape(tensorArg(a.get('input'), 'input'), intArg(a, 'size'));
};

const normalizeFn = (args: CallArgs): Py => {
  const a = bind('normalize', [P('input'), P('p', float(2)), P('dim', int(1)), P('eps', float(1e-12)), P('out', NONE)], args);
  const x = tensorArg(a.get('input'), 'input');
  if (!isFloatDtype(x.dtype)) {
    throw new TorchError(`norm(): input dtype should be either floating point or complex. Got ${SCALAR_NAME[x.dtype]} instead.`);
  }
  wrapDim(intArg(a, 'dim'), x.shape.length);
  if (x.dtype === 'float16') throw new TorchError(`"clamp_min_cpu" not implemented for 'Half'`);
  return out(x.shape, x.dtype);
};

export const family: Family = {
  modules: {
    BatchNorm1d: batchNorm('BatchNorm1d', [2, 3], '2D or 3D'),
    BatchNorm2d: batchNorm('BatchNorm2d', [4], '4D'),
    BatchNorm3d: batchNorm('BatchNorm3d', [5], '5D'),
    InstanceNorm1d: instanceNorm('InstanceNorm1d', [2, 3], '2D or 3D'),
    InstanceNorm2d: instanceNorm('InstanceNorm2d', [3, 4], '3D or 4D'),
    InstanceNorm3d: instanceNorm('InstanceNorm3d', [4, 5], '4D or 5D'),
    LayerNorm,
    GroupNorm,
    LocalResponseNorm,
  },
  functional: {
    batch_norm: batchNormFn,
    instance_norm: instanceNormFn,
    layer_norm: layerNormFn,
    group_norm: groupNormFn,
    local_response_norm: lrnFn,
    normalize: normalizeFn,
  },
};
