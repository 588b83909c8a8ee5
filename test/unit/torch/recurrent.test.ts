/**
 * Unit tests of recurrent.ts: nn.RNN/LSTM/GRU, the cells, nn.MultiheadAttention, nn.Unfold/Fold (F.unfold/F.fold),
 * nn.ChannelShuffle (F.channel_shuffle).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family } from '../../../src/core/torch/recurrent';
import { registry } from '../../../src/core/torch/registry';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { NONE, float, int, str, tensor, tuple, type DType, type Py, type Shape } from '../../../src/core/python/values';

const TRUE: Py = { k: 'bool', v: true };
const FALSE: Py = { k: 'bool', v: false };

function make(name: string, args: Py[], kw: Record<string, Py> = {}, training = true) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: args, kw: new Map(Object.entries(kw)) }, def.extraKw));
  return {
    cfg,
    params: () => def.parameters(cfg).map((p) => [p.name, p.shape] as [string, Shape]),
    call: (inputs: Py[], fkw: Record<string, Py> = {}) => def.forward(cfg, { pos: inputs, kw: new Map(Object.entries(fkw)) }, { warn: () => {}, training }),
  };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
/** Nested shapes of a result: tensors as shapes, None as 'None'. */
const shapes = (v: Py): unknown => (v.k === 'tensor' ? v.shape : v.k === 'tuple' ? v.items.map(shapes) : v.k === 'none' ? 'None' : v.k);
const fn = (name: string, args: Py[], kw: Record<string, Py> = {}) => family.functional![name]({ pos: args, kw: new Map(Object.entries(kw)) }, { warn: () => {} });
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);

test('registered; Softmax2d stays in activation.ts, Upsample is not here', () => {
  for (const n of ['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell', 'MultiheadAttention', 'Unfold', 'Fold', 'ChannelShuffle']) {
    assert.ok(registry.modules.has(n), n);
  }
  assert.ok(!('Softmax2d' in family.modules!));
  assert.ok(!('Upsample' in family.modules!));
  for (const f of ['unfold', 'fold', 'channel_shuffle']) assert.ok(registry.functional.has(f), f);
  assert.ok(registry.torch.has('channel_shuffle'));
});

test('LSTM: (output, (h_n, c_n)) for batched, batch_first, bidirectional, proj_size and unbatched input', () => {
  const m = make('LSTM', [int(4), int(8), int(2)], { proj_size: int(3), bidirectional: TRUE });
  assert.deepEqual(shapes(m.call([t([5, 2, 4])])), [[5, 2, 6], [[4, 2, 3], [4, 2, 8]]]);
  assert.deepEqual(shapes(m.call([t([5, 4])])), [[5, 6], [[4, 3], [4, 8]]]);
  assert.deepEqual(shapes(m.call([t([5, 2, 4]), tuple([t([4, 2, 3]), t([4, 2, 8])])])), [[5, 2, 6], [[4, 2, 3], [4, 2, 8]]]);
  const bf = make('LSTM', [int(4), int(8)], { batch_first: TRUE });
  assert.deepEqual(shapes(bf.call([t([2, 5, 4])])), [[2, 5, 8], [[1, 2, 8], [1, 2, 8]]]);
  assert.deepEqual(m.params().slice(0, 6), [
    ['weight_ih_l0', [32, 4]], ['weight_hh_l0', [32, 3]], ['bias_ih_l0', [32]], ['bias_hh_l0', [32]], ['weight_hr_l0', [3, 8]],
    ['weight_ih_l0_reverse', [32, 4]],
  ]);
  assert.deepEqual(m.params()[10], ['weight_ih_l1', [32, 6]]);
  assert.equal(m.params().length, 20);
});

