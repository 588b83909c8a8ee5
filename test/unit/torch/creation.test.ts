/**
 * Unit tests of creation.ts: the tensor factories' shapes, dtypes and PyTorch 1.13's messages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor, type DType, type Py, type TensorVal } from '../../../src/core/python/values';
import { family } from '../../../src/core/torch/creation';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';

const I = (v: number): Py => ({ k: 'int', v });
const F = (v: number): Py => ({ k: 'float', v });
const B = (v: boolean): Py => ({ k: 'bool', v });
const S = (v: string): Py => ({ k: 'str', v });
const TU = (...items: Py[]): Py => ({ k: 'tuple', items });
const L = (...items: Py[]): Py => ({ k: 'list', items });
const SIZE = (...d: number[]): Py => ({ k: 'tuple', items: d.map(I), size: true });
const U: Py = { k: 'unknown', why: 'device' };
const T = (shape: number[] | null, dtype: DType = 'float32'): TensorVal => tensor(shape, dtype);

function t(name: string, args: Py[] = [], kw: Record<string, Py> = {}): TensorVal {
  const fn = family.torch![name];
  assert.ok(fn, `no torch.${name}`);
  const r = fn({ pos: args, kw: new Map(Object.entries(kw)) }, { warn() {} });
  assert.equal(r.k, 'tensor', `torch.${name} returned ${r.k}`);
  return r as TensorVal;
}
const sd = (r: TensorVal) => [r.shape, r.dtype];
function raises(f: () => unknown, msg: string, type = 'RuntimeError'): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TorchError, `expected TorchError, got ${String(e)}`);
    assert.equal(e.message, msg);
    assert.equal(e.pyType, type);
    return true;
  });
}

describe('size factories', () => {
  test('varargs, a sequence, a torch.Size or size=', () => {
    assert.deepEqual(sd(t('randn', [I(8), I(3), I(64), I(64)])), [[8, 3, 64, 64], 'float32']);
    assert.deepEqual(sd(t('randn', [TU(I(8), I(3), I(64), I(64))])), [[8, 3, 64, 64], 'float32']);
    assert.deepEqual(sd(t('zeros', [L(I(2), I(3))])), [[2, 3], 'float32']);
    assert.deepEqual(sd(t('ones', [SIZE(4, 1)])), [[4, 1], 'float32']);
    assert.deepEqual(sd(t('empty', [], { size: TU(I(2)) })), [[2], 'float32']);
    assert.deepEqual(sd(t('rand', [TU()])), [[], 'float32']);
  });
  test('dtype=, device=, requires_grad=', () => {
    assert.deepEqual(sd(t('zeros', [I(2)], { dtype: S('int64'), device: S('cuda') })), [[2], 'int64']);
    assert.deepEqual(sd(t('randn', [I(2)], { dtype: U, device: U, requires_grad: B(true) })), [[2], 'float32']);
    raises(() => t('randn', [I(2)], { dtype: S('int64') }), `"normal_kernel_cpu" not implemented for 'Long'`);
    raises(() => t('zeros', [I(2)], { dtype: S('int64'), requires_grad: B(true) }), 'Only Tensors of floating point and complex dtype can require gradients');
  });
  test('negative sizes', () => {
    raises(() => t('zeros', [I(2), I(-3)]), 'Trying to create tensor with negative dimension -3: [2, -3]');
    raises(() => t('randn', [L(I(-1))]), 'Trying to create tensor with negative dimension -1: [-1]');
  });
  test('unknown sizes', () => {
    assert.throws(() => t('randn', [U, I(100)]), UnknownValue);
  });
});

describe('full and randint', () => {
  test("full infers the fill value's dtype", () => {
    assert.deepEqual(sd(t('full', [TU(I(8)), F(1)])), [[8], 'float32']);
    assert.deepEqual(sd(t('full', [TU(I(8)), I(1)])), [[8], 'int64']);
    assert.deepEqual(sd(t('full', [TU(I(8)), B(true)])), [[8], 'bool']);
    assert.deepEqual(sd(t('full', [TU(I(8)), I(1)], { dtype: S('float32') })), [[8], 'float32']);
    raises(() => t('full', [I(8), F(1)]), "full(): argument 'size' (position 1) must be tuple of SymInts, not int", 'TypeError');
    raises(() => t('full', [TU(I(2)), F(-1e9)], { dtype: S('float16') }), 'value cannot be converted to type at::Half without overflow');
  });
  test('randint: (high, size) and (low, high, size)', () => {
    assert.deepEqual(sd(t('randint', [I(10), TU(I(4), I(2))])), [[4, 2], 'int64']);
    assert.deepEqual(sd(t('randint', [I(1), I(10), TU(I(4))])), [[4], 'int64']);
    assert.deepEqual(sd(t('randint', [], { low: I(0), high: I(2), size: TU(I(3)), dtype: S('float32') })), [[3], 'float32']);
    raises(() => t('randint', [I(5), I(3), TU(I(2))]), "random_ expects 'from' to be less than 'to', but got from=5 >= to=3");
  });
});

describe('_like factories', () => {
  test('shape and dtype of the input, dtype= overrides', () => {
    assert.deepEqual(sd(t('zeros_like', [T([2, 3], 'int64')])), [[2, 3], 'int64']);
    assert.deepEqual(sd(t('ones_like', [T([2, 3])], { dtype: S('float64') })), [[2, 3], 'float64']);
    assert.deepEqual(sd(t('full_like', [T([2], 'int64'), F(1.5)])), [[2], 'int64']);
    assert.deepEqual(sd(t('randn_like', [T(null)])), [null, 'float32']);
    raises(() => t('rand_like', [T([2], 'int64')]), `"check_uniform_bounds" not implemented for 'Long'`);
  });
});

describe('ranges', () => {
  test('arange length and dtype', () => {
    assert.deepEqual(sd(t('arange', [I(5)])), [[5], 'int64']);
    assert.deepEqual(sd(t('arange', [F(5)])), [[5], 'float32']);
    assert.deepEqual(sd(t('arange', [I(1), I(5), I(2)])), [[2], 'int64']);
    assert.deepEqual(sd(t('arange', [I(0), I(1), F(0.1)])), [[10], 'float32']);
    assert.deepEqual(sd(t('arange', [I(0), F(0.3), F(0.1)])), [[3], 'float32']);
    assert.deepEqual(sd(t('arange', [I(5), I(1), I(-1)])), [[4], 'int64']);
    assert.deepEqual(sd(t('arange', [F(0.5)], { dtype: S('int64') })), [[0], 'int64']);
    raises(() => t('arange', [I(0), I(10), I(0)]), 'step must be nonzero');
    raises(() => t('arange', [I(10), I(0)]), 'upper bound and larger bound inconsistent with step sign');
  });
  test('linspace, logspace, eye', () => {
    assert.deepEqual(sd(t('linspace', [I(0), I(1), I(5)])), [[5], 'float32']);
    assert.deepEqual(sd(t('logspace', [I(0), I(1)], { steps: I(3) })), [[3], 'float32']);
    raises(() => t('linspace', [I(0), I(1), I(-1)]), 'number of steps must be non-negative');
    assert.deepEqual(sd(t('eye', [I(3)])), [[3, 3], 'float32']);
    assert.deepEqual(sd(t('eye', [I(3), I(4)], { dtype: S('int64') })), [[3, 4], 'int64']);
    raises(() => t('eye', [I(-1)]), 'n must be greater or equal to 0, got -1');
  });
});

describe('tensor(data)', () => {
  test('shape and dtype from nested data', () => {
    assert.deepEqual(sd(t('tensor', [I(3)])), [[], 'int64']);
    assert.deepEqual(sd(t('tensor', [F(3)])), [[], 'float32']);
    assert.deepEqual(sd(t('tensor', [L(L(I(1), I(2)), L(I(3), I(4)))])), [[2, 2], 'int64']);
    assert.deepEqual(sd(t('tensor', [L(B(true), I(1))])), [[2], 'int64']);
    assert.deepEqual(sd(t('tensor', [TU(F(1), I(2), B(true))])), [[3], 'float32']);
    assert.deepEqual(sd(t('tensor', [L()])), [[0], 'float32']);
    assert.deepEqual(sd(t('tensor', [L(L())])), [[1, 0], 'float32']);
    assert.deepEqual(sd(t('tensor', [L(I(1), I(2))], { dtype: S('float32') })), [[2], 'float32']);
    assert.deepEqual(sd(t('as_tensor', [T([2, 3], 'int64')], { dtype: S('float32') })), [[2, 3], 'float32']);
  });
  test("PyTorch's errors", () => {
    raises(() => t('tensor', [L(L(I(1), I(2)), L(I(3)))]), 'expected sequence of length 2 at dim 1 (got 1)', 'ValueError');
    raises(() => t('tensor', [L(L(I(1), I(2)), I(3))]), 'not a sequence', 'TypeError');
    raises(() => t('tensor', [L(I(1), S('a'))]), "new(): invalid data type 'str'", 'TypeError');
    raises(() => t('tensor', [L(I(1), I(2))], { requires_grad: B(true) }), 'Only Tensors of floating point and complex dtype can require gradients');
    raises(() => t('tensor', [L(T([2]), T([2]))]), 'only one element tensors can be converted to Python scalars', 'ValueError');
  });
  test('from_numpy is unknown', () => {
    const r = family.torch!.from_numpy({ pos: [U], kw: new Map() }, { warn() {} });
    assert.equal(r.k, 'unknown');
  });
});

describe('normal and randperm', () => {
  test('forms', () => {
    assert.deepEqual(sd(t('normal', [F(0), F(1), TU(I(2), I(3))])), [[2, 3], 'float32']);
    assert.deepEqual(sd(t('normal', [T([2, 3]), F(1)])), [[2, 3], 'float32']);
    assert.deepEqual(sd(t('normal', [F(0), T([3], 'float64')])), [[3], 'float64']);
    assert.deepEqual(sd(t('normal', [T([2, 3]), T([3])])), [[2, 3], 'float32']);
    raises(() => t('normal', [T([2, 3]), T([4])]), 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1');
    raises(() => t('normal', [F(0), F(-1), TU(I(2))]), 'normal expects std >= 0.0, but found std -1');
    assert.deepEqual(sd(t('randperm', [I(5)])), [[5], 'int64']);
  });
});
