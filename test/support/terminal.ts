/**
 * A real pseudo-terminal for the tests of what a user at a terminal does (Ctrl+C): test/support/inTerminal.py runs the
 * command under Python's pty module. Any python3 will do (torch is not needed); without one the tests skip, and
 * with DCGAN_LAB_REQUIRE_ORACLE=1 (CI) that is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from './build';

const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import pty'], { stdio: 'ignore' }).status === 0);

export function requirePty(t: TestContext): boolean {
  if (PYTHON) return true;
  if (process.env.DCGAN_LAB_REQUIRE_ORACLE === '1') throw new Error('no python3 to drive a pseudo-terminal (DCGAN_LAB_REQUIRE_ORACLE=1 forbids skipping)');
  t.skip('no python3 on this machine to drive a pseudo-terminal (apt-get install python3)');
  return false;
}

/**
 * Runs `cmd` in a pseudo-terminal and presses Ctrl+C `presses` times: the first once `first` (a regular
 * expression) has appeared in the output, each next once `again` has appeared after the previous press.
 */
export function inTerminal(cmd: string[], presses: number, first: string, again = 'stopping after the current step'): { code: number; output: string; presses: number } {
  const r = spawnSync(PYTHON!, [path.join(ROOT, 'test/support/inTerminal.py'), JSON.stringify(cmd), String(presses), first, again],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, DCGAN_LAB_VERBOSE: '' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code: number; output: string; presses: number };
}