test('LSTM / GRU / RNN: PyTorch 1.13 messages', () => {
  const lstm = make('LSTM', [int(4), int(8)]);
  throwsMsg(() => lstm.call([t([5, 2, 5])]), 'input.size(-1) must be equal to input_size. Expected 4, got 5');
  throwsMsg(() => lstm.call([t([4])]), 'input must have 3 dimensions, got 2');
  throwsMsg(() => lstm.call([t([0, 2, 4])]), 'Expected sequence length to be larger than 0 in RNN');
  throwsMsg(() => lstm.call([t([5, 2, 4]), tuple([t([1, 3, 8]), t([1, 2, 8])])]), 'Expected hidden[0] size (1, 2, 8), got [1, 3, 8]');
  throwsMsg(() => lstm.call([t([5, 2, 4]), tuple([t([1, 2, 8]), t([2, 8])])]),
    'For batched 3-D input, hx and cx should also be 3-D but got (3-D, 2-D) tensors');
  throwsMsg(() => lstm.call([t([5, 2, 4]), tuple([t([1, 2, 8])])]), 'tuple index out of range', 'IndexError');
  throwsMsg(() => lstm.call([t([5, 2, 4], 'float64')]), 'mat1 and mat2 must have the same dtype');
  const gru = make('GRU', [int(4), int(8)], { batch_first: TRUE });
  assert.deepEqual(shapes(gru.call([t([2, 5, 4]), t([1, 2, 8])])), [[2, 5, 8], [1, 2, 8]]);
  throwsMsg(() => gru.call([t([2, 5, 4]), t([1, 5, 8])]), 'Expected hidden size (1, 2, 8), got [1, 5, 8]');
  throwsMsg(() => gru.call([t([5, 4]), t([1, 2, 8])]), 'For unbatched 2-D input, hx should also be 2-D but got 3-D tensor');
  const rnn = make('RNN', [int(4), int(8), int(3)], { nonlinearity: str('relu'), bidirectional: TRUE });
  assert.deepEqual(shapes(rnn.call([t([5, 2, 4])])), [[5, 2, 16], [6, 2, 8]]);
  throwsMsg(() => lstm.call([int(3)]), "'int' object has no attribute 'dim'", 'AttributeError');
});

