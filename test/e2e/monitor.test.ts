/**
 * The sidebar training monitor in a real VS Code (code-server + Chromium), from the packaged .vsix: "Train DCGAN"
 * from the palette (built-in DCGAN, built-in dataset), the DCGAN Lab sidebar showing the loss curves and a
 * sample grid as the run trains, "Stop Training" shown as stopped, the same run shown after the sidebar was
 * hidden and shown again, and the monitor legible in the dark and light default themes.
 * Screenshots: test-results/e2e/monitor-*.png
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { e2eSkip, mouseClick, runCommand, sleep, startPackaged, waitFor, type Page, type PackagedVSCode } from './harness';
import { stopFromPalette, trainFromPalette, waitForStep } from './training';

const skip = e2eSkip();

// The functions passed to evaluate() run in the webview; the project's tsconfig has no DOM lib.
interface Img { src: string; complete: boolean; naturalWidth: number }
interface Canvas { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null }
interface El { textContent: string | null; dataset: Record<string, string | undefined>; querySelector(s: string): unknown }
declare const document: { querySelector(s: string): unknown; body: { className: string }; documentElement: unknown };
declare function getComputedStyle(e: unknown): { getPropertyValue(n: string): string };

/** What the monitor shows, read from its DOM inside the webview's frame. */
interface MonitorView {
  status: string; runName: string; lossPoints: number; dPoints: number; sample: { src: string; loaded: boolean } | null;
  /** pixels of the loss chart drawn in the theme's --vscode-charts-blue (the D loss line) */
  bluePixels: number; bodyClass: string; stats: string;
}

async function readMonitor(frame: Frame): Promise<MonitorView | null> {
  return frame.evaluate(() => {
    // (no named functions in here: tsx would wrap them in a __name() the page lacks)
    const chart = document.querySelector('[data-testid=loss-chart]') as El | null;
    if (!chart) return null;
    const img = document.querySelector('img[data-testid=sample]') as (Img & El) | null;
    // the D loss line's colour, as the chart read it from the theme
    const probe = (document.querySelector('canvas') as Canvas | null)?.getContext('2d') as unknown as { fillStyle: string } | null;
    const blue = getComputedStyle(document.documentElement).getPropertyValue('--vscode-charts-blue').trim();
    let bluePixels = 0;
    const canvas = chart.querySelector('canvas') as Canvas | null;
    if (canvas && probe && blue) {
      probe.fillStyle = blue;
      const hex = probe.fillStyle;
      const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const ctx = canvas.getContext('2d');
      const data = ctx ? ctx.getImageData(0, 0, canvas.width, canvas.height).data : [];
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 200 && Math.abs(data[i] - rgb[0]) < 24 && Math.abs(data[i + 1] - rgb[1]) < 24 && Math.abs(data[i + 2] - rgb[2]) < 24) bluePixels++;
      }
    }
    return {
      status: (document.querySelector('[data-testid=status]') as El | null)?.textContent ?? '',
      runName: (document.querySelector('.run-name') as El | null)?.textContent ?? '',
      lossPoints: Number(chart.dataset.points ?? 0),
      dPoints: Number((document.querySelector('[data-testid=d-chart]') as El | null)?.dataset.points ?? 0),
      sample: img && img.src ? { src: img.src, loaded: img.complete && img.naturalWidth > 0 } : null,
      bluePixels,
      bodyClass: document.body.className,
      stats: (document.querySelector('[data-testid=stats]') as El | null)?.textContent ?? '',
    };
  });
}

/** The frame of the monitor's page: webviews are nested iframes (iframe.webview → #active-frame). */
async function monitorFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
  return waitFor(async () => {
    for (const f of page.frames()) {
      if (f.isDetached()) continue;
      const has = await f.evaluate(() => !!document.querySelector('[data-testid=loss-chart]')).catch(() => false);
      if (has) return f;
    }
    return null;
  }, timeoutMs, 'the training monitor webview');
}

async function waitMonitor(page: Page, ok: (v: MonitorView) => boolean, what: string, timeoutMs = 120_000): Promise<MonitorView> {
  let last: MonitorView | null = null;
  try {
    return await waitFor(async () => {
      last = await readMonitor(await monitorFrame(page, 5_000));
      return last && ok(last) ? last : null;
    }, timeoutMs, what, 300);
  } catch (e) {
    throw new Error(`${(e as Error).message}; monitor showed ${JSON.stringify(last)}`);
  }
}

/** The DCGAN Lab container's icon in the activity bar. */
const activityIcon = (page: Page) => page.locator('.activitybar .action-item a[aria-label^="DCGAN Lab"], .activitybar .action-item[aria-label^="DCGAN Lab"]').first();

