/**
 * Picks the fastest tfjs backend that actually works here and proves it by running an op.
 *
 * 'auto' tries gpu → node → wasm → cpu and records why each faster one was skipped (`BackendInfo.skipped`); a
 * named backend that cannot start is an error, never a silent fallback. tfjs-node-gpu and tfjs-node bring
 * their own copy of tfjs-core, so when one loads, the `tf` returned is *its* namespace, not the bundled one.
 *
 * Runs only inside the worker process: it loads native code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_PACKAGES, EngineKind, engineDir, enginesRoot } from './install';
import type { BackendInfo, BackendName, TF } from './types';

/** The tfjs engines (the torch engine is src/engine/torch/). */
export type TfjsBackendName = Exclude<BackendName, 'torch'>;
export type TfjsBackendChoice = 'auto' | TfjsBackendName;
import { registerWasmTrainingKernels } from './wasmKernels';

/** Returns a module's exports, or throws like `require` (`code: 'MODULE_NOT_FOUND'` when it is not installed). */
export type ModuleLoader = (id: string) => unknown;

/** What a throwaway process saw when it loaded tfjs-node-gpu and ran an op (libtensorflow logs to fd 2, which
 * this process cannot read about itself). */
export interface GpuProbe {
  /** the op ran and TensorFlow listed a GPU device */
  gpu: boolean;
  /** the probe could not load the module or run the op: why */
  error?: string;
  /** libtensorflow's log, read by readTensorflowLog */
  log: TensorflowLog;
}

export interface LoadBackendOptions {
  /** default: defaultLoader(), which looks in the per-user engine cache, then in node_modules */
  load?: ModuleLoader;
  log?(line: string): void;
  /**
   * Checks tfjs-node-gpu in a child process before it is loaded here, so a missing CUDA library is reported
   * with libtensorflow's own words and a crash while loading native code cannot take the worker down.
   * Default: probeGpuInChildProcess with the default loader's resolution; none when `load` is injected.
   */
  probeGpu?: () => Promise<GpuProbe>;
}

