/**
 * The bundles tests run (dist/cli.js, dist/worker.js), rebuilt with esbuild.mjs when a source file is newer, once
 * per test process; and the newest modification time under a path, for other build products (the e2e .vsix).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

/** The newest mtime (ms) of `p` or anything below it; 0 when it does not exist. */
export function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, f) => Math.max(m, newestMtime(path.join(p, f))), st.mtimeMs);
}

let fresh = false;

/** dist/<name>.js, rebuilt first when it is missing or older than src/. */
export function builtBundle(name: 'cli' | 'worker'): string {
  const bundle = path.join(ROOT, 'dist', `${name}.js`);
  if (!fresh) {
    if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestMtime(path.join(ROOT, 'src'))) {
      execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
    }
    fresh = true;
  }
  return bundle;
}
