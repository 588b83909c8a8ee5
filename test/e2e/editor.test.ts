/**
 * DCGAN Lab's editor features in a real VS Code (code-server + Chromium), from the packaged .vsix:
 * hover shapes (every traced size), inlay hints (one size, inside the editor), the mismatch in the Problems panel at
 * the culprit's line with no "resizes" entries (hint dots instead), a quick fix that makes the problem disappear,
 * and the sweep in the code lens. Screenshots: test-results/e2e/editor-*.png
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  activeEditor, codeLenses, e2eSkip, gotoLine, hoverText, inlayHints, notifications, openFile, problems, quickFix, runCommand, startPackaged, waitFor,
  type PackagedVSCode,
} from './harness';

// (for the function evaluated in the page: the project's tsconfig has no DOM lib)
interface Box { x: number; width: number }

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
    vs = await startPackaged('editor', { 'seed_dcgan64.py': { copy: 'examples/seed_dcgan64.py' }, 'critic.py': LINEAR, 'upsample.py': { copy: 'examples/dcgan_argparse_upsample.py' } }, {
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
      // every traced size stays in the hover (the inlay hint shows the first only)
      assert.match(text, /\[N, 16, 32, 32\] → \[N, 32, 16, 16\]/);
      await vs.screenshot('editor-hover');
    });
  });

  it('shows output shapes as inlay hints at the end of layer lines, one traced size each', async () => {
    await vs.step('editor-inlay', async () => {
      // (the hover of the test before would cover the hints in the screenshot)
      await vs.page.mouse.move(5, 5);
      await vs.page.keyboard.press('Escape');
      const hints = await waitFor(async () => {
        const h = await inlayHints(vs.page);
        return h.some((x) => x.includes('[N, 8, 32, 32]')) ? h : null;
      }, 30_000, 'inlay hints');
      assert.ok(hints.some((x) => /→ \[N, 16, 16, 16\]/.test(x)), hints.join('\n'));
      // the file's first example call (64×64) only: its 128×128 and 32×32 calls are in the hover
      assert.ok(hints.includes('→ [N, 8, 32, 32]'), hints.join('\n'));
      for (const h of hints) assert.match(h, /^→ \[[N\d, ]+\]$/, `one shape per hint: ${h}`);
      // every hint ends inside the editor (several sizes ran off its right edge)
      const overflow = await activeEditor(vs.page).evaluate((ed: Box & { getBoundingClientRect(): Box; querySelectorAll(s: string): ArrayLike<{ className: string; getBoundingClientRect(): Box }> }) => {
        const right = ed.getBoundingClientRect().x + ed.getBoundingClientRect().width;
        return Array.from(ed.querySelectorAll('.view-line span span')).filter((s) => /(^|\s)dyn-rule-/.test(s.className))
          .map((s) => s.getBoundingClientRect()).filter((b) => b.x + b.width > right).length;
      });
      assert.equal(overflow, 0, 'inlay hints past the editor\'s right edge');
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
      // "Conv2d resizes 64×64 → 32×32" (DL007) is a hint: faint dots on the layer, no Problems entry
      assert.ok(!rows.some((x) => /DL007|resizes/.test(x)), rows.join('\n'));
      const dots = await waitFor(async () => (await activeEditor(vs.page).locator('.squiggly-hint').count()) || null, 15_000, 'hint dots in the editor');
      assert.ok(dots >= 1);
      await vs.screenshot('editor-problems');
    });
  });

  it('keeps one shape on a layer a helper builds at several sizes (it was cut off with …)', async () => {
    await vs.step('editor-inlay-loop', async () => {
      await openFile(vs.page, 'upsample.py');
      await gotoLine(vs.page, 54);
      // block.append(nn.BatchNorm2d(out_filters, 0.8)), built by discriminator_block() at 32, 64 and 128 channels
      const hints = await waitFor(async () => {
        const h = await inlayHints(vs.page);
        return h.includes('→ [N, 32, 8, 8]') ? h : null;
      }, 30_000, 'the BatchNorm2d line\'s hint').catch(async (e: Error) => { throw new Error(`${e.message}; hints: ${JSON.stringify(await inlayHints(vs.page))}`); });
      for (const h of hints) assert.match(h, /^→ \[[N\d, ]+\]$/, `one whole shape per hint: ${h}`);
      await vs.screenshot('editor-inlay-hints-helper');
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
      await waitFor(async () => !(await problems(vs.page)).some((x) => x.includes('(2x512 and 128x1)')), 30_000, 'the problem to disappear');
      await vs.screenshot('editor-quickfix-applied');
    });
  });
});

if (skip) console.log(`# e2e skipped: ${skip}`);
