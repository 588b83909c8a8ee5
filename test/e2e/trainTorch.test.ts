/**
 * "Train DCGAN" with the torch engine in a real VS Code (code-server + Chromium), from the packaged .vsix: the
 * backend setting "torch" and the python setting pointing at a Python with PyTorch (this machine's Debian
 * PyTorch, on the CPU), the built-in DCGAN at 16×16 on the built-in dataset for 30 steps from the palette. The
 * model pick says which engine would train the pair (PyTorch is asked while the picks are prepared); the run
 * finishes; its folder says torch trained it, on the CPU, with which Python; the monitor's header says so too.
 * The .vsix carries the engine's Python side (dist/torch/engine.py).
 * Screenshots: test-results/e2e/train-torch-*.png
 *
 * Restricted Mode is not covered here (the harness trusts the workspace); trainerOutlook's unit tests
 * (test/unit/training/offers.test.ts) cover it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunInfo } from '../../src/engine/runInfo';
import { ROOT, e2eSkip, startPackaged, waitFor, type PackagedVSCode } from './harness';
import { monitorDevice, showTrainingMonitor, trainFromPalette, waitForStatus } from './training';

/** The Python with PyTorch: DCGAN_LAB_TORCH_PYTHON, else Debian's (the `python3` first on PATH may lack torch). */
const PYTHON = process.env.DCGAN_LAB_TORCH_PYTHON ?? '/usr/bin/python3';

function torchMissing(): string | null {
  if (!existsSync(PYTHON)) return `no Python at ${PYTHON} (set DCGAN_LAB_TORCH_PYTHON to one with PyTorch)`;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
    return null;
  } catch {
    return `${PYTHON} cannot import torch (install PyTorch there, e.g. apt-get install -y python3-torch, or set DCGAN_LAB_TORCH_PYTHON)`;
  }
}

// like the other e2e tests: skipped when something is missing, failed instead with DCGAN_LAB_REQUIRE_E2E=1
const e2e = e2eSkip();
const torch = e2e ? null : torchMissing();
const skip = e2e || (torch && process.env.DCGAN_LAB_REQUIRE_E2E !== '1' ? `e2e unavailable: ${torch}` : false);

describe('Train DCGAN with the torch engine in a real VS Code', { skip: skip || undefined, timeout: 600_000 }, () => {
  let vs: PackagedVSCode;

  before(async () => {
    if (torch) throw new Error(`${torch} (DCGAN_LAB_REQUIRE_E2E=1 forbids skipping)`);
    vs = await startPackaged('train-torch', {}, {
      settings: {
        'dcganLab.training.backend': 'torch', 'dcganLab.training.python': PYTHON,
        // small and quick: the test is about which engine trains, not the samples
        'dcganLab.training.batch': 4, 'dcganLab.training.ngf': 8, 'dcganLab.training.ndf': 8, 'dcganLab.training.sampleEvery': 10,
      },
    });
  });

  after(async () => {
    await vs?.close();
  });

  it('the .vsix carries the torch engine\'s Python side', () => {
    const listing = execFileSync('unzip', ['-Z1', path.join(ROOT, 'dcgan-lab.vsix')], { encoding: 'utf8' }).split('\n');
    assert.ok(listing.includes('extension/dist/torch/engine.py'), `dist/torch/engine.py in the .vsix: ${listing.filter((f) => f.includes('torch')).join(', ') || 'none'}`);
  });

  it('trains the built-in DCGAN with the user\'s PyTorch from the palette; the pick, run.json and the monitor say torch', async () => {
    await vs.step('train-torch', async () => {
      const { page } = vs;
      const shown = await trainFromPalette(page, { model: 'builtin', size: 16, data: 'builtin', steps: 30 }, () => vs.screenshot('train-torch-model-pick').then(() => undefined));
      // the model pick said which engine and device would train it, before anything started
      const builtin = shown.modelItems.find((t) => t.includes('Built-in DCGAN')) ?? '';
      assert.match(builtin, /torch · CPU, \d+ threads? \(torch [^)]+\)/, `the model pick: ${JSON.stringify(shown.modelItems)}`);

      await showTrainingMonitor(page);
      const device = await waitFor(async () => {
        const t = await monitorDevice(page);
        return t.startsWith('torch') ? t : null;
      }, 180_000, 'the monitor header naming the torch engine');
      assert.match(device, /^torch · CPU, \d+ threads? \(torch [^)]+\)$/);

      const final = await waitForStatus(page, /DCGAN (done|failed|stopped)/, 300_000);
      assert.match(final, /DCGAN done: 30 steps/);
      assert.match(await monitorDevice(page), /^torch · CPU/);
      await vs.screenshot('train-torch-done');

      const runs = readdirSync(path.join(vs.workspace, 'runs')).filter((d) => d.startsWith('run-'));
      assert.equal(runs.length, 1);
      const run = path.join(vs.workspace, 'runs', runs[0]);
      const info = JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as RunInfo;
      assert.equal(info.backend.name, 'torch');
      assert.match(info.backend.device, /^CPU/);
      assert.ok(info.backend.python, 'run.json names the Python');
      assert.equal(info.config.python, PYTHON);
      assert.equal(info.config.backend, 'torch');
      const steps = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as { step?: number }).map((m) => m.step).filter((s): s is number => typeof s === 'number');
      assert.deepEqual([...new Set(steps)].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 1));
      assert.ok(existsSync(path.join(run, 'checkpoint.safetensors')), 'the end wrote a checkpoint');
    });
  });
});
