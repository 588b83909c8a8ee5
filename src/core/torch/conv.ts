/**
 * Convolutions: nn.Conv1d/2d/3d, nn.ConvTranspose1d/2d/3d, F.conv*d, F.conv_transpose*d, torch.conv*d.
 *
 * Mirrors torch 1.13 on CPU (float32): the Python module code (constructor validation, padding_mode via F.pad,
 * ConvTranspose's output_size), ATen's `batchify`, `_convolution_mode`/`_convolution_same`, `_convolution`'s
 * `expand_param_if_needed` and `check_shape_forward`, and the CPU backend shape checks
 * (slow_conv_transpose2d/3d, slow_conv2d, slow_conv_dilated, mkldnn) in the order they run.
 */
import { repr, tuple, type CallArgs, type Py, type Shape } from '../python/values';
import { bind, boolArg, fmt, intArg, intTupleArg, out, seqItems, strArg, tensorArg } from './args';
import { padShape } from './padding';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type ParamInfo, type TorchFn } from './types';

const DIM_NAMES: Record<number, string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };
export const spatialNames = (n: number): string[] => DIM_NAMES[n] ?? Array.from({ length: n }, (_, i) => `d${i}`);

const err = (msg: string): TorchError => new TorchError(msg);
const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);
/** C++ integer division (truncates toward zero). */
const cdiv = (a: number, b: number): number => Math.trunc(a / b);
/** Element i of a per-dim list, or its only element. */
const at = (xs: number[], i: number): number => (xs.length === 1 ? xs[0] : xs[i]);

// ---------------------------------------------------------------------------------------------------------------
// at::convolution
// ---------------------------------------------------------------------------------------------------------------

function expandParam(list: number[], name: string, dim: number): number[] {
  if (list.length === 1) return new Array(dim).fill(list[0]);
  if (list.length !== dim) {
    throw err(`expected ${name} to be a single integer value or a list of ${dim} values to match the convolution dimensions, but got ${name}=${fmt(list)}`);
  }
  return list;
}

/**
 * CPU float32 `use_mkldnn` for a non-transposed conv (torch 1.13), taking at::get_num_threads() == 1 as in the
 * oracle. It only decides the wording of errors for dilation ≤ 0 and kernel size 0, never a shape.
 */
function useMkldnn(input: Shape, weight: Shape, stride: number[], dilation: number[], groups: number): boolean {
  const strided = stride.some((s) => s !== 1);
  const dilated = dilation.some((d) => d !== 1);
  const kw = weight[weight.length - 1], kh = weight[weight.length - 2];
  const first = strided || dilated || input[0] >= 16 || kw !== 1 || kh !== 1;
  const second = groups > 1 || (kw > 3 && kh > 3) || input[0] > 1 || input[0] * input[1] * input[2] * input[3] > 20480;
  return first && second;
}

/**
 * `at::convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)`:
 * `input` is already batched. Returns the (batched) output shape.
 */
