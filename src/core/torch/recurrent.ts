/**
 * Sequence and attention layers: nn.RNN/LSTM/GRU, nn.RNNCell/LSTMCell/GRUCell, nn.MultiheadAttention, nn.Unfold/Fold
 * (F.unfold/F.fold), nn.ChannelShuffle (F.channel_shuffle, torch.channel_shuffle). nn.Softmax2d is in activation.ts.
 *
 * Mirrors torch 1.13 on CPU: the Python module code (RNNBase.__init__'s validation, the forward()s' unbatched-input
 * handling and `check_forward_args`, MultiheadAttention's slow path and `F.multi_head_attention_forward`'s asserts,
 * in the order they run), then the ATen checks (`_VF` cells' size checks, `at::linear`'s dtype rules, im2col/col2im's
 * shape checks, channel_shuffle's). MultiheadAttention's fast path (eval mode, self-attention, grad disabled) is not
 * modelled: it is only taken under torch.no_grad()/inference mode, and gives the same shapes on valid input.
 */
import { NONE, repr, tuple, typeName, type CallArgs, type DType, type Py, type Shape, type TensorVal } from '../python/values';
import { SCALAR_NAME, bind, broadcastShapes, fmt, isFloatDtype, numel, out, promoteTypes, pyStr, tensorArg } from './args';
import { emptySizes, factoryDtype } from './linear';
import { cppBind, cppInts, ntuple, type CppParam } from './padding';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type ParamInfo, type TorchFn } from './types';

const err = (msg: string): TorchError => new TorchError(msg);
const assertErr = (msg: string): TorchError => new TorchError(msg, 'AssertionError' as TorchError['pyType']);
const P = (name: string, d?: Py): Param => (d === undefined ? { name } : { name, default: d });
const I = (v: number): Py => ({ k: 'int', v });
const TRUE_: Py = { k: 'bool', v: true };
const FALSE_: Py = { k: 'bool', v: false };
type T = TensorVal & { shape: Shape };

/** A required argument of a Python `__init__` reached through `*args, **kwargs` (its absence is reported by init). */
const MISSING: Py = { k: 'unknown', why: 'argument not given' };
/** `proj_size` not given (RNN and GRU reject it even when it is 0). */
const ABSENT: Py = { k: 'unknown', why: 'proj_size not given' };

/** Python truthiness (`if bias:`). */
function truthy(v: Py | undefined, what: string): boolean {
  if (v === undefined) return false;
  switch (v.k) {
    case 'unknown': throw new UnknownValue(`${what} is unknown (${v.why})`);
    case 'bool': return v.v;
    case 'int': case 'float': return v.v !== 0;
    case 'none': return false;
    case 'str': return v.v.length > 0;
    case 'tuple': case 'list': return v.items.length > 0;
    case 'dict': return v.entries.size > 0;
    case 'tensor':
      if (v.shape === null) throw new UnknownValue(v.why ?? `the shape of ${what} is unknown`);
      if (numel(v.shape) !== 1) throw new TorchError(`Boolean value of Tensor with ${numel(v.shape) === 0 ? 'no values' : 'more than one value'} is ambiguous`);
      throw new UnknownValue(`${what} is the value of a tensor`);
    default: return true;
  }
}

/** An int argument read as Python would use it in arithmetic (bools are ints); null for anything else. */
function num(v: Py | undefined, what: string): number | null {
  if (v === undefined) return null;
  if (v.k === 'unknown') throw new UnknownValue(`${what} is unknown (${v.why})`);
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'tensor' && v.shape !== null && v.shape.length === 0) throw new UnknownValue(`${what} is the value of a tensor`);
  return null;
}

/** `x.attr` on a value that must be a tensor (`input.dim()`): AttributeError for other Python values. */
function tensorFor(v: Py | undefined, attr: string, name: string): T {
  if (v === undefined) throw new Error(`internal: ${name} not bound`);
  if (v.k === 'unknown') throw new UnknownValue(v.why);
  if (v.k === 'object' || v.k === 'namespace') throw new UnknownValue(`${name} of type ${typeName(v)} is not modelled (PackedSequence?)`);
  if (v.k !== 'tensor') throw new TorchError(`'${typeName(v)}' object has no attribute '${attr}'`, 'AttributeError');
  return tensorArg(v, name);
}

/** `Tensor.unsqueeze(dim)` on a shape. */
function unsqueeze(s: Shape, dim: number): Shape {
  const n = s.length + 1;
  if (dim < -n || dim >= n) throw new TorchError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`, 'IndexError');
  const d = dim < 0 ? dim + n : dim;
  return [...s.slice(0, d), 1, ...s.slice(d)];
}

/** `Tensor.squeeze(dim)`: removes the dim only when it has size 1. */
const squeeze = (s: Shape, dim: number): Shape => (s[dim] === 1 ? [...s.slice(0, dim), ...s.slice(dim + 1)] : s);

/** `Tensor.transpose(1, 0)` on a shape. */
function transpose10(s: Shape): Shape {
  if (s.length < 2) {
    const n = Math.max(s.length, 1);
    throw new TorchError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got 1)`, 'IndexError');
  }
  return [s[1], s[0], ...s.slice(2)];
}

/** `seq[i]` on a tuple/list/tensor (hx[0]): Python's and PyTorch's index errors. */
function index(v: Py, i: number): Py {
  if (v.k === 'unknown') throw new UnknownValue(v.why);
  if (v.k === 'tuple' || v.k === 'list') {
    if (i >= v.items.length) throw new TorchError(`${v.k} index out of range`, 'IndexError');
    return v.items[i];
  }
  if (v.k === 'tensor') {
    if (v.shape === null) throw new UnknownValue(v.why ?? 'the shape of hx is unknown');
    if (v.shape.length === 0) {
      throw new TorchError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number', 'IndexError');
    }
    if (i >= v.shape[0]) throw new TorchError(`index ${i} is out of bounds for dimension 0 with size ${v.shape[0]}`, 'IndexError');
    return { k: 'tensor', shape: v.shape.slice(1), dtype: v.dtype };
  }
  throw new TorchError(`'${typeName(v)}' object is not subscriptable`, 'TypeError');
}

/**
 * `at::linear(x, weight[out, in], bias)`: the addmm path (2-D input, or contiguous 3-D input, with a bias: dtype
 * checked first), else matmul (shape first, then the CPU kernel's dtype dispatch). `wd` null: dtype unknown.
 */
function linearShape(x: Shape, xd: DType, wOut: number, wIn: number, wd: DType | null, bias: boolean, contiguous = true): Shape {
  const nd = x.length;
  if (nd === 0) throw err('both arguments to matmul need to be at least 1D, but they are 0D and 2D');
  const k = x[nd - 1];
  const rows = nd === 1 ? 1 : numel(x.slice(0, -1));
  const addmm = bias && (nd === 2 || (nd === 3 && contiguous));
  const dtypeOk = wd === null || xd === wd;
  if (addmm && !dtypeOk) throw err('mat1 and mat2 must have the same dtype');
  if (k !== wIn) throw err(`mat1 and mat2 shapes cannot be multiplied (${rows}x${k} and ${wIn}x${wOut})`);
  linearDtype(xd, wd ?? xd, addmm ? 'addmm' : 'matmul', rows * wOut === 0 || k === 0);
  return [...x.slice(0, -1), wOut];
}

