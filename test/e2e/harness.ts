/**
 * End-to-end harness: the extension in a REAL VS Code (code-server 4.100.3, the VS Code 1.100.3 workbench and a
 * real Node extension host), driven through Debian's Chromium with playwright-core. Offline: see
 * shared/recipes/code-server.md and scripts/e2e-setup.sh (which installs code-server into .e2e/code-server).
 *
 *   test('hover', { timeout: 180_000 }, async (t) => {
 *     if (!requireE2E(t)) return;
 *     const vs = await startVSCode({ workspace, extensionDir });
 *     try {
 *       await openFile(vs.page, 'model.py');
 *       assert.match(await hoverText(vs.page, 'Conv2d'), /\[1, 8, 16, 16\]/);
 *       await vs.screenshot('hover');
 *     } finally { await vs.close(); }
 *   });
 *
 * Without code-server installed or without /usr/bin/chromium a test that calls requireE2E() is skipped with the
 * command that fixes it; with DCGAN_LAB_REQUIRE_E2E=1 (set by .ci/run) it fails instead.
 *
 * Selectors are those of the VS Code 1.100 workbench DOM (Monaco): see each helper.
 *
 * Environment: DCGAN_LAB_REQUIRE_E2E=1 (fail instead of skip), DCGAN_LAB_E2E_KEEP=1 (keep the throwaway profile
 * with VS Code's logs), DCGAN_LAB_CODE_SERVER_DIR (default .e2e/code-server), DCGAN_LAB_CHROMIUM (default
 * /usr/bin/chromium).
 *
 * node:test runs test files in parallel, one VS Code each (about 1.5 GB of RSS with Chromium, measured idle): keep the e2e
 * tests in few files, sharing one VS Code per file through before()/after().
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { newestMtime } from '../support/build';
import type { Browser, Locator, Page } from 'playwright-core';

export type { Page, Browser } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');
export const CODE_SERVER_DIR = process.env.DCGAN_LAB_CODE_SERVER_DIR ?? path.join(ROOT, '.e2e/code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules/code-server/out/node/entry.js');
/** Written by scripts/e2e-setup.sh once everything built and loaded. */
export const CODE_SERVER_MARKER = path.join(CODE_SERVER_DIR, '.dcgan-lab-installed');
export const CHROMIUM = process.env.DCGAN_LAB_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results/e2e');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

// ───────────────────────────── the skip rule ─────────────────────────────

/** null when the e2e tests can run, else what is missing and the command that fixes it. */
export function e2eUnavailable(): string | null {
  const missing: string[] = [];
  if (!existsSync(CODE_SERVER_MARKER) || !existsSync(CODE_SERVER_ENTRY)) {
    const where = CODE_SERVER_DIR.startsWith(ROOT + path.sep) ? path.relative(ROOT, CODE_SERVER_DIR) : CODE_SERVER_DIR;
    missing.push(`code-server is not installed in ${where} ` +
      `(run: bash scripts/e2e-setup.sh, or npm run test:e2e)`);
  }
  if (!existsSync(CHROMIUM)) missing.push(`Chromium is missing at ${CHROMIUM} (run: apt-get install -y chromium)`);
  if (!existsSync('/usr/bin/rg')) missing.push('ripgrep is missing at /usr/bin/rg (run: apt-get install -y ripgrep)');
  try { require.resolve('playwright-core'); } catch { missing.push('playwright-core is not installed (run: npm ci)'); }
  return missing.length ? `e2e unavailable: ${missing.join('; ')}` : null;
}

/**
 * For `it(name, { skip: e2eSkip() }, …)` (or a describe): the reason to skip when something is missing, else
 * false. With DCGAN_LAB_REQUIRE_E2E=1 it is always false, so the tests run and startVSCode() fails with the
 * reason. (Skipping each `it` rather than the describe makes the runner count them as skipped.)
 */
export function e2eSkip(): string | false {
  const why = e2eUnavailable();
  return why !== null && process.env.DCGAN_LAB_REQUIRE_E2E !== '1' ? why : false;
}

