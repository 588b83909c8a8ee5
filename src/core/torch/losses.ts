/**
 * Loss modules and functions: BCE, BCEWithLogits, MSE, L1, SmoothL1, Huber, CrossEntropy, NLL, KLDiv,
 * HingeEmbedding. Output shape is the input's (or the broadcast shape) for reduction='none', else a scalar.
 * PyTorch 1.13 (CPU) semantics incl. the order of its checks, checked by test/oracle/layers.test.ts.
 */
import { NONE, float, int, str, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import {
  SCALAR_NAME, bind, boolArg, broadcastShapes, cppDouble, fmt, floatArg, intArg, isFloatDtype, isNone, out, promoteTypes, pyStr,
  resultType, sameShape, tensorArg, torchSize, wrapDim,
} from './args';
import { forwardArgs } from './linear';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type ParamInfo, type TorchCtx, type TorchFn } from './types';

const P = (name: string, d?: Py): Param => (d === undefined ? { name } : { name, default: d });
const MEAN: Py = str('mean');

type T = { shape: Shape; dtype: DType };
type Reduction = 'none' | 'mean' | 'sum';

const BOOL_SUB2 = 'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.';
const BOOL_SUB1 = 'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.';
const BOOL_NEG = 'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.';
const notImpl = (kernel: string, d: DType) => new TorchError(`"${kernel}" not implemented for '${SCALAR_NAME[d]}'`);
const cantCast = (from: DType, to: DType) => new TorchError(`result type ${SCALAR_NAME[from]} can't be cast to the desired output type ${SCALAR_NAME[to]}`);
/** c10::canCast: no float → integral, no non-bool → bool. */
const canCast = (from: DType, to: DType) => !(isFloatDtype(from) && !isFloatDtype(to)) && !(from !== 'bool' && to === 'bool');

// ---------------------------------------------------------------------------------------------
// reduction

/** `_Reduction.legacy_get_string` (size_average/reduce), with its warning. */
function legacyReduction(a: Map<string, Py>, ctx: TorchCtx | null): string | null {
  if (isNone(a, 'size_average') && isNone(a, 'reduce')) return null;
  const sa = isNone(a, 'size_average') ? true : boolArg(a, 'size_average');
  const rd = isNone(a, 'reduce') ? true : boolArg(a, 'reduce');
  const r = sa && rd ? 'mean' : rd ? 'sum' : 'none';
  ctx?.warn(`size_average and reduce args will be deprecated, please use reduction='${r}' instead.`);
  return r;
}

/** `_Reduction.get_enum`: ValueError for anything else, a warning for 'elementwise_mean'. */
function getEnum(v: Py, ctx: TorchCtx): Reduction {
  if (v.k === 'unknown') throw new UnknownValue(`reduction is unknown (${v.why})`);
  if (v.k === 'str') {
    if (v.v === 'none' || v.v === 'mean' || v.v === 'sum') return v.v;
    if (v.v === 'elementwise_mean') {
      ctx.warn("reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.");
      return 'mean';
    }
  }
  throw new TorchError(`${pyStr(v)} is not a valid value for reduction`, 'ValueError');
}

const reduced = (r: Reduction, shape: Shape, dtype: DType): Py => out(r === 'none' ? shape : [], dtype);

const sizeWarning = (t: Shape, i: Shape) =>
  `Using a target size (${torchSize(t)}) that is different to the input size (${torchSize(i)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`;

// ---------------------------------------------------------------------------------------------
// the losses; `red` is the reduction as given (a Py str), `legacy` the legacy string if any

interface LossIn { input: T; target: T; red: Py; ctx: TorchCtx }

