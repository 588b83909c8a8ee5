/**
 * What "Train DCGAN" offers and builds, in plain Node (no VS Code): the sizes a model file's pair trains at (the
 * shape engine re-run per size), the refusal of a size that does not fit and where it points, the built-in
 * DCGAN's sizes, the run folder's name, the config a choice and the settings make, the settings' fallbacks, and which
 * engine would train a pair (select.ts's rule as the editor sees it, Restricted Mode included).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { builtinGeometry, type GanPair } from '../../../src/core/gan';
import { BackendUnavailableError } from '../../../src/engine/backend';
import { openBackend } from '../../../src/engine/select';
import { probeTorch } from '../../../src/engine/torch/discover';
import { TRAIN_DEFAULTS } from '../../../src/engine/types';
import {
  buildTrainConfig, builtinSizeOffers, checkFileSize, filePairOffer, pairLabel, readTrainingSettings, refusalRange, resolveRunsRoot,
  runFolder, sizeFlag, sizeLabel, stepsLabel, trainerOutlook, wholeNumberError, TORCH_UNTRUSTED, TRAINING_SETTING_DEFAULTS,
  type OutlookInput, type TorchSeen,
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
  const s = readTrainingSettings((k) => ({ backend: 'tpu', runsFolder: '  ', batch: 0, ngf: 32.5, ndf: 8, sampleEvery: 'often', checkpointEvery: 50, swdEvery: -1,
    python: 42, device: 'gpu', amp: 'fp8' } as Record<string, unknown>)[k]);
  assert.deepEqual(s, { ...TRAINING_SETTING_DEFAULTS, ndf: 8, checkpointEvery: 50 });
  assert.deepEqual(readTrainingSettings(() => undefined), TRAINING_SETTING_DEFAULTS);
  assert.equal(TRAINING_SETTING_DEFAULTS.python, '');
  assert.equal(TRAINING_SETTING_DEFAULTS.device, 'auto');
  assert.equal(TRAINING_SETTING_DEFAULTS.amp, 'off');
});

test('settings: the torch engine\'s python, device and amp are read; cuda:N is taken though the enum lacks it', () => {
  const s = readTrainingSettings((k) => ({ backend: 'torch', python: ' /opt/venv/bin/python ', device: 'cuda:1', amp: 'bf16' } as Record<string, unknown>)[k]);
  assert.equal(s.backend, 'torch');
  assert.equal(s.python, '/opt/venv/bin/python');
  assert.equal(s.device, 'cuda:1');
  assert.equal(s.amp, 'bf16');
  for (const device of ['auto', 'cuda', 'mps', 'cpu']) assert.equal(readTrainingSettings((k) => (k === 'device' ? device : undefined)).device, device);
  for (const device of ['cuda:', 'cuda:x', 'CPU', 'tpu', '']) assert.equal(readTrainingSettings((k) => (k === 'device' ? device : undefined)).device, 'auto');
});

test('the config carries the torch options the settings set, the Python extension\'s hint and Restricted Mode; defaults are left out', () => {
  const plain = buildTrainConfig({ size: 16, steps: 30 }, TRAINING_SETTING_DEFAULTS, '/o');
  for (const k of ['python', 'pythonHint', 'device', 'amp', 'torchBlocked'] as const) assert.equal(k in plain, false, k);
  const settings = { ...TRAINING_SETTING_DEFAULTS, backend: 'torch' as const, python: '/usr/bin/python3', device: 'cpu', amp: 'bf16' as const };
  const c = buildTrainConfig({ size: 16, steps: 30 }, settings, '/o', { pythonHint: '/ws/.venv/bin/python', torchBlocked: TORCH_UNTRUSTED });
  assert.equal(c.backend, 'torch');
  assert.equal(c.python, '/usr/bin/python3');
  assert.equal(c.device, 'cpu');
  assert.equal(c.amp, 'bf16');
  assert.equal(c.pythonHint, '/ws/.venv/bin/python');
  assert.equal(c.torchBlocked, TORCH_UNTRUSTED);
  assert.equal('amp' in buildTrainConfig({ size: 16, steps: 30 }, { ...settings, amp: 'off' }, '/o'), false);
});

// ── which engine would train a pair (src/engine/select.ts's rule) ──

const H200: TorchSeen = { python: '/opt/venv/bin/python', torch: '2.11.0+cu130', device: 'NVIDIA H200 (CUDA 13.0, torch 2.11.0)', kind: 'cuda', tried: [] };
const MPS: TorchSeen = { python: '/usr/local/bin/python3', torch: '2.5.1', device: 'Apple MPS (torch 2.5.1)', kind: 'mps', tried: [] };
const CPU: TorchSeen = { python: '/usr/bin/python3', torch: '1.13.0', device: 'CPU, 2 threads (torch 1.13.0)', kind: 'cpu', tried: ['/home/u/.pyenv/shims/python3 (PATH): Python 3.12 cannot import torch'] };
const NONE: TorchSeen = { why: 'no Python with PyTorch was found (tried /usr/bin/python3 (PATH): cannot import torch); install PyTorch' };
const PRELU = 'prelu_gan.py:35: nn.PReLU (up.1) is not executed by the tfjs engines';
const at = (o: Partial<OutlookInput>): OutlookInput => ({ backend: 'auto', device: 'auto', torch: null, tfjsCannot: null, trusted: true, ...o });

test('auto: torch first when its torch sees a GPU (CUDA or MPS), whatever the pair', () => {
  assert.deepEqual(trainerOutlook(at({ torch: H200 })), { backend: 'torch', label: 'torch · NVIDIA H200 (CUDA 13.0, torch 2.11.0)' });
  assert.deepEqual(trainerOutlook(at({ torch: MPS })), { backend: 'torch', label: 'torch · Apple MPS (torch 2.5.1)' });
  assert.deepEqual(trainerOutlook(at({ torch: H200, tfjsCannot: PRELU })), { backend: 'torch', label: 'torch · NVIDIA H200 (CUDA 13.0, torch 2.11.0)' });
});

test('auto: a CPU-only torch gives way to the built-in engines, unless the pair needs it or a device was chosen', () => {
  assert.deepEqual(trainerOutlook(at({ torch: CPU })), { backend: 'wasm', label: 'wasm (built in; torch: CPU only)' });
  assert.deepEqual(trainerOutlook(at({ torch: CPU, nativeEngines: ['node'] })), { backend: 'node', label: 'node (TensorFlow, CPU; else wasm; torch: CPU only)' });
  assert.deepEqual(trainerOutlook(at({ torch: CPU, nativeEngines: ['node', 'gpu'] })).label, 'gpu (TensorFlow, CUDA; else node, else wasm; torch: CPU only)');
  assert.deepEqual(trainerOutlook(at({ torch: CPU, tfjsCannot: PRELU })), { backend: 'torch', label: 'torch · CPU, 2 threads (torch 1.13.0)' });
  assert.deepEqual(trainerOutlook(at({ torch: CPU, device: 'cpu' })), { backend: 'torch', label: 'torch · CPU, 2 threads (torch 1.13.0)' });
});

test('auto without PyTorch: the built-in engines, or a refusal that says why when only torch could train the pair', () => {
  assert.deepEqual(trainerOutlook(at({ torch: NONE })), { backend: 'wasm', label: 'wasm (built in; torch: not available)' });
  const r = trainerOutlook(at({ torch: NONE, tfjsCannot: PRELU }));
  assert.equal(r.backend, null);
  assert.equal(r.untrusted, undefined);
  assert.equal(r.refused, `${PRELU}. Only the torch engine (your own PyTorch) trains this pair, and it is not available here: ${(NONE as { why: string }).why}`);
  assert.equal(r.label, `cannot be trained here: ${r.refused}`);
});

test('backend torch: only torch, on whatever device it has; its absence is a refusal, never a fallback', () => {
  assert.deepEqual(trainerOutlook(at({ backend: 'torch', torch: CPU })), { backend: 'torch', label: 'torch · CPU, 2 threads (torch 1.13.0)' });
  assert.deepEqual(trainerOutlook(at({ backend: 'torch', torch: H200, tfjsCannot: PRELU })).backend, 'torch');
  const r = trainerOutlook(at({ backend: 'torch', torch: { why: 'torch 1.13.0 at /usr/bin/python3 cannot use cuda: it is a CPU-only build' } }));
  assert.equal(r.backend, null);
  assert.equal(r.refused, 'the torch backend is not available: torch 1.13.0 at /usr/bin/python3 cannot use cuda: it is a CPU-only build');
});

test('a tfjs backend chosen: torch is not asked; a pair only torch trains is refused with the setting that fixes it', () => {
  assert.deepEqual(trainerOutlook(at({ backend: 'wasm', torch: H200 })), { backend: 'wasm', label: 'wasm (built in)' });
  assert.deepEqual(trainerOutlook(at({ backend: 'cpu' })), { backend: 'cpu', label: 'cpu (built in, JavaScript)' });
  assert.deepEqual(trainerOutlook(at({ backend: 'gpu', nativeEngines: [] })), { backend: 'gpu', label: 'gpu (TensorFlow, CUDA)' });
  const r = trainerOutlook(at({ backend: 'node', tfjsCannot: PRELU }));
  assert.equal(r.backend, null);
  assert.match(r.refused!, /^prelu_gan\.py:35: nn\.PReLU .*\. The node backend cannot train this pair; the torch engine \(your own PyTorch\) can: set dcganLab\.training\.backend to "torch" or "auto"$/);
});

test('Restricted Mode: torch is off whatever PyTorch would say; the built-in engines still train what they can', () => {
  assert.deepEqual(trainerOutlook(at({ torch: H200, trusted: false })), { backend: 'wasm', label: 'wasm (built in; torch: off in Restricted Mode)' });
  assert.deepEqual(trainerOutlook(at({ torch: null, trusted: false })).backend, 'wasm');
  assert.deepEqual(trainerOutlook(at({ backend: 'wasm', trusted: false })), { backend: 'wasm', label: 'wasm (built in)' });
  const only = trainerOutlook(at({ torch: H200, tfjsCannot: PRELU, trusted: false }));
  assert.equal(only.backend, null);
  assert.equal(only.untrusted, true);
  assert.match(only.label, /^cannot be trained here: prelu_gan\.py:35: .* it is not available here: the workspace is not trusted \(Restricted Mode\): the torch engine runs your model file's Python code; trust the workspace to use it$/);
  const forced = trainerOutlook(at({ backend: 'torch', torch: CPU, trusted: false }));
  assert.deepEqual(forced, { backend: null, label: `cannot be trained here: the torch backend is not available: ${TORCH_UNTRUSTED}`, refused: `the torch backend is not available: ${TORCH_UNTRUSTED}`, untrusted: true });
});

test('before PyTorch answered: what the rule will decide, without a verdict', () => {
  assert.deepEqual(trainerOutlook(at({ backend: 'torch' })), { backend: 'torch', label: 'torch (PyTorch not checked yet)' });
  assert.deepEqual(trainerOutlook(at({ tfjsCannot: PRELU })), { backend: 'torch', label: 'torch (PyTorch not checked yet)' });
  assert.deepEqual(trainerOutlook(at({})), { backend: null, label: 'torch if your PyTorch sees a GPU, else wasm (built in)' });
});

test('a file whose pair only the torch engine executes is offered, with why the tfjs engines cannot', async () => {
  const file = path.join(EXAMPLES, 'prelu_gan.py');
  const offer = await filePairOffer(file, read('prelu_gan.py'), 8);
  assert.deepEqual(offer.sizes, [32]);
  assert.equal(offer.refused, null);
  assert.match(offer.tfjsCannot!, /prelu_gan\.py:\d+: nn\.PReLU \(up\.1\) is not executed by the tfjs engines/);
  const plain = await filePairOffer(path.join(EXAMPLES, 'dcgan_reference.py'), read('dcgan_reference.py'), 8);
  assert.equal(plain.tfjsCannot, null);
});

test('the outlook agrees with what openBackend (src/engine/select.ts) does, for every backend, device, PyTorch and pair', { timeout: 120_000 }, async (t) => {
  const python = ['/usr/bin/python3', '/usr/local/bin/python3', '/usr/bin/python'].find((p) => existsSync(p));
  if (!python) { t.skip('no Python to run the stand-in engine'); return; }
  // stand-ins for engine.py: a hello as a GPU, CPU-only or torch-less Python would say it, then quit on EOF
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dcgan-outlook-'));
  const hello = (extra: Record<string, unknown>) => JSON.stringify({ type: 'hello', protocol: 1, pid: 0, python, pythonVersion: '3.11.2', torch: '2.5.1', cuda: null, hip: null, gpus: [], mps: false, threads: 2, ...extra });
  const scripts = {
    cuda: hello({ cuda: '12.4', gpus: [{ index: 0, name: 'NVIDIA H200', memory: 1 }] }),
    cpu: hello({}),
    none: JSON.stringify({ type: 'no-torch', pythonVersion: '3.11.2', error: "No module named 'torch'" }),
  };
  const files = Object.fromEntries(Object.entries(scripts).map(([k, line]) => {
    const f = path.join(dir, `${k}.py`);
    writeFileSync(f, `import sys\nsys.stdout.write(${JSON.stringify(line + '\n')})\nsys.stdout.flush()\nsys.stdin.read()\n`);
    return [k, f];
  }));
  const mismatches: string[] = [];
  try {
    for (const backend of ['auto', 'torch', 'wasm'] as const) {
      for (const device of ['auto', 'cpu', 'cuda']) {
        for (const torch of ['cuda', 'cpu', 'none'] as const) {
          for (const tfjsCannot of [null, PRELU]) {
            for (const trusted of [true, false]) {
              const pair = { nets: tfjsCannot ? null : {}, notTrainable: tfjsCannot ? { message: tfjsCannot, line: 34 } : null, description: 'G / D from m.py' } as unknown as GanPair;
              const cfg = { ...TRAIN_DEFAULTS, out: dir, backend, python, ...(device !== 'auto' ? { device } : {}), ...(trusted ? {} : { torchBlocked: TORCH_UNTRUSTED }) };
              let actual: string;
              try {
                const opened = await openBackend(cfg, pair, { torchScript: files[torch] });
                actual = opened.info.name;
                if (opened.kind === 'torch') await opened.proc.close();
              } catch (e) {
                if (!(e instanceof BackendUnavailableError)) throw e;
                actual = 'refused';
              }
              const seen = backend === 'wasm' || !trusted ? null : await probeTorch({ python }, device, { script: files[torch] });
              const o = trainerOutlook({ backend, device, torch: seen, tfjsCannot, trusted });
              const predicted = o.refused ? 'refused' : o.backend;
              if (predicted !== actual) mismatches.push(`${JSON.stringify({ backend, device, torch, tfjs: !tfjsCannot, trusted })}: openBackend ${actual}, outlook ${predicted} (${o.label})`);
            }
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(mismatches, []);
});
