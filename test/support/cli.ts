/**
 * The CLI as users run it: bin/dcgan-lab.js over the bundled dist/cli.js. The bundle is rebuilt first when any
 * source file is newer, so a test never runs stale code (and never pays tsx's per-process compile).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/dcgan-lab.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;

/** argv prefix that runs `dcgan-lab`: [node, bin/dcgan-lab.js] */
export function cliCommand(): string[] {
  if (!built) {
    let stale = true;
    try {
          stale = statSync(path.join(ROOT, 'dist/cli.js')).mtimeMs < newestSource(path.join(ROOT, 'src'));
    } catch { /* not built yet */ }
    if (stale) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  return [process.execPath, BIN];
}
