/**
 * The engine installer against fake `npm` executables (success, the libtensorflow download failure, a success
 * without the native addon), the folder it installs into, and, where this machine cannot reach
 * storage.googleapis.com, the real install failing with the message that says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineInstallError, diagnoseNpmFailure, engineDir, enginesRoot, installEngine } from '../../../src/engine/install';

/** npm's real output when tfjs-node-gpu's install step cannot reach storage.googleapis.com (captured here). */
const DOWNLOAD_FAILURE = `npm warn Unknown user config "nodedir". This will stop working in the next major version of npm.

> @tensorflow/tfjs-node-gpu@4.22.0 install
> node scripts/install.js gpu download

GPU-linux-4.22.0.tar.gz
* Downloading libtensorflow
https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz
node:events:502
      throw er; // Unhandled 'error' event
      ^

Error: getaddrinfo ENOTFOUND storage.googleapis.com
    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)
  errno: -3008,
  code: 'ENOTFOUND',
  syscall: 'getaddrinfo',
  hostname: 'storage.googleapis.com'
}

Node.js v20.20.2
npm error code 1
npm error path /tmp/x/node_modules/@tensorflow/tfjs-node-gpu
npm error command failed
npm error command sh -c node scripts/install.js gpu download`;

/** A fake npm: records its arguments, writes what `mode` says into --prefix, prints, and exits. */
function fakeNpm(dir: string, mode: 'ok' | 'download-failure' | 'no-addon'): string {
  const file = path.join(dir, `npm-${mode}.js`);
  writeFileSync(file, `#!${process.execPath}
const fs = require('fs'), path = require('path');
const args = process.argv.slice(2);
const prefix = args[args.indexOf('--prefix') + 1];
fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'args.json'), JSON.stringify(args));
const spec = args[1], name = spec.slice(0, spec.lastIndexOf('@'));
const pkg = path.join(prefix, 'node_modules', ...name.split('/'));
fs.mkdirSync(pkg, { recursive: true });
fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name, version: '4.22.0' }));
console.log('added 60 packages in 3s');
if (${JSON.stringify(mode)} === 'download-failure') {
  process.stderr.write(${JSON.stringify(DOWNLOAD_FAILURE)} + '\\n');
  process.exit(1);
}
if (${JSON.stringify(mode)} === 'ok') {
  fs.mkdirSync(path.join(pkg, 'lib', 'napi-v8'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), 'not really');
}
process.stdout.write('* Downloading libtensorflow\\r[====      ] 40%\\r[==========] 100%\\n');
`);
  chmodSync(file, 0o755);
  return file;
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'dcgan-install-'));
}

