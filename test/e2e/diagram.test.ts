/**
 * The shape diagram in a real VS Code (code-server + Chromium), from the packaged .vsix: "DCGAN: Show Shape
 * Diagram" on the seed DCGAN, the size selector, the 128×128 mismatch drawn in the theme's error colours, a box
 * click that moves the editor's cursor to the layer's line, the diagram following an edit, and the code lens.
 * Screenshots: test-results/e2e/diagram-*.png
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Locator } from 'playwright-core';
import { clickCodeLens, codeLenses, e2eSkip, findText, gotoLine, openFile, runCommand, startPackaged, waitFor, type PackagedVSCode } from './harness';

const skip = e2eSkip();

// The functions passed to evaluate() run in the webview; the project's tsconfig has no DOM lib.
interface El { ownerDocument: { defaultView: { getComputedStyle(e: unknown): Record<string, string> } } }

describe('the shape diagram in a real VS Code', { skip: skip || undefined, timeout: 600_000 }, () => {
  let vs: PackagedVSCode;

  /** the diagram webview's document (code-server nests it: iframe.webview → #active-frame) */
  const diagram = (): FrameLocator => vs.page.frameLocator('iframe.webview').frameLocator('#active-frame');

  /** the text of the diagram once it has drawn the discriminator at SIZE */
  async function diagramAt(size: number): Promise<string> {
    return waitFor(async () => {
      const t = await diagram().locator('.discriminator .port.input').textContent({ timeout: 1_000 });
      return t?.includes(`${size}×${size} images`) ? diagram().locator('#root').innerText() : null;
    }, 30_000, `the diagram at ${size}×${size}`);
  }

  async function chooseSize(size: number): Promise<void> {
    const select = diagram().locator('vscode-single-select#size');
    await select.click();
    await select.locator('li[role=option]').filter({ hasText: `${size}×${size}` }).first().click();
    await diagramAt(size);
  }

  /** COLOR_PROPERTY of EL, and the colour VAR resolves to in the same document */
  async function colours(el: Locator, property: string, variable: string): Promise<{ got: string; want: string }> {
    return el.evaluate((e: El, [property, variable]) => {
      const style = e.ownerDocument.defaultView.getComputedStyle(e);
      const doc = e.ownerDocument as unknown as { createElement(t: string): { style: Record<string, string> }; body: { append(x: unknown): void } };
      const probe = doc.createElement('div');
      probe.style.color = `var(${variable})`;
      doc.body.append(probe);
      const want = e.ownerDocument.defaultView.getComputedStyle(probe).color;
      (probe as unknown as { remove(): void }).remove();
      return { got: style[property], want };
    }, [property, variable] as const);
  }

  /** puts the keyboard in the Python editor (a click in the webview took it) */
  async function focusEditor(): Promise<void> {
    await vs.page.locator('.tabs-container .tab').filter({ hasText: 'seed_dcgan64.py' }).first().click();
    await vs.page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } })
      .document.activeElement?.closest('.monaco-editor') != null, undefined, { timeout: 5_000 });
  }

  /** "Preferences: Color Theme", then THEME in its list */
  async function pickTheme(theme: string): Promise<void> {
    await focusEditor();
    const input = vs.page.locator('.quick-input-widget .quick-input-box input');
    await vs.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Preferences: Color Theme');
    await vs.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Preferences: Color Theme' }).first().click();
    await waitFor(async () => (await input.inputValue()) === '' && (await vs.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: theme }).count()) > 0, 10_000, 'the theme list');
    await input.fill(theme);
    await vs.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: theme }).first().click();
  }

  /** "Ln 31, Col 13" from the status bar */
  async function cursor(): Promise<string> {
    return (await vs.page.locator('[id="status.editor.selection"]').first().innerText()).trim();
  }

  before(async () => {
    vs = await startPackaged('diagram', { 'seed_dcgan64.py': { copy: 'examples/seed_dcgan64.py' } }, {
      viewport: { width: 1600, height: 1000 },
    });
    // the diagram opens beside the editor: without the side bar both get half of the window
    await vs.page.keyboard.press('Control+B');
  });

  after(async () => {
    await vs?.close();
  });

  it('"DCGAN: Show Shape Diagram" draws the generator and the discriminator layer by layer at 64×64', { skip }, async () => {
    await vs.step('diagram-64', async () => {
      await openFile(vs.page, 'seed_dcgan64.py');
      await runCommand(vs.page, 'DCGAN: Show Shape Diagram');
      const text = await diagramAt(64);
      assert.match(text, /Generator64/);
      assert.match(text, /latent \[N, 100, 1, 1\]/);
      assert.equal(await diagram().locator('.generator .layer').count(), 14);
      assert.equal(await diagram().locator('.discriminator .layer').count(), 13);
      assert.match(await diagram().locator('.summary').innerText(), /At 64×64: every layer fits, and Discriminator64 accepts what Generator64 makes/);
      assert.equal(await diagram().locator('.bad').count(), 0, 'nothing is red at the size the model was built for');
      // box height follows the spatial size: the generator's 64×64 output box is taller than its 4×4 first box
      const h = async (p: string) => (await diagram().locator(`.generator .layer[data-path="${p}"] .box`).boundingBox())!.height;
      assert.ok(await h('net.12') > await h('net.0'), 'a 64×64 box is taller than a 4×4 one');
      await vs.screenshot('diagram-64');
    });
  });

  it('at 128×128 the mismatch and the 3×3 map are drawn in the error colours', { skip }, async () => {
    await vs.step('diagram-128', async () => {
      await chooseSize(128);
      const join = diagram().locator('.join.bad');
      assert.match(await join.innerText(), /Generator64 makes 64×64 images; Discriminator64 is shown at 128×128/);
      const out = diagram().locator('.discriminator .port.output.bad');
      assert.match(await out.innerText(), /out: \[N, 1, 3, 3\]\s+a 3×3 map per image, not one score/);
      const border = await colours(out, 'borderTopColor', '--vscode-inputValidation-errorBorder');
      assert.equal(border.got, border.want);
      const text = await colours(out, 'color', '--vscode-errorForeground');
      assert.equal(text.got, text.want);
      assert.notEqual(text.got, await diagram().locator('.generator .port.output').evaluate((e: El) => e.ownerDocument.defaultView.getComputedStyle(e).color));
      assert.match(await diagram().locator('.summary.bad').innerText(), /At 128×128: Discriminator64 returns a 3×3 map per image, not one score/);
      await vs.screenshot('diagram-128');
    });
  });

  it("at 32×32 the discriminator's last conv is the failing box, with PyTorch's words", { skip }, async () => {
    await vs.step('diagram-32', async () => {
      await chooseSize(32);
      const failing = diagram().locator('.discriminator .layer.failing');
      assert.equal(await failing.count(), 1);
      assert.equal(await failing.getAttribute('data-path'), 'main.11');
      assert.match(await failing.innerText(), /Conv2d\s+main\.11\s+\[N, 64, 2, 2\] → ✗\s+Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(4 x 4\)\. Kernel size can't be greater than actual input size/);
      const box = await colours(failing.locator('.box'), 'borderTopColor', '--vscode-inputValidation-errorBorder');
      assert.equal(box.got, box.want);
      await vs.screenshot('diagram-32');
    });
  });

  it("clicking a layer's box moves the editor's cursor to that layer's line", { skip }, async () => {
    await vs.step('diagram-reveal', async () => {
      await diagram().locator('.discriminator .layer[data-path="main.5"] .box').click();
      // main.5 is `nn.Conv2d(width * 2, width * 4, 4, 2, 1)` on line 25
      await waitFor(async () => /^Ln 25, Col 13\b/.test(await cursor()), 10_000, 'the cursor on line 25');
      await diagram().locator('.generator .layer[data-path="net.12"]').click();
      await waitFor(async () => /^Ln 49, Col 20\b/.test(await cursor()), 10_000, 'the cursor on line 49');
    });
  });

  it('follows an edit: a stride of 4 in the last conv makes a 2×2 map at 128×128', { skip }, async () => {
    await vs.step('diagram-edit', async () => {
      await chooseSize(128);
      await focusEditor();
      const at = await waitFor(() => findText(vs.page, 'stride=2, padding=0'), 10_000, 'the last conv');
      await gotoLine(vs.page, at.line, at.column + 'stride='.length);
      await vs.page.keyboard.press('Shift+ArrowRight');
      await vs.page.keyboard.type('4');
      await waitFor(async () => /a 2×2 map per image/.test(await diagram().locator('.discriminator .port.output').innerText()), 20_000, 'the diagram to follow the edit');
      assert.match(await diagram().locator('.discriminator .port.input').innerText(), /128×128/, 'the chosen size stays chosen');
      await vs.page.keyboard.press('Control+Z');
      await waitFor(async () => /a 3×3 map per image/.test(await diagram().locator('.discriminator .port.output').innerText()), 20_000, 'the undo');
    });
  });

  it('the "Show diagram" code lens above a model class shows that model\'s diagram', { skip }, async () => {
    await vs.step('diagram-codelens', async () => {
      // another view first: the file's third model alone
      const view = diagram().locator('vscode-single-select#view');
      await view.click();
      await view.locator('li[role=option]').filter({ hasText: 'ResizingDiscriminator64' }).first().click();
      await waitFor(async () => (await diagram().locator('section.net h2').allInnerTexts()).join() === 'ResizingDiscriminator64', 15_000, 'ResizingDiscriminator64 alone');
      await focusEditor();
      await vs.page.keyboard.press('Control+Home');
      await waitFor(async () => (await codeLenses(vs.page)).includes('Show diagram'), 60_000, 'the "Show diagram" lens');
      assert.deepEqual((await codeLenses(vs.page)).slice(0, 3), ['32 ✗ · 64 ✓ · 96 ✗ · 128 ✗ · 256 ✗', 'Sweep sizes…', 'Show diagram']);
      // the first lens is Discriminator64's: its diagram is the pair
      await clickCodeLens(vs.page, 'Show diagram');
      await waitFor(async () => (await diagram().locator('section.net h2').allInnerTexts()).join() === 'Generator64,Discriminator64', 15_000, 'the pair');
    });
  });

  it('redraws in the dark and high-contrast themes, with the error colours of each', { skip }, async () => {
    await vs.step('diagram-themes', async () => {
      await chooseSize(128);
      // (a high-contrast theme's validation border is cyan: the diagram outlines errors in its error foreground there)
      for (const [theme, bodyClass, shot, borderVar] of [
        ['Default Dark Modern', 'vscode-dark', 'diagram-128-dark', '--vscode-inputValidation-errorBorder'],
        ['Default High Contrast', 'vscode-high-contrast', 'diagram-128-hc', '--vscode-errorForeground'],
      ]) {
        await pickTheme(theme);
        await waitFor(async () => ((await diagram().locator('body').getAttribute('class')) ?? '').split(' ').includes(bodyClass), 20_000, `the ${theme} theme`);
        const out = diagram().locator('.discriminator .port.output.bad');
        await waitFor(async () => {
          const c = await colours(out, 'color', '--vscode-errorForeground');
          return c.got === c.want;
        }, 5_000, `the error colour of ${theme}`);
        const border = await colours(out, 'borderTopColor', borderVar);
        assert.equal(border.got, border.want, theme);
        await vs.page.waitForTimeout(300);
        await vs.screenshot(shot);
      }
    });
  });
});

if (skip) console.log(`# e2e skipped: ${skip}`);
