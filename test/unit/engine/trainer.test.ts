/**
 * The training run on the real cpu/wasm backends: no tensor leaks step after step, a resumed run continues
 * exactly as an uninterrupted one, and the loop's files are where the README says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { builtinPair } from '../../../src/core/gan';
import { loadBackend } from '../../../src/engine/backend';
import { GanTrainer } from '../../../src/engine/ganTrainer';
import { readSafetensors } from '../../../src/engine/safetensors';
import { train } from '../../../src/engine/trainer';
import { TRAIN_DEFAULTS, type StepMetrics, type TrainConfig } from '../../../src/engine/types';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-trainer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const config = (out: string, over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...TRAIN_DEFAULTS, out, size: 16, steps: 6, batch: 4, ngf: 4, ndf: 4, nz: 8, seed: 3, backend: 'cpu',
  sampleEvery: 3, checkpointEvery: 3, cacheDir: path.join(tmp, 'cache'), ...over,
});

const metrics = (dir: string) => readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepMetrics);

describe('the training loop', () => {
  it('holds the same number of tensors at step 10 and step 200', async () => {
    const { tf } = await loadBackend('cpu');
    const pair = await builtinPair({ size: 16, channels: 3, nz: 8, ngf: 4, ndf: 4 }, 2);
    const trainer = new GanTrainer(tf, pair.nets!, { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8, loss: 'bce', gpWeight: 10, nCritic: 5 }, 0);
    const real = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1);
    const z = tf.randomNormal([2, 1, 1, 8], 0, 1, 'float32', 2);
    let at10 = -1;
    for (let step = 1; step <= 200; step++) {
      trainer.step({ real, z, seed: step });
      if (step === 10) at10 = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, at10, 'tensors leaked between step 10 and step 200');
    trainer.dispose();
    real.dispose();
    z.dispose();
  });

  it('a run resumed from its checkpoint gives the losses of an uninterrupted run (cpu, 1e-5)', async () => {
    const { tf, info } = await loadBackend('cpu');
    const whole = path.join(tmp, 'whole');
    const split = path.join(tmp, 'split');
    await train({ kind: 'tfjs', tf, info }, config(whole));
    const first = await train({ kind: 'tfjs', tf, info }, config(split, { steps: 3 }));
    assert.equal(first.steps, 3);
    const second = await train({ kind: 'tfjs', tf, info }, config(split, { resume: true }));
    assert.equal(second.steps, 6);
    const a = metrics(whole);
    const b = metrics(split);
    assert.deepEqual(b.map((m) => m.step), [1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) {
      for (const k of ['lossD', 'lossG', 'dReal', 'dFake'] as const) {
        assert.ok(Math.abs(a[i][k] - b[i][k]) <= 1e-5 * Math.max(1, Math.abs(a[i][k])), `step ${i + 1} ${k}: ${a[i][k]} vs ${b[i][k]} after resume`);
      }
    }
    const ga = await readSafetensors(path.join(whole, 'generator.safetensors'));
    const gb = await readSafetensors(path.join(split, 'generator.safetensors'));
    for (const [k, t] of Object.entries(ga.tensors)) {
      const u = gb.tensors[k];
      Array.from(t.data as ArrayLike<number | bigint>, Number).forEach((x, j) =>
        assert.ok(Math.abs(x - Number((u.data as ArrayLike<number | bigint>)[j])) <= 1e-5, `${k}[${j}] differs after resume`));
    }
  });

  it('stops on request after the current step and still writes a checkpoint and the exports', async () => {
    const { tf, info } = await loadBackend('cpu');
    const out = path.join(tmp, 'stopped');
    let steps = 0;
    const r = await train({ kind: 'tfjs', tf, info }, config(out, { steps: 50 }), { onStep: () => { steps++; }, shouldStop: () => steps >= 2 });
    assert.equal(r.stoppedEarly, true);
    assert.equal(r.steps, 2);
    const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
    assert.equal(ck.metadata.step, '2');
    assert.ok(Object.keys(ck.tensors).some((k) => k.startsWith('G.adam.exp_avg/')), 'Adam state in the checkpoint');
    const fixed = await readSafetensors(path.join(out, 'fixed_samples.safetensors'));
    assert.deepEqual(fixed.tensors.images.shape, [64, 3, 16, 16]);
  });

  it('after a crash past the checkpoint, resume replaces the lost steps\' metrics rows and keeps the alert window', async () => {
    const { tf, info } = await loadBackend('cpu');
    const out = path.join(tmp, 'crashed');
    // an old run in the folder, then a new one: the new run's metrics start afresh
    await train({ kind: 'tfjs', tf, info }, config(out, { steps: 5, checkpointEvery: 3 }));
    await train({ kind: 'tfjs', tf, info }, config(out, { steps: 3, checkpointEvery: 3 }));
    assert.deepEqual(metrics(out).map((m) => m.step), [1, 2, 3]);
    // the checkpoint is from step 3; step 4 ran and the process died writing step 5's row
    appendFileSync(path.join(out, 'alerts.jsonl'), `${JSON.stringify({ step: 4, kind: 'd-loss-zero', message: 'from the lost step' })}\n`);
    appendFileSync(path.join(out, 'metrics.jsonl'), `${JSON.stringify({ ...metrics(out)[2], step: 4 })}\n{"step": 5, "lossD`);
    const saved = JSON.parse((await readSafetensors(path.join(out, 'checkpoint.safetensors'))).metadata.alerts) as { recent: unknown[] };
    assert.equal(saved.recent.length, 3, 'the checkpoint carries the alert window of steps 1-3');
    await train({ kind: 'tfjs', tf, info }, config(out, { steps: 6, resume: true }));
    assert.deepEqual(metrics(out).map((m) => m.step), [1, 2, 3, 4, 5, 6], 'one row per step, none repeated, none torn');
    assert.doesNotMatch(readFileSync(path.join(out, 'alerts.jsonl'), 'utf8'), /from the lost step/, 'alerts of lost steps are dropped too');
    const after = JSON.parse((await readSafetensors(path.join(out, 'checkpoint.safetensors'))).metadata.alerts) as { recent: unknown[] };
    assert.equal(after.recent.length, 6, 'the resumed run continued the window instead of starting a new one');
  });

  it('a full disk while checkpointing: the run ends with a clear error and the last good checkpoint is intact', async (t) => {
    // a real filesystem that fills up: a tmpfs with room for one checkpoint and a half
    const disk = mkdtempSync(path.join(os.tmpdir(), 'dcgan-fulldisk-'));
    const probe = path.join(tmp, 'size-probe');
    const { tf, info } = await loadBackend('cpu');
    const over = { steps: 4, checkpointEvery: 1, sampleEvery: 1000, ngf: 16, ndf: 16 };
    await train({ kind: 'tfjs', tf, info }, config(probe, { ...over, steps: 1 }));
    const size = statSync(path.join(probe, 'checkpoint.safetensors')).size;
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil((size * 1.5 + 64 * 1024) / 4096) * 4096}`, 'tmpfs', disk], { encoding: 'utf8' });
    if (mount.status !== 0) {
      const why = `cannot mount a tmpfs to fill up (${(mount.stderr || mount.error?.message || '').trim()}); needs root with CAP_SYS_ADMIN`;
      if (process.env.DCGAN_LAB_REQUIRE_TMPFS) assert.fail(why);
      t.skip(why);
      return;
    }
    try {
      const out = path.join(disk, 'run');
      let checkpoints = 0;
      await assert.rejects(
        train({ kind: 'tfjs', tf, info }, config(out, { ...over, cacheDir: path.join(tmp, 'cache') }), { onCheckpoint: () => { checkpoints++; } }),
        /could not write .*checkpoint\.safetensors: the disk is full; free space and try again \(ENOSPC\); the previous file, if any, is unchanged/,
      );
      assert.equal(checkpoints, 1, 'the step-1 checkpoint was written, the step-2 one could not be');
      const ck = await readSafetensors(path.join(out, 'checkpoint.safetensors'));
      assert.equal(ck.metadata.step, '1');
      assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'the partial temp file is removed');
    } finally {
      spawnSync('umount', [disk]);
      rmSync(disk, { recursive: true, force: true });
    }
  });
});
