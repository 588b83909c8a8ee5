/** Unit tests of linear.ts (Linear, Bilinear, Identity, Flatten, Unflatten, Embedding, F.linear, F.embedding). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family } from '../../../src/core/torch/linear';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { float, int, str, tensor, tuple, type DType, type Py, type Shape } from '../../../src/core/python/values';

const ctx = (training = true) => ({ warn: () => {}, training });

function make(name: string, args: Py[], kw: Record<string, Py> = {}) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: args, kw: new Map(Object.entries(kw)) }, def.extraKw));
  return {
    cfg,
    call: (...inputs: Py[]) => def.forward(cfg, { pos: inputs, kw: new Map() }, ctx()),
    params: () => def.parameters(cfg),
  };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
const shapeOf = (v: Py) => (v.k === 'tensor' ? v.shape : null);
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);

test('Linear: output shape over leading dims, parameters', () => {
  const m = make('Linear', [int(64), int(128)]);
  assert.deepEqual(shapeOf(m.call(t([8, 64]))), [8, 128]);
  assert.deepEqual(shapeOf(m.call(t([64]))), [128]);
  assert.deepEqual(shapeOf(m.call(t([2, 3, 64]))), [2, 3, 128]);
  assert.deepEqual(m.params(), [{ name: 'weight', shape: [128, 64] }, { name: 'bias', shape: [128] }]);
  assert.deepEqual(make('Linear', [int(3), int(2)], { bias: { k: 'bool', v: false } }).params(), [{ name: 'weight', shape: [2, 3] }]);
});

test('Linear: PyTorch messages', () => {
  const m = make('Linear', [int(64), int(128)]);
  throwsMsg(() => m.call(t([8, 100])), 'mat1 and mat2 shapes cannot be multiplied (8x100 and 64x128)');
  throwsMsg(() => m.call(t([2, 3, 100])), 'mat1 and mat2 shapes cannot be multiplied (6x100 and 64x128)');
  throwsMsg(() => m.call(t([100])), 'mat1 and mat2 shapes cannot be multiplied (1x100 and 64x128)');
  throwsMsg(() => m.call(t([])), 'both arguments to matmul need to be at least 1D, but they are 0D and 2D');
  throwsMsg(() => m.call(t([8, 64], 'int64')), 'mat1 and mat2 must have the same dtype');
  throwsMsg(() => m.call(t([64], 'float64')), 'expected scalar type Double but found Float');
  throwsMsg(() => make('Linear', [int(-1), int(3)]), 'Trying to create tensor with negative dimension -1: [3, -1]');
  throwsMsg(() => make('Linear', [float(3), int(2)]), "empty(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2", 'TypeError');
});

test('Linear: unknown input shape propagates as UnknownValue', () => {
  const m = make('Linear', [int(4), int(2)]);
  assert.throws(() => m.call(t(null)), UnknownValue);
  assert.throws(() => m.call({ k: 'unknown', why: 'x' }), UnknownValue);
});

test('Bilinear', () => {
  const m = make('Bilinear', [int(3), int(4), int(5)]);
  assert.deepEqual(shapeOf(m.call(t([6, 2, 3]), t([6, 2, 4]))), [6, 2, 5]);
  assert.deepEqual(m.params(), [{ name: 'weight', shape: [5, 3, 4] }, { name: 'bias', shape: [5] }]);
  throwsMsg(() => m.call(t([2, 4]), t([2, 4])), 'bilinear(): input1 size does not match weight size: got 4 but expected 3');
  throwsMsg(() => m.call(t([2, 3]), t([3, 4])), 'bilinear(): input batch dimensions do not match at dim 0: got 2 and 3');
});

test('Identity, Flatten, Unflatten', () => {
  const id = make('Identity', [int(3), str('x')], { foo: int(1) });
  const x = t([2, 3]);
  assert.equal(id.call(x), x);
  assert.deepEqual(shapeOf(make('Flatten', []).call(t([8, 512, 4, 4]))), [8, 8192]);
  assert.deepEqual(shapeOf(make('Flatten', [int(0), int(-1)]).call(t([]))), [1]);
  throwsMsg(() => make('Flatten', []).call(t([5])), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)', 'IndexError');
  throwsMsg(() => make('Flatten', [int(3), int(1)]).call(t([2, 3, 4, 5])), 'flatten() has invalid args: start_dim cannot come after end_dim');
  assert.deepEqual(shapeOf(make('Unflatten', [int(1), tuple([int(2), int(-1)])]).call(t([3, 10]))), [3, 2, 5]);
  throwsMsg(() => make('Unflatten', [int(1), tuple([int(3), int(5)])]).call(t([3, 10])),
    "unflatten: Provided sizes [3, 5] don't multiply up to the size of dim 1 (10) in the input tensor");
  throwsMsg(() => make('Unflatten', [int(1), int(5)]), 'unflattened_size must be a tuple of ints, but found type int', 'TypeError');
});

test('Embedding: output shape and the indices dtype rule', () => {
  const m = make('Embedding', [int(10), int(3)]);
  assert.deepEqual(shapeOf(m.call(t([2, 4], 'int64'))), [2, 4, 3]);
  assert.deepEqual(shapeOf(m.call(t([], 'int32'))), [3]);
  throwsMsg(() => m.call(t([2], 'float32')),
    "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)");
  throwsMsg(() => make('Embedding', [int(10), int(3)], { padding_idx: int(10) }), 'Padding_idx must be within num_embeddings', 'AssertionError');
  const f = family.functional!.embedding;
  throwsMsg(() => f({ pos: [t([2], 'int64'), t([10])], kw: new Map() }, ctx()), "'weight' must be 2-D");
});

test('F.linear: bias broadcasting messages', () => {
  const f = family.functional!.linear;
  const call = (...a: Py[]) => f({ pos: a, kw: new Map() }, ctx());
  assert.deepEqual(shapeOf(call(t([2, 5]), t([3, 5]), t([3]))), [2, 3]);
  throwsMsg(() => call(t([2, 5]), t([3, 5]), t([4])),
    'The expanded size of the tensor (3) must match the existing size (4) at non-singleton dimension 1.  Target sizes: [2, 3].  Tensor sizes: [4]');
  throwsMsg(() => call(t([2, 5]), t([2, 3, 5])), 't() expects a tensor with <= 2 dimensions, but self is 3D');
});
