/**
 * Unit tests of tensorOps.ts: shapes, dtypes and PyTorch's messages for tensor methods, torch.* functions,
 * binary operators, matmul and indexing. The messages here were read from PyTorch 1.13 (str(e)); the oracle
 * test (test/oracle/tensorOps.test.ts) checks thousands more against PyTorch itself.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor, type DType, type Py, type TensorVal } from '../../../src/core/python/values';
import {
  binaryOp, broadcastShapes, checkScalarFits, dtypeArg, family, indexShape, matmulShape, promoteTypes, pyData, tensorAttr,
} from '../../../src/core/torch/tensorOps';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';

const I = (v: number): Py => ({ k: 'int', v });
const F = (v: number): Py => ({ k: 'float', v });
const B = (v: boolean): Py => ({ k: 'bool', v });
const S = (v: string): Py => ({ k: 'str', v });
const N: Py = { k: 'none' };
const E: Py = { k: 'ellipsis' };
const TU = (...items: Py[]): Py => ({ k: 'tuple', items });
const L = (...items: Py[]): Py => ({ k: 'list', items });
const SL = (start: Py = N, stop: Py = N, step: Py = N): Py => ({ k: 'slice', start, stop, step });
const T = (shape: number[] | null, dtype: DType = 'float32'): TensorVal => tensor(shape, dtype);
const ctx = { warn() {} };

function m(name: string, self: Py, args: Py[] = [], kw: Record<string, Py> = {}): Py {
  const fn = family.methods![name];
  assert.ok(fn, `no method ${name}`);
  return fn({ pos: [self, ...args], kw: new Map(Object.entries(kw)) }, ctx);
}
function t(name: string, args: Py[] = [], kw: Record<string, Py> = {}): Py {
  const fn = family.torch![name];
  assert.ok(fn, `no torch.${name}`);
  return fn({ pos: args, kw: new Map(Object.entries(kw)) }, ctx);
}
function shapeOf(v: Py): number[] | null {
  assert.equal(v.k, 'tensor');
  return (v as TensorVal).shape;
}
function dtypeOf(v: Py): DType {
  assert.equal(v.k, 'tensor');
  return (v as TensorVal).dtype;
}
function raises(f: () => unknown, msg: string, type = 'RuntimeError'): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TorchError, `expected TorchError, got ${String(e)}`);
    assert.equal(e.message, msg);
    assert.equal(e.pyType, type);
    return true;
  });
}

describe('view and reshape', () => {
  test('infers -1', () => {
    assert.deepEqual(shapeOf(m('view', T([8, 3, 64, 64]), [I(8), I(-1)])), [8, 12288]);
    assert.deepEqual(shapeOf(m('reshape', T([4096]), [TU(I(8), I(512))])), [8, 512]);
    assert.deepEqual(shapeOf(t('reshape', [T([2, 3]), L(I(-1))])), [6]);
    assert.deepEqual(shapeOf(m('view', T([]), [I(-1)])), [1]);
  });
  test("PyTorch's messages", () => {
    raises(() => m('view', T([4096]), [I(8), I(512 * 2)]), "shape '[8, 1024]' is invalid for input of size 4096");
    raises(() => m('view', T([8, 512]), [I(8), I(4096)]), "shape '[8, 4096]' is invalid for input of size 4096");
    raises(() => m('view', T([4096]), [I(-1), I(-1)]), 'only one dimension can be inferred');
    raises(() => m('view', T([2, 3]), [I(-2), I(3)]), 'invalid shape dimension -2');
    raises(() => m('reshape', T([0, 3]), [I(0), I(-1)]),
      'cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension size -1 can be any value and is ambiguous');
  });
  test('view_as, reshape_as and view(dtype)', () => {
    assert.deepEqual(shapeOf(m('view_as', T([6]), [T([2, 3])])), [2, 3]);
    const v = m('view', T([2, 4]), [S('float64')]);
    assert.deepEqual([shapeOf(v), dtypeOf(v)], [[2, 2], 'float64']);
    raises(() => m('view', T([2, 3]), [S('float64')]),
      'self.size(-1) must be divisible by 2 to view Float as Double (different element sizes), but got 3');
  });
});

describe('dims', () => {
  test('flatten and unflatten', () => {
    assert.deepEqual(shapeOf(m('flatten', T([8, 512, 4, 4]), [I(1)])), [8, 8192]);
    assert.deepEqual(shapeOf(t('flatten', [T([])])), [1]);
    raises(() => m('flatten', T([2, 3]), [I(1), I(0)]), 'flatten() has invalid args: start_dim cannot come after end_dim');
    assert.deepEqual(shapeOf(m('unflatten', T([2, 12]), [I(1), TU(I(3), I(-1))])), [2, 3, 4]);
    raises(() => m('unflatten', T([2, 3, 4]), [I(1), TU(I(3), I(2))]),
      "unflatten: Provided sizes [3, 2] don't multiply up to the size of dim 1 (3) in the input tensor");
    raises(() => m('unflatten', T([2, 3, 4]), [I(1), TU(I(-1), I(-1))]), 'unflatten got an unexpected error:\nonly one dimension can be inferred');
  });
  test('squeeze, unsqueeze, permute, transpose, t', () => {
    assert.deepEqual(shapeOf(m('squeeze', T([8, 1, 1, 1]))), [8]);
    assert.deepEqual(shapeOf(m('squeeze', T([8, 1]), [I(1)])), [8]);
    assert.deepEqual(shapeOf(m('squeeze', T([8, 3]), [I(1)])), [8, 3]);
    assert.deepEqual(shapeOf(m('unsqueeze', T([8]), [I(-1)])), [8, 1]);
    raises(() => m('unsqueeze', T([2, 3]), [I(3)]), 'Dimension out of range (expected to be in range of [-3, 2], but got 3)', 'IndexError');
    assert.deepEqual(shapeOf(m('permute', T([2, 3, 4]), [I(2), I(0), I(1)])), [4, 2, 3]);
    assert.deepEqual(shapeOf(m('permute', T([2, 3, 4]), [TU(I(2), I(0), I(1))])), [4, 2, 3]);
    assert.deepEqual(shapeOf(t('permute', [T([2, 3]), L(I(1), I(0))])), [3, 2]);
    raises(() => m('permute', T([2, 3]), [I(0), I(0)]), 'permute(): duplicate dims are not allowed.');
    raises(() => m('permute', T([2, 3]), [I(0)]),
      'permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1');
    assert.deepEqual(shapeOf(m('transpose', T([2, 3, 4]), [I(0), I(-1)])), [4, 3, 2]);
    assert.deepEqual(shapeOf(m('t', T([2, 3]))), [3, 2]);
    raises(() => m('t', T([2, 3, 4])), 't() expects a tensor with <= 2 dimensions, but self is 3D');
  });
  test('expand, expand_as, repeat', () => {
    assert.deepEqual(shapeOf(m('expand', T([2, 1]), [I(2), I(-1), I(4)])), [2, 2, 4]);
    assert.deepEqual(shapeOf(m('expand_as', T([1, 3]), [T([5, 3])])), [5, 3]);
    raises(() => m('expand', T([2, 3]), [I(3), I(3)]),
      'The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  Target sizes: [3, 3].  Tensor sizes: [2, 3]');
    raises(() => m('expand', T([2, 3]), [I(3)]),
      'expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be greater or equal to the number of dimensions in the tensor (2)');
    raises(() => m('expand', T([2, 1]), [I(-1), I(2), I(4)]), "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0");
    assert.deepEqual(shapeOf(m('repeat', T([2, 3]), [I(2), I(1), I(1)])), [2, 2, 3]);
    raises(() => m('repeat', T([2, 3]), [I(2)]), 'Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  });
  test('narrow, select, index_select, masked_fill', () => {
    assert.deepEqual(shapeOf(m('narrow', T([2, 3]), [I(1), I(1), I(2)])), [2, 2]);
    raises(() => m('narrow', T([2, 3]), [I(0), I(1), I(2)]), 'start (1) + length (2) exceeds dimension size (2).');
    assert.deepEqual(shapeOf(m('select', T([2, 3]), [I(1), I(-1)])), [2]);
    raises(() => m('select', T([2, 3]), [I(0), I(2)]), 'select(): index 2 out of range for tensor of size [2, 3] at dimension 0', 'IndexError');
    assert.deepEqual(shapeOf(m('index_select', T([5, 3]), [I(0), T([4], 'int64')])), [4, 3]);
    raises(() => m('index_select', T([5, 3]), [I(0), T([4])]), 'index_select(): Expected dtype int32 or int64 for index');
    assert.deepEqual(shapeOf(m('masked_fill', T([2, 3]), [T([3], 'bool'), F(-1e9)])), [2, 3]);
    raises(() => m('masked_fill', T([2, 3]), [T([4], 'bool'), I(0)]),
      'The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1');
    raises(() => m('masked_fill', T([2, 3], 'float16'), [T([3], 'bool'), F(-1e9)]), 'value cannot be converted to type at::Half without overflow');
  });
});

describe('reductions', () => {
  test('sum, mean, keepdim, dtype', () => {
    assert.deepEqual(shapeOf(m('sum', T([8, 3, 4]), [I(1)])), [8, 4]);
    assert.deepEqual(shapeOf(m('mean', T([8, 3, 4]), [TU(I(1), I(2))], { keepdim: B(true) })), [8, 1, 1]);
    assert.deepEqual(shapeOf(m('mean', T([8, 3]))), []);
    assert.equal(dtypeOf(m('sum', T([2], 'bool'))), 'int64');
    assert.equal(dtypeOf(m('sum', T([2]), [], { dtype: S('float64') })), 'float64');
    raises(() => m('mean', T([2], 'int64')),
      'mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long');
    raises(() => m('sum', T([2, 3]), [TU(I(0), I(0))]), 'dim 0 appears multiple times in the list of dims');
  });
  test('max(dim) is (values, indices); max() a scalar; max(other) elementwise', () => {
    const r = m('max', T([8, 10]), [I(1)]);
    assert.equal(r.k, 'tuple');
    const [v, i] = (r as { items: Py[] }).items;
    assert.deepEqual([shapeOf(v), dtypeOf(v), shapeOf(i), dtypeOf(i)], [[8], 'float32', [8], 'int64']);
    assert.deepEqual(shapeOf(m('max', T([8, 10]))), []);
    assert.deepEqual(shapeOf(t('max', [T([8, 10]), T([10])])), [8, 10]);
    raises(() => m('max', T([0]), []),
      "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
    assert.deepEqual(shapeOf(m('argmax', T([8, 10]), [I(1)], { keepdim: B(true) })), [8, 1]);
    assert.equal(dtypeOf(m('argmax', T([8, 10]))), 'int64');
  });
  test('std, var, norm, prod, amax', () => {
    assert.deepEqual(shapeOf(m('std', T([2, 3]), [I(1), B(true), B(true)])), [2, 1]);
    assert.deepEqual(shapeOf(m('var', T([2, 3]), [], { dim: I(0), unbiased: B(false) })), [3]);
    raises(() => m('std', T([2], 'int64')), 'std and var only support floating point and complex dtypes');
    assert.deepEqual(shapeOf(m('norm', T([16, 3072]), [I(2)], { dim: I(1) })), [16]);
    assert.deepEqual(shapeOf(m('norm', T([2, 3]))), []);
    raises(() => m('norm', T([2, 3]), [], { dim: TU(I(0), I(0)) }), 'Expected dims to be different, got [0, 0] instead');
    assert.equal(dtypeOf(m('prod', T([2], 'int32'))), 'int64');
    assert.deepEqual(shapeOf(m('amax', T([2, 3, 4]), [TU(I(0), I(2))])), [3]);
  });
});

describe('joins and splits', () => {
  test("cat and stack with PyTorch's messages", () => {
    assert.deepEqual(shapeOf(t('cat', [L(T([8, 3, 4]), T([8, 5, 4]))], { dim: I(1) })), [8, 8, 4]);
    assert.deepEqual(shapeOf(t('concat', [TU(T([2, 3]), T([4, 3]))])), [6, 3]);
    raises(() => t('cat', [L(T([2, 4]), T([2, 8]))]),
      'Sizes of tensors must match except in dimension 0. Expected size 4 but got size 8 for tensor number 1 in the list.');
    raises(() => t('cat', [L(T([4, 2]), T([8, 2]))], { dim: I(1) }),
      'Sizes of tensors must match except in dimension 1. Expected size 4 but got size 8 for tensor number 1 in the list.');
    raises(() => t('cat', [L(T([2, 3]), T([3]))]), 'Tensors must have same number of dimensions: got 2 and 1');
    raises(() => t('cat', [L()]), 'torch.cat(): expected a non-empty list of Tensors');
    assert.deepEqual(shapeOf(t('cat', [L(T([2, 3]), T([0]))])), [2, 3]);
    assert.deepEqual(shapeOf(t('stack', [L(T([2, 3]), T([2, 3]))], { dim: I(-1) })), [2, 3, 2]);
    raises(() => t('stack', [L(T([2, 3]), T([2, 4]))]),
      'stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 1');
    assert.equal(dtypeOf(t('cat', [L(T([2], 'int64'), T([2]))])), 'float32');
  });
  test('split and chunk return tuples', () => {
    const parts = (v: Py) => (v as { items: Py[] }).items.map(shapeOf);
    assert.deepEqual(parts(m('split', T([5, 2]), [I(2)])), [[2, 2], [2, 2], [1, 2]]);
    assert.deepEqual(parts(m('split', T([5, 2]), [L(I(1), I(4))])), [[1, 2], [4, 2]]);
    assert.deepEqual(parts(t('split', [T([4, 3]), I(2)], { dim: I(1) })), [[4, 2], [4, 1]]);
    assert.deepEqual(parts(m('chunk', T([7]), [I(5)])), [[2], [2], [2], [1]]);
    raises(() => m('split', T([2, 3]), [L(I(1), I(2))]),
      "split_with_sizes expects split_sizes to sum exactly to 2 (input tensor's size at dimension 0), but got split_sizes=[1, 2]");
    raises(() => m('chunk', T([2, 3]), [I(0)]), 'chunk expects `chunks` to be greater than 0, got: 0');
  });
  test('where and broadcast_tensors', () => {
    assert.deepEqual(shapeOf(t('where', [T([2, 3], 'bool'), T([3]), F(0)])), [2, 3]);
    raises(() => t('where', [T([2, 3]), T([3]), T([3])]), 'where expected condition to be a boolean tensor, but got a tensor with dtype Float');
    const b = t('broadcast_tensors', [T([2, 3]), T([3], 'int64')]) as { items: Py[] };
    assert.deepEqual(b.items.map((x) => [shapeOf(x), dtypeOf(x)]), [[[2, 3], 'float32'], [[2, 3], 'int64']]);
    const w = t('where', [T([2, 3], 'bool')]) as { items: Py[] };
    assert.equal(w.items.length, 2);
    assert.equal(shapeOf(w.items[0]), null);
  });
});

describe('broadcasting, binary ops, matmul', () => {
  test('broadcastShapes', () => {
    assert.deepEqual(broadcastShapes([8, 1, 4], [3, 1]), [8, 3, 4]);
    raises(() => broadcastShapes([2, 3], [4]), 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1');
    raises(() => broadcastShapes([2, 3], [2, 4, 3]), 'The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 1');
  });
  test('binaryOp: both call forms, shapes and dtype promotion', () => {
    assert.deepEqual(shapeOf(binaryOp(T([8, 1]), T([3]), '*')), [8, 3]);
    assert.deepEqual(shapeOf(binaryOp('*', T([8, 1]), T([3]))), [8, 3]);
    assert.equal(dtypeOf(binaryOp('+', T([3], 'int64'), F(1.5))), 'float32');
    assert.equal(dtypeOf(binaryOp('/', T([3], 'int64'), I(2))), 'float32');
    assert.equal(dtypeOf(binaryOp('//', T([3], 'int64'), I(2))), 'int64');
    assert.equal(dtypeOf(binaryOp('+', T([3], 'uint8'), I(300))), 'uint8');
    assert.equal(dtypeOf(binaryOp('+', T([3], 'float16'), T([], 'float64'))), 'float16');
    assert.equal(dtypeOf(binaryOp('+', T([3], 'int64'), T([], 'float64'))), 'float64');
    assert.equal(dtypeOf(binaryOp('<', T([3]), I(1))), 'bool');
    assert.deepEqual(shapeOf(binaryOp('-', I(1), T([2, 3]))), [2, 3]);
    assert.deepEqual(binaryOp('+', I(2), I(3)), I(5));
    raises(() => binaryOp('-', T([3], 'bool'), T([3], 'bool')),
      'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
    raises(() => binaryOp('**', T([3], 'int64'), I(-1)), 'Integers to negative integer powers are not allowed.');
    raises(() => binaryOp('//', T([3], 'int64'), I(0)), 'ZeroDivisionError');
    raises(() => binaryOp('+', T([3]), L()), "unsupported operand type(s) for +: 'Tensor' and 'list'", 'TypeError');
    // unknown shapes stay tensors, with the promoted dtype
    const u = binaryOp('*', T(null, 'int64'), F(0.5));
    assert.deepEqual([shapeOf(u), dtypeOf(u)], [null, 'float32']);
  });
  test("matmulShape: torch.matmul's cases and messages", () => {
    assert.deepEqual(matmulShape([3], [3]), []);
    assert.deepEqual(matmulShape([2, 3], [3]), [2]);
    assert.deepEqual(matmulShape([3], [3, 4]), [4]);
    assert.deepEqual(matmulShape([5, 2, 3], [3, 4]), [5, 2, 4]);
    assert.deepEqual(matmulShape([3], [5, 3, 4]), [5, 4]);
    assert.deepEqual(matmulShape([5, 1, 2, 3], [4, 3, 6]), [5, 4, 2, 6]);
    raises(() => matmulShape([8, 512], [128, 1]), 'mat1 and mat2 shapes cannot be multiplied (8x512 and 128x1)');
    raises(() => matmulShape([3], [4]),
      'inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively');
    raises(() => matmulShape([2, 3], [4]), 'size mismatch, got 2, 2x3,4');
    raises(() => matmulShape([2, 2, 3], [4, 5]), 'mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)');
    raises(() => matmulShape([2, 3], [2, 4, 5]), 'mat1 and mat2 shapes cannot be multiplied (10x4 and 3x2)');
    raises(() => matmulShape([2, 2, 3], [3, 3, 5]), 'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0');
    raises(() => matmulShape([5, 2, 2, 3], [2, 4, 5]), 'Expected size for first two dimensions of batch2 tensor to be: [10, 3] but got: [10, 4].');
    raises(() => matmulShape([], [3]), 'both arguments to matmul need to be at least 1D, but they are 0D and 1D');
  });
  test('mm, bmm and the @ operator', () => {
    raises(() => t('mm', [T([8, 512]), T([128, 1])]), 'mat1 and mat2 shapes cannot be multiplied (8x512 and 128x1)');
    raises(() => t('mm', [T([8]), T([8, 1])]), 'self must be a matrix');
    raises(() => t('bmm', [T([2, 3, 4]), T([2, 5, 6])]), 'Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5].');
    raises(() => t('bmm', [T([3, 4]), T([3, 4, 6])]), 'batch1 must be a 3D tensor');
    assert.deepEqual(shapeOf(binaryOp('@', T([8, 100]), T([100, 1]))), [8, 1]);
    raises(() => t('matmul', [T([2, 3]), T([3, 2], 'float64')]), 'expected scalar type Float but found Double');
  });
});

describe('indexing', () => {
  test('ints, slices, None, Ellipsis', () => {
    const x = T([8, 3, 64, 64]);
    assert.deepEqual(shapeOf(indexShape(x, I(0))), [3, 64, 64]);
    assert.deepEqual(shapeOf(indexShape(x, TU(SL(), I(0)))), [8, 64, 64]);
    assert.deepEqual(shapeOf(indexShape(x, TU(SL(N, I(4))))), [4, 3, 64, 64]);
    assert.deepEqual(shapeOf(indexShape(x, TU(E, SL(N, N, I(2))))), [8, 3, 64, 32]);
    assert.deepEqual(shapeOf(indexShape(x, TU(N, E, N))), [1, 8, 3, 64, 64, 1]);
    assert.deepEqual(shapeOf(indexShape(T([5]), SL(I(-10), I(10)))), [5]);
    raises(() => indexShape(T([3]), I(5)), 'index 5 is out of bounds for dimension 0 with size 3', 'IndexError');
    raises(() => indexShape(T([3, 4]), TU(SL(), I(-5))), 'index -5 is out of bounds for dimension 1 with size 4', 'IndexError');
    raises(() => indexShape(T([3]), TU(I(0), I(0))), 'too many indices for tensor of dimension 1', 'IndexError');
    raises(() => indexShape(T([3]), SL(I(0), I(2), I(-1))), 'step must be greater than zero', 'ValueError');
    raises(() => indexShape(T([]), I(0)),
      'invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number', 'IndexError');
  });
  test('advanced indexing', () => {
    const x = T([3, 4, 5]);
    assert.deepEqual(shapeOf(indexShape(x, TU(I(0), SL(), L(I(1), I(2))))), [4, 2]);
    assert.deepEqual(shapeOf(indexShape(x, TU(SL(), L(I(0), I(1)), N, L(I(1), I(2))))), [2, 3, 1]);
    assert.deepEqual(shapeOf(indexShape(x, T([2, 2], 'int64'))), [2, 2, 4, 5]);
    assert.deepEqual(shapeOf(indexShape(T([3, 4]), L(B(true), B(false), B(true)))), [2, 4]);
    raises(() => indexShape(x, TU(L(I(0), I(1)), L(I(0), I(1), I(2)))),
      'shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]', 'IndexError');
    raises(() => indexShape(x, T([3, 5], 'bool')),
      'The shape of the mask [3, 5] at index 1 does not match the shape of the indexed tensor [3, 4, 5] at index 1', 'IndexError');
    raises(() => indexShape(x, T([2])), 'tensors used as indices must be long, byte or bool tensors', 'IndexError');
    raises(() => indexShape(T([3, 4]), TU(SL(), L(I(0), I(5)))), 'index 5 is out of bounds for dimension 0 with size 4', 'IndexError');
    // a tensor mask selects an unknown number of elements
    const r = indexShape(x, T([3, 4], 'bool'));
    assert.deepEqual([shapeOf(r), dtypeOf(r)], [null, 'float32']);
  });
  test('unknown shapes and indices give unknown shapes', () => {
    assert.equal(shapeOf(indexShape(T(null), I(0))), null);
    assert.equal(shapeOf(indexShape(T([3, 4]), { k: 'unknown', why: 'x' })), null);
  });
});

describe('conversion, metadata, factories on tensors', () => {
  test('to, type, float, long …', () => {
    assert.equal(dtypeOf(m('to', T([2]), [S('float64')])), 'float64');
    assert.equal(dtypeOf(m('to', T([2]), [S('cuda')])), 'float32');
    assert.equal(dtypeOf(m('to', T([2]), [{ k: 'unknown', why: 'device' }])), 'float32');
    assert.equal(dtypeOf(m('to', T([2]), [S('cpu'), S('int64')])), 'int64');
    assert.equal(dtypeOf(m('to', T([2]), [T([1], 'float16')])), 'float16');
    assert.equal(dtypeOf(m('to', T([2]), [], { dtype: S('torch.long') })), 'int64');
    assert.deepEqual(m('type', T([2], 'int64')), S('torch.LongTensor'));
    assert.equal(dtypeOf(m('type', T([2]), [S('torch.cuda.HalfTensor')])), 'float16');
    assert.equal(dtypeOf(m('long', T([2]))), 'int64');
    assert.equal(dtypeOf(m('type_as', T([2]), [T([1], 'float64')])), 'float64');
    // shape-preserving conversions keep working on unknown shapes
    const u = m('cuda', T(null, 'float16'));
    assert.deepEqual([shapeOf(u), dtypeOf(u)], [null, 'float16']);
  });
  test('size, dim, numel, item', () => {
    assert.deepEqual(m('size', T([8, 3])), { k: 'tuple', items: [I(8), I(3)], size: true });
    assert.deepEqual(m('size', T([8, 3]), [I(-1)]), I(3));
    raises(() => m('size', T([8, 3]), [I(2)]), 'Dimension out of range (expected to be in range of [-2, 1], but got 2)', 'IndexError');
    assert.deepEqual(m('dim', T([8, 3])), I(2));
    assert.deepEqual(m('numel', T([8, 3])), I(24));
    assert.deepEqual(m('item', T([])), { k: 'unknown', why: 'tensor values are not known statically' });
    assert.throws(() => m('size', T(null)), UnknownValue);
  });
  test('new_* and fill_', () => {
    assert.deepEqual(shapeOf(m('new_zeros', T([2], 'int64'), [I(4), I(5)])), [4, 5]);
    assert.equal(dtypeOf(m('new_ones', T([2], 'int64'), [TU(I(4))])), 'int64');
    assert.equal(dtypeOf(m('new_full', T([2]), [TU(I(4)), I(2)])), 'float32');
    raises(() => m('new_zeros', T([2]), [I(-1)]), 'Trying to create tensor with negative dimension -1: [-1]');
    assert.deepEqual(shapeOf(m('fill_', T([4]), [F(0.9)])), [4]);
  });
  test('tensorAttr', () => {
    assert.deepEqual(tensorAttr(T([2, 3]), 'shape'), { k: 'tuple', items: [I(2), I(3)], size: true });
    assert.deepEqual(shapeOf(tensorAttr(T([2, 3, 4]), 'mT')!), [2, 4, 3]);
    assert.deepEqual(shapeOf(tensorAttr(T([2, 3, 4]), 'T')!), [4, 3, 2]);
    raises(() => tensorAttr(T([3]), 'mT'), 'tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.');
  });
});

describe('helpers', () => {
  test('dtypes', () => {
    assert.equal(promoteTypes('uint8', 'int32'), 'int32');
    assert.equal(promoteTypes('int64', 'float16'), 'float16');
    assert.equal(dtypeArg({ k: 'unknown', why: '?' }), 'float32');
    assert.equal(dtypeArg(S('torch.float64')), 'float64');
    assert.equal(dtypeArg(N), null);
    raises(() => checkScalarFits(I(300), 'uint8'), 'value cannot be converted to type uint8_t without overflow');
    checkScalarFits(I(-255), 'uint8');
  });
  test('pyData', () => {
    assert.deepEqual(pyData(L(L(I(1), I(2)), L(I(3), I(4)))), { shape: [2, 2], dtype: 'int64', values: [1, 2, 3, 4] });
    assert.equal(pyData(L(I(1), F(2))).dtype, 'float32');
    assert.equal(pyData(L(L(), L(I(1)))).dtype, 'float32');
    raises(() => pyData(L(L(I(1), I(2)), L(I(3)))), 'expected sequence of length 2 at dim 1 (got 1)', 'ValueError');
  });
});
