// `npm run package` (after the production build): packages dcgan-lab.vsix for this machine's platform.
// The .vsix carries sharp's native binaries (libvips) for the platform that packaged it (esbuild.mjs copies them
// to dist/node_modules), so it declares that platform with `vsce --target`: the Marketplace and `code
// --install-extension` then offer it only where its binaries run. Publishing for other platforms means packaging
// on each (or in CI per target).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const musl = process.platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
const arch = { x64: 'x64', arm64: 'arm64', arm: 'armhf' }[process.arch];
const target = arch && (musl ? (arch === 'armhf' ? undefined : `alpine-${arch}`) : ['linux', 'darwin', 'win32'].includes(process.platform) ? `${process.platform}-${arch}` : undefined);
if (!target) throw new Error(`no VS Code target platform for ${process.platform}-${process.arch}${musl ? ' (musl)' : ''}`);
const vsce = path.join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
execFileSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--target', target, '--out', 'dcgan-lab.vsix'],
  { stdio: 'inherit', shell: process.platform === 'win32' });
console.log(`target platform: ${target}`);
