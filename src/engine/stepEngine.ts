/**
 * What the run loop (trainer.ts) needs from an engine: run a span of steps, report each step's metrics, draw the
 * fixed-noise samples, and hand over or take back the whole training state in PyTorch's layout. The tfjs engines
 * (tfEngine.ts) and the torch engine (torch/torchEngine.ts) implement it; the run folder, metrics, alerts,
 * samples, checkpoints and exports are the loop's, the same for every engine.
 */
import type { Tensor as StTensor } from './safetensors';
import type { BackendInfo } from './types';

/** One step's metrics as an engine reports them (the loop adds the step, img/s and elapsed time). */
export interface StepRow {
  lossD: number; lossG: number; dReal: number; dFake: number; dFakeAfter: number; gradNormD: number; gradNormG: number;
  /** 0-based epoch of the step's batch */
  epoch: number;
  /** wall-clock milliseconds this step took */
  ms: number;
}

/**
 * The whole training state, as a checkpoint holds it: `G/<state_dict key>`, `D/<key>` (parameters and buffers)
 * and `G.adam.exp_avg/<key>`, `G.adam.exp_avg_sq/<key>` (likewise for D), PyTorch layouts; Adam's step counts;
 * the data position.
 */
export interface EngineState {
  tensors: Record<string, StTensor>;
  adamStepG: number;
  adamStepD: number;
  position: { epoch: number; index: number };
}

export interface StepEngine {
  readonly backend: BackendInfo;
  /** what the user should know before step 1 (statements of their file left out, relaxed argparse options…) */
  readonly notes: readonly string[];
  /**
   * Runs steps `from`…`to`. `onRows(first, rows)` receives the metrics of steps first, first+1, … as soon as they
   * are known (one at a time, or in batches read back from a device). When `signal` is aborted the span ends
   * after the step under way (no step starts once it is aborted). Resolves with the last step run.
   */
  run(from: number, to: number, onRows: (first: number, rows: StepRow[]) => void, signal: AbortSignal): Promise<number>;
  /** G(fixed noise) in eval mode, NHWC float32 in [-1, 1] */
  sample(): Promise<Float32Array>;
  state(): Promise<EngineState>;
  load(state: EngineState): Promise<void>;
  dispose(): Promise<void>;
}

/** Keys of a checkpoint's tensors for one network ('G' or 'D'). */
export const stateKey = {
  param: (net: 'G' | 'D', key: string) => `${net}/${key}`,
  expAvg: (net: 'G' | 'D', key: string) => `${net}.adam.exp_avg/${key}`,
  expAvgSq: (net: 'G' | 'D', key: string) => `${net}.adam.exp_avg_sq/${key}`,
};

/** The `state_dict()` of one network out of an EngineState (for exports). */
export function netState(state: EngineState, net: 'G' | 'D'): Record<string, StTensor> {
  const prefix = `${net}/`;
  return Object.fromEntries(Object.entries(state.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}
