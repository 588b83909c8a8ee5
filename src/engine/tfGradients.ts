/**
 * Gradients for the bundled tfjs-core (wasm and cpu backends): tfjs-core registers none by itself.
 * Order matters: tfjs-core's Node build (the one the backends load) must create the global engine before
 * `register_all_gradients`, which loads tfjs-core's ES build; loaded the other way round, gradient functions
 * run against an engine that was never set up ("Cannot read properties of null (reading 'clone')").
 * tfjs-node(-gpu) bring their own tfjs with its gradients.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { TF } from './types';
/**
 * Gradients that can themselves be differentiated, for WGAN-GP's gradient penalty (a gradient of a gradient).
 * tfjs's Sigmoid, Tanh and Exp gradients reuse the op's saved output y (dy·y·(1−y), dy·(1−y²), dy·y), and a
 * second differentiation does not flow back through that saved y: d/dw ‖∂f/∂x‖² comes out wrong (checked against
 * finite differences in test/unit/engine/secondOrder.test.ts). These recompute y from the saved input instead,
 * which is the same first derivative. Comparisons (LeakyReLU's and ReLU's masks) get their zero gradient, which
 * tfjs leaves undefined. Registered on the `tf` of the loaded backend (tfjs-node brings its own registry).
 */
export function registerSecondOrderGradients(tf: TF): void {
  const fromInput = (kernelName: string, grad: (x: Tensor, dy: Tensor) => Tensor) =>
    tf.registerGradient({ kernelName, inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => grad(saved[0], dy as Tensor) }) });
  fromInput('Sigmoid', (x, dy) => { const y = tf.sigmoid(x); return tf.mul(dy, tf.mul(y, tf.sub(1, y))); });
  fromInput('Tanh', (x, dy) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))));
  fromInput('Exp', (x, dy) => tf.mul(dy, tf.exp(x)));
  for (const kernelName of ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual']) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({ kernelName, inputsToSave: ['a', 'b'], gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }) });
  }
}