/** Call first in an e2e test: skips it (or, with DCGAN_LAB_REQUIRE_E2E=1, fails it) when something is missing. */
export function requireE2E(t: TestContext): boolean {
  const why = e2eUnavailable();
  if (why === null) return true;
  if (process.env.DCGAN_LAB_REQUIRE_E2E === '1') throw new Error(`${why} (DCGAN_LAB_REQUIRE_E2E=1 forbids skipping)`);
  t.skip(why);
  return false;
}

// ───────────────────────────── starting VS Code ─────────────────────────────

export interface StartOptions {
  /** folder opened as the workspace (absolute, or relative to the repository root) */
  workspace: string;
  /** a packaged extension, installed with code-server --install-extension */
  extensionVsix?: string;
  /** an unpacked extension folder (package.json + dist/ + media/ …), symlinked into the extensions dir */
  extensionDir?: string;
  /** merged over the harness's defaults in User/settings.json */
  settings?: Record<string, unknown>;
  /** shortcut for settings['workbench.colorTheme'] */
  colorTheme?: string;
  viewport?: { width: number; height: number };
  /** keep the throwaway profile (settings, logs) after close(); also kept when DCGAN_LAB_E2E_KEEP=1 */
  keepProfile?: boolean;
}

export interface VSCode {
  page: Page;
  browser: Browser;
  port: number;
  url: string;
  /** the throwaway profile: ud/ (user data, logs), ext/ (extensions), code-server.log */
  profile: string;
  /** everything code-server printed so far */
  log(): string;
  /** full-page screenshot to test-results/e2e/NAME.png; returns its path */
  screenshot(name: string): Promise<string>;
  /**
   * Runs FN; when it throws, saves test-results/e2e/NAME-FAILED.png and adds the end of code-server's log to
   * the error, so a failure in CI can be read.
   */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** closes the browser and kills code-server's whole process group; idempotent */
  close(): Promise<void>;
}

const DEFAULT_SETTINGS: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.hover.delay': 150,
  'editor.inlayHints.enabled': 'on',
  'editor.codeLens': true,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'window.commandCenter': false,
};

// Whatever ends this process, code-server's process group goes with it. While one is running, SIGTERM/SIGHUP
// (node:test's cancel) and SIGINT kill it and exit; Playwright's 'exit' handler then kills the browser's group.
const live = new Set<() => void>();
process.once('exit', () => { for (const kill of live) kill(); });
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function onSignal(sig: NodeJS.Signals): void {
  for (const kill of live) kill();
  // On SIGINT Playwright (when it has a browser up) closes it and exits with 130 itself.
  if (sig === 'SIGINT' && process.listenerCount('SIGINT') > 1) return;
  process.exit(128 + (os.constants.signals[sig] ?? 15));
}
function track(kill: () => void): void {
  if (live.size === 0) for (const sig of SIGNALS) process.on(sig, onSignal);
  live.add(kill);
}
function untrack(kill: () => void): void {
  live.delete(kill);
  if (live.size === 0) for (const sig of SIGNALS) process.off(sig, onSignal);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

/** true while any process of the group is alive */
function groupAlive(pgid: number): boolean {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

function cleanEnv(profile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A VS Code terminal's variables would make code-server talk to that VS Code instead.
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'PORT' || k === 'PASSWORD' || k === 'HASHED_PASSWORD') continue;
    env[k] = v;
  }
  // code-server, VS Code and Chromium write config, logs and caches under the XDG dirs: keep them in the
  // throwaway profile, not in ~.
  env.XDG_CONFIG_HOME = path.join(profile, 'xdg-config');
  env.XDG_DATA_HOME = path.join(profile, 'xdg-data');
  env.XDG_CACHE_HOME = path.join(profile, 'xdg-cache');
  env.XDG_RUNTIME_DIR = path.join(profile, 'xdg-runtime');
  for (const d of [env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME, env.XDG_RUNTIME_DIR]) mkdirSync(d!, { recursive: true, mode: 0o700 });
  return env;
}

