/**
 * The host side of a training run, used by the CLI and the extension host: starts the worker process, sends it
 * protocol messages, and turns what comes back (and how the process ends) into typed events.
 *
 * It never loads tfjs or anything native. Whatever happens to the worker (an exception, an abort, a segfault
 * in libtensorflow, the OOM killer) arrives as one `error` event with the exit code or signal and the worker's
 * last output; nothing is thrown into the host. dispose() kills the worker, and so does the host's own exit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Alert, RunStart, StepMetrics, TrainConfig, TrainResult } from '../engine/types';
import { parseWorkerMessage, type HostMessage, type WorkerMessage } from './training';

export interface TrainingFailure {
  message: string;
  /** true: the run is over; false: the worker ignored something and goes on */
  fatal: boolean;
  /** set when the worker process ended without finishing the run */
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** the worker's last log and stdout/stderr lines, oldest first */
  lastLines: string[];
}

export interface TrainingClientEvents {
  ready: [pid: number];
  started: [run: RunStart];
  progress: [metrics: StepMetrics];
  sample: [sample: { step: number; file: string }];
  checkpoint: [checkpoint: { step: number; file: string }];
  alert: [alert: Alert];
  /** the worker's `log` messages and every line it (or native code in it) writes to stdout/stderr */
  log: [line: string];
  error: [failure: TrainingFailure];
  done: [result: TrainResult];
  paused: [step: number];
  resumed: [];
  /** the worker process is gone (after `done`, a fatal `error`, or dispose()) */
  exit: [exit: { code: number | null; signal: NodeJS.Signals | null }];
}

export interface TrainingClientOptions {
  /** the worker script (default: locateWorker()) */
  workerPath?: string;
  /** extra Node.js flags for the worker, e.g. `--max-old-space-size=8192` */
  execArgv?: string[];
  /** start the worker with `--inspect=127.0.0.1:<port>` (0: any free port; it is printed as a log line) */
  inspect?: number;
  /** with `inspect`: wait for the debugger before running anything (`--inspect-brk`) */
  inspectBrk?: boolean;
  /** added to the worker's environment (which is otherwise the host's) */
  env?: NodeJS.ProcessEnv;
  /** dispose(): how long the worker may take to exit after its channel closes before it gets SIGKILL (default 2000 ms) */
  killGraceMs?: number;
}

/** How many of the worker's last lines a crash report carries. */
const LAST_LINES = 20;

/**
 * Where the worker is: `worker.js` next to this file once bundled (dist/cli.js, dist/extension.js and
 * dist/worker.js sit together, in the repository and in the .vsix); run from source (tests, tsx), the worker's
 * own TypeScript, through tsx's loader as the host itself runs.
 */
