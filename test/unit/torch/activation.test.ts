/** Unit tests of activation.ts (activation modules, F.*, torch.*, elementwise tensor methods, clamp). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bind } from '../../../src/core/torch/args';
import { family } from '../../../src/core/torch/activation';
import { TorchError, UnknownValue } from '../../../src/core/torch/types';
import { NONE, float, int, str, tensor, type DType, type Py, type Shape } from '../../../src/core/python/values';

function make(name: string, args: Py[] = [], kw: Record<string, Py> = {}) {
  const def = family.modules![name];
  const cfg = def.init(bind(`${name}.__init__`, def.signature, { pos: args, kw: new Map(Object.entries(kw)) }, def.extraKw));
  return {
    call(x: Py, training = true) {
      const warnings: string[] = [];
      const y = def.forward(cfg, { pos: [x], kw: new Map() }, { warn: (m) => void warnings.push(m), training });
      return { y, warnings };
    },
    params: () => def.parameters(cfg),
  };
}
function call(ns: 'functional' | 'torch' | 'methods', name: string, pos: Py[], kw: Record<string, Py> = {}) {
  const warnings: string[] = [];
  const y = family[ns]![name]({ pos, kw: new Map(Object.entries(kw)) }, { warn: (m) => void warnings.push(m) });
  return { y, warnings };
}
const t = (shape: Shape | null, dtype: DType = 'float32') => tensor(shape, dtype);
const res = (v: Py) => (v.k === 'tensor' ? [v.shape, v.dtype] : null);
const throwsMsg = (f: () => unknown, msg: string, type = 'RuntimeError') =>
  assert.throws(f, (e: unknown) => e instanceof TorchError && e.message === msg && e.pyType === type);

test('activations keep the shape; the dtype follows the kernel', () => {
  for (const name of ['ReLU', 'LeakyReLU', 'Tanh', 'Sigmoid', 'ELU', 'GELU', 'SiLU', 'Mish', 'Hardswish', 'Softplus']) {
    assert.deepEqual(res(make(name).call(t([8, 3, 4, 4])).y), [[8, 3, 4, 4], 'float32'], name);
  }
  assert.deepEqual(res(make('ReLU').call(t([2], 'int64')).y), [[2], 'int64']);
  assert.deepEqual(res(make('Tanh').call(t([2], 'int64')).y), [[2], 'float32']);
  throwsMsg(() => make('LeakyReLU').call(t([2], 'int64')), `"leaky_relu_cpu" not implemented for 'Long'`);
  throwsMsg(() => make('ReLU').call(t([2], 'bool')), 'Boolean inputs not supported for relu');
  assert.throws(() => make('ReLU').call(t(null)), UnknownValue);
});

test('Softmax: dim=None legacy rule and its warning', () => {
  const { y, warnings } = make('Softmax').call(t([2, 3, 4]));
  assert.deepEqual(res(y), [[2, 3, 4], 'float32']);
  assert.deepEqual(warnings, ['Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as an argument.']);
  assert.deepEqual(make('LogSoftmax', [int(1)]).call(t([2, 3])).warnings, []);
  throwsMsg(() => make('Softmax', [int(5)]).call(t([2, 3, 4])), 'Dimension out of range (expected to be in range of [-3, 2], but got 5)', 'IndexError');
  throwsMsg(() => make('Softmax2d').call(t([2, 3])), 'Softmax2d requires a 3D or 4D tensor as input', 'AssertionError');
  throwsMsg(() => call('methods', 'softmax', [t([2, 3], 'int64'), int(0)]), `"softmax_kernel_impl" not implemented for 'Long'`);
  assert.deepEqual(res(call('functional', 'softmax', [t([2, 3], 'int64'), int(1)], { dtype: str('float64') }).y), [[2, 3], 'float64']);
});

test('GLU halves its dim; PReLU channel rule', () => {
  assert.deepEqual(res(make('GLU').call(t([2, 8])).y), [[2, 4], 'float32']);
  throwsMsg(() => make('GLU').call(t([2, 3])), 'Halving dimension must be even, but dimension 1 is size 3');
  throwsMsg(() => make('GLU').call(t([])), 'glu does not support scalars because halving size must be even');
  const p = make('PReLU', [int(3)]);
  assert.deepEqual(p.params(), [{ name: 'weight', shape: [3] }]);
  assert.deepEqual(res(p.call(t([2, 3, 4])).y), [[2, 3, 4], 'float32']);
  throwsMsg(() => p.call(t([2, 4, 4])), 'Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 4.');
});

test('F.tanh / F.sigmoid deprecation warnings; Hardtanh assertion; GELU approximate', () => {
  assert.deepEqual(call('functional', 'tanh', [t([2])]).warnings, ['nn.functional.tanh is deprecated. Use torch.tanh instead.']);
  assert.deepEqual(call('torch', 'sigmoid', [t([2])]).warnings, []);
  throwsMsg(() => make('Hardtanh', [float(1), float(-1)]), '', 'AssertionError');
  throwsMsg(() => make('GELU', [str('foo')]).call(t([2])), 'approximate argument must be either none or tanh.');
});

test('elementwise unaries: torch.* and tensor methods, in place', () => {
  assert.deepEqual(res(call('methods', 'exp', [t([2, 3], 'int64')]).y), [[2, 3], 'float32']);
  assert.deepEqual(res(call('torch', 'abs', [t([2, 3], 'int64')]).y), [[2, 3], 'int64']);
  assert.deepEqual(res(call('methods', 'isnan', [t([2, 3])]).y), [[2, 3], 'bool']);
  throwsMsg(() => call('methods', 'exp_', [t([2], 'int64')]), "result type Float can't be cast to the desired output type Long");
  throwsMsg(() => call('methods', 'neg', [t([2], 'bool')]),
    'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  throwsMsg(() => call('torch', 'sqrt', [t([2], 'float16')]), `"sqrt_vml_cpu" not implemented for 'Half'`);
});

test('clamp: scalars, tensors, errors', () => {
  assert.deepEqual(res(call('methods', 'clamp', [t([2, 3]), int(0), int(1)]).y), [[2, 3], 'float32']);
  assert.deepEqual(res(call('methods', 'clamp', [t([2, 3], 'int64'), float(0.5)]).y), [[2, 3], 'float32']);
  assert.deepEqual(res(call('torch', 'clamp', [t([2, 3])], { min: t([4, 1, 3]) }).y), [[4, 2, 3], 'float32']);
  throwsMsg(() => call('methods', 'clamp', [t([2, 3])]), "torch.clamp: At least one of 'min' or 'max' must not be None");
  throwsMsg(() => call('methods', 'clamp', [t([2, 3]), t([4])]), 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1');
  throwsMsg(() => call('methods', 'clamp_', [t([2, 3]), t([4, 1, 3])]), "output with shape [2, 3] doesn't match the broadcast shape [4, 2, 3]");
  throwsMsg(() => call('methods', 'clamp_', [t([2], 'int64'), float(0.5)]), "result type Float can't be cast to the desired output type long int");
  assert.equal(call('methods', 'clip', [t([2]), NONE, int(1)]).y.k, 'tensor');
});
