/**
 * The tfjs engines (tfjs-node-gpu, tfjs-node, wasm, cpu) behind the StepEngine interface: the pair's recorded
 * networks (GanPair.nets) trained by GanTrainer on batches from the Node-side dataset, one step at a time.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { NetSpec } from '../core/trainable';
import type { Dataset } from './data/dataset';
import { mixSeed } from './data/random';
import { GanTrainer, type TorchTensor } from './ganTrainer';
import type { Tensor as StTensor } from './safetensors';
import { stateKey, type EngineState, type StepEngine, type StepRow } from './stepEngine';
import type { BackendInfo, TF, TrainConfig } from './types';

/** PyTorch NCHW ↔ the engine's NHWC for rank-4 tensors */
function toEngine(tf: TF, t: Tensor): Tensor { return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t; }

export class TfEngine implements StepEngine {
  readonly notes: string[] = [];
  private readonly trainer: GanTrainer;
  private readonly fixedZ: Tensor;

  constructor(private readonly tf: TF, readonly backend: BackendInfo, nets: { generator: NetSpec; discriminator: NetSpec },
    private readonly latentShape: number[], private readonly dataset: Dataset, private readonly cfg: TrainConfig, fixedNoise: Float32Array) {
    this.trainer = new GanTrainer(tf, nets, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: 1e-8, loss: cfg.loss, gpWeight: cfg.gpWeight, nCritic: cfg.nCritic }, cfg.seed);
    this.fixedZ = tf.tidy(() => toEngine(tf, tf.tensor(fixedNoise, [fixedNoise.length / latentShape.reduce((a, b) => a * b, 1), ...latentShape])));
  }

  async run(from: number, to: number, onRows: (first: number, rows: StepRow[]) => void, signal: AbortSignal): Promise<number> {
    const { tf, cfg, dataset } = this;
    const size = dataset.size;
    let last = from - 1;
    for (let step = from; step <= to && !signal.aborted; step++) {
      const t0 = performance.now();
      const batch = await dataset.nextBatch(cfg.batch);
      const real = tf.tensor4d(batch, [cfg.batch, size, size, dataset.channels]);
      const z = tf.tidy(() => toEngine(tf, tf.randomNormal([cfg.batch, ...this.latentShape], 0, 1, 'float32', mixSeed(cfg.seed, step))));
      const s = this.trainer.step({ real, z, seed: mixSeed(cfg.seed, step, 1) });
      real.dispose();
      z.dispose();
      last = step;
      onRows(step, [{ ...s, epoch: dataset.epoch, ms: performance.now() - t0 }]);
      // A step is synchronous tensor work: one turn of the event loop lets a pause or stop sent over IPC arrive.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return last;
  }

  async sample(): Promise<Float32Array> {
    const images = this.tf.tidy(() => this.trainer.run('g', this.fixedZ, false));
    const data = Float32Array.from(images.dataSync());
    images.dispose();
    return data;
  }

  async state(): Promise<EngineState> {
    const tensors: Record<string, StTensor> = {};
    for (const net of ['g', 'd'] as const) {
      const N = net === 'g' ? 'G' : 'D';
      for (const [k, v] of this.trainer.torchState(net)) tensors[stateKey.param(N, k)] = v as StTensor;
      const o = this.trainer.optimizerState(net);
      for (const [k, v] of o.m) tensors[stateKey.expAvg(N, k)] = v as StTensor;
      for (const [k, v] of o.v) tensors[stateKey.expAvgSq(N, k)] = v as StTensor;
    }
    return { tensors, adamStepG: this.trainer.adamStepG, adamStepD: this.trainer.adamStepD, position: this.dataset.position() };
  }

  async load(state: EngineState): Promise<void> {
    for (const net of ['g', 'd'] as const) {
      const N = net === 'g' ? 'G' : 'D';
      const pick = (prefix: string) => new Map(Object.entries(state.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v as TorchTensor]));
      this.trainer.loadTorchState(net, pick(stateKey.param(N, '')), {
        m: pick(stateKey.expAvg(N, '')), v: pick(stateKey.expAvgSq(N, '')), step: net === 'g' ? state.adamStepG : state.adamStepD,
      });
    }
    this.dataset.seek(state.position.epoch, state.position.index);
  }

  async dispose(): Promise<void> {
    this.fixedZ.dispose();
    this.trainer.dispose();
  }
}