export function convolution(
  input: Shape, weight: Shape, bias: Shape | null,
  strideIn: number[], paddingIn: number[], dilationIn: number[],
  transposed: boolean, outputPaddingIn: number[], groups: number,
): Shape {
  const k = weight.length;
  const dim = k - 2;
  if (dim <= 0) throw err('weight should have at least three dimensions');
  if (groups <= 0) throw err('non-positive groups is not supported');
  const stride = expandParam(strideIn, 'stride', dim);
  const padding = expandParam(paddingIn, 'padding', dim);
  const dilation = expandParam(dilationIn, 'dilation', dim);
  const outputPadding = expandParam(outputPaddingIn, 'output_padding', dim);

  // check_shape_forward
  if (padding.some((p) => p < 0)) throw err('negative padding is not supported');
  if (outputPadding.some((p) => p < 0)) throw err('negative output_padding is not supported');
  if (stride.some((s) => s <= 0)) throw err('non-positive stride is not supported');
  if (input.length !== k) {
    throw err(`Expected ${k}-dimensional input for ${k}-dimensional weight ${fmt(weight)}, but got ${input.length}-dimensional input of size ${fmt(input)} instead`);
  }
  if (weight[0] < groups) {
    throw err(`Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${fmt(weight)} instead`);
  }
  if (weight[0] % groups !== 0) {
    throw err(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmt(weight)}] instead`);
  }
  const spatial = input.slice(2);
  const ks = weight.slice(2);
  if (!transposed) {
    if (input[1] !== weight[1] * groups) {
      throw err(`Given groups=${groups}, weight of size ${fmt(weight)}, expected input${fmt(input)} to have ${weight[1] * groups} channels, but got ${input[1]} channels instead`);
    }
    if (bias !== null && !(bias.length === 1 && bias[0] === weight[0])) {
      throw err(`Given weight of size ${fmt(weight)}, expected bias to be 1-dimensional with ${weight[0]} elements, but got bias of size ${fmt(bias)} instead`);
    }
    const padded = spatial.map((s, i) => s + 2 * padding[i]);
    const kernel = ks.map((kk, i) => dilation[i] * (kk - 1) + 1);
    if (padded.some((p, i) => p < kernel[i])) {
      throw err(`Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${kernel.join(' x ')}). Kernel size can't be greater than actual input size`);
    }
  } else {
    if (input[1] !== weight[0]) {
      throw err(`Given transposed=1, weight of size ${fmt(weight)}, expected input${fmt(input)} to have ${weight[0]} channels, but got ${input[1]} channels instead`);
    }
    if (bias !== null && !(bias.length === 1 && bias[0] === weight[1] * groups)) {
      throw err(`Given transposed=1, weight of size ${fmt(weight)}, expected bias to be 1-dimensional with ${weight[1] * groups} elements, but got bias of size ${fmt(bias)} instead`);
    }
  }

  // select_conv_backend: zero batch or channels → the "Empty" backend (no kernel checks); other empty inputs fail
  const empty = input[0] === 0 || input[1] === 0;
  if (!empty && prod(input) === 0) {
    const viewed = dim === 1 ? [input[0], input[1], 1, input[2]] : input;
    throw err(`Only zero batch or zero channel inputs are supported, but got input shape: ${fmt(viewed)}`);
  }
  if (empty && input[1] !== 0 && prod(weight) === 0) {
    // the Empty backend multiplies by weight.view(-1)[0]
    throw new TorchError('select(): index 0 out of range for tensor of size [0] at dimension 0', 'IndexError');
  }
  if (!transposed) {
    const o = ks.map((kk, i) => Math.floor((spatial[i] + 2 * padding[i] - dilation[i] * (kk - 1) - 1) / stride[i]) + 1);
    if (!empty) backendChecksConv(input, weight, stride, dilation, groups);
    return [input[0], input[1] === 0 ? 0 : weight[0], ...o];
  }
  const o = ks.map((kk, i) => (spatial[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kk - 1) + outputPadding[i] + 1);
  const res = [input[0], weight[1] * groups, ...o];
  if (!empty) backendChecksTransposed(input, weight, stride, padding, dilation, outputPadding, groups, o);
  else if (o.some((x) => x < 0)) emptyViewError(dim === 1 ? [res[0], res[1], 1, res[2]] : res);
  return res;
}

/** The "Empty" backend views a 0-element result as the computed output size: `view`'s errors for negative sizes. */
function emptyViewError(shape: Shape): never {
  let inferred = -1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === -1) {
      if (inferred >= 0) throw err('only one dimension can be inferred');
      inferred = i;
    } else if (shape[i] < -1) {
      throw err(`invalid shape dimension ${shape[i]}`);
    }
  }
  throw err(`cannot reshape tensor of 0 elements into shape ${fmt(shape)} because the unspecified dimension size -1 can be any value and is ambiguous`);
}

/** Viewed as 2d when 1d (`view1d_as_2d`): height 1 in front. */
const as2d = (xs: number[], fill: number): number[] => (xs.length === 1 ? [fill, xs[0]] : xs);

