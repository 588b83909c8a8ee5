/** Unit tests of padding.ts (ZeroPad2d, ConstantPad/ReflectionPad/ReplicationPad 1d-3d, F.pad). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family, padShape } from '../../../src/core/torch/padding';
import { registry } from '../../../src/core/torch/registry';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { float, int, str, tensor, tuple, type DType, type Py, type Shape } from '../../../src/core/python/values';

const ctx = { warn: () => {}, training: true };

function make(name: string, args: Py[], kw: Record<string, Py> = {}) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: args, kw: new Map(Object.entries(kw)) }, def.extraKw));
  return {
    cfg,
    def,
    call: (...inputs: Py[]) => def.forward(cfg, { pos: inputs, kw: new Map() }, ctx),
  };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
const ints = (...xs: number[]): Py => tuple(xs.map(int));
const shapeOf = (v: Py) => (v.k === 'tensor' ? v.shape : null);
const pad = (args: Py[], kw: Record<string, Py> = {}) => family.functional!.pad({ pos: args, kw: new Map(Object.entries(kw)) }, ctx);
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);

test('registered: ZeroPad2d and the 1d-3d Constant/Reflection/Replication pads; no ZeroPad1d/3d in 1.13; F.pad', () => {
  for (const n of ['ZeroPad2d', 'ConstantPad1d', 'ConstantPad3d', 'ReflectionPad1d', 'ReflectionPad3d', 'ReplicationPad2d']) {
    assert.ok(registry.modules.has(n), n);
    assert.equal(registry.modules.get(n)!.resizes, true);
  }
  assert.ok(!registry.modules.has('ZeroPad1d'));
  assert.ok(!registry.modules.has('ZeroPad3d'));
  assert.ok(registry.functional.has('pad'));
});

test('ZeroPad2d / ConstantPadNd: output shapes, no parameters, negative padding crops', () => {
  const z = make('ZeroPad2d', [int(1)]);
  assert.deepEqual(shapeOf(z.call(t([8, 3, 32, 32]))), [8, 3, 34, 34]);
  assert.deepEqual(z.def.parameters(z.cfg), []);
  assert.deepEqual(shapeOf(make('ZeroPad2d', [ints(1, 2, 3, 4)]).call(t([3, 5, 5]))), [3, 12, 8]);
  assert.deepEqual(shapeOf(make('ConstantPad1d', [int(2), float(3.5)]).call(t([2, 4]))), [2, 8]);
  assert.deepEqual(shapeOf(make('ConstantPad3d', [int(1), int(0)]).call(t([1, 2, 3, 4, 5]))), [1, 2, 5, 6, 7]);
  assert.deepEqual(shapeOf(make('ConstantPad2d', [ints(-1, -1, 0, 2), int(0)]).call(t([1, 4, 4]))), [1, 6, 2]);
  // a padding tuple shorter than the module's: F.pad pads only the last dims
  assert.deepEqual(shapeOf(make('ConstantPad3d', [ints(1, 1), int(0)]).call(t([2, 3]))), [2, 5]);
  assert.deepEqual(z.def.formula!(z.cfg, [8, 3, 32, 32], [8, 3, 34, 34]), ['W_out = 32 + 1 + 1 = 34', 'H_out = 32 + 1 + 1 = 34']);
});

test('ReflectionPad / ReplicationPad: shapes and PyTorch 1.13 messages', () => {
  assert.deepEqual(shapeOf(make('ReflectionPad2d', [int(2)]).call(t([1, 3, 8, 8]))), [1, 3, 12, 12]);
  assert.deepEqual(shapeOf(make('ReplicationPad3d', [int(1)]).call(t([2, 2, 2, 2]))), [2, 4, 4, 4]);
  throwsMsg(() => make('ReflectionPad2d', [int(3)]).call(t([1, 3, 3, 3])),
    'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at dimension 3 of input 4');
  throwsMsg(() => make('ReflectionPad1d', [int(3)]).call(t([2, 3])),
    'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at dimension 1 of input [2, 3]');
  throwsMsg(() => make('ReflectionPad1d', [int(1)]).call(t([2, 0])),
    '2D or 3D (batch mode) tensor expected for input, but got: [ torch.FloatTensor{2,0} ]');
  throwsMsg(() => make('ReplicationPad2d', [int(1)]).call(t([2, 3])),
    'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now', 'NotImplementedError');
  throwsMsg(() => make('ReplicationPad1d', [int(1)]).call(t([2, 3], 'int64')), `"replication_pad1d_cpu" not implemented for 'Long'`);
  throwsMsg(() => make('ReflectionPad1d', [ints(-4, -1)]).call(t([2, 3])), '2input (W: 3)is too small. Calculated output W: -2');
  throwsMsg(() => make('ReflectionPad1d', [float(1.5)]).call(t([2, 3])), "pad(): argument 'pad' (position 2) must be tuple of ints, not tuple", 'TypeError');
  throwsMsg(() => make('ReflectionPad1d', [int(1)]).call(t([2, 3]), int(1)), '_ReflectionPadNd.forward() takes 2 positional arguments but 3 were given', 'TypeError');
});

test('F.pad: modes, negative padding and the argument parser', () => {
  assert.deepEqual(shapeOf(pad([t([2, 3]), ints(1, 2)])), [2, 6]);
  assert.deepEqual(shapeOf(pad([t([2, 3]), ints(-3, 1)])), [2, 1]);
  assert.deepEqual(shapeOf(pad([t([1, 2, 3]), ints(1, 1), str('circular')])), [1, 2, 5]);
  assert.deepEqual(shapeOf(pad([t([2, 3, 4]), { k: 'list', items: [int(1), int(1), int(2), int(2)] }], { mode: str('replicate') })), [2, 7, 6]);
  assert.equal((pad([t([2, 3], 'int64'), ints(1, 1)]) as { dtype: DType }).dtype, 'int64');
  throwsMsg(() => pad([t([2, 3]), ints(-2, -2)]), 'start (0) + length (-1) exceeds dimension size (1).');
  throwsMsg(() => pad([t([2, 3]), ints(-4, 1)]), 'Dimension out of range (expected to be in range of [-3, 2], but got 4)', 'IndexError');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1, -2, 0)]),
    'The input size 2, plus negative padding -2 and 0 resulted in a negative output size, which is invalid. Check dimension 0 of your input.');
  throwsMsg(() => pad([t([2, 3]), ints(1)]), 'Padding length must be divisible by 2');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1, 1, 1, 1, 1)]), 'Padding length too large');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1), str('foo')]), 'Unrecognised padding mode foo', 'NotImplementedError');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1), str('reflect'), int(1)]), 'Padding mode "reflect" doesn\'t take in value argument');
  assert.deepEqual(shapeOf(pad([t([2, 3]), ints(1, 1), str('reflect'), int(0)])), [2, 5]);
});

test('F.pad: argument parser and fill-value messages', () => {
  throwsMsg(() => pad([t([2, 3])]), 'pad() missing 1 required positional arguments: "pad"', 'TypeError');
  throwsMsg(() => pad([]), 'pad() missing 2 required positional argument: "input", "pad"', 'TypeError');
  throwsMsg(() => pad([t([2, 3]), int(1)]), "pad(): argument 'pad' (position 2) must be tuple of ints, not int", 'TypeError');
  throwsMsg(() => pad([t([2, 3])], { pad: int(1) }), "pad(): argument 'pad' must be tuple of ints, not int", 'TypeError');
  throwsMsg(() => pad([t([2, 3]), tuple([int(1), float(2)])]), "pad(): argument 'pad' must be tuple of ints, but found element of type float at pos 2", 'TypeError');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1), { k: 'none' }]), "pad(): argument 'mode' (position 3) must be str, not NoneType", 'TypeError');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1)], { foo: int(1) }), "pad() got an unexpected keyword argument 'foo'", 'TypeError');
  throwsMsg(() => pad([t([2, 3]), ints(1, 1), str('constant'), int(0), int(1)]), 'pad() takes from 2 to 4 positional arguments but 5 were given', 'TypeError');
  throwsMsg(() => pad([t([2, 3], 'uint8'), ints(1, 1)], { value: int(-1) }), 'value cannot be converted to type uint8_t without overflow');
});

test('padShape: reflection of a 2-D pad with a negative size and an empty batch is allowed (1.13 returns it)', () => {
  assert.deepEqual(padShape([0, 3, 5, 1], 'float32', [-2, -2, -2, -2], 'reflect', null), [0, 3, 1, -3]);
  throwsMsg(() => padShape([1, 2, 3, 5, 4], 'float32', [1, 2, 2, 0, -4, 3], 'circular', null),
    "output with shape [1, 2, 1, 5, 4] doesn't match the broadcast shape [1, 2, 0, 5, 4]");
});

test('unknown shapes and values propagate as UnknownValue', () => {
  assert.throws(() => make('ZeroPad2d', [int(1)]).call(t(null)), UnknownValue);
  assert.throws(() => pad([t([2, 3]), { k: 'unknown', why: 'x' }]), UnknownValue);
  assert.throws(() => make('ReflectionPad2d', [{ k: 'unknown', why: 'p' }]), UnknownValue);
});