test('engines live in the per-user cache folder of each platform', () => {
  assert.equal(enginesRoot({}, 'linux', '/home/u'), '/home/u/.cache/dcgan-lab/engines');
  assert.equal(enginesRoot({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'), '/xdg/dcgan-lab/engines');
  assert.equal(enginesRoot({}, 'darwin', '/Users/u'), '/Users/u/Library/Caches/dcgan-lab/engines');
  assert.equal(enginesRoot({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'),
    'C:\\Users\\u\\AppData\\Local\\dcgan-lab\\Cache\\engines');
  assert.equal(enginesRoot({ DCGAN_LAB_ENGINES_DIR: '/opt/engines', XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'), '/opt/engines');
  assert.equal(engineDir('gpu', '/r'), path.join('/r', 'gpu'));
});

test('a successful install lands in <cache>/<kind> in one rename, streaming npm\'s output', async () => {
  const dir = tempDir();
  try {
    const root = path.join(dir, 'engines');
    const lines: string[] = [];
    const { dir: installed } = await installEngine('gpu', { cacheDir: root, npm: fakeNpm(dir, 'ok'), onProgress: (l) => lines.push(l) });
    assert.equal(installed, path.join(root, 'gpu'));
    assert.ok(existsSync(path.join(installed, 'node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node')));
    assert.deepEqual(JSON.parse(readFileSync(path.join(installed, 'engine.json'), 'utf8')).version, '4.22.0');
    assert.deepEqual(readdirSync(root), ['gpu'], 'a temporary folder was left behind');
    const args = JSON.parse(readFileSync(path.join(dir, 'args.json'), 'utf8')) as string[];
    assert.deepEqual(args.slice(0, 2), ['install', '@tensorflow/tfjs-node-gpu@4.22.0']);
    assert.ok(args.includes('--foreground-scripts') && args.includes('--ignore-scripts=false'));
    assert.ok(lines.includes('added 60 packages in 3s'), lines.join('\n'));
    assert.ok(lines.includes('[====      ] 40%'), 'carriage-return progress is split into lines');

    // Reinstalling replaces the engine as a whole.
    writeFileSync(path.join(installed, 'stale.txt'), 'old');
    await installEngine('gpu', { cacheDir: root, npm: fakeNpm(dir, 'ok') });
    assert.ok(!existsSync(path.join(installed, 'stale.txt')));
    assert.deepEqual(readdirSync(root), ['gpu']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed install says what failed and what to do, and leaves no half engine (nor harms the old one)', async () => {
  const dir = tempDir();
  try {
    const root = path.join(dir, 'engines');
    await assert.rejects(installEngine('gpu', { cacheDir: root, npm: fakeNpm(dir, 'download-failure') }), (err: Error) => {
      assert.ok(err instanceof EngineInstallError);
      assert.match(err.message, /^Installing the gpu engine \(@tensorflow\/tfjs-node-gpu@4\.22\.0\) failed: npm downloaded the package, but its install step could not download libtensorflow from storage\.googleapis\.com: the name storage\.googleapis\.com does not resolve \(ENOTFOUND\)\. This machine cannot reach storage\.googleapis\.com\./);
      assert.match(err.message, /TFJS_NODE_CDN_STORAGE/);
      assert.match(err.message, /run `dcgan-lab engine install gpu` again/);
      assert.ok(err.output.some((l) => l.includes('getaddrinfo ENOTFOUND')));
      return true;
    });
    assert.deepEqual(readdirSync(root), [], 'the failed install left files behind');

    await installEngine('node', { cacheDir: root, npm: fakeNpm(dir, 'ok') });
    await assert.rejects(installEngine('node', { cacheDir: root, npm: fakeNpm(dir, 'download-failure') }), EngineInstallError);
    assert.deepEqual(readdirSync(root), ['node']);
    assert.ok(existsSync(path.join(root, 'node', 'engine.json')), 'the working engine was damaged by a failed reinstall');

    await assert.rejects(installEngine('gpu', { cacheDir: root, npm: fakeNpm(dir, 'no-addon') }),
      /npm reported success, but its native addon \(lib\/napi-v\*\/tfjs_binding\.node\) is missing/);
    await assert.rejects(installEngine('gpu', { cacheDir: root, npm: path.join(dir, 'no-such-npm') }),
      /^EngineInstallError: Installing the gpu engine failed: could not run npm \(spawn .*no-such-npm ENOENT\)\. Install Node\.js/);
    assert.deepEqual(readdirSync(root), ['node']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm failures before the install step are told apart', () => {
  const registry = ['npm error code ENOTFOUND', 'npm error syscall getaddrinfo', 'npm error errno ENOTFOUND',
    'npm error network request to https://registry.npmjs.org/@tensorflow%2ftfjs-node failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org'];
  assert.match(diagnoseNpmFailure('node', 1, registry), /failed: npm could not reach registry\.npmjs\.org \(ENOTFOUND\)\. Check the network, proxy and registry settings/);
  assert.match(diagnoseNpmFailure('node', 1, ['npm error code E404', 'npm error 404 Not Found - GET https://registry.npmjs.org/x']),
    /the registry has no @tensorflow\/tfjs-node@4\.22\.0 \(404\)/);
  assert.match(diagnoseNpmFailure('gpu', 1, ['npm error code ENOSPC']), /the disk is full/);
  assert.match(diagnoseNpmFailure('gpu', 7, ['something odd']), /npm exited with code 7\. Last lines of its output:\n {2}something odd/);
});

test('the real install of tfjs-node-gpu fails here with a message naming storage.googleapis.com', { timeout: 90_000 }, async (t) => {
  if (await lookup('storage.googleapis.com').then(() => true, () => false)) {
    return t.skip('this machine can reach storage.googleapis.com: a real install would download ~400 MB of libtensorflow');
  }
  const dir = tempDir();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 60_000);
  const t0 = Date.now();
  try {
    const err = await installEngine('gpu', { cacheDir: dir, signal: abort.signal }).then(() => null, (e: Error) => e);
    if (abort.signal.aborted) return t.skip('npm took more than 60 s (slow registry); cancelled');
    assert.ok(err instanceof EngineInstallError, 'the install succeeded without storage.googleapis.com?');
    if (/could not reach (the npm registry|registry)/.test(err.message)) return t.skip(`the npm registry is unreachable too: ${err.message}`);
    assert.match(err.message, /could not download libtensorflow from storage\.googleapis\.com: .* This machine cannot reach storage\.googleapis\.com/);
    assert.deepEqual(readdirSync(dir), [], 'the failed install left files behind');
    t.diagnostic(`real install failed as expected in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
});