function backendChecksConv(input: Shape, weight: Shape, stride: number[], dilation: number[], groups: number): void {
  const dim = weight.length - 2;
  const in4 = dim === 1 ? [input[0], input[1], 1, input[2]] : input;
  const w4 = dim === 1 ? [weight[0], weight[1], 1, weight[2]] : weight;
  const s = as2d(stride, 1), d = as2d(dilation, 1);
  const ks = w4.slice(2);
  if (useMkldnn(in4, w4, s, d, groups)) {
    if (d.some((x) => x <= 0)) throw err('non-positive dilation is not supported');
    if (ks.some((x) => x <= 0)) throw err('could not create a descriptor for a dilated convolution forward propagation primitive');
    return;
  }
  if (d.some((x) => x !== 1)) {
    if (ks.some((x) => x <= 0)) throw err(`kernel size should be greater than zero, but got ${fmt(ks)}`);
    if (d.some((x) => x <= 0)) throw err(`dilation should be greater than zero, but got ${fmt(d)}`);
    return;
  }
  if (ks.some((x) => x <= 0)) {
    if (ks.length === 3) throw err(`kernel size should be greater than zero, but got: ${ks.join(' x ')} (TxHxW)`);
    throw err(`kernel size should be greater than zero, but got kernel_height: ${ks[0]} kernel_width: ${ks[1]}`);
  }
}

function backendChecksTransposed(
  input: Shape, weight: Shape, stride: number[], padding: number[], dilation: number[], outputPadding: number[],
  groups: number, o: number[],
): void {
  const dim = weight.length - 2;
  const wg = [weight[0] / groups, ...weight.slice(1)];
  const ig = [input[0], input[1] / groups, ...input.slice(2)];
  if (dim === 3) {
    const [kt, kh, kw] = weight.slice(2);
    const [st, sh, sw] = stride, [dt, dh, dw] = dilation, [ot, oh, ow] = outputPadding;
    if (dt <= 0 || dh <= 0 || dw <= 0) {
      throw err(`dilation should be greater than zero, but got dilation_depth: ${dt}, dilation_height: ${dh}, dilation_width: ${dw}`);
    }
    if (!((ot < st || ot < dt) && (ow < sw || ow < dw) && (oh < sh || oh < dh))) {
      throw err(`output padding must be smaller than either stride or dilation, but got output_padding_depth: ${ot} output_padding_height: ${oh} output_padding_width: ${ow} stride_depth: ${st} stride_height: ${sh} stride_width: ${sw} dilation_depth: ${dt} dilation_height: ${dh} dilation_width: ${dw}`);
    }
    if (prod(wg) === 0 || kt <= 0 || kh <= 0 || kw <= 0) {
      throw err(`non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) tensor expected for weight, but got: ${fmt(wg)}`);
    }
    if (o.some((x) => x < 1)) {
      throw err(`Given input size per channel: (${input.slice(2).join(' x ')}). Calculated output size per channel: (${o.join(' x ')}). Output size is too small`);
    }
    return;
  }
  const [kh, kw] = as2d(weight.slice(2), 1);
  const [sh, sw] = as2d(stride, 1), [dh, dw] = as2d(dilation, 1), [oph, opw] = as2d(outputPadding, 0);
  if (kw <= 0 || kh <= 0) throw err(`kernel size should be greater than zero, but got kernel_height: ${kh} kernel_width: ${kw}`);
  if (dw <= 0 || dh <= 0) throw err(`dilation should be greater than zero, but got dilation_height: ${dh}, dilation_width: ${dw}`);
  if (!((opw < sw || opw < dw) && (oph < sh || oph < dh))) {
    throw err(`output padding must be smaller than either stride or dilation, but got output_padding_height: ${oph} output_padding_width: ${opw} stride_height: ${sh} stride_width: ${sw} dilation_height: ${dh} dilation_width: ${dw}`);
  }
  const wg4 = dim === 1 ? [wg[0], wg[1], 1, wg[2]] : wg;
  if (prod(wg4) === 0) throw err(`non-empty 2D or 4D weight tensor expected, but got: ${fmt(wg4)}`);
  const ig4 = dim === 1 ? [ig[0], ig[1], 1, ig[2]] : ig;
  if (prod(ig4) === 0) throw err(`non-empty 3D or 4D input tensor expected but got a tensor with size ${fmt(ig4)}`);
  const inHW = as2d(input.slice(2), 1), oHW = as2d(o, 1);
  if (oHW[0] < 1 || oHW[1] < 1) {
    throw err(`Given input size per channel: (${inHW[0]} x ${inHW[1]}). Calculated output size per channel: (${oHW[0]} x ${oHW[1]}). Output size is too small`);
  }
}

