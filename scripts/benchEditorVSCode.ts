/**
 * Part of `npm run bench:editor`: the extension in a real VS Code (code-server + Chromium, as the e2e tests):
 * its activation time (from its log) and hover latency over 200 hovers on a 1,000-line file, measured from the
 * mouse arriving over a layer to the hover showing its shapes (with editor.hover.delay at its minimum, 0 ms here
 * plus VS Code's own scheduling). Skipped with a message when code-server or Chromium is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, e2eUnavailable, openFile, startVSCode, waitFor } from '../test/e2e/harness';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

function findFile(dir: string, name: string): string | null {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) { const r = findFile(p, name); if (r) return r; } else if (e === name) return p;
  }
  return null;
}

export async function benchInVSCode(text: string): Promise<void> {
  const missing = e2eUnavailable();
  if (missing) { console.log(`in VS Code: skipped (${missing})`); return; }
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'ignore' });
  const ws = mkdtempSync(path.join(os.tmpdir(), 'dcgan-lab-bench-'));
  writeFileSync(path.join(ws, 'big.py'), text);
  const vs = await startVSCode({ workspace: ws, extensionVsix: path.join(ROOT, 'dcgan-lab.vsix'), keepProfile: true,
    settings: { 'editor.hover.delay': 0, 'editor.inlayHints.enabled': 'off', 'editor.codeLens': false } });
  try {
    await openFile(vs.page, 'big.py');
    const logFile = await waitFor(() => findFile(vs.profile, 'DCGAN Lab Log.log'), 60_000, 'the extension log');
    const activation = await waitFor(() => /activated in ([\d.]+) ms/.exec(readFileSync(logFile, 'utf8'))?.[1], 30_000, 'the activation line');
    // layers on the first screen: `nn.Conv2d(` at the start of a line's code
    const page = vs.page;
    const boxes = await waitFor(async () => {
      const spans = page.locator('.editor-group-container.active .view-line span', { hasText: /^nn$/ });
      const n = Math.min(await spans.count(), 12);
      const out: { x: number; y: number }[] = [];
      for (let i = 0; i < n; i++) { const b = await spans.nth(i).boundingBox(); if (b) out.push({ x: b.x + b.width / 2, y: b.y + b.height / 2 }); }
      return out.length >= 3 ? out : null;
    }, 30_000, 'layers on screen');
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const b = boxes[i % boxes.length];
      await page.mouse.move(2, 2);
      await page.keyboard.press('Escape');
      // page code as strings: the project's tsconfig has no DOM types, and tsx's helpers do not exist in the page
      await page.waitForFunction("!document.querySelector('.monaco-editor .monaco-hover:not(.hidden)')", undefined, { timeout: 5_000 }).catch(() => undefined);
      const t0 = performance.now();
      await page.mouse.move(b.x, b.y);
      const ok = await page.waitForFunction("/→/.test(document.querySelector('.monaco-editor .monaco-hover:not(.hidden)')?.innerText ?? '')",
        undefined, { timeout: 10_000, polling: 'raf' }).then(() => true, () => false);
      if (ok) times.push(performance.now() - t0);
    }
    console.log(`in VS Code (code-server): activation ${activation} ms; hover shown ${times.length}/200 times, p50 ${pct(times, 0.5).toFixed(0)} ms, p99 ${pct(times, 0.99).toFixed(0)} ms (mouse move to hover with shapes; editor.hover.delay 0)`);
  } finally {
    await vs.close();
    rmSync(ws, { recursive: true, force: true });
    rmSync(vs.profile, { recursive: true, force: true });
  }
}
