/**
 * `dcgan-lab engine install gpu|node`: installs TensorFlow's native Node.js bindings into a per-user cache
 * folder, outside the extension (the .vsix ships no native code, and one install serves every project).
 *
 * The package's own install step downloads libtensorflow (hundreds of MB) from storage.googleapis.com, so this
 * is where installs fail in practice; the error says so and what to do. The install is atomic: npm works in a
 * temporary folder that replaces the engine folder only once everything is in place, so a failed or interrupted
 * install never leaves a half engine that backend.ts would then try to load.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type EngineKind = 'gpu' | 'node';

export const ENGINE_VERSION = '4.22.0';
export const ENGINE_PACKAGES: Record<EngineKind, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

/**
 * The folder that holds one subfolder per installed engine: `DCGAN_LAB_ENGINES_DIR` when set, otherwise the
 * platform's per-user cache (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
 * `%LOCALAPPDATA%` on Windows) + `dcgan-lab/engines`.
 */
export function enginesRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform,
  home: string = os.homedir()): string {
  if (env.DCGAN_LAB_ENGINES_DIR) return env.DCGAN_LAB_ENGINES_DIR;
  if (platform === 'win32') {
    return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'dcgan-lab', 'Cache', 'engines');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'dcgan-lab', 'engines');
  return path.posix.join(env.XDG_CACHE_HOME || path.posix.join(home, '.cache'), 'dcgan-lab', 'engines');
}

/** Where `installEngine(kind)` puts the engine: `<root>/<kind>`, an npm prefix with `node_modules/` inside. */
export function engineDir(kind: EngineKind, root: string = enginesRoot()): string {
  return path.join(root, kind);
}

export class EngineInstallError extends Error {
  constructor(message: string, readonly output: string[]) {
    super(message);
    this.name = 'EngineInstallError';
  }
}

export interface InstallOptions {
  /** the engines root (default: enginesRoot()) */
  cacheDir?: string;
  /** npm's output, line by line, as it runs */
  onProgress?(line: string): void;
  /** the npm executable (default: `npm` on PATH) */
  npm?: string;
  /** cancels the install (npm is killed; nothing is installed) */
  signal?: AbortSignal;
}

