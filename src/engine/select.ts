/**
 * Which engine trains a pair. `--backend torch` is the user's PyTorch; a tfjs backend is one of loadBackend's.
 * `auto` puts torch first when its torch sees a GPU (CUDA or MPS), or when the pair uses something the tfjs engines
 * do not execute; otherwise the order is gpu → node → wasm → cpu, with torch's reason for being passed over in
 * `skipped`. A forced backend that cannot start is an error, never a silent fallback.
 */
import type { GanPair } from '../core/gan';
import { BackendUnavailableError, loadBackend, type LoadBackendOptions } from './backend';
import { startTorchProcess, torchDevice, TorchUnavailable } from './torch/discover';
import type { TorchProcess } from './torch/process';
import type { BackendInfo, TF, TrainConfig } from './types';

export type OpenedBackend =
  | { kind: 'tfjs'; tf: TF; info: BackendInfo }
  | { kind: 'torch'; proc: TorchProcess; info: BackendInfo };

export interface OpenOptions extends LoadBackendOptions {
  /** for tests: a stand-in engine script */
  torchScript?: string;
}

type TorchAttempt = { proc: TorchProcess; info: BackendInfo; onCpu: boolean } | { why: string };

async function tryTorch(cfg: TrainConfig, log: (line: string) => void, script?: string): Promise<TorchAttempt> {
  if (cfg.torchBlocked) return { why: cfg.torchBlocked };
  let proc: TorchProcess;
  let tried: string[];
  try {
    ({ proc, tried } = await startTorchProcess({ python: cfg.python, pythonHint: cfg.pythonHint }, { log, script }));
  } catch (e) {
    if (e instanceof TorchUnavailable) return { why: e.message };
    throw e;
  }
  for (const t of tried) log(`python skipped: ${t}`);
  const h = proc.hello;
  const device = torchDevice(h, cfg.device);
  const ampWhy = cfg.amp === 'fp16' && !('error' in device) && device.kind !== 'cuda'
    ? `--amp fp16 needs a CUDA device (PyTorch's fp16 autocast with a gradient scaler); on ${device.kind === 'mps' ? 'MPS use no --amp' : 'the CPU use --amp bf16 or no --amp'}`
    : cfg.amp === 'bf16' && !('error' in device) && device.kind === 'mps' ? '--amp bf16 is not supported on MPS; use no --amp' : null;
  if ('error' in device || ampWhy) {
    await proc.close();
    return { why: 'error' in device ? device.error : ampWhy! };
  }
  log(`python: ${h.python} (Python ${h.pythonVersion}, torch ${h.torch})`);
  return {
    proc, onCpu: device.kind === 'cpu',
    info: { name: 'torch', tfBackend: 'pytorch', device: device.name, skipped: [], processes: 1, python: h.python, torch: h.torch },
  };
}

export async function openBackend(cfg: TrainConfig, pair: GanPair, opts: OpenOptions = {}): Promise<OpenedBackend> {
  const log = opts.log ?? (() => {});
  const skipped: string[] = [];
  const tfjsCannot = pair.nets ? null : pair.notTrainable?.message ?? `${pair.description} uses something the tfjs engines do not execute`;
  if (cfg.backend === 'torch' || cfg.backend === 'auto') {
    const t = await tryTorch(cfg, log, opts.torchScript);
    if ('proc' in t) {
      // on a CPU, the tfjs engines come first for a pair they can train (the order before the torch engine)
      if (cfg.backend === 'torch' || !t.onCpu || tfjsCannot || (cfg.device && cfg.device !== 'auto')) {
        t.info.skipped = skipped;
        return { kind: 'torch', proc: t.proc, info: t.info };
      }
      skipped.push(`torch: ${t.info.device.replace(/^CPU, /, 'CPU only, ')} at ${t.proc.hello.python}; on a CPU the built-in engines come first (--backend torch uses it)`);
      await t.proc.close();
    } else if (cfg.backend === 'torch') {
      throw new BackendUnavailableError('torch', [t.why], `The torch backend is not available: ${t.why}.`);
    } else {
      skipped.push(`torch: ${t.why}`);
    }
  }
  if (tfjsCannot) {
    throw new BackendUnavailableError(cfg.backend, skipped, `${tfjsCannot}\nThe tfjs engines cannot train this pair; the torch engine ` +
      `(your own PyTorch) can: ${cfg.backend === 'auto' ? `it is not available here: ${skipped.join('; ')}` : 'train it with --backend torch'}.`);
  }
  const { tf, info } = await loadBackend(cfg.backend as Exclude<TrainConfig['backend'], 'torch'>, opts);
  info.skipped.unshift(...skipped);
  return { kind: 'tfjs', tf, info };
}