test('RNNBase.__init__ validation', () => {
  throwsMsg(() => make('GRU', [int(4), int(8)], { proj_size: int(0) }), 'proj_size argument is only supported for LSTM, not RNN or GRU', 'ValueError');
  throwsMsg(() => make('RNN', [int(4), int(8)], { nonlinearity: str('foo') }), "Unknown nonlinearity 'foo'", 'ValueError');
  throwsMsg(() => make('LSTM', [int(4)]), "RNNBase.__init__() missing 1 required positional argument: 'hidden_size'", 'TypeError');
  throwsMsg(() => make('LSTM', []), "RNNBase.__init__() missing 2 required positional arguments: 'input_size' and 'hidden_size'", 'TypeError');
  throwsMsg(() => make('LSTM', [int(4), int(8)], { foo: int(1) }), "RNNBase.__init__() got an unexpected keyword argument 'foo'", 'TypeError');
  throwsMsg(() => make('LSTM', [int(4), int(8)], { dropout: float(1.5) }),
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed', 'ValueError');
  throwsMsg(() => make('LSTM', [int(4), int(8)], { dropout: str('a') }), "could not convert string to float: 'a'", 'ValueError');
  throwsMsg(() => make('LSTM', [int(4), int(8)], { proj_size: int(8) }), 'proj_size has to be smaller than hidden_size', 'ValueError');
  throwsMsg(() => make('LSTM', [int(4), int(8), int(0)]), 'list index out of range', 'IndexError');
  throwsMsg(() => make('LSTM', [int(-4), int(8)]), 'Trying to create tensor with negative dimension -4: [32, -4]');
  throwsMsg(() => make('LSTM', [float(4), int(8)]), "empty(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2", 'TypeError');
});

test('cells: shapes, parameters and messages', () => {
  const lc = make('LSTMCell', [int(4), int(8)]);
  assert.deepEqual(shapes(lc.call([t([3, 4])])), [[3, 8], [3, 8]]);
  assert.deepEqual(shapes(lc.call([t([4]), tuple([t([8]), t([8])])])), [[8], [8]]);
  assert.deepEqual(lc.params(), [['weight_ih', [32, 4]], ['weight_hh', [32, 8]], ['bias_ih', [32]], ['bias_hh', [32]]]);
  throwsMsg(() => lc.call([t([3, 5])]), 'input has inconsistent input_size: got 5 expected 4');
  throwsMsg(() => lc.call([t([2, 3, 4])]), 'LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor', 'AssertionError');
  throwsMsg(() => lc.call([t([3, 4]), tuple([t([2, 8]), t([3, 8])])]), "Input batch size 3 doesn't match hidden0 batch size 2");
  throwsMsg(() => lc.call([t([3, 4]), tuple([t([3, 7]), t([3, 8])])]), 'hidden0 has inconsistent hidden_size: got 7, expected 8');
  throwsMsg(() => lc.call([t([3, 4]), tuple([t([3, 8])])]), 'lstm_cell expects two hidden states');
  const gc = make('GRUCell', [int(4), int(8)], { bias: FALSE });
  assert.deepEqual(shapes(gc.call([t([3, 4]), t([3, 8])])), [3, 8]);
  assert.deepEqual(gc.params(), [['weight_ih', [24, 4]], ['weight_hh', [24, 8]]]);
  throwsMsg(() => gc.call([t([3, 4], 'float64')]), 'expected scalar type Double but found Float');
  throwsMsg(() => make('RNNCell', [int(4), int(8)], { nonlinearity: str('foo') }).call([t([3, 4])]), 'Unknown nonlinearity: foo');
  // a hidden state of more dims reaches linear_hh(hx).add_(linear_ih(input)): broadcast into hh's shape
  assert.deepEqual(shapes(make('RNNCell', [int(3), int(1)]).call([t([3]), t([1, 1, 1])])), [1, 1, 1]);
  throwsMsg(() => make('RNNCell', [int(3), int(1)]).call([t([2, 3]), t([2, 1, 1])]), "output with shape [2, 1, 1] doesn't match the broadcast shape [2, 2, 1]");
});

test('MultiheadAttention: (attn_output, attn_weights), kdim/vdim, batch_first, need_weights', () => {
  const m = make('MultiheadAttention', [int(8), int(2)]);
  const q = t([5, 3, 8]), kv = t([6, 3, 8]);
  assert.deepEqual(shapes(m.call([q, kv, kv])), [[5, 3, 8], [3, 5, 6]]);
  assert.deepEqual(shapes(m.call([q, kv, kv], { average_attn_weights: FALSE })), [[5, 3, 8], [3, 2, 5, 6]]);
  assert.deepEqual(shapes(m.call([q, kv, kv], { need_weights: FALSE })), [[5, 3, 8], 'None']);
  assert.deepEqual(shapes(m.call([t([5, 8]), t([6, 8]), t([6, 8])])), [[5, 8], [5, 6]]);
  assert.deepEqual(m.params(), [['in_proj_weight', [24, 8]], ['in_proj_bias', [24]], ['out_proj.weight', [8, 8]], ['out_proj.bias', [8]]]);
  const bf = make('MultiheadAttention', [int(8), int(2)], { batch_first: TRUE, kdim: int(4), vdim: int(6), add_bias_kv: TRUE });
  assert.deepEqual(shapes(bf.call([t([3, 5, 8]), t([3, 6, 4]), t([3, 6, 6])])), [[3, 5, 8], [3, 5, 7]]);
  assert.deepEqual(bf.params().map((p) => p[0]), ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'bias_k', 'bias_v', 'out_proj.weight', 'out_proj.bias']);
  assert.deepEqual(bf.params()[1], ['k_proj_weight', [8, 4]]);
  const a = (msg: string) => msg;
  throwsMsg(() => m.call([t([5, 3, 7]), kv, kv]), a('was expecting embedding dimension of 8, but got 7'), 'AssertionError');
  throwsMsg(() => m.call([q, t([6, 3, 8]), t([6, 3, 7])]), 'key shape torch.Size([6, 3, 8]) does not match value shape torch.Size([6, 3, 7])', 'AssertionError');
  throwsMsg(() => m.call([q, t([6, 8]), t([6, 8])]),
    'For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively', 'AssertionError');
  throwsMsg(() => m.call([q, kv, kv], { attn_mask: t([6, 6]) }), 'The shape of the 2D attn_mask is torch.Size([6, 6]), but should be (5, 6).');
  throwsMsg(() => m.call([q, t([6, 2, 8]), t([6, 2, 8])]), "shape '[6, 6, 4]' is invalid for input of size 96");
  throwsMsg(() => make('MultiheadAttention', [int(8), int(3)]), 'embed_dim must be divisible by num_heads', 'AssertionError');
  // the same tensor for key and value projects both with one matmul: a wrong width says so
  const k7 = t([6, 3, 7]);
  throwsMsg(() => m.call([q, k7, k7]), 'mat1 and mat2 shapes cannot be multiplied (18x7 and 8x16)');
});