/** mse_loss, l1_loss, smooth_l1_loss, huber_loss: warn on size mismatch, broadcast, then the reduction. */
function pointwise(kind: 'mse' | 'l1' | 'smooth_l1' | 'huber', { input, target, red, ctx }: LossIn, legacyOf: () => string | null): Py {
  if (!sameShape(input.shape, target.shape)) ctx.warn(sizeWarning(target.shape, input.shape));
  const legacy = legacyOf();
  const redV = legacy !== null ? str(legacy) : red;
  const shape = broadcastShapes(input.shape, target.shape);
  const r = getEnum(redV, ctx);
  // broadcast_tensors makes both operands dimensioned: plain type promotion
  const rt = promoteTypes(input.dtype, target.dtype);
  switch (kind) {
    case 'mse':
    case 'smooth_l1':
      if (!isFloatDtype(rt)) throw notImpl(kind === 'mse' ? 'mse_cpu' : 'smooth_l1_cpu', rt);
      return reduced(r, shape, rt);
    case 'l1':
      if (input.dtype === 'bool' && target.dtype === 'bool') throw new TorchError(BOOL_SUB2);
      if (input.dtype === 'bool' || target.dtype === 'bool') throw new TorchError(BOOL_SUB1);
      if (!isFloatDtype(rt) && r === 'mean') {
        throw new TorchError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${SCALAR_NAME[rt]}`);
      }
      return reduced(r, shape, rt);
    case 'huber':
      if (!canCast(rt, input.dtype)) throw cantCast(rt, input.dtype);
      if (!isFloatDtype(input.dtype)) throw notImpl('huber_cpu', input.dtype);
      return reduced(r, shape, input.dtype);
  }
}

function bce({ input, target, red, ctx }: LossIn, weight: T | null, legacy: string | null): Py {
  const r = legacy !== null ? (legacy as Reduction) : getEnum(red, ctx);
  if (!sameShape(target.shape, input.shape)) {
    throw new TorchError(`Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}) is deprecated. Please ensure they have the same size.`, 'ValueError');
  }
  // weight.expand(_infer_size(target.size(), weight.size())) in Python, then the kernel's TensorIterator
  const ws = weight === null ? null : broadcastShapes(target.shape, weight.shape);
  if (target.dtype !== input.dtype) throw new TorchError(`Found dtype ${SCALAR_NAME[target.dtype]} but expected ${SCALAR_NAME[input.dtype]}`);
  if (input.dtype !== 'float32' && input.dtype !== 'float64') throw notImpl('binary_cross_entropy', input.dtype);
  if (ws !== null && !sameShape(ws, input.shape)) throw new TorchError(`output with shape ${fmt(input.shape)} doesn't match the broadcast shape ${fmt(ws)}`);
  return reduced(r, input.shape, input.dtype);
}

function inplaceInto(dst: Shape, other: Shape): void {
  const b = broadcastShapes(dst, other);
  if (!sameShape(b, dst)) throw new TorchError(`output with shape ${fmt(dst)} doesn't match the broadcast shape ${fmt(b)}`);
}

function bceWithLogits({ input, target, red, ctx }: LossIn, weight: T | null, posWeight: T | null, legacy: string | null): Py {
  const r = legacy !== null ? (legacy as Reduction) : getEnum(red, ctx);
  if (!sameShape(target.shape, input.shape)) {
    throw new TorchError(`Target size (${torchSize(target.shape)}) must be the same as input size (${torchSize(input.shape)})`, 'ValueError');
  }
  // ATen, in evaluation order:
  //   max_val = (-input).clamp_min_(0)
  //   log_weight = (pos_weight - 1).mul(target).add_(1)                          [with pos_weight]
  //   loss = (1 - target).mul_(input).add_(log_weight.mul_(((-max_val).exp_() ...)))
  //   loss.mul_(weight)
  if (input.dtype === 'bool') throw new TorchError(BOOL_NEG);
  if (input.dtype === 'float16') throw notImpl('clamp_min_cpu', input.dtype);
  const lw = posWeight === null ? null : broadcastShapes(posWeight.shape, target.shape);
  if (target.dtype === 'bool') throw new TorchError(BOOL_SUB2);
  if (!isFloatDtype(target.dtype) && isFloatDtype(input.dtype)) throw cantCast(input.dtype, target.dtype);
  if (!isFloatDtype(input.dtype)) throw cantCast('float32', input.dtype);
  if (lw !== null) {
    inplaceInto(lw, input.shape);
    inplaceInto(input.shape, lw);
  }
  if (weight !== null) {
    broadcastShapes(input.shape, weight.shape);
    inplaceInto(input.shape, weight.shape);
  }
  return reduced(r, input.shape, target.dtype);
}

function klDiv({ input, target, red, ctx }: LossIn, legacy: string | null): Py {
  let r: Reduction;
  if (legacy !== null) r = legacy as Reduction;
  else {
    if (red.k === 'str' && red.v === 'mean') {
      ctx.warn("reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.");
    }
    // 'batchmean' is a sum divided by the batch size: a scalar too
    r = red.k === 'str' && red.v === 'batchmean' ? 'sum' : getEnum(red, ctx);
  }
  if (!isFloatDtype(input.dtype) || !isFloatDtype(target.dtype)) throw new TorchError('kl_div: Integral inputs not supported.');
  const shape = broadcastShapes(target.shape, input.shape);
  return reduced(r, shape, resultType(input, target));
}

