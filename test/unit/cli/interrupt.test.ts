/**
 * Ctrl+C and SIGTERM stop a `dcgan-lab train` run the way Stop Training does: after the current step, with a final
 * checkpoint and the exports, exit 0. A second Ctrl+C aborts at once and keeps the last checkpoint written. The
 * keys are pressed in a real pseudo-terminal (test/support/inTerminal.py), whose Ctrl+C reaches the whole process group,
 * the worker included; SIGTERM is sent to the whole group too.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readSafetensors } from '../../../src/engine/safetensors';
import { cliCommand, ROOT } from '../../support/cli';
import { inTerminal, requirePty } from '../../support/terminal';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-interrupt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A long run (its checkpoint far away), so that only the interrupt can end it soon. */
const longRun = (out: string, extra: string[] = []) => [...cliCommand(), 'train', '--size', '16', '--batch', '4', '--ngf', '8', '--ndf', '8',
  '--steps', '100000', '--sample-every', '100000', '--checkpoint-every', '100000', '--backend', 'wasm', '--out', out, ...extra];

describe('interrupting dcgan-lab train', () => {
  it('Ctrl+C in a terminal stops after the current step with a final checkpoint and the exports, exit 0', async (t) => {
    if (!requirePty(t)) return;
    const out = path.join(tmp, 'ctrl-c');
    const r = inTerminal(longRun(out), 1, 'step [3-9]/100000');
    assert.equal(r.presses, 1);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /stopping after the current step \(a final checkpoint is written; Ctrl\+C again aborts\)/);
    const stopped = Number(r.output.match(/stopped after step (\d+)/)?.[1]);
    assert.ok(stopped >= 3, r.output);
    assert.doesNotMatch(r.output, /training failed|SIGINT/);
    const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    assert.equal(Number(ck.metadata.step), stopped);
    for (const f of ['generator.safetensors', 'discriminator.safetensors', 'fixed_samples.safetensors']) assert.ok(existsSync(path.join(out, f)), f);
  });

  it('a second Ctrl+C aborts at once and keeps the last checkpoint written', async (t) => {
    if (!requirePty(t)) return;
    const out = path.join(tmp, 'abort');
    const r = inTerminal(longRun(out, ['--checkpoint-every', '2']), 2, 'step [4-9]/100000');
    assert.equal(r.presses, 2);
    assert.equal(r.code, 130, r.output);
    assert.match(r.output, /aborting: the run keeps its last checkpoint \(step \d+\)/);
    const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    assert.equal(Number(ck.metadata.step) % 2, 0);
  });

  it('SIGTERM to the process group stops like Stop Training too', async () => {
    const out = path.join(tmp, 'sigterm');
    const [cmd, ...args] = longRun(out);
    const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // not a terminal: the progress line comes every 5 s; the run folder's metrics say when steps ran
    const end = Date.now() + 120_000;
    while (!existsSync(path.join(out, 'metrics.jsonl')) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(-child.pid!, 'SIGTERM');
    assert.equal(await exited, 0, text);
    assert.match(text, /stopping after the current step \(a final checkpoint is written; SIGTERM again aborts\)/);
    assert.match(text, /stopped after step \d+/);
    assert.ok(existsSync(path.join(out, 'checkpoint.safetensors')));
  });
});
