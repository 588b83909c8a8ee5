/**
 * The CLI as users run it: bin/dcgan-lab.js over the bundled dist/cli.js. The bundle is rebuilt first when any
 * source file is newer, so a test never runs stale code (and never pays tsx's per-process compile).
 */
import path from 'node:path';
import { ROOT, builtBundle } from './build';

export { ROOT };
export const BIN = path.join(ROOT, 'bin/dcgan-lab.js');

/** argv prefix that runs `dcgan-lab`: [node, bin/dcgan-lab.js] */
export function cliCommand(): string[] {
  builtBundle('cli');
  return [process.execPath, BIN];
}