function hinge({ input, target, red, ctx }: LossIn, legacy: string | null): Py {
  const r = legacy !== null ? (legacy as Reduction) : getEnum(red, ctx);
  if (input.dtype === 'bool') throw new TorchError(BOOL_SUB2);
  if (input.dtype === 'float16') throw notImpl('clamp_min_cpu', input.dtype);
  const shape = broadcastShapes(target.shape, input.shape);
  if (!isFloatDtype(input.dtype) && r === 'mean') {
    throw new TorchError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${SCALAR_NAME[input.dtype]}`);
  }
  return reduced(r, shape, input.dtype);
}

// ---------------------------------------------------------------------------------------------
// nll_loss / cross_entropy

/** `at::log_softmax(self, dim, self.scalar_type())` as cross_entropy calls it. */
function logSoftmaxCheck(x: T, dim: number): void {
  const nd = x.shape.length;
  const d = wrapDim(dim, nd);
  if (x.dtype !== 'float32' && x.dtype !== 'float64' && x.shape.every((s) => s > 0)) {
    const last = nd === 0 || d === nd - 1;
    throw notImpl(last ? 'log_softmax_lastdim_kernel_impl' : 'softmax_kernel_impl', x.dtype);
  }
}

/** ATen `nll_loss_nd`, after the Python-side reduction check. */
function nllLossNd(input: T, target: T, weight: T | null, r: Reduction): Py {
  const nd = input.shape.length;
  if (nd < 1) throw new TorchError(`Expected 1 or more dimensions (got ${nd})`, 'ValueError');
  if (nd !== 1 && input.shape[0] !== (target.shape[0] ?? 0)) {
    throw new TorchError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0] ?? 0}).`, 'ValueError');
  }
  if (nd <= 2) {
    if (target.shape.length > 1) throw new TorchError('0D or 1D target tensor expected, multi-target not supported');
    const noBatch = nd === 1 && target.shape.length === 0;
    if (!noBatch && input.shape[0] !== target.shape[0]) {
      throw new TorchError(`size mismatch (got input: ${fmt(input.shape)}, target: ${fmt(target.shape)})`);
    }
    const nClasses = input.shape[nd - 1];
    if (weight !== null && !(weight.shape.length === 1 && weight.shape[0] === nClasses)) {
      throw new TorchError(`weight tensor should be defined either for all ${nClasses} classes or no classes but got weight tensor of shape: ${fmt(weight.shape)}`);
    }
    nllDtypes(input, target, weight, 'nll_loss_out_frame', true);
    return out(r === 'none' && nd === 2 ? [input.shape[0]] : [], input.dtype);
  }
  const outSize = [input.shape[0], ...input.shape.slice(2)];
  if (nd !== 4) {
    if (!sameShape(target.shape.slice(1), input.shape.slice(2))) {
      throw new TorchError(`Expected target size ${fmt(outSize)}, got ${fmt(target.shape)}`);
    }
  } else {
    if (target.shape.length !== 3) {
      throw new TorchError(`only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.shape.length}`);
    }
  }
  if (weight !== null && weight.shape.reduce((p, x) => p * x, 1) !== input.shape[1]) {
    throw new TorchError('weight tensor should be defined either for all or no classes');
  }
  if (nd === 4 && !(input.shape[2] === target.shape[1] && input.shape[3] === target.shape[2])) {
    throw new TorchError(`size mismatch (got input: ${fmt(input.shape)} , target: ${fmt(target.shape)}`);
  }
  nllDtypes(input, target, weight, 'nll_loss2d_forward_out_frame', false);
  return out(r === 'none' ? outSize : [], input.dtype);
}

function nllDtypes(input: T, target: T, weight: T | null, kernel: string, byteOk: boolean): void {
  if (input.dtype !== 'float32' && input.dtype !== 'float64') throw notImpl(kernel, input.dtype);
  if (weight !== null && weight.dtype !== input.dtype) {
    throw new TorchError(`expected scalar type ${SCALAR_NAME[input.dtype]} but found ${SCALAR_NAME[weight.dtype]}`);
  }
  if (target.dtype !== 'int64' && !(byteOk && target.dtype === 'uint8')) {
    throw new TorchError(`expected scalar type Long but found ${SCALAR_NAME[target.dtype]}`);
  }
}

