import { test } from 'node:test';
import assert from 'node:assert/strict';
import { family as conv } from '../../../src/core/torch/conv';
import { UnknownValue } from '../../../src/core/torch/types';
import { tensor } from '../../../src/core/python/values';
import { T, build, call, fn, lst, params, raises, shapeOf, tup, none } from './convPoolHelpers';

test('DCGAN discriminator conv halves 64x64: Conv2d(3, 64, 4, 2, 1)', () => {
  const m = build(conv, 'Conv2d', [3, 64, 4, 2, 1]);
  assert.deepEqual(shapeOf(call(m, T(1, 3, 64, 64))), [1, 64, 32, 32]);
  assert.equal(params(m), 64 * 3 * 16 + 64);
  assert.deepEqual(m.def.parameters(m.cfg).map((p) => p.name), ['weight', 'bias']);
  assert.deepEqual(m.def.formula!(m.cfg, [1, 3, 64, 64], [1, 64, 32, 32]), [
    'H_out = ⌊(64 + 2·1 − 1·(4 − 1) − 1)/2⌋ + 1 = 32',
    'W_out = ⌊(64 + 2·1 − 1·(4 − 1) − 1)/2⌋ + 1 = 32',
  ]);
  assert.equal(m.def.resizes, true);
});

test('DCGAN generator: ConvTranspose2d(100, 512, 4, 1, 0, bias=False) maps 1x1 noise to 4x4', () => {
  const m = build(conv, 'ConvTranspose2d', [100, 512, 4, 1, 0], { bias: false });
  assert.deepEqual(shapeOf(call(m, T(1, 100, 1, 1))), [1, 512, 4, 4]);
  assert.deepEqual(m.def.parameters(m.cfg), [{ name: 'weight', shape: [100, 512, 4, 4] }]);
  assert.deepEqual(m.def.formula!(m.cfg, [1, 100, 1, 1], [1, 512, 4, 4])[0], 'H_out = (1 − 1)·1 − 2·0 + 1·(4 − 1) + 0 + 1 = 4');
});

test('grouped transposed conv weight is [in, out/groups, *k]', () => {
  const m = build(conv, 'ConvTranspose2d', [8, 6, 3], { groups: 2 });
  assert.deepEqual(m.def.parameters(m.cfg)[0].shape, [8, 3, 3, 3]);
  assert.equal(params(m), 222);
});

test('kernel larger than the padded input: PyTorch wording', () => {
  const m = build(conv, 'Conv2d', [3, 4, 4]);
  raises(() => call(m, T(1, 3, 2, 2)),
    "Calculated padded input size per channel: (2 x 2). Kernel size: (4 x 4). Kernel size can't be greater than actual input size");
  raises(() => call(build(conv, 'Conv1d', [4, 3, 3]), T(1, 4, 2)),
    "Calculated padded input size per channel: (2). Kernel size: (3). Kernel size can't be greater than actual input size");
});

test('wrong channel count, batched and unbatched (the message shows the batched shape)', () => {
  const m = build(conv, 'Conv2d', [3, 4, 4]);
  raises(() => call(m, T(1, 1, 8, 8)),
    'Given groups=1, weight of size [4, 3, 4, 4], expected input[1, 1, 8, 8] to have 3 channels, but got 1 channels instead');
  raises(() => call(m, T(1, 8, 8)),
    'Given groups=1, weight of size [4, 3, 4, 4], expected input[1, 1, 8, 8] to have 3 channels, but got 1 channels instead');
  assert.deepEqual(shapeOf(call(m, T(3, 8, 8))), [4, 5, 5]);
});

test('wrong number of dims', () => {
  raises(() => call(build(conv, 'Conv2d', [3, 4, 4]), T(8, 100)),
    'Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [8, 100]');
  raises(() => call(build(conv, 'ConvTranspose2d', [3, 4, 4]), T(8, 100)),
    'Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [8, 100]');
});

