/**
 * From a model call recorded by the interpreter (FileAnalysis.record) to a trainable network spec: the ops the
 * trainer executes, in order, with their parameters under PyTorch's own `state_dict()` keys and layouts.
 * Pure data (no tfjs): the extension uses it to refuse a model before any training starts, the worker compiles
 * it to tfjs (src/engine/network.ts).
 *
 * Shapes are PyTorch's (NCHW); how the engine lays tensors out is its own business.
 */
import type { FileAnalysis } from './analysis';
import type { ModuleLike, Py, Shape, TensorVal, TorchModuleVal } from './python/values';
import { tensor } from './python/values';
import type { ConvCfg } from './torch/conv';
import { namedModules, type TapeOp } from './torchEnv';

/** How a parameter is initialised: the reference DCGAN's `weights_init`, else PyTorch's default. */
export type InitRule =
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'zeros' }
  | { kind: 'ones' };

export interface NetParam {
  /** `state_dict()` key, e.g. `main.0.weight` */
  key: string;
  /** PyTorch's shape (conv weight [out, in, kh, kw]; ConvTranspose2d [in, out, kh, kw]) */
  shape: number[];
  kind: 'param' | 'buffer';
  dtype: 'F32' | 'I64';
  init: InitRule;
}

export type NetOpKind =
  | 'conv2d' | 'convTranspose2d' | 'batchNorm' | 'linear'
  | 'leakyRelu' | 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'identity' | 'dropout'
  | 'reshape' | 'cat' | 'add' | 'sub' | 'mul' | 'div' | 'upsampleNearest' | 'mean' | 'avgPool2d' | 'maxPool2d';

export interface NetOp {
  /** id of the tensor this op produces */
  out: number;
  op: NetOpKind;
  /** ids of input tensors (0 = the network input); a number operand of a binary op is in `attrs.scalar` */
  inputs: number[];
  attrs: Record<string, number | number[] | boolean | string | null>;
  /** PyTorch output shape */
  shape: number[];
  /** 0-based source line, and the module path when the op is a module call */
  line: number;
  module?: string;
}

export interface NetSpec {
  /** class name */
  name: string;
  inputShape: number[];
  outputShape: number[];
  ops: NetOp[];
  /** output tensor id */
  output: number;
  params: NetParam[];
  /**
   * The op id of a final Sigmoid (followed only by reshapes): the trainer skips it and takes BCE from the
   * logits, which is the same loss without log(0). null when the output is not a sigmoid.
   */
  finalSigmoid: number | null;
}

/** Layers and functions the trainer executes, for the README and for refusals. */
export const TRAINABLE_MODULES = ['Conv2d', 'ConvTranspose2d', 'BatchNorm2d', 'BatchNorm1d', 'Linear', 'LeakyReLU', 'ReLU', 'Tanh',
  'Sigmoid', 'ELU', 'Identity', 'Dropout', 'Dropout2d', 'Flatten', 'Unflatten', 'Upsample (nearest)', 'AvgPool2d', 'MaxPool2d'];
export const TRAINABLE_FUNCTIONS = ['F.leaky_relu', 'F.relu', 'torch.tanh / F.tanh / .tanh()', 'torch.sigmoid / F.sigmoid / .sigmoid()',
  'F.interpolate (nearest)', 'torch.cat', '.view / .reshape / .flatten / .squeeze / .unsqueeze / torch.flatten', '.mean', '+ − × ÷'];

export class NotTrainable extends Error {
  constructor(message: string, readonly line: number) { super(message); }
}

const num = (v: Py | undefined, dflt: number): number => (v && (v.k === 'int' || v.k === 'float') ? v.v : v && v.k === 'bool' ? Number(v.v) : dflt);
const isNone = (v: Py | undefined) => !v || v.k === 'none';

/**
 * Record `model(input)` and turn it into a NetSpec. Throws PyException when PyTorch would raise, NotTrainable
 * when the model uses something the trainer does not execute (with the line and what to do).
 */