function crossEntropy(input: T, target: T, weight: T | null, r: Reduction, ignoreIndex: number, labelSmoothing: number): Py {
  if (sameShape(input.shape, target.shape)) {
    if (!isFloatDtype(target.dtype)) {
      throw new TorchError(`Expected floating point type for target with class probabilities, got ${SCALAR_NAME[target.dtype]}`);
    }
    if (!(ignoreIndex < 0)) throw new TorchError('ignore_index is not supported for floating point target');
    const nd = input.shape.length;
    const classDim = nd === 1 ? 0 : 1;
    if (nd === 0) throw new TorchError(`Dimension specified as ${classDim} but tensor has no dimensions`, 'IndexError');
    const n = input.shape[classDim];
    if (weight !== null && !(weight.shape.length === 1 && weight.shape[0] === n)) {
      throw new TorchError(`cross_entropy: weight tensor should be defined either for all ${n} classes or no classes but got weight tensor of shape: ${fmt(weight.shape)}`);
    }
    logSoftmaxCheck(input, classDim);
    if (labelSmoothing > 1) throw new TorchError(`label_smoothing must be between 0.0 and 1.0. Got: ${cppDouble(labelSmoothing)}`);
    const dt = weight ? resultType(input, target, weight) : resultType(input, target);
    return out(r === 'none' ? input.shape.filter((_, i) => i !== classDim) : [], dt);
  }
  if (labelSmoothing > 0 && labelSmoothing > 1) {
    throw new TorchError(`label_smoothing must be between 0.0 and 1.0. Got: ${cppDouble(labelSmoothing)}`);
  }
  const classDim = input.shape.length === 1 ? 0 : 1;
  logSoftmaxCheck(input, classDim);
  return nllLossNd(input, target, weight, r);
}

// ---------------------------------------------------------------------------------------------
// modules

const noLegacy = () => null;

/** `red` is the reduction as the module stores it (legacy size_average/reduce already applied); `extra` the bound arguments. */
interface LossCfg { red: Py; weight: T | null; posWeight: T | null; extra: Map<string, Py> }

const redSig = [P('size_average', NONE), P('reduce', NONE), P('reduction', MEAN)];

function lossInit(a: Map<string, Py>): LossCfg {
  const legacy = a.has('size_average') ? legacyReduction(a, null) : null;
  const w = a.get('weight');
  const pw = a.get('pos_weight');
  return {
    red: legacy !== null ? str(legacy) : a.get('reduction')!,
    weight: w && w.k !== 'none' ? tensorArg(w, 'weight') : null,
    posWeight: pw && pw.k !== 'none' ? tensorArg(pw, 'pos_weight') : null,
    extra: a,
  };
}

function weightBuffers(c: LossCfg): ParamInfo[] {
  const b: ParamInfo[] = [];
  if (c.weight) b.push({ name: 'weight', shape: c.weight.shape });
  if (c.posWeight) b.push({ name: 'pos_weight', shape: c.posWeight.shape });
  return b;
}

function lossModule(type: string, signature: Param[], forward: (c: LossCfg, x: LossIn) => Py, buffers = false): ModuleDef<LossCfg> {
  return {
    signature,
    init: lossInit,
    forward(c, args, ctx) {
      const a = forwardArgs(type, args, ['input', 'target']);
      const input = tensorArg(a.get('input'), 'input');
      const target = tensorArg(a.get('target'), 'target');
      return forward(c, { input, target, red: c.red, ctx });
    },
    parameters: () => [],
    ...(buffers ? { buffers: weightBuffers } : {}),
  };
}

const num = (c: LossCfg, n: string, f: (a: Map<string, Py>, n: string) => number) => f(c.extra, n);