/** Python's tuple repr of ints: `(4, 2, 3)`. */
const tup = (xs: number[]): string => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`);
const tsize = (s: Shape): string => `torch.Size(${fmt(s)})`;
const same = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** A Python number as `'{}'.format(x)` prints it. */
const fmtNum = (v: Py): string => pyStr(v);

// ---------------------------------------------------------------------------------------------------------------
// nn.RNN / nn.LSTM / nn.GRU
// ---------------------------------------------------------------------------------------------------------------

type Mode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

interface RnnCfg {
  cls: 'RNN' | 'LSTM' | 'GRU';
  mode: Mode;
  inputSize: number;
  hidden: number;
  layers: number;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  dirs: number;
  proj: number;
  dtype: DType | null;
  params: ParamInfo[];
}

const rnnSig = (lstm: boolean): Param[] => [
  P('input_size', MISSING), P('hidden_size', MISSING), P('num_layers', I(1)), P('bias', TRUE_), P('batch_first', FALSE_),
  P('dropout', { k: 'float', v: 0 }), P('bidirectional', FALSE_), P('proj_size', lstm ? I(0) : ABSENT),
  P('device', NONE), P('dtype', NONE),
];

/** Python's `float(x)` for RNNBase's dropout. */
function pyFloat(v: Py): number {
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  if (v.k === 'str') {
    const s = v.v.trim().toLowerCase().replace(/_/g, '');
    const named: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity, nan: NaN, '+nan': NaN, '-nan': NaN };
    if (s in named) return named[s];
    if (s !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) return Number(s);
    throw new TorchError(`could not convert string to float: ${repr(v)}`, 'ValueError');
  }
  if (v.k === 'tensor') throw new UnknownValue('dropout is the value of a tensor');
  throw new TorchError(`float() argument must be a string or a real number, not '${typeName(v)}'`, 'TypeError');
}

/** Python's `a < b` on numbers, with its TypeError for other types. */
function lt(a: Py, b: Py, op: string): boolean {
  const x = num(a, 'proj_size'), y = num(b, 'hidden_size');
  if (x === null || y === null) throw new TorchError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`, 'TypeError');
  return op === '<' ? x < y : x >= y;
}

/** `Py` product, keeping int/float as Python does (`4 * hidden_size`). */
function mulPy(k: number, v: Py): Py {
  if (v.k === 'int') return I(k * v.v);
  if (v.k === 'bool') return I(k * (v.v ? 1 : 0));
  if (v.k === 'float') return { k: 'float', v: k * v.v };
  return v;
}

function rnnInit(cls: 'RNN' | 'LSTM' | 'GRU', a: Map<string, Py>): RnnCfg {
  if (cls !== 'LSTM' && a.get('proj_size') !== ABSENT) {
    throw new TorchError('proj_size argument is only supported for LSTM, not RNN or GRU', 'ValueError');
  }
  let mode: Mode = cls === 'LSTM' ? 'LSTM' : cls === 'GRU' ? 'GRU' : 'RNN_TANH';
  if (cls === 'RNN') {
    const nl = a.get('nonlinearity') ?? { k: 'str', v: 'tanh' };
    if (nl.k === 'unknown') throw new UnknownValue(`nonlinearity is unknown (${nl.why})`);
    if (nl.k === 'str' && nl.v === 'tanh') mode = 'RNN_TANH';
    else if (nl.k === 'str' && nl.v === 'relu') mode = 'RNN_RELU';
    else throw new TorchError(`Unknown nonlinearity '${pyStr(nl)}'`, 'ValueError');
  }
  const sig = rnnSig(cls === 'LSTM');
  for (const k of a.keys()) {
    if (!sig.some((p) => p.name === k) && !(cls === 'RNN' && k === 'nonlinearity')) {
      throw new TorchError(`RNNBase.__init__() got an unexpected keyword argument '${k}'`, 'TypeError');
    }
  }
  const missing = ['input_size', 'hidden_size'].filter((n) => a.get(n) === MISSING);
  if (missing.length > 0) {
    const list = missing.map((m) => `'${m}'`).join(' and ');
    throw new TorchError(`RNNBase.__init__() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`, 'TypeError');
  }
  const inputSizeV = a.get('input_size')!, hiddenV = a.get('hidden_size')!, layersV = a.get('num_layers')!;
  for (const [n, v] of [['input_size', inputSizeV], ['hidden_size', hiddenV], ['num_layers', layersV]] as const) {
    if (v.k === 'unknown') throw new UnknownValue(`${n} is unknown (${v.why})`);
  }
  const dropoutV = a.get('dropout')!;
  if (dropoutV.k === 'unknown') throw new UnknownValue(`dropout is unknown (${dropoutV.why})`);
  const dropout = pyFloat(dropoutV);
  if (!(dropoutV.k === 'int' || dropoutV.k === 'float') || !(dropout >= 0 && dropout <= 1)) {
    throw new TorchError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed', 'ValueError');
  }
  const projV = cls === 'LSTM' ? a.get('proj_size')! : I(0);
  if (projV.k === 'unknown') throw new UnknownValue(`proj_size is unknown (${projV.why})`);
  if (lt(projV, I(0), '<')) throw new TorchError('proj_size should be a positive integer or zero to disable projections', 'ValueError');
  if (lt(projV, hiddenV, '>=')) throw new TorchError('proj_size has to be smaller than hidden_size', 'ValueError');
  const gate = mulPy(mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1, hiddenV);
  if (layersV.k !== 'int' && layersV.k !== 'bool') {
    if (layersV.k === 'tensor') throw new UnknownValue('num_layers is the value of a tensor');
    throw new TorchError(`'${typeName(layersV)}' object cannot be interpreted as an integer`, 'TypeError');
  }
  const layers = layersV.k === 'bool' ? (layersV.v ? 1 : 0) : layersV.v;
  const dirs = truthy(a.get('bidirectional'), 'bidirectional') ? 2 : 1;
  const bias = truthy(a.get('bias'), 'bias');
  const projPos = (num(projV, 'proj_size') ?? 0) > 0;
  const params: ParamInfo[] = [];
  let dtype: DType | null = 'float32';
  for (let layer = 0; layer < layers; layer++) {
    for (let dir = 0; dir < dirs; dir++) {
      const realHidden = projPos ? projV : hiddenV;
      const layerInput = layer === 0 ? inputSizeV : mulPy(dirs, realHidden);
      const wih = emptySizes([gate, layerInput]);
      if (layer === 0 && dir === 0) dtype = factoryDtype(a, true);
      const whh = emptySizes([gate, realHidden]);
      const [g] = emptySizes([gate], false);
      const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
      params.push({ name: `weight_ih${sfx}`, shape: wih }, { name: `weight_hh${sfx}`, shape: whh });
      if (bias) params.push({ name: `bias_ih${sfx}`, shape: [g] }, { name: `bias_hh${sfx}`, shape: [g] });
      if (projPos) params.push({ name: `weight_hr${sfx}`, shape: emptySizes([projV, hiddenV]) });
    }
  }
  // flatten_parameters() reads self._flat_weights[0]
  if (params.length === 0) throw new TorchError('list index out of range', 'IndexError');
  return {
    cls, mode, bias, dirs, dtype, params, dropout,
    inputSize: num(inputSizeV, 'input_size')!, hidden: num(hiddenV, 'hidden_size')!, layers,
    batchFirst: truthy(a.get('batch_first'), 'batch_first'), proj: projPos ? num(projV, 'proj_size')! : 0,
  };
}

