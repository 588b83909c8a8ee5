/**
 * PyTorch as the oracle: runs Python code under Debian's /usr/bin/python3 (python3-torch).
 * Without it the oracle tests skip with a clear message; with DCGAN_LAB_REQUIRE_ORACLE=1 (set by .ci/run)
 * a missing PyTorch is a failure, never a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';

export const PYTHON = process.env.DCGAN_LAB_PYTHON ?? '/usr/bin/python3';

let available: string | null | undefined;

/** null when PyTorch can be imported, else the reason it cannot. */
export function torchUnavailable(): string | null {
  if (available !== undefined) return available;
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  available = r.status === 0 ? null : `PyTorch oracle unavailable: '${PYTHON} -c "import torch"' failed (${(r.stderr || String(r.error)).trim().split('\n').pop()}). Install it with: apt-get install python3-torch python3-torchvision`;
  return available;
}

/** Call at the top of an oracle test: skips (or fails in CI) when PyTorch is missing. Returns false when skipped. */
export function requireTorch(t: TestContext): boolean {
  const why = torchUnavailable();
  if (why === null) return true;
  if (process.env.DCGAN_LAB_REQUIRE_ORACLE === '1') throw new Error(`${why} (DCGAN_LAB_REQUIRE_ORACLE=1 forbids skipping)`);
  t.skip(why);
  return false;
}

/** Run a Python script with JSON on stdin; returns parsed JSON from stdout. */
export function runPython<T = unknown>(script: string, input: unknown, timeoutMs = 600_000): T {
  const stdout = execFileSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: timeoutMs,
    env: { ...process.env, PYTHONWARNINGS: 'ignore', OMP_NUM_THREADS: '1' },
  });
  return JSON.parse(stdout) as T;
}

/** SCRIPT with `read_st(path)` (test/oracle/safetensorsRead.py) defined before it. */
export function withSafetensorsReader(script: string): string {
  return `${readFileSync(path.join(__dirname, '../oracle/safetensorsRead.py'), 'utf8')}\n${script}`;
}