function installExtension(opts: StartOptions, profile: string, ud: string, ext: string, env: NodeJS.ProcessEnv): void {
  if (opts.extensionVsix) {
    const vsix = path.resolve(ROOT, opts.extensionVsix);
    const r = spawnSync(process.execPath, [CODE_SERVER_ENTRY, '--config', path.join(profile, 'config.yaml'),
      '--user-data-dir', ud, '--extensions-dir', ext, '--force', '--install-extension', vsix],
    { encoding: 'utf8', env, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (${r.status}): ${r.stdout}${r.stderr}`);
  }
  if (opts.extensionDir) {
    const dir = path.resolve(ROOT, opts.extensionDir);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { publisher?: string; name: string; version: string };
    // code-server scans --extensions-dir for unpacked "publisher.name-version" folders.
    const target = path.join(ext, `${pkg.publisher ?? 'undefined_publisher'}.${pkg.name}-${pkg.version}`);
    rmSync(target, { recursive: true, force: true });
    try { symlinkSync(dir, target, 'dir'); } catch { cpSync(dir, target, { recursive: true }); }
    // Once --install-extension has written ext/extensions.json, VS Code loads only the extensions listed there.
    const manifest = path.join(ext, 'extensions.json');
    if (existsSync(manifest)) {
      const list = JSON.parse(readFileSync(manifest, 'utf8')) as unknown[];
      list.push({
        identifier: { id: `${pkg.publisher ?? 'undefined_publisher'}.${pkg.name}`.toLowerCase() },
        version: pkg.version,
        location: { $mid: 1, path: target, scheme: 'file' },
        relativeLocation: path.basename(target),
        metadata: { installedTimestamp: Date.now(), source: 'vsix' },
      });
      writeFileSync(manifest, JSON.stringify(list));
    }
  }
}

/**
 * Starts code-server on a free loopback port with a throwaway profile, installs the extension, opens Chromium
 * on WORKSPACE and waits for the workbench. Always call close() (in a finally).
 */
export async function startVSCode(opts: StartOptions): Promise<VSCode> {
  const why = e2eUnavailable();
  if (why) throw new Error(process.env.DCGAN_LAB_REQUIRE_E2E === '1' ? `${why} (DCGAN_LAB_REQUIRE_E2E=1 forbids skipping)` : why);
  const workspace = path.resolve(ROOT, opts.workspace);
  if (!existsSync(workspace)) throw new Error(`startVSCode: workspace ${workspace} does not exist`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'dcgan-lab-vscode-'));
  const ud = path.join(profile, 'ud');
  const ext = path.join(profile, 'ext');
  mkdirSync(path.join(ud, 'User'), { recursive: true });
  mkdirSync(ext, { recursive: true });
  const settings = { ...DEFAULT_SETTINGS, ...(opts.colorTheme ? { 'workbench.colorTheme': opts.colorTheme } : {}), ...opts.settings };
  writeFileSync(path.join(ud, 'User/settings.json'), JSON.stringify(settings, null, 2));
  writeFileSync(path.join(profile, 'config.yaml'), 'auth: none\n');
  const env = cleanEnv(profile);

  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let closed = false;
  const logFile = path.join(profile, 'code-server.log');
  let logText = '';
  const keep = opts.keepProfile || process.env.DCGAN_LAB_E2E_KEEP === '1';

  // (called from 'exit' and signal handlers: synchronous only)
  const hardKill = () => {
    if (child) killGroup(child, 'SIGKILL');
    if (!keep) try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try { await browser?.close(); } catch { /* browser already gone */ }
    if (child?.pid !== undefined) {
      killGroup(child, 'SIGTERM');
      await waitExit(child, 5_000);
      const deadline = Date.now() + 5_000;
      while (groupAlive(child.pid) && Date.now() < deadline) await sleep(100);
      if (groupAlive(child.pid)) killGroup(child, 'SIGKILL');
    }
    untrack(hardKill);
    if (!keep) rmSync(profile, { recursive: true, force: true });
  };
  track(hardKill);

  try {
    installExtension(opts, profile, ud, ext, env);
    child = spawn(process.execPath, [CODE_SERVER_ENTRY, '--config', path.join(profile, 'config.yaml'),
      '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--user-data-dir', ud, '--extensions-dir', ext,
      '--disable-telemetry', '--disable-workspace-trust', '--disable-update-check', '--disable-getting-started-override',
      '--ignore-last-opened', workspace], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (b: Buffer) => { const s = b.toString(); logText += s; try { writeFileSync(logFile, s, { flag: 'a' }); } catch { /* profile gone */ } };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start listening in 60 s:\n${logText}`)), 60_000);
      const check = () => {
        const m = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(logText);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      child!.stdout!.on('data', check);
      child!.stderr!.on('data', check);
      child!.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`code-server exited (${code ?? sig}) before listening:\n${logText}`)); });
      check();
    });

    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    // (env: Chromium keeps its crash-report database under XDG_CONFIG_HOME; keep that in the profile too)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env: { ...env } as Record<string, string>,
      handleSIGTERM: false, handleSIGHUP: false }); // (ours exit; Playwright's would close the browser and hang on)
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The explorer shows the workspace once the remote file system answers.
    await page.waitForSelector('.explorer-folders-view .monaco-list-row, .explorer-viewlet .monaco-list-row', { timeout: 60_000 }).catch(() => undefined);
    const vs: VSCode = {
      page, browser, port, url, profile,
      log: () => logText,
      screenshot: async (name: string) => {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      step: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        try {
          return await fn();
        } catch (e) {
          const shot = await vs.screenshot(`${name}-FAILED`).catch(() => 'none');
          const err = e instanceof Error ? e : new Error(String(e));
          err.message += `\n(screenshot: ${shot}; ${keep ? `profile kept: ${profile}` : 'DCGAN_LAB_E2E_KEEP=1 keeps the profile with VS Code\'s logs (ud/logs/*/exthost1/remoteexthost.log)'}; ` +
            `code-server log tail:\n${logText.slice(-2000)})`;
          throw err;
        }
      },
      close,
    };
    return vs;
  } catch (e) {
    await close();
    throw e;
  }
}

