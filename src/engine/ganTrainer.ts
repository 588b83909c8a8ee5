/**
 * One GAN training step at a time, numerically the reference DCGAN loop (pytorch/examples dcgan):
 *   D step: loss_D = BCE(D(x), 1) + BCE(D(G(z)), 0), Adam on D;
 *   G step: loss_G = BCE(D(G(z)), 1) through the updated D, Adam on G.
 * Every D and G call in training mode updates BatchNorm running statistics, as in PyTorch (D three times per
 * step, G once). BCE is taken from the logits when D ends in a Sigmoid (same loss, no log 0). WGAN-GP is the
 * option: critic loss D(G(z)) − D(x) + λ·(‖∇D(x̂)‖ − 1)², nCritic critic steps per G step, no final Sigmoid.
 *
 * State (parameters, buffers, Adam moments, step) lives in tf.Variables; torchState()/loadTorchState() move it
 * in PyTorch's `state_dict()` layout for checkpoints and exports.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { registerSecondOrderGradients } from './tfGradients';
import type { InitRule, NetParam, NetSpec } from '../core/trainable';
import { forward, toTfLayout, toTorchLayout, type BufferUpdate, type ParamMap } from './network';
import type { LossKind, TF } from './types';

export interface StepInput {
  /** real images, NHWC in [-1, 1] */
  real: Tensor;
  /** latent noise, [N, ...latentShape] (NCHW order; a [N, nz, 1, 1] latent is the same data in NHWC) */
  z: Tensor;
  /** seed for the step's own randomness (dropout masks, WGAN-GP's interpolation) */
  seed: number;
  /** WGAN-GP: the interpolation weights α, [N, 1, 1, 1] (default: uniform draws from `seed`) */
  alpha?: Tensor;
}

export interface StepOutput {
  lossD: number; lossG: number; dReal: number; dFake: number; dFakeAfter: number; gradNormD: number; gradNormG: number;
}

export interface OptimOptions { lr: number; beta1: number; beta2: number; eps: number; loss: LossKind; gpWeight: number; nCritic: number }

interface NetState {
  spec: NetSpec;
  /** every parameter and buffer by state_dict key, tfjs layout */
  vars: Map<string, Variable>;
  trainable: Variable[];
  m: Map<string, Variable>;
  v: Map<string, Variable>;
}

/** A tensor description in PyTorch layout: what checkpoints and exports hold. */
export interface TorchTensor { shape: number[]; dtype: 'F32' | 'I64'; data: Float32Array | BigInt64Array }

let variableCount = 0;


export class GanTrainer {
  readonly g: NetState;
  readonly d: NetState;
  /** Adam's step count (PyTorch keeps one per parameter; they are equal here) */
  adamStepD = 0;
  adamStepG = 0;

  /** `nets`: a pair's networks as the tfjs engines execute them (GanPair.nets) */
  constructor(private readonly tf: TF, nets: { generator: NetSpec; discriminator: NetSpec }, readonly opt: OptimOptions, seed: number) {
    if (opt.loss === 'wgan-gp') registerSecondOrderGradients(tf);
    this.g = this.makeState(nets.generator, seed * 2 + 1);
    this.d = this.makeState(nets.discriminator, seed * 2 + 2);
  }

  private makeState(spec: NetSpec, seed: number): NetState {
    const tf = this.tf;
    const vars = new Map<string, Variable>();
    const trainable: Variable[] = [];
    const m = new Map<string, Variable>();
    const v = new Map<string, Variable>();
    spec.params.forEach((p, i) => {
      const value = tf.tidy(() => toTfLayout(tf, spec, p, initTensor(tf, p, seed * 7919 + i)));
      const isParam = p.kind === 'param';
      const variable = tf.variable(value, isParam, `${spec.name}${++variableCount}/${p.key}`);
      value.dispose();
      vars.set(p.key, variable);
      if (isParam) {
        trainable.push(variable);
        m.set(p.key, tf.variable(tf.zerosLike(variable), false));
        v.set(p.key, tf.variable(tf.zerosLike(variable), false));
      }
    });
    return { spec, vars, trainable, m, v };
  }