/**
 * `_VF.rnn_*`/`_VF.gru`/`_VF.lstm` after the Python checks: the input projection of the whole sequence (its matmul
 * dtype rules), the sequence length, the hidden projection, the gates, and for LSTM the cell state's dtype reaching
 * the next matmul (the projection, the next step's or the next layer's).
 */
function rnnKernelChecks(c: RnnCfg, x: Shape, xd: DType, hd: DType, cd: DType | null): void {
  const seqLen = c.batchFirst ? x[1] : x[0];
  const wd = c.dtype;
  const gate = c.mode === 'LSTM' ? 4 * c.hidden : c.mode === 'GRU' ? 3 * c.hidden : c.hidden;
  const realHidden = c.proj > 0 ? c.proj : c.hidden;
  const rows = x[0] * x[1], batch = c.batchFirst ? x[0] : x[1];
  // batch_first input is transposed: contiguous (the addmm path) only when trivially so
  const contiguous = !c.batchFirst || x[0] === 1 || x[1] === 1 || numel(x) === 0;
  if (wd !== null) linearDtype(xd, wd, c.bias && contiguous ? 'addmm' : 'matmul', rows * gate === 0 || x[2] === 0);
  if (seqLen === 0) throw err('Expected sequence length to be larger than 0 in RNN');
  if (wd === null) return;
  linearDtype(hd, wd, c.bias ? 'addmm' : 'matmul', batch * gate === 0 || realHidden === 0);
  gateDtypeCheck(c.mode, xd, hd);
  // the next layer projects this layer's output (tanh of integer gates is float) and adds the initial hx's projection
  if (c.layers >= 2 && c.mode === 'RNN_TANH' && !isFloatDtype(hd)) gateDtypeCheck(c.mode, 'float32', hd);
  if (cd !== null) {
    const hy = promoteTypes(hd, cd);
    if (hy !== wd) {
      if (c.proj > 0) linearDtype(hy, wd, 'matmul', batch * c.proj === 0 || c.hidden === 0);
      else if (seqLen >= 2) linearDtype(hy, wd, c.bias ? 'addmm' : 'matmul', batch * gate === 0 || c.hidden === 0);
      else if (c.layers >= 2) linearDtype(hy, wd, c.bias ? 'addmm' : 'matmul', batch * gate === 0 || c.dirs * c.hidden === 0);
    }
  }
}

/** torch.can_cast for the dtypes of the value model. */
const canCast = (from: DType, to: DType): boolean => !(isFloatDtype(from) && !isFloatDtype(to)) && !(from !== 'bool' && to === 'bool');

/**
 * The gates after two projections that passed (a projection keeps its input's dtype: equal to the weights', or
 * mismatched in an empty product): `hh.add_(ih)` in place, then sigmoid_ (LSTM, GRU) or tanh/relu (RNN).
 */
function gateDtypeCheck(mode: Mode, ihD: DType, hhD: DType): void {
  const r = promoteTypes(hhD, ihD);
  if (!canCast(r, hhD)) throw err(`result type ${SCALAR_NAME[r]} can't be cast to the desired output type ${SCALAR_NAME[hhD]}`);
  if (hhD === 'float16') {
    const kernel = mode === 'RNN_TANH' ? 'tanh_vml_cpu' : mode === 'RNN_RELU' ? 'clamp_min_cpu' : 'sigmoid_cpu';
    throw err(`"${kernel}" not implemented for 'Half'`);
  }
  if (!isFloatDtype(hhD) && (mode === 'LSTM' || mode === 'GRU')) {
    throw err(`result type Float can't be cast to the desired output type ${SCALAR_NAME[hhD]}`);
  }
}

/**
 * The dtype half of `linearShape` (shapes known to agree). The CPU mm kernel returns before its dtype dispatch when
 * the product is empty or the inner size is 0 (`empty`); its dispatch has no Half or Bool.
 */
function linearDtype(xd: DType, wd: DType, path: 'addmm' | 'matmul', empty: boolean): void {
  if (xd !== wd && path === 'addmm') throw err('mat1 and mat2 must have the same dtype');
  if (empty) return;
  if (xd === 'float16' || xd === 'bool') throw err(`"addmm_impl_cpu_" not implemented for '${SCALAR_NAME[xd]}'`);
  if (xd !== wd) throw err(`expected scalar type ${SCALAR_NAME[xd]} but found ${SCALAR_NAME[wd]}`);
}

function rnnForward(c: RnnCfg, args: CallArgs): Py {
  const a = bind(`${c.cls}.forward`, [P('input'), P('hx', NONE)], args);
  const x0 = tensorFor(a.get('input'), 'dim', 'input');
  const batched = x0.shape.length === 3;
  const bdim = c.batchFirst ? 0 : 1;
  let x = x0.shape;
  const hxV = a.get('hx')!;
  if (hxV.k === 'unknown') throw new UnknownValue(`hx is unknown (${hxV.why})`);
  const realHidden = c.proj > 0 ? c.proj : c.hidden;
  let h: T | null = null, cx: T | null = null;
  let hx: Shape | null = null, cs: Shape | null = null;
  let lstmTensorHx = false, lstmHxLen = 2;
  if (!batched) x = unsqueeze(x, bdim);
  if (c.mode === 'LSTM') {
    if (hxV.k !== 'none') {
      const h0 = index(hxV, 0);
      h = tensorFor(h0, 'dim', 'hx[0]');
      cx = tensorFor(index(hxV, 1), 'dim', 'hx[1]');
      const want = batched ? 3 : 2;
      if (h.shape.length !== want || cx.shape.length !== want) {
        throw err(`For ${batched ? 'batched 3-D' : 'unbatched 2-D'} input, hx and cx should also be ${want}-D but got (${h.shape.length}-D, ${cx.shape.length}-D) tensors`);
      }
      hx = h.shape;
      cs = cx.shape;
      if (!batched) { hx = unsqueeze(hx, 1); cs = unsqueeze(cs, 1); }
      else if (hxV.k === 'tensor') lstmTensorHx = true;
      else if (hxV.k === 'tuple' || hxV.k === 'list') lstmHxLen = hxV.items.length;
    }
  } else if (hxV.k !== 'none') {
    h = tensorFor(hxV, 'dim', 'hx');
    if (!batched) {
      if (h.shape.length !== 2) throw err(`For unbatched 2-D input, hx should also be 2-D but got ${h.shape.length}-D tensor`);
      hx = unsqueeze(h.shape, 1);
    } else {
      if (h.shape.length !== 3) throw err(`For batched 3-D input, hx should also be 3-D but got ${h.shape.length}-D tensor`);
      hx = h.shape;
    }
  }
  const maxBatch = c.batchFirst ? x[0] : x[1];
  if (hx === null) hx = [c.layers * c.dirs, maxBatch, realHidden];
  if (c.mode === 'LSTM' && cs === null) cs = [c.layers * c.dirs, maxBatch, c.hidden];
  // check_forward_args
  if (x.length !== 3) throw err(`input must have 3 dimensions, got ${x.length}`);
  if (c.inputSize !== x[2]) throw err(`input.size(-1) must be equal to input_size. Expected ${c.inputSize}, got ${x[2]}`);
  const miniBatch = c.batchFirst ? x[0] : x[1];
  const expected = [c.layers * c.dirs, miniBatch, realHidden];
  if (c.mode === 'LSTM') {
    if (!same(hx, expected)) throw err(`Expected hidden[0] size ${tup(expected)}, got ${fmt(hx)}`);
    const expC = [c.layers * c.dirs, miniBatch, c.hidden];
    if (!same(cs!, expC)) throw err(`Expected hidden[1] size ${tup(expC)}, got ${fmt(cs!)}`);
    if (lstmTensorHx) {
      throw new TorchError('lstm() received an invalid combination of arguments - got (Tensor, Tensor, list, bool, int, float, bool, bool, bool), but expected one of:', 'TypeError');
    }
    if (lstmHxLen !== 2) throw err('lstm expects two hidden states');
  } else if (!same(hx, expected)) {
    throw err(`Expected hidden size ${tup(expected)}, got ${fmt(hx)}`);
  }
  rnnKernelChecks(c, x, x0.dtype, h ? h.dtype : x0.dtype, c.mode === 'LSTM' ? (cx ? cx.dtype : x0.dtype) : null);
  const seqLen = c.batchFirst ? x[1] : x[0];
  let output = c.batchFirst ? [miniBatch, seqLen, c.dirs * realHidden] : [seqLen, miniBatch, c.dirs * realHidden];
  let hn = hx.slice();
  let cn = cs ? cs.slice() : null;
  if (!batched) {
    output = squeeze(output, bdim);
    hn = squeeze(hn, 1);
    if (cn) cn = squeeze(cn, 1);
  }
  const d = x0.dtype;
  if (c.mode === 'LSTM') return tuple([out(output, d), tuple([out(hn, d), out(cn!, d)])]);
  return tuple([out(output, d), out(hn, d)]);
}

