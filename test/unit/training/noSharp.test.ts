/**
 * The packaged extension's worker where sharp cannot be found: dist/worker.js and dist/wasm/ copied into a
 * folder with no node_modules above it (as in an installed .vsix without sharp). It trains on the built-in
 * dataset and writes its sample grids and checkpoint; a folder dataset ends the run with a message that says
 * sharp is missing and what to do.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { builtBundle } from '../../support/build';
import { TRAIN_DEFAULTS, type TrainConfig, type TrainResult } from '../../../src/engine/types';
import { TrainingClient, type TrainingFailure } from '../../../src/protocol/client';

const ROOT = path.resolve(__dirname, '../../..');
let dir: string;
let worker: string;

before(() => {
  const bundle = builtBundle('worker');
  // os.tmpdir() has no node_modules above it: require('sharp') from here fails as it would without a shipped copy
  dir = mkdtempSync(path.join(os.tmpdir(), 'dcgan-nosharp-'));
  mkdirSync(path.join(dir, 'dist/wasm'), { recursive: true });
  copyFileSync(bundle, path.join(dir, 'dist/worker.js'));
  for (const f of readdirSync(path.join(ROOT, 'dist/wasm'))) copyFileSync(path.join(ROOT, 'dist/wasm', f), path.join(dir, 'dist/wasm', f));
  worker = path.join(dir, 'dist/worker.js');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(cfg: TrainConfig): Promise<{ result?: TrainResult; failure?: TrainingFailure; samples: string[]; checkpoints: string[] }> {
  // NODE_PATH could point at a global sharp; the worker must not find one
  const c = new TrainingClient({ workerPath: worker, env: { NODE_PATH: '' } });
  const out: { result?: TrainResult; failure?: TrainingFailure; samples: string[]; checkpoints: string[] } = { samples: [], checkpoints: [] };
  c.on('done', (r) => { out.result = r; });
  c.on('error', (f) => { if (f.fatal) out.failure = f; });
  c.on('sample', (s) => out.samples.push(s.file));
  c.on('checkpoint', (s) => out.checkpoints.push(s.file));
  c.start(cfg);
  return c.exited.then(() => out);
}

const tiny = (out: string, over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...TRAIN_DEFAULTS, out, backend: 'wasm', size: 16, batch: 2, steps: 3, ngf: 8, ndf: 8, nz: 16, sampleEvery: 2, checkpointEvery: 3, ...over,
});

test('without sharp, the bundled worker trains on the built-in dataset and writes PNG samples and a checkpoint', { timeout: 120_000 }, async () => {
  assert.throws(() => require(require.resolve('sharp', { paths: [path.join(dir, 'dist')] })), /Cannot find module/);
  const out = path.join(dir, 'runs/a');
  const r = await run(tiny(out));
  assert.equal(r.failure, undefined, r.failure?.message);
  assert.equal(r.result?.steps, 3);
  assert.ok(r.samples.length >= 2, `samples: ${r.samples.join(', ')}`);
  for (const s of r.samples) {
    const png = require('node:fs').readFileSync(s) as Buffer;
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', s);
  }
  assert.ok(r.checkpoints.length >= 1 && existsSync(r.checkpoints.at(-1)!));
});

test('without sharp, a folder dataset fails with what is missing and what to do', { timeout: 120_000 }, async () => {
  const data = path.join(dir, 'images');
  mkdirSync(data);
  // any bytes: the run must stop at sharp, before decoding anything
  writeFileSync(path.join(data, 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const r = await run(tiny(path.join(dir, 'runs/b'), { data }));
  assert.equal(r.result, undefined);
  assert.ok(r.failure, 'the run fails');
  assert.match(r.failure.message, new RegExp(`Image folders need the image decoder sharp, which could not be loaded for ${process.platform}-${process.arch}`));
  assert.match(r.failure.message, /The built-in dataset trains without it/);
});
