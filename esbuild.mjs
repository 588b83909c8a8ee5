// Bundles the CLI (and, once it exists, the extension) into dist/, and copies tree-sitter's wasm next to them.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const wasmSrc = path.dirname(require.resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm'));
mkdirSync('dist/wasm', { recursive: true });
for (const f of ['tree-sitter.wasm', 'tree-sitter-python.wasm']) copyFileSync(path.join(wasmSrc, f), path.join('dist/wasm', f));

const production = process.argv.includes('--production');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production, minify: production, logLevel: 'warning' };
const entries = [{ in: 'src/cli/main.ts', out: 'cli' }];
if (existsSync('src/extension.ts')) entries.push({ in: 'src/extension.ts', out: 'extension' });
await Promise.all(entries.map((e) => build({ ...common, entryPoints: [e.in], outfile: `dist/${e.out}.js`, external: ['vscode', '@tensorflow/*'] })));
