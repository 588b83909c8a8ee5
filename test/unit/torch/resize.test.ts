import { test } from 'node:test';
import assert from 'node:assert/strict';
import { family as resize } from '../../../src/core/torch/resize';
import { UnknownValue } from '../../../src/core/torch/types';
import { tensor } from '../../../src/core/python/values';
import { T, build, call, fl, fn, lst, params, raises, shapeOf, tup, warnings } from './convPoolHelpers';

test('Upsample: integer and float scale factors (output = floor(in · scale))', () => {
  assert.deepEqual(shapeOf(call(build(resize, 'Upsample', [], { scale_factor: 2 }), T(1, 3, 8, 8))), [1, 3, 16, 16]);
  assert.deepEqual(shapeOf(call(build(resize, 'Upsample', [], { scale_factor: fl(1.5) }), T(1, 3, 7, 7))), [1, 3, 10, 10]);
  assert.deepEqual(shapeOf(call(build(resize, 'Upsample', [], { scale_factor: fl(0.3) }), T(1, 3, 7, 7))), [1, 3, 2, 2]);
  assert.deepEqual(shapeOf(call(build(resize, 'Upsample', [], { scale_factor: fl(1.1) }), T(1, 3, 10, 10))), [1, 3, 11, 11]);
  assert.deepEqual(shapeOf(call(build(resize, 'Upsample', [], { scale_factor: fl(1.7), mode: 'linear' }), T(1, 3, 7))), [1, 3, 11]);
  assert.deepEqual(shapeOf(call(build(resize, 'Upsample', [], { size: tup(5, 6) }), T(1, 3, 7, 7))), [1, 3, 5, 6]);
  const m = build(resize, 'Upsample', [], { scale_factor: 2 });
  assert.deepEqual(m.def.formula!(m.cfg, [1, 3, 8, 8], [1, 3, 16, 16]), ['H_out = ⌊8 × 2.0⌋ = 16', 'W_out = ⌊8 × 2.0⌋ = 16']);
  assert.equal(params(m), 0);
});

test('Upsample errors, in F.interpolate order', () => {
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: fl(0.1) }), T(1, 3, 7, 7)),
    'Input and output sizes should be greater than 0, but got input (H: 7, W: 7) output (H: 0, W: 0)');
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: fl(0.1) }), T(1, 3, 8)),
    'Input and output sizes should be greater than 0, but got input (W: 8) and output (W: 0)');
  raises(() => call(build(resize, 'Upsample', [], { size: 3, scale_factor: 2 }), T(1, 3, 7, 7)),
    'only one of size or scale_factor should be defined', 'ValueError');
  raises(() => call(build(resize, 'Upsample', []), T(1, 3, 7, 7)), 'either size or scale_factor should be defined', 'ValueError');
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: 0 }), T(1, 3, 7, 7)), 'either size or scale_factor should be defined', 'ValueError');
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: 2, align_corners: true }), T(1, 3, 7, 7)),
    'align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear', 'ValueError');
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: 2, mode: 'bilinear' }), T(3, 7, 7)),
    'Got 3D input, but bilinear mode needs 4D input', 'NotImplementedError');
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: 2 }), T(7, 7)),
    'Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got nearest)',
    'NotImplementedError');
  raises(() => call(build(resize, 'Upsample', [], { scale_factor: tup(2, 2, 2) }), T(1, 3, 7, 7)),
    'Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of [7, 7] and scale_factor of shape (2.0, 2.0, 2.0). Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.',
    'ValueError');
  raises(() => build(resize, 'Upsample', [], { scale_factor: lst(2, 2) }), "float() argument must be a string or a real number, not 'list'", 'TypeError');
});

test('UpsamplingNearest2d / UpsamplingBilinear2d and the functional forms', () => {
  assert.deepEqual(shapeOf(call(build(resize, 'UpsamplingNearest2d', [], { scale_factor: 2 }), T(1, 3, 10, 10))), [1, 3, 20, 20]);
  assert.deepEqual(shapeOf(call(build(resize, 'UpsamplingBilinear2d', [], { scale_factor: 2 }), T(1, 3, 10, 10))), [1, 3, 20, 20]);
  assert.deepEqual(shapeOf(fn(resize, 'functional', 'interpolate', [T(1, 3, 10, 10)], { size: lst(4, 5) })), [1, 3, 4, 5]);
  assert.deepEqual(shapeOf(fn(resize, 'functional', 'interpolate', [T(1, 3, 7, 7)], { scale_factor: fl(0.1), mode: 'area' })), [1, 3, 0, 0]);
  warnings.length = 0;
  assert.deepEqual(shapeOf(fn(resize, 'functional', 'upsample', [T(1, 3, 10, 10)], { size: 3 })), [1, 3, 3, 3]);
  assert.deepEqual(warnings, ['nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.']);
});

test('PixelShuffle / PixelUnshuffle', () => {
  assert.deepEqual(shapeOf(call(build(resize, 'PixelShuffle', [2]), T(1, 12, 10, 10))), [1, 3, 20, 20]);
  assert.deepEqual(shapeOf(call(build(resize, 'PixelShuffle', [2]), T(2, 1, 12, 10, 10))), [2, 1, 3, 20, 20]);
  assert.deepEqual(shapeOf(call(build(resize, 'PixelUnshuffle', [2]), T(1, 3, 10, 10))), [1, 12, 5, 5]);
  raises(() => call(build(resize, 'PixelShuffle', [2]), T(1, 6, 10, 10)),
    "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=6 is not divisible by 4");
  raises(() => call(build(resize, 'PixelShuffle', [2]), T(10, 10)),
    'pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 dimension(s)');
  raises(() => call(build(resize, 'PixelUnshuffle', [3]), T(1, 3, 9, 8)),
    'pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=8 is not divisible by 3');
  raises(() => call(build(resize, 'PixelShuffle', [fl(2)]), T(1, 12, 10, 10)),
    "pixel_shuffle(): argument 'upscale_factor' (position 2) must be int, not float", 'TypeError');
  raises(() => fn(resize, 'functional', 'pixel_unshuffle', [T(1, 3, 10, 10), 0]), 'pixel_unshuffle expects a positive downscale_factor, but got 0');
});

test('an unknown input shape propagates as UnknownValue', () => {
  assert.throws(() => call(build(resize, 'Upsample', [], { scale_factor: 2 }), tensor(null)), UnknownValue);
  assert.throws(() => fn(resize, 'functional', 'interpolate', [T(1, 3, 4, 4)], { scale_factor: { k: 'unknown', why: 'argv' } }), UnknownValue);
});
