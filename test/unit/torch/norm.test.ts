/** Unit tests of norm.ts (BatchNorm, InstanceNorm, LayerNorm, GroupNorm, LocalResponseNorm, F.*). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family } from '../../../src/core/torch/norm';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { FALSE, TRUE, int, tensor, tuple, type DType, type Py, type Shape } from '../../../src/core/python/values';

const list = (items: Py[]): Py => ({ k: 'list', items });

function make(name: string, args: Py[], kw: Record<string, Py> = {}) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: args, kw: new Map(Object.entries(kw)) }, def.extraKw));
  return {
    call: (x: Py, training = true) => def.forward(cfg, { pos: [x], kw: new Map() }, { warn: () => {}, training }),
    params: () => def.parameters(cfg),
    buffers: () => def.buffers?.(cfg) ?? [],
  };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
const shapeOf = (v: Py) => (v.k === 'tensor' ? v.shape : null);
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);

test('BatchNorm: parameters and buffers in named order', () => {
  const m = make('BatchNorm2d', [int(64)]);
  assert.deepEqual(m.params(), [{ name: 'weight', shape: [64] }, { name: 'bias', shape: [64] }]);
  assert.deepEqual(m.buffers(), [
    { name: 'running_mean', shape: [64] }, { name: 'running_var', shape: [64] }, { name: 'num_batches_tracked', shape: [] },
  ]);
  assert.deepEqual(make('BatchNorm2d', [int(4)], { affine: FALSE }).params(), []);
  assert.deepEqual(make('BatchNorm2d', [int(4)], { track_running_stats: FALSE }).buffers(), []);
});

test('BatchNorm: rank rule, channel rule, batch of one in training', () => {
  const bn1 = make('BatchNorm1d', [int(64)]);
  const bn2 = make('BatchNorm2d', [int(64)]);
  assert.deepEqual(shapeOf(bn2.call(t([8, 64, 4, 4]))), [8, 64, 4, 4]);
  throwsMsg(() => bn1.call(t([2, 64, 3, 3])), 'expected 2D or 3D input (got 4D input)', 'ValueError');
  throwsMsg(() => bn2.call(t([64, 3, 3])), 'expected 4D input (got 3D input)', 'ValueError');
  throwsMsg(() => make('BatchNorm2d', [int(128)]).call(t([2, 64, 3, 3])), 'running_mean should contain 64 elements not 128');
  throwsMsg(() => bn1.call(t([1, 64]), true), 'Expected more than 1 value per channel when training, got input size torch.Size([1, 64])', 'ValueError');
  assert.deepEqual(shapeOf(bn1.call(t([1, 64]), false)), [1, 64]);
  assert.deepEqual(shapeOf(bn2.call(t([1, 64, 2, 1]), true)), [1, 64, 2, 1]);
  // without running stats, eval mode still uses batch statistics
  const noTrack = make('BatchNorm2d', [int(4)], { track_running_stats: FALSE, affine: FALSE });
  throwsMsg(() => noTrack.call(t([1, 4, 1, 1]), false), 'Expected more than 1 value per channel when training, got input size torch.Size([1, 4, 1, 1])', 'ValueError');
  assert.throws(() => bn2.call(t(null)), UnknownValue);
});

test('InstanceNorm: unbatched input, affine and tracked stats', () => {
  const i2 = make('InstanceNorm2d', [int(4)]);
  assert.deepEqual(shapeOf(i2.call(t([4, 3, 3]))), [4, 3, 3]);
  assert.deepEqual(shapeOf(i2.call(t([2, 5, 3, 3]))), [2, 5, 3, 3]);
  throwsMsg(() => i2.call(t([4, 3])), 'expected 3D or 4D input (got 2D input)', 'ValueError');
  throwsMsg(() => i2.call(t([2, 4, 1, 1])), 'Expected more than 1 spatial element when training, got input size torch.Size([2, 4, 1, 1])', 'ValueError');
  throwsMsg(() => make('InstanceNorm2d', [int(4)], { affine: TRUE }).call(t([2, 5, 3, 3])), 'weight should contain 10 elements not 8');
  const tracked = make('InstanceNorm2d', [int(4)], { track_running_stats: TRUE });
  assert.deepEqual(shapeOf(tracked.call(t([2, 4, 1, 1]), false)), [2, 4, 1, 1]);
  assert.deepEqual(tracked.buffers().map((b) => b.name), ['running_mean', 'running_var', 'num_batches_tracked']);
});

test('LayerNorm and GroupNorm', () => {
  const ln = make('LayerNorm', [list([int(2), int(3)])]);
  assert.deepEqual(ln.params(), [{ name: 'weight', shape: [2, 3] }, { name: 'bias', shape: [2, 3] }]);
  assert.deepEqual(shapeOf(ln.call(t([5, 2, 3]))), [5, 2, 3]);
  throwsMsg(() => ln.call(t([2, 4, 3])), 'Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input of size[2, 4, 3]');
  throwsMsg(() => make('GroupNorm', [int(3), int(4)]), 'num_channels must be divisible by num_groups', 'ValueError');
  const gn = make('GroupNorm', [int(2), int(4)]);
  throwsMsg(() => gn.call(t([2, 5, 3])), 'Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 5, 3] and num_groups=2');
  throwsMsg(() => gn.call(t([2, 6, 3])),
    'Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [4] and input of shape [2, 6, 3]');
  throwsMsg(() => make('GroupNorm', [int(4), int(4)]).call(t([1, 4])), 'Expected more than 1 value per channel when training, got input size [1, 4]', 'ValueError');
});

test('LocalResponseNorm and F.normalize', () => {
  const lrn = make('LocalResponseNorm', [int(2)]);
  assert.deepEqual(shapeOf(lrn.call(t([2, 4, 3]))), [2, 4, 3]);
  throwsMsg(() => lrn.call(t([2, 4])), 'Expected 3D or higher dimensionality                          input (got 2 dimensions)', 'ValueError');
  const normalize = family.functional!.normalize;
  assert.deepEqual(shapeOf(normalize({ pos: [t([2, 3])], kw: new Map() }, { warn: () => {} })), [2, 3]);
  throwsMsg(() => normalize({ pos: [t([3])], kw: new Map() }, { warn: () => {} }), 'Dimension out of range (expected to be in range of [-1, 0], but got 1)', 'IndexError');
});

test('F.batch_norm / F.layer_norm argument checks', () => {
  const bn = family.functional!.batch_norm;
  const c = { warn: () => {} };
  throwsMsg(() => bn({ pos: [t([2, 4, 3]), t([4]), t([4]), t([5])], kw: new Map() }, c), 'weight should contain 4 elements not 5');
  throwsMsg(() => bn({ pos: [t([2, 4, 3]), { k: 'none' }, { k: 'none' }], kw: new Map() }, c), 'running_mean must be defined in evaluation mode');
  const ln = family.functional!.layer_norm;
  throwsMsg(() => ln({ pos: [t([2, 3]), int(3)], kw: new Map() }, c), "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int", 'TypeError');
  assert.deepEqual(shapeOf(ln({ pos: [t([2, 3]), tuple([int(3)])], kw: new Map() }, c)), [2, 3]);
});
