// Bundles the CLI, the extension and the training worker into dist/, and copies tree-sitter's and tfjs's wasm
// next to them (dist/wasm/).
import { build } from 'esbuild';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const wasmSrc = path.dirname(require.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm'));
mkdirSync('dist/wasm', { recursive: true });
for (const f of ['tree-sitter.wasm', 'tree-sitter-python.wasm']) copyFileSync(path.join(wasmSrc, f), path.join('dist/wasm', f));
// tfjs's wasm backend in Node runs single-threaded, so only the plain and SIMD binaries are ever loaded
// (src/engine/backend.ts points tfjs at dist/wasm/).
const tfWasmSrc = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(path.join(tfWasmSrc, f), path.join('dist/wasm', f));
// The torch engine's Python side, run by the worker with the user's own Python (src/engine/torch/process.ts).
mkdirSync('dist/torch', { recursive: true });
copyFileSync('src/engine/torch/engine.py', 'dist/torch/engine.py');

// One tfjs-core in the worker bundle. tfjs-core's gradients exist only as ES modules
// (dist/register_all_gradients.js), so tfjs-core and the cpu/wasm backends are bundled from their ES builds too;
// with the packages' CommonJS "main" builds the bundle would hold two tfjs-cores, and whichever created the
// global engine first would hand out tensors the other's gradient functions cannot use.
const tfjsEsm = {
  name: 'tfjs-esm',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs-(core|backend-cpu|backend-wasm)$/ }, (args) => ({ path: require.resolve(`${args.path}/dist/index.js`) }));
  },
};

const production = process.argv.includes('--production');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production, minify: production, logLevel: 'warning' };
const entries = [{ in: 'src/cli/main.ts', out: 'cli' }];
if (existsSync('src/extension.ts')) entries.push({ in: 'src/extension.ts', out: 'extension' });
// Webviews (webview/<name>/main.ts → dist/webview/<name>.js and .css): browser code, one IIFE each, no remote
// resources; the host loads them through asWebviewUri under localResourceRoots = [dist/webview].
const webviews = existsSync('webview') ? readdirSync('webview').filter((d) => existsSync(`webview/${d}/main.ts`)) : [];
await Promise.all([
  ...webviews.map((name) => build({ bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production,
    minify: production, logLevel: 'warning', entryPoints: [`webview/${name}/main.ts`], outfile: `dist/webview/${name}.js` })),
  // the extension host never runs tensors: tfjs stays out of its bundle (an import of it fails the build there)
  ...entries.map((e) => build({ ...common, entryPoints: [e.in], outfile: `dist/${e.out}.js`,
    ...(e.out === 'cli' ? { external: ['vscode', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], plugins: [tfjsEsm] } : { external: ['vscode', '@tensorflow/*'] }) })),
  // The worker carries tfjs-core and the cpu/wasm backends; the native engines come from the per-user engine
  // cache at run time (src/engine/install.ts) and sharp from node_modules.
  build({ ...common, entryPoints: ['src/engine/worker.ts'], outfile: 'dist/worker.js',
    external: ['sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], plugins: [tfjsEsm] }),
]);

// The packaged worker decodes folder datasets with sharp (native; src/engine/data/decode.ts loads it on first use).
// vsce packages no node_modules (--no-dependencies), so `--production` copies sharp, its JS dependencies and
// the installed binaries for this platform (@img/sharp-<os>-<arch>, @img/sharp-libvips-<os>-<arch>) to
// dist/node_modules, where the worker's require('sharp') finds them. Elsewhere sharp is missing and a folder
// dataset fails with what to do; the built-in dataset needs no sharp (sample grids: src/engine/data/png.ts).
if (production) {
  const to = 'dist/node_modules';
  rmSync(to, { recursive: true, force: true });
  const copy = (pkg, filter = () => true) => cpSync(path.join('node_modules', pkg), path.join(to, pkg), { recursive: true,
    filter: (src) => !/\.(md|d\.[cm]?ts|mjs|gyp|cc|h)$/.test(src) && filter(src) });
  copy('sharp', (src) => !/^(src|install)([\\/]|$)/.test(path.relative('node_modules/sharp', src)));
  for (const dep of ['@img/colour', 'detect-libc', 'semver']) copy(dep);
  for (const native of readdirSync('node_modules/@img').filter((d) => d.startsWith('sharp-'))) copy(`@img/${native}`);
}