  /** Network output (NHWC images for G), in training or eval mode; no state changes. */
  run(net: 'g' | 'd', input: Tensor, training = false): Tensor {
    const s = net === 'g' ? this.g : this.d;
    return forward(this.tf, s.spec, s.vars as ParamMap, input, { training });
  }

  /** One training step (BCE: a D step and a G step; WGAN-GP: a critic step, and a G step every nCritic-th). */
  step(input: StepInput): StepOutput {
    const tf = this.tf;
    let out!: StepOutput;
    tf.tidy(() => { out = this.opt.loss === 'wgan-gp' ? this.stepWgan(input) : this.stepBce(input); });
    return out;
  }

  private stepBce({ real, z, seed }: StepInput): StepOutput {
    const tf = this.tf;
    const d = this.d.spec;
    const bce = (logits: Tensor, target: 0 | 1): Tensor => {
      // BCEWithLogits: max(l, 0) − l·y + log(1 + e^(−|l|)), mean over the batch
      const l = tf.reshape(logits, [-1]);
      const t = tf.add(tf.relu(l), tf.log1p(tf.exp(tf.neg(tf.abs(l)))));
      return tf.mean(target === 1 ? tf.sub(t, l) : t);
    };
    // D(x) as a probability: the network's outputs are logits (its final Sigmoid skipped, or none: BCEWithLogits)
    const prob = (logits: Tensor) => tf.sigmoid(logits);
    const gUpdates: BufferUpdate[] = [];
    const fake = forward(tf, this.g.spec, this.g.vars as ParamMap, z, { training: true, updates: gUpdates, seed: seed * 4 + 1 });
    const dUpdates: BufferUpdate[] = [];
    let dReal = 0;
    let dFake = 0;
    const { value: lossD, grads: gradsD } = tf.variableGrads(() => {
      const lr = forward(tf, d, this.d.vars as ParamMap, real, { training: true, updates: dUpdates, logits: true, seed: seed * 4 + 2 });
      const lf = forward(tf, d, this.d.vars as ParamMap, fake, { training: true, updates: dUpdates, logits: true, seed: seed * 4 + 3 });
      dReal = tf.mean(prob(lr)).dataSync()[0];
      dFake = tf.mean(prob(lf)).dataSync()[0];
      return tf.add(bce(lr, 1), bce(lf, 0)) as never;
    }, this.d.trainable);
    this.assign(this.d, dUpdates);
    const gradNormD = this.adam(this.d, gradsD, ++this.adamStepD);
    // G step: G's forward again with the same input and seed is the same graph PyTorch reuses; its running
    // statistics were updated once above, so this forward's updates are dropped
    let dFakeAfter = 0;
    const dUpdates2: BufferUpdate[] = [];
    const { value: lossG, grads: gradsG } = tf.variableGrads(() => {
      const fake2 = forward(tf, this.g.spec, this.g.vars as ParamMap, z, { training: true, seed: seed * 4 + 1 });
      const lf = forward(tf, d, this.d.vars as ParamMap, fake2, { training: true, updates: dUpdates2, logits: true, seed: seed * 4 + 4 });
      dFakeAfter = tf.mean(prob(lf)).dataSync()[0];
      return bce(lf, 1) as never;
    }, this.g.trainable);
    this.assign(this.g, gUpdates);
    this.assign(this.d, dUpdates2);
    const gradNormG = this.adam(this.g, gradsG, ++this.adamStepG);
    return { lossD: lossD.dataSync()[0], lossG: lossG.dataSync()[0], dReal, dFake, dFakeAfter, gradNormD, gradNormG };
  }