test('constructor ValueErrors', () => {
  raises(() => build(conv, 'Conv2d', [3, 4, 3], { groups: 2 }), 'in_channels must be divisible by groups', 'ValueError');
  raises(() => build(conv, 'Conv2d', [4, 3, 3], { groups: 2 }), 'out_channels must be divisible by groups', 'ValueError');
  raises(() => build(conv, 'Conv2d', [4, 4, 3], { groups: 0 }), 'groups must be a positive integer', 'ValueError');
  raises(() => build(conv, 'Conv2d', [4, 4, 3], { stride: 2, padding: 'same' }),
    "padding='same' is not supported for strided convolutions", 'ValueError');
  raises(() => build(conv, 'Conv2d', [4, 4, 3], { padding: 'foo' }),
    "Invalid padding string 'foo', should be one of {'same', 'valid'}", 'ValueError');
  raises(() => build(conv, 'Conv2d', [4, 4, 3], { padding_mode: 'foo' }),
    "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='foo'", 'ValueError');
  raises(() => build(conv, 'ConvTranspose2d', [4, 4, 3], { padding_mode: 'reflect' }),
    'Only "zeros" padding mode is supported for ConvTranspose2d', 'ValueError');
  raises(() => build(conv, 'Conv2d', [4, 3, -1]), 'Trying to create tensor with negative dimension -1: [3, 4, -1, -1]');
});

test("padding='same' keeps the size, and an even kernel pads the input asymmetrically first", () => {
  const m = build(conv, 'Conv2d', [3, 8, 4], { padding: 'same' });
  assert.deepEqual(shapeOf(call(m, T(1, 3, 10, 7))), [1, 8, 10, 7]);
  raises(() => call(m, T(1, 2, 10, 7)),
    'Given groups=1, weight of size [8, 3, 4, 4], expected input[1, 2, 11, 8] to have 3 channels, but got 2 channels instead');
  raises(() => call(build(conv, 'Conv2d', [3, 4, 4], { padding: 'valid' }), T(1, 3, 2, 2)),
    "Calculated padded input size per channel: (2 x 2). Kernel size: (4 x 4). Kernel size can't be greater than actual input size");
});

test('transposed conv: output_padding must be smaller than stride or dilation; output too small', () => {
  raises(() => call(build(conv, 'ConvTranspose2d', [4, 3, 3], { stride: 2, output_padding: 2 }), T(1, 4, 8, 8)),
    'output padding must be smaller than either stride or dilation, but got output_padding_height: 2 output_padding_width: 2 stride_height: 2 stride_width: 2 dilation_height: 1 dilation_width: 1');
  raises(() => call(build(conv, 'ConvTranspose1d', [4, 3, 3], { stride: 2, output_padding: 2 }), T(1, 4, 8)),
    'output padding must be smaller than either stride or dilation, but got output_padding_height: 0 output_padding_width: 2 stride_height: 1 stride_width: 2 dilation_height: 1 dilation_width: 1');
  assert.deepEqual(shapeOf(call(build(conv, 'ConvTranspose2d', [4, 3, 3], { stride: 2, output_padding: 1 }), T(1, 4, 8, 8))), [1, 3, 18, 18]);
  raises(() => call(build(conv, 'ConvTranspose2d', [4, 3, 3], { padding: 5 }), T(1, 4, 2, 2)),
    'Given input size per channel: (2 x 2). Calculated output size per channel: (-6 x -6). Output size is too small');
  raises(() => call(build(conv, 'ConvTranspose2d', [4, 3, 3]), T(1, 5, 8, 8)),
    'Given transposed=1, weight of size [4, 3, 3, 3], expected input[1, 5, 8, 8] to have 4 channels, but got 5 channels instead');
});