export function locateWorker(dir: string = __dirname): { file: string; execArgv: string[] } {
  const bundled = path.join(dir, 'worker.js');
  if (existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = path.join(dir, '..', 'engine', 'worker.ts');
  if (existsSync(source)) {
    const tsx = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
    return { file: source, execArgv: ['--import', tsx] };
  }
  throw new Error(`The training worker is missing: neither ${bundled} nor ${source} exists. Build with \`npm run build\`.`);
}

export class TrainingClient extends EventEmitter<TrainingClientEvents> {
  /** the worker's process id (undefined when it could not be started) */
  readonly pid: number | undefined = undefined;
  /** resolves when the worker process is gone and its output is read */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private readonly child: ChildProcess | null = null;
  private readonly killGraceMs: number;
  private ready = false;
  private readonly queue: HostMessage[] = [];
  private readonly lines: string[] = [];
  /** `done` or a fatal `error` arrived: the exit that follows is expected */
  private finished = false;
  private disposed = false;
  private readonly killOnHostExit = () => this.child?.kill('SIGKILL');

  constructor(opts: TrainingClientOptions = {}) {
    super();
    this.killGraceMs = opts.killGraceMs ?? 2000;
    let resolveExited!: (e: { code: number | null; signal: NodeJS.Signals | null }) => void;
    this.exited = new Promise((resolve) => (resolveExited = resolve));
    let worker: { file: string; execArgv: string[] };
    try {
      worker = opts.workerPath ? { file: opts.workerPath, execArgv: [] } : locateWorker();
      if (!existsSync(worker.file)) throw new Error(`The training worker is missing: ${worker.file} does not exist.`);
    } catch (err) {
      // Reported like any other failure, once the caller has had a chance to listen.
      process.nextTick(() => {
        this.report({ message: (err as Error).message, fatal: true, lastLines: [] });
        this.emit('exit', { code: null, signal: null });
        resolveExited({ code: null, signal: null });
      });
      return;
    }
    const inspect = opts.inspect === undefined ? [] : [`--inspect${opts.inspectBrk ? '-brk' : ''}=127.0.0.1:${opts.inspect}`];
    // execArgv is always explicit: the host's own flags (a test runner's, VS Code's) are not the worker's.
    const child = fork(worker.file, [], {
      execArgv: [...worker.execArgv, ...inspect, ...(opts.execArgv ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    this.pid = child.pid;
    process.on('exit', this.killOnHostExit);

    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    }
    child.on('message', (raw) => this.onMessage(raw));
    child.on('error', (err) => this.onLine(`worker process error: ${err.message}`));
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      process.removeListener('exit', this.killOnHostExit);
      if (!this.finished && !this.disposed) {
        this.report({ message: describeExit(code, signal, this.lines), fatal: true, exitCode: code, signal, lastLines: [...this.lines] });
      }
      this.emit('exit', { code, signal });
      resolveExited({ code, signal });
    };
    // 'close' comes after 'exit' once stdout/stderr are drained, so a crash report has the last words.
    child.on('close', end);
    // Once this side has closed the channel (dispose()), Node never emits 'close' (it waits for the channel too):
    // the process's own exit ends it then, after the pipes had a turn to drain.
    child.on('exit', (code, signal) => { if (this.disposed) setTimeout(() => end(code, signal), 50); });
  }

  /** Starts the run (queued until the worker is ready). */
  start(config: TrainConfig): void {
    this.send({ type: 'start', config });
  }
  pause(): void {
    this.send({ type: 'pause' });
  }
  resume(): void {
    this.send({ type: 'resume' });
  }
  /** Ends the run after the current step, with a final checkpoint; `done` follows. */
  stop(): void {
    this.send({ type: 'stop' });
  }

  /**
   * Kills the worker and resolves once it is gone: the IPC channel is closed (the worker exits at once when it
   * sees that; it ignores SIGINT and SIGTERM, which a terminal sends to the whole process group), and SIGKILL
   * follows after the grace period for a worker that cannot notice (hung in native code).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), this.killGraceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  private send(m: HostMessage): void {
    if (!this.ready) {
      this.queue.push(m);
      return;
    }
    const child = this.child;
    // A worker that is gone has its exit reported by 'close'; a message to it has nowhere to go.
    if (!child?.connected) return;
    try {
      child.send(m, (err) => { if (err) this.onLine(`could not send '${m.type}' to the worker: ${err.message}`); });
    } catch (err) {
      this.onLine(`could not send '${m.type}' to the worker: ${(err as Error).message}`);
    }
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > LAST_LINES) this.lines.shift();
    this.emit('log', line);
  }

  /** An `error` event without a listener would throw (EventEmitter's rule); the host must not get that. */
  private report(failure: TrainingFailure): void {
    if (this.listenerCount('error') > 0) this.emit('error', failure);
    else console.error(`dcgan-lab training: ${failure.message}`);
  }

  private onMessage(raw: unknown): void {
    let m: WorkerMessage;
    try {
      m = parseWorkerMessage(raw);
    } catch (err) {
      this.onLine(`ignored a message from the worker: ${(err as Error).message}`);
      return;
    }
    (this.handlers[m.type] as (m: WorkerMessage) => void)(m);
  }

  private readonly handlers: { [K in WorkerMessage['type']]: (m: Extract<WorkerMessage, { type: K }>) => void } = {
    ready: (m) => {
      this.ready = true;
      this.emit('ready', m.pid);
      for (const q of this.queue.splice(0)) this.send(q);
    },
    started: (m) => this.emit('started', m.run),
    progress: (m) => this.emit('progress', m.metrics),
    sample: (m) => this.emit('sample', { step: m.step, file: m.file }),
    checkpoint: (m) => this.emit('checkpoint', { step: m.step, file: m.file }),
    alert: (m) => this.emit('alert', m.alert),
    log: (m) => this.onLine(m.line),
    error: (m) => {
      if (m.fatal) this.finished = true;
      this.report({ message: m.message, fatal: m.fatal, lastLines: [...this.lines] });
    },
    done: (m) => {
      this.finished = true;
      this.emit('done', m.result);
    },
    paused: (m) => this.emit('paused', m.step),
    resumed: () => this.emit('resumed'),
  };
}

/** Why a worker ended without `done` or an error message of its own, in words for the user. Exported for tests. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, lastLines: string[]): string {
  const text = lastLines.join('\n');
  let what: string;
  if (/JavaScript heap out of memory|Reached heap limit|Allocation failed - JavaScript heap/.test(text)) {
    what = 'The training worker ran out of memory (the JavaScript heap limit was reached). Try a smaller batch or ' +
      'image size, or raise the limit with --max-old-space-size.';
  } else if (signal === 'SIGKILL') {
    what = 'The training worker was killed (SIGKILL). If nothing else killed it, the system ran out of memory and ' +
      "the kernel's out-of-memory killer stopped it: try a smaller batch or image size.";
  } else if (signal === 'SIGSEGV' || signal === 'SIGBUS' || signal === 'SIGILL' || code === 3221225477) {
    what = `The training worker crashed in native code (${signal ?? 'access violation'}), e.g. in libtensorflow or a ` +
      "CUDA library. Try another backend (the 'wasm' backend runs no native code).";
  } else if (signal === 'SIGABRT' || code === 134) {
    what = 'The training worker aborted (SIGABRT): native code or V8 hit a fatal error.';
  } else if (signal) {
    what = `The training worker was stopped by ${signal}.`;
  } else if (code === 0) {
    what = 'The training worker exited before the run finished.';
  } else {
    what = `The training worker exited with code ${code} before the run finished.`;
  }
  const tail = lastLines.filter((l) => !NOISE.test(l)).slice(-10);
  return tail.length ? `${what}\nLast output of the worker:\n  ${tail.join('\n  ')}` : what;
}

/** What a dying V8 prints that tells a user nothing: native stack frames, GC traces, banners. */
const NOISE = /^\s*\d+: 0x[0-9a-f]+ |^\s*-+ (Native|JavaScript) stack trace -+$|^\s*<--- .* --->$|^\s*\[\d+:0x[0-9a-f]+\]|^Node\.js v\d/;
