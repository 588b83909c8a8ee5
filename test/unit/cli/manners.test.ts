/**
 * The command line's manners: `--help`/`-h` on every command (exit 0, defaults listed), `--version`, one-line usage
 * errors with a pointer to `--help` (exit 2), paths that are missing or of the wrong kind said in words, a backend
 * that cannot run here said without a stack trace (exit 3), and each skipped backend said once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cliCommand, ROOT } from '../../support/cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-manners-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const [cmd, ...pre] = cliCommand();
  return spawnSync(cmd, [...pre, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DCGAN_LAB_VERBOSE: '' } });
}

describe('dcgan-lab --help and --version', () => {
  for (const command of ['check', 'train', 'bench', 'engine']) {
    it(`${command} --help and -h print the command's options with their defaults, exit 0`, () => {
      for (const flag of ['--help', '-h']) {
        const r = cli(command, flag);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^Usage: dcgan-lab ${command}`));
        assert.match(r.stdout, /default/);
        assert.equal(r.stderr, '');
      }
    });
  }

  it('train --help lists its defaults as the run uses them', () => {
    const r = cli('train', '--help');
    assert.match(r.stdout, /--steps N\s+\(default: 1000\)/);
    assert.match(r.stdout, /--batch B\s+\(default: 64\)/);
    assert.match(r.stdout, /--backend B\s+auto\|torch\|gpu\|node\|wasm\|cpu \(default: auto/);
  });

  it('--version prints the package\'s version', () => {
    const r = cli('--version');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), `dcgan-lab ${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`);
  });
});

describe('usage and file errors', () => {
  it('a usage error is one line and a pointer to --help, exit 2', () => {
    for (const [args, message] of [
      [['train', '--ngf', 'x'], /^dcgan-lab: --ngf must be a whole number from 1 to 1024, got 'x'$/],
      [['train', '--frobnicate'], /^dcgan-lab: unknown option --frobnicate$/],
      [['check'], /^dcgan-lab: check needs a FILE$/],
      [['bench', '--amp', 'fp8'], /^dcgan-lab: --amp must be bf16 or fp16, got 'fp8'$/],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0], message);
      assert.equal(lines[1], `Run 'dcgan-lab ${args[0]} --help' for the options.`);
    }
    const unknown = cli('frobnicate');
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr.trim(), "dcgan-lab: unknown command 'frobnicate'\nRun 'dcgan-lab --help' for the options.");
  });

  it('a missing path or one of the wrong kind is said in words, not ENOENT/EISDIR', () => {
    for (const [args, message] of [
      [['train', '--model', path.join(tmp, 'nope.py')], /--model .*nope\.py: no such file/],
      [['train', '--model', tmp], /--model .* is a folder; it needs a Python file/],
      [['train', '--data', path.join(tmp, 'images')], /--data .*images: no such folder/],
      [['train', '--data', path.join(ROOT, 'package.json')], /--data .*package\.json is a file; it needs a folder of images/],
    ] as const) {
      const r = cli(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /ENOENT|EISDIR|ENOTDIR|    at /);
    }
  });

  it('a backend that cannot run here is said without a stack trace, exit 3', () => {
    const r = cli('bench', '--backend', 'gpu', '--steps', '1');
    assert.equal(r.status, 3);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^dcgan-lab: The gpu backend is not available: @tensorflow\/tfjs-node-gpu is not installed; run `dcgan-lab engine install gpu`/);
  });

  it('bench says each backend it passed over once', () => {
    const r = cli('bench', '--backend', 'auto', '--size', '16', '--batch', '2', '--ngf', '4', '--steps', '1', '--warmup', '0');
    assert.equal(r.status, 0, r.stderr);
    const all = r.stdout + r.stderr;
    for (const name of ['gpu', 'node']) {
      const said = all.split('\n').filter((l) => l.includes(`${name}: @tensorflow/tfjs-${name === 'gpu' ? 'node-gpu' : 'node'} is not installed`));
      assert.equal(said.length, 1, `${name} was reported ${said.length} times:\n${all}`);
    }
  });
});
