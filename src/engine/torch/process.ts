/**
 * The torch engine's Python process (engine.py next to this file, or dist/torch/engine.py once bundled), started
 * with the user's interpreter and driven over its stdin/stdout: one JSON object per line, followed by N raw bytes
 * when it says "bytes": N. Every command gets one reply with its id; a `run` streams `rows` first.
 *
 * Whatever happens to the process (an exception in the user's forward, a CUDA out-of-memory, a kill) rejects the
 * pending request with an error that says so; nothing is thrown at the caller out of the blue. The process exits
 * on its own when this side closes its stdin (the worker died), so it never outlives the worker holding a GPU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface TorchHello {
  protocol: number;
  pid: number;
  python: string;
  pythonVersion: string;
  torch: string;
  /** torch.version.cuda: null for a CPU-only (or ROCm) build */
  cuda: string | null;
  hip: string | null;
  gpus: { index: number; name: string; memory: number }[];
  mps: boolean;
  threads: number;
}

/** A reply: its JSON header and the bytes that came with it. */
export interface Reply { msg: Record<string, unknown>; payload: Buffer | null }

/** engine.py could not be started with this interpreter, or it has no (working) torch. */
export class PythonUnusable extends Error {
  constructor(readonly python: string, readonly why: string, readonly hasPython: boolean) {
    super(`${python}: ${why}`);
  }
}

