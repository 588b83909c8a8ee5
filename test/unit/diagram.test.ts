/**
 * The shape diagram's data (src/core/diagram.ts) on the repository's examples, in plain Node, and the checks on
 * what the diagram webview may ask the host (src/protocol/diagram.ts).
 * PyTorch's truth for seed_dcgan64.py (torch 1.13): at 128×128 Discriminator64 returns [N, 1, 3, 3]; at 32×32 its
 * last conv raises "Calculated padded input size per channel: (2 x 2). Kernel size: (4 x 4). Kernel size can't be
 * greater than actual input size".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FileAnalysis } from '../../src/core/analysis';
import { buildDiagram, diagramLensTargets, viewFor, PAIR_VIEW, modelView } from '../../src/core/diagram';
import { documentShapes, type ShapeSettings } from '../../src/core/documentShapes';
import { formatShape, parseDiagramRequest, type DiagramData } from '../../src/protocol/diagram';
import { ProtocolError } from '../../src/protocol/validate';

const SETTINGS: ShapeSettings = { inputSizes: [64] };

async function diagramOf(example: string, req: { size?: number; view?: string } = {}): Promise<{ d: DiagramData; text: string }> {
  const text = readFileSync(`examples/${example}`, 'utf8');
  const a = await FileAnalysis.create(text);
  const shapes = documentShapes(a, SETTINGS);
  return { d: buildDiagram(a, shapes, SETTINGS, req, example), text };
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

test('seed DCGAN at its own size: generator then discriminator, layer by layer, joined and fitting', async () => {
  const { d, text } = await diagramOf('seed_dcgan64.py');
  assert.equal(d.view, PAIR_VIEW);
  assert.equal(d.size, 64, "the generator's 64×64 is the default size");
  assert.deepEqual(d.nets.map((n) => [n.role, n.name]), [['generator', 'Generator64'], ['discriminator', 'Discriminator64']]);
  const [g, disc] = d.nets;
  assert.equal(g.inputLabel, 'latent [N, 100, 1, 1]');
  assert.deepEqual(g.layers.map((l) => `${l.path} ${l.type} ${formatShape(l.output)}`).slice(0, 4),
    ['net.0 ConvTranspose2d [N, 128, 4, 4]', 'net.1 ReLU [N, 128, 4, 4]', 'net.2 BatchNorm2d [N, 128, 4, 4]', 'net.3 ConvTranspose2d [N, 64, 8, 8]']);
  assert.equal(formatShape(g.output), '[N, 3, 64, 64]');
  assert.equal(g.layers.length, 14);
  assert.equal(disc.layers.length, 13);
  assert.equal(formatShape(disc.output), '[N, 1, 1, 1]');
  assert.equal(disc.outputFlag, null);
  assert.equal(d.join?.mismatch, null);
  // each box knows the construction it reveals
  const last = disc.layers[disc.layers.length - 2];
  assert.equal(last.path, 'main.11');
  assert.equal(last.range?.start.row, lineOf(text, 'nn.Conv2d(width * 8, 1, kernel_size=4'));
  assert.equal(last.range?.start.column, text.split('\n')[last.range!.start.row].indexOf('nn.Conv2d'));
});

test('at 128 the discriminator returns a 3×3 map and the generator\'s 64×64 images do not match', async () => {
  const { d } = await diagramOf('seed_dcgan64.py', { size: 128 });
  const disc = d.nets[1];
  assert.equal(disc.inputLabel, '128×128 images [N, 3, 128, 128]');
  assert.equal(formatShape(disc.output), '[N, 1, 3, 3]');
  assert.equal(disc.outputFlag, 'a 3×3 map per image, not one score');
  assert.equal(d.join?.mismatch, 'Generator64 makes 64×64 images; Discriminator64 is shown at 128×128');
  assert.equal(disc.error, null);
  assert.deepEqual(d.sizes.find((s) => s.size === 128), { size: 128, ok: false, detail: '3×3 map', own: true });
});

test("at 32 the discriminator's last conv fails with PyTorch's words, and it is the last box", async () => {
  const { d, text } = await diagramOf('seed_dcgan64.py', { size: 32 });
  const disc = d.nets[1];
  const failing = disc.layers.filter((l) => l.error);
  assert.equal(failing.length, 1);
  const f = failing[0];
  assert.equal(disc.layers[disc.layers.length - 1], f, 'nothing after the layer that raised');
  assert.equal(f.path, 'main.11');
  assert.equal(f.type, 'Conv2d');
  assert.equal(f.error, "Calculated padded input size per channel: (2 x 2). Kernel size: (4 x 4). Kernel size can't be greater than actual input size");
  assert.equal(formatShape(f.input), '[N, 64, 2, 2]', 'the input it refused');
  assert.equal(f.output, null);
  assert.equal(f.line, lineOf(text, 'nn.Conv2d(width * 8, 1, kernel_size=4'));
  assert.equal(disc.error?.pyType, 'RuntimeError');
  assert.equal(disc.outputFlag, null);
});

test('the sizes offered: the lens sizes with their verdicts, the file\'s own marked', async () => {
  const { d } = await diagramOf('seed_dcgan64.py');
  assert.deepEqual(d.sizes.map((s) => `${s.size} ${s.ok ? '✓' : '✗'} ${s.detail}${s.own ? ' *' : ''}`), [
    "32 ✗ Kernel size can't be greater than actual input size *",
    '64 ✓ [N, 1, 1, 1] *',
    '96 ✗ 2×2 map',
    '128 ✗ 3×3 map *',
    '256 ✗ 7×7 map',
  ]);
});

test('the other model of the file is a view of its own; the code lens finds every class', async () => {
  const { d } = await diagramOf('seed_dcgan64.py');
  assert.deepEqual(d.views, [
    { id: PAIR_VIEW, label: 'Generator64 → Discriminator64' },
    { id: modelView('ResizingDiscriminator64'), label: 'ResizingDiscriminator64' },
  ]);
  const text = readFileSync('examples/seed_dcgan64.py', 'utf8');
  const a = await FileAnalysis.create(text);
  const shapes = documentShapes(a, SETTINGS);
  assert.deepEqual(diagramLensTargets(a, shapes).map((t) => [t.model, t.range.start.row]),
    [['Discriminator64', lineOf(text, 'class Discriminator64')], ['Generator64', lineOf(text, 'class Generator64')],
      ['ResizingDiscriminator64', lineOf(text, 'class ResizingDiscriminator64')]]);
  assert.equal(viewFor(a, shapes, 'Generator64'), PAIR_VIEW);
  assert.equal(viewFor(a, shapes, 'ResizingDiscriminator64'), modelView('ResizingDiscriminator64'));
  const alone = buildDiagram(a, shapes, SETTINGS, { view: modelView('ResizingDiscriminator64'), size: 100 }, 'seed_dcgan64.py');
  assert.equal(alone.nets.length, 1);
  assert.equal(alone.join, null);
  assert.equal(formatShape(alone.nets[0].output), '[N, 1, 1, 1]', 'it resizes any input to 64×64 first');
});

test('a file with one model shows it alone', async () => {
  const { d } = await diagramOf('fail_linear_after_flatten.py', { size: 128 });
  assert.equal(d.nets.length, 1);
  assert.equal(d.nets[0].role, 'model');
  assert.equal(d.join, null);
  const failing = d.nets[0].layers.find((l) => l.error);
  assert.match(failing?.error ?? '', /^mat1 and mat2 shapes cannot be multiplied \(2x4096 and 1024x1\)$/);
  assert.equal(failing?.type, 'Linear');
});

test('a generator with an MLP head joins a discriminator of the same size (tiny_gan16)', async () => {
  const { d } = await diagramOf('tiny_gan16.py');
  assert.equal(d.size, 16);
  assert.equal(d.nets[0].inputLabel, 'latent [N, 16]');
  assert.equal(formatShape(d.join!.shape), '[N, 1, 16, 16]');
  assert.equal(d.join!.mismatch, null);
  assert.equal(formatShape(d.nets[1].output), '[N, 1]');
});

test('a discriminator that flattens its map to [9N] is flagged: not one score per image (dcgan_reference at 96)', async () => {
  const { d } = await diagramOf('dcgan_reference.py', { size: 96 });
  assert.equal(formatShape(d.nets[1].output), '[18]');
  assert.equal(d.nets[1].outputFlag, '9 values per image ([18] for a batch of 2), not one score');
  const at64 = await diagramOf('dcgan_reference.py', { size: 64 });
  assert.equal(at64.d.nets[1].outputFlag, null, '[N] is one score per image');
});

test('an audio pair (wavegan_1d): the discriminator is drawn on what the generator makes, no size to choose', async () => {
  const { d } = await diagramOf('wavegan_1d.py');
  assert.equal(d.size, null);
  assert.deepEqual(d.sizes, []);
  assert.equal(formatShape(d.nets[0].output), '[N, 1, 1024]');
  assert.equal(d.nets[1].inputLabel, 'input [N, 1, 1024]');
  assert.equal(formatShape(d.nets[1].output), '[N, 1]');
  assert.equal(d.join?.mismatch, null);
});

test('webview requests are checked before the host acts on them', () => {
  assert.deepEqual(parseDiagramRequest({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseDiagramRequest({ type: 'selectSize', size: 128 }), { type: 'selectSize', size: 128 });
  assert.deepEqual(parseDiagramRequest({ type: 'selectView', view: 'pair' }), { type: 'selectView', view: 'pair' });
  const range = { start: { row: 30, column: 12 }, end: { row: 30, column: 60 } };
  assert.deepEqual(parseDiagramRequest({ type: 'reveal', range, extra: 'x' }), { type: 'reveal', range });
  const bad: [unknown, RegExp][] = [
    [null, /message should be an object, got null/],
    [{ type: 'run' }, /message.type should be 'ready' \| 'selectSize'/],
    [{ type: 'selectSize', size: '128' }, /message.size should be a number, got "128"/],
    [{ type: 'selectSize', size: 12.5 }, /message.size should be a whole number from 1 to 4096/],
    [{ type: 'selectSize', size: 0 }, /whole number from 1 to 4096/],
    [{ type: 'selectSize', size: 1e9 }, /whole number from 1 to 4096/],
    [{ type: 'selectView' }, /message.view should be a string, got undefined/],
    [{ type: 'reveal', range: { start: { row: -1, column: 0 }, end: { row: 0, column: 0 } } }, /message.range.start.row should be a whole number/],
    [{ type: 'reveal', range: { start: { row: 5, column: 0 }, end: { row: 4, column: 0 } } }, /message.range.end should be a position after start/],
    [{ type: 'reveal', line: 3 }, /message.range should be an object, got undefined/],
  ];
  for (const [m, re] of bad) assert.throws(() => parseDiagramRequest(m), (e: unknown) => e instanceof ProtocolError && re.test(e.message), JSON.stringify(m));
});
