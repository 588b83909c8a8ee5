/**
 * Pooling: nn.MaxPool1d/2d/3d, nn.AvgPool1d/2d/3d, nn.AdaptiveAvgPool1d/2d/3d, nn.AdaptiveMaxPool1d/2d/3d and
 * their F.* / torch.* counterparts.
 *
 * Mirrors torch 1.13 on CPU: `pooling_output_shape` (ceil_mode and its "last window starts inside the input or
 * left padding" rule), `pool2d_shape_check`/`pool3d_shape_check`, the 1d wrappers (`max_pool1d`'s no-grad CPU
 * path, `*_pool1d` via 2d with `unsqueeze(-2)`), adaptive pooling's `_list_with_default` and its `mean` shortcut
 * for output size 1.
 *
 * `max_pool1d` is evaluated as under `torch.no_grad()` (or for an input that does not require grad): PyTorch then
 * takes a path that allows an empty output (L_out = 0) and has its own wording; with grad it goes through
 * `max_pool2d_with_indices` (used here when return_indices=True).
 */
import { tuple, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import { bind, boolArg, fmt, intArg, intTupleArg, out, seqItems, tensorArg } from './args';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type TorchFn } from './types';
import { spatialNames } from './conv';

const err = (msg: string): TorchError => new TorchError(msg);
const cdiv = (a: number, b: number): number => Math.trunc(a / b);
const NONE: Py = { k: 'none' };
const I = (v: number): Py => ({ k: 'int', v });
const B = (v: boolean): Py => ({ k: 'bool', v });

