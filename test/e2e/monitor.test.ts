/**
 * The sidebar training monitor in a real VS Code (code-server + Chromium), from the packaged .vsix: "Train DCGAN"
 * from the palette (built-in DCGAN, built-in dataset), the DCGAN Lab sidebar showing the loss curves and a
 * sample grid as the run trains, one img/s figure in the status bar and the monitor's header, "Stop Training"
 * shown as stopped, the whole sample grid in view at a narrow and a wide sidebar, the same run shown after the
 * sidebar was hidden and shown again, and the monitor legible in the dark and light default themes.
 * Screenshots: test-results/e2e/monitor-*.png
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { e2eSkip, mouseClick, runCommand, sleep, startPackaged, waitFor, type Page, type PackagedVSCode } from './harness';
import { stopFromPalette, trainFromPalette, trainingStatus, waitForStep } from './training';

const skip = e2eSkip();

// The functions passed to evaluate() run in the webview; the project's tsconfig has no DOM lib.
interface Img { src: string; complete: boolean; naturalWidth: number; naturalHeight: number; getBoundingClientRect(): Rect }
interface Rect { top: number; bottom: number; left: number; right: number; width: number; height: number }
interface Canvas { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null }
interface El { textContent: string | null; dataset: Record<string, string | undefined>; querySelector(s: string): unknown }
declare const document: { querySelector(s: string): unknown; body: { className: string }; documentElement: unknown };
declare const window: { innerWidth: number; innerHeight: number; scrollTo(x: number, y: number): void };
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

/** Drags the sidebar's edge until the sidebar is WIDTH pixels wide (VS Code keeps it at least 170). */
async function setSidebarWidth(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').first().boundingBox();
  if (!box || Math.abs(box.width - width) < 2) return;
  const x = box.x + box.width - 1; const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (width - box.width) / 2, y, { steps: 4 });
  await page.mouse.move(x + (width - box.width), y, { steps: 4 });
  await page.mouse.up();
  await sleep(300);
}

/** Where the sample grid is drawn in the monitor's page, scrolled to its top as the monitor opens. */
interface GridView { box: Rect; natural: [number, number]; view: [number, number] }

async function readGrid(frame: Frame): Promise<GridView | null> {
  return frame.evaluate(() => {
    window.scrollTo(0, 0);
    const img = document.querySelector('img[data-testid=sample]') as Img | null;
    if (!img || !img.complete || !img.naturalWidth) return null;
    const r = img.getBoundingClientRect();
    return { box: { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height },
      natural: [img.naturalWidth, img.naturalHeight] as [number, number], view: [window.innerWidth, window.innerHeight] as [number, number] };
  });
}

/** The whole grid is in the view (no scrolling), its aspect ratio the image's own, and not shrunk needlessly. */
function assertWholeGrid(g: GridView, what: string): void {
  const { box, natural: [nw, nh], view: [vw, vh] } = g;
  const say = `${what}: grid ${JSON.stringify(box)} in a ${vw}×${vh} view, image ${nw}×${nh}`;
  assert.ok(box.top >= 0 && box.left >= 0 && box.right <= vw + 0.5 && box.bottom <= vh + 0.5, `the whole grid is in view (${say})`);
  // (the 1-pixel border is outside the image's own box)
  assert.ok(Math.abs((box.width - 2) / (box.height - 2) - nw / nh) < 0.02, `the aspect ratio is kept (${say})`);
  assert.ok(box.width >= Math.min(vw - 24, 512) - 1 || box.bottom >= vh - 60, `as big as the view allows (${say})`);
}

