/**
 * Which Python trains with the torch engine. Given one (`--python`, `dcganLab.training.python`), only that one;
 * otherwise the interpreter selected in VS Code's Python extension (when the host passes it), then every `python3`
 * and `python` on PATH in PATH order (a pyenv shim without torch often comes first), then /usr/bin/python3: the
 * first that imports torch. What was tried, and why each was passed over, goes into the error when none has it.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { PythonUnusable, TorchProcess, type TorchHello } from './process';

export interface PythonChoice {
  /** the one interpreter to use */
  python?: string;
  /** an interpreter to try first (VS Code's Python extension) */
  pythonHint?: string;
}

export interface Candidate { path: string; from: string }

/** The interpreters to try, in order, without duplicates (the same file reached through two names counts once). */
export function pythonCandidates(choice: PythonChoice, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Candidate[] {
  if (choice.python) return [{ path: choice.python, from: 'the python setting' }];
  const names = platform === 'win32' ? ['python3.exe', 'python.exe'] : ['python3', 'python'];
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (file: string, from: string) => {
    let key = file;
    try { key = realpathSync(file); } catch { /* missing: kept to be reported */ }
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path: file, from });
  };
  if (choice.pythonHint) add(choice.pythonHint, "VS Code's Python extension");
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = path.join(dir, name);
      if (executable(file)) add(file, 'PATH');
    }
  }
  if (platform !== 'win32' && executable('/usr/bin/python3')) add('/usr/bin/python3', 'the system Python');
  return out;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** No interpreter could run the engine: `tried` says what each one lacked. */
export class TorchUnavailable extends Error {
  constructor(message: string, readonly tried: string[]) { super(message); }
}

export const TORCH_FIX = 'install PyTorch (https://pytorch.org/get-started/locally/) into a Python, or point `--python` ' +
  '(the dcganLab.training.python setting) at one that has it';

/** Starts the engine with the first candidate that imports torch. */
export async function startTorchProcess(choice: PythonChoice, opts: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; script?: string } = {}): Promise<{ proc: TorchProcess; tried: string[] }> {
  const candidates = pythonCandidates(choice, opts.env ?? process.env);
  const tried: string[] = [];
  for (const c of candidates) {
    try {
      const proc = await TorchProcess.start(c.path, opts);
      return { proc, tried };
    } catch (e) {
      if (!(e instanceof PythonUnusable)) throw e;
      tried.push(`${c.path} (${c.from}): ${e.why}`);
    }
  }
  if (choice.python) {
    throw new TorchUnavailable(`the Python you chose cannot run the torch engine: ${tried[0]}. Install PyTorch there ` +
      '(https://pytorch.org/get-started/locally/), or choose another interpreter', tried);
  }
  throw new TorchUnavailable(tried.length
    ? `no Python with PyTorch was found (tried ${tried.join('; ')}); ${TORCH_FIX}`
    : `no Python was found on PATH; ${TORCH_FIX}`, tried);
}

/** The device engine.py will train on for `asked` ('auto' by default), named as PyTorch names it; null when absent. */
export function torchDevice(hello: TorchHello, asked = 'auto'): { kind: 'cuda' | 'mps' | 'cpu'; name: string } | { error: string } {
  const v = `torch ${hello.torch.split('+')[0]}`;
  const want = asked === 'auto' ? (hello.gpus.length ? 'cuda' : hello.mps ? 'mps' : 'cpu') : asked;
  if (want.startsWith('cuda')) {
    const index = want.includes(':') ? Number(want.split(':')[1]) : 0;
    const gpu = hello.gpus[index];
    if (!gpu) {
      const why = hello.gpus.length ? `it sees ${hello.gpus.length} CUDA device(s)` : hello.cuda === null && !hello.hip ? 'it is a CPU-only build' : 'it sees no CUDA device (driver, CUDA_VISIBLE_DEVICES?)';
      return { error: `${v} at ${hello.python} cannot use ${want}: ${why}; install a CUDA build of PyTorch (https://pytorch.org/get-started/locally/) or choose the cpu device` };
    }
    return { kind: 'cuda', name: `${gpu.name} (${hello.hip ? `ROCm ${hello.hip}` : `CUDA ${hello.cuda}`}, ${v})` };
  }
  if (want === 'mps') {
    if (!hello.mps) return { error: `${v} at ${hello.python} has no Apple MPS device (it needs macOS 12.3+ on Apple silicon)` };
    return { kind: 'mps', name: `Apple MPS (${v})` };
  }
  if (want === 'cpu') return { kind: 'cpu', name: `CPU, ${hello.threads} thread${hello.threads === 1 ? '' : 's'} (${v})` };
  return { error: `unknown device '${asked}' (auto, cuda, cuda:N, mps or cpu)` };
}

/** What the torch engine would train on here, for the editor's offers: the interpreter, its torch and device. */
export interface TorchProbe { python: string; torch: string; device: string; kind: 'cuda' | 'mps' | 'cpu'; tried: string[] }

/** Starts the engine only to ask what it sees, then stops it (about the time of `import torch`). */
export async function probeTorch(choice: PythonChoice, asked = 'auto', opts: { env?: NodeJS.ProcessEnv; script?: string } = {}): Promise<TorchProbe | { why: string }> {
  let started: { proc: TorchProcess; tried: string[] };
  try {
    started = await startTorchProcess(choice, opts);
  } catch (e) {
    if (e instanceof TorchUnavailable) return { why: e.message };
    throw e;
  }
  const { proc, tried } = started;
  try {
    const d = torchDevice(proc.hello, asked);
    if ('error' in d) return { why: d.error };
    return { python: proc.hello.python, torch: proc.hello.torch, device: d.name, kind: d.kind, tried };
  } finally {
    await proc.close();
  }
}
