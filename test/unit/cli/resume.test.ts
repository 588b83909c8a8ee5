/**
 * `dcgan-lab train --resume` continues the run with the run's own configuration (from its checkpoint), refuses
 * what would change its model, data or optimizer, and does not start over silently; an --out that holds a run is
 * not overwritten; a run that fails before its first step leaves no folder; one image trains (batch 1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodePng } from '../../../src/engine/data/png';
import type { StepMetrics } from '../../../src/engine/types';
import { cliCommand, ROOT } from '../../support/cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-resume-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function train(args: string[]) {
  const [cmd, ...pre] = cliCommand();
  return spawnSync(cmd, [...pre, 'train', '--backend', 'wasm', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
}
const metrics = (dir: string) => readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepMetrics);

describe('dcgan-lab train --resume', () => {
  const run = path.join(tmp, 'a');
  // not the defaults: a resume that ignored the run's settings would build another model
  const settings = ['--size', '16', '--ngf', '8', '--ndf', '4', '--nz', '12', '--batch', '4', '--seed', '7', '--checkpoint-every', '3', '--sample-every', '3'];

  it('continues with the run\'s own settings; only --steps extends it; the elapsed time goes on', () => {
    const first = train([...settings, '--steps', '3', '--out', run]);
    assert.equal(first.status, 0, first.stderr);
    const before = metrics(run);
    const r = train(['--out', run, '--resume', '--steps', '5']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /built-in DCGAN 16×16 \(ngf 8, ndf 4, nz 12\)/);
    assert.match(r.stdout, /resuming at step 4/);
    const after = metrics(run);
    assert.deepEqual(after.map((m) => m.step), [1, 2, 3, 4, 5]);
    assert.ok(after[3].elapsedMs >= before[2].elapsedMs, `elapsedMs went back: ${before[2].elapsedMs} → ${after[3].elapsedMs}`);
  });

  it('refuses an option that would change the model, with the run\'s value', () => {
    const r = train(['--out', run, '--resume', '--steps', '8', '--ngf', '16']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--ngf 16: the run in .* was trained with 8; a resumed run keeps its model, data and optimizer settings/);
    assert.deepEqual(metrics(run).map((m) => m.step), [1, 2, 3, 4, 5], 'the refused resume changed the run');
  });

  it('refuses --steps that end before the checkpoint', () => {
    const r = train(['--out', run, '--resume', '--steps', '2']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is at step 5 of 5: --steps 2 ends before it/);
  });

  it('--resume without a checkpoint is an error, not a new run', () => {
    const empty = path.join(tmp, 'nothing');
    const r = train(['--out', empty, '--resume', '--steps', '2']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /nothing to resume in .*nothing: checkpoint\.safetensors does not exist there/);
    assert.ok(!existsSync(empty));
  });

  it('an --out that holds a run is not started over without --resume', () => {
    const r = train([...settings, '--steps', '2', '--out', run]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /already holds a run \(step 5 of 5\): --resume continues it; to start a new run, choose another --out/);
    assert.deepEqual(readdirSync(path.join(run, 'samples')).sort(), ['step_000003.png', 'step_000005.png']);
  });
});

describe('a run that cannot start, and a tiny dataset', () => {
  it('a run that fails before its first step leaves no folder behind', () => {
    const images = path.join(tmp, 'one-image');
    mkdirSync(images);
    const rgb = new Uint8Array(20 * 20 * 3).map((_, i) => (i * 37) % 256);
    writeFileSync(path.join(images, 'only.png'), encodePng(rgb, 20, 20, 3));
    const out = path.join(tmp, 'too-big-a-batch');
    const r = train(['--data', images, '--size', '16', '--ngf', '8', '--ndf', '8', '--batch', '4', '--steps', '2', '--out', out]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /the dataset has 1 image, fewer than the batch size 4: use a batch of at most 1, or add images/);
    assert.ok(!existsSync(out), 'a half-made run folder was left');
  });

  it('one image trains with a batch of one (no diversity reference to compare with)', () => {
    const out = path.join(tmp, 'one');
    const r = train(['--data', path.join(tmp, 'one-image'), '--size', '16', '--ngf', '8', '--ndf', '8', '--batch', '1', '--steps', '3', '--sample-every', '1', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(metrics(out).map((m) => m.step), [1, 2, 3]);
  });
});
