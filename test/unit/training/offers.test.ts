/**
 * What "Train DCGAN" offers and builds, in plain Node (no VS Code): the sizes a model file's pair trains at (the
 * shape engine re-run per size), the refusal of a size that does not fit and where it points, the built-in
 * DCGAN's sizes, the run folder's name, the config a choice and the settings make, the settings' fallbacks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { builtinGeometry } from '../../../src/core/gan';
import { TRAIN_DEFAULTS } from '../../../src/engine/types';
import {
  buildTrainConfig, builtinSizeOffers, checkFileSize, filePairOffer, pairLabel, readTrainingSettings, refusalRange, resolveRunsRoot,
  runFolder, sizeFlag, sizeLabel, stepsLabel, wholeNumberError, TRAINING_SETTING_DEFAULTS,
} from '../../../src/vscode/training/offers';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const read = (f: string) => readFileSync(path.join(EXAMPLES, f), 'utf8');

test('an argparse image size: every candidate size is checked, the multiples of 16 train, 64 comes first', async () => {
  const file = path.join(EXAMPLES, 'dcgan_argparse_upsample.py');
  const text = read('dcgan_argparse_upsample.py');
  assert.equal(sizeFlag(text), '--img_size');
  const offer = await filePairOffer(file, text, 64);
  assert.equal(offer.generator, 'Generator');
  assert.equal(offer.discriminator, 'Discriminator');
  assert.equal(offer.ownSize, 32);
  // G makes 4·(S//4), D's Linear expects 128·(S//16)² features and gets 128·⌈S/16⌉²: only S = 16k fits both
  assert.deepEqual(offer.sizes, [64, 16, 32, 48, 96, 128, 256]);
  const at28 = offer.outcomes.find((o) => o.size === 28)!;
  assert.match(at28.refused!.message, /mat1 and mat2 shapes cannot be multiplied/);
  assert.equal(offer.refused, null);
  assert.equal(pairLabel(offer.generator!, offer.discriminator!, file), 'Generator / Discriminator from dcgan_argparse_upsample.py');
  // "Other size…" 40: refused at the culprit, the Linear built for 128·(40//16)² features
  const r = await checkFileSize(offer, text, 40, 64);
  assert.ok(r);
  assert.match(r.message, /dcgan_argparse_upsample\.py:66: Discriminator on \[64, 1, 40, 40\]: RuntimeError: mat1 and mat2 shapes cannot be multiplied \(64x1152 and 512x1\)/);
  assert.equal(text.split('\n')[r.line].trim(), 'self.adv_layer = nn.Sequential(nn.Linear(128 * ds_size ** 2, 1), nn.Sigmoid())');
  assert.equal(await checkFileSize(offer, text, 80, 64), null);
  assert.equal(await checkFileSize(offer, text, 160, 64), null);
});

test('a file without a size option trains at the one size its generator makes; another size is refused with why', async () => {
  const file = path.join(EXAMPLES, 'dcgan_reference.py');
  const text = read('dcgan_reference.py');
  assert.equal(sizeFlag(text), null);
  const offer = await filePairOffer(file, text, 16);
  assert.deepEqual(offer.sizes, [64]);
  const r = await checkFileSize(offer, text, 128, 16);
  assert.match(r!.message, /makes 64×64 images, not 128×128: the file has no image-size option/);
});

test('a pair that fits at no size is refused as a whole, with the engine\'s message and line', async () => {
  const file = '/virtual/bad.py';
  const text = `import torch
import torch.nn as nn

class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.ConvTranspose2d(100, 3, 4, 1, 0), nn.Tanh())
    def forward(self, z):
        return self.main(z)

class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.Conv2d(8, 1, 4, 1, 0))
    def forward(self, x):
        return self.main(x).view(-1)
`;
  const offer = await filePairOffer(file, text, 8);
  assert.deepEqual(offer.sizes, []);
  assert.ok(offer.refused);
  assert.match(offer.refused.message, /Kernel size can't be greater than actual input size/);
  assert.equal(text.split('\n')[offer.refused.line].includes('nn.Conv2d(8, 1, 4, 1, 0)'), true);
});

test('the refusal selects the error diagnostic on the culprit line, else a DL002/DL003 for a line-less refusal, else the line', () => {
  const line = (l: number) => ['x = 1', '', '        validity = self.adv_layer(out)  '][l] ?? '';
  const diag = (row: number, code: string, severity = 'error') => ({ range: { start: { row, column: 8 }, end: { row, column: 30 } }, severity, code });
  assert.deepEqual(refusalRange(2, [diag(0, 'DL001'), diag(2, 'DL001')], line), diag(2, 'DL001').range);
  assert.deepEqual(refusalRange(2, [diag(2, 'DL007', 'information')], line), { start: { row: 2, column: 8 }, end: { row: 2, column: 38 } });
  assert.deepEqual(refusalRange(0, [diag(2, 'DL007', 'information'), diag(5, 'DL002')], line), diag(5, 'DL002').range);
  assert.deepEqual(refusalRange(0, [], line), { start: { row: 0, column: 0 }, end: { row: 0, column: 5 } });
});

test('the built-in DCGAN offers its sizes up to 256, 64 first; labels', () => {
  const s = builtinSizeOffers();
  assert.equal(s[0], 64);
  assert.deepEqual(s.slice(1, 6), [16, 20, 24, 28, 32]);
  assert.equal(s.at(-1), 256);
  assert.ok(s.every((x) => builtinGeometry(x)));
  assert.equal(sizeLabel(32), '32 × 32');
  assert.equal(stepsLabel(20000), '20,000 steps');
  assert.equal(wholeNumberError('1,000', 1, 5000), null);
  assert.equal(wholeNumberError('12.5', 1, 5000), 'a whole number from 1 to 5,000');
  assert.equal(wholeNumberError('0', 1, 5000), 'a whole number from 1 to 5,000');
});

test('run folders: the setting under the workspace, run-<UTC stamp>, -2 when the second is taken', () => {
  assert.equal(resolveRunsRoot('/ws', 'runs'), '/ws/runs');
  assert.equal(resolveRunsRoot('/ws', '/data/gan-runs'), '/data/gan-runs');
  const now = new Date('2025-03-04T05:06:07.890Z');
  assert.equal(runFolder('/ws/runs', now, () => false), '/ws/runs/run-20250304-050607');
  const taken = new Set(['/ws/runs/run-20250304-050607', '/ws/runs/run-20250304-050607-2']);
  assert.equal(runFolder('/ws/runs', now, (p) => taken.has(p)), '/ws/runs/run-20250304-050607-3');
});

test('the config: the choice, the settings, the engine defaults; a short run samples about ten times', () => {
  const settings = { ...TRAINING_SETTING_DEFAULTS, backend: 'wasm' as const, batch: 16, ngf: 32, ndf: 16 };
  const builtin = buildTrainConfig({ size: 32, steps: 200 }, settings, '/ws/runs/run-1');
  assert.deepEqual(builtin, { ...TRAIN_DEFAULTS, model: undefined, data: undefined, size: 32, steps: 200, batch: 16, out: '/ws/runs/run-1',
    backend: 'wasm', ngf: 32, ndf: 16, sampleEvery: 20, checkpointEvery: 500, swdEvery: 0 });
  const file = buildTrainConfig({ model: { file: '/ws/m.py', sizeFlag: '--img_size' }, size: 48, data: '/ws/faces', steps: 5000 }, settings, '/o');
  assert.deepEqual(file.model, { file: '/ws/m.py', argv: ['--img_size', '48'] });
  assert.equal(file.data, '/ws/faces');
  assert.equal(file.sampleEvery, 100);
  assert.deepEqual(buildTrainConfig({ model: { file: '/ws/m.py', sizeFlag: null }, size: 64, steps: 10 }, settings, '/o').model, { file: '/ws/m.py', argv: [] });
});

test('settings: values of the wrong type or out of range fall back to the defaults', () => {
  const s = readTrainingSettings((k) => ({ backend: 'tpu', runsFolder: '  ', batch: 0, ngf: 32.5, ndf: 8, sampleEvery: 'often', checkpointEvery: 50, swdEvery: -1 } as Record<string, unknown>)[k]);
  assert.deepEqual(s, { ...TRAINING_SETTING_DEFAULTS, ndf: 8, checkpointEvery: 50 });
  assert.deepEqual(readTrainingSettings(() => undefined), TRAINING_SETTING_DEFAULTS);
});