function rnnModule(cls: 'RNN' | 'LSTM' | 'GRU'): ModuleDef<RnnCfg> {
  return {
    signature: rnnSig(cls === 'LSTM'),
    extraKw: true,
    init: (a) => rnnInit(cls, a),
    forward: (c, args) => rnnForward(c, args),
    parameters: (c) => c.params,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// nn.RNNCell / nn.LSTMCell / nn.GRUCell
// ---------------------------------------------------------------------------------------------------------------

interface CellCfg {
  cls: 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hidden: number;
  chunks: number;
  bias: boolean;
  nonlinearity: Py;
  dtype: DType | null;
}

function cellInit(cls: CellCfg['cls'], chunks: number, a: Map<string, Py>): CellCfg {
  const inV = a.get('input_size')!, hV = a.get('hidden_size')!;
  const gate = mulPy(chunks, hV);
  emptySizes([gate, inV]);
  const dtype = factoryDtype(a, true);
  emptySizes([gate, hV]);
  const bias = truthy(a.get('bias'), 'bias');
  if (bias) emptySizes([gate], false);
  return {
    cls, chunks, bias, dtype,
    inputSize: num(inV, 'input_size')!, hidden: num(hV, 'hidden_size')!,
    nonlinearity: a.get('nonlinearity') ?? { k: 'str', v: 'tanh' },
  };
}

/** `check_rnn_cell_forward_hidden(input, hx, hidden_size, 0)`. */
function checkCellHidden(x: Shape, h: Shape, hidden: number): void {
  if (h.length === 0) throw new TorchError('Dimension specified as 0 but tensor has no dimensions', 'IndexError');
  if (x[0] !== h[0]) throw err(`Input batch size ${x[0]} doesn't match hidden0 batch size ${h[0]}`);
  if (h.length < 2) throw new TorchError('Dimension out of range (expected to be in range of [-1, 0], but got 1)', 'IndexError');
  if (h[1] !== hidden) throw err(`hidden0 has inconsistent hidden_size: got ${h[1]}, expected ${hidden}`);
}

function cellForward(c: CellCfg, args: CallArgs): Py {
  const a = bind(`${c.cls}.forward`, [P('input'), P('hx', NONE)], args);
  const x0 = tensorFor(a.get('input'), 'dim', 'input');
  const nd = x0.shape.length;
  if (nd !== 1 && nd !== 2) throw assertErr(`${c.cls}: Expected input to be 1-D or 2-D but received ${nd}-D tensor`);
  const batched = nd === 2;
  const x = batched ? x0.shape : [1, ...x0.shape];
  const hxV = a.get('hx')!;
  if (hxV.k === 'unknown') throw new UnknownValue(`hx is unknown (${hxV.why})`);
  // the hidden state(s) as _VF receives them
  let hs: T[];
  let badHx: Py | null = null;
  if (hxV.k === 'none') {
    const z = { k: 'tensor', shape: [x[0], c.hidden], dtype: x0.dtype } as T;
    hs = c.cls === 'LSTMCell' ? [z, z] : [z];
  } else if (c.cls === 'LSTMCell') {
    if (!batched) {
      const h0 = index(hxV, 0);
      const hh = tensorFor(h0, 'unsqueeze', 'hx[0]');
      const h1 = index(hxV, 1);
      const cc = tensorFor(h1, 'unsqueeze', 'hx[1]');
      hs = [{ ...hh, shape: [1, ...hh.shape] }, { ...cc, shape: [1, ...cc.shape] }];
    } else {
      if (hxV.k !== 'tuple' && hxV.k !== 'list') {
        throw new TorchError(`lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not ${typeName(hxV)}`, 'TypeError');
      }
      hs = hxV.items.map((it, i) => {
        if (it.k === 'unknown') throw new UnknownValue(it.why);
        if (it.k !== 'tensor') throw new TorchError(`expected Tensor as element ${i} in argument 1, but got ${typeName(it)}`, 'TypeError');
        return tensorArg(it, 'hx');
      });
    }
  } else if (!batched) {
    const t = tensorFor(hxV, 'unsqueeze', 'hx');
    hs = [{ ...t, shape: [1, ...t.shape] }];
  } else if (hxV.k === 'tensor') {
    hs = [tensorArg(hxV, 'hx')];
  } else {
    hs = [];
    badHx = hxV;
  }
  let fn = c.cls === 'LSTMCell' ? 'lstm_cell' : 'gru_cell';
  if (c.cls === 'RNNCell') {
    const nl = c.nonlinearity;
    if (nl.k === 'unknown') throw new UnknownValue(`nonlinearity is unknown (${nl.why})`);
    if (nl.k === 'str' && (nl.v === 'tanh' || nl.v === 'relu')) fn = `rnn_${nl.v}_cell`;
    else throw err(`Unknown nonlinearity: ${pyStr(nl)}`);
  }
  if (badHx) throw new TorchError(`${fn}(): argument 'hx' (position 2) must be Tensor, not ${typeName(badHx)}`, 'TypeError');
  if (c.cls === 'LSTMCell' && hs.length !== 2) throw err('lstm_cell expects two hidden states');
  if (x[1] !== c.inputSize) throw err(`input has inconsistent input_size: got ${x[1]} expected ${c.inputSize}`);
  for (const h of hs) checkCellHidden(x, h.shape, c.hidden);
  const gH = c.chunks * c.hidden;
  const h = hs[0];
  // LSTMCell/RNNCell: linear_hh(hx).add_(linear_ih(input)) (hh first); GRUCell projects the input first
  let ih: Shape, hh: Shape;
  if (c.cls === 'GRUCell') {
    ih = linearShape(x, x0.dtype, gH, c.inputSize, c.dtype, c.bias);
    hh = linearShape(h.shape, h.dtype, gH, c.hidden, c.dtype, c.bias);
  } else {
    hh = linearShape(h.shape, h.dtype, gH, c.hidden, c.dtype, c.bias);
    ih = linearShape(x, x0.dtype, gH, c.inputSize, c.dtype, c.bias);
  }
  let res = [ih[0], c.hidden];
  if (h.shape.length !== 2) {
    if (c.cls !== 'GRUCell') inplaceShape(hh, ih);
    // RNNCell: tanh/relu(hh.add_(ih)) keeps hh's shape; LSTMCell/GRUCell chunk dim 1, which is no longer the gates'
    if (c.cls !== 'RNNCell') throw new UnknownValue(`${c.cls} with a ${h.shape.length}-D hidden state is not modelled`);
    res = hh;
  }
  const nl = c.nonlinearity;
  gateDtypeCheck(c.cls === 'LSTMCell' ? 'LSTM' : c.cls === 'GRUCell' ? 'GRU' : nl.k === 'str' && nl.v === 'relu' ? 'RNN_RELU' : 'RNN_TANH', x0.dtype, h.dtype);
  const d = x0.dtype;
  if (c.cls === 'LSTMCell') {
    // cy = (f * cx).add_(i * g); hy = o * tanh(cy)
    const cy = broadcastShapes(res, hs[1].shape);
    const hy = broadcastShapes(res, cy);
    return batched ? tuple([out(hy, d), out(cy, d)]) : tuple([out(squeeze(hy, 0), d), out(squeeze(cy, 0), d)]);
  }
  return out(batched ? res : squeeze(res, 0), d);
}

/** `a.add_(b)`: TensorIterator's broadcast into the fixed output `a`. */
function inplaceShape(a: Shape, b: Shape): void {
  const r = broadcastShapes(a, b);
  if (!same(r, a)) throw err(`output with shape ${fmt(a)} doesn't match the broadcast shape ${fmt(r)}`);
}

function cellModule(cls: CellCfg['cls'], chunks: number): ModuleDef<CellCfg> {
  const signature: Param[] = [P('input_size'), P('hidden_size'), P('bias', TRUE_)];
  if (cls === 'RNNCell') signature.push(P('nonlinearity', { k: 'str', v: 'tanh' }));
  signature.push(P('device', NONE), P('dtype', NONE));
  return {
    signature,
    init: (a) => cellInit(cls, chunks, a),
    forward: (c, args) => cellForward(c, args),
    parameters(c) {
      const g = c.chunks * c.hidden;
      const ps: ParamInfo[] = [{ name: 'weight_ih', shape: [g, c.inputSize] }, { name: 'weight_hh', shape: [g, c.hidden] }];
      if (c.bias) ps.push({ name: 'bias_ih', shape: [g] }, { name: 'bias_hh', shape: [g] });
      return ps;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// nn.MultiheadAttention
// ---------------------------------------------------------------------------------------------------------------

interface MhaCfg {
  E: number;
  heads: number;
  headDim: number;
  kdim: number;
  vdim: number;
  sameDim: boolean;
  dropout: Py;
  bias: boolean;
  biasKv: boolean;
  zeroAttn: boolean;
  batchFirst: boolean;
  dtype: DType | null;
}

const mhaSig: Param[] = [
  P('embed_dim'), P('num_heads'), P('dropout', { k: 'float', v: 0 }), P('bias', TRUE_), P('add_bias_kv', FALSE_),
  P('add_zero_attn', FALSE_), P('kdim', NONE), P('vdim', NONE), P('batch_first', FALSE_), P('device', NONE), P('dtype', NONE),
];

function intOnly(v: Py | undefined, what: string): number {
  const x = num(v, what);
  if (x === null || !Number.isInteger(x) || v!.k === 'float') throw new UnknownValue(`a non-int ${what} is not modelled`);
  return x;
}

function mhaInit(a: Map<string, Py>): MhaCfg {
  const E = intOnly(a.get('embed_dim'), 'embed_dim');
  const kdimV = a.get('kdim')!, vdimV = a.get('vdim')!;
  const kdim = kdimV.k === 'none' ? E : intOnly(kdimV, 'kdim');
  const vdim = vdimV.k === 'none' ? E : intOnly(vdimV, 'vdim');
  const sameDim = kdim === E && vdim === E;
  const hv = a.get('num_heads')!;
  const hx = num(hv, 'num_heads');
  if (hx === null) throw new UnknownValue('a non-numeric num_heads is not modelled');
  if (hx === 0) throw new TorchError(hv.k === 'float' ? 'float floor division by zero' : 'integer division or modulo by zero', 'ZeroDivisionError' as TorchError['pyType']);
  const headDim = Math.floor(E / hx);
  if (headDim * hx !== E) throw assertErr('embed_dim must be divisible by num_heads');
  if (hv.k === 'float') throw new UnknownValue('a float num_heads is not modelled');
  const bias = truthy(a.get('bias'), 'bias');
  const biasKv = truthy(a.get('add_bias_kv'), 'add_bias_kv');
  if (sameDim) emptySizes([I(3 * E), I(E)]);
  else { emptySizes([I(E), I(E)]); emptySizes([I(E), I(kdim)]); emptySizes([I(E), I(vdim)]); }
  const dtype = factoryDtype(a, true);
  if (bias) emptySizes([I(3 * E)], false);
  emptySizes([I(E), I(E)]);
  if (bias) emptySizes([I(E)], false);
  // _reset_parameters: xavier_uniform_ of a [0, 0] weight divides by fan_in + fan_out
  if (E === 0) throw new TorchError('float division by zero', 'ZeroDivisionError' as TorchError['pyType']);
  return {
    E, heads: hx, headDim, kdim, vdim, sameDim, bias, biasKv, dtype,
    dropout: a.get('dropout')!,
    zeroAttn: truthy(a.get('add_zero_attn'), 'add_zero_attn'),
    batchFirst: truthy(a.get('batch_first'), 'batch_first'),
  };
}

function mhaParams(c: MhaCfg): ParamInfo[] {
  const ps: ParamInfo[] = c.sameDim
    ? [{ name: 'in_proj_weight', shape: [3 * c.E, c.E] }]
    : [{ name: 'q_proj_weight', shape: [c.E, c.E] }, { name: 'k_proj_weight', shape: [c.E, c.kdim] }, { name: 'v_proj_weight', shape: [c.E, c.vdim] }];
  if (c.bias) ps.push({ name: 'in_proj_bias', shape: [3 * c.E] });
  if (c.biasKv) ps.push({ name: 'bias_k', shape: [1, 1, c.E] }, { name: 'bias_v', shape: [1, 1, c.E] });
  ps.push({ name: 'out_proj.weight', shape: [c.E, c.E] });
  if (c.bias) ps.push({ name: 'out_proj.bias', shape: [c.E] });
  return ps;
}

const DTYPE_REPR: Record<DType, string> = {
  float32: 'torch.float32', float64: 'torch.float64', float16: 'torch.float16', int64: 'torch.int64', int32: 'torch.int32',
  uint8: 'torch.uint8', bool: 'torch.bool',
};

interface Tn { shape: Shape; dtype: DType; contiguous: boolean }

function mhaForward(c: MhaCfg, args: CallArgs, training: boolean, warn: (m: string) => void): Py {
  const a = bind('MultiheadAttention.forward', [
    P('query'), P('key'), P('value'), P('key_padding_mask', NONE), P('need_weights', TRUE_), P('attn_mask', NONE),
    P('average_attn_weights', TRUE_),
  ], args);
  const qV = a.get('query')!, kV = a.get('key')!, vV = a.get('value')!;
  const q0 = tensorFor(qV, 'dim', 'query');
  const isBatched = q0.shape.length === 3;
  const kpmV = a.get('key_padding_mask')!;
  if (kpmV.k === 'unknown') throw new UnknownValue(`key_padding_mask is unknown (${kpmV.why})`);
  const kpm0 = kpmV.k === 'none' ? null : tensorFor(kpmV, 'dtype', 'key_padding_mask');
  const kpmDtypeCheck = (): void => {
    if (kpm0 && kpm0.dtype !== 'bool' && !isFloatDtype(kpm0.dtype)) throw assertErr('only bool and floating types of key_padding_mask are supported');
  };
  kpmDtypeCheck();
  // the fast-path test reads .is_nested of all three
  for (const v of [qV, kV, vV]) tensorFor(v, 'is_nested', 'key/value');
  let q: Tn = { shape: q0.shape, dtype: q0.dtype, contiguous: true };
  const kt = tensorArg(kV, 'key'), vt = tensorArg(vV, 'value');
  let k: Tn = { shape: kt.shape, dtype: kt.dtype, contiguous: true };
  let v: Tn = { shape: vt.shape, dtype: vt.dtype, contiguous: true };
  let sameKV = kV === vV;
  let sameQK = qV === kV;
  const tr = (x: Tn): Tn => {
    const s = transpose10(x.shape);
    return { shape: s, dtype: x.dtype, contiguous: s[0] === 1 || s[1] === 1 || numel(s) === 0 };
  };
  if (c.batchFirst && isBatched) {
    if (sameKV) {
      if (sameQK) { q = tr(q); k = q; v = q; } else { q = tr(q); k = tr(k); v = k; }
    } else {
      q = tr(q); k = tr(k); v = tr(v);
    }
    sameQK = sameKV && sameQK;
  }
  // ---- F.multi_head_attention_forward
  const amV = a.get('attn_mask')!;
  if (amV.k === 'unknown') throw new UnknownValue(`attn_mask is unknown (${amV.why})`);
  let am0: T | null = null;
  const getAm = (): T | null => (amV.k === 'none' ? null : tensorFor(amV, 'dim', 'attn_mask'));
  // _mha_shape_check
  if (q.shape.length === 3) {
    if (k.shape.length !== 3 || v.shape.length !== 3) {
      throw assertErr(`For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${k.shape.length}-D and ${v.shape.length}-D tensors respectively`);
    }
    if (kpm0 && kpm0.shape.length !== 2) {
      throw assertErr(`For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm0.shape.length}-D tensor instead`);
    }
    am0 = getAm();
    if (am0 && am0.shape.length !== 2 && am0.shape.length !== 3) {
      throw assertErr(`For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${am0.shape.length}-D tensor instead`);
    }
  } else if (q.shape.length === 2) {
    if (k.shape.length !== 2 || v.shape.length !== 2) {
      throw assertErr(`For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${k.shape.length}-D and ${v.shape.length}-D tensors respectively`);
    }
    if (kpm0 && kpm0.shape.length !== 1) {
      throw assertErr(`For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm0.shape.length}-D tensor instead`);
    }
    am0 = getAm();
    if (am0) {
      if (am0.shape.length !== 2 && am0.shape.length !== 3) {
        throw assertErr(`For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${am0.shape.length}-D tensor instead`);
      }
      if (am0.shape.length === 3) {
        const exp = [c.heads, q.shape[0], k.shape[0]];
        if (!same(am0.shape, exp)) throw assertErr(`Expected \`attn_mask\` shape to be ${tup(exp)} but got ${tsize(am0.shape)}`);
      }
    }
  } else {
    throw assertErr(`query should be unbatched 2D or batched 3D tensor but received ${q.shape.length}-D query tensor`);
  }
  let kpm = kpm0 ? kpm0.shape : null;
  if (!isBatched) {
    // three separate unsqueeze()s: `k is v` no longer holds
    sameKV = false;
    sameQK = false;
    q = { ...q, shape: unsqueeze(q.shape, 1), contiguous: true };
    k = { ...k, shape: unsqueeze(k.shape, 1), contiguous: true };
    v = { ...v, shape: unsqueeze(v.shape, 1), contiguous: true };
    if (kpm) kpm = unsqueeze(kpm, 0);
  }
  const [tgt, bsz, Eq] = q.shape;
  kpmDtypeCheck();
  if (Eq !== c.E) throw assertErr(`was expecting embedding dimension of ${c.E}, but got ${Eq}`);
  if (!c.sameDim) {
    if (!same(k.shape.slice(0, 2), v.shape.slice(0, 2))) {
      throw assertErr(`key's sequence and batch dims ${tsize(k.shape.slice(0, 2))} do not match value's ${tsize(v.shape.slice(0, 2))}`);
    }
  } else if (!same(k.shape, v.shape)) {
    throw assertErr(`key shape ${tsize(k.shape)} does not match value shape ${tsize(v.shape)}`);
  }
  // in-projection
  const E = c.E, wd = c.dtype, b = c.bias;
  const lin = (x: Tn, o: number, i: number): Shape => linearShape(x.shape, x.dtype, o, i, wd, b, x.contiguous);
  let kp: Shape, vp: Shape;
  // a projection that passed keeps its input's dtype (the weights', or any in an empty product)
  const qd = q.dtype;
  let kd = sameKV && sameQK ? q.dtype : k.dtype;
  let vd = sameKV ? kd : v.dtype;
  if (c.sameDim) {
    if (sameKV && sameQK) {
      lin(q, 3 * E, E);
      kp = k.shape.slice();
      vp = kp;
    } else if (sameKV) {
      lin(q, E, E);
      kp = lin(k, 2 * E, E);
      kp = [...kp.slice(0, -1), E];
      vp = kp;
    } else {
      lin(q, E, E);
      kp = lin(k, E, E);
      vp = lin(v, E, E);
    }
  } else {
    const Ek = k.shape[k.shape.length - 1], Ev = v.shape[v.shape.length - 1];
    if (Ek !== c.kdim) throw assertErr(`expecting key weights shape of ${tup([Eq, Ek])}, but got ${tsize([E, c.kdim])}`);
    if (Ev !== c.vdim) throw assertErr(`expecting value weights shape of ${tup([Eq, Ev])}, but got ${tsize([E, c.vdim])}`);
    lin(q, E, E);
    kp = lin(k, E, c.kdim);
    vp = lin(v, E, c.vdim);
  }
  // attention mask
  let am: Shape | null = null;
  let srcLen = k.shape[0];
  if (am0) {
    if (am0.dtype === 'uint8') warn('Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.');
    else if (!isFloatDtype(am0.dtype) && am0.dtype !== 'bool') {
      throw assertErr(`Only float, byte, and bool types are supported for attn_mask, not ${DTYPE_REPR[am0.dtype]}`);
    }
    if (am0.shape.length === 2) {
      const exp = [tgt, srcLen];
      if (!same(am0.shape, exp)) throw err(`The shape of the 2D attn_mask is ${tsize(am0.shape)}, but should be ${tup(exp)}.`);
      am = [1, ...am0.shape];
    } else {
      const exp = [bsz * c.heads, tgt, srcLen];
      if (!same(am0.shape, exp)) throw err(`The shape of the 3D attn_mask is ${tsize(am0.shape)}, but should be ${tup(exp)}.`);
      am = am0.shape;
    }
  }
  if (c.biasKv) {
    if (kp[1] !== bsz) throw err(`Sizes of tensors must match except in dimension 0. Expected size ${kp[1]} but got size ${bsz} for tensor number 1 in the list.`);
    if (vp[1] !== bsz) throw err(`Sizes of tensors must match except in dimension 0. Expected size ${vp[1]} but got size ${bsz} for tensor number 1 in the list.`);
    kp = [kp[0] + 1, ...kp.slice(1)];
    vp = [vp[0] + 1, ...vp.slice(1)];
    if (wd !== null) { kd = promoteTypes(kd, wd); vd = promoteTypes(vd, wd); }
    if (am) am = [...am.slice(0, -1), am[am.length - 1] + 1];
    if (kpm) kpm = [...kpm.slice(0, -1), kpm[kpm.length - 1] + 1];
  }
  const view = (s: Shape): void => {
    const want = [s[0], bsz * c.heads, c.headDim];
    if (numel(s) !== numel(want)) throw err(`shape '${fmt(want)}' is invalid for input of size ${numel(s)}`);
  };
  view(kp);
  view(vp);
  srcLen = kp[0];
  if (c.zeroAttn) {
    srcLen += 1;
    if (kpm) kpm = [...kpm.slice(0, -1), kpm[kpm.length - 1] + 1];
  }
  if (kpm && !same(kpm, [bsz, srcLen])) throw assertErr(`expecting key_padding_mask shape of ${tup([bsz, srcLen])}, but got ${tsize(kpm)}`);
  // (b)addbmm(q, k^T): the result takes mat2's dtype when empty, else the dtypes must agree
  const bmmDtype = (d1: DType, d2: DType, empty: boolean): DType => {
    if (empty) return d2;
    if (d1 !== d2) throw err(`expected scalar type ${SCALAR_NAME[d1]} but found ${SCALAR_NAME[d2]}`);
    return d1;
  };
  const BH = bsz * c.heads;
  const wDt = bmmDtype(qd, kd, BH * tgt * srcLen === 0 || c.headDim === 0);
  if (training) {
    const p = num(c.dropout, 'dropout');
    if (p !== null && p > 0 && p > 1) throw new TorchError(`dropout probability has to be between 0 and 1, but got ${fmtNum(c.dropout)}`, 'ValueError');
  }
  const aoDt = bmmDtype(wDt, vd, BH * tgt * c.headDim === 0 || srcLen === 0);
  linearShape([tgt * bsz, E], aoDt, E, E, wd, b);
  const d = aoDt;
  let attnOut = [tgt, bsz, Eq];
  const avg = truthy(a.get('average_attn_weights'), 'average_attn_weights');
  let weights = avg ? [bsz, tgt, srcLen] : [bsz, c.heads, tgt, srcLen];
  if (!isBatched) {
    attnOut = squeeze(attnOut, 1);
    weights = squeeze(weights, 0);
  } else if (c.batchFirst) {
    attnOut = transpose10(attnOut);
  }
  const needWeights = truthy(a.get('need_weights'), 'need_weights');
  return tuple([out(attnOut, d), needWeights ? out(weights, wDt) : NONE]);
}

const MultiheadAttention: ModuleDef<MhaCfg> = {
  signature: mhaSig,
  init: mhaInit,
  forward: (c, args, ctx) => mhaForward(c, args, ctx.training, (m) => ctx.warn(m)),
  parameters: mhaParams,
};

// ---------------------------------------------------------------------------------------------------------------
// nn.Unfold / nn.Fold (im2col / col2im)
// ---------------------------------------------------------------------------------------------------------------

/** C++ integer division rounding toward negative infinity (`div_rtn`). */
const divRtn = (a: number, b: number): number => Math.floor(a / b);

/** `input.size(d)` inside ATen: PyTorch's IndexErrors. */
function sizeAt(s: Shape, d: number): number {
  if (s.length === 0) throw new TorchError(`Dimension specified as ${d} but tensor has no dimensions`, 'IndexError');
  if (d >= s.length) throw new TorchError(`Dimension out of range (expected to be in range of [${-s.length}, ${s.length - 1}], but got ${d})`, 'IndexError');
  return s[d];
}

const intList2 = (type: 'tuple of ints' | 'tuple of SymInts') => (name: string): CppParam => ({ name, type });

const IM2COL_SIG: CppParam[] = [{ name: 'input', type: 'Tensor' }, ...['kernel_size', 'dilation', 'padding', 'stride'].map(intList2('tuple of ints'))];
const COL2IM_SIG: CppParam[] = [
  { name: 'input', type: 'Tensor' }, intList2('tuple of SymInts')('output_size'),
  ...['kernel_size', 'dilation', 'padding', 'stride'].map(intList2('tuple of ints')),
];

function checkLen2(name: string, xs: number[]): void {
  if (xs.length !== 2) throw err(`It is expected ${name} equals to 2, but got size ${xs.length}`);
}

function floatKernelDtype(d: DType, kernel: string): void {
  if (d !== 'float32' && d !== 'float64' && d !== 'float16') throw err(`"${kernel}" not implemented for '${SCALAR_NAME[d]}'`);
}

/** `torch._C._nn.im2col(input, _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))`. */
function im2col(input: Py, k: Py, dil: Py, pad: Py, st: Py): Py {
  const a = cppBind('im2col', IM2COL_SIG, { pos: [input, ntuple(k, 2), ntuple(dil, 2), ntuple(pad, 2), ntuple(st, 2)], kw: new Map() });
  const x = tensorArg(a.get('input'), 'input');
  const ks = cppInts(a.get('kernel_size')!), ds = cppInts(a.get('dilation')!), ps = cppInts(a.get('padding')!), ss = cppInts(a.get('stride')!);
  checkLen2('kernel_size', ks); checkLen2('dilation', ds); checkLen2('padding', ps); checkLen2('stride', ss);
  const [kh, kw] = ks, [dh, dw] = ds, [ph, pw] = ps, [sh, sw] = ss;
  if (!(kw > 0 && kh > 0)) throw err(`kernel size should be greater than zero, but got kernel_height: ${kh} kernel_width: ${kw}`);
  if (!(dw > 0 && dh > 0)) throw err(`dilation should be greater than zero, but got dilation_height: ${dh} dilation_width: ${dw}`);
  if (!(pw >= 0 && ph >= 0)) throw err(`padding should be non-negative, but got pad_height: ${ph} pad_width: ${pw}`);
  if (!(sw > 0 && sh > 0)) throw err(`stride should be greater than zero, but got stride_height: ${sh} stride_width: ${sw}`);
  const s = x.shape, nd = s.length;
  const validDims = sizeAt(s, 1) !== 0 && sizeAt(s, 2) !== 0;
  if (!((nd === 3 && s[0] !== 0 && validDims) || (nd === 4 && validDims && s[3] !== 0))) {
    throw err(`Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${fmt(s)}`);
  }
  const off = nd === 3 ? -1 : 0;
  const H = s[off + 2], W = s[off + 3];
  const oh = divRtn(H + 2 * ph - (dh * (kh - 1) + 1), sh) + 1;
  const ow = divRtn(W + 2 * pw - (dw * (kw - 1) + 1), sw) + 1;
  if (oh < 1 || ow < 1) {
    // (sic) torch 1.13 prints the input height twice
    throw err(`Given input with spatial size (${H}, ${H}), kernel_size=(${kh}, ${kw}), dilation=(${dh}, ${dw}), padding=(${ph}, ${pw}), calculated shape of the array of sliding blocks as (${oh}, ${ow}), but its components must be at least one.`);
  }
  floatKernelDtype(x.dtype, 'im2col_out_cpu');
  const C = s[off + 1];
  const o = [C * kh * kw, oh * ow];
  return out(nd === 3 ? o : [s[0], ...o], x.dtype);
}

/** `torch._C._nn.col2im(input, _pair(output_size), _pair(kernel_size), ...)`. */
function col2im(input: Py, os: Py, k: Py, dil: Py, pad: Py, st: Py): Py {
  const a = cppBind('col2im', COL2IM_SIG, { pos: [input, ntuple(os, 2), ntuple(k, 2), ntuple(dil, 2), ntuple(pad, 2), ntuple(st, 2)], kw: new Map() });
  const x = tensorArg(a.get('input'), 'input');
  const oss = cppInts(a.get('output_size')!), ks = cppInts(a.get('kernel_size')!), ds = cppInts(a.get('dilation')!);
  const ps = cppInts(a.get('padding')!), ss = cppInts(a.get('stride')!);
  checkLen2('output_size', oss); checkLen2('kernel_size', ks); checkLen2('dilation', ds); checkLen2('padding', ps); checkLen2('stride', ss);
  const [oh, ow] = oss, [kh, kw] = ks, [dh, dw] = ds, [ph, pw] = ps, [sh, sw] = ss;
  if (!(kw > 0 && kh > 0)) throw err(`kernel size should be greater than zero, but got kernel_height: ${kh} kernel_width: ${kw}`);
  if (!(sw > 0 && sh > 0)) throw err(`stride should be greater than zero, but got stride_height: ${sh} stride_width: ${sw}`);
  if (!(dw > 0 && dh > 0)) throw err(`dilation should be greater than zero, but got dilation_height: ${dh} dilation_width: ${dw}`);
  if (!(pw >= 0 && ph >= 0)) throw err(`padding should be non-negative, but got pad_height: ${ph} pad_width: ${pw}`);
  const s = x.shape, nd = s.length;
  if (!((nd === 2 && s[0] !== 0 && s[1] !== 0) || (nd === 3 && s[1] !== 0 && s[2] !== 0))) {
    throw err(`Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ${fmt(s)}`);
  }
  const off = nd === 3 ? 0 : -1;
  const C = s[off + 1];
  if (C % (kw * kh) !== 0) {
    throw err(`Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${C} and kernel_size=(${kh}, ${kw}).`);
  }
  const L = s[off + 2];
  const nbh = divRtn(oh + 2 * ph - dh * (kh - 1) - 1, sh) + 1;
  const nbw = divRtn(ow + 2 * pw - dw * (kw - 1) - 1, sw) + 1;
  const cfg = `output_size=(${oh}, ${ow}), kernel_size=(${kh}, ${kw}), dilation=(${dh}, ${dw}), padding=(${ph}, ${pw}), stride=(${sh}, ${sw})`;
  if (L !== nbh * nbw) {
    throw err(`Given ${cfg}, expected size of input's dimension 2 to match the calculated number of sliding blocks ${nbh} * ${nbw} = ${nbh * nbw}, but got input.size(2)=${L}.`);
  }
  if (!(nbh >= 1 && nbw >= 1)) throw err(`Given ${cfg}, calculated shape of the array of sliding blocks as (${nbh}, ${nbw}), which is too small (non-positive)`);
  if (ow < 1 || oh < 1) throw err(`Expected output spatial size to be positive, but got: output_size=(${oh}, ${ow}).`);
  floatKernelDtype(x.dtype, 'col2im_out_cpu');
  const o = [C / (kh * kw), oh, ow];
  return out(nd === 3 ? [s[0], ...o] : o, x.dtype);
}

interface UnfoldCfg { a: Map<string, Py> }

const Unfold: ModuleDef<UnfoldCfg> = {
  signature: [P('kernel_size'), P('dilation', I(1)), P('padding', I(0)), P('stride', I(1))],
  resizes: true,
  init: (a) => ({ a }),
  forward(c, args) {
    const x = bind('Unfold.forward', [P('input')], args).get('input')!;
    return im2col(x, c.a.get('kernel_size')!, c.a.get('dilation')!, c.a.get('padding')!, c.a.get('stride')!);
  },
  parameters: () => [],
};

const Fold: ModuleDef<UnfoldCfg> = {
  signature: [P('output_size'), P('kernel_size'), P('dilation', I(1)), P('padding', I(0)), P('stride', I(1))],
  resizes: true,
  init: (a) => ({ a }),
  forward(c, args) {
    const x = bind('Fold.forward', [P('input')], args).get('input')!;
    const g = (n: string) => c.a.get(n)!;
    return col2im(x, g('output_size'), g('kernel_size'), g('dilation'), g('padding'), g('stride'));
  },
  parameters: () => [],
};

const unfoldFn: TorchFn = (args) => {
  const a = bind('unfold', [P('input'), P('kernel_size'), P('dilation', I(1)), P('padding', I(0)), P('stride', I(1))], args);
  return im2col(a.get('input')!, a.get('kernel_size')!, a.get('dilation')!, a.get('padding')!, a.get('stride')!);
};

const foldFn: TorchFn = (args) => {
  const a = bind('fold', [P('input'), P('output_size'), P('kernel_size'), P('dilation', I(1)), P('padding', I(0)), P('stride', I(1))], args);
  const g = (n: string) => a.get(n)!;
  return col2im(g('input'), g('output_size'), g('kernel_size'), g('dilation'), g('padding'), g('stride'));
};

// ---------------------------------------------------------------------------------------------------------------
// channel_shuffle
// ---------------------------------------------------------------------------------------------------------------

const SHUFFLE_SIG: CppParam[] = [{ name: 'input', type: 'Tensor' }, { name: 'groups', type: 'int' }];

const channelShuffle: TorchFn = (args) => {
  const a = cppBind('channel_shuffle', SHUFFLE_SIG, args);
  const x = tensorArg(a.get('input'), 'input');
  const g = (a.get('groups') as { v: number }).v;
  if (x.shape.length <= 2) throw err(`channel_shuffle expects input with > 2 dims, but got input with sizes ${fmt(x.shape)}`);
  if (g <= 0) throw err(`Number of groups to divide channels in must be positive. Value of groups:${g}`);
  const ch = x.shape[1];
  if (ch % g !== 0) throw err(`Number of channels must be divisible by groups. Got ${ch} channels and ${g} groups.`);
  return out(x.shape, x.dtype);
};

const ChannelShuffle: ModuleDef<{ groups: Py }> = {
  signature: [P('groups')],
  init: (a) => ({ groups: a.get('groups')! }),
  forward(c, args) {
    const x = bind('ChannelShuffle.forward', [P('input')], args).get('input')!;
    return channelShuffle({ pos: [x, c.groups], kw: new Map() }, { warn: () => {} });
  },
  parameters: () => [],
};

export const family: Family = {
  modules: {
    RNN: rnnModule('RNN'),
    LSTM: rnnModule('LSTM'),
    GRU: rnnModule('GRU'),
    RNNCell: cellModule('RNNCell', 1),
    LSTMCell: cellModule('LSTMCell', 4),
    GRUCell: cellModule('GRUCell', 3),
    MultiheadAttention,
    Unfold,
    Fold,
    ChannelShuffle,
  },
  functional: { unfold: unfoldFn, fold: foldFn, channel_shuffle: channelShuffle },
  torch: { channel_shuffle: channelShuffle },
};
