/**
 * "Train DCGAN" in a real VS Code (code-server + Chromium), from the packaged .vsix: the built-in DCGAN at 32×32
 * on the built-in dataset from the command palette, the scan report shown before the first step, the step in the
 * status bar, "Stop Training" ending it with a checkpoint and samples in the run folder, "Open Run Folder"; a
 * model file whose pair does not fit at the chosen size refused with the cursor on the culprit line and the reason
 * first in the toast; a run on a folder without images failing with the reason first in its toast; and "Install
 * GPU Engine" failing (libtensorflow's host pointed at a name that never resolves) with a message that says so.
 * And the .vsix's own worker, unzipped where no node_modules is above it, trains on an image folder with the
 * sharp the .vsix ships.
 * Screenshots: test-results/e2e/train-*.png
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePng } from '../../src/engine/data/png';
import { TRAIN_DEFAULTS, type RunStart, type TrainResult } from '../../src/engine/types';
import { TrainingClient } from '../../src/protocol/client';
import { ROOT, e2eSkip, notifications, openFile, startPackaged, waitFor, type PackagedVSCode } from './harness';
import { runPaletteCommand, stopFromPalette, trainFromPalette, trainingStatus, waitForStatus, waitForStep } from './training';

const skip = e2eSkip();

/** A toast's message, from notifications()' text (an expanded toast lists its source and buttons first). */
const toastMessage = (toast: string): string => toast.slice(toast.indexOf('DCGAN Lab:'));

