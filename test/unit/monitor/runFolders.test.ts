/**
 * Past runs in the monitor: the run folders in runs/, their metrics.jsonl read robustly (a run still being
 * written, or killed mid-line, must not break the list or the charts), their sample grids in step order.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeSafetensors } from '../../../src/engine/safetensors';
import { listRunFolders, parseMetricsLines, readAlerts, readMetrics, readRunConfig, readSamples } from '../../../src/vscode/monitor/runFolders';

const line = (step: number, extra: Record<string, unknown> = {}) => JSON.stringify({
  step, epoch: 0, lossD: 1.2, lossG: 0.8, dReal: 0.6, dFake: 0.4, dFakeAfter: 0.35, gradNormD: 1, gradNormG: 2,
  imgPerSec: 300, elapsedMs: step * 10, ...extra,
});

describe('run folders', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'dcgan-monitor-runs-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const runs = path.join(root, 'runs');

  function makeRun(name: string, text: string, samples: number[] = [], mtime?: number): string {
    const dir = path.join(runs, name);
    mkdirSync(path.join(dir, 'samples'), { recursive: true });
    writeFileSync(path.join(dir, 'metrics.jsonl'), text);
    for (const s of samples) writeFileSync(path.join(dir, 'samples', `step_${String(s).padStart(6, '0')}.png`), '');
    if (mtime) utimesSync(path.join(dir, 'metrics.jsonl'), mtime / 1000, mtime / 1000);
    return dir;
  }

  it('reads every whole line of a run killed mid-write and skips the torn last line', () => {
    const text = `${line(1)}\n${line(2)}\n${line(3).slice(0, 25)}`;
    const { metrics, skipped } = parseMetricsLines(text);
    assert.deepEqual(metrics.map((m) => m.step), [1, 2]);
    assert.equal(skipped, 1);
  });

  it('skips garbage and lines that are not step metrics, keeps a diverged step (written as null) as NaN', () => {
    const text = [line(1), 'not json', '{"step": "two"}', '[1,2]', '', line(4, { lossD: null, swd: 0.3 })].join('\n');
    const { metrics, skipped } = parseMetricsLines(text);
    assert.deepEqual(metrics.map((m) => m.step), [1, 4]);
    assert.ok(Number.isNaN(metrics[1].lossD));
    assert.equal(metrics[1].swd, 0.3);
    assert.equal(skipped, 3);
  });

  it('lists only folders with metrics.jsonl, newest first, with their last whole step and grid count', async () => {
    const now = Date.now();
    makeRun('run-old', `${line(1)}\n${line(2)}\n`, [1, 2], now - 60_000);
    makeRun('run-new', `${line(1)}\n${line(2)}\n${line(3)}\n{"step": 4, "epo`, [3], now);
    mkdirSync(path.join(runs, 'not-a-run'), { recursive: true });
    writeFileSync(path.join(runs, 'stray.txt'), '');
    const list = await listRunFolders([runs, path.join(root, 'missing')]);
    assert.deepEqual(list.map((r) => [r.id, r.lastStep, r.samples]), [['run-new', 3, 1], ['run-old', 2, 2]]);
    assert.equal(list[0].dir, path.join(runs, 'run-new'));
  });

  it('gives runs of the same name in two workspace folders distinct ids', async () => {
    const other = path.join(root, 'other', 'runs');
    mkdirSync(path.join(other, 'run-old'), { recursive: true });
    writeFileSync(path.join(other, 'run-old', 'metrics.jsonl'), `${line(9)}\n`);
    const ids = (await listRunFolders([runs, other])).map((r) => r.id).sort();
    assert.deepEqual(ids, ['run-new', 'run-old', 'run-old@other']);
  });

  it('reads a run\'s metrics and sample grids in step order', async () => {
    const dir = makeRun('run-samples', `${line(1)}\n${line(2)}\n`, [200, 100, 1000]);
    writeFileSync(path.join(dir, 'samples', 'notes.txt'), '');
    assert.deepEqual((await readSamples(dir)).map((s) => [s.step, path.basename(s.file)]),
      [[100, 'step_000100.png'], [200, 'step_000200.png'], [1000, 'step_001000.png']]);
    assert.equal((await readMetrics(dir)).metrics.length, 2);
    assert.deepEqual(await readMetrics(path.join(root, 'nowhere')), { metrics: [], skipped: 0 });
  });

  it('reads a past run\'s alerts, skipping a torn line and lines that are not alerts', async () => {
    const dir = makeRun('run-alerts', `${line(1)}\n`);
    const a = { step: 40, kind: 'd-loss-zero', message: 'Step 40: D has won' };
    writeFileSync(path.join(dir, 'alerts.jsonl'), `${JSON.stringify(a)}\n{"step": 41, "kind": "pony", "message": ""}\n{"step": 50, "ki`);
    assert.deepEqual(await readAlerts(dir), [a]);
    assert.deepEqual(await readAlerts(path.join(root, 'nowhere')), []);
  });

  it('reads a past run\'s step target and loss from its checkpoint header', async () => {
    const dir = makeRun('run-ckpt', `${line(1)}\n`);
    await writeSafetensors(path.join(dir, 'checkpoint.safetensors'), { w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } },
      { format: 'dcgan-lab-checkpoint-1', config: JSON.stringify({ steps: 1000, loss: 'wgan-gp' }) });
    assert.deepEqual(await readRunConfig(dir), { steps: 1000, loss: 'wgan-gp' });
    assert.deepEqual(await readRunConfig(path.join(runs, 'run-old')), {});
  });
});
