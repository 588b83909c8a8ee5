/**
 * The torch engine behind the StepEngine interface: the pair the static engine accepted, built by the user's own
 * PyTorch from the user's own file (only the statements building it needs), trained in engine.py. Batches come
 * from the dataset's cache file, read by the Python side in the same order as the Node side would hand them out;
 * metrics come back in batches (one device sync per report, not one per step).
 */
import type { GanPair } from '../../core/gan';
import { decodeSafetensors, encodeSafetensors } from '../safetensors';
import type { EngineState, StepEngine, StepRow } from '../stepEngine';
import type { BackendInfo, TrainConfig } from '../types';
import { EngineFailure, type TorchProcess } from './process';

/** How often the engine reads metrics back from the device and reports them (the worker's progress throttle). */
const REPORT_MS = 100;

/** What the engine trains on: the cache file of preprocessed records (the Node side builds it), or random bytes. */
export type TorchData =
  | { kind: 'cache'; file: string; count: number; size: number; channels: number; seed: number }
  | { kind: 'random'; count: number; size: number; channels: number; seed: number };

/** The module the torch engine executes: the file, and its text with only the statements the pair needs. */
export interface TorchModule {
  file: string; source: string; argv: string[];
  /** which statements of the file were left out, for the user (not sent to the engine) */
  notes?: string[];
}

export interface TorchInit {
  module: TorchModule;
  data: TorchData;
  fixedNoise: Float32Array;
}

export class TorchEngine implements StepEngine {
  private constructor(private readonly proc: TorchProcess, readonly backend: BackendInfo, private readonly batch: number, private readonly moduleNotes: string[]) {}

  get notes(): string[] {
    return [...this.moduleNotes, ...this.proc.notes];
  }

  /** Builds the pair in the engine (and checks it is the pair the static engine saw). */
  static async create(proc: TorchProcess, backend: BackendInfo, pair: GanPair, cfg: TrainConfig, init: TorchInit): Promise<TorchEngine> {
    for (const [role, net] of [['generator', pair.generator], ['discriminator', pair.discriminator]] as const) {
      if (net.build === null) {
        throw new EngineFailure(`${pair.description}: the ${role} ${net.name} the shape check used is built inside a function, where the ` +
          'torch engine cannot build it again; build it at module level (e.g. `netG = Generator(...)`)', 'engine');
      }
    }
    const e = new TorchEngine(proc, backend, cfg.batch, init.module.notes ?? []);
    await e.call({
      cmd: 'init', device: cfg.device ?? 'auto', amp: cfg.amp ?? null,
      model: { file: init.module.file, source: init.module.source, argv: init.module.argv },
      generator: { build: pair.generator.build }, discriminator: { build: pair.discriminator.build },
      latentShape: pair.latentShape, imageShape: [pair.channels, pair.size, pair.size],
      batch: cfg.batch, seed: cfg.seed, loss: cfg.loss, gpWeight: cfg.gpWeight, nCritic: cfg.nCritic,
      lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, data: init.data,
    }, bytesOf(init.fixedNoise));
    return e;
  }

  async run(from: number, to: number, onRows: (first: number, rows: StepRow[]) => void, signal: AbortSignal): Promise<number> {
    if (signal.aborted) return from - 1;
    const request = this.proc.request({ cmd: 'run', from, to, reportMs: REPORT_MS }, undefined, ({ msg, payload }) => {
      const count = Number(msg.count);
      const values = new Float64Array(count * 8);
      new Uint8Array(values.buffer).set(payload!.subarray(0, values.byteLength));
      const ms = (Number(msg.seconds) * 1000) / Math.max(1, count);
      const rows: StepRow[] = [];
      for (let i = 0; i < count; i++) {
        const r = values.subarray(i * 8, i * 8 + 8);
        rows.push({ lossD: r[0], lossG: r[1], dReal: r[2], dFake: r[3], dFakeAfter: r[4], gradNormD: r[5], gradNormG: r[6], epoch: r[7], ms });
      }
      onRows(Number(msg.first), rows);
    });
    const interrupt = () => this.proc.interrupt(request.id);
    signal.addEventListener('abort', interrupt, { once: true });
    try {
      const { msg } = await request.catch((err: unknown) => { throw this.explain(err); });
      return Number(msg.last);
    } finally {
      signal.removeEventListener('abort', interrupt);
    }
  }

  async sample(): Promise<Float32Array> {
    const { payload } = await this.call({ cmd: 'sample' });
    const out = new Float32Array(payload!.length / 4);
    new Uint8Array(out.buffer).set(payload!);
    return out;
  }

  async state(): Promise<EngineState> {
    const { payload } = await this.call({ cmd: 'state' });
    const { tensors, metadata } = decodeSafetensors(payload!, 'the PyTorch engine\'s state');
    return {
      tensors, adamStepG: Number(metadata.adamStepG), adamStepD: Number(metadata.adamStepD),
      position: JSON.parse(metadata.position) as EngineState['position'],
    };
  }

  async load(state: EngineState): Promise<void> {
    const blob = encodeSafetensors(state.tensors, {
      adamStepG: String(state.adamStepG), adamStepD: String(state.adamStepD), position: JSON.stringify(state.position),
    });
    await this.call({ cmd: 'load' }, blob);
  }

  /** A plain PyTorch loop of the same pair and step, for `bench`: img/s. */
  async reference(steps: number, warmup: number): Promise<number> {
    const { msg } = await this.call({ cmd: 'reference', steps, warmup });
    return Number(msg.imgPerSec);
  }

  async dispose(): Promise<void> {
    await this.proc.close();
  }

  private async call(cmd: Record<string, unknown>, payload?: Uint8Array) {
    try {
      return await this.proc.request(cmd, payload);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** The engine's report, in words that say where (the user's file:line) and what to do. */
  private explain(err: unknown): Error {
    if (!(err instanceof EngineFailure) || err.kind === 'crash' || err.kind === 'engine') return err as Error;
    const d = err.detail as { pyType?: string; message?: string; file?: string; line?: number; function?: string; code?: string; step?: number | null };
    const at = d.file ? ` (${d.file}:${d.line}${d.function ? `, in ${d.function}` : ''}${d.code ? `: ${d.code}` : ''})` : '';
    const step = d.step ? ` at step ${d.step}` : '';
    if (err.kind === 'oom') {
      const half = Math.max(1, Math.floor(this.batch / 2));
      return new EngineFailure(`${this.backend.device} ran out of memory${step} with batch ${this.batch}: ${d.pyType}: ${d.message}${at}. ` +
        `Try --batch ${half} (the dcganLab.training.batch setting)${this.batch > 1 ? '' : ', a smaller model or image size'}; the last checkpoint is intact.`, 'oom', err.detail);
    }
    return new EngineFailure(`${d.pyType}: ${d.message}${at}${step}`, 'exception', err.detail);
  }
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
