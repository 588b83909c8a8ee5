/**
 * The trainer's contract: what a run is asked to do (TrainConfig), what it reports while it runs (the
 * callbacks), and what it returns. The loop knows nothing of its audience: the worker adapts the callbacks to
 * protocol messages, the CLI to a progress bar and files.
 *
 * Engine code never imports tfjs at module level for its values: it receives the `tf` namespace of the backend
 * that was loaded (tfjs-node-gpu and tfjs-node bring their own copy of tfjs-core), typed as `TF`.
 */
export type TF = typeof import('@tensorflow/tfjs-core');

/** Which backend to use; 'auto' tries gpu → node → wasm → cpu. */
export type BackendName = 'gpu' | 'node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export interface BackendInfo {
  name: BackendName;
  /** tf.getBackend(): 'tensorflow', 'wasm', 'cpu' */
  tfBackend: string;
  /** what ran the test op, e.g. 'NVIDIA H100 80GB HBM3 (CUDA)', 'CPU (WebAssembly, SIMD, 1 thread)' */
  device: string;
  /** why each faster backend was not used, in the order tried (e.g. "gpu: @tensorflow/tfjs-node-gpu is not installed: run `dcgan-lab engine install gpu`") */
  skipped: string[];
}

export type LossKind = 'bce' | 'wgan-gp';

export interface ModelSource {
  /** a PyTorch file */
  file: string;
  /** class names; found by the engine (the file's generator/discriminator) when absent */
  generator?: string;
  discriminator?: string;
  /** sys.argv[1:] for argparse defaults */
  argv?: string[];
}

export interface TrainConfig {
  /** absent: the built-in DCGAN */
  model?: ModelSource;
  /** a folder of images; absent: the built-in procedural dataset */
  data?: string;
  /** square image size in pixels */
  size: number;
  steps: number;
  batch: number;
  seed: number;
  /** the run folder: metrics.jsonl, samples/, checkpoints, safetensors exports */
  out: string;
  backend: BackendChoice;
  /** built-in DCGAN widths and latent size (the reference DCGAN: 64, 64, 100) */
  ngf: number;
  ndf: number;
  nz: number;
  lr: number;
  beta1: number;
  beta2: number;
  loss: LossKind;
  /** WGAN-GP: gradient penalty weight and critic steps per generator step */
  gpWeight: number;
  nCritic: number;
  /** how images of other sizes/aspect ratios are fitted: torchvision Resize+CenterCrop, or letterbox padding */
  fit: 'crop' | 'pad';
  /** write a fixed-noise sample grid every N steps (and at the end) */
  sampleEvery: number;
  /** sliced Wasserstein distance every K steps (0: off) */
  swdEvery: number;
  /** checkpoint every N steps (and at the end) */
  checkpointEvery: number;
  /** continue from the latest checkpoint in `out` */
  resume: boolean;
  /** preprocessed-dataset cache folder (default: `<out>/../.cache` ) */
  cacheDir?: string;
}

export const TRAIN_DEFAULTS: Omit<TrainConfig, 'out'> = {
  size: 64, steps: 1000, batch: 64, seed: 0, backend: 'auto', ngf: 64, ndf: 64, nz: 100,
  lr: 2e-4, beta1: 0.5, beta2: 0.999, loss: 'bce', gpWeight: 10, nCritic: 5, fit: 'crop',
  sampleEvery: 100, swdEvery: 0, checkpointEvery: 500, resume: false,
};

export interface StepMetrics {
  step: number;
  epoch: number;
  lossD: number;
  lossG: number;
  /** mean D(x) (sigmoid of the logit for BCE; the critic's raw score for WGAN-GP) */
  dReal: number;
  /** mean D(G(z)) before the D step, and after it (in the G step) */
  dFake: number;
  dFakeAfter: number;
  gradNormD: number;
  gradNormG: number;
  /** images (real + generated) per second over this step */
  imgPerSec: number;
  /** wall-clock ms since the run started */
  elapsedMs: number;
  /** sliced Wasserstein distance, on the steps it was computed */
  swd?: number;
}

export type AlertKind = 'mode-collapse' | 'd-loss-zero' | 'nan';
export interface Alert { step: number; kind: AlertKind; message: string }

export interface RunStart {
  backend: BackendInfo;
  /** e.g. "built-in DCGAN 32×32 (ngf 64, ndf 64, nz 100)" or "Generator / Discriminator from models.py" */
  model: string;
  generatorParams: number;
  discriminatorParams: number;
  dataset: ScanReport;
  /** first step of this process (> 1 when resumed) */
  firstStep: number;
  totalSteps: number;
}

export interface ScanReport {
  /** folder, or 'built-in procedural dataset (seed K)' */
  source: string;
  count: number;
  /** "WxH" → count, the most common first (at most 20 entries) */
  sizes: [string, number][];
  formats: Record<string, number>;
  skipped: { file: string; why: string }[];
}

export interface TrainCallbacks {
  onStart?(s: RunStart): void;
  onStep?(m: StepMetrics): void;
  /** a fixed-noise sample grid PNG was written */
  onSample?(s: { step: number; file: string }): void;
  onCheckpoint?(c: { step: number; file: string }): void;
  onAlert?(a: Alert): void;
  /** checked between steps: true stops the run cleanly (a final checkpoint is written) */
  shouldStop?(): boolean;
  /** awaited between steps: resolves when not paused */
  waitWhilePaused?(): Promise<void>;
}

export interface TrainResult {
  out: string;
  steps: number;
  stoppedEarly: boolean;
  /** why the run stopped before `steps` (NaN, stop request) */
  reason?: string;
  lastCheckpoint: string | null;
  generatorExport: string | null;
  discriminatorExport: string | null;
}