/** ATen's `batchify`: unbatched input gets a batch dim of 1. */
function batchify(input: Shape, n: number, fn: string): { x: Shape; batched: boolean } {
  const noBatch = n + 1;
  const batched = input.length === noBatch + 1;
  if (!(input.length === noBatch || batched)) {
    throw err(`Expected ${noBatch}D (unbatched) or ${noBatch + 1}D (batched) input to ${fn}, but got input of size: ${fmt(input)}`);
  }
  return { x: batched ? input : [1, ...input], batched };
}

/** `F.conv{n}d(input, weight, bias, stride, padding, dilation, groups)` with padding as ints or 'same'/'valid'. */
export function convNd(
  n: number, input: Shape, weight: Shape, bias: Shape | null,
  stride: number[], padding: number[] | string, dilation: number[], groups: number,
): Shape {
  const { x, batched } = batchify(input, n, `conv${n}d`);
  let res: Shape;
  if (typeof padding === 'string') {
    if (padding === 'same') res = convolutionSame(x, weight, bias, stride, dilation, groups);
    else if (padding === 'valid') res = convolution(x, weight, bias, stride, [0], dilation, false, [0], groups);
    else throw err(`Invalid padding string: '${padding}'`);
  } else {
    res = convolution(x, weight, bias, stride, padding, dilation, false, new Array(n).fill(0), groups);
  }
  return batched ? res : res.slice(1);
}

function convolutionSame(input: Shape, weight: Shape, bias: Shape | null, stride: number[], dilation: number[], groups: number): Shape {
  const k = weight.length;
  if (k <= 2) throw err('weight should have at least three dimensions');
  const dim = k - 2;
  if (k !== input.length) {
    throw err(`Expected ${k}-dimensional input for ${k}-dimensional weight${fmt(weight)}, but got ${input.length}-dimensional input of size ${fmt(input)} instead`);
  }
  if (!(stride.length === dim || stride.length === 1)) throw err(`stride cannot broadcast to ${dim} dimensions`);
  if (!(dilation.length === dim || dilation.length === 1)) throw err(`dilation cannot broadcast to ${dim} dimensions`);
  for (const s of stride) if (s !== 1) throw err("padding='same' is not supported for strided convolutions");
  const padL: number[] = [], padR: number[] = [];
  for (let i = 0; i < dim; i++) {
    const d = dilation.length === 1 ? dilation[0] : dilation[i];
    const total = d * (weight[i + 2] - 1);
    padL.push(cdiv(total, 2));
    padR.push(total - cdiv(total, 2));
  }
  const padded = input.slice();
  const deltas = padL.map((l, i) => padR[i] - l);
  for (let i = 0; i < dim; i++) {
    // constant_pad_nd narrows for a negative pad (only with kernel size 0): narrow(dim, -delta, size + delta)
    if (deltas[i] < 0 && input[i + 2] === 0) {
      throw new TorchError(`Dimension out of range (expected to be in range of [-1, 0], but got ${-deltas[i]})`, 'IndexError');
    }
  }
  if (deltas.some((x) => x > 0)) {
    // constant_pad_nd(input, pad_nd): each padded dim must stay non-empty
    for (let i = 0; i < dim; i++) {
      const l = deltas[i] < 0 ? deltas[i] : 0, r = deltas[i] > 0 ? deltas[i] : 0;
      if (!(input[i + 2] + l + r > 0)) {
        throw err(`The input size ${input[i + 2]}, plus negative padding ${l} and ${r} resulted in a negative output size, which is invalid. Check dimension ${i + 2} of your input.`);
      }
    }
  }
  for (let i = 0; i < dim; i++) {
    const delta = deltas[i];
    if (delta > 0) padded[i + 2] += delta;
    else {
      padded[i + 2] += delta;
      padL[i] = padR[i];
    }
  }
  return convolution(padded, weight, bias, stride, padL, dilation, false, new Array(dim).fill(0), groups);
}

