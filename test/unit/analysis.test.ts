/**
 * The analysis of whole files, in plain Node: half-typed files, honest unknowns, argv, module-level code,
 * input inference, and the CLI's exit codes. Shapes themselves are checked against PyTorch in test/oracle/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileAnalysis } from '../../src/core/analysis';
import { checkFile, checkModel } from '../../src/core/check';

const GOOD = `
import torch
import torch.nn as nn

class Small(nn.Module):
    def __init__(self, c=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 4, 1, 0))

    def forward(self, x):
        return self.body(x)
`;

test('a half-typed class does not hide the classes that parse', async () => {
  const src = `${GOOD}
class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=4, stride=

class After(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 2)

    def forward(self, x):
        return self.fc(x)
`;
  const a = await FileAnalysis.create(src);
  assert.ok(a.parsed.skippedLines.length > 0, 'the broken line is reported as skipped');
  const names = a.modelClasses().map((c) => c.name);
  assert.ok(names.includes('Small') && names.includes('After'), `classes found: ${names}`);
  const r = checkModel(a, { model: 'After', inputs: ['torch.randn(4, 10)'] });
  assert.equal(r.error, null);
  assert.deepEqual(r.output, [4, 2]);
});

test('a value the file cannot know makes the shape unknown, with the reason, never a guess', async () => {
  const src = `
import os
import torch.nn as nn
width = int(os.environ["WIDTH"])

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, width)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        return self.out(self.fc(x))
`;
  const a = await FileAnalysis.create(src);
  const r = checkModel(a, { model: 'Net', inputs: ['torch.randn(2, 10)'] });
  assert.equal(r.error, null);
  assert.equal(r.output, null);
  assert.ok(r.modules.every((m) => m.output === null), 'no layer gets a made-up shape');
  assert.match(r.outputWhy ?? '', /environ/);
});

test('--argv reaches argparse: defaults, overrides and required options', async () => {
  const src = `
import argparse
import torch.nn as nn
p = argparse.ArgumentParser()
p.add_argument("--img_size", type=int, default=32)
p.add_argument("--dataset", required=True)
opt = p.parse_args()

class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(opt.img_size ** 2, 1)

    def forward(self, x):
        return self.fc(x.view(x.size(0), -1))
`;
  const dflt = await FileAnalysis.create(src);
  assert.deepEqual(checkModel(dflt, { model: 'D', inputs: ['torch.randn(2, 1, 32, 32)'] }).output, [2, 1]);
  const over = await FileAnalysis.create(src, { argv: ['--img_size', '16', '--dataset', 'x'] });
  assert.deepEqual(checkModel(over, { model: 'D', inputs: ['torch.randn(2, 1, 16, 16)'] }).output, [2, 1]);
  const opt = dflt.interp.globals.vars.get('opt');
  assert.ok(opt && opt.k === 'namespace');
  assert.equal(opt.attrs.get('dataset')?.k, 'unknown', 'a required option that was not given is unknown, not None');
});

test('a module-level training loop over a data loader neither stalls nor invents values', async () => {
  const src = `${GOOD}
import torch
loader = torch.utils.data.DataLoader(None)
net = Small()
step = 0
for epoch in range(100000):
    for x, _ in loader:
        y = net(x)
        step += 1
out = net(torch.randn(2, 3, 8, 8))
`;
  const t0 = performance.now();
  const a = await FileAnalysis.create(src);
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(a.interp.globals.vars.get('step')?.k, 'unknown');
  const ex = a.examples.find((e) => e.trace.inputs[0]?.[2] === 8);
  assert.ok(ex, 'the example call after the loop is analysed');
  assert.deepEqual(ex!.trace.output, [2, 1, 1, 1]);
});

test('without --model, example calls come first and other classes get an inferred input', async () => {
  const src = `${GOOD}
class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(100, 10)

    def forward(self, z):
        return self.fc(z)

Small()(torch.randn(5, 3, 16, 16))
`;
  const a = await FileAnalysis.create(src);
  const rs = checkFile(a);
  assert.deepEqual(rs.map((r) => r.model), ['Small', 'Head']);
  assert.match(rs[0].source, /example call at line/);
  assert.deepEqual(rs[0].inputs, [[5, 3, 16, 16]]);
  assert.match(rs[1].source, /^inferred/);
  assert.deepEqual(rs[1].inputs[0]?.slice(1), [100]);
});

test('dcgan-lab check exit codes: 0 fits, 1 shape error, 2 usage or file error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dcgan-lab-'));
  const file = path.join(dir, 'm.py');
  writeFileSync(file, GOOD);
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', ...args], { encoding: 'utf8' });
  const fits = run(file, '--model', 'Small', '--input', 'torch.randn(2, 3, 8, 8)', '--json');
  assert.equal(fits.status, 0, fits.stderr);
  assert.deepEqual(JSON.parse(fits.stdout).output, [2, 1, 1, 1]);
  const bad = run(file, '--model', 'Small', '--input', 'torch.randn(2, 3, 4, 4)', '--json');
  assert.equal(bad.status, 1, bad.stderr);
  const err = JSON.parse(bad.stdout).error;
  assert.equal(err.module, 'body.2');
  assert.equal(err.line, 8, 'the culprit layer is reported at its own line');
  assert.match(err.message, /Kernel size can't be greater than actual input size/);
  assert.equal(run(path.join(dir, 'missing.py')).status, 2);
  assert.equal(run(file, '--model', 'Nope').status, 2);
  assert.equal(run(file, '--bogus').status, 2);
});

test('parameter counts follow PyTorch: a shared submodule counts once, a module holding itself does not hang', async () => {
  const a = await FileAnalysis.create(`import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.again = self.conv
        self.me = self
`);
  // PyTorch: sum(p.numel() for p in M().parameters()) == 8*3*3*3 + 8 == 224 (parameters() de-duplicates)
  assert.equal(a.paramCount(a.instantiate('M').model), 224);
});
