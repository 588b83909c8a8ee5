/**
 * The training worker: a child process that TrainingClient (src/protocol/client.ts) starts with
 * `child_process.fork`. It owns everything native (tfjs-node, libtensorflow, wasm) so that a crash in there
 * takes down this process, never the editor. It speaks only src/protocol/training.ts messages over IPC.
 *
 * One worker runs one run: `ready` → (start) → `started`, `progress`… → `done` or a fatal `error` → exit.
 * pause/resume/stop act between steps through the trainer's waitWhilePaused/shouldStop callbacks. If the
 * parent goes away (the IPC channel closes), the worker exits at once: no orphan keeps a GPU busy.
 */
import { existsSync, statSync } from 'node:fs';
import { format } from 'node:util';
import { parseHostMessage, type HostMessage, type WorkerMessage } from '../protocol/training';
import { loadPair, ModelRefused } from '../core/gan';
import { BackendUnavailableError } from './backend';
import { RunRefused } from './resume';
import { openBackend } from './select';
import { EngineFailure } from './torch/process';
import { train } from './trainer';
import type { StepMetrics, TrainCallbacks, TrainConfig, TrainResult } from './types';

/**
 * At most one `progress` message per `intervalMs`, and never a lost last step: a step that arrives too soon is
 * held and sent when the interval has passed, or earlier by flush(), which the worker calls before every
 * message that must follow it (sample, checkpoint, alert, paused, done, error).
 */
export class ProgressThrottle {
  private lastSent = -Infinity;
  private pending: StepMetrics | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (m: StepMetrics) => void, private readonly intervalMs = 100,
    private readonly now: () => number = Date.now) {}

  push(m: StepMetrics): void {
    this.pending = m;
    const wait = this.lastSent + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const m = this.pending;
    this.pending = null;
    this.lastSent = this.now();
    this.send(m);
  }
}

/** The run's pause/stop state, read by the trainer between steps. */
class RunControls {
  stopRequested = false;
  private pauseRequested = false;
  private wake: (() => void) | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly onPaused: () => void, private readonly onResumed: () => void) {}

  pause(): void {
    this.pauseRequested = true;
    this.notify();
  }
  resume(): void {
    this.pauseRequested = false;
    this.release();
  }
  stop(): void {
    this.stopRequested = true;
    this.notify();
    this.release();
  }
  private notify(): void {
    for (const l of this.listeners) l();
  }

  readonly interruptPending = (): boolean => this.pauseRequested || this.stopRequested;

  /** the engine ends its span of steps after the one under way: a pause or stop acts within one step */
  readonly onInterrupt = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  private release(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  readonly shouldStop = (): boolean => this.stopRequested;

  readonly waitWhilePaused = async (): Promise<void> => {
    // A step is synchronous tensor work chained by already-resolved promises; without one turn of the event
    // loop here, a pause or stop sent over IPC would wait for the next file write to be read.
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.pauseRequested || this.stopRequested) return;
    this.onPaused();
    await new Promise<void>((resolve) => (this.wake = resolve));
    if (!this.stopRequested) this.onResumed();
  };
}

/** An error whose message is the whole story for the user (no stack trace needed in the log). */
class ConfigError extends Error {}

/** The folders and files a config names exist: fail in milliseconds with a clear message, not after the backend loaded. */
export function preflight(config: TrainConfig): void {
  if (config.data !== undefined) {
    if (!existsSync(config.data)) {
      throw new ConfigError(`Data folder not found: ${config.data}. Choose a folder of images, or train on the built-in procedural dataset.`);
    }
    if (!statSync(config.data).isDirectory()) throw new ConfigError(`The data path is not a folder: ${config.data}. Choose a folder of images.`);
  }
  if (config.model && !existsSync(config.model.file)) {
    throw new ConfigError(`Model file not found: ${config.model.file}. Choose the PyTorch file that defines the generator and discriminator.`);
  }
}

/**
 * Crash injection for the client's tests, honoured only when DCGAN_LAB_TEST_CRASH is set in this process's
 * environment (the client never sets it on its own). It fires once the backend is loaded, where a real native
 * crash would happen. 'stubborn' is a worker hung in native code: it ignores SIGTERM and its event loop never turns
 * again (so it cannot see its channel close either), and dispose() must SIGKILL it.
 */
async function testCrash(kind: string | undefined): Promise<void> {
  switch (kind) {
    case undefined: case '': return;
    case 'abort': process.abort(); break;
    case 'segv': process.kill(process.pid, 'SIGSEGV'); break;
    case 'oom': {
      // V8's heap limit, as a model too large for memory would hit it (tests pass --max-old-space-size).
      const hog: unknown[] = [];
      for (;;) hog.push(Array.from({ length: 1e5 }, (_, i) => ({ i })));
    }
    case 'throw': throw new Error('test crash: an exception in the training loop');
    case 'uncaught': setImmediate(() => { throw new Error('test crash: an uncaught exception'); }); break;
    case 'reject': void Promise.reject(new Error('test crash: an unhandled rejection')); break;
    case 'exit': process.exit(3); break;
    case 'stubborn':
      console.log('test: hanging');
      await new Promise((resolve) => setTimeout(resolve, 200)); // the log line reaches the host first
      for (;;) { /* a native call that never returns */ }
    default: throw new Error(`DCGAN_LAB_TEST_CRASH=${kind}: expected abort, segv, oom, throw, uncaught, reject, exit or stubborn`);
  }
}

