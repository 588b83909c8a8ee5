/**
 * Messages between the extension host (or the CLI) and the training worker process, over Node's IPC channel
 * (`child_process.fork` with `serialization: 'advanced'`, so NaN losses arrive as NaN, not null).
 *
 * Life of a run: the worker sends `ready`; the host sends `start`; the worker answers `started`, then
 * `progress`, `sample`, `checkpoint`, `alert` and `log` as it trains, and ends with `done` (or `error` with
 * `fatal: true`), after which it exits. One worker runs one run.
 *
 * Either side may be a stranger (a webview relays intents; another process could write to the channel), so
 * each side checks what it receives with parseHostMessage / parseWorkerMessage before acting on it.
 */
import { arrayOf, bool, fields, nullable, num, oneOf, optional, ProtocolError, record, str } from './validate';
import type { Alert, AlertKind, BackendInfo, RunStart, ScanReport, StepMetrics, TrainConfig, TrainResult } from '../engine/types';

// ── host → worker ──────────────────────────────────────────────────────────────────────────────────────────

/** Host → worker, once, after `ready`: train with this configuration. */
export interface StartMessage { type: 'start'; config: TrainConfig }
/** Host → worker, any time during a run: pause after the current step (the worker answers `paused`). */
export interface PauseMessage { type: 'pause' }
/** Host → worker, while paused: continue (the worker answers `resumed`). */
export interface ResumeMessage { type: 'resume' }
/** Host → worker, any time: stop after the current step, write a final checkpoint, answer `done`. */
export interface StopMessage { type: 'stop' }

export type HostMessage = StartMessage | PauseMessage | ResumeMessage | StopMessage;

// ── worker → host ──────────────────────────────────────────────────────────────────────────────────────────

/** Worker → host, once, as soon as the process listens: send `start` now. */
export interface ReadyMessage { type: 'ready'; pid: number }
/** Worker → host, once, when the backend, model and data are ready and the first step is about to run. */
export interface StartedMessage { type: 'started'; run: RunStart }
/**
 * Worker → host, after training steps, throttled to at most ~10 per second. The latest step is never lost:
 * it is flushed before any `sample`, `checkpoint`, `alert`, `paused`, `done` or `error`.
 */
export interface ProgressMessage { type: 'progress'; metrics: StepMetrics }
/** Worker → host, when a fixed-noise sample grid PNG was written at `file`. */
export interface SampleMessage { type: 'sample'; step: number; file: string }
/** Worker → host, when a checkpoint was written at `file`. */
export interface CheckpointMessage { type: 'checkpoint'; step: number; file: string }
/** Worker → host, when the run looks unhealthy (mode collapse, D loss at zero, NaN). */
export interface AlertMessage { type: 'alert'; alert: Alert }
/** Worker → host, any time: a line for the output channel / terminal (backend choice, tfjs warnings…). */
export interface LogMessage { type: 'log'; line: string }
/**
 * Worker → host. `fatal: true`: the run is over (bad config, missing data, an exception in the loop); the
 * worker exits with code 1 right after. `fatal: false`: something was ignored (e.g. an invalid message).
 */
export interface ErrorMessage { type: 'error'; message: string; fatal: boolean }
/** Worker → host, once, when the run ended normally or by `stop`; the worker exits with code 0 right after. */
export interface DoneMessage { type: 'done'; result: TrainResult }
/** Worker → host, when a `pause` took effect: no step runs until `resume` or `stop`. */
export interface PausedMessage { type: 'paused'; step: number }
/** Worker → host, when training continues after `resume`. */
export interface ResumedMessage { type: 'resumed' }

export type WorkerMessage = ReadyMessage | StartedMessage | ProgressMessage | SampleMessage | CheckpointMessage |
  AlertMessage | LogMessage | ErrorMessage | DoneMessage | PausedMessage | ResumedMessage;

// ── runtime checks ─────────────────────────────────────────────────────────────────────────────────────────

/** Returns `x` typed as a HostMessage, or throws ProtocolError. */
export function parseHostMessage(x: unknown): HostMessage {
  const m = record(x, 'message');
  switch (m.type) {
    case 'start': trainConfig(m.config, 'start.config'); break;
    case 'pause': case 'resume': case 'stop': break;
    default: throw new ProtocolError('message.type', "'start', 'pause', 'resume' or 'stop'", m.type);
  }
  return m as unknown as HostMessage;
}

