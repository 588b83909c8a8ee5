import { test } from 'node:test';
import assert from 'node:assert/strict';
import { family as pool } from '../../../src/core/torch/pool';
import { UnknownValue } from '../../../src/core/torch/types';
import { tensor } from '../../../src/core/python/values';
import { T, build, call, fn, params, raises, shapeOf, tup, none } from './convPoolHelpers';

test('MaxPool2d(2) halves; no parameters; formula', () => {
  const m = build(pool, 'MaxPool2d', [2]);
  assert.deepEqual(shapeOf(call(m, T(1, 3, 8, 8))), [1, 3, 4, 4]);
  assert.deepEqual(shapeOf(call(m, T(3, 9, 9))), [3, 4, 4]);
  assert.equal(params(m), 0);
  assert.deepEqual(m.def.formula!(m.cfg, [1, 3, 8, 8], [1, 3, 4, 4]), [
    'H_out = ⌊(8 + 2·0 − 1·(2 − 1) − 1)/2⌋ + 1 = 4',
    'W_out = ⌊(8 + 2·0 − 1·(2 − 1) − 1)/2⌋ + 1 = 4',
  ]);
});

test('ceil_mode: the last window must start inside the input or the left padding', () => {
  // ⌈(5 + 2 − 1 − 1)/2⌉ + 1 = 4, but the 4th window would start at 6 ≥ 5 + 1, so it is dropped
  const m = build(pool, 'MaxPool2d', [2, 2, 1], { ceil_mode: true });
  assert.deepEqual(shapeOf(call(m, T(1, 3, 5, 5))), [1, 3, 3, 3]);
  assert.match(m.def.formula!(m.cfg, [1, 3, 5, 5], [1, 3, 3, 3])[0], /^H_out = ⌈\(5 \+ 2·1 − 1·\(2 − 1\) − 1\)\/2⌉ \+ 1 = 3 \(/);
  assert.deepEqual(shapeOf(call(build(pool, 'MaxPool2d', [3, 2], { ceil_mode: true }), T(1, 3, 8, 8))), [1, 3, 4, 4]);
});

test('max pool errors: padding more than half the kernel, output too small, wrong dims', () => {
  raises(() => call(build(pool, 'MaxPool2d', [2], { padding: 2 }), T(1, 3, 8, 8)),
    'pad should be at most half of kernel size, but got pad=2 and kernel_size=2');
  raises(() => call(build(pool, 'MaxPool2d', [5]), T(1, 3, 4, 4)),
    'Given input size: (3x4x4). Calculated output size: (3x0x0). Output size is too small');
  raises(() => call(build(pool, 'MaxPool2d', [2]), T(3, 4)), 'non-empty 3D or 4D (batch mode) tensor expected for input');
  raises(() => call(build(pool, 'MaxPool2d', [2], { stride: 0 }), T(1, 3, 6, 6)), 'stride should not be zero');
  raises(() => call(build(pool, 'MaxPool3d', [5]), T(1, 3, 4, 8, 8)),
    'Given input size: (3x4x8x8). Calculated output size: (3x0x1x1). Output size is too small');
});

test('return_indices gives a (values, indices) tuple', () => {
  const r = call(build(pool, 'MaxPool2d', [2], { return_indices: true }), T(1, 3, 8, 8));
  assert.equal(r.k, 'tuple');
  assert.deepEqual(shapeOf(r), [[1, 3, 4, 4], [1, 3, 4, 4]]);
  assert.equal(r.k === 'tuple' && r.items[1].k === 'tensor' ? r.items[1].dtype : '', 'int64');
  assert.deepEqual(shapeOf(fn(pool, 'functional', 'max_pool1d', [T(1, 3, 8), 2], { return_indices: true })), [[1, 3, 4], [1, 3, 4]]);
});

test('max_pool1d (no grad) allows an empty output and has its own wording; with indices it goes through 2d', () => {
  assert.deepEqual(shapeOf(call(build(pool, 'MaxPool1d', [5]), T(1, 3, 4))), [1, 3, 0]);
  raises(() => fn(pool, 'functional', 'max_pool1d', [T(1, 3, 2), 5, 1]), 'max_pool1d() Invalid computed output size: -2');
  raises(() => call(build(pool, 'MaxPool1d', [2], { padding: 2 }), T(1, 3, 8)),
    'max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2');
  raises(() => call(build(pool, 'MaxPool1d', [5], { return_indices: true }), T(1, 3, 4)),
    'Given input size: (3x1x4). Calculated output size: (3x1x0). Output size is too small');
  raises(() => call(build(pool, 'MaxPool1d', [2]), T(4)),
    'max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[4]');
});

test('avg pools', () => {
  assert.deepEqual(shapeOf(call(build(pool, 'AvgPool2d', [3], { stride: 2, padding: 1 }), T(2, 4, 15, 15))), [2, 4, 8, 8]);
  raises(() => call(build(pool, 'AvgPool2d', [2]), T(3, 4)),
    'Dimension out of range (expected to be in range of [-2, 1], but got -3)', 'IndexError');
  raises(() => call(build(pool, 'AvgPool2d', [2], { divisor_override: 0 }), T(1, 3, 6, 6)), 'divisor must be not zero');
  raises(() => call(build(pool, 'AvgPool1d', [5]), T(4)),
    "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)");
  raises(() => call(build(pool, 'AvgPool1d', [5]), T(1, 3, 4)),
    'Given input size: (3x1x4). Calculated output size: (3x1x0). Output size is too small');
  // avg_pool3d compares the unpadded input with the kernel
  raises(() => call(build(pool, 'AvgPool3d', [3], { padding: 1 }), T(1, 3, 2, 8, 8)),
    'input image (T: 2 H: 8 W: 8) smaller than kernel size (kT: 3 kH: 3 kW: 3)');
  assert.deepEqual(shapeOf(call(build(pool, 'MaxPool3d', [3], { padding: 1 }), T(1, 3, 2, 8, 8))), [1, 3, 1, 3, 3]);
  assert.deepEqual(build(pool, 'AvgPool2d', [2]).def.formula!(build(pool, 'AvgPool2d', [2]).cfg, [1, 3, 8, 8], [1, 3, 4, 4])[0],
    'H_out = ⌊(8 + 2·0 − 2)/2⌋ + 1 = 4');
});

test('adaptive pools: None keeps a dim; output size 1 is a mean over the last dims', () => {
  assert.deepEqual(shapeOf(call(build(pool, 'AdaptiveAvgPool2d', [tup(null, 3)]), T(1, 3, 8, 8))), [1, 3, 8, 3]);
  assert.deepEqual(shapeOf(call(build(pool, 'AdaptiveAvgPool2d', [1]), T(8, 8))), [1, 1]);
  assert.deepEqual(shapeOf(call(build(pool, 'AdaptiveAvgPool2d', [1]), T(2, 2, 2, 8, 8))), [2, 2, 2, 1, 1]);
  raises(() => call(build(pool, 'AdaptiveAvgPool2d', [3]), T(8, 8)), 'adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [8, 8]');
  raises(() => call(build(pool, 'AdaptiveAvgPool2d', [tup(2, null)]), T(8, 8)), 'Input dimension should be at least 3', 'ValueError');
  raises(() => call(build(pool, 'AdaptiveAvgPool3d', [-1]), T(1, 3, 8, 8, 8)),
    'adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, -1,-1}');
  assert.deepEqual(shapeOf(call(build(pool, 'AdaptiveMaxPool2d', [tup(null, 3)], { return_indices: true }), T(1, 3, 8, 8))), [[1, 3, 8, 3], [1, 3, 8, 3]]);
  raises(() => call(build(pool, 'AdaptiveMaxPool1d', [-1]), T(1, 3, 8)), 'Trying to create tensor with negative dimension -1: [1, 3, 1, -1]');
  raises(() => fn(pool, 'functional', 'adaptive_avg_pool1d', [T(1, 3, 8), none]),
    "adaptive_avg_pool1d(): argument 'output_size' (position 2) must be tuple of ints, not NoneType", 'TypeError');
  assert.deepEqual(shapeOf(fn(pool, 'torch', 'adaptive_max_pool1d', [T(1, 3, 8), 4])), [[1, 3, 4], [1, 3, 4]]);
});

test('the output keeps the input dtype; indices are int64', () => {
  const r = call(build(pool, 'MaxPool2d', [2], { return_indices: true }), tensor([1, 3, 8, 8], 'float64'));
  assert.ok(r.k === 'tuple' && r.items[0].k === 'tensor' && r.items[1].k === 'tensor');
  if (r.k === 'tuple' && r.items[0].k === 'tensor' && r.items[1].k === 'tensor') {
    assert.equal(r.items[0].dtype, 'float64');
    assert.equal(r.items[1].dtype, 'int64');
  }
});

test('an unknown input shape propagates as UnknownValue', () => {
  assert.throws(() => call(build(pool, 'MaxPool2d', [2]), tensor(null)), UnknownValue);
  assert.throws(() => fn(pool, 'functional', 'adaptive_avg_pool2d', [tensor(null), 1]), UnknownValue);
});
