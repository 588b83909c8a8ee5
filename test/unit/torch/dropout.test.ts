/** Unit tests of dropout.ts (Dropout*, AlphaDropout, F.dropout*). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family } from '../../../src/core/torch/dropout';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { FALSE, float, int, str, tensor, type DType, type Py, type Shape } from '../../../src/core/python/values';

function make(name: string, args: Py[] = []) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: args, kw: new Map() }, def.extraKw));
  return (x: Py, training = true) => {
    const warnings: string[] = [];
    const y = def.forward(cfg, { pos: [x], kw: new Map() }, { warn: (m) => void warnings.push(m), training });
    return { y, warnings };
  };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
const res = (v: Py) => (v.k === 'tensor' ? [v.shape, v.dtype] : null);
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);

test('dropout keeps the shape in training and eval', () => {
  for (const name of ['Dropout', 'Dropout2d', 'Dropout3d', 'AlphaDropout']) {
    for (const training of [true, false]) assert.deepEqual(res(make(name)(t([2, 3, 4, 5, 6].slice(0, name === 'Dropout2d' ? 4 : 5)), training).y)?.[1], 'float32');
  }
  assert.deepEqual(res(make('Dropout', [float(0.3)])(t([8, 100])).y), [[8, 100], 'float32']);
  assert.throws(() => make('Dropout')(t(null)), UnknownValue);
});

test('p must be a probability', () => {
  throwsMsg(() => make('Dropout', [float(1.5)]), 'dropout probability has to be between 0 and 1, but got 1.5', 'ValueError');
  throwsMsg(() => make('Dropout2d', [int(2)]), 'dropout probability has to be between 0 and 1, but got 2', 'ValueError');
  throwsMsg(() => make('Dropout', [str('a')]), "'<' not supported between instances of 'str' and 'int'", 'TypeError');
});

test("Dropout2d's warnings as torch 1.13 prints them", () => {
  const d2 = make('Dropout2d');
  assert.deepEqual(d2(t([2, 3, 4, 5])).warnings, []);
  assert.deepEqual(d2(t([2, 3])).warnings, [
    'dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).',
  ]);
  assert.equal(d2(t([2, 3, 4])).warnings.length, 1);
  assert.match(d2(t([2, 3, 4])).warnings[0], /^dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout/);
  throwsMsg(() => d2(t([3]), true), 'Feature dropout requires at least 2 dimensions in the input');
  assert.deepEqual(res(d2(t([3]), false).y), [[3], 'float32']);
});

test('Dropout1d rank rule and training-mode dtype errors', () => {
  throwsMsg(() => make('Dropout1d')(t([2, 3, 4, 5])),
    'dropout1d: Expected 2D or 3D input, but received a 4D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).');
  throwsMsg(() => make('Dropout')(t([2, 3], 'int64')), "result type Float can't be cast to the desired output type Long");
  assert.deepEqual(res(make('Dropout')(t([2, 3], 'int64'), false).y), [[2, 3], 'int64']);
  const f = family.functional!.dropout;
  assert.deepEqual(res(f({ pos: [t([2, 3], 'int64')], kw: new Map([['training', FALSE]]) }, { warn: () => {} })), [[2, 3], 'int64']);
});