describe('Train DCGAN in a real VS Code', { skip: skip || undefined, timeout: 900_000 }, () => {
  let vs: PackagedVSCode;

  before(async () => {
    // libtensorflow's download host, for "Install GPU Engine": a name that never resolves (RFC 6761 .invalid), so
    // the install fails the same way on every machine, with or without internet (code-server inherits the env)
    process.env.TFJS_NODE_CDN_STORAGE = 'http://dcgan-lab.invalid/';
    vs = await startPackaged('train', { 'upsample.py': { copy: 'examples/dcgan_argparse_upsample.py' } }, {
      settings: {
        // small and quick: the test is about the experience, not the samples
        'dcganLab.training.backend': 'wasm', 'dcganLab.training.batch': 8, 'dcganLab.training.ngf': 16, 'dcganLab.training.ndf': 16,
        'dcganLab.training.sampleEvery': 2,
      },
    });
  });

  after(async () => {
    await vs?.close();
  });

  it('trains the built-in DCGAN from the palette, shows the step, and stops with a checkpoint and samples', async () => {
    await vs.step('train-builtin', async () => {
      const { page } = vs;
      await trainFromPalette(page, { model: 'builtin', size: 32, data: 'builtin', steps: 5000 });
      // the scan report reaches the user before the first step
      const told = await waitFor(async () => (await notifications(page)).find((n) => /training on built-in procedural dataset \(seed 0\): [\d,]+ images/.test(n)), 120_000, 'the dataset notification');
      assert.match(told, /DCGAN Lab: training on built-in procedural dataset/);
      const step = await waitForStep(page, 3);
      assert.ok(step >= 3);
      assert.match(await trainingStatus(page), /^DCGAN \d[\d,]*\/5,000 · [\d.,]+ img\/s( · ETA (\d+:\d\d|\d+h\d\dm))?$/);
      await vs.screenshot('train-running');
      const final = await stopFromPalette(page);
      assert.match(final, /^DCGAN stopped at (\d[\d,]*)\/5,000$/);
      const stoppedAt = Number(/at (\d[\d,]*)\//.exec(final)![1].replace(/,/g, ''));
      assert.ok(stoppedAt >= step);
      const runs = readdirSync(path.join(vs.workspace, 'runs')).filter((d) => d.startsWith('run-'));
      assert.equal(runs.length, 1);
      const run = path.join(vs.workspace, 'runs', runs[0]);
      assert.ok(existsSync(path.join(run, 'checkpoint.safetensors')), 'the stop wrote a checkpoint');
      const samples = readdirSync(path.join(run, 'samples')).filter((f) => f.endsWith('.png'));
      assert.ok(samples.length >= 1, `samples: ${samples.join(', ')}`);
      await vs.screenshot('train-stopped');

      // code-server has no OS file manager: the run folder is revealed in the explorer
      await runPaletteCommand(page, 'DCGAN: Open Run Folder');
      await waitFor(async () => (await page.locator('.explorer-folders-view .monaco-list-row.selected, .explorer-folders-view .monaco-list-row.focused').allInnerTexts()).some((t) => t.includes(runs[0])), 15_000, 'the run folder selected in the explorer');
    });
  });

  it('refuses a model file whose pair does not fit at the chosen size, with the cursor on the culprit line', async () => {
    await vs.step('train-refused', async () => {
      const { page } = vs;
      await openFile(page, 'upsample.py');
      await trainFromPalette(page, { model: 'Generator / Discriminator from upsample.py', size: 40 });
      const msg = await waitFor(async () => (await notifications(page)).find((n) => /cannot be trained/.test(n)), 30_000, 'the refusal');
      // the reason first, the file's name and line after it: the workspace's temporary path no longer comes first
      // and pushes the reason out of the toast (the output channel has the whole path)
      assert.match(toastMessage(msg), /^DCGAN Lab: the model cannot be trained: Discriminator on \[8, 1, 40, 40\]: RuntimeError: mat1 and mat2 shapes cannot be multiplied \(8x1152 and 512x1\) \(adv_layer\.0, Linear\) \(upsample\.py:66\)$/);
      assert.ok(!msg.includes(vs.workspace), msg);
      // a button keeps the toast open at its full height: the whole reason is shown, not one cut line
      assert.match(msg, /Show Output/);
      // line 66, `self.adv_layer = nn.Sequential(nn.Linear(128 * ds_size ** 2, 1), nn.Sigmoid())`, is selected
      // (columns 9–87: the statement without its indentation), the cursor at its end
      const where = await waitFor(async () => {
        const t = await page.locator('.statusbar-item[id="status.editor.selection"]').innerText().catch(() => '');
        return /Ln 66, Col \d+/.test(t) ? t : null;
      }, 10_000, 'the cursor on line 66');
      assert.equal(where.replace(/\s+/g, ' ').trim(), 'Ln 66, Col 87 (78 selected)');
      assert.doesNotMatch(await trainingStatus(page), /starting|DCGAN \d/, 'no run started');
      assert.ok(!existsSync(path.join(vs.workspace, 'runs')) || readdirSync(path.join(vs.workspace, 'runs')).filter((d) => d.startsWith('run-')).length === 1);
      await vs.screenshot('train-refused');
    });
  });

  it('a run that fails says why first in its toast, the folder by its name', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'dcgan-lab-e2e-train-no-images-'));
    try {
      await vs.step('train-failed', async () => {
        const { page } = vs;
        writeFileSync(path.join(bad, 'notes.txt'), 'not an image');
        await trainFromPalette(page, { model: 'builtin', size: 32, data: bad, steps: 200 });
        const msg = await waitFor(async () => (await notifications(page)).find((n) => /training failed/.test(n)), 120_000, 'the failure toast');
        assert.match(toastMessage(msg), new RegExp(`^DCGAN Lab: training failed: no readable images in ${path.basename(bad)}: 1 file\\(s\\), e\\.g\\. notes\\.txt: not an image`));
        assert.ok(!msg.includes(bad), msg);
        assert.match(await waitForStatus(page, /DCGAN failed/, 30_000), /DCGAN failed/);
        await vs.screenshot('train-failed');
      });
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('"Install GPU Engine" fails with a message naming the host it could not reach', async (t) => {
    await vs.step('train-install-gpu', async () => {
      const { page } = vs;
      await runPaletteCommand(page, 'DCGAN: Install GPU Engine');
      const msg = await waitFor(async () => (await notifications(page)).find((n) => /Installing the gpu engine \(|could not run npm/.test(n)), 300_000, 'the install failure', 1000);
      // npm fetches the package, then its install step cannot download libtensorflow from the .invalid host; if
      // the registry itself is unreachable the message names the registry instead
      t.diagnostic(msg);
      assert.match(msg, /DCGAN Lab: Installing the gpu engine \(@tensorflow\/tfjs-node-gpu@4\.22\.0\) failed: (npm downloaded the package, but its install step could not download libtensorflow from dcgan-lab\.invalid: the name dcgan-lab\.invalid does not resolve|npm could not reach)/);
      await vs.screenshot('train-install-gpu');
    });
  });

  it('the .vsix worker trains on an image folder with the sharp it ships (linux-x64)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dcgan-vsix-'));
    try {
      execFileSync('unzip', ['-q', path.join(ROOT, 'dcgan-lab.vsix'), '-d', dir]);
      const worker = path.join(dir, 'extension/dist/worker.js');
      assert.ok(existsSync(path.join(dir, 'extension/dist/node_modules/sharp/package.json')), 'the .vsix ships sharp');
      const data = path.join(dir, 'images');
      mkdirSync(data);
      for (let k = 0; k < 3; k++) writeFileSync(path.join(data, `img${k}.png`), encodePng(new Uint8Array(24 * 20 * 3).map((_, i) => (i * (k + 3)) % 251), 24, 20, 3));
      writeFileSync(path.join(data, 'notes.txt'), 'not an image');
      // NODE_PATH could lead to the repository's sharp; the worker must find the .vsix's own
      const c = new TrainingClient({ workerPath: worker, env: { NODE_PATH: '' } });
      let start: RunStart | undefined;
      let result: TrainResult | undefined;
      let failure = '';
      let progressBeforeStart = false;
      c.on('started', (s) => { start = s; });
      c.on('progress', () => { if (!start) progressBeforeStart = true; });
      c.on('done', (r) => { result = r; });
      c.on('error', (f) => { if (f.fatal) failure = f.message; });
      c.start({ ...TRAIN_DEFAULTS, out: path.join(dir, 'runs/a'), data, backend: 'wasm', size: 16, batch: 2, steps: 2, ngf: 8, ndf: 8, nz: 16, sampleEvery: 1, checkpointEvery: 2 });
      await c.exited;
      assert.equal(failure, '');
      assert.equal(result?.steps, 2);
      assert.equal(progressBeforeStart, false, 'the scan report comes before the first step');
      assert.equal(start?.dataset.count, 3);
      assert.deepEqual(start?.dataset.sizes, [['24x20', 3]]);
      assert.deepEqual(start?.dataset.skipped.map((s) => s.file), ['notes.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
