/**
 * A NetSpec (src/core/trainable.ts) executed with tfjs. Tensors of rank 4 are kept in tfjs's NHWC layout and
 * turned into PyTorch's NCHW order only where an op's meaning depends on it (reshape, mean, 4-D cat by dim);
 * parameters are stored in tfjs layouts and converted to PyTorch's at export (toTorchLayout).
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { NetOp, NetParam, NetSpec } from '../core/trainable';
import type { TF } from './types';

type Layout = 'nhwc' | 'std';
interface Val { t: Tensor; layout: Layout }

/** Parameter values by `state_dict()` key, in tfjs layout (see toTorchLayout). */
export type ParamMap = Map<string, Tensor>;

/** A running-statistics update produced by a BatchNorm in training mode: assign `value` to `key` after the step. */
export interface BufferUpdate { key: string; value: Tensor }

export interface ForwardOptions {
  training: boolean;
  /**
   * Running-stat updates are collected here (training mode); their tensors are kept (tf.keep) so they survive
   * the gradient computation's tidy: the caller assigns, then disposes them. Leave it out to drop the updates.
   */
  updates?: BufferUpdate[];
  /** skip the final Sigmoid (spec.finalSigmoid): return logits */
  logits?: boolean;
  /** seed for dropout masks (the trainer derives it from the step, so a resumed run draws the same masks) */
  seed?: number;
}

/** PyTorch conv weight [out, in, kh, kw] ↔ tfjs conv2d filter [kh, kw, in, out]; ConvTranspose2d [in, out, kh, kw] ↔ [kh, kw, out, in]. */
export function tfLayoutPerm(spec: NetSpec, p: NetParam): number[] | null {
  if (p.shape.length !== 4 || !p.key.endsWith('weight')) return null;
  const op = spec.ops.find((o) => o.attrs.weight === p.key);
  if (!op) return null;
  return [2, 3, 1, 0];
}

const inverse = (perm: number[]) => perm.map((_, i) => perm.indexOf(i));

export function toTfLayout(tf: TF, spec: NetSpec, p: NetParam, torchValue: Tensor): Tensor {
  const perm = tfLayoutPerm(spec, p);
  return perm ? tf.transpose(torchValue, perm) : torchValue;
}

export function toTorchLayout(tf: TF, spec: NetSpec, p: NetParam, tfValue: Tensor): Tensor {
  const perm = tfLayoutPerm(spec, p);
  return perm ? tf.transpose(tfValue, inverse(perm)) : tfValue;
}

const nhwcAxis = [0, 3, 1, 2]; // PyTorch dim → NHWC axis

/**
 * Run the network. `input` is NHWC when rank 4 (a latent [N, nz, 1, 1] is the same data as [N, 1, 1, nz]),
 * and the result is NHWC when rank 4.
 */