async function showSidebar(page: Page): Promise<void> {
  const icon = activityIcon(page);
  await icon.waitFor({ state: 'visible', timeout: 30_000 });
  const checked = await page.locator('.activitybar .action-item.checked a[aria-label^="DCGAN Lab"], .activitybar .action-item.checked[aria-label^="DCGAN Lab"]').count();
  if (!checked) await mouseClick(page, icon);
  await page.locator('.sidebar .pane-header', { hasText: 'Training Monitor' }).first().waitFor({ timeout: 15_000 }).catch(() => undefined);
}

/** "Preferences: Color Theme" and a click on THEME's row (Enter would take the list's active row). */
async function setTheme(page: Page, theme: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(theme);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ hasText: theme }).first(); // (1.100 lists it as "Light Modern", described "Default Light Modern")
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await mouseClick(page, row);
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Drags the sidebar's edge so the monitor has a sidebar's common width (the default is narrow). */
async function widenSidebar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').first().boundingBox();
  if (!box || box.width >= width) return;
  const x = box.x + box.width - 1; const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (width - box.width) / 2, y, { steps: 4 });
  await page.mouse.move(x + (width - box.width), y, { steps: 4 });
  await page.mouse.up();
}

describe('the training monitor in a real VS Code', { skip: skip || undefined, timeout: 900_000 }, () => {
  let vs: PackagedVSCode;

  before(async () => {
    vs = await startPackaged('monitor', {}, {
      colorTheme: 'Default Dark Modern',
      viewport: { width: 1500, height: 1000 },
      settings: {
        // small and quick: the test is about the monitor, not the samples
        'dcganLab.training.backend': 'wasm', 'dcganLab.training.batch': 8, 'dcganLab.training.ngf': 16, 'dcganLab.training.ndf': 16,
        'dcganLab.training.sampleEvery': 5,
      },
    });
  });

  after(async () => {
    await vs?.close();
  });

  let runName = '';
  let stoppedPoints = 0;

  it('shows the loss curves and a sample grid while the built-in DCGAN trains, and "Stop Training" as stopped', async () => {
    await vs.step('monitor-train', async () => {
      const { page } = vs;
      await trainFromPalette(page, { model: 'builtin', size: 32, data: 'builtin', steps: 5000 });
      await waitForStep(page, 2);
      await showSidebar(page);
      await widenSidebar(page, 420);
      const live = await waitMonitor(page, (v) => v.lossPoints >= 2 && !!v.sample?.loaded && v.status === 'running', 'two loss points and a sample grid');
      assert.match(live.runName, /^run-/);
      assert.ok(live.bluePixels > 20, `the D loss line is drawn (${live.bluePixels} pixels in --vscode-charts-blue)`);
      assert.match(live.stats, /step/);
      runName = live.runName;
      await waitForStep(page, 12).catch(() => undefined);
      await vs.screenshot('monitor-running');

      await stopFromPalette(page);
      const stopped = await waitMonitor(page, (v) => v.status === 'stopped', 'the monitor to show stopped', 60_000);
      assert.equal(stopped.runName, runName);
      stoppedPoints = stopped.lossPoints;
      assert.ok(stoppedPoints >= 2);
      await sleep(500);
      await vs.screenshot('monitor-dark');
    });
  });

  it('shows the same run after the sidebar is hidden and shown again', async () => {
    await vs.step('monitor-reshow', async () => {
      const { page } = vs;
      const before = await monitorFrame(page);
      // another view container replaces ours: the webview is torn down (no retainContextWhenHidden) …
      await page.keyboard.press('Control+Shift+E');
      await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 15_000 });
      await waitFor(() => before.isDetached() || page.frames().every((f) => f !== before), 15_000, 'the monitor page to go').catch(() => undefined);
      // … and rebuilt from the host's state when shown again
      await showSidebar(page);
      const again = await waitMonitor(page, (v) => v.lossPoints >= 2 && !!v.sample?.loaded, 'the run after re-showing', 60_000);
      assert.equal(again.runName, runName);
      assert.equal(again.status, 'stopped');
      assert.equal(again.lossPoints, stoppedPoints);
      assert.ok(again.bluePixels > 20);
    });
  });

  it('redraws its charts in the light theme\'s colours', async () => {
    await vs.step('monitor-light', async () => {
      const { page } = vs;
      const dark = await readMonitor(await monitorFrame(page));
      await setTheme(page, 'Default Light Modern');
      const light = await waitMonitor(page, (v) => /vscode-light/.test(v.bodyClass) && v.bluePixels > 20, 'the light theme in the monitor', 30_000);
      assert.match(dark?.bodyClass ?? '', /vscode-dark/);
      assert.equal(light.runName, runName);
      await sleep(500);
      await vs.screenshot('monitor-light');
    });
  });
});