export function trainableSpec(analysis: FileAnalysis, model: ModuleLike, name: string, inputShape: Shape): NetSpec {
  const input = tensor(inputShape);
  const { result, tape } = analysis.record(model, [input]);
  if (result.k !== 'tensor' || !result.shape) {
    throw new NotTrainable(`${name}: forward() must return one tensor of known shape (${result.k === 'tensor' ? result.why : `it returned a ${result.k}`})`, 0);
  }
  const paths = new Map<ModuleLike, string>(namedModules(model).map(([p, m]) => [m, p]));
  const ids = new Map<TensorVal, number>([[input, 0]]);
  // live ops: walk back from the output through the tensors each op consumes
  const producer = new Map<TensorVal, TapeOp>();
  for (const op of tape) if (op.result.k === 'tensor') producer.set(op.result, op);
  const live = new Set<TapeOp>();
  const pending: TensorVal[] = [result];
  const seenT = new Set<TensorVal>();
  while (pending.length) {
    const t = pending.pop()!;
    if (seenT.has(t) || t === input) continue;
    seenT.add(t);
    const op = producer.get(t);
    if (!op) {
      throw new NotTrainable(`${name}: its output depends on a tensor the trainer cannot follow (a parameter used directly, a constant created in forward(), or an operation it does not support). ` +
        `Supported: ${TRAINABLE_MODULES.join(', ')}; ${TRAINABLE_FUNCTIONS.join(', ')}.`, 0);
    }
    live.add(op);
    for (const a of tensorsIn(op.args.pos)) pending.push(a);
    for (const a of tensorsIn([...op.args.kw.values()])) pending.push(a);
  }
  const ops: NetOp[] = [];
  let next = 1;
  const idOf = (t: TensorVal, op: TapeOp): number => {
    const id = ids.get(t);
    if (id === undefined) throw new NotTrainable(`${name}: line ${op.line + 1} uses a tensor the trainer cannot follow`, op.line);
    return id;
  };
  const emit = (op: TapeOp, kind: NetOpKind, inputs: TensorVal[], attrs: NetOp['attrs'], module?: string) => {
    const r = op.result as TensorVal;
    const out = next++;
    ids.set(r, out);
    ops.push({ out, op: kind, inputs: inputs.map((t) => idOf(t, op)), attrs, shape: [...r.shape!], line: op.line, module });
  };
  const params: NetParam[] = [];
  const paramsOf = new Set<TorchModuleVal>();
  for (const op of tape) {
    if (!live.has(op)) continue;
    const r = op.result;
    if (r.k !== 'tensor' || !r.shape) throw new NotTrainable(`${name}: line ${op.line + 1}: an output shape is unknown`, op.line);
    const x = op.args.pos[0] as TensorVal;
    if (op.kind === 'module') {
      const m = op.module;
      const path = paths.get(m);
      if (path === undefined) throw new NotTrainable(`${name}: line ${op.line + 1}: ${m.type} is not a submodule of the model`, op.line);
      if (!paramsOf.has(m)) { paramsOf.add(m); params.push(...moduleParams(m, path)); }
      const [kind, inputs, attrs] = moduleOp(m, path, op);
      emit(op, kind, inputs, attrs, path);
      continue;
    }
    const unsupported = () => new NotTrainable(`${name}: line ${op.line + 1}: ${describe(op)} is not executed by the tfjs engines. ` +
      `Supported: ${TRAINABLE_MODULES.join(', ')}; ${TRAINABLE_FUNCTIONS.join(', ')}.`, op.line);
    const fn = op.name;
    if (op.kind === 'binary') {
      const [a, b] = op.args.pos;
      const k = ({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' } as Record<string, NetOpKind>)[fn];
      if (!k) throw unsupported();
      if (a.k === 'tensor' && b.k === 'tensor') emit(op, k, [a, b], {});
      else if (a.k === 'tensor' && (b.k === 'int' || b.k === 'float')) emit(op, k, [a], { scalar: b.v, scalarFirst: false });
      else if (b.k === 'tensor' && (a.k === 'int' || a.k === 'float')) emit(op, k, [b], { scalar: a.v, scalarFirst: true });
      else throw unsupported();
      continue;
    }
    if (op.kind === 'index') throw unsupported();
    if (['view', 'reshape', 'flatten', 'squeeze', 'unsqueeze', 'contiguous'].includes(fn) && op.kind !== 'functional') {
      emit(op, 'reshape', [x], {});
    } else if (fn === 'leaky_relu' && op.kind === 'functional') {
      emit(op, 'leakyRelu', [x], { slope: num(op.args.pos[1] ?? op.args.kw.get('negative_slope'), 0.01) });
    } else if (fn === 'relu') {
      emit(op, 'relu', [x], {});
    } else if (fn === 'tanh') {
      emit(op, 'tanh', [x], {});
    } else if (fn === 'sigmoid') {
      emit(op, 'sigmoid', [x], {});
    } else if (fn === 'cat' && op.kind === 'torch') {
      const list = op.args.pos[0];
      if (!list || (list.k !== 'list' && list.k !== 'tuple') || !list.items.every((t) => t.k === 'tensor')) throw unsupported();
      const dim = num(op.args.pos[1] ?? op.args.kw.get('dim'), 0);
      emit(op, 'cat', list.items as TensorVal[], { dim: dim < 0 ? dim + r.shape.length : dim });
    } else if (fn === 'interpolate' && op.kind === 'functional') {
      const mode = op.args.kw.get('mode') ?? op.args.pos[3];
      if (mode && mode.k === 'str' && mode.v !== 'nearest') throw unsupported();
      emit(op, 'upsampleNearest', [x], {});
    } else if (fn === 'mean' && op.kind === 'method') {
      const dims = meanDims(op, x.shape!.length);
      if (!dims) throw unsupported();
      emit(op, 'mean', [x], { dims, keepdim: num(op.args.kw.get('keepdim'), 0) === 1 });
    } else {
      throw unsupported();
    }
  }
  const outId = ids.get(result);
  if (outId === undefined) throw new NotTrainable(`${name}: its output is not computed by operations the trainer supports`, 0);
  const byOut = new Map(ops.map((o) => [o.out, o]));
  let tail = byOut.get(outId);
  while (tail && (tail.op === 'reshape' || tail.op === 'identity')) tail = byOut.get(tail.inputs[0]);
  return {
    name, inputShape: [...inputShape], outputShape: [...result.shape], ops, output: outId, params,
    finalSigmoid: tail && tail.op === 'sigmoid' ? tail.out : null,
  };
}

function tensorsIn(vals: Py[]): TensorVal[] {
  const out: TensorVal[] = [];
  for (const v of vals) {
    if (v.k === 'tensor') out.push(v);
    else if (v.k === 'list' || v.k === 'tuple') out.push(...tensorsIn(v.items));
  }
  return out;
}

function describe(op: TapeOp): string {
  if (op.kind === 'module') return `nn.${op.module.type}`;
  if (op.kind === 'binary') return `the operator ${op.name}`;
  if (op.kind === 'index') return 'indexing a tensor (x[...])';
  if (op.kind === 'method') return `.${op.name}()`;
  return `${op.kind === 'functional' ? 'F' : 'torch'}.${op.name}`;
}

function meanDims(op: TapeOp, rank: number): number[] | null {
  const d = op.args.pos[1] ?? op.args.kw.get('dim');
  if (!d || d.k === 'none') return [...Array(rank).keys()];
  const items = d.k === 'int' ? [d] : d.k === 'tuple' || d.k === 'list' ? d.items : null;
  if (!items || !items.every((i) => i.k === 'int')) return null;
  return items.map((i) => ((i as { v: number }).v + rank) % rank);
}

function moduleParams(m: TorchModuleVal, path: string): NetParam[] {
  const key = (n: string) => (path ? `${path}.${n}` : n);
  const p = (name: string, shape: number[], init: InitRule, kind: NetParam['kind'] = 'param', dtype: NetParam['dtype'] = 'F32'): NetParam =>
    ({ key: key(name), shape, kind, dtype, init });
  const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
  switch (m.type) {
    case 'Conv2d': case 'ConvTranspose2d': {
      const c = m.cfg as ConvCfg;
      const w = c.transposed ? [c.inChannels, c.outChannels / c.groups, ...c.kernel] : [c.outChannels, c.inChannels / c.groups, ...c.kernel];
      // PyTorch's default bias init: U(±1/√fan_in), fan_in = weight.size(1)·k (for ConvTranspose2d that is out/groups·k)
      const fanIn = w[1] * prod(c.kernel);
      // the reference DCGAN's weights_init: every Conv* weight ~ N(0, 0.02)
      return [p('weight', w, { kind: 'normal', mean: 0, std: 0.02 }), ...(c.bias ? [p('bias', [c.outChannels], { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) })] : [])];
    }
    case 'BatchNorm2d': case 'BatchNorm1d': {
      const nf = num(m.args.get('num_features'), 0);
      const affine = num(m.args.get('affine'), 1) === 1;
      const track = num(m.args.get('track_running_stats'), 1) === 1;
      return [
        ...(affine ? [p('weight', [nf], { kind: 'normal', mean: 1, std: 0.02 }), p('bias', [nf], { kind: 'zeros' })] : []),
        ...(track ? [p('running_mean', [nf], { kind: 'zeros' }, 'buffer'), p('running_var', [nf], { kind: 'ones' }, 'buffer'),
          p('num_batches_tracked', [], { kind: 'zeros' }, 'buffer', 'I64')] : []),
      ];
    }
    case 'Linear': {
      const inF = num(m.args.get('in_features'), 0);
      const outF = num(m.args.get('out_features'), 0);
      const bound = 1 / Math.sqrt(inF);
      // PyTorch's default: kaiming_uniform(a=√5) = U(±1/√in) for the weight, and the same bound for the bias
      return [p('weight', [outF, inF], { kind: 'uniform', bound }), ...(num(m.args.get('bias'), 1) === 1 ? [p('bias', [outF], { kind: 'uniform', bound })] : [])];
    }
    default:
      return [];
  }
}

function moduleOp(m: TorchModuleVal, path: string, op: TapeOp): [NetOpKind, TensorVal[], NetOp['attrs']] {
  const x = op.args.pos[0] as TensorVal;
  const key = (n: string) => (path ? `${path}.${n}` : n);
  const refuse = (why: string) => new NotTrainable(`line ${m.line + 1}: nn.${m.type} (${path}) ${why}`, m.line);
  switch (m.type) {
    case 'Conv2d': case 'ConvTranspose2d': {
      const c = m.cfg as ConvCfg;
      if (c.groups !== 1) throw refuse('with groups > 1 is not executed by the tfjs engines');
      if (c.paddingMode !== 'zeros') throw refuse(`with padding_mode='${c.paddingMode}' is not executed by the tfjs engines`);
      if (c.transposed && c.dilation.some((d) => d !== 1)) throw refuse('with dilation > 1 is not executed by the tfjs engines');
      const padding = c.padding === 'valid' ? [0, 0] : c.padding === 'same' ? 'same' : c.padding;
      return [c.transposed ? 'convTranspose2d' : 'conv2d', [x], {
        stride: c.stride, padding, dilation: c.dilation, kernel: c.kernel, outputPadding: c.outputPadding,
        weight: key('weight'), bias: c.bias ? key('bias') : null,
      }];
    }
    case 'BatchNorm2d': case 'BatchNorm1d': {
      const mom = m.args.get('momentum');
      const affine = num(m.args.get('affine'), 1) === 1;
      const track = num(m.args.get('track_running_stats'), 1) === 1;
      return ['batchNorm', [x], {
        eps: num(m.args.get('eps'), 1e-5), momentum: isNone(mom) ? null : num(mom, 0.1),
        weight: affine ? key('weight') : null, bias: affine ? key('bias') : null,
        runningMean: track ? key('running_mean') : null, runningVar: track ? key('running_var') : null,
        numBatches: track ? key('num_batches_tracked') : null,
      }];
    }
    case 'Linear':
      return ['linear', [x], { weight: key('weight'), bias: num(m.args.get('bias'), 1) === 1 ? key('bias') : null }];
    case 'LeakyReLU': return ['leakyRelu', [x], { slope: num(m.args.get('negative_slope'), 0.01) }];
    case 'ReLU': return ['relu', [x], {}];
    case 'Tanh': return ['tanh', [x], {}];
    case 'Sigmoid': return ['sigmoid', [x], {}];
    case 'ELU': return ['elu', [x], { alpha: num(m.args.get('alpha'), 1) }];
    case 'Identity': return ['identity', [x], {}];
    case 'Dropout': case 'Dropout2d': return ['dropout', [x], { p: num(m.args.get('p'), 0.5), channels: m.type === 'Dropout2d' }];
    case 'Flatten': case 'Unflatten': return ['reshape', [x], {}];
    case 'Upsample': {
      const mode = m.args.get('mode');
      if (mode && mode.k === 'str' && mode.v !== 'nearest') throw refuse(`mode='${mode.v}' is not executed by the tfjs engines (nearest is)`);
      return ['upsampleNearest', [x], {}];
    }
    case 'AvgPool2d': case 'MaxPool2d': {
      const k = m.args.get('kernel_size');
      const s = m.args.get('stride');
      const pad = m.args.get('padding');
      const ks = num(k, 0);
      if (!(k && k.k === 'int') || (s && !isNone(s) && s.k !== 'int') || (pad && pad.k !== 'int') || num(pad, 0) !== 0) {
        throw refuse('is executed by the tfjs engines only with an integer kernel_size and stride and no padding');
      }
      return [m.type === 'AvgPool2d' ? 'avgPool2d' : 'maxPool2d', [x], { kernel: ks, stride: isNone(s) ? ks : num(s, ks) }];
    }
    default:
      throw refuse(`is not executed by the tfjs engines. Supported: ${TRAINABLE_MODULES.join(', ')}`);
  }
}
