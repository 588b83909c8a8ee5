/**
 * Which Python the torch engine uses (src/engine/torch/discover.ts): the order of the candidates, and the device
 * it reports, as PyTorch names it. Starting real interpreters is the oracle suite's (test/oracle/torchEngine.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pythonCandidates, torchDevice } from '../../../src/engine/torch/discover';
import type { TorchHello } from '../../../src/engine/torch/process';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-discover-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function exe(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return file;
}

test('the chosen interpreter is the only candidate', () => {
  assert.deepEqual(pythonCandidates({ python: '/opt/py/bin/python3', pythonHint: '/x/python' }, { PATH: '/usr/bin' }), [{ path: '/opt/py/bin/python3', from: 'the python setting' }]);
});

test('otherwise: the Python extension\'s interpreter, then python3 and python in PATH order, then /usr/bin/python3, each once', { skip: process.platform === 'win32' }, () => {
  const shims = path.join(tmp, 'pyenv', 'shims');
  const venv = path.join(tmp, 'venv', 'bin');
  const s3 = exe(shims, 'python3');
  const s = exe(shims, 'python');
  const v3 = exe(venv, 'python3');
  // the same file reached through another name counts once
  symlinkSync(v3, path.join(venv, 'python'));
  const hint = exe(path.join(tmp, 'conda', 'bin'), 'python');
  const env = { PATH: [shims, path.join(tmp, 'missing'), venv].join(path.delimiter) };
  const got = pythonCandidates({ pythonHint: hint }, env, 'linux').map((c) => [c.path, c.from]);
  const expected: [string, string][] = [[hint, "VS Code's Python extension"], [s3, 'PATH'], [s, 'PATH'], [v3, 'PATH']];
  assert.deepEqual(got.slice(0, 4), expected);
  // the system Python last, when there is one
  assert.ok(got.length === 4 || (got.length === 5 && got[4][0] === '/usr/bin/python3'), JSON.stringify(got));
});

const hello = (over: Partial<TorchHello> = {}): TorchHello => ({
  protocol: 1, pid: 1, python: '/usr/bin/python3', pythonVersion: '3.11.2', torch: '2.11.0+cu130', cuda: '13.0', hip: null,
  gpus: [{ index: 0, name: 'NVIDIA H200', memory: 150e9 }], mps: false, threads: 16, ...over,
});

test('the device is named as PyTorch names it, and a missing one says why and what to do', () => {
  assert.deepEqual(torchDevice(hello()), { kind: 'cuda', name: 'NVIDIA H200 (CUDA 13.0, torch 2.11.0)' });
  assert.deepEqual(torchDevice(hello({ gpus: [], cuda: null, torch: '2.5.1', mps: true })), { kind: 'mps', name: 'Apple MPS (torch 2.5.1)' });
  assert.deepEqual(torchDevice(hello(), 'cpu'), { kind: 'cpu', name: 'CPU, 16 threads (torch 2.11.0)' });
  assert.deepEqual(torchDevice(hello({ gpus: [], cuda: null, threads: 1 })), { kind: 'cpu', name: 'CPU, 1 thread (torch 2.11.0)' });
  assert.deepEqual(torchDevice(hello({ hip: '6.2', cuda: null, gpus: [{ index: 0, name: 'AMD Instinct MI300X', memory: 1 }] })), { kind: 'cuda', name: 'AMD Instinct MI300X (ROCm 6.2, torch 2.11.0)' });
  const cpuOnly = torchDevice(hello({ gpus: [], cuda: null }), 'cuda');
  assert.ok('error' in cpuOnly && /cannot use cuda: it is a CPU-only build; install a CUDA build of PyTorch/.test(cpuOnly.error), JSON.stringify(cpuOnly));
  const second = torchDevice(hello(), 'cuda:1');
  assert.ok('error' in second && /cannot use cuda:1: it sees 1 CUDA device/.test(second.error));
  const mps = torchDevice(hello(), 'mps');
  assert.ok('error' in mps && /no Apple MPS device/.test(mps.error));
});
