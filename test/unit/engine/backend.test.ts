/**
 * The backend chain: which backend 'auto' picks when faster ones are absent, broken or GPU-less, the reasons it
 * records, the errors a forced choice gives, and the real wasm and cpu backends running an op. tfjs-node(-gpu)
 * are stood in for by fake packages (injected, or written into a temporary engine cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BackendUnavailableError, defaultLoader, explainLoadError, loadBackend, probeGpuInChildProcess, readTensorflowLog,
  resolveEngine, type GpuProbe, type ModuleLoader,
} from '../../../src/engine/backend';

const real = defaultLoader(path.join(os.tmpdir(), 'dcgan-lab-no-engines'));

function notFound(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
}

/** A stand-in for tfjs-node(-gpu)'s namespace: just enough for the test op (ones → matMul → sum → data). */
function fakeNodeTf(gpu: boolean): unknown {
  const value = (v: number) => ({ data: async () => [v], dataSync: () => [v], dispose() {}, sum: () => value(v) });
  return {
    getBackend: () => 'tensorflow',
    backend: () => ({ isUsingGpuDevice: gpu, binding: { TF_Version: '2.9.1' } }),
    tidy: <T>(f: () => T) => f(),
    ones: (shape: number[]) => shape,
    matMul: (a: number[]) => ({ sum: () => value(a[0] ** 3) }),
    sum: (x: { sum(): unknown }) => x.sum(),
  };
}

/** The real bundled modules, with the engine packages replaced as given. */
function loader(engines: Record<string, () => unknown>): ModuleLoader & { calls: string[] } {
  const calls: string[] = [];
  const load = (id: string) => {
    calls.push(id);
    return id in engines ? engines[id]() : real(id);
  };
  return Object.assign(load, { calls });
}

const absent = { '@tensorflow/tfjs-node-gpu': () => { throw notFound('@tensorflow/tfjs-node-gpu'); },
  '@tensorflow/tfjs-node': () => { throw notFound('@tensorflow/tfjs-node'); } };