export async function installEngine(kind: EngineKind, opts: InstallOptions = {}): Promise<{ dir: string }> {
  const pkg = ENGINE_PACKAGES[kind];
  const root = opts.cacheDir ?? enginesRoot();
  const dir = engineDir(kind, root);
  await mkdir(root, { recursive: true });
  const tmp = await mkdtemp(path.join(root, `.${kind}-installing-`));
  try {
    await writeFile(path.join(tmp, 'package.json'),
      JSON.stringify({ name: `dcgan-lab-engine-${kind}`, private: true, description: `${pkg} for DCGAN Lab` }, null, 2));
    const spec = `${pkg}@${ENGINE_VERSION}`;
    opts.onProgress?.(`installing ${spec} into ${dir}`);
    // --foreground-scripts streams the package's own install step (the libtensorflow download), which npm
    // would otherwise hide until it fails; --ignore-scripts=false because that step is the point of the install.
    const args = ['install', spec, '--prefix', tmp, '--no-audit', '--no-fund', '--foreground-scripts',
      '--ignore-scripts=false', '--omit=dev'];
    const { code, output, spawnError } = await runNpm(opts.npm, args, tmp, opts.onProgress, opts.signal);
    if (opts.signal?.aborted) throw new EngineInstallError(`Installing the ${kind} engine was cancelled; nothing was installed.`, output);
    if (spawnError) {
      throw new EngineInstallError(`Installing the ${kind} engine failed: could not run npm (${spawnError}). ` +
        'Install Node.js (it comes with npm) and make sure `npm` is on PATH, then try again.', output);
    }
    if (code !== 0) throw new EngineInstallError(diagnoseNpmFailure(kind, code, output), output);
    const missing = missingEngineFiles(tmp, pkg);
    if (missing) {
      throw new EngineInstallError(`Installing the ${kind} engine failed: npm reported success, but ${missing}. ` +
        `Run \`dcgan-lab engine install ${kind}\` again; if it keeps failing, the output above says why.`, output);
    }
    await writeFile(path.join(tmp, 'engine.json'),
      JSON.stringify({ package: pkg, version: ENGINE_VERSION, installedAt: new Date().toISOString() }, null, 2));
    await replaceDir(tmp, dir);
    opts.onProgress?.(`installed ${spec} into ${dir}`);
    return { dir };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The previous engine (if any) is moved aside, not deleted, until the new one is in place. */
async function replaceDir(from: string, to: string): Promise<void> {
  const old = existsSync(to) ? `${to}.old-${process.pid}-${Date.now()}` : null;
  if (old) await rename(to, old);
  try {
    await rename(from, to);
  } catch (err) {
    if (old) await rename(old, to);
    throw err;
  }
  if (old) await rm(old, { recursive: true, force: true });
}

/** null when the package and its native addon are there; otherwise what is missing. */
function missingEngineFiles(prefix: string, pkg: string): string | null {
  const pkgDir = path.join(prefix, 'node_modules', ...pkg.split('/'));
  if (!existsSync(path.join(pkgDir, 'package.json'))) return `${pkg} is not in ${path.join(prefix, 'node_modules')}`;
  // node-pre-gyp puts the addon in lib/napi-v<N>/tfjs_binding.node
  const lib = path.join(pkgDir, 'lib');
  const addon = existsSync(lib) && readdirSync(lib).some((d) => existsSync(path.join(lib, d, 'tfjs_binding.node')));
  return addon ? null : `its native addon (lib/napi-v*/tfjs_binding.node) is missing`;
}

function runNpm(npm: string | undefined, args: string[], cwd: string, onLine?: (line: string) => void, signal?: AbortSignal):
  Promise<{ code: number | null; output: string[]; spawnError?: string }> {
  return new Promise((resolve) => {
    const output: string[] = [];
    const onText = lineSplitter((line) => {
      output.push(line);
      onLine?.(line);
    });
    // npm is a .cmd script on Windows, which spawn can only start through a shell.
    const child = spawn(npm ?? 'npm', args, { cwd, shell: process.platform === 'win32' && !npm, windowsHide: true,
      env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], signal });
    child.stdout.on('data', onText.push);
    child.stderr.on('data', onText.push);
    child.on('error', (err) => { if (!signal?.aborted) resolve({ code: null, output, spawnError: err.message }); });
    child.on('close', (code) => {
      onText.end();
      resolve({ code, output });
    });
  });
}

/** Splits a byte stream into lines (CR-terminated progress updates count as lines too). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) onLine(p);
    },
    end() {
      if (rest.trim()) onLine(rest);
      rest = '';
    },
  };
}

const NETWORK_CODES = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|CERT_\w+|UNABLE_TO_\w+|SELF_SIGNED_CERT\w*)\b/;

/** Turns npm's output into a message that says what failed and what to do. Exported for tests. */
export function diagnoseNpmFailure(kind: EngineKind, code: number | null, output: string[]): string {
  const pkg = ENGINE_PACKAGES[kind];
  const text = output.join('\n');
  const head = `Installing the ${kind} engine (${pkg}@${ENGINE_VERSION}) failed`;
  const again = `then run \`dcgan-lab engine install ${kind}\` again`;
  const meanwhile = 'Nothing was installed; training with `--backend auto` keeps working on the next backend (wasm).';
  const netLine = output.find((l) => NETWORK_CODES.test(l));
  const netCode = netLine?.match(NETWORK_CODES)?.[1];
  // The package's install script (scripts/install.js) downloads libtensorflow and the prebuilt addon.
  const installStepFailed = /scripts\/install\.js|node-pre-gyp/.test(text) && /npm (error|ERR!) (command failed|code 1)/.test(text);
  if (installStepFailed && netCode) {
    const host = hostIn(text) ?? 'storage.googleapis.com';
    const why = netCode === 'ENOTFOUND' || netCode === 'EAI_AGAIN'
      ? `the name ${host} does not resolve (${netCode})` : `the connection failed (${netCode})`;
    return `${head}: npm downloaded the package, but its install step could not download libtensorflow from ` +
      `${host}: ${why}. This machine cannot reach ${host}. Allow access to https://${host}/ (directly or through ` +
      'HTTPS_PROXY), or point TFJS_NODE_CDN_STORAGE at a mirror of its tensorflow/libtensorflow/ and ' +
      `tf-builds/ folders; ${again}. ${meanwhile}`;
  }
  if (netCode) {
    const host = hostIn(text) ?? 'the npm registry';
    return `${head}: npm could not reach ${host} (${netCode}). Check the network, proxy and registry settings ` +
      `(\`npm config get registry\`); ${again}. ${meanwhile}`;
  }
  if (/\bE404\b|404 Not Found/.test(text)) {
    return `${head}: the registry has no ${pkg}@${ENGINE_VERSION} (404). Check \`npm config get registry\`; ${again}.`;
  }
  if (/\bENOSPC\b/.test(text)) return `${head}: the disk is full (ENOSPC). libtensorflow needs about 1 GB; free some space, ${again}.`;
  if (/\b(EACCES|EPERM)\b/.test(text)) {
    return `${head}: permission denied writing the engine folder (${output.find((l) => /EACCES|EPERM/.test(l))?.trim()}). ` +
      `Fix the folder's permissions or set DCGAN_LAB_ENGINES_DIR to a writable folder; ${again}.`;
  }
  if (installStepFailed) {
    return `${head}: the package's install step (libtensorflow download and native addon) failed. ` +
      `Last lines of npm's output:\n${lastLines(output, 12)}\n${meanwhile}`;
  }
  return `${head}: npm exited with code ${code}. Last lines of its output:\n${lastLines(output, 12)}\n${meanwhile}`;
}

function hostIn(text: string): string | null {
  return text.match(/getaddrinfo \w+ ([\w.-]+)/)?.[1] ?? text.match(/hostname: '([\w.-]+)'/)?.[1]
    ?? text.match(/https?:\/\/([\w.-]+)\//)?.[1] ?? null;
}

function lastLines(lines: string[], n: number): string {
  return lines.filter((l) => !/^npm (warn|notice)/.test(l)).slice(-n).map((l) => `  ${l}`).join('\n');
}
