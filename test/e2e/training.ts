/**
 * Palette-driving helpers for the training e2e tests (test/e2e/train.test.ts, the monitor's tests): start
 * "DCGAN: Train DCGAN" through its quick picks, read the training status bar item, stop/pause/resume.
 *
 * The quick picks of "Train DCGAN" (labels are stable; src/vscode/training/offers.ts makes them):
 *   1/4 model:   "Built-in DCGAN"  |  "<Generator> / <Discriminator> from <file.py>"  (each item's detail starts with
 *                the engine that would train it, e.g. "torch · CPU, 2 threads (torch 1.13.0) · sizes …")
 *   2/4 size:    "<S> × <S>" for each size the pair trains at (default 64 first when offered)  |  "Other size…"
 *                (an input box, for a size the list does not offer)
 *   3/4 data:    "Built-in procedural dataset"  |  "Choose folder…" (VS Code's folder dialog)
 *   4/4 length:  "200 steps" | "1,000 steps" | "5,000 steps" | "20,000 steps" | "Other length…" (an input box)
 */
import path from 'node:path';
import {
  mouseClick, notifications, runCommand, sleep, waitFor, type Page,
} from './harness';

const QUICK_INPUT = '.quick-input-widget';

export interface TrainChoice {
  /** 'builtin' (default), or the start of the file pair's label, e.g. 'Generator / Discriminator' */
  model?: 'builtin' | string;
  /** image size; default: the pick's default (64 when offered). A size the list lacks goes through "Other size…" */
  size?: number;
  /** 'builtin' (default), or an absolute folder path chosen through "Choose folder…" */
  data?: 'builtin' | string;
  /** number of steps (default 200); one the list lacks goes through "Other length…" */
  steps?: number;
}

/** Plain text (Monaco renders spaces as U+00A0). */
const plain = (s: string) => s.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();

/** The open quick pick's title ('' when none). */
export async function quickPickTitle(page: Page): Promise<string> {
  const w = page.locator(QUICK_INPUT);
  if (!(await w.isVisible().catch(() => false))) return '';
  return plain((await w.locator('.quick-input-title').first().textContent().catch(() => '')) ?? '');
}

/** Labels of the rows of the open quick pick, in the order shown. */
export async function quickPickLabels(page: Page): Promise<string[]> {
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  const n = await rows.count();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(plain((await rows.nth(i).locator('.label-name').first().textContent()) ?? ''));
  return out;
}

/** Each row of the open quick pick as shown: label, description and detail, one string per row. */
export async function quickPickRowTexts(page: Page): Promise<string[]> {
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  const n = await rows.count();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(plain((await rows.nth(i).innerText().catch(() => '')) ?? ''));
  return out;
}

/** Waits for a quick pick whose title contains TITLE (e.g. 'image size'); returns its labels. */
export async function waitForQuickPick(page: Page, title: string, timeoutMs = 60_000): Promise<string[]> {
  return waitFor(async () => {
    const t = await quickPickTitle(page);
    if (!t.toLowerCase().includes(title.toLowerCase())) return null;
    const labels = await quickPickLabels(page);
    return labels.length ? labels : null;
  }, timeoutMs, `quick pick '${title}'`);
}

/**
 * Picks the row whose label is LABEL (or, when exact is false, starts with it) in the open quick pick whose title
 * contains TITLE. Throws with the labels offered when there is no such row.
 */
export async function pickItem(page: Page, title: string, label: string, exact = true): Promise<void> {
  const labels = await waitForQuickPick(page, title);
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  const i = labels.findIndex((l) => (exact ? l === label : l.startsWith(label)));
  if (i < 0) throw new Error(`quick pick '${title}' has no item '${label}'; offered: ${JSON.stringify(labels)}`);
  await mouseClick(page, rows.nth(i));
  // the next step replaces the pick (same widget): wait for the title to change, the widget to go, or (an input
  // box with the same title, after "Other size…") the list to go
  await waitFor(async () => !(await quickPickTitle(page)).toLowerCase().includes(title.toLowerCase()) || !(await quickListVisible(page)),
    10_000, `quick pick '${title}' to close`);
}