/** An error engine.py reported for a command (the user's code raised, out of memory, a bad request). */
export class EngineFailure extends Error {
  constructor(message: string, readonly kind: 'engine' | 'oom' | 'exception' | 'crash', readonly detail: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Where engine.py is: dist/torch/engine.py beside the bundle (esbuild.mjs copies it), or next to this file. */
export function locateEngineScript(dir: string = __dirname): string {
  for (const candidate of [path.join(dir, 'torch', 'engine.py'), path.join(dir, 'engine.py')]) if (existsSync(candidate)) return candidate;
  throw new Error(`The torch engine's script is missing (looked for torch/engine.py and engine.py in ${dir}). Build with \`npm run build\`.`);
}

const LAST_LINES = 30;

export class TorchProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; onRows?: (r: Reply) => void }>();
  private readonly lines: string[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitedPromise: Promise<void>;
  private helloWaiter: { resolve: (h: TorchHello) => void; reject: (e: Error) => void } | null = null;
  hello!: TorchHello;
  /** what the engine itself said (`log` messages: relaxed argparse options, tensors a checkpoint lacked) */
  readonly notes: string[] = [];

  private constructor(readonly python: string, script: string, private readonly log: (line: string) => void, env?: NodeJS.ProcessEnv) {
    this.child = spawn(python, ['-u', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
      windowsHide: true,
    });
    let exitResolve!: () => void;
    this.exitedPromise = new Promise((resolve) => (exitResolve = resolve));
    const frames = new FrameReader((msg, payload) => this.onMessage(msg, payload));
    this.child.stdout!.on('data', (chunk: Buffer) => frames.push(chunk));
    createInterface({ input: this.child.stderr!, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    // a worker whose Python is gone must not die of EPIPE writing to it: the exit is reported instead
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (err) => {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as NodeJS.ErrnoException).code === 'EACCES' ? 'not executable' : err.message;
      this.exited ??= { code: null, signal: null };
      this.helloWaiter?.reject(new PythonUnusable(python, why, false));
      this.failAll(new EngineFailure(`the PyTorch engine could not start ${python}: ${why}`, 'crash'));
      exitResolve();
    });
    this.child.on('close', (code, signal) => {
      this.exited = { code, signal };
      if (this.helloWaiter) {
        const last = this.lines.filter((l) => l.trim()).slice(-3).join(' | ');
        this.helloWaiter.reject(new PythonUnusable(python, `could not run the engine (exit ${signal ?? code}${last ? `: ${last}` : ''})`, true));
      }
      this.failAll(new EngineFailure(describeEngineExit(python, this.child.pid, code, signal, this.lines), 'crash'));
      exitResolve();
    });
  }

  /** Starts engine.py with `python`; resolves once it has imported torch and said hello. */
  static start(python: string, opts: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; script?: string } = {}): Promise<TorchProcess> {
    const p = new TorchProcess(python, opts.script ?? locateEngineScript(), opts.log ?? (() => {}), opts.env);
    return new Promise<TorchHello>((resolve, reject) => (p.helloWaiter = { resolve, reject })).then((h) => {
      p.hello = h;
      return p;
    }, async (e) => {
      p.kill();
      throw e;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a command; resolves with its reply. `onRows` receives the `rows` messages a `run` streams before it. */
  request(cmd: Record<string, unknown>, payload?: Uint8Array, onRows?: (r: Reply) => void): Promise<Reply> & { id: number } {
    const id = this.nextId++;
    const promise = new Promise<Reply>((resolve, reject) => {
      if (this.exited) return reject(new EngineFailure(describeEngineExit(this.python, this.child.pid, this.exited.code, this.exited.signal, this.lines), 'crash'));
      this.pending.set(id, { resolve, reject, onRows });
      this.write({ ...cmd, id }, payload);
    }) as Promise<Reply> & { id: number };
    promise.id = id;
    return promise;
  }

  /** Ends the `run` with this id after its current step (handled by the engine at once, not queued). */
  interrupt(runId: number): void {
    if (!this.exited) this.write({ cmd: 'interrupt', run: runId });
  }

  /** Asks the engine to quit; kills it if it has not within `graceMs`. */
  async close(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.request({ cmd: 'quit' }).catch(() => undefined);
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** The last lines the process wrote to stderr (for crash reports). */
  lastLines(): string[] {
    return [...this.lines];
  }

  private write(msg: Record<string, unknown>, payload?: Uint8Array): void {
    const stdin = this.child.stdin!;
    if (!stdin.writable) return;
    stdin.write(`${JSON.stringify(payload ? { ...msg, bytes: payload.length } : msg)}\n`);
    if (payload?.length) stdin.write(payload);
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > LAST_LINES) this.lines.shift();
    this.log(line);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private onMessage(msg: Record<string, unknown>, payload: Buffer | null): void {
    switch (msg.type) {
      case 'hello': {
        const w = this.helloWaiter;
        this.helloWaiter = null;
        w?.resolve(msg as unknown as TorchHello);
        return;
      }
      case 'no-torch': {
        const w = this.helloWaiter;
        this.helloWaiter = null;
        w?.reject(new PythonUnusable(this.python, `Python ${String(msg.pythonVersion)} cannot import torch (${String(msg.error)})`, true));
        return;
      }
      case 'log':
        // said before step 1 (building the pair, loading a checkpoint): the run's start reports these
        this.notes.push(String(msg.line));
        return;
      case 'rows':
        this.pending.get(Number(msg.id))?.onRows?.({ msg, payload });
        return;
      case 'ok': case 'error': {
        const id = Number(msg.id);
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        if (msg.type === 'ok') p.resolve({ msg, payload });
        else p.reject(new EngineFailure(String(msg.message), msg.kind as EngineFailure['kind'], msg));
        return;
      }
      default:
        this.onLine(`ignored a message from the PyTorch engine: ${JSON.stringify(msg).slice(0, 200)}`);
    }
  }
}

/** Splits the engine's stdout into frames: a JSON line, then `bytes` raw bytes when it has them. */
class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private header: Record<string, unknown> | null = null;

  constructor(private readonly emit: (msg: Record<string, unknown>, payload: Buffer | null) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (!this.header) {
        const nl = this.indexOfNewline();
        if (nl < 0) return;
        const line = this.take(nl + 1).toString('utf8');
        try {
          this.header = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue; // not ours: a stray write to the channel
        }
        if (!this.header.bytes) {
          const h = this.header;
          this.header = null;
          this.emit(h, null);
          continue;
        }
      }
      const n = Number(this.header.bytes);
      if (this.length < n) return;
      const h = this.header;
      this.header = null;
      this.emit(h, this.take(n));
    }
  }

  private indexOfNewline(): number {
    let offset = 0;
    for (const c of this.chunks) {
      const i = c.indexOf(10);
      if (i >= 0) return offset + i;
      offset += c.length;
    }
    return -1;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }
}

/** Why the engine's process ended while a command was pending, in the words the worker's crash reports use. */
export function describeEngineExit(python: string, pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, lines: string[]): string {
  const who = `The PyTorch engine (${python}${pid ? `, pid ${pid}` : ''})`;
  let what: string;
  if (signal === 'SIGKILL') {
    what = `${who} was killed (SIGKILL). If nothing else killed it, the system ran out of memory and the kernel's ` +
      'out-of-memory killer stopped it: try a smaller batch or image size.';
  } else if (signal === 'SIGSEGV' || signal === 'SIGBUS' || signal === 'SIGILL' || signal === 'SIGABRT') {
    what = `${who} crashed in native code (${signal}), in PyTorch or a CUDA library.`;
  } else if (signal) {
    what = `${who} was stopped by ${signal}.`;
  } else {
    what = `${who} exited with code ${code} before the run finished.`;
  }
  const tail = lines.filter((l) => l.trim()).slice(-10);
  return tail.length ? `${what}\nLast output of the engine:\n  ${tail.join('\n  ')}` : what;
}