test('ConvTranspose output_size picks the output padding, within range', () => {
  const m = build(conv, 'ConvTranspose2d', [4, 6, 3], { stride: 2 });
  assert.deepEqual(shapeOf(call(m, T(1, 4, 8, 8), { output_size: lst(18, 18) })), [1, 6, 18, 18]);
  assert.deepEqual(shapeOf(call(m, T(1, 4, 8, 8), { output_size: lst(1, 6, 18, 17) })), [1, 6, 18, 17]);
  raises(() => call(m, T(1, 4, 8, 8), { output_size: lst(19, 18) }),
    'requested an output size of [19, 18], but valid sizes range from [17, 17] to [18, 18] (for an input of torch.Size([8, 8]))', 'ValueError');
  raises(() => call(m, T(1, 4, 8, 8), { output_size: lst(19) }),
    'ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 1)', 'ValueError');
});

test('padding_mode reflect/circular go through F.pad and its checks', () => {
  assert.deepEqual(shapeOf(call(build(conv, 'Conv2d', [4, 3, 3], { padding: 1, padding_mode: 'reflect' }), T(1, 4, 8, 8))), [1, 3, 8, 8]);
  raises(() => call(build(conv, 'Conv2d', [4, 3, 5], { padding: 4, padding_mode: 'reflect' }), T(1, 4, 3, 3)),
    'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 4) at dimension 3 of input 4');
  raises(() => call(build(conv, 'Conv2d', [4, 3, 5], { padding: 4, padding_mode: 'circular' }), T(1, 4, 3, 3)),
    'Padding value causes wrapping around more than once.');
  raises(() => call(build(conv, 'Conv2d', [3, 8, 3], { padding: 1, padding_mode: 'circular' }), T(3, 8, 8)),
    'Invalid padding size, expected 2 but got 4');
  raises(() => call(build(conv, 'Conv2d', [4, 3, 3], { padding: 1, padding_mode: 'replicate' }), T(8, 100)),
    'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now', 'NotImplementedError');
});

test('functional conv2d: weight is a tensor argument; groups and bias checks', () => {
  assert.deepEqual(shapeOf(fn(conv, 'functional', 'conv2d', [T(1, 4, 8, 8), T(6, 2, 3, 3)], { groups: 2, padding: 1 })), [1, 6, 8, 8]);
  raises(() => fn(conv, 'functional', 'conv2d', [T(1, 3, 8, 8), T(4, 1, 3, 3)], { groups: 3 }),
    'Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[4, 1, 3, 3]] instead');
  raises(() => fn(conv, 'functional', 'conv2d', [T(1, 3, 8, 8), T(4, 3, 3, 3), T(5)]),
    'Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [5] instead');
  raises(() => fn(conv, 'functional', 'conv2d', [T(1, 3, 8, 8), T(4, 3, 3)]),
    'expected stride to be a single integer value or a list of 1 values to match the convolution dimensions, but got stride=[1, 1]');
  assert.deepEqual(shapeOf(fn(conv, 'torch', 'conv1d', [T(4, 8), T(4, 4, 2)])), [4, 7]);
  assert.deepEqual(shapeOf(fn(conv, 'functional', 'conv_transpose2d', [T(1, 4, 8, 8), T(4, 3, 3, 3), none, 2])), [1, 3, 17, 17]);
});

test('tuple arguments per dim', () => {
  const m = build(conv, 'Conv2d', [3, 8, tup(3, 5)], { stride: tup(1, 2), padding: tup(1, 2) });
  assert.deepEqual(shapeOf(call(m, T(2, 3, 16, 16))), [2, 8, 16, 8]);
  assert.deepEqual(shapeOf(call(build(conv, 'Conv3d', [2, 4, 3]), T(1, 2, 5, 6, 7))), [1, 4, 3, 4, 5]);
});

test('an unknown input shape propagates as UnknownValue', () => {
  const m = build(conv, 'Conv2d', [3, 8, 3]);
  assert.throws(() => call(m, tensor(null)), UnknownValue);
  assert.throws(() => call(m, { k: 'unknown', why: 'from a file' }), UnknownValue);
});