export class BackendUnavailableError extends Error {
  constructor(readonly backend: TfjsBackendChoice | 'torch', readonly reasons: string[], message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** Thrown by an attempt to say why its backend cannot be used, in words meant for the user. */
class Unavailable extends Error {}

const ORDER: TfjsBackendName[] = ['gpu', 'node', 'wasm', 'cpu'];

export async function loadBackend(choice: TfjsBackendChoice, opts: LoadBackendOptions = {}): Promise<{ tf: TF; info: BackendInfo }> {
  const log = opts.log ?? (() => {});
  const root = enginesRoot();
  const load = opts.load ?? defaultLoader(root);
  const probeGpu = opts.probeGpu ?? (opts.load ? undefined : () => probeGpuInChildProcess(() => resolveEngine(ENGINE_PACKAGES.gpu, root)));
  const skipped: string[] = [];
  for (const name of choice === 'auto' ? ORDER : [choice]) {
    const t0 = Date.now();
    try {
      const { tf, device, notes } = await ATTEMPTS[name](load, probeGpu);
      const info: BackendInfo = { name, tfBackend: tf.getBackend(), device, skipped };
      for (const line of notes ?? []) log(line);
      log(`backend: ${name} (${info.tfBackend}) on ${device}, ready in ${Date.now() - t0} ms`);
      return { tf, info };
    } catch (err) {
      const reason = err instanceof Unavailable ? err.message : `failed to start: ${firstLine(err)}`;
      if (choice !== 'auto') {
        throw new BackendUnavailableError(name, [reason], `The ${name} backend is not available: ${reason}. ` +
          `Or choose the 'auto' backend, which uses the fastest one that works.`);
      }
      skipped.push(`${name}: ${reason}`);
      log(`backend ${name} skipped: ${reason}`);
    }
  }
  throw new BackendUnavailableError('auto', skipped, `No training backend could start:\n  ${skipped.join('\n  ')}`);
}

/** `notes`: lines for the log (not part of BackendInfo) */
type Attempt = (load: ModuleLoader, probeGpu?: () => Promise<GpuProbe>) => Promise<{ tf: TF; device: string; notes?: string[] }>;

const ATTEMPTS: Record<TfjsBackendName, Attempt> = {
  async gpu(load, probeGpu) {
    const pkg = ENGINE_PACKAGES.gpu;
    let gpuName: string | undefined;
    if (probeGpu) {
      const probe = await probeGpu();
      if (probe.error) throw new Unavailable(probe.error);
      if (!probe.gpu) throw new Unavailable(`${pkg} loaded, but TensorFlow found no usable GPU: ${noGpuWhy(probe.log)}`);
      gpuName = probe.log.gpuName;
    }
    const tf = loadEngine('gpu', load);
    await runTestOp(tf);
    if (!usesGpu(tf)) throw new Unavailable(`${pkg} loaded, but TensorFlow found no usable GPU`);
    return { tf, device: `${gpuName ?? 'GPU'} (CUDA)` };
  },

  async node(load) {
    const tf = loadEngine('node', load);
    await runTestOp(tf);
    const version = (tf.backend() as { binding?: { TF_Version?: string } }).binding?.TF_Version;
    return { tf, device: `CPU (native TensorFlow${version ? ` ${version}` : ''}, ${os.cpus().length} cores)` };
  },

  async wasm(load) {
    const tf = load('@tensorflow/tfjs-core') as TF;
    const wasm = load('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    // Bundled (dist/worker.js), the .wasm files sit in dist/wasm/ (esbuild.mjs copies them there); run from
    // source, tfjs finds them next to its own script.
    const bundled = path.join(__dirname, 'wasm');
    if (existsSync(path.join(bundled, 'tfjs-backend-wasm-simd.wasm'))) wasm.setWasmPaths(bundled + path.sep);
    const initialised = await withoutNewProcessHandlers(() => tf.setBackend('wasm'));
    if (!initialised) throw new Unavailable('the WebAssembly module did not initialise (tfjs printed the reason above)');
    const added = registerWasmTrainingKernels(tf);
    await runTestOp(tf);
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    return { tf, device: `CPU (WebAssembly${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'})`, notes: added.length ? [`wasm: DCGAN Lab kernels (missing gradients and faster paths): ${added.join(', ')}`] : [] };
  },

  async cpu(load) {
    const tf = load('@tensorflow/tfjs-core') as TF;
    load('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Unavailable('the JavaScript backend did not initialise');
    // The cpu backend greets Node users with advice to install tfjs-node on its first tensor; the choice (and
    // the reasons for it) are already reported through BackendInfo.
    await withoutWarning(/looks like you are running TensorFlow\.js in Node\.js/, () => runTestOp(tf));
    return { tf, device: 'CPU (JavaScript)' };
  },
};

function loadEngine(kind: EngineKind, load: ModuleLoader): TF {
  const pkg = ENGINE_PACKAGES[kind];
  let tf: TF;
  try {
    tf = load(pkg) as TF;
  } catch (err) {
    throw new Unavailable(explainLoadError(kind, err));
  }
  if (typeof tf?.getBackend !== 'function') throw new Unavailable(`${pkg} loaded, but it does not export a tfjs namespace`);
  if (tf.getBackend() !== 'tensorflow') throw new Unavailable(`${pkg} loaded, but its 'tensorflow' backend is not active (got '${tf.getBackend()}')`);
  return tf;
}

/** Exported for tests: the words for a failed `require` of an engine package. */
export function explainLoadError(kind: EngineKind, err: unknown): string {
  const pkg = ENGINE_PACKAGES[kind];
  const install = `run \`dcgan-lab engine install ${kind}\``;
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' && (msg.includes(`'${pkg}'`) || msg.includes(`"${pkg}"`))) {
    return `${pkg} is not installed; ${install}`;
  }
  if (code === 'MODULE_NOT_FOUND') return `${pkg} is installed but incomplete (${firstLine(err)}); ${install} again`;
  if (/tfjs_binding\.node\) can not be found/.test(msg)) {
    return `${pkg} is installed without its native addon (its install step did not finish); ${install} again`;
  }
  const lib = msg.match(/(lib[\w.+-]+\.so[\w.]*|[\w.-]+\.dll|[\w.-]+\.dylib)\b.*(cannot open shared object file|not found|could not be found|image not found)/i);
  if (lib) {
    const cuda = kind === 'gpu' && /cud|cublas|cufft|curand|cusolver|cusparse|nvinfer/i.test(lib[1]);
    return `${pkg} could not load the shared library ${lib[1]}` + (cuda
      ? ' (tfjs-node-gpu 4.22 runs TensorFlow 2.9, which needs the CUDA 11.2 runtime and cuDNN 8.1 on the library path)'
      : `; ${install} again`);
  }
  return `${pkg} failed to load: ${firstLine(err)}`;
}

/**
 * The module loader used by the worker: tfjs-core and the cpu/wasm backends are the bundled copies (static
 * requires, so esbuild bundles them); tfjs-node(-gpu) come from the engine cache that `installEngine` fills,
 * then from ordinary module resolution (a developer's node_modules).
 */
export function defaultLoader(root: string = enginesRoot()): ModuleLoader {
  return (id) => {
    switch (id) {
      case '@tensorflow/tfjs-core': return require('@tensorflow/tfjs-core');
      case '@tensorflow/tfjs-backend-cpu': return require('@tensorflow/tfjs-backend-cpu');
      case '@tensorflow/tfjs-backend-wasm': return require('@tensorflow/tfjs-backend-wasm');
      default: return createRequire(__filename)(resolveEngine(id, root));
    }
  };
}

/** The entry file of an engine package: from the engine cache first, then from node_modules. */
export function resolveEngine(id: string, root: string = enginesRoot()): string {
  const kind = (Object.keys(ENGINE_PACKAGES) as EngineKind[]).find((k) => ENGINE_PACKAGES[k] === id);
  const places = [...(kind ? [engineDir(kind, root)] : []), __dirname];
  for (const dir of places) {
    try {
      return createRequire(path.join(dir, 'noop.js')).resolve(id);
    } catch { /* try the next place */ }
  }
  const err = new Error(`Cannot find module '${id}' (looked in ${places.join(' and ')})`) as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
}

/**
 * Loads tfjs-node-gpu in a child process with TensorFlow's logging on, runs an op, and reads what libtensorflow
 * printed: the GPU's name ("Created device … name: NVIDIA H100 …") or why there is none (missing CUDA libraries,
 * cuInit errors). `entry` is the package's resolved entry file; a resolution error becomes "not installed".
 */
export async function probeGpuInChildProcess(entry: string | (() => string), timeoutMs = 180_000): Promise<GpuProbe> {
  let file: string;
  try {
    file = typeof entry === 'string' ? entry : entry();
  } catch (err) {
    return { gpu: false, error: explainLoadError('gpu', err), log: readTensorflowLog('') };
  }
  const script = `const tf = require(process.argv[1]);
const y = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).sum());
process.stdout.write(JSON.stringify({ value: y.dataSync()[0], gpu: tf.backend().isUsingGpuDevice === true }));`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script, file], {
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '0', ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ gpu: false, error: `the GPU check could not start a process (${e.message})`, log: readTensorflowLog(err) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const log = readTensorflowLog(err);
      let result: { value?: number; gpu?: boolean } = {};
      try { result = JSON.parse(out); } catch { /* reported below */ }
      if (code === 0 && result.value === 64 * 64 * 64) return resolve({ gpu: result.gpu === true, log });
      if (signal === 'SIGKILL') {
        return resolve({ gpu: false, log, error: `the GPU check did not finish within ${timeoutMs / 1000} s ` +
          '(on GPUs newer than TensorFlow 2.9, the first run compiles CUDA kernels; try again)' });
      }
      // The child's uncaught error, e.g. "Error: libcudart.so.11.0: cannot open shared object file"
      const thrown = err.match(/^\w*Error: (.*)$/m)?.[1] ?? `exit code ${code}: ${log.lines.slice(-1)[0] ?? 'no output'}`;
      const why = log.missingLibraries.length || log.cudaErrors.length ? `: ${noGpuWhy(log)}` : '';
      resolve({ gpu: false, log, error: signal
        ? `${ENGINE_PACKAGES.gpu} crashed while loading (${signal})${why}`
        : explainLoadError('gpu', new Error(thrown)) + why });
    });
  });
}