/** `F.conv_transpose{n}d(input, weight, bias, stride, padding, output_padding, groups, dilation)`. */
export function convTransposeNd(
  n: number, input: Shape, weight: Shape, bias: Shape | null,
  stride: number[], padding: number[], outputPadding: number[], groups: number, dilation: number[],
): Shape {
  const { x, batched } = batchify(input, n, `conv_transpose${n}d`);
  const res = convolution(x, weight, bias, stride, padding, dilation, true, outputPadding, groups);
  return batched ? res : res.slice(1);
}

// ---------------------------------------------------------------------------------------------------------------
// nn.ConvNd / nn.ConvTransposeNd
// ---------------------------------------------------------------------------------------------------------------

export interface ConvCfg {
  n: number;
  transposed: boolean;
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: number[];
  stride: number[];
  padding: number[] | 'same' | 'valid';
  dilation: number[];
  outputPadding: number[];
  groups: number;
  bias: boolean;
  paddingMode: string;
  /** `_reversed_padding_repeated_twice` (F.pad order) */
  revPad: number[];
  /** ConvTranspose built with a string padding: PyTorch accepts it and fails in forward */
  strPadding?: boolean;
}

const PADDING_MODES = "{'zeros', 'reflect', 'replicate', 'circular'}";

const convSig: Param[] = [
  { name: 'in_channels' }, { name: 'out_channels' }, { name: 'kernel_size' },
  { name: 'stride', default: { k: 'int', v: 1 } }, { name: 'padding', default: { k: 'int', v: 0 } },
  { name: 'dilation', default: { k: 'int', v: 1 } }, { name: 'groups', default: { k: 'int', v: 1 } },
  { name: 'bias', default: { k: 'bool', v: true } }, { name: 'padding_mode', default: { k: 'str', v: 'zeros' } },
  { name: 'device', default: { k: 'none' } }, { name: 'dtype', default: { k: 'none' } },
];

const convTSig: Param[] = [
  { name: 'in_channels' }, { name: 'out_channels' }, { name: 'kernel_size' },
  { name: 'stride', default: { k: 'int', v: 1 } }, { name: 'padding', default: { k: 'int', v: 0 } },
  { name: 'output_padding', default: { k: 'int', v: 0 } }, { name: 'groups', default: { k: 'int', v: 1 } },
  { name: 'bias', default: { k: 'bool', v: true } }, { name: 'dilation', default: { k: 'int', v: 1 } },
  { name: 'padding_mode', default: { k: 'str', v: 'zeros' } },
  { name: 'device', default: { k: 'none' } }, { name: 'dtype', default: { k: 'none' } },
];

/** The rest of `_ConvNd.__init__` after the subclass normalised its tuples. */
function convNdInit(c: ConvCfg): ConvCfg {
  if (c.groups <= 0) throw new TorchError('groups must be a positive integer', 'ValueError');
  if (c.inChannels % c.groups !== 0) throw new TorchError('in_channels must be divisible by groups', 'ValueError');
  if (c.outChannels % c.groups !== 0) throw new TorchError('out_channels must be divisible by groups', 'ValueError');
  if (typeof c.padding === 'string') {
    if (c.padding !== 'same' && c.padding !== 'valid') {
      throw new TorchError(`Invalid padding string '${c.padding}', should be one of {'same', 'valid'}`, 'ValueError');
    }
    if (c.padding === 'same' && c.stride.some((s) => s !== 1)) {
      throw new TorchError("padding='same' is not supported for strided convolutions", 'ValueError');
    }
  }
  if (!['zeros', 'reflect', 'replicate', 'circular'].includes(c.paddingMode)) {
    throw new TorchError(`padding_mode must be one of ${PADDING_MODES}, but got padding_mode='${c.paddingMode}'`, 'ValueError');
  }
  if (typeof c.padding === 'string') {
    const m = c.kernel.length;
    c.revPad = new Array(2 * m).fill(0);
    if (c.padding === 'same') {
      for (let j = 0; j < m; j++) {
        const i = m - 1 - j;
        const total = c.dilation[j] * (c.kernel[j] - 1);
        const left = Math.floor(total / 2);
        c.revPad[2 * i] = left;
        c.revPad[2 * i + 1] = total - left;
      }
    }
  } else {
    c.revPad = [];
    for (let i = c.padding.length - 1; i >= 0; i--) c.revPad.push(c.padding[i], c.padding[i]);
  }
  const w = weightShape(c);
  const neg = w.find((x) => x < 0);
  if (neg !== undefined) throw err(`Trying to create tensor with negative dimension ${neg}: ${fmt(w)}`);
  if (c.bias && c.outChannels < 0) throw err(`Trying to create tensor with negative dimension ${c.outChannels}: [${c.outChannels}]`);
  return c;
}

