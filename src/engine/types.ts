/**
 * The trainer's contract: what a run is asked to do (TrainConfig), what it reports while it runs (the
 * callbacks), and what it returns. The loop knows nothing of its audience: the worker adapts the callbacks to
 * protocol messages, the CLI to a progress bar and files.
 *
 * Engine code never imports tfjs at module level for its values: it receives the `tf` namespace of the backend
 * that was loaded (tfjs-node-gpu and tfjs-node bring their own copy of tfjs-core), typed as `TF`.
 */
export type TF = typeof import('@tensorflow/tfjs-core');

/**
 * Which backend to use. 'torch' is the user's own PyTorch (CUDA, MPS or CPU) in a Python process; the others are
 * tfjs engines. 'auto' puts torch first when its torch sees a GPU (or when the pair needs it), then gpu → node →
 * wasm → cpu.
 */
export type BackendName = 'torch' | 'gpu' | 'node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export interface BackendInfo {
  name: BackendName;
  /** tf.getBackend(): 'tensorflow', 'wasm', 'cpu'; 'pytorch' for the torch engine */
  tfBackend: string;
  /** what ran the test op, e.g. 'NVIDIA H100 80GB HBM3 (CUDA)', 'CPU (WebAssembly, SIMD, 1 thread)'; for torch as
   * PyTorch names it: 'NVIDIA H200 (CUDA 13.0, torch 2.11.0)', 'Apple MPS (torch 2.5.1)', 'CPU, 8 threads (torch 2.5.1)' */
  device: string;
  /** processes training the run (1, or N×M under torchrun) */
  processes?: number;
  /** torch engine: the interpreter and its torch version */
  python?: string;
  torch?: string;
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
  /** torch engine: the Python to use (`--python`, `dcganLab.training.python`); only this one is tried */
  python?: string;
  /** torch engine: an interpreter to try first (the one selected in VS Code's Python extension) */
  pythonHint?: string;
  /** torch engine: 'auto' (CUDA, then MPS, then CPU), 'cuda', 'cuda:N', 'mps' or 'cpu' */
  device?: string;
  /** torch engine: mixed precision as PyTorch's autocast does it (off when absent) */
  amp?: 'bf16' | 'fp16';
  /** why the torch engine may not run here (VS Code's Restricted Mode: it executes the model file) */
  torchBlocked?: string;
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
  /** what the user should know before step 1, e.g. which statements of their file the torch engine left out */
  notes?: string[];
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
  /** awaited between spans of steps: resolves when not paused */
  waitWhilePaused?(): Promise<void>;
  /** true while a pause or stop is asked for and not yet acted on */
  interruptPending?(): boolean;
  /** calls `listener` when a pause or stop is asked for (the engine ends its span after the step under way); returns an unsubscribe */
  onInterrupt?(listener: () => void): () => void;
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