export interface TensorflowLog {
  /** from "Created device …GPU:0 with N MB memory: -> device: 0, name: NAME, pci bus id" */
  gpuName?: string;
  /** "Could not load dynamic library 'libcudart.so.11.0'" */
  missingLibraries: string[];
  /** cuInit failures, "CUDA driver version is insufficient…", "no CUDA-capable device" */
  cudaErrors: string[];
  /** every non-empty line, for the log */
  lines: string[];
}

/** Reads libtensorflow's stderr. Exported for tests. */
export function readTensorflowLog(text: string): TensorflowLog {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const missing = new Set<string>();
  const cudaErrors: string[] = [];
  let gpuName: string | undefined;
  for (const line of lines) {
    const lib = line.match(/Could not load dynamic library '([^']+)'/);
    if (lib) missing.add(lib[1]);
    const created = line.match(/Created device \S*GPU:\d+.*?name: (.+?), pci bus id/);
    if (created) gpuName ??= created[1].trim();
    const cuInit = line.match(/failed call to cuInit: (.*)$/);
    if (cuInit) cudaErrors.push(`cuInit failed: ${cuInit[1].trim()}`);
    else if (/CUDA driver version is insufficient|no CUDA-capable device|kernel driver does not appear to be running/i.test(line)) {
      cudaErrors.push(line.replace(/^.*?\] /, '').trim());
    }
  }
  return { gpuName, missingLibraries: [...missing], cudaErrors, lines };
}