/** What the packaged .vsix is built from: when none is newer than dcgan-lab.vsix, packaging again is skipped. */
const PACKAGE_INPUTS = ['src', 'webview', 'media', 'package.json', 'package-lock.json', 'esbuild.mjs', 'scripts/package.mjs', '.vscodeignore', 'README.md'];

/**
 * The packaged extension (`npm run package`), built once per change: each e2e file runs in its own process, and
 * packaging takes seconds, so it is skipped while dcgan-lab.vsix is newer than everything it is built from.
 */
export function packagedVsix(): string {
  const vsix = path.join(ROOT, 'dcgan-lab.vsix');
  const built = existsSync(vsix) ? statSync(vsix).mtimeMs : 0;
  if (PACKAGE_INPUTS.some((p) => newestMtime(path.join(ROOT, p)) > built)) {
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'inherit' });
  }
  return vsix;
}

export type PackagedVSCode = VSCode & { workspace: string };

/**
 * A real VS Code with the packaged extension on a throwaway workspace holding `files` (name → content, or
 * `{ copy: 'examples/x.py' }` from the repository). close() also removes the workspace.
 */
export async function startPackaged(prefix: string, files: Record<string, string | { copy: string }>, opts: Omit<StartOptions, 'workspace' | 'extensionVsix'> = {}): Promise<PackagedVSCode> {
  const extensionVsix = packagedVsix();
  const workspace = mkdtempSync(path.join(os.tmpdir(), `dcgan-lab-e2e-${prefix}-`));
  for (const [name, f] of Object.entries(files)) {
    if (typeof f === 'string') writeFileSync(path.join(workspace, name), f);
    else copyFileSync(path.join(ROOT, f.copy), path.join(workspace, name));
  }
  try {
    const vs = await startVSCode({ ...opts, workspace, extensionVsix });
    return { ...vs, workspace, close: async () => { await vs.close(); rmSync(workspace, { recursive: true, force: true }); } };
  } catch (e) {
    rmSync(workspace, { recursive: true, force: true });
    throw e;
  }
}

// ───────────────────────────── helpers ─────────────────────────────

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls fn until it returns a truthy value (returned) or timeoutMs passes (throws, with the last value or error).
 * Errors thrown by fn count as "not yet".
 */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition', intervalMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`waitFor(${what}) timed out after ${timeoutMs} ms; last: ${detail}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Clicks the centre of LOCATOR with real mouse moves. Monaco's context views (Quick Fix menu, context menus) lay
 * a `.context-view-pointerBlock` over the page that only goes away on a pointer move, so Playwright's
 * locator.click() would wait forever for it.
 */
