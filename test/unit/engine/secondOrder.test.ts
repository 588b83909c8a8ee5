/**
 * WGAN-GP differentiates a gradient. For each op a critic is made of, d/dw ‖∂f(x; w)/∂x‖² from tfjs's autodiff
 * must equal central finite differences. tfjs's own Sigmoid, Tanh and Exp gradients fail this (they reuse the
 * saved output, which the second differentiation does not see); registerSecondOrderGradients fixes them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '@tensorflow/tfjs-core';
import { loadBackend } from '../../../src/engine/backend';
import { registerSecondOrderGradients } from '../../../src/engine/tfGradients';
import type { TF } from '../../../src/engine/types';

type Fn = (tf: TF, x: Tensor, w: Tensor) => Tensor;
const k = [1, 2, 3, 4];
const CASES: Record<string, Fn> = {
  sigmoid: (tf, x, w) => tf.mul(tf.sigmoid(tf.mul(x, w)), k),
  tanh: (tf, x, w) => tf.mul(tf.tanh(tf.mul(x, w)), k),
  'exp + log1p (softplus)': (tf, x, w) => tf.mul(tf.log1p(tf.exp(tf.mul(x, w))), k),
  'leaky ReLU²': (tf, x, w) => tf.mul(tf.square(tf.leakyRelu(tf.mul(x, w), 0.2)), k),
  'batch-norm statistics + sigmoid': (tf, x, w) => {
    const y = tf.mul(x, w);
    const m = tf.moments(y, 0);
    return tf.mul(tf.sigmoid(tf.mul(tf.sub(y, m.mean), tf.rsqrt(tf.add(m.variance, 1e-5)))), k);
  },
  'conv2d²': (tf, x, w) => tf.square(tf.conv2d(tf.reshape(x, [1, 2, 2, 1]) as never, tf.reshape(w, [2, 2, 1, 1]) as never, 1, 'same')),
};

function penaltyGrad(tf: TF, f: Fn, x: Tensor, w0: number[]): { autodiff: number[]; finite: number[] } {
  const penalty = (w: Tensor) => tf.sum(tf.square(tf.grad((xx: Tensor) => tf.sum(f(tf, xx, w)))(x)));
  const w = tf.variable(tf.tensor(w0));
  const { grads } = tf.variableGrads(() => penalty(w) as never, [w]);
  const autodiff = Array.from(grads[w.name].dataSync());
  w.dispose();
  const h = 1e-2;
  const finite = w0.map((_, i) => {
    const at = (d: number) => penalty(tf.tensor(w0.map((v, j) => (j === i ? v + d : v)))).dataSync()[0];
    return (at(h) - at(-h)) / (2 * h);
  });
  return { autodiff, finite };
}

test('gradient-penalty gradients equal finite differences for every op a critic uses', async () => {
  const { tf } = await loadBackend('cpu');
  registerSecondOrderGradients(tf);
  const x = tf.tensor([0.3, -0.5, 0.8, -0.1]);
  for (const [name, f] of Object.entries(CASES)) {
    const { autodiff, finite } = penaltyGrad(tf, f, x, [0.5, 1, -2, 0.7]);
    autodiff.forEach((a, i) => assert.ok(Math.abs(a - finite[i]) <= 2e-3 * Math.max(1, Math.abs(finite[i])),
      `${name}: d/dw${i} = ${a} by autodiff, ${finite[i]} by finite differences`));
  }
});