/** PyTorch's dim wrapping error for `input.size(d)`. */
function sizeAt(input: Shape, d: number): number {
  const n = Math.max(input.length, 1);
  if (d < -n || d >= n) {
    throw new TorchError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${d})`, 'IndexError');
  }
  return input[d < 0 ? d + input.length : d];
}

/** `pooling_output_shape_pad_lr` */
export function poolOutPadLR(inSize: number, k: number, padL: number, padR: number, s: number, d: number, ceil: boolean): number {
  let o = Math.floor((inSize + padL + padR - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= inSize + padL) o--;
  return o;
}

/** `pooling_output_shape` with its checks. */
export function poolOut(inSize: number, k: number, pad: number, s: number, d: number, ceil: boolean): number {
  if (s === 0) throw err('stride should not be zero');
  if (pad < 0) throw err(`pad must be non-negative, but got pad: ${pad}`);
  if (pad > cdiv(k, 2)) throw err(`pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${k}`);
  return poolOutPadLR(inSize, k, pad, pad, s, d, ceil);
}

function pool2dShapeCheck(
  input: Shape, kH: number, kW: number, dH: number, dW: number, padH: number, padW: number, dilH: number, dilW: number,
  nPlane: number, iH: number, iW: number, oH: number, oW: number,
): void {
  const ndim = input.length;
  if (!(kW > 0 && kH > 0)) throw err(`kernel size should be greater than zero, but got kH: ${kH} kW: ${kW}`);
  if (!(dW > 0 && dH > 0)) throw err(`stride should be greater than zero, but got dH: ${dH} dW: ${dW}`);
  if (!(dilH > 0 && dilW > 0)) throw err(`dilation should be greater than zero, but got dilationH: ${dilH} dilationW: ${dilW}`);
  const validDims = input[1] !== 0 && input[2] !== 0;
  if (!((ndim === 3 && input[0] !== 0 && validDims) || (ndim === 4 && validDims && input[3] !== 0))) {
    throw err(`Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmt(input)}`);
  }
  if (!(cdiv(kW, 2) >= padW && cdiv(kH, 2) >= padH)) {
    throw err(`pad should be smaller than or equal to half of kernel size, but got padW = ${padW}, padH = ${padH}, kW = ${kW}, kH = ${kH}`);
  }
  if (!(oW >= 1 && oH >= 1)) {
    throw err(`Given input size: (${nPlane}x${iH}x${iW}). Calculated output size: (${nPlane}x${oH}x${oW}). Output size is too small`);
  }
}

function pool3dShapeCheck(
  input: Shape, nslices: number, k: number[], s: number[], p: number[], dil: number[], i: number[], o: number[],
  fnName: string, checkInputSize: boolean,
): void {
  const ndim = input.length;
  const [kT, kH, kW] = k, [dT, dH, dW] = s, [pT, pH, pW] = p, [dilT, dilH, dilW] = dil;
  if (!(kT > 0 && kW > 0 && kH > 0)) throw err(`kernel size should be greater than zero, but got kT: ${kT} kH: ${kH} kW: ${kW}`);
  if (!(dT > 0 && dW > 0 && dH > 0)) throw err(`stride should be greater than zero, but got dT: ${dT} dH: ${dH} dW: ${dW}`);
  if (!(dilT > 0 && dilW > 0 && dilH > 0)) {
    throw err(`dilation should be greater than zero, but got dilationT: ${dilT} dilationH: ${dilH} dilationW: ${dilW}`);
  }
  if (!(ndim === 4 || ndim === 5)) throw err(`${fnName}: Expected 4D or 5D tensor for input, but got: ${fmt(input)}`);
  for (let d = 0; d < ndim; d++) {
    if (ndim === 5 && d === 0) continue;
    if (!(input[d] > 0)) {
      throw err(`${fnName}: Expected input's non-batch dimensions to have positive length, but input has a shape of ${fmt(input)} and non-batch dimension ${input[d]} has length zero!`);
    }
  }
  if (checkInputSize && !(i[0] >= kT && i[1] >= kH && i[2] >= kW)) {
    throw err(`input image (T: ${i[0]} H: ${i[1]} W: ${i[2]}) smaller than kernel size (kT: ${kT} kH: ${kH} kW: ${kW})`);
  }
  if (!(cdiv(kT, 2) >= pT && cdiv(kW, 2) >= pW && cdiv(kH, 2) >= pH)) {
    throw err(`pad should be smaller than or equal to half of kernel size, but got kT: ${kT} kW: ${kW} kH: ${kH} padT: ${pT} padW: ${pW} padH: ${pH}`);
  }
  if (!(o[0] >= 1 && o[2] >= 1 && o[1] >= 1)) {
    throw err(`Given input size: (${nslices}x${i[0]}x${i[1]}x${i[2]}). Calculated output size: (${nslices}x${o[0]}x${o[1]}x${o[2]}). Output size is too small`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// max pooling
// ---------------------------------------------------------------------------------------------------------------

/** `max_pool2d_with_indices` (also `max_pool2d`): the output shape. `stride` empty = kernel_size. */
export function maxPool2d(input: Shape, k: number[], s: number[], p: number[], d: number[], ceil: boolean): Shape {
  if (!(k.length === 1 || k.length === 2)) throw err('max_pool2d: kernel_size must either be a single int, or a tuple of two ints');
  const kH = k[0], kW = k.length === 1 ? kH : k[1];
  if (!(s.length <= 2)) throw err('max_pool2d: stride must either be omitted, a single int, or a tuple of two ints');
  const dH = s.length === 0 ? kH : s[0];
  const dW = s.length === 0 ? kW : s.length === 1 ? dH : s[1];
  if (!(p.length === 1 || p.length === 2)) throw err('max_pool2d: padding must be either be a single int, or a tuple of two ints');
  const padH = p[0], padW = p.length === 1 ? padH : p[1];
  if (!(d.length === 1 || d.length === 2)) throw err('max_pool2d: dilation must be either a single int, or a tuple of two ints');
  const dilH = d[0], dilW = d.length === 1 ? dilH : d[1];
  if (!(input.length === 3 || input.length === 4)) throw err('non-empty 3D or 4D (batch mode) tensor expected for input');
  const nPlane = input[input.length - 3], iH = input[input.length - 2], iW = input[input.length - 1];
  const oH = poolOut(iH, kH, padH, dH, dilH, ceil);
  const oW = poolOut(iW, kW, padW, dW, dilW, ceil);
  pool2dShapeCheck(input, kH, kW, dH, dW, padH, padW, dilH, dilW, nPlane, iH, iW, oH, oW);
  return [...input.slice(0, -2), oH, oW];
}

function checkDimRange(fn: string, input: Shape, lo: number, hiExcl: number): void {
  if (input.length < lo || input.length >= hiExcl) {
    throw err(`Expected ${lo} to ${hiExcl - 1} dimensions, but got ${input.length}-dimensional tensor for argument #1 'self' (while checking arguments for ${fn})`);
  }
}

function check1d(fn: string, arg: string, xs: number[]): void {
  if (xs.length !== 1) throw err(`${fn}() argument '${arg}' should contain one int (got ${xs.length})`);
}

/** `torch.max_pool1d` as PyTorch runs it for an input that needs no grad. */
export function maxPool1d(input: Shape, k: number[], sIn: number[], p: number[], d: number[], ceil: boolean): Shape {
  const nd = input.length;
  if (!((nd === 2 && input[0] !== 0 && input[1] !== 0) || (nd === 3 && input[1] !== 0 && input[2] !== 0))) {
    throw err(`max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmt(input)}`);
  }
  if (k.length !== 1) throw err(`max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size ${k.length}`);
  if (!(sIn.length === 0 || sIn.length === 1)) {
    throw err(`max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but got size ${sIn.length}`);
  }
  if (p.length !== 1) throw err(`max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got size ${p.length}`);
  if (d.length !== 1) throw err(`max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got size ${d.length}`);
  const s = sIn.length === 0 ? k : sIn;
  if (!(k[0] > 0)) throw err(`max_pool1d() kernel_size must be greater than zero, but got ${k[0]}`);
  if (!(s[0] > 0)) throw err(`max_pool1d() stride must be greater than zero, but got ${s[0]}`);
  if (!(p[0] >= 0)) throw err(`max_pool1d() padding must be non-negative, but got ${p[0]}`);
  if (!(p[0] <= cdiv(k[0], 2))) {
    throw err(`max_pool1d() padding should be at most half of kernel size, but got padding=${p[0]} and kernel_size=${k[0]}`);
  }
  if (!(d[0] > 0)) throw err(`max_pool1d() dilation must be greater than zero, but got ${d[0]}`);
  const ow = poolOutPadLR(input[nd - 1], k[0], p[0], p[0], s[0], d[0], ceil);
  if (!(ow >= 0)) throw err(`max_pool1d() Invalid computed output size: ${ow}`);
  return [...input.slice(0, -1), ow];
}

/** `torch.max_pool1d_with_indices`: via max_pool2d_with_indices. */
export function maxPool1dWithIndices(input: Shape, k: number[], sIn: number[], p: number[], d: number[], ceil: boolean): Shape {
  const s = sIn.length === 0 ? k : sIn;
  checkDimRange('max_pool1d', input, 2, 4);
  check1d('max_pool1d', 'kernel_size', k);
  check1d('max_pool1d', 'stride', s);
  check1d('max_pool1d', 'padding', p);
  check1d('max_pool1d', 'dilation', d);
  const x = [...input.slice(0, -1), 1, input[input.length - 1]];
  const o = maxPool2d(x, [1, k[0]], [1, s[0]], [0, p[0]], [1, d[0]], ceil);
  return [...o.slice(0, -2), o[o.length - 1]];
}

/** `max_pool3d_with_indices` (also `max_pool3d`). */
export function maxPool3d(input: Shape, k: number[], s: number[], p: number[], d: number[], ceil: boolean): Shape {
  if (!(k.length === 1 || k.length === 3)) throw err('max_pool3d: kernel_size must either be a single int, or a tuple of three ints');
  const kk = k.length === 1 ? [k[0], k[0], k[0]] : k;
  if (!(s.length === 0 || s.length === 1 || s.length === 3)) {
    throw err('max_pool3d: stride must either be omitted, a single int, or a tuple of three ints');
  }
  const ss = s.length === 0 ? kk : s.length === 1 ? [s[0], s[0], s[0]] : s;
  if (!(p.length === 1 || p.length === 3)) throw err('max_pool3d: padding must be either be a single int, or a tuple of three ints');
  const pp = p.length === 1 ? [p[0], p[0], p[0]] : p;
  if (!(d.length === 1 || d.length === 3)) throw err('max_pool3d: dilation must be either a single int, or a tuple of three ints');
  const dd = d.length === 1 ? [d[0], d[0], d[0]] : d;
  if (!(input.length === 4 || input.length === 5)) throw err('non-empty 4D or 5D (batch mode) tensor expected for input');
  const nd = input.length;
  const nslices = input[nd - 4];
  const i = input.slice(nd - 3);
  const o = [0, 1, 2].map((j) => poolOut(i[j], kk[j], pp[j], ss[j], dd[j], ceil));
  pool3dShapeCheck(input, nslices, kk, ss, pp, dd, i, o, 'max_pool3d_with_indices_out_cpu_template()', false);
  return [...input.slice(0, -3), ...o];
}

// ---------------------------------------------------------------------------------------------------------------
// average pooling
// ---------------------------------------------------------------------------------------------------------------

export function avgPool2d(input: Shape, k: number[], s: number[], p: number[], ceil: boolean, divisor: number | null): Shape {
  if (!(k.length === 1 || k.length === 2)) throw err('avg_pool2d: kernel_size must either be a single int, or a tuple of two ints');
  const kH = k[0], kW = k.length === 1 ? kH : k[1];
  if (!(s.length <= 2)) throw err('avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints');
  const dH = s.length === 0 ? kH : s[0];
  const dW = s.length === 0 ? kW : s.length === 1 ? dH : s[1];
  if (!(p.length === 1 || p.length === 2)) throw err('avg_pool2d: padding must either be a single int, or a tuple of two ints');
  const padH = p[0], padW = p.length === 1 ? padH : p[1];
  if (divisor === 0) throw err('divisor must be not zero');
  const nPlane = sizeAt(input, -3), iH = sizeAt(input, -2), iW = sizeAt(input, -1);
  const oH = poolOut(iH, kH, padH, dH, 1, ceil);
  const oW = poolOut(iW, kW, padW, dW, 1, ceil);
  pool2dShapeCheck(input, kH, kW, dH, dW, padH, padW, 1, 1, nPlane, iH, iW, oH, oW);
  return [...input.slice(0, -2), oH, oW];
}

export function avgPool1d(input: Shape, k: number[], sIn: number[], p: number[], ceil: boolean): Shape {
  const s = sIn.length === 0 ? k : sIn;
  checkDimRange('avg_pool1d', input, 2, 4);
  check1d('avg_pool1d', 'kernel_size', k);
  check1d('avg_pool1d', 'stride', s);
  check1d('avg_pool1d', 'padding', p);
  const x = [...input.slice(0, -1), 1, input[input.length - 1]];
  const o = avgPool2d(x, [1, k[0]], [1, s[0]], [0, p[0]], ceil, null);
  return [...o.slice(0, -2), o[o.length - 1]];
}

export function avgPool3d(input: Shape, k: number[], s: number[], p: number[], ceil: boolean, divisor: number | null): Shape {
  if (!(k.length === 1 || k.length === 3)) throw err('avg_pool3d: kernel_size must be a single int, or a tuple of three ints');
  const kk = k.length === 1 ? [k[0], k[0], k[0]] : k;
  if (!(s.length === 0 || s.length === 1 || s.length === 3)) throw err('avg_pool3d: stride must be omitted, a single int, or a tuple of three ints');
  const ss = s.length === 0 ? kk : s.length === 1 ? [s[0], s[0], s[0]] : s;
  if (!(p.length === 1 || p.length === 3)) throw err('avg_pool3d: padding must be a single int, or a tuple of three ints');
  const pp = p.length === 1 ? [p[0], p[0], p[0]] : p;
  if (!(input.length === 4 || input.length === 5)) throw err('non-empty 4D or 5D (batch mode) tensor expected for input');
  if (divisor === 0) throw err('divisor must be not zero');
  const nd = input.length;
  const nslices = input[nd - 4];
  const i = input.slice(nd - 3);
  const o = [0, 1, 2].map((j) => poolOut(i[j], kk[j], pp[j], ss[j], 1, ceil));
  pool3dShapeCheck(input, nslices, kk, ss, pp, [1, 1, 1], i, o, 'avg_pool3d()', true);
  return [...input.slice(0, -3), ...o];
}

// ---------------------------------------------------------------------------------------------------------------
// adaptive pooling
// ---------------------------------------------------------------------------------------------------------------

/** An output_size as Python holds it: an int, or a sequence whose entries may be None. */
export type OutSize = number | (number | null)[];

function outSizeArg(v: Py | undefined, name = 'output_size'): OutSize {
  if (v === undefined) throw new Error(`internal: ${name} not bound`);
  if (v.k === 'unknown') throw new UnknownValue(`${name} is unknown (${v.why})`);
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  const items = seqItems(v);
  if (items === null) {
    if (v.k === 'none') throw new TorchError("object of type 'NoneType' has no len()", 'TypeError');
    throw new TorchError(`${name} must be an int or a tuple of ints, not ${v.k}`, 'TypeError');
  }
  return items.map((x, i) => {
    if (x.k === 'unknown') throw new UnknownValue(`${name}[${i}] is unknown (${x.why})`);
    if (x.k === 'none') return null;
    if (x.k === 'int') return x.v;
    if (x.k === 'bool') return x.v ? 1 : 0;
    throw new TorchError(`${name} must be a tuple of ints, but found element of type ${x.k} at pos ${i}`, 'TypeError');
  });
}

/** Python's `_list_with_default` (None → the input's size), then the C++ parser's int expansion to `n` entries. */
function listWithDefault(os: OutSize, input: Shape, n: number): number[] {
  if (typeof os === 'number') return new Array(n).fill(os);
  if (input.length <= os.length) throw new TorchError(`Input dimension should be at least ${os.length + 1}`, 'ValueError');
  const defaults = input.slice(input.length - os.length);
  return os.map((v, i) => (v === null ? defaults[i] : v));
}

/** Direct C++ int-list argument (no `_list_with_default`): None entries are a TypeError. */
function cIntList(os: OutSize, n: number, fn: string): number[] {
  if (typeof os === 'number') return new Array(n).fill(os);
  const bad = os.findIndex((v) => v === null);
  // the C++ argument parser: a first element that is not an int rejects the whole tuple; a later one is named
  if (bad === 0) throw new TorchError(`${fn}(): argument 'output_size' (position 2) must be tuple of ints, not tuple`, 'TypeError');
  if (bad > 0) throw new TorchError(`${fn}(): argument 'output_size' must be tuple of ints, but found element of type NoneType at pos ${bad + 1}`, 'TypeError');
  return os as number[];
}

function meanKeepLast(input: Shape, n: number): Shape {
  for (let j = 1; j <= n; j++) sizeAt(input, -j);
  return [...input.slice(0, input.length - n), ...new Array(n).fill(1)];
}

/** torch._C._nn.adaptive_avg_pool2d(input, [oh, ow]) */
export function adaptiveAvgPool2dC(input: Shape, o: number[]): Shape {
  if (o.length !== 2) throw err('adaptive_avg_pool2d: output_size must be 2');
  if (!(o[0] >= 0 && o[1] >= 0)) {
    throw err(`adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${o[0]}, ${o[1]}}`);
  }
  if (o[0] === 1 && o[1] === 1) return meanKeepLast(input, 2);
  const nd = input.length;
  if (!(nd === 3 || nd === 4)) throw err(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${fmt(input)}`);
  for (const i of [-2, -1]) {
    if (!(input[nd + i] > 0)) {
      throw err(`adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmt(input)} with dimension ${nd + i} being empty`);
    }
  }
  return [...input.slice(0, -2), o[0], o[1]];
}

export function adaptiveAvgPool3dC(input: Shape, o: number[]): Shape {
  if (o.length !== 3) throw err('adaptive_avg_pool3d: output_size must be 3');
  if (!(o[0] >= 0 && o[1] >= 0 && o[2] >= 0)) {
    throw err(`adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${o[0]}, ${o[1]},${o[2]}}`);
  }
  if (o[0] === 1 && o[1] === 1 && o[2] === 1) return meanKeepLast(input, 3);
  const nd = input.length;
  for (let i = 1; i < nd; i++) {
    if (!(input[i] > 0)) {
      throw err(`adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmt(input)} with dimension ${i} being empty`);
    }
  }
  if (!(nd === 4 || nd === 5)) throw err(`adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got ${fmt(input)}`);
  return [...input.slice(0, -3), ...o];
}

export function adaptiveAvgPool1d(input: Shape, o: number[]): Shape {
  checkDimRange('adaptive_avg_pool1d', input, 2, 4);
  check1d('adaptive_avg_pool1d', 'output_size', o);
  const x = [...input.slice(0, -1), 1, input[input.length - 1]];
  const r = adaptiveAvgPool2dC(x, [1, o[0]]);
  return [...r.slice(0, -2), r[r.length - 1]];
}

function negDimCheck(shape: Shape): Shape {
  const neg = shape.find((x) => x < 0);
  if (neg !== undefined) throw err(`Trying to create tensor with negative dimension ${neg}: ${fmt(shape)}`);
  return shape;
}

export function adaptiveMaxPool2dC(input: Shape, o: number[]): Shape {
  const nd = input.length;
  if (!(nd === 3 || nd === 4)) throw err(`adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: ${fmt(input)}`);
  for (let i = 1; i < nd; i++) {
    if (!(input[i] > 0)) {
      throw err(`adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmt(input)} with dimension ${i} being empty`);
    }
  }
  if (o.length !== 2) throw err('adaptive_max_pool2d(): internal error: output_size.size() must be 2');
  return negDimCheck([...input.slice(0, -2), o[0], o[1]]);
}

export function adaptiveMaxPool3dC(input: Shape, o: number[]): Shape {
  const nd = input.length;
  if (!(nd === 4 || nd === 5)) throw err(`adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: ${fmt(input)}`);
  for (let i = 1; i < nd; i++) {
    if (!(input[i] > 0)) {
      throw err(`adaptive_max_pool3d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmt(input)} with dimension ${i} being empty`);
    }
  }
  if (o.length !== 3) throw err('adaptive_max_pool3d(): internal error: output_size.size() must be 3');
  return negDimCheck([...input.slice(0, -3), ...o]);
}

export function adaptiveMaxPool1d(input: Shape, o: number[]): Shape {
  checkDimRange('adaptive_max_pool1d', input, 2, 4);
  check1d('adaptive_max_pool1d', 'output_size', o);
  const x = [...input.slice(0, -1), 1, input[input.length - 1]];
  const r = adaptiveMaxPool2dC(x, [1, o[0]]);
  return [...r.slice(0, -2), r[r.length - 1]];
}

/** F.adaptive_{avg,max}_pool{n}d(input, output_size) → output shape. */
export function adaptivePool(kind: 'avg' | 'max', n: number, input: Shape, os: OutSize): Shape {
  const fn = `adaptive_${kind}_pool${n}d`;
  if (n === 1) {
    const o = cIntList(os, 1, fn);
    return kind === 'avg' ? adaptiveAvgPool1d(input, o) : adaptiveMaxPool1d(input, o);
  }
  const o = listWithDefault(os, input, n);
  if (n === 2) return kind === 'avg' ? adaptiveAvgPool2dC(input, o) : adaptiveMaxPool2dC(input, o);
  return kind === 'avg' ? adaptiveAvgPool3dC(input, o) : adaptiveMaxPool3dC(input, o);
}

// ---------------------------------------------------------------------------------------------------------------
// modules
// ---------------------------------------------------------------------------------------------------------------

/** None → [] (PyTorch's "omitted"), else an int (expanded to n) or a tuple. */
function optIntList(a: Map<string, Py>, name: string, n: number): number[] {
  const v = a.get(name);
  if (v === undefined || v.k === 'none') return [];
  return intTupleArg(a, name, n);
}

function optInt(a: Map<string, Py>, name: string): number | null {
  const v = a.get(name);
  if (v === undefined || v.k === 'none') return null;
  return intArg(a, name);
}

const withIndices = (shape: Shape, dtype: DType): Py => tuple([out(shape, dtype), out(shape, 'int64')]);

export interface PoolCfg {
  kind: 'max' | 'avg';
  n: number;
  kernel: number[];
  /** empty: defaults to kernel */
  stride: number[];
  padding: number[];
  dilation: number[];
  ceil: boolean;
  returnIndices: boolean;
  countIncludePad: boolean;
  divisor: number | null;
}

function maxPoolShape(n: number, x: Shape, c: PoolCfg): Shape {
  if (n === 1) {
    return c.returnIndices ? maxPool1dWithIndices(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil)
      : maxPool1d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil);
  }
  if (n === 2) return maxPool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil);
  return maxPool3d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil);
}

function avgPoolShape(n: number, x: Shape, c: PoolCfg): Shape {
  if (n === 1) return avgPool1d(x, c.kernel, c.stride, c.padding, c.ceil);
  if (n === 2) return avgPool2d(x, c.kernel, c.stride, c.padding, c.ceil, c.divisor);
  return avgPool3d(x, c.kernel, c.stride, c.padding, c.ceil, c.divisor);
}

const maxSig: Param[] = [
  { name: 'kernel_size' }, { name: 'stride', default: NONE }, { name: 'padding', default: I(0) },
  { name: 'dilation', default: I(1) }, { name: 'return_indices', default: B(false) }, { name: 'ceil_mode', default: B(false) },
];

const at = (xs: number[], i: number): number => (xs.length === 1 ? xs[0] : xs[i]);

export function poolFormula(c: PoolCfg, input: Shape, output: Shape): string[] {
  const n = c.n;
  const names = spatialNames(n);
  const sIn = input.slice(-n), sOut = output.slice(-n);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const H = sIn[i], o = sOut[i];
    const k = at(c.kernel, i), s = c.stride.length === 0 ? k : at(c.stride, i), p = at(c.padding, i);
    const d = c.kind === 'max' ? at(c.dilation, i) : 1;
    const [lo, hi] = c.ceil ? ['⌈', '⌉'] : ['⌊', '⌋'];
    const body = c.kind === 'max' ? `${H} + 2·${p} − ${d}·(${k} − 1) − 1` : `${H} + 2·${p} − ${k}`;
    const raw = (c.ceil ? Math.ceil : Math.floor)((H + 2 * p - d * (k - 1) - 1) / s) + 1;
    const note = c.ceil && raw !== o ? ` (the last window would start in the right padding, so it is dropped)` : '';
    lines.push(`${names[i]}_out = ${lo}(${body})/${s}${hi} + 1 = ${o}${note}`);
  }
  return lines;
}

function maxPoolModule(n: number): ModuleDef<PoolCfg> {
  return {
    signature: maxSig,
    resizes: true,
    init(a) {
      const kernel = intTupleArg(a, 'kernel_size', n);
      const sv = a.get('stride');
      return {
        kind: 'max', n, kernel,
        stride: sv === undefined || sv.k === 'none' ? kernel : intTupleArg(a, 'stride', n),
        padding: intTupleArg(a, 'padding', n),
        dilation: intTupleArg(a, 'dilation', n),
        ceil: boolArg(a, 'ceil_mode'),
        returnIndices: boolArg(a, 'return_indices'),
        countIncludePad: true,
        divisor: null,
      };
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }], args);
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      const o = maxPoolShape(n, x, c);
      return c.returnIndices ? withIndices(o, xt.dtype) : out(o, xt.dtype);
    },
    parameters: () => [],
    formula: poolFormula,
  };
}

function avgPoolModule(n: number): ModuleDef<PoolCfg> {
  const sig: Param[] = [
    { name: 'kernel_size' }, { name: 'stride', default: NONE }, { name: 'padding', default: I(0) },
    { name: 'ceil_mode', default: B(false) }, { name: 'count_include_pad', default: B(true) },
  ];
  if (n > 1) sig.push({ name: 'divisor_override', default: NONE });
  return {
    signature: sig,
    resizes: true,
    init(a) {
      const kernel = intTupleArg(a, 'kernel_size', n);
      const sv = a.get('stride');
      return {
        kind: 'avg', n, kernel,
        stride: sv === undefined || sv.k === 'none' ? kernel : intTupleArg(a, 'stride', n),
        padding: intTupleArg(a, 'padding', n),
        dilation: [1],
        ceil: boolArg(a, 'ceil_mode'),
        returnIndices: false,
        countIncludePad: boolArg(a, 'count_include_pad'),
        divisor: n > 1 ? optInt(a, 'divisor_override') : null,
      };
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }], args);
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      return out(avgPoolShape(n, x, c), xt.dtype);
    },
    parameters: () => [],
    formula: poolFormula,
  };
}

export interface AdaptiveCfg { kind: 'avg' | 'max'; n: number; outputSize: OutSize; returnIndices: boolean }

function adaptiveFormula(c: AdaptiveCfg, _input: Shape, output: Shape): string[] {
  const names = spatialNames(c.n);
  const sOut = output.slice(-c.n);
  return names.map((nm, i) => `${nm}_out = ${sOut[i]} (adaptive: output_size)`);
}

function adaptiveModule(kind: 'avg' | 'max', n: number): ModuleDef<AdaptiveCfg> {
  const sig: Param[] = [{ name: 'output_size' }];
  if (kind === 'max') sig.push({ name: 'return_indices', default: B(false) });
  return {
    signature: sig,
    resizes: true,
    init(a) {
      return { kind, n, outputSize: outSizeArg(a.get('output_size')), returnIndices: kind === 'max' ? boolArg(a, 'return_indices') : false };
    },
    forward(c, args) {
      const a = bind('forward', [{ name: 'input' }], args);
      const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
      const o = adaptivePool(kind, n, x, c.outputSize);
      return c.returnIndices ? withIndices(o, xt.dtype) : out(o, xt.dtype);
    },
    parameters: () => [],
    formula: adaptiveFormula,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// functional
// ---------------------------------------------------------------------------------------------------------------

function maxPoolFn(n: number, fnName: string, mode: 'dispatch' | 'plain' | 'indices'): TorchFn {
  const sig: Param[] = [
    { name: 'input' }, { name: 'kernel_size' }, { name: 'stride', default: NONE }, { name: 'padding', default: I(0) },
    { name: 'dilation', default: I(1) }, { name: 'ceil_mode', default: B(false) },
  ];
  if (mode === 'dispatch') sig.push({ name: 'return_indices', default: B(false) });
  return (args: CallArgs) => {
    const a = bind(fnName, sig, args);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    const ri = mode === 'indices' || (mode === 'dispatch' && boolArg(a, 'return_indices'));
    const c: PoolCfg = {
      kind: 'max', n, kernel: intTupleArg(a, 'kernel_size', n), stride: optIntList(a, 'stride', n),
      padding: intTupleArg(a, 'padding', n), dilation: intTupleArg(a, 'dilation', n), ceil: boolArg(a, 'ceil_mode'),
      returnIndices: ri, countIncludePad: true, divisor: null,
    };
    const o = maxPoolShape(n, x, c);
    return ri ? withIndices(o, xt.dtype) : out(o, xt.dtype);
  };
}

function avgPoolFn(n: number, fnName: string): TorchFn {
  const sig: Param[] = [
    { name: 'input' }, { name: 'kernel_size' }, { name: 'stride', default: NONE }, { name: 'padding', default: I(0) },
    { name: 'ceil_mode', default: B(false) }, { name: 'count_include_pad', default: B(true) },
  ];
  if (n > 1) sig.push({ name: 'divisor_override', default: NONE });
  return (args: CallArgs) => {
    const a = bind(fnName, sig, args);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    const c: PoolCfg = {
      kind: 'avg', n, kernel: intTupleArg(a, 'kernel_size', n), stride: optIntList(a, 'stride', n),
      padding: intTupleArg(a, 'padding', n), dilation: [1], ceil: boolArg(a, 'ceil_mode'),
      returnIndices: false, countIncludePad: boolArg(a, 'count_include_pad'), divisor: n > 1 ? optInt(a, 'divisor_override') : null,
    };
    return out(avgPoolShape(n, x, c), xt.dtype);
  };
}

function adaptiveFn(kind: 'avg' | 'max', n: number, fnName: string, mode: 'dispatch' | 'plain' | 'indices'): TorchFn {
  const sig: Param[] = [{ name: 'input' }, { name: 'output_size' }];
  if (mode === 'dispatch') sig.push({ name: 'return_indices', default: B(false) });
  return (args: CallArgs) => {
    const a = bind(fnName, sig, args);
    const xt = tensorArg(a.get('input'), 'input'), x = xt.shape;
    const os = a.get('output_size')!;
    if (n === 1 && os.k === 'none') {
      throw new TorchError(`${fnName}(): argument 'output_size' (position 2) must be tuple of ints, not NoneType`, 'TypeError');
    }
    const o = adaptivePool(kind, n, x, outSizeArg(os));
    const ri = mode === 'indices' || (mode === 'dispatch' && boolArg(a, 'return_indices'));
    return ri ? withIndices(o, xt.dtype) : out(o, xt.dtype);
  };
}

const modules: Record<string, ModuleDef> = {};
const functional: Record<string, TorchFn> = {};
const torchFns: Record<string, TorchFn> = {};
for (const n of [1, 2, 3]) {
  modules[`MaxPool${n}d`] = maxPoolModule(n);
  modules[`AvgPool${n}d`] = avgPoolModule(n);
  modules[`AdaptiveAvgPool${n}d`] = adaptiveModule('avg', n);
  modules[`AdaptiveMaxPool${n}d`] = adaptiveModule('max', n);
  functional[`max_pool${n}d`] = maxPoolFn(n, `max_pool${n}d`, 'dispatch');
  functional[`max_pool${n}d_with_indices`] = maxPoolFn(n, `max_pool${n}d_with_indices`, 'indices');
  functional[`avg_pool${n}d`] = avgPoolFn(n, `avg_pool${n}d`);
  functional[`adaptive_avg_pool${n}d`] = adaptiveFn('avg', n, `adaptive_avg_pool${n}d`, 'plain');
  functional[`adaptive_max_pool${n}d`] = adaptiveFn('max', n, `adaptive_max_pool${n}d`, 'dispatch');
  functional[`adaptive_max_pool${n}d_with_indices`] = adaptiveFn('max', n, `adaptive_max_pool${n}d_with_indices`, 'indices');
  torchFns[`max_pool${n}d`] = maxPoolFn(n, `max_pool${n}d`, 'plain');
}
torchFns.max_pool1d_with_indices = maxPoolFn(1, 'max_pool1d_with_indices', 'indices');
torchFns.avg_pool1d = avgPoolFn(1, 'avg_pool1d');
torchFns.adaptive_avg_pool1d = adaptiveFn('avg', 1, 'adaptive_avg_pool1d', 'plain');
/** torch.adaptive_max_pool1d returns (values, indices) */
torchFns.adaptive_max_pool1d = adaptiveFn('max', 1, 'adaptive_max_pool1d', 'indices');

export const family: Family = { modules, functional, torch: torchFns };