test('Unfold / Fold / F.unfold / F.fold', () => {
  assert.deepEqual(shapes(make('Unfold', [int(3)]).call([t([2, 3, 8, 8])])), [2, 27, 36]);
  assert.deepEqual(shapes(make('Unfold', [int(3)], { padding: int(1), stride: int(2), dilation: int(2) }).call([t([2, 3, 8, 8])])), [2, 27, 9]);
  assert.deepEqual(shapes(fn('unfold', [t([3, 8, 8]), int(3)])), [27, 36]);
  assert.deepEqual(shapes(make('Fold', [tuple([int(4), int(5)]), int(2)]).call([t([2, 12, 12])])), [2, 3, 4, 5]);
  assert.deepEqual(shapes(fn('fold', [t([12, 12]), tuple([int(4), int(5)]), int(2)])), [3, 4, 5]);
  throwsMsg(() => make('Unfold', [int(9)]).call([t([2, 3, 8, 8])]),
    'Given input with spatial size (8, 8), kernel_size=(9, 9), dilation=(1, 1), padding=(0, 0), calculated shape of the array of sliding blocks as (0, 0), but its components must be at least one.');
  throwsMsg(() => make('Unfold', [int(3)]).call([t([8, 8])]), 'Dimension out of range (expected to be in range of [-2, 1], but got 2)', 'IndexError');
  throwsMsg(() => make('Fold', [tuple([int(4), int(5)]), int(2)]).call([t([2, 12, 11])]),
    "Given output_size=(4, 5), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks 3 * 4 = 12, but got input.size(2)=11.");
  throwsMsg(() => make('Fold', [int(4), int(2)]).call([t([2, 13, 9])]),
    "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=13 and kernel_size=(2, 2).");
  throwsMsg(() => make('Unfold', [float(3)]).call([t([1, 3, 8, 8])]), "im2col(): argument 'kernel_size' (position 2) must be tuple of ints, not tuple", 'TypeError');
  throwsMsg(() => fn('unfold', [t([1, 3, 8, 8])]), "unfold() missing 1 required positional argument: 'kernel_size'", 'TypeError');
});

test('ChannelShuffle / channel_shuffle', () => {
  assert.deepEqual(shapes(make('ChannelShuffle', [int(2)]).call([t([2, 4, 3, 3])])), [2, 4, 3, 3]);
  throwsMsg(() => make('ChannelShuffle', [int(3)]).call([t([2, 4, 3, 3])]), 'Number of channels must be divisible by groups. Got 4 channels and 3 groups.');
  throwsMsg(() => fn('channel_shuffle', [t([2, 4]), int(2)]), 'channel_shuffle expects input with > 2 dims, but got input with sizes [2, 4]');
  throwsMsg(() => fn('channel_shuffle', [t([2, 4, 3]), int(0)]), 'Number of groups to divide channels in must be positive. Value of groups:0');
  throwsMsg(() => fn('channel_shuffle', [t([2, 4, 3]), FALSE]), "channel_shuffle(): argument 'groups' (position 2) must be int, not bool", 'TypeError');
});

test('unknown shapes and values propagate as UnknownValue', () => {
  assert.throws(() => make('LSTM', [int(4), int(8)]).call([t(null)]), UnknownValue);
  assert.throws(() => make('LSTM', [{ k: 'unknown', why: 'x' }, int(8)]), UnknownValue);
  assert.throws(() => make('MultiheadAttention', [int(8), int(2)]).call([t([5, 3, 8]), t(null), t([6, 3, 8])]), UnknownValue);
  assert.throws(() => make('Unfold', [int(3)]).call([t(null)]), UnknownValue);
  assert.throws(() => make('GRUCell', [int(4), int(8)]).call([t([3, 4]), t(null)]), UnknownValue);
  assert.deepEqual(shapes(make('GRUCell', [int(4), int(8)]).call([t([3, 4]), NONE])), [3, 8]);
});