function weightShape(c: ConvCfg): Shape {
  return c.transposed
    ? [c.inChannels, Math.floor(c.outChannels / c.groups), ...c.kernel]
    : [c.outChannels, Math.floor(c.inChannels / c.groups), ...c.kernel];
}

/** A padding argument: an int or tuple (expanded like `_single`/`_pair`/`_triple`), or a string. */
function paddingArg(a: Map<string, Py>, n: number): number[] | string {
  const v = a.get('padding');
  if (v && v.k === 'str') return v.v;
  return intTupleArg(a, 'padding', n);
}

function convModule(n: number): ModuleDef<ConvCfg> {
  const name = `Conv${n}d`;
  return {
    signature: convSig,
    resizes: true,
    init(a) {
      const padding = paddingArg(a, n);
      const c: ConvCfg = {
        n, transposed: false, name,
        inChannels: intArg(a, 'in_channels'),
        outChannels: intArg(a, 'out_channels'),
        kernel: intTupleArg(a, 'kernel_size', n),
        stride: intTupleArg(a, 'stride', n),
        padding: padding as ConvCfg['padding'],
        dilation: intTupleArg(a, 'dilation', n),
        outputPadding: new Array(n).fill(0),
        groups: intArg(a, 'groups'),
        bias: boolArg(a, 'bias'),
        paddingMode: strArg(a, 'padding_mode'),
        revPad: [],
      };
      return convNdInit(c);
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }], args);
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      const w = weightShape(c);
      const b = c.bias ? [c.outChannels] : null;
      if (c.paddingMode !== 'zeros') {
        // a padding_mode other than zeros is F.pad(input, _reversed_padding_repeated_twice, mode), as PyTorch does
        const padded = padShape(x, xt.dtype, c.revPad, c.paddingMode, null);
        return out(convNd(n, padded, w, b, c.stride, new Array(n).fill(0), c.dilation, c.groups), xt.dtype);
      }
      return out(convNd(n, x, w, b, c.stride, c.padding, c.dilation, c.groups), xt.dtype);
    },
    parameters(c) {
      const ps: ParamInfo[] = [{ name: 'weight', shape: weightShape(c) }];
      if (c.bias) ps.push({ name: 'bias', shape: [c.outChannels] });
      return ps;
    },
    formula(c, input, output) {
      return convFormula(c, input, output);
    },
  };
}