/** Returns `x` typed as a WorkerMessage, or throws ProtocolError. */
export function parseWorkerMessage(x: unknown): WorkerMessage {
  const m = record(x, 'message');
  const t = m.type;
  switch (t) {
    case 'ready': num(m.pid, 'ready.pid'); break;
    case 'started': runStart(m.run, 'started.run'); break;
    case 'progress': stepMetrics(m.metrics, 'progress.metrics'); break;
    case 'sample': case 'checkpoint': num(m.step, `${t}.step`); str(m.file, `${t}.file`); break;
    case 'alert': alert(m.alert, 'alert.alert'); break;
    case 'log': str(m.line, 'log.line'); break;
    case 'error': str(m.message, 'error.message'); bool(m.fatal, 'error.fatal'); break;
    case 'done': trainResult(m.result, 'done.result'); break;
    case 'paused': num(m.step, 'paused.step'); break;
    case 'resumed': break;
    default: throw new ProtocolError('message.type', 'a worker message type', t);
  }
  return m as unknown as WorkerMessage;
}

const BACKEND_CHOICES = ['auto', 'torch', 'gpu', 'node', 'wasm', 'cpu'] as const;
const ALERT_KINDS: readonly AlertKind[] = ['mode-collapse', 'd-loss-zero', 'nan'];

export function trainConfig(x: unknown, p: string): TrainConfig {
  fields(x, p, {
    model: (v, q) => optional(v, q, (m, r) => fields(m, r, {
      file: str,
      generator: (g, s) => optional(g, s, str),
      discriminator: (d, s) => optional(d, s, str),
      argv: (a, s) => optional(a, s, (l, t) => arrayOf(l, t, str)),
    })),
    data: (v, q) => optional(v, q, str),
    size: num, steps: num, batch: num, seed: num, ngf: num, ndf: num, nz: num, lr: num, beta1: num, beta2: num,
    gpWeight: num, nCritic: num, sampleEvery: num, swdEvery: num, checkpointEvery: num,
    out: str,
    backend: (v, q) => oneOf(v, BACKEND_CHOICES, q),
    loss: (v, q) => oneOf(v, ['bce', 'wgan-gp'], q),
    fit: (v, q) => oneOf(v, ['crop', 'pad'], q),
    resume: bool,
    cacheDir: (v, q) => optional(v, q, str),
    python: (v, q) => optional(v, q, str),
    pythonHint: (v, q) => optional(v, q, str),
    device: (v, q) => optional(v, q, str),
    amp: (v, q) => optional(v, q, (a, r) => oneOf(a, ['bf16', 'fp16'], r)),
    torchBlocked: (v, q) => optional(v, q, str),
  });
  return x as TrainConfig;
}

function backendInfo(x: unknown, p: string): BackendInfo {
  fields(x, p, {
    name: (v, q) => oneOf(v, BACKEND_CHOICES.slice(1), q),
    tfBackend: str, device: str,
    skipped: (v, q) => arrayOf(v, q, str),
    processes: (v, q) => optional(v, q, num),
    python: (v, q) => optional(v, q, str),
    torch: (v, q) => optional(v, q, str),
  });
  return x as BackendInfo;
}

export function scanReport(x: unknown, p: string): ScanReport {
  fields(x, p, {
    source: str, count: num,
    sizes: (v, q) => arrayOf(v, q, (e, r) => {
      if (!Array.isArray(e) || e.length !== 2) throw new ProtocolError(r, 'a [size, count] pair', e);
      str(e[0], `${r}[0]`);
      num(e[1], `${r}[1]`);
    }),
    formats: (v, q) => { for (const [k, n] of Object.entries(record(v, q))) num(n, `${q}.${k}`); },
    skipped: (v, q) => arrayOf(v, q, (e, r) => fields(e, r, { file: str, why: str })),
  });
  return x as ScanReport;
}

export function runStart(x: unknown, p: string): RunStart {
  fields(x, p, {
    backend: backendInfo, model: str, generatorParams: num, discriminatorParams: num,
    dataset: scanReport, firstStep: num, totalSteps: num,
    notes: (v, q) => optional(v, q, (l, r) => arrayOf(l, r, str)),
  });
  return x as RunStart;
}

export function stepMetrics(x: unknown, p: string): StepMetrics {
  fields(x, p, {
    step: num, epoch: num, lossD: num, lossG: num, dReal: num, dFake: num, dFakeAfter: num,
    gradNormD: num, gradNormG: num, imgPerSec: num, elapsedMs: num,
    swd: (v, q) => optional(v, q, num),
  });
  return x as StepMetrics;
}

export function alert(x: unknown, p: string): Alert {
  fields(x, p, { step: num, kind: (v, q) => oneOf(v, ALERT_KINDS, q), message: str });
  return x as Alert;
}

export function trainResult(x: unknown, p: string): TrainResult {
  fields(x, p, {
    out: str, steps: num, stoppedEarly: bool,
    reason: (v, q) => optional(v, q, str),
    lastCheckpoint: (v, q) => nullable(v, q, str),
    generatorExport: (v, q) => nullable(v, q, str),
    discriminatorExport: (v, q) => nullable(v, q, str),
  });
  return x as TrainResult;
}

export { ProtocolError };