function noGpuWhy(log: TensorflowLog): string {
  const parts: string[] = [];
  if (log.missingLibraries.length) {
    parts.push(`missing CUDA libraries ${log.missingLibraries.join(', ')} (tfjs-node-gpu 4.22 runs TensorFlow 2.9, ` +
      'which needs the CUDA 11.2 runtime and cuDNN 8.1 on the library path)');
  }
  parts.push(...log.cudaErrors);
  return parts.length ? parts.join('; ') : 'libtensorflow did not say why (is an NVIDIA driver installed?)';
}

function usesGpu(tf: TF): boolean {
  return (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

/** A real op whose answer is known: proves the backend computes, not just that it loaded. */
async function runTestOp(tf: TF): Promise<void> {
  const y = tf.tidy(() => tf.sum(tf.matMul(tf.ones([16, 16]), tf.ones([16, 16]))));
  const value = (await y.data())[0];
  y.dispose();
  if (value !== 16 * 16 * 16) throw new Unavailable(`a test matMul returned ${value} instead of ${16 * 16 * 16}`);
}

/**
 * Emscripten's Node glue, run when the wasm module initialises, adds process handlers that rethrow any uncaught
 * exception (killing the process with exit code 7 before the worker can report it) and turn unhandled
 * rejections into crashes. The worker does its own fatal-error reporting, so the handlers are taken out again.
 */
async function withoutNewProcessHandlers<T>(fn: () => Promise<T>): Promise<T> {
  const uncaught = process.listeners('uncaughtException');
  const rejection = process.listeners('unhandledRejection');
  try {
    return await fn();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!uncaught.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!rejection.includes(l)) process.removeListener('unhandledRejection', l);
  }
}

async function withoutWarning<T>(pattern: RegExp, fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!args.some((a) => typeof a === 'string' && pattern.test(a))) warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}
