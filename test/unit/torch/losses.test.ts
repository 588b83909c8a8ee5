/** Unit tests of losses.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family } from '../../../src/core/torch/losses';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { FALSE, float, str, tensor, type DType, type Py, type Shape } from '../../../src/core/python/values';

function make(name: string, kw: Record<string, Py> = {}) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: [], kw: new Map(Object.entries(kw)) }, def.extraKw));
  return {
    call(input: Py, target: Py) {
      const warnings: string[] = [];
      const y = def.forward(cfg, { pos: [input, target], kw: new Map() }, { warn: (m) => void warnings.push(m), training: true });
      return { y, warnings };
    },
    buffers: () => def.buffers?.(cfg) ?? [],
  };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
const res = (v: Py) => (v.k === 'tensor' ? [v.shape, v.dtype] : null);
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);
const BROADCAST_WARNING = 'Using a target size (torch.Size([8])) that is different to the input size (torch.Size([8, 1])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.';

test('reductions: scalar [] for mean/sum, the elementwise shape for none', () => {
  assert.deepEqual(res(make('BCELoss').call(t([8, 1]), t([8, 1])).y), [[], 'float32']);
  assert.deepEqual(res(make('BCELoss', { reduction: str('sum') }).call(t([8, 1]), t([8, 1])).y), [[], 'float32']);
  assert.deepEqual(res(make('BCELoss', { reduction: str('none') }).call(t([8, 1]), t([8, 1])).y), [[8, 1], 'float32']);
  throwsMsg(() => make('MSELoss', { reduction: str('avg') }).call(t([2]), t([2])), 'avg is not a valid value for reduction', 'ValueError');
  assert.throws(() => make('MSELoss').call(t(null), t([2])), UnknownValue);
});

test('BCELoss: a size mismatch is a ValueError in 1.13; BCEWithLogitsLoss too', () => {
  throwsMsg(() => make('BCELoss').call(t([8, 1, 3, 3]), t([8])),
    'Using a target size (torch.Size([8])) that is different to the input size (torch.Size([8, 1, 3, 3])) is deprecated. Please ensure they have the same size.', 'ValueError');
  throwsMsg(() => make('BCEWithLogitsLoss').call(t([8, 1]), t([8])), 'Target size (torch.Size([8])) must be the same as input size (torch.Size([8, 1]))', 'ValueError');
  throwsMsg(() => make('BCELoss').call(t([8]), t([8], 'int64')), 'Found dtype Long but expected Float');
  assert.deepEqual(make('BCEWithLogitsLoss', { pos_weight: t([3]) }).buffers(), [{ name: 'pos_weight', shape: [3] }]);
});

test('MSE/L1/SmoothL1/Huber: the broadcasting warning, then broadcasting', () => {
  for (const name of ['MSELoss', 'L1Loss', 'SmoothL1Loss', 'HuberLoss']) {
    const { y, warnings } = make(name, { reduction: str('none') }).call(t([8, 1]), t([8]));
    assert.deepEqual(res(y), [[8, 8], 'float32'], name);
    assert.deepEqual(warnings, [BROADCAST_WARNING], name);
    throwsMsg(() => make(name).call(t([8, 3]), t([4])), 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1');
  }
  assert.deepEqual(make('MSELoss').call(t([8, 1]), t([8, 1])).warnings, []);
});

test('CrossEntropyLoss / NLLLoss: class indices, probabilities, batch and spatial rules', () => {
  const ce = make('CrossEntropyLoss');
  assert.deepEqual(res(ce.call(t([8, 5]), t([8], 'int64')).y), [[], 'float32']);
  assert.deepEqual(res(make('CrossEntropyLoss', { reduction: str('none') }).call(t([8, 5, 3, 3]), t([8, 3, 3], 'int64')).y), [[8, 3, 3], 'float32']);
  assert.deepEqual(res(make('CrossEntropyLoss', { reduction: str('none') }).call(t([8, 5]), t([8, 5])).y), [[8], 'float32']);
  throwsMsg(() => ce.call(t([8, 5]), t([4], 'int64')), 'Expected input batch_size (8) to match target batch_size (4).', 'ValueError');
  throwsMsg(() => ce.call(t([8, 5]), t([8])), 'expected scalar type Long but found Float');
  throwsMsg(() => ce.call(t([8, 5]), t([8, 5], 'int64')), 'Expected floating point type for target with class probabilities, got Long');
  throwsMsg(() => ce.call(t([8, 5, 3, 3]), t([8, 3, 4], 'int64')), 'size mismatch (got input: [8, 5, 3, 3] , target: [8, 3, 4]');
  throwsMsg(() => make('NLLLoss').call(t([8, 5, 3]), t([8, 4], 'int64')), 'Expected target size [8, 3], got [8, 4]');
  throwsMsg(() => make('NLLLoss', { weight: t([4]) }).call(t([8, 5]), t([8], 'int64')),
    'weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [4]');
});

test('KLDivLoss mean warning; HingeEmbeddingLoss broadcasting', () => {
  const { y, warnings } = make('KLDivLoss').call(t([8, 5]), t([8, 5]));
  assert.deepEqual(res(y), [[], 'float32']);
  assert.equal(warnings.length, 1);
  assert.deepEqual(make('KLDivLoss', { reduction: str('batchmean') }).call(t([8, 5]), t([8, 5])).warnings, []);
  assert.deepEqual(res(make('HingeEmbeddingLoss', { reduction: str('none') }).call(t([8, 5]), t([5])).y), [[8, 5], 'float32']);
});

test('functional forms and legacy size_average', () => {
  const warnings: string[] = [];
  const ctx = { warn: (m: string) => void warnings.push(m) };
  const y = family.functional!.mse_loss({ pos: [t([4, 2]), t([4, 2])], kw: new Map([['size_average', FALSE]]) }, ctx);
  assert.deepEqual(res(y), [[], 'float32']);
  assert.deepEqual(warnings, ["size_average and reduce args will be deprecated, please use reduction='sum' instead."]);
  const ce = family.functional!.cross_entropy({ pos: [t([4, 3]), t([4], 'int64')], kw: new Map([['label_smoothing', float(0.1)]]) }, ctx);
  assert.deepEqual(res(ce), [[], 'float32']);
});