test('auto: nothing native installed → wasm, with one reason per skipped backend, in order', async () => {
  const lines: string[] = [];
  const { tf, info } = await loadBackend('auto', { load: loader(absent), log: (l) => lines.push(l) });
  assert.equal(info.name, 'wasm');
  assert.equal(info.tfBackend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(info.device, /^CPU \(WebAssembly(, SIMD)?, 1 thread\)$/);
  assert.deepEqual(info.skipped, [
    'gpu: @tensorflow/tfjs-node-gpu is not installed; run `dcgan-lab engine install gpu`',
    'node: @tensorflow/tfjs-node is not installed; run `dcgan-lab engine install node`',
  ]);
  assert.ok(lines.some((l) => /^backend: wasm/.test(l)), lines.join('\n'));
});

test('auto: tfjs-node-gpu fails to load (missing libcudart) → the CUDA library is named, then node is used', async () => {
  const load = loader({
    '@tensorflow/tfjs-node-gpu': () => {
      throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
    },
    '@tensorflow/tfjs-node': () => fakeNodeTf(false),
  });
  const { info } = await loadBackend('auto', { load });
  assert.equal(info.name, 'node');
  assert.equal(info.device, `CPU (native TensorFlow 2.9.1, ${os.cpus().length} cores)`);
  assert.equal(info.skipped.length, 1);
  assert.match(info.skipped[0], /^gpu: @tensorflow\/tfjs-node-gpu could not load the shared library libcudart\.so\.11\.0 \(.*CUDA 11\.2 runtime and cuDNN 8\.1/);
});

test('auto: tfjs-node-gpu loads but TensorFlow sees no GPU → skipped with that reason, not used on the CPU', async () => {
  const { info } = await loadBackend('auto', { load: loader({ ...absent, '@tensorflow/tfjs-node-gpu': () => fakeNodeTf(false) }) });
  assert.equal(info.name, 'wasm');
  assert.equal(info.skipped[0], 'gpu: @tensorflow/tfjs-node-gpu loaded, but TensorFlow found no usable GPU');
  assert.match(info.skipped[1], /^node: .* is not installed/);
});

test('gpu: the probe\'s verdict comes first; a GPU-less probe keeps tfjs-node-gpu out of this process', async () => {
  const load = loader({ ...absent, '@tensorflow/tfjs-node-gpu': () => fakeNodeTf(true) });
  const noGpu: GpuProbe = { gpu: false, log: readTensorflowLog(TF_LOG_NO_GPU) };
  const { info } = await loadBackend('auto', { load, probeGpu: async () => noGpu });
  assert.ok(!load.calls.includes('@tensorflow/tfjs-node-gpu'), 'tfjs-node-gpu was loaded in-process');
  assert.match(info.skipped[0], /^gpu: @tensorflow\/tfjs-node-gpu loaded, but TensorFlow found no usable GPU: missing CUDA libraries libcudart\.so\.11\.0, libcudnn\.so\.8 .*; cuInit failed: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected$/);

  const withGpu: GpuProbe = { gpu: true, log: readTensorflowLog(TF_LOG_GPU) };
  const forced = await loadBackend('gpu', { load, probeGpu: async () => withGpu });
  assert.deepEqual(forced.info, { name: 'gpu', tfBackend: 'tensorflow', device: 'NVIDIA H100 80GB HBM3 (CUDA)', skipped: [] });
});

test('a forced backend that cannot start is an error that says why, never a fallback', async () => {
  await assert.rejects(loadBackend('gpu', { load: loader(absent) }), (err: Error) => {
    assert.ok(err instanceof BackendUnavailableError);
    assert.equal(err.message, 'The gpu backend is not available: @tensorflow/tfjs-node-gpu is not installed; run ' +
      "`dcgan-lab engine install gpu`. Or choose the 'auto' backend, which uses the fastest one that works.");
    return true;
  });
  await assert.rejects(loadBackend('node', { load: loader({ '@tensorflow/tfjs-node': () => { throw new Error('tfjs_binding.node: invalid ELF header'); } }) }),
    /The node backend is not available: @tensorflow\/tfjs-node failed to load: tfjs_binding\.node: invalid ELF header/);
  const noWasm = loader({ '@tensorflow/tfjs-backend-wasm': () => { throw notFound('@tensorflow/tfjs-backend-wasm'); } });
  await assert.rejects(loadBackend('wasm', { load: noWasm }), (err: Error) => {
    assert.match(err.message, /^The wasm backend is not available: failed to start: Cannot find module '@tensorflow\/tfjs-backend-wasm'/);
    assert.ok(!noWasm.calls.includes('@tensorflow/tfjs-backend-cpu'), 'fell back to cpu');
    return true;
  });
});

test('the real cpu and wasm backends load and compute', async () => {
  const cpu = await loadBackend('cpu', { load: real });
  assert.deepEqual(cpu.info, { name: 'cpu', tfBackend: 'cpu', device: 'CPU (JavaScript)', skipped: [] });
  const tf = cpu.tf;
  assert.deepEqual(Array.from(await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data()), [4, 6]);

  const wasm = await loadBackend('wasm', { load: real });
  assert.equal(wasm.tf.getBackend(), 'wasm');
  const x = wasm.tf.tensor2d([[1, 2], [3, 4]]);
  assert.deepEqual(Array.from(await wasm.tf.matMul(x, x).data()), [7, 10, 15, 22]);
  // the training kernels wasm lacks (conv backprop) are registered
  assert.ok(wasm.tf.getKernel('Conv2DBackpropInput', 'wasm'), 'Conv2DBackpropInput is missing on wasm');
});

test('load errors are explained in the user\'s terms', () => {
  assert.equal(explainLoadError('gpu', notFound('@tensorflow/tfjs-node-gpu')),
    '@tensorflow/tfjs-node-gpu is not installed; run `dcgan-lab engine install gpu`');
  assert.equal(explainLoadError('node', notFound('@tensorflow/tfjs')),
    "@tensorflow/tfjs-node is installed but incomplete (Cannot find module '@tensorflow/tfjs'); run `dcgan-lab engine install node` again");
  assert.equal(explainLoadError('gpu', new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x')),
    '@tensorflow/tfjs-node-gpu is installed without its native addon (its install step did not finish); run `dcgan-lab engine install gpu` again');
  assert.equal(explainLoadError('node', new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory')),
    '@tensorflow/tfjs-node could not load the shared library libtensorflow.so.2; run `dcgan-lab engine install node` again');
});

const TF_LOG_NO_GPU = `2026-01-01 12:00:00.000001: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory
2026-01-01 12:00:00.000002: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory
2026-01-01 12:00:00.000003: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU.
2026-01-01 12:00:00.000004: E tensorflow/stream_executor/cuda/cuda_driver.cc:271] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected`;

const TF_LOG_GPU = `2026-01-01 12:00:00.000001: I tensorflow/core/platform/cpu_feature_guard.cc:193] This TensorFlow binary is optimized with oneAPI Deep Neural Network Library (oneDNN) to use the following CPU instructions in performance-critical operations:  AVX2 FMA
2026-01-01 12:00:00.000002: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1616] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 79078 MB memory:  -> device: 0, name: NVIDIA H100 80GB HBM3, pci bus id: 0000:19:00.0, compute capability: 9.0`;

test('libtensorflow\'s log: the GPU\'s name, missing libraries, CUDA errors', () => {
  assert.deepEqual(readTensorflowLog(TF_LOG_GPU), {
    gpuName: 'NVIDIA H100 80GB HBM3', missingLibraries: [], cudaErrors: [], lines: TF_LOG_GPU.split('\n'),
  });
  const none = readTensorflowLog(TF_LOG_NO_GPU);
  assert.equal(none.gpuName, undefined);
  assert.deepEqual(none.missingLibraries, ['libcudart.so.11.0', 'libcudnn.so.8']);
  assert.deepEqual(none.cudaErrors, ['cuInit failed: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected']);
});

// ── the default loader and the out-of-process GPU probe, against fake packages in a temporary engine cache ──

/** Writes a fake engine package: it prints `stderr` as libtensorflow would, then exports a fake namespace. */
function fakeEngine(root: string, kind: 'gpu' | 'node', opts: { gpu?: boolean; stderr?: string; body?: string } = {}): void {
  const name = kind === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  const dir = path.join(root, kind, 'node_modules', '@tensorflow', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@tensorflow/${name}`, version: '4.22.0', main: 'index.js' }));
  writeFileSync(path.join(dir, 'index.js'), `${opts.body ?? ''}
process.stderr.write(${JSON.stringify(opts.stderr ?? '')});
globalThis.__fakeEngineLoaded = (globalThis.__fakeEngineLoaded || []).concat(${JSON.stringify(kind)});
const value = (v) => ({ data: async () => [v], dataSync: () => [v], dispose() {}, sum: () => value(v) });
module.exports = { getBackend: () => 'tensorflow', backend: () => ({ isUsingGpuDevice: ${opts.gpu === true}, binding: { TF_Version: '2.9.1' } }),
  tidy: (f) => f(), ones: (s) => s, matMul: (a) => ({ sum: () => value(a[0] ** 3) }), sum: (x) => x.sum() };
`);
}

async function withEngines<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'dcgan-engines-'));
  const before = process.env.DCGAN_LAB_ENGINES_DIR;
  process.env.DCGAN_LAB_ENGINES_DIR = root;
  try {
    return await fn(root);
  } finally {
    if (before === undefined) delete process.env.DCGAN_LAB_ENGINES_DIR;
    else process.env.DCGAN_LAB_ENGINES_DIR = before;
    rmSync(root, { recursive: true, force: true });
  }
}

const loadedHere = () => (globalThis as { __fakeEngineLoaded?: string[] }).__fakeEngineLoaded ?? [];

test('default loader: engines come from the per-user cache; a GPU-less tfjs-node-gpu is judged in a child process', async () => {
  await withEngines(async (root) => {
    assert.throws(() => resolveEngine('@tensorflow/tfjs-node', root), { code: 'MODULE_NOT_FOUND' });
    fakeEngine(root, 'gpu', { gpu: false, stderr: `${TF_LOG_NO_GPU}\n` });
    fakeEngine(root, 'node');
    assert.equal(resolveEngine('@tensorflow/tfjs-node', root), path.join(root, 'node', 'node_modules', '@tensorflow', 'tfjs-node', 'index.js'));
    const { info } = await loadBackend('auto');
    assert.equal(info.name, 'node');
    assert.match(info.skipped[0], /^gpu: .* no usable GPU: missing CUDA libraries libcudart\.so\.11\.0, libcudnn\.so\.8 .*cuInit failed: CUDA_ERROR_NO_DEVICE/);
    assert.deepEqual(loadedHere(), ['node'], 'only tfjs-node was loaded in this process');
  });
});

test('GPU probe: the device name from libtensorflow\'s log; a crash while loading is a reason, not a dead worker', async () => {
  await withEngines(async (root) => {
    fakeEngine(root, 'gpu', { gpu: true, stderr: `${TF_LOG_GPU}\n` });
    const entry = resolveEngine('@tensorflow/tfjs-node-gpu', root);
    const ok = await probeGpuInChildProcess(entry);
    assert.equal(ok.gpu, true);
    assert.equal(ok.log.gpuName, 'NVIDIA H100 80GB HBM3');

    rmSync(path.join(root, 'gpu'), { recursive: true });
    fakeEngine(root, 'gpu', { body: 'process.abort();' });
    const crashed = await probeGpuInChildProcess(entry);
    assert.equal(crashed.gpu, false);
    assert.match(crashed.error ?? '', /^@tensorflow\/tfjs-node-gpu crashed while loading \(SIGABRT\)/);

    rmSync(path.join(root, 'gpu'), { recursive: true });
    fakeEngine(root, 'gpu', { body: "throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');" });
    const failed = await probeGpuInChildProcess(entry);
    assert.match(failed.error ?? '', /could not load the shared library libcudart\.so\.11\.0 \(/);

    const missing = await probeGpuInChildProcess(() => resolveEngine('@tensorflow/tfjs-node-gpu', path.join(root, 'none')));
    assert.equal(missing.error, '@tensorflow/tfjs-node-gpu is not installed; run `dcgan-lab engine install gpu`');
  });
});
