/**
 * Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout and F.dropout*: the shape never changes;
 * what matters is the p check, Dropout1d's rank error, Dropout2d/3d's deprecation warnings and the
 * training-mode kernels' dtype support. PyTorch 1.13 (CPU), checked by test/oracle/layers.test.ts.
 */
import { typeName, type CallArgs, type DType, type Py, type Shape } from '../python/values';
import { SCALAR_NAME, bind, boolArg, cppDouble, numel, out, pyStr, tensorArg } from './args';
import { forwardArgs } from './linear';
import { TorchError, UnknownValue, type Family, type ModuleDef, type Param, type TorchCtx, type TorchFn } from './types';

const P = (name: string, d?: Py): Param => (d === undefined ? { name } : { name, default: d });
const FALSE_: Py = { k: 'bool', v: false };
const TRUE_: Py = { k: 'bool', v: true };
const HALF: Py = { k: 'float', v: 0.5 };

type T = { shape: Shape; dtype: DType };
type Kind = 'dropout' | 'alpha' | 'feature' | 'feature_alpha';

/** The Python-side `p` check every dropout shares. */
function checkP(v: Py | undefined): number {
  if (v === undefined) return 0.5;
  if (v.k === 'unknown') throw new UnknownValue(`p is unknown (${v.why})`);
  if (v.k !== 'int' && v.k !== 'float' && v.k !== 'bool') {
    throw new TorchError(`'<' not supported between instances of '${typeName(v)}' and 'int'`, 'TypeError');
  }
  const p = v.k === 'bool' ? (v.v ? 1 : 0) : v.v;
  if (p < 0 || p > 1) throw new TorchError(`dropout probability has to be between 0 and 1, but got ${pyStr(v)}`, 'ValueError');
  return p;
}

/** ATen's `_dropout_impl<feature, alpha>`. */
function dropoutImpl(x: T, p: number, train: boolean, kind: Kind): void {
  if (p === 0 || !train || numel(x.shape) === 0) return;
  if (p === 1) return;
  const feature = kind === 'feature' || kind === 'feature_alpha';
  if (feature && x.shape.length < 2) throw new TorchError('Feature dropout requires at least 2 dimensions in the input');
  if (x.dtype === 'float16') throw new TorchError(`"bernoulli_scalar_cpu_" not implemented for 'Half'`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    const alpha = kind === 'alpha' || kind === 'feature_alpha';
    const t = alpha && x.dtype === 'bool' ? 'int64' : x.dtype;
    throw new TorchError(`result type Float can't be cast to the desired output type ${SCALAR_NAME[t]}`);
  }
}

const d2Warn = (n: number) => `dropout2d: Received a ${n}-D input to dropout2d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).`;
const D2_3D = 'dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.';
const d3Warn = (n: number) => `dropout3d: Received a ${n}-D input to dropout3d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).`;

type Variant = 'dropout' | 'dropout1d' | 'dropout2d' | 'dropout3d' | 'alpha_dropout' | 'feature_alpha_dropout';

/** The body of F.<variant>(input, p, training) after the p check. */
function apply(variant: Variant, x: T, p: number, train: boolean, ctx: TorchCtx): Py {
  const nd = x.shape.length;
  switch (variant) {
    case 'dropout': dropoutImpl(x, p, train, 'dropout'); break;
    case 'alpha_dropout': dropoutImpl(x, p, train, 'alpha'); break;
    case 'feature_alpha_dropout': dropoutImpl(x, p, train, 'feature_alpha'); break;
    case 'dropout1d':
      if (nd !== 2 && nd !== 3) {
        throw new TorchError(`dropout1d: Expected 2D or 3D input, but received a ${nd}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`);
      }
      dropoutImpl({ shape: nd === 3 ? x.shape : [1, ...x.shape], dtype: x.dtype }, p, train, 'feature');
      break;
    case 'dropout2d':
      if (nd !== 3 && nd !== 4) ctx.warn(d2Warn(nd));
      if (nd === 3) ctx.warn(D2_3D);
      dropoutImpl(x, p, train, 'feature');
      break;
    case 'dropout3d':
      if (nd !== 4 && nd !== 5) ctx.warn(d3Warn(nd));
      dropoutImpl({ shape: nd === 5 ? x.shape : [1, ...x.shape], dtype: x.dtype }, p, train, 'feature');
      break;
  }
  return out(x.shape, x.dtype);
}

function dropoutModule(type: string, variant: Variant): ModuleDef<{ p: number }> {
  return {
    signature: [P('p', HALF), P('inplace', FALSE_)],
    init: (a) => ({ p: checkP(a.get('p')) }),
    forward(c, args, ctx) {
      const x = tensorArg(forwardArgs(type, args).get('input'), 'input');
      return apply(variant, x, c.p, ctx.training, ctx);
    },
    parameters: () => [],
  };
}

function dropoutFn(variant: Variant, trainingDefault: boolean): TorchFn {
  return (args: CallArgs, ctx) => {
    const a = bind(variant, [P('input'), P('p', HALF), P('training', trainingDefault ? TRUE_ : FALSE_), P('inplace', FALSE_)], args);
    const x = tensorArg(a.get('input'), 'input');
    const p = checkP(a.get('p'));
    return apply(variant, x, p, boolArg(a, 'training'), ctx);
  };
}

/** `torch.dropout(input, p, train)` (all required; no Python-side warnings). */
const torchDropout = (name: string, kind: Kind): TorchFn => (args) => {
  const a = bind(name, [P('input'), P('p'), P('train')], args);
  const x = tensorArg(a.get('input'), 'input');
  const pv = a.get('p')!;
  if (pv.k === 'unknown') throw new UnknownValue(`p is unknown (${pv.why})`);
  const p = pv.k === 'int' || pv.k === 'float' ? pv.v : 0.5;
  if (p < 0 || p > 1) throw new TorchError(`dropout probability has to be between 0 and 1, but got ${cppDouble(p)}`);
  dropoutImpl(x, p, boolArg(a, 'train'), kind);
  return out(x.shape, x.dtype);
};

export const family: Family = {
  modules: {
    Dropout: dropoutModule('Dropout', 'dropout'),
    Dropout1d: dropoutModule('Dropout1d', 'dropout1d'),
    Dropout2d: dropoutModule('Dropout2d', 'dropout2d'),
    Dropout3d: dropoutModule('Dropout3d', 'dropout3d'),
    AlphaDropout: dropoutModule('AlphaDropout', 'alpha_dropout'),
    FeatureAlphaDropout: dropoutModule('FeatureAlphaDropout', 'feature_alpha_dropout'),
  },
  functional: {
    dropout: dropoutFn('dropout', true),
    dropout1d: dropoutFn('dropout1d', true),
    dropout2d: dropoutFn('dropout2d', true),
    dropout3d: dropoutFn('dropout3d', true),
    alpha_dropout: dropoutFn('alpha_dropout', false),
    feature_alpha_dropout: dropoutFn('feature_alpha_dropout', false),
  },
  torch: {
    dropout: torchDropout('dropout', 'dropout'),
    alpha_dropout: torchDropout('alpha_dropout', 'alpha'),
    feature_dropout: torchDropout('feature_dropout', 'feature'),
    feature_alpha_dropout: torchDropout('feature_alpha_dropout', 'feature_alpha'),
  },
};