function main(): void {
  const send = (m: WorkerMessage): Promise<void> => new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, undefined, {}, () => resolve());
  });
  let exiting = false;
  const finish = async (last: WorkerMessage, code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    throttle.flush();
    await send(last);
    process.exit(code);
  };
  const fail = async (err: unknown): Promise<void> => {
    // A bug's stack trace goes to the log; a config or backend problem is explained by its message alone.
    const expected = err instanceof ConfigError || err instanceof BackendUnavailableError || err instanceof ModelRefused || err instanceof EngineFailure ||
      err instanceof RunRefused;
    if (!expected && err instanceof Error && err.stack) await send({ type: 'log', line: err.stack });
    await finish({ type: 'error', message: errorText(err), fatal: true }, 1);
  };

  // Whatever the loop or a library prints reaches the host as `log` lines (the host shows them; stdout and
  // stderr stay for what only native code writes: libtensorflow's log, V8's fatal errors).
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[level] = (...args: unknown[]) => {
      const line = format(...args);
      if (process.connected) void send({ type: 'log', line });
      else process.stderr.write(`${line}\n`);
    };
  }

  const throttle = new ProgressThrottle((metrics) => void send({ type: 'progress', metrics }));
  let lastStep = 0;
  const controls = new RunControls(
    () => { throttle.flush(); void send({ type: 'paused', step: lastStep }); },
    () => void send({ type: 'resumed' }));
  let started = false;

  const run = async (config: TrainConfig): Promise<void> => {
    preflight(config);
    const log = (line: string) => void send({ type: 'log', line });
    // the shape check first: a pair it refuses never reaches an engine (nor the user's Python)
    const pair = await loadPair(config);
    const backend = await openBackend(config, pair, { log });
    for (const reason of backend.info.skipped) log(`falling back: ${reason}`);
    await testCrash(process.env.DCGAN_LAB_TEST_CRASH);
    if (controls.stopRequested) {
      if (backend.kind === 'torch') await backend.proc.close();
      const result: TrainResult = { out: config.out, steps: 0, stoppedEarly: true, reason: 'stopped before the first step',
        lastCheckpoint: null, generatorExport: null, discriminatorExport: null };
      return finish({ type: 'done', result }, 0);
    }
    const callbacks: TrainCallbacks = {
      onStart: (s) => void send({ type: 'started', run: s }),
      onStep: (m) => { lastStep = m.step; throttle.push(m); },
      onSample: (s) => { throttle.flush(); void send({ type: 'sample', ...s }); },
      onCheckpoint: (c) => { throttle.flush(); void send({ type: 'checkpoint', ...c }); },
      onAlert: (alert) => { throttle.flush(); void send({ type: 'alert', alert }); },
      shouldStop: controls.shouldStop,
      waitWhilePaused: controls.waitWhilePaused,
      interruptPending: controls.interruptPending,
      onInterrupt: controls.onInterrupt,
    };
    const result = await train(backend, config, callbacks, pair);
    await finish({ type: 'done', result }, 0);
  };

  const handlers: { [K in HostMessage['type']]: (m: Extract<HostMessage, { type: K }>) => void } = {
    start: (m) => {
      if (started) return void send({ type: 'error', message: 'ignored a second `start`: this worker already runs a run', fatal: false });
      started = true;
      run(m.config).catch(fail);
    },
    pause: () => controls.pause(),
    resume: () => controls.resume(),
    stop: () => controls.stop(),
  };

  process.on('message', (raw) => {
    let msg: HostMessage;
    try {
      msg = parseHostMessage(raw);
    } catch (err) {
      return void send({ type: 'error', message: `ignored a message: ${errorText(err)}`, fatal: false });
    }
    (handlers[msg.type] as (m: HostMessage) => void)(msg);
  });
  // The host stops a run with `stop` (Ctrl+C in the CLI, Stop Training) and kills the worker by closing the
  // channel (dispose()). A terminal's Ctrl+C reaches the whole process group, this worker included, and a group's
  // SIGTERM likewise: neither may take the run down behind the host's back, so both are left to the host.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  void send({ type: 'ready', pid: process.pid });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

if (require.main === module) {
  if (!process.send) {
    process.stderr.write('dcgan-lab worker: start me through TrainingClient (child_process.fork); I talk only over IPC.\n');
    process.exit(2);
  }
  main();
}
