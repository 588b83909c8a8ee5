/**
 * The editor features' logic in plain Node: from the engine's results to hovers, inlay hints, diagnostics,
 * lenses and quick-fix edits (src/vscode/ only wraps these in VS Code's types).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FileAnalysis } from '../../src/core/analysis';
import { documentShapes } from '../../src/core/documentShapes';
import { applyEdits, fixesFor } from '../../src/core/fixes';
import { diagnosticAnchor, hoverMarkdown, inlayHints, itemAt, lensTitle } from '../../src/core/presentation';

const SEED = readFileSync('examples/seed_dcgan64.py', 'utf8');
const lines = SEED.split('\n');
const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle));

test('hover over a layer shows its input → output at each traced call and the formula with numbers', async () => {
  const a = await FileAnalysis.create(SEED);
  const shapes = documentShapes(a, { inputSizes: [64] });
  const row = lineOf('nn.Conv2d(width * 2, width * 4, 4, 2, 1)');
  const item = itemAt(shapes, { row, column: lines[row].indexOf('Conv2d') + 2 });
  assert.ok(item && item.kind === 'layer');
  const md = hoverMarkdown(item);
  assert.match(md, /\*\*Conv2d\*\* · 8,224 parameters/);
  assert.match(md, /\[N, 16, 16, 16\] → \[N, 32, 8, 8\]/, 'the 64×64 example call');
  assert.match(md, /\[N, 16, 32, 32\] → \[N, 32, 16, 16\]/, 'the 128×128 example call');
  assert.match(md, /H_out = ⌊\(16 \+ 2·1 − 1·\(4 − 1\) − 1\)\/2⌋ \+ 1 = 8/);
});

test('hover over a call in forward shows that call\'s shapes', async () => {
  const a = await FileAnalysis.create(SEED);
  const shapes = documentShapes(a, { inputSizes: [64] });
  const row = lineOf('return self.main(image)');
  const item = itemAt(shapes, { row, column: lines[row].indexOf('self.main') + 6 });
  assert.ok(item && item.kind === 'site');
  assert.match(hoverMarkdown(item), /`main` \[N, 3, 64, 64\] → \[N, 1, 1, 1\]/);
});

test('inlay hints sit at the end of each layer line with the output shape at the primary traced size only', async () => {
  const a = await FileAnalysis.create(SEED);
  const shapes = documentShapes(a, { inputSizes: [64] });
  const hints = inlayHints(shapes, (r) => lines[r].length);
  const row = lineOf('nn.Conv2d(img_channels, width, 4, 2, 1)');
  const h = hints.find((x) => x.position.row === row);
  assert.ok(h, 'a hint on the first conv line');
  assert.equal(h!.position.column, lines[row].length);
  // the file's first example call (64×64); the 128×128 and 32×32 calls are in the hover and the tooltip
  assert.equal(h!.label, ' → [N, 8, 32, 32]');
  assert.match(h!.tooltip, /\[N, 8, 64, 64\]/);
  for (const x of hints) assert.doesNotMatch(x.label, /\|/, `one shape per line: ${x.label}`);
  assert.equal(hints.find((x) => x.position.row === lineOf('nn.Conv2d(width * 8, 1, kernel_size=4'))?.label, ' → [N, 1, 1, 1]');
});

test('without an example call the hint is at the first of dcganLab.inputSizes; a run that raised first is named', async () => {
  const src = `import torch.nn as nn

class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 4, 2, 1)
        self.b = nn.Conv2d(8, 1, 8, 1, 0)
        self.c = nn.Sigmoid()

    def forward(self, x):
        return self.c(self.b(self.a(x)))
`;
  const rows = src.split('\n');
  const a = await FileAnalysis.create(src);
  const hint = (sizes: number[], needle: string) => inlayHints(documentShapes(a, { inputSizes: sizes }), (r) => rows[r].length)
    .find((h) => h.position.row === rows.findIndex((l) => l.includes(needle)))?.label;
  assert.equal(hint([32, 64], 'nn.Conv2d(3, 8'), ' → [N, 8, 16, 16]');
  assert.equal(hint([64, 32], 'nn.Conv2d(3, 8'), ' → [N, 8, 32, 32]');
  // at 8×8 the 8×8 kernel sees 4×4 and raises: the Sigmoid's shape is from the 16×16 run, and says so
  assert.equal(hint([8, 16], 'nn.Sigmoid()'), ' → [N, 1, 1, 1] at 16×16');
});

test('DL007 (a layer resizes its input) is a hint, not a Problems entry; dcganLab.diagnostics.resizeInfo turns it off', async () => {
  const a = await FileAnalysis.create(SEED);
  const resize = documentShapes(a, { inputSizes: [64] }).diagnostics.filter((d) => d.code === 'DL007');
  assert.ok(resize.length >= 4, `DL007 on the conv lines: ${resize.length}`);
  for (const d of resize) assert.equal(d.severity, 'hint', d.message);
  assert.deepEqual(documentShapes(a, { inputSizes: [64], resizeInfo: false }).diagnostics.filter((d) => d.code === 'DL007'), []);
});

test('diagnostics: the culprit layer gets PyTorch\'s error; the 3×3 map and the size range get warnings', async () => {
  const a = await FileAnalysis.create(SEED);
  const shapes = documentShapes(a, { inputSizes: [64] });
  const err = shapes.diagnostics.find((d) => d.code === 'DL001');
  assert.ok(err);
  assert.equal(err!.range.start.row, lineOf('nn.Conv2d(width * 8, 1, kernel_size=4, stride=2, padding=0)'));
  assert.match(err!.message, /^Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(4 x 4\)\. Kernel size can't be greater than actual input size/);
  const map = shapes.diagnostics.find((d) => d.code === 'DL002');
  assert.ok(map && /3×3 map/.test(map.message));
  assert.equal(diagnosticAnchor(err!), '#dl001-shape-error-pytorch-raises');
  const lens = shapes.lenses.find((l) => l.model === 'Discriminator64');
  assert.equal(lensTitle(lens!), '32 ✗ · 64 ✓ · 96 ✗ · 128 ✗ · 256 ✗');
});

test('quick fixes are computed from the formulas and offered only when the edited file checks clean', async () => {
  const a = await FileAnalysis.create(SEED);
  const settings = { inputSizes: [64] };
  const shapes = documentShapes(a, settings);
  const map = shapes.diagnostics.find((d) => d.code === 'DL002')!;
  const fixes = fixesFor(a, map, settings);
  const kernel = fixes.find((f) => /kernel_size to 8/.test(f.title));
  assert.ok(kernel, `fixes: ${fixes.map((f) => f.title)}`);
  const fixed = await FileAnalysis.create(applyEdits(SEED, kernel!.edits));
  const after = documentShapes(fixed, settings);
  assert.ok(!after.diagnostics.some((d) => d.code === 'DL002' && /128|line 69/.test(d.message)), 'the 128×128 call now gives one score');
  const pool = fixes.find((f) => /AdaptiveAvgPool2d/.test(f.title));
  assert.ok(pool);
  assert.match(applyEdits(SEED, pool!.edits), /padding=0\), nn\.AdaptiveAvgPool2d\(1\)/);
});

test('a Linear whose in_features does not match gets a fix to the computed value', async () => {
  const src = `import torch
import torch.nn as nn

class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 4, 2, 1)
        self.fc = nn.Linear(128, 1)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))

D()(torch.randn(2, 3, 16, 16))
`;
  const a = await FileAnalysis.create(src);
  const settings = { inputSizes: [64] };
  const d = documentShapes(a, settings).diagnostics.find((x) => x.code === 'DL001')!;
  assert.match(d.message, /^mat1 and mat2 shapes cannot be multiplied \(2x512 and 128x1\)/);
  assert.equal(d.range.start.row, 7, 'at the Linear, not at the call');
  const [fix] = fixesFor(a, d, settings);
  assert.equal(fix.title, 'Set in_features of Linear to 512 (the features it receives)');
  assert.match(applyEdits(src, fix.edits), /nn\.Linear\(512, 1\)/);
});

test('stage fixes: one more downsampling stage for a bigger input, one fewer for a smaller one, verified', async () => {
  const a = await FileAnalysis.create(SEED);
  const settings = { inputSizes: [64] };
  const shapes = documentShapes(a, settings);
  const map = shapes.diagnostics.find((d) => d.code === 'DL002')!;
  const add = fixesFor(a, map, settings).find((f) => f.title.startsWith('Add a downsampling stage'));
  assert.ok(add, 'offered for the 3×3 map at 128');
  const added = applyEdits(SEED, add!.edits);
  assert.match(added, /nn\.Conv2d\(width \* 8, width \* 8, 4, 2, 1\),\n\s+nn\.LeakyReLU\(0\.2\),\n\s+nn\.BatchNorm2d\(width \* 8\),\n\s+nn\.Conv2d\(width \* 8, 1/);
  const tooSmall = shapes.diagnostics.find((d) => d.code === 'DL001')!;
  const remove = fixesFor(a, tooSmall, settings).find((f) => f.title.startsWith('Remove the last downsampling stage'));
  assert.ok(remove, 'offered for the kernel error at 32');
  const removed = applyEdits(SEED, remove!.edits);
  assert.doesNotMatch(removed, /nn\.Conv2d\(width \* 4, width \* 8/);
  assert.match(removed, /nn\.Conv2d\(width \* 4, 1, kernel_size=4/);
});

test('a generator whose image the discriminator rejects gets an upsampling stage added', async () => {
  const src = `import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, nz=16, ngf=8):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=8):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0),
        )

    def forward(self, x):
        return self.main(x)


Generator()(torch.randn(2, 16, 1, 1))
Discriminator()(torch.randn(2, 3, 32, 32))
`;
  const a = await FileAnalysis.create(src);
  const settings = { inputSizes: [32] };
  const d = documentShapes(a, settings).diagnostics.find((x) => x.code === 'DL003');
  assert.ok(d, 'the 16×16 image is rejected by the 32×32 discriminator');
  assert.match(d!.message, /Generator outputs \[N, 3, 16, 16\], which Discriminator rejects/);
  const fix = fixesFor(a, d!, settings).find((f) => f.title.startsWith('Add a upsampling stage') || f.title.startsWith('Add an upsampling stage'));
  assert.ok(fix, 'an upsampling stage is offered');
  assert.match(applyEdits(src, fix!.edits), /nn\.ConvTranspose2d\(ngf \* 2, ngf \* 2, 4, 2, 1\),\n\s+nn\.BatchNorm2d\(ngf \* 2\),\n\s+nn\.ReLU\(\),\n\s+nn\.ConvTranspose2d\(ngf \* 2, 3/);
});