const modules: Record<string, ModuleDef> = {
  MSELoss: lossModule('MSELoss', redSig, (_c, x) => pointwise('mse', x, noLegacy)),
  L1Loss: lossModule('L1Loss', redSig, (_c, x) => pointwise('l1', x, noLegacy)),
  SmoothL1Loss: lossModule('SmoothL1Loss', [...redSig, P('beta', float(1))], (_c, x) => pointwise('smooth_l1', x, noLegacy)),
  HuberLoss: lossModule('HuberLoss', [P('reduction', MEAN), P('delta', float(1))], (_c, x) => pointwise('huber', x, noLegacy)),
  BCELoss: lossModule('BCELoss', [P('weight', NONE), ...redSig], (c, x) => bce(x, c.weight, null), true),
  BCEWithLogitsLoss: lossModule('BCEWithLogitsLoss', [P('weight', NONE), ...redSig, P('pos_weight', NONE)],
    (c, x) => bceWithLogits(x, c.weight, c.posWeight, null), true),
  KLDivLoss: lossModule('KLDivLoss', [...redSig, P('log_target', { k: 'bool', v: false })], (_c, x) => klDiv(x, null)),
  HingeEmbeddingLoss: lossModule('HingeEmbeddingLoss', [P('margin', float(1)), ...redSig], (_c, x) => hinge(x, null)),
  CrossEntropyLoss: lossModule('CrossEntropyLoss',
    [P('weight', NONE), P('size_average', NONE), P('ignore_index', int(-100)), P('reduce', NONE), P('reduction', MEAN), P('label_smoothing', float(0))],
    (c, x) => crossEntropy(x.input, x.target, c.weight, getEnum(x.red, x.ctx), num(c, 'ignore_index', intArg), num(c, 'label_smoothing', floatArg)), true),
  NLLLoss: lossModule('NLLLoss',
    [P('weight', NONE), P('size_average', NONE), P('ignore_index', int(-100)), P('reduce', NONE), P('reduction', MEAN)],
    (c, x) => nllLossNd(x.input, x.target, c.weight, getEnum(x.red, x.ctx)), true),
};

// ---------------------------------------------------------------------------------------------
// functional

function lossFn(name: string, sig: Param[], body: (a: Map<string, Py>, x: LossIn) => Py): TorchFn {
  return (args: CallArgs, ctx) => {
    const a = bind(name, [P('input'), P('target'), ...sig], args);
    const input = tensorArg(a.get('input'), 'input');
    const target = tensorArg(a.get('target'), 'target');
    return body(a, { input, target, red: a.get('reduction') ?? MEAN, ctx });
  };
}

const optT = (a: Map<string, Py>, n: string): T | null => (isNone(a, n) ? null : tensorArg(a.get(n), n));

const functional: Record<string, TorchFn> = {
  mse_loss: lossFn('mse_loss', redSig, (a, x) => pointwise('mse', x, () => legacyReduction(a, x.ctx))),
  l1_loss: lossFn('l1_loss', redSig, (a, x) => pointwise('l1', x, () => legacyReduction(a, x.ctx))),
  smooth_l1_loss: lossFn('smooth_l1_loss', [...redSig, P('beta', float(1))], (a, x) => pointwise('smooth_l1', x, () => legacyReduction(a, x.ctx))),
  huber_loss: lossFn('huber_loss', [P('reduction', MEAN), P('delta', float(1))], (_a, x) => pointwise('huber', x, noLegacy)),
  binary_cross_entropy: lossFn('binary_cross_entropy', [P('weight', NONE), ...redSig],
    (a, x) => bce(x, optT(a, 'weight'), legacyReduction(a, x.ctx))),
  binary_cross_entropy_with_logits: lossFn('binary_cross_entropy_with_logits', [P('weight', NONE), ...redSig, P('pos_weight', NONE)],
    (a, x) => bceWithLogits(x, optT(a, 'weight'), optT(a, 'pos_weight'), legacyReduction(a, x.ctx))),
  kl_div: lossFn('kl_div', [...redSig, P('log_target', { k: 'bool', v: false })], (a, x) => klDiv(x, legacyReduction(a, x.ctx))),
  hinge_embedding_loss: lossFn('hinge_embedding_loss', [P('margin', float(1)), ...redSig], (a, x) => hinge(x, legacyReduction(a, x.ctx))),
  cross_entropy: lossFn('cross_entropy',
    [P('weight', NONE), P('size_average', NONE), P('ignore_index', int(-100)), P('reduce', NONE), P('reduction', MEAN), P('label_smoothing', float(0))],
    (a, x) => {
      const lg = legacyReduction(a, x.ctx);
      const r = getEnum(lg !== null ? str(lg) : x.red, x.ctx);
      return crossEntropy(x.input, x.target, optT(a, 'weight'), r, intArg(a, 'ignore_index'), floatArg(a, 'label_smoothing'));
    }),
  nll_loss: lossFn('nll_loss',
    [P('weight', NONE), P('size_average', NONE), P('ignore_index', int(-100)), P('reduce', NONE), P('reduction', MEAN)],
    (a, x) => {
      const lg = legacyReduction(a, x.ctx);
      return nllLossNd(x.input, x.target, optT(a, 'weight'), getEnum(lg !== null ? str(lg) : x.red, x.ctx));
    }),
};

export const family: Family = { modules, functional };
