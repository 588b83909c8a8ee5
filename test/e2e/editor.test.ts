/**
 * DCGAN Lab's editor features in a real VS Code (code-server + Chromium), from the packaged .vsix:
 * hover shapes, inlay hints, the mismatch in the Problems panel at the culprit's line, a quick fix that makes the
 * problem disappear, and the sweep in the code lens. Screenshots: test-results/e2e/editor-*.png
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  codeLenses, e2eSkip, hoverText, inlayHints, notifications, openFile, problems, quickFix, runCommand, startPackaged, waitFor,
  type PackagedVSCode,
} from './harness';

const LINEAR = `import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 4, 2, 1)
        self.fc = nn.Linear(128, 1)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


Critic()(torch.randn(2, 3, 16, 16))
`;

const skip = e2eSkip();

describe('DCGAN Lab in a real VS Code', { skip: skip || undefined, timeout: 600_000 }, () => {
  let vs: PackagedVSCode;

  before(async () => {
    vs = await startPackaged('editor', { 'seed_dcgan64.py': { copy: 'examples/seed_dcgan64.py' }, 'critic.py': LINEAR }, {
      settings: { 'editor.inlayHints.enabled': 'on', 'editor.hover.delay': 150, 'editor.codeLens': true },
    });
  });

  after(async () => {
    await vs?.close();
  });

  it('shows the size sweep in the code lens above the discriminator', async () => {
    await vs.step('editor-codelens', async () => {
      await openFile(vs.page, 'seed_dcgan64.py');
      const lenses = await waitFor(async () => (await codeLenses(vs.page)).find((l) => l.includes('64 ✓')), 60_000, 'the size lens');
      assert.equal(lenses, '32 ✗ · 64 ✓ · 96 ✗ · 128 ✗ · 256 ✗');
      await vs.screenshot('editor-codelens');
    });
  });

  it('hovers a conv layer and reads its input and output shapes and the formula', async () => {
    await vs.step('editor-hover', async () => {
      const text = await hoverText(vs.page, 'nn.Conv2d(width * 2, width * 4');
      assert.match(text, /Conv2d/);
      assert.match(text, /\[N, 16, 16, 16\] → \[N, 32, 8, 8\]/);
      assert.match(text, /H_out = ⌊\(16 \+ 2·1 − 1·\(4 − 1\) − 1\)\/2⌋ \+ 1 = 8/);
      await vs.screenshot('editor-hover');
    });
  });

  it('shows output shapes as inlay hints at the end of layer lines', async () => {
    await vs.step('editor-inlay', async () => {
      const hints = await waitFor(async () => {
        const h = await inlayHints(vs.page);
        return h.some((x) => x.includes('[N, 8, 32, 32]')) ? h : null;
      }, 30_000, 'inlay hints');
      assert.ok(hints.some((x) => /→ \[N, 16, 16, 16\]/.test(x)), hints.join('\n'));
      await vs.screenshot('editor-inlay-hints');
    });
  });

  it('lists the mismatch in the Problems panel at the culprit layer\'s line, in PyTorch\'s words', async () => {
    await vs.step('editor-problems', async () => {
      const rows = await waitFor(async () => {
        const r = await problems(vs.page);
        return r.some((x) => x.includes("Kernel size can't be greater than actual input size")) ? r : null;
      }, 30_000, 'the kernel-size problem');
      const row = rows.find((x) => x.includes("Kernel size can't be greater"))!;
      assert.match(row, /\[Ln 31,/, row);
      assert.ok(rows.some((x) => /returns a 3×3 map per image/.test(x)), rows.join('\n'));
      await vs.screenshot('editor-problems');
    });
  });

  it('checks the open file at a size typed into "DCGAN: Check Shapes at Input Size…"', async () => {
    await vs.step('editor-check-at-size', async () => {
      await openFile(vs.page, 'seed_dcgan64.py');
      await runCommand(vs.page, 'DCGAN: Check Shapes at Input Size…');
      // The input box opens in the quick-input widget with the proposed size; type into that box only.
      const box = vs.page.locator('.quick-input-widget .quick-input-box input');
      await waitFor(async () => (await box.isVisible()) && (await box.inputValue()) === '128', 15_000, 'the size input box');
      await box.fill('32');
      await box.press('Enter');
      const note = await waitFor(async () => (await notifications(vs.page)).find((n) => n.includes('32×32')), 60_000, 'the result notification');
      assert.match(note, /1 model\(s\) fail at 32×32/);
      await vs.screenshot('editor-check-at-size');
    });
  });

  it('applies a quick fix and the problem disappears', async () => {
    await vs.step('editor-quickfix', async () => {
      await openFile(vs.page, 'critic.py');
      await waitFor(async () => (await problems(vs.page)).find((x) => x.includes('mat1 and mat2 shapes cannot be multiplied (2x512 and 128x1)')), 30_000, 'the Linear problem');
      await quickFix(vs.page, 9, 'Set in_features of Linear to 512 (the features it receives)');
      await waitFor(async () => !(await problems(vs.page)).some((x) => x.includes('mat1 and mat2')), 30_000, 'the problem to disappear');
      await vs.screenshot('editor-quickfix-applied');
    });
  });
});

if (skip) console.log(`# e2e skipped: ${skip}`);