/** The step and img/s in the status bar ("DCGAN 120/5,000 · 85.4 img/s · ETA 2:56") and in the monitor's header. */
async function speeds(page: Page): Promise<{ bar: string; monitor: string } | null> {
  const bar = /^DCGAN (\d[\d,]*)\/[\d,]+ · ([\d.,]+) img\/s/.exec(await trainingStatus(page));
  // (no named functions in the page: tsx would wrap them in a __name() the page lacks)
  const [step, speed] = await (await monitorFrame(page, 5_000)).evaluate(() => ['stat-step', 'stat-speed']
    .map((id) => ((document.querySelector(`[data-testid=${id}] .stat-value`) as El | null)?.textContent ?? '').trim()));
  const header = { step: step.split(' / ')[0], speed };
  if (!bar) return null;
  return { bar: `step ${bar[1]}: ${bar[2]} img/s`, monitor: `step ${header.step}: ${header.speed} img/s` };
}

describe('the training monitor in a real VS Code', { skip: skip || undefined, timeout: 900_000 }, () => {
  let vs: PackagedVSCode;

  before(async () => {
    vs = await startPackaged('monitor', {}, {
      colorTheme: 'Default Dark Modern',
      viewport: { width: 1500, height: 1000 },
      settings: {
        // small: the test is about the monitor, not the samples; about a second a step on the wasm engine, so that
        // the status bar and the monitor can be read (and photographed) at the same step
        'dcganLab.training.backend': 'wasm', 'dcganLab.training.batch': 8, 'dcganLab.training.ngf': 32, 'dcganLab.training.ndf': 32,
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
      await trainFromPalette(page, { model: 'builtin', size: 64, data: 'builtin', steps: 5000 });
      await waitForStep(page, 2);
      await showSidebar(page);
      await setSidebarWidth(page, 420);
      const live = await waitMonitor(page, (v) => v.lossPoints >= 2 && !!v.sample?.loaded && v.status === 'running', 'two loss points and a sample grid');
      assert.match(live.runName, /^run-/);
      assert.ok(live.bluePixels > 20, `the D loss line is drawn (${live.bluePixels} pixels in --vscode-charts-blue)`);
      assert.match(live.stats, /step/);
      runName = live.runName;
      await waitForStep(page, 12).catch(() => undefined);
      await vs.screenshot('monitor-running');

      // one img/s figure: read at the same step, the status bar and the monitor's header agree (they showed 69.8
      // and 89); photographed while neither changes
      for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
        const a = await speeds(page).catch(() => null);
        if (a && a.bar.split(':')[0] === a.monitor.split(':')[0]) {
          assert.equal(a.monitor, a.bar, 'the monitor\'s header and the status bar at the same step');
          await vs.screenshot('monitor-img-per-sec');
          if (JSON.stringify(await speeds(page)) === JSON.stringify(a)) break;
        }
        if (Date.now() > deadline) throw new Error(`the status bar and the monitor never showed the same step long enough: ${JSON.stringify(a)}`);
      }

      await stopFromPalette(page);
      const stopped = await waitMonitor(page, (v) => v.status === 'stopped', 'the monitor to show stopped', 60_000);
      assert.equal(stopped.runName, runName);
      stoppedPoints = stopped.lossPoints;
      assert.ok(stoppedPoints >= 2);
      await sleep(500);
      await vs.screenshot('monitor-dark');
    });
  });

  it('shows the whole sample grid at a narrow and a wide sidebar, keeping its aspect ratio', async () => {
    await vs.step('monitor-grid', async () => {
      const { page } = vs;
      for (const [name, width] of [['narrow', 240], ['wide', 760]] as const) {
        await setSidebarWidth(page, width);
        const g = await waitFor(async () => {
          const v = await readGrid(await monitorFrame(page, 5_000));
          // (laid out for this width: the view is as wide as the sidebar)
          return v && Math.abs(v.view[0] - width) < 40 ? v : null;
        }, 15_000, `the grid at a ${name} sidebar`);
        assertWholeGrid(g, `${name} sidebar (${width} px)`);
        await sleep(300);
        await vs.screenshot(`monitor-grid-${name}`);
      }
      await setSidebarWidth(page, 420);
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