/** `_ConvTransposeNd._output_padding` with an explicit `output_size`. */
function outputPaddingFor(c: ConvCfg, input: Shape, outputSize: Py): number[] {
  const items = seqItems(outputSize);
  if (items === null) throw new TorchError(`object of type '${outputSize.k}' has no len()`, 'TypeError');
  const n = c.n;
  const hasBatch = input.length === n + 2;
  const nns = hasBatch ? 2 : 1;
  let sizes = items;
  let sliced: Py = outputSize;
  if (items.length === nns + n) {
    sizes = items.slice(nns);
    sliced = outputSize.k === 'list' ? { k: 'list', items: sizes } : { ...tuple(sizes), ...(outputSize.k === 'tuple' && outputSize.size ? { size: true } : {}) } as Py;
  }
  if (sizes.length !== n) {
    throw new TorchError(`ConvTranspose${n}D: for ${input.length}D input, output_size must have ${n} or ${nns + n} elements (got ${sizes.length})`, 'ValueError');
  }
  const want = sizes.map((v, i) => {
    if (v.k === 'unknown') throw new UnknownValue(`output_size[${i}] is unknown (${v.why})`);
    if (v.k === 'int') return v.v;
    if (v.k === 'bool') return v.v ? 1 : 0;
    throw new TorchError(`output_size must be a list of ints, not ${repr(outputSize)}`, 'TypeError');
  });
  const minS: number[] = [], maxS: number[] = [];
  for (let d = 0; d < n; d++) {
    const inSize = input[d + nns];
    if (inSize === undefined) throw new TorchError(`Dimension out of range (expected to be in range of [${-input.length}, ${input.length - 1}], but got ${d + nns})`, 'IndexError');
    const s = at(c.stride, d), p = at(c.padding as number[], d), dil = at(c.dilation, d), k = at(c.kernel, d);
    const m = (inSize - 1) * s - 2 * p + dil * (k - 1) + 1;
    minS.push(m);
    maxS.push(m + s - 1);
  }
  for (let i = 0; i < n; i++) {
    if (want[i] < minS[i] || want[i] > maxS[i]) {
      throw new TorchError(`requested an output size of ${repr(sliced)}, but valid sizes range from ${fmt(minS)} to ${fmt(maxS)} (for an input of torch.Size(${fmt(input.slice(2))}))`, 'ValueError');
    }
  }
  return want.map((w, i) => w - minS[i]);
}

function convTransposeModule(n: number): ModuleDef<ConvCfg> {
  const name = `ConvTranspose${n}d`;
  return {
    signature: convTSig,
    resizes: true,
    init(a) {
      const mode = strArg(a, 'padding_mode');
      if (mode !== 'zeros') throw new TorchError(`Only "zeros" padding mode is supported for ${name}`, 'ValueError');
      // PyTorch builds it (its _ntuple turns 'same' into ('s', 'a', 'm', 'e')) and fails only when called
      const pv = a.get('padding');
      const strPadding = pv !== undefined && pv.k === 'str';
      if (strPadding) a = new Map([...a, ['padding', { k: 'int', v: 0 }]]);
      const c: ConvCfg = {
        n, transposed: true, name,
        inChannels: intArg(a, 'in_channels'),
        outChannels: intArg(a, 'out_channels'),
        kernel: intTupleArg(a, 'kernel_size', n),
        stride: intTupleArg(a, 'stride', n),
        padding: intTupleArg(a, 'padding', n),
        dilation: intTupleArg(a, 'dilation', n),
        outputPadding: intTupleArg(a, 'output_padding', n),
        groups: intArg(a, 'groups'),
        bias: boolArg(a, 'bias'),
        paddingMode: mode,
        revPad: [],
        strPadding,
      };
      return convNdInit(c);
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }, { name: 'output_size', default: { k: 'none' } }], args);
      if (c.strPadding) {
        throw new TorchError(a.get('output_size')!.k === 'none'
          ? `conv_transpose${n}d(): argument 'padding' (position 5) must be tuple of ints, not tuple`
          : "unsupported operand type(s) for -: 'int' and 'str'", 'TypeError');
      }
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      const os = a.get('output_size')!;
      if (os.k === 'unknown') throw new UnknownValue(`output_size is unknown (${os.why})`);
      const op = os.k === 'none' ? c.outputPadding : outputPaddingFor(c, x, os);
      const w = weightShape(c);
      const b = c.bias ? [c.outChannels] : null;
      return out(convTransposeNd(n, x, w, b, c.stride, c.padding as number[], op, c.groups, c.dilation), xt.dtype);
    },
    parameters(c) {
      const ps: ParamInfo[] = [{ name: 'weight', shape: weightShape(c) }];
      if (c.bias) ps.push({ name: 'bias', shape: [c.outChannels] });
      return ps;
    },
    formula(c, input, output) {
      return convFormula(c, input, output);
    },
  };
}