  /**
   * WGAN-GP (Gulrajani et al. 2017), as its PyTorch implementations write it: every step trains the critic on a
   * fresh batch — loss mean(D(G(z))) − mean(D(x)) + λ·mean((‖∇D(x̂)‖₂ − 1)²), x̂ = αx + (1−α)G(z) — and every
   * nCritic-th step (the 1st, (nCritic+1)th, …) also trains G on −mean(D(G(z))) with the same G(z). The critic's
   * three training-mode calls (real, fake, x̂) update its BatchNorm statistics in that order, as in PyTorch.
   * On critic-only steps the G metrics are those of the last G step.
   */
  private stepWgan({ real, z, seed, alpha }: StepInput): StepOutput {
    const tf = this.tf;
    const d = this.d.spec;
    const n = real.shape[0]!;
    const critic = (x: Tensor, updates: BufferUpdate[] | undefined, s: number) =>
      tf.reshape(forward(tf, d, this.d.vars as ParamMap, x, { training: true, updates, seed: s }), [-1]);
    const gUpdates: BufferUpdate[] = [];
    const fake = forward(tf, this.g.spec, this.g.vars as ParamMap, z, { training: true, updates: gUpdates, seed: seed * 8 + 1 });
    const a = alpha ?? tf.randomUniform([n, 1, 1, 1], 0, 1, 'float32', seed * 8 + 6);
    const xhat = tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake));
    const dUpdates: BufferUpdate[] = [];
    let dReal = 0;
    let dFake = 0;
    const { value: lossD, grads } = tf.variableGrads(() => {
      const r = critic(real, dUpdates, seed * 8 + 2);
      const f = critic(fake, dUpdates, seed * 8 + 3);
      dReal = tf.mean(r).dataSync()[0];
      dFake = tf.mean(f).dataSync()[0];
      const gx = tf.grad((x: Tensor) => tf.sum(critic(x, dUpdates, seed * 8 + 5)))(xhat);
      const norms = tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(gx, [n, -1])), 1), 1e-12));
      const gp = tf.mean(tf.square(tf.sub(norms, 1)));
      return tf.add(tf.sub(tf.mean(f), tf.mean(r)), tf.mul(this.opt.gpWeight, gp)) as never;
    }, this.d.trainable);
    this.assign(this.d, dUpdates);
    const gradNormD = this.adam(this.d, grads, ++this.adamStepD);
    if ((this.adamStepD - 1) % this.opt.nCritic === 0) {
      const dUpdates2: BufferUpdate[] = [];
      let dFakeAfter = 0;
      const { value: lossG, grads: gradsG } = tf.variableGrads(() => {
        const fake2 = forward(tf, this.g.spec, this.g.vars as ParamMap, z, { training: true, seed: seed * 8 + 1 });
        const f = critic(fake2, dUpdates2, seed * 8 + 4);
        dFakeAfter = tf.mean(f).dataSync()[0];
        return tf.neg(tf.mean(f)) as never;
      }, this.g.trainable);
      this.assign(this.d, dUpdates2);
      const gradNormG = this.adam(this.g, gradsG, ++this.adamStepG);
      this.lastG = { lossG: lossG.dataSync()[0], dFakeAfter, gradNormG };
    }
    this.assign(this.g, gUpdates);
    return { lossD: lossD.dataSync()[0], dReal, dFake, gradNormD, ...this.lastG };
  }

  /** WGAN-GP: the G metrics of the last G step, reported on the critic-only steps in between */
  private lastG = { lossG: 0, dFakeAfter: 0, gradNormG: 0 };

  private assign(s: NetState, updates: BufferUpdate[]): void {
    for (const u of updates) {
      const target = s.vars.get(u.key)!;
      target.assign(u.value.dtype === target.dtype ? u.value : this.tf.cast(u.value, target.dtype));
      u.value.dispose();
    }
  }

  /**
   * PyTorch 1.13's Adam (single-tensor, no weight decay, no amsgrad):
   *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
   * Returns the global L2 norm of the gradients.
   */
  private adam(s: NetState, grads: Record<string, Tensor>, t: number): number {
    const tf = this.tf;
    const { lr, beta1, beta2, eps } = this.opt;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    let sq = tf.scalar(0);
    for (const p of s.spec.params) {
      if (p.kind !== 'param') continue;
      const variable = s.vars.get(p.key)!;
      const g = grads[variable.name];
      if (!g) continue;
      sq = tf.add(sq, tf.sum(tf.square(g)));
      const m = s.m.get(p.key)!;
      const v = s.v.get(p.key)!;
      m.assign(tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g)));
      v.assign(tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g))));
      const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
      variable.assign(tf.sub(variable, tf.mul(stepSize, tf.div(m, denom))));
    }
    return Math.sqrt(sq.dataSync()[0]);
  }

  /** Parameters and buffers of one network in PyTorch's `state_dict()` order, keys and layouts. */
  torchState(net: 'g' | 'd'): Map<string, TorchTensor> {
    const s = net === 'g' ? this.g : this.d;
    const out = new Map<string, TorchTensor>();
    for (const p of s.spec.params) out.set(p.key, this.readTorch(s.spec, p, s.vars.get(p.key)!));
    return out;
  }

  /** Adam's moments by `state_dict()` key (PyTorch layout), for checkpoints. */
  optimizerState(net: 'g' | 'd'): { m: Map<string, TorchTensor>; v: Map<string, TorchTensor>; step: number } {
    const s = net === 'g' ? this.g : this.d;
    const m = new Map<string, TorchTensor>();
    const v = new Map<string, TorchTensor>();
    for (const p of s.spec.params) {
      if (p.kind !== 'param') continue;
      m.set(p.key, this.readTorch(s.spec, p, s.m.get(p.key)!));
      v.set(p.key, this.readTorch(s.spec, p, s.v.get(p.key)!));
    }
    return { m, v, step: net === 'g' ? this.adamStepG : this.adamStepD };
  }

  private readTorch(spec: NetSpec, p: NetParam, t: Tensor): TorchTensor {
    const tf = this.tf;
    const data = tf.tidy(() => toTorchLayout(tf, spec, p, t).dataSync());
    if (p.dtype === 'I64') return { shape: p.shape, dtype: 'I64', data: BigInt64Array.from(Array.from(data as ArrayLike<number>), (x) => BigInt(Math.round(x))) };
    return { shape: p.shape, dtype: 'F32', data: Float32Array.from(data as ArrayLike<number>) };
  }

  /** Load parameters/buffers (and optionally Adam state) given in PyTorch layout; every key must be present. */
  loadTorchState(net: 'g' | 'd', state: Map<string, TorchTensor>, optim?: { m: Map<string, TorchTensor>; v: Map<string, TorchTensor>; step: number }): void {
    const tf = this.tf;
    const s = net === 'g' ? this.g : this.d;
    const put = (target: Variable, p: NetParam, src: TorchTensor | undefined, what: string) => {
      if (!src) throw new Error(`${s.spec.name}: ${what} ${p.key} is missing`);
      if (src.shape.join(',') !== p.shape.join(',')) throw new Error(`${s.spec.name}: ${what} ${p.key} has shape [${src.shape}], expected [${p.shape}]`);
      tf.tidy(() => {
        const values = src.data instanceof BigInt64Array ? Array.from(src.data, Number) : src.data;
        const t = tf.tensor(values as never, p.shape, target.dtype);
        target.assign(toTfLayout(tf, s.spec, p, t));
      });
    };
    for (const p of s.spec.params) {
      put(s.vars.get(p.key)!, p, state.get(p.key), 'tensor');
      if (optim && p.kind === 'param') {
        put(s.m.get(p.key)!, p, optim.m.get(p.key), 'Adam exp_avg');
        put(s.v.get(p.key)!, p, optim.v.get(p.key), 'Adam exp_avg_sq');
      }
    }
    if (optim) { if (net === 'g') this.adamStepG = optim.step; else this.adamStepD = optim.step; }
  }

  dispose(): void {
    for (const s of [this.g, this.d]) for (const map of [s.vars, s.m, s.v]) for (const v of map.values()) v.dispose();
  }
}

function initTensor(tf: TF, p: NetParam, seed: number): Tensor {
  const r: InitRule = p.init;
  const dtype = p.dtype === 'I64' ? 'int32' : 'float32';
  switch (r.kind) {
    case 'normal': return tf.randomNormal(p.shape, r.mean, r.std, 'float32', seed);
    case 'uniform': return tf.randomUniform(p.shape, -r.bound, r.bound, 'float32', seed);
    case 'zeros': return tf.zeros(p.shape, dtype);
    case 'ones': return tf.ones(p.shape, dtype);
  }
}