export function forward(tf: TF, spec: NetSpec, params: ParamMap, input: Tensor, opts: ForwardOptions): Tensor {
  const vals = new Map<number, Val>();
  vals.set(0, { t: input, layout: input.rank === 4 ? 'nhwc' : 'std' });
  const get = (id: number): Val => vals.get(id)!;
  const std = (v: Val): Tensor => (v.layout === 'nhwc' ? tf.transpose(v.t, [0, 3, 1, 2]) : v.t);
  const param = (key: unknown): Tensor => {
    const t = params.get(key as string);
    if (!t) throw new Error(`${spec.name}: parameter ${String(key)} is missing`);
    return t;
  };
  let dropoutCall = 0;
  // The spec was recorded at one batch size; the same network runs at any: shapes led by the recorded batch
  // take the actual one (a flat [B·k] takes N·k)
  const b0 = spec.inputShape[0];
  const n = input.shape[0]!;
  const dyn = (s: number[]): number[] => (n === b0 ? s : s[0] === b0 ? [n, ...s.slice(1)] : s.length === 1 && s[0] % b0 === 0 ? [(s[0] / b0) * n] : s);
  for (const op of spec.ops) {
    const x = get(op.inputs[0]);
    vals.set(op.out, opts.logits && op.out === spec.finalSigmoid ? x : run(op, x));
  }
  const out = get(spec.output);
  return out.t.rank === 4 && out.layout === 'std' ? tf.transpose(out.t, [0, 2, 3, 1]) : out.t;

  function asNhwc(v: Val): Tensor {
    return v.layout === 'nhwc' ? v.t : tf.transpose(v.t, [0, 2, 3, 1]);
  }

  function run(op: NetOp, x: Val): Val {
    const a = op.attrs;
    const shape4 = (s: number[]) => [n, s[2], s[3], s[1]];
    switch (op.op) {
      case 'conv2d': {
        const stride = a.stride as number[];
        const dil = a.dilation as number[];
        const pad = a.padding === 'same' ? 'same' : explicitPad(a.padding as number[]);
        let y = tf.conv2d(asNhwc(x) as never, param(a.weight) as never, [stride[0], stride[1]], pad as never, 'NHWC', [dil[0], dil[1]]) as Tensor;
        if (a.bias) y = tf.add(y, param(a.bias));
        return { t: y, layout: 'nhwc' };
      }
      case 'convTranspose2d': {
        const stride = a.stride as number[];
        const pad = a.padding as number[];
        const outShape = shape4(op.shape) as [number, number, number, number];
        // PyTorch: H_out = (H−1)·s − 2p + k + output_padding; the gradient of a conv with the same padding
        let y = tf.conv2dTranspose(asNhwc(x) as never, param(a.weight) as never, outShape, [stride[0], stride[1]], explicitPad(pad) as never) as Tensor;
        if (a.bias) y = tf.add(y, param(a.bias));
        return { t: y, layout: 'nhwc' };
      }
      case 'batchNorm': return batchNorm(op, x);
      case 'linear': {
        let y = tf.matMul(std(x) as never, param(a.weight) as never, false, true) as Tensor;
        if (a.bias) y = tf.add(y, param(a.bias));
        return { t: y, layout: 'std' };
      }
      case 'leakyRelu': return { t: tf.leakyRelu(x.t, a.slope as number), layout: x.layout };
      case 'relu': return { t: tf.relu(x.t), layout: x.layout };
      case 'tanh': return { t: tf.tanh(x.t), layout: x.layout };
      case 'sigmoid': return { t: tf.sigmoid(x.t), layout: x.layout };
      case 'elu': {
        const alpha = a.alpha as number;
        return { t: alpha === 1 ? tf.elu(x.t) : tf.where(tf.greater(x.t, 0), x.t, tf.mul(alpha, tf.expm1(x.t))), layout: x.layout };
      }
      case 'identity': return x;
      case 'dropout': {
        const p = a.p as number;
        if (!opts.training || p === 0) return x;
        const seed = (opts.seed ?? 0) * 1009 + dropoutCall++;
        const noiseShape: number[] = a.channels && x.t.rank === 4 ? (x.layout === 'nhwc' ? [x.t.shape[0]!, 1, 1, x.t.shape[3]!] : [x.t.shape[0]!, x.t.shape[1]!, 1, 1]) : x.t.shape;
        const keep = tf.cast(tf.greaterEqual(tf.randomUniform(noiseShape, 0, 1, 'float32', seed), p), 'float32');
        return { t: tf.mul(x.t, tf.div(keep, 1 - p)), layout: x.layout };
      }
      case 'reshape': {
        const t = tf.reshape(std(x), dyn(op.shape));
        return { t, layout: 'std' };
      }
      case 'cat': {
        const ins = op.inputs.map(get);
        const dim = a.dim as number;
        if (op.shape.length === 4 && ins.every((v) => v.layout === 'nhwc')) return { t: tf.concat(ins.map((v) => v.t), nhwcAxis[dim]), layout: 'nhwc' };
        return { t: tf.concat(ins.map(std), dim), layout: 'std' };
      }
      case 'add': case 'sub': case 'mul': case 'div': {
        const f = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div }[op.op];
        if (op.inputs.length === 2) {
          const y = get(op.inputs[1]);
          if (x.layout === y.layout) return { t: f(x.t, y.t), layout: x.layout };
          return { t: f(std(x), std(y)), layout: 'std' };
        }
        const s = tf.scalar(a.scalar as number);
        return { t: a.scalarFirst ? f(s, x.t) : f(x.t, s), layout: x.layout };
      }
      case 'upsampleNearest': {
        const s = shape4(op.shape);
        // PyTorch 'nearest': src = ⌊dst · in/out⌋, tfjs with alignCorners=false, halfPixelCenters=false
        return { t: tf.image.resizeNearestNeighbor(asNhwc(x) as never, [s[1], s[2]], false, false), layout: 'nhwc' };
      }
      case 'avgPool2d': case 'maxPool2d': {
        const k = a.kernel as number;
        const s = a.stride as number;
        const f = op.op === 'avgPool2d' ? tf.avgPool : tf.maxPool;
        return { t: f(asNhwc(x) as never, [k, k], [s, s], 'valid'), layout: 'nhwc' };
      }
      case 'mean': {
        return { t: tf.mean(std(x), a.dims as number[], a.keepdim as boolean), layout: 'std' };
      }
    }
  }

  function batchNorm(op: NetOp, x: Val): Val {
    const a = op.attrs;
    const rank = x.t.rank;
    // channels: NHWC axis 3 for images, axis 1 for [N, C] (BatchNorm1d on [N, C, L] is not a DCGAN layer)
    const axes = rank === 4 ? [0, 1, 2] : [0];
    const t = rank === 4 ? asNhwc(x) : std(x);
    const useBatch = opts.training || !a.runningMean;
    let mean: Tensor;
    let variance: Tensor;
    if (useBatch) {
      const m = tf.moments(t, axes);
      mean = m.mean;
      variance = m.variance; // biased, as PyTorch normalises with
      if (opts.training && a.runningMean && opts.updates) {
        const n = t.size / t.shape[rank === 4 ? 3 : 1]!;
        // a second call before the updates are assigned (D on real, then on fake) chains from the first's values
        const latest = (key: unknown): Tensor => {
          for (let i = opts.updates!.length - 1; i >= 0; i--) if (opts.updates![i].key === key) return opts.updates![i].value;
          return param(key);
        };
        const nb = latest(a.numBatches);
        const nbNew = tf.add(nb, tf.scalar(1, nb.dtype));
        // momentum None: cumulative average with factor 1/num_batches_tracked
        const f = a.momentum === null ? tf.div(1, tf.cast(nbNew, 'float32')) : tf.scalar(a.momentum as number);
        const rm = latest(a.runningMean);
        const rv = latest(a.runningVar);
        // (the updates are not part of the loss, so no gradient flows through them)
        const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
        opts.updates.push(
          { key: a.runningMean as string, value: tf.keep(tf.add(tf.mul(tf.sub(1, f), rm), tf.mul(f, mean))) },
          { key: a.runningVar as string, value: tf.keep(tf.add(tf.mul(tf.sub(1, f), rv), tf.mul(f, unbiased))) },
          { key: a.numBatches as string, value: tf.keep(nbNew) },
        );
      }
    } else {
      mean = param(a.runningMean);
      variance = param(a.runningVar);
    }
    let y = tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, a.eps as number)));
    if (a.weight) y = tf.add(tf.mul(y, param(a.weight)), param(a.bias));
    return { t: y, layout: rank === 4 ? 'nhwc' : 'std' };
  }
}

function explicitPad(p: number[]): [[number, number], [number, number], [number, number], [number, number]] | number {
  if (p[0] === p[1]) return p[0];
  return [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]];
}