export function convFormula(c: ConvCfg, input: Shape, output: Shape): string[] {
  const n = c.n;
  const names = spatialNames(n);
  const sIn = input.slice(-n), sOut = output.slice(-n);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const H = sIn[i], o = sOut[i];
    const k = at(c.kernel, i), s = at(c.stride, i), d = at(c.dilation, i);
    if (c.transposed) {
      // the output padding actually used (ConvTranspose's output_size argument can choose it)
      const p = at(c.padding as number[], i);
      const base = (H - 1) * s - 2 * p + d * (k - 1) + 1;
      const op = o - base >= 0 && o - base < Math.max(s, d) ? o - base : at(c.outputPadding, i);
      lines.push(`${names[i]}_out = (${H} − 1)·${s} − 2·${p} + ${d}·(${k} − 1) + ${op} + 1 = ${o}`);
    } else if (c.padding === 'same') {
      lines.push(`${names[i]}_out = ${names[i]}_in = ${o} (padding='same')`);
    } else {
      const p = c.padding === 'valid' ? 0 : at(c.padding, i);
      lines.push(`${names[i]}_out = ⌊(${H} + 2·${p} − ${d}·(${k} − 1) − 1)/${s}⌋ + 1 = ${o}`);
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// functional
// ---------------------------------------------------------------------------------------------------------------

function optTensorShape(v: Py | undefined, name: string): Shape | null {
  if (v === undefined || v.k === 'none') return null;
  return tensorArg(v, name).shape;
}

function convFn(n: number, fnName: string): TorchFn {
  const sig: Param[] = [
    { name: 'input' }, { name: 'weight' }, { name: 'bias', default: { k: 'none' } },
    { name: 'stride', default: { k: 'int', v: 1 } }, { name: 'padding', default: { k: 'int', v: 0 } },
    { name: 'dilation', default: { k: 'int', v: 1 } }, { name: 'groups', default: { k: 'int', v: 1 } },
  ];
  return (args: CallArgs) => {
    const a = bind(fnName, sig, args);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    const w = tensorArg(a.get('weight'), 'weight').shape;
    const b = optTensorShape(a.get('bias'), 'bias');
    return out(convNd(n, x, w, b, intTupleArg(a, 'stride', n), paddingArg(a, n), intTupleArg(a, 'dilation', n), intArg(a, 'groups')), xt.dtype);
  };
}

function convTransposeFn(n: number, fnName: string): TorchFn {
  const sig: Param[] = [
    { name: 'input' }, { name: 'weight' }, { name: 'bias', default: { k: 'none' } },
    { name: 'stride', default: { k: 'int', v: 1 } }, { name: 'padding', default: { k: 'int', v: 0 } },
    { name: 'output_padding', default: { k: 'int', v: 0 } }, { name: 'groups', default: { k: 'int', v: 1 } },
    { name: 'dilation', default: { k: 'int', v: 1 } },
  ];
  return (args: CallArgs) => {
    const a = bind(fnName, sig, args);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    const w = tensorArg(a.get('weight'), 'weight').shape;
    const b = optTensorShape(a.get('bias'), 'bias');
    const pv = a.get('padding');
    if (pv && pv.k === 'str') throw new TorchError(`${fnName}(): argument 'padding' must be tuple of ints, not str`, 'TypeError');
    return out(convTransposeNd(n, x, w, b, intTupleArg(a, 'stride', n), intTupleArg(a, 'padding', n),
      intTupleArg(a, 'output_padding', n), intArg(a, 'groups'), intTupleArg(a, 'dilation', n)), xt.dtype);
  };
}

const functional: Record<string, TorchFn> = {};
const torchFns: Record<string, TorchFn> = {};
for (const n of [1, 2, 3]) {
  functional[`conv${n}d`] = convFn(n, `conv${n}d`);
  functional[`conv_transpose${n}d`] = convTransposeFn(n, `conv_transpose${n}d`);
  torchFns[`conv${n}d`] = functional[`conv${n}d`];
  torchFns[`conv_transpose${n}d`] = functional[`conv_transpose${n}d`];
}

export const family: Family = {
  modules: {
    Conv1d: convModule(1),
    Conv2d: convModule(2),
    Conv3d: convModule(3),
    ConvTranspose1d: convTransposeModule(1),
    ConvTranspose2d: convTransposeModule(2),
    ConvTranspose3d: convTransposeModule(3),
  },
  functional,
  torch: torchFns,
};