export async function mouseClick(page: Page, locator: Locator): Promise<void> {
  await locator.scrollIntoViewIfNeeded().catch(() => undefined);
  const box = await waitFor(() => locator.boundingBox(), 5_000, 'element box');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x - 3, y, { steps: 2 });
  await page.mouse.move(x, y, { steps: 2 });
  await page.mouse.click(x, y);
}

/** Monaco renders spaces as U+00A0; tests compare plain text. */
function plain(s: string): string {
  return s.replace(/\u00a0/g, ' ');
}

const QUICK_INPUT = '.quick-input-widget';

async function quickInputOpen(page: Page, key: string, prefix: string): Promise<Locator> {
  await page.keyboard.press('Escape');
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await page.keyboard.press(key);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await waitFor(async () => (await input.inputValue()).startsWith(prefix), 5_000, `quick input '${prefix}'`);
  return input;
}

/** The active editor (the one with focus, else the first visible editor). */
export function activeEditor(page: Page): Locator {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

/**
 * Opens a workspace file by its path relative to the workspace root (Ctrl+P quick open), and waits until its
 * tab is active and its text is rendered.
 */
export async function openFile(page: Page, relPath: string): Promise<void> {
  const input = await quickInputOpen(page, 'Control+P', '');
  await input.fill(relPath);
  const base = path.basename(relPath);
  const row = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`).filter({ hasText: base }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
  await page.locator('.tabs-container .tab.active').filter({ hasText: base }).first().waitFor({ timeout: 15_000 });
  await activeEditor(page).locator('.view-lines .view-line').first().waitFor({ timeout: 15_000 });
}

/**
 * Runs a command from the command palette (F1) by its title as shown there, e.g. 'DCGAN Lab: Show Diagram'.
 * Picks the row whose label is exactly the title when there is one.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = await quickInputOpen(page, 'F1', '>');
  await input.fill(`>${title}`);
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  const row = await waitFor(async () => {
    const n = await rows.count();
    let first: Locator | undefined;
    for (let i = 0; i < n; i++) {
      const r = rows.nth(i);
      const label = plain((await r.locator('.label-name').first().textContent()) ?? '').trim();
      if (label === title) return r;
      if (!first && label.toLowerCase().includes(title.toLowerCase())) first = r;
    }
    return first;
  }, 10_000, `command '${title}' in the palette`);
  await row.click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Moves the cursor to LINE (1-based), optionally COLUMN (1-based), with Ctrl+G; the line is then rendered. */
export async function gotoLine(page: Page, line: number, column?: number): Promise<void> {
  const input = await quickInputOpen(page, 'Control+G', ':');
  await input.fill(`:${line}${column ? `:${column}` : ''}`);
  await input.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

interface Box { x: number; y: number; width: number; height: number }

// The functions passed to evaluate() below run in the page. The project's tsconfig has no DOM lib (core/ must
// not see one), so the little of the DOM they use is declared here, local to this module.
interface El {
  className: string;
  getAttribute(name: string): string | null;
  textContent: string | null;
  style: { top: string };
  parentElement: El | null;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
interface TextNode { data: string; parentElement: El | null }
interface DomRange { setStart(n: TextNode, o: number): void; setEnd(n: TextNode, o: number): void; getBoundingClientRect(): Box }
declare const document: { createTreeWalker(root: El, whatToShow: number): { nextNode(): TextNode | null }; createRange(): DomRange };
declare const NodeFilter: { SHOW_TEXT: number };

/**
 * Screen box of the characters [column, column+length) of the rendered LINE in the active editor, found via the
 * line-number gutter (same `top` as the view line) and a DOM Range over the view line's text nodes.
 */
async function boxAt(page: Page, line: number, column: number, length = 1): Promise<Box | null> {
  return activeEditor(page).evaluate((ed: El, [line, column, length]) => {
    const numbers = Array.from(ed.querySelectorAll('.margin-view-overlays .line-numbers'));
    const num = numbers.find((n) => n.textContent?.trim() === String(line));
    if (!num) return null;
    const top = num.closest('.margin-view-overlays > div')?.style.top;
    const viewLine = Array.from(ed.querySelectorAll('.view-lines .view-line')).find((v) => v.style.top === top);
    if (!viewLine) return null;
    // Walk the text nodes, skipping injected text (inlay hints), to the character offset column-1.
    const walker = document.createTreeWalker(viewLine, NodeFilter.SHOW_TEXT);
    let offset = column - 1;
    let end = offset + length;
    let startNode: TextNode | null = null; let startOff = 0; let endNode: TextNode | null = null; let endOff = 0;
    let seen = 0;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const host = n.parentElement;
      if (host && /(^|\s)dyn-rule-/.test(host.className)) continue;
      const len = n.data.length;
      if (!startNode && offset < seen + len) { startNode = n; startOff = offset - seen; }
      if (startNode && end <= seen + len) { endNode = n; endOff = end - seen; break; }
      seen += len;
    }
    if (!startNode || !endNode) return null;
    const range = document.createRange();
    range.setStart(startNode, startOff);
    range.setEnd(endNode, endOff);
    const r = range.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }, [line, column, length] as const);
}

/** Line (1-based) and column (1-based) of the first occurrence of TEXT among the rendered lines of the active editor. */
export async function findText(page: Page, text: string, occurrence = 1): Promise<{ line: number; column: number } | null> {
  return activeEditor(page).evaluate((ed: El, [text, occurrence]) => {
    const numbers = Array.from(ed.querySelectorAll('.margin-view-overlays > div'));
    const lineOfTop = new Map<string, number>();
    for (const d of numbers) {
      const n = d.querySelector('.line-numbers')?.textContent?.trim();
      if (n) lineOfTop.set(d.style.top, Number(n));
    }
    const lines = Array.from(ed.querySelectorAll('.view-lines .view-line'))
      .map((v) => {
        // the line's own text, without injected inlay hints
        let s = '';
        const w = document.createTreeWalker(v, NodeFilter.SHOW_TEXT);
        for (let n = w.nextNode(); n; n = w.nextNode()) {
          const host = n.parentElement;
          if (host && /(^|\s)dyn-rule-/.test(host.className)) continue;
          s += n.data;
        }
        return { line: lineOfTop.get(v.style.top) ?? 0, text: s.replace(/\u00a0/g, ' ') };
      })
      .filter((l) => l.line > 0)
      .sort((a, b) => a.line - b.line);
    let k = 0;
    for (const l of lines) {
      let i = l.text.indexOf(text);
      while (i >= 0) {
        if (++k === occurrence) return { line: l.line, column: i + 1 };
        i = l.text.indexOf(text, i + 1);
      }
    }
    return null;
  }, [text, occurrence] as const);
}

/** Text of the visible editor hover (`.monaco-hover` that is not `.hidden`), or '' when none. */
export async function visibleHover(page: Page): Promise<string> {
  const hovers = page.locator('.monaco-editor .monaco-hover:not(.hidden)');
  const n = await hovers.count();
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const h = hovers.nth(i);
    if (await h.isVisible()) texts.push(plain(await h.innerText()).trim());
  }
  return texts.filter(Boolean).join('\n');
}

/**
 * Moves the mouse over LINE:COLUMN (1-based) of the active editor and returns the hover's text once it has
 * settled (no longer "Loading..."). Returns '' when no hover appears within timeoutMs.
 */
export async function hoverAt(page: Page, line: number, column: number, timeoutMs = 10_000): Promise<string> {
  let box: Box = (await boxAt(page, line, column))
    ?? await gotoLine(page, line, column).then(() => waitFor(() => boxAt(page, line, column), 5_000, `line ${line} rendered`));
  // Code lenses and inlay hints arrive late and shift the text: when the target moved while the hover was
  // coming up, the mouse was over something else, so hover again.
  for (let attempt = 0; ; attempt++) {
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await page.locator('.monaco-editor .monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 2 });
    let last = '';
    let stable = 0;
    try {
      await waitFor(async () => {
        const t = await visibleHover(page);
        if (t && !/^Loading\.\.\.$/.test(t) && t === last) stable++; else stable = 0;
        last = t;
        return stable >= 2;
      }, timeoutMs, 'hover', 150);
    } catch { /* no hover */ }
    const now = await boxAt(page, line, column);
    const moved = !now || Math.abs(now.x - box.x) > 1 || Math.abs(now.y - box.y) > 1;
    if (!moved || attempt >= 3) return last === 'Loading...' ? '' : last;
    box = now ?? box;
  }
}

/** hoverAt() over the first (or the occurrence-th) rendered occurrence of TEXT in the active editor. */
export async function hoverText(page: Page, text: string, occurrence = 1, timeoutMs = 10_000): Promise<string> {
  const at = await waitFor(() => findText(page, text, occurrence), 10_000, `'${text}' in the editor`);
  return hoverAt(page, at.line, at.column, timeoutMs);
}

/** Text of the rendered lines of the active editor, without inlay hints, one string per line ('\n'-joined). */
export async function editorText(page: Page): Promise<string> {
  return activeEditor(page).evaluate((ed: El) => {
    const lines = Array.from(ed.querySelectorAll('.view-lines .view-line'))
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((v) => {
      let s = '';
      const w = document.createTreeWalker(v, NodeFilter.SHOW_TEXT);
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        const host = n.parentElement;
        if (host && /(^|\s)dyn-rule-/.test(host.className)) continue;
        s += n.data;
      }
      return s.replace(/\u00a0/g, ' ');
    }).join('\n');
  });
}

/** One row of the Problems panel: a file row (severity null) or a problem under it. */
export interface ProblemRow {
  /** what the row shows, e.g. "Error: Kernel size can't be greater … DCGAN Lab DL001 [Ln 31, Col 13]" or "model.py 2" */
  text: string;
  /** 'Error' | 'Warning' | 'Info' for a problem row, null for a file row */
  severity: string | null;
  message: string;
  source: string;
  code: string;
  /** 1-based; 0 on file rows */
  line: number;
  column: number;
  /** the row's aria-label, e.g. "Error: … at line 31 and character 13. generated by DCGAN Lab" */
  ariaLabel: string;
}

/**
 * Opens the Problems panel (Ctrl+Shift+M) when it is not shown and returns its rendered rows (`.markers-panel
 * .monaco-list-row`): a file row, then one row per problem in it. The tree is virtualised: only rows in view
 * are returned. Use with waitFor, as problems arrive asynchronously.
 */
export async function problemRows(page: Page): Promise<ProblemRow[]> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    await sleep(300);
  }
  // (No named functions inside evaluate callbacks: tsx/esbuild would wrap them in a __name() the page lacks.)
  const rows = await panel.locator('.monaco-list-row').evaluateAll((els: El[]) => els.map((r) => {
    const f: Record<string, string> = {};
    for (const [k, sel] of [['message', '.marker-message'], ['label', '.label-name'], ['source', '.marker-source'],
      ['code', '.marker-code'], ['count', '.monaco-count-badge'], ['lineText', '.marker-line']]) {
      f[k] = (r.querySelector(sel)?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    }
    const icon = r.querySelector('.marker-icon');
    const sev = icon ? (/\b(error|warning|info)\b/.exec(icon.className)?.[1] ?? 'info') : null;
    const pos = /\[Ln (\d+), Col (\d+)\]/.exec(f.lineText);
    return {
      top: parseFloat(r.style.top) || 0,
      severity: sev ? sev[0].toUpperCase() + sev.slice(1) : null,
      message: icon ? f.message : f.label,
      source: f.source,
      code: f.code,
      line: pos ? Number(pos[1]) : 0,
      column: pos ? Number(pos[2]) : 0,
      count: f.count,
      lineText: f.lineText,
      ariaLabel: r.getAttribute('aria-label') ?? '',
    };
  }));
  return rows.sort((a, b) => a.top - b.top).map((r) => ({
    text: r.severity
      ? [`${r.severity}: ${r.message}`, r.source, r.code, r.lineText].filter(Boolean).join(' ')
      : [r.message, r.count].filter(Boolean).join(' '),
    severity: r.severity, message: r.message, source: r.source, code: r.code, line: r.line, column: r.column,
    ariaLabel: r.ariaLabel,
  }));
}

/**
 * problemRows() as the text each row shows: "model.py 1" for a file, then
 * "Error: MESSAGE SOURCE CODE [Ln L, Col C]" per problem (severity from the row's icon).
 */
export async function problems(page: Page): Promise<string[]> {
  return (await problemRows(page)).map((r) => r.text);
}

/**
 * Texts of the inlay hints rendered in the active editor, in document order. Monaco renders a hint as injected
 * text: spans inside `.view-line` whose class is a dynamic rule (`dyn-rule-N-M`); consecutive such spans (a hint's
 * label parts) are joined into one string.
 */
export async function inlayHints(page: Page): Promise<string[]> {
  return activeEditor(page).evaluate((ed: El) => {
    const lines = Array.from(ed.querySelectorAll('.view-lines .view-line'))
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    const out: string[] = [];
    for (const v of lines) {
      let cur: string | null = null;
      for (const s of Array.from(v.querySelectorAll(':scope > span > span'))) {
        if (/(^|\s)dyn-rule-/.test(s.className)) cur = (cur ?? '') + (s.textContent ?? '');
        else if (cur !== null) { out.push(cur); cur = null; }
      }
      if (cur !== null) out.push(cur);
    }
    return out.map((t) => t.replace(/\u00a0/g, ' ').trim()).filter(Boolean);
  });
}

/** Texts of the code lenses rendered in the active editor (one per command), in document order. */
export async function codeLenses(page: Page): Promise<string[]> {
  const els = activeEditor(page).locator('.codelens-decoration a, .codelens-decoration span[id]');
  const n = await els.count();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = plain((await els.nth(i).textContent()) ?? '').trim();
    if (t) out.push(t);
  }
  return out;
}

/** Clicks the code lens whose text is LABEL (or contains it). */
export async function clickCodeLens(page: Page, label: string): Promise<void> {
  const links = activeEditor(page).locator('.codelens-decoration a');
  const link = await waitFor(async () => {
    const n = await links.count();
    let partial: Locator | undefined;
    for (let i = 0; i < n; i++) {
      const t = plain((await links.nth(i).textContent()) ?? '').trim();
      if (t === label) return links.nth(i);
      if (!partial && t.includes(label)) partial = links.nth(i);
    }
    return partial;
  }, 10_000, `code lens '${label}'`);
  await mouseClick(page, link);
}

/**
 * Applies the quick fix titled TITLE on LINE: selects the line's text (so every diagnostic on it is in range),
 * opens the Quick Fix menu (Ctrl+.) and picks the action whose title is TITLE (or contains it).
 * Returns the titles that were offered.
 */
export async function quickFix(page: Page, line: number, title: string): Promise<string[]> {
  await gotoLine(page, line);
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Control+.');
  const widget = page.locator('.action-widget');
  await widget.waitFor({ state: 'visible', timeout: 10_000 });
  const rows = widget.locator('.monaco-list-row.action');
  const titles: string[] = [];
  const row = await waitFor(async () => {
    titles.length = 0;
    const n = await rows.count();
    let partial: Locator | undefined;
    for (let i = 0; i < n; i++) {
      const t = plain((await rows.nth(i).locator('.title').first().textContent()) ?? '').trim();
      titles.push(t);
      if (t === title) return rows.nth(i);
      if (!partial && t.includes(title)) partial = rows.nth(i);
    }
    return partial;
  }, 10_000, `quick fix '${title}'`).catch((e: Error) => { throw new Error(`${e.message}; offered: ${JSON.stringify(titles)}`); });
  await mouseClick(page, row);
  await widget.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  return titles;
}

/** Texts of the notification toasts now shown (message, then source). */
export async function notifications(page: Page): Promise<string[]> {
  const toasts = page.locator('.notifications-toasts .notification-toast');
  const n = await toasts.count();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = toasts.nth(i);
    if (await t.isVisible()) out.push(plain(await t.innerText()).replace(/\s+/g, ' ').trim());
  }
  return out;
}