async function quickListVisible(page: Page): Promise<boolean> {
  return page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`).first().isVisible().catch(() => false);
}

/** Types VALUE into the open input box (title contains TITLE) and accepts it. */
export async function answerInputBox(page: Page, title: string, value: string): Promise<void> {
  await waitFor(async () => (await quickPickTitle(page)).toLowerCase().includes(title.toLowerCase()) && !(await quickListVisible(page)), 15_000, `input box '${title}'`);
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.fill(value);
  await sleep(300); // validateInput runs on change; Enter before it answers is ignored
  await input.press('Enter');
  await waitFor(async () => !(await quickPickTitle(page)).toLowerCase().includes(title.toLowerCase()), 10_000, `input box '${title}' to close`);
}

/** Chooses FOLDER in VS Code's own (simple) folder dialog, which code-server shows as a quick input. */
export async function chooseFolder(page: Page, folder: string): Promise<void> {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  const typed = folder.endsWith(path.sep) ? folder : folder + path.sep;
  // the dialog fills in its own start folder once it has listed it: a path typed before that is overwritten
  await waitFor(async () => {
    if ((await input.inputValue()) !== typed) await input.fill(typed);
    await sleep(500);
    return (await input.inputValue()) === typed;
  }, 15_000, `the folder dialog to take ${typed}`);
  // the dialog's OK button accepts the folder typed (Enter would only descend into it)
  const ok = page.locator(`${QUICK_INPUT} .quick-input-action .monaco-button, ${QUICK_INPUT} .quick-input-ok .monaco-button`).filter({ hasText: /OK|Select|Train/i }).first();
  if (await ok.isVisible().catch(() => false)) await mouseClick(page, ok);
  else await input.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

const STEP_LABELS = new Map([[200, '200 steps'], [1000, '1,000 steps'], [5000, '5,000 steps'], [20000, '20,000 steps']]);

/** What the quick picks showed on the way. */
export interface TrainShown {
  /** the model pick's rows (label, description, detail), as quickPickRowTexts reads them */
  modelItems: string[];
}

/**
 * Runs "DCGAN: Train DCGAN" from the command palette and answers its quick picks. Returns when the last pick
 * was answered (the run then starts, or is refused); use waitForStatus / waitForStep to follow it.
 * A live run's "Stop and train" question is answered yes. AT_MODEL_PICK runs while the model pick is shown.
 */
export async function trainFromPalette(page: Page, choice: TrainChoice = {}, atModelPick?: () => Promise<void>): Promise<TrainShown> {
  await runPaletteCommand(page, 'DCGAN: Train DCGAN');
  await answerReplaceRun(page);
  await waitForQuickPick(page, 'model');
  const shown: TrainShown = { modelItems: await quickPickRowTexts(page) };
  // (e.g. a screenshot of the pick)
  await atModelPick?.();
  if (!choice.model || choice.model === 'builtin') await pickItem(page, 'model', 'Built-in DCGAN');
  else await pickItem(page, 'model', choice.model, false);
  const sizes = await waitForQuickPick(page, 'image size');
  if (choice.size === undefined) await pickItem(page, 'image size', sizes[0]);
  else if (sizes.includes(`${choice.size} × ${choice.size}`)) await pickItem(page, 'image size', `${choice.size} × ${choice.size}`);
  else {
    await pickItem(page, 'image size', 'Other size…');
    await answerInputBox(page, 'image size', String(choice.size));
  }
  // a refused size ends the command here
  const next = await waitFor(async () => {
    const t = (await quickPickTitle(page)).toLowerCase();
    if (t.includes('dataset')) return 'dataset';
    if (!t && (await notifications(page)).some((n) => /cannot be trained/.test(n))) return 'refused';
    return null;
  }, 60_000, 'the dataset pick (or a refusal)');
  if (next === 'refused') return shown;
  if (!choice.data || choice.data === 'builtin') await pickItem(page, 'dataset', 'Built-in procedural dataset');
  else {
    await pickItem(page, 'dataset', 'Choose folder…');
    await chooseFolder(page, choice.data);
  }
  const steps = choice.steps ?? 200;
  const label = STEP_LABELS.get(steps);
  if (label) await pickItem(page, 'length', label);
  else {
    await pickItem(page, 'length', 'Other length…');
    await answerInputBox(page, 'length', String(steps));
  }
  return shown;
}

/**
 * runCommand, tried again while the palette does not list TITLE yet: right after the window opens, the palette
 * can be built before the extension's contributions are registered ("No matching commands").
 */
export async function runPaletteCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runCommand(page, title);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.keyboard.press('Escape');
      await sleep(1000);
    }
  }
}

/** When a run is live, "Train DCGAN" first asks whether to stop it: answer "Stop and Train". */
async function answerReplaceRun(page: Page): Promise<void> {
  const button = page.locator('.monaco-dialog-box .monaco-button, .dialog-buttons .monaco-button, .notifications-toasts .notification-toast .monaco-button').filter({ hasText: 'Stop and Train' }).first();
  const shown = await waitFor(async () => {
    if (await button.isVisible().catch(() => false)) return 'ask';
    if ((await quickPickTitle(page)).toLowerCase().includes('model')) return 'pick';
    return null;
  }, 30_000, 'the model pick').catch(() => null);
  if (shown === 'ask') await mouseClick(page, button);
}

/** The training status bar item's text ('' when hidden), e.g. "DCGAN 120/1,000 · 85 img/s · ETA 0:42". */
export async function trainingStatus(page: Page): Promise<string> {
  const item = page.locator('.statusbar-item[id$="dcganLab.training"]').first();
  if (!(await item.isVisible().catch(() => false))) return '';
  return plain((await item.innerText().catch(() => '')) ?? '');
}

/** Waits until the training status bar item's text matches RE; returns the text. */
export async function waitForStatus(page: Page, re: RegExp, timeoutMs = 120_000): Promise<string> {
  return waitFor(async () => {
    const t = await trainingStatus(page);
    return re.test(t) ? t : null;
  }, timeoutMs, `training status bar matching ${re}`, 250);
}

/** Waits until the status bar shows step ≥ MIN; returns the step shown. */
export async function waitForStep(page: Page, min: number, timeoutMs = 180_000): Promise<number> {
  const t = await waitForStatus(page, new RegExp(`DCGAN (\\d[\\d,]*)/`), timeoutMs);
  const step = (s: string) => Number(/DCGAN (\d[\d,]*)\//.exec(s)?.[1].replace(/,/g, '') ?? 0);
  if (step(t) >= min) return step(t);
  const t2 = await waitFor(async () => {
    const s = await trainingStatus(page);
    return step(s) >= min ? s : null;
  }, timeoutMs, `step ≥ ${min} in the status bar`, 250);
  return step(t2);
}

/** "DCGAN: Stop Training" from the palette; waits for the status bar's final state ("stopped at …"). */
export async function stopFromPalette(page: Page, timeoutMs = 60_000): Promise<string> {
  await runPaletteCommand(page, 'DCGAN: Stop Training');
  return waitForStatus(page, /DCGAN (stopped|done|failed)/, timeoutMs);
}

export async function pauseFromPalette(page: Page): Promise<string> {
  await runPaletteCommand(page, 'DCGAN: Pause Training');
  return waitForStatus(page, /DCGAN paused/, 30_000);
}

export async function resumeFromPalette(page: Page): Promise<string> {
  await runPaletteCommand(page, 'DCGAN: Resume Training');
  return waitForStatus(page, /DCGAN \d/, 30_000);
}

/** Opens the DCGAN Lab sidebar (its activity bar icon) when it is not shown. */
export async function showTrainingMonitor(page: Page): Promise<void> {
  const icon = page.locator('.activitybar .action-item a[aria-label^="DCGAN Lab"], .activitybar .action-item[aria-label^="DCGAN Lab"]').first();
  await icon.waitFor({ state: 'visible', timeout: 30_000 });
  const checked = await page.locator('.activitybar .action-item.checked a[aria-label^="DCGAN Lab"], .activitybar .action-item.checked[aria-label^="DCGAN Lab"]').count();
  if (!checked) await mouseClick(page, icon);
  await page.locator('.sidebar .pane-header', { hasText: 'Training Monitor' }).first().waitFor({ timeout: 15_000 }).catch(() => undefined);
}

// (evaluated in the webview; the project's tsconfig has no DOM lib)
declare const document: { querySelector(s: string): { textContent: string | null } | null };

/**
 * The monitor header's backend line (`[data-testid=device]`, e.g. "torch · CPU, 2 threads (torch 1.13.0)"), read
 * in the webview's frame (iframe.webview → #active-frame); '' until the monitor shows it.
 */
export async function monitorDevice(page: Page): Promise<string> {
  for (const f of page.frames()) {
    if (f.isDetached()) continue;
    const t = await f.evaluate(() => document.querySelector('[data-testid=device]')?.textContent ?? null).catch(() => null);
    if (t !== null) return plain(t);
  }
  return '';
}
