/**
 * The data pipeline against torchvision: every fixture goes through openDataset (sharp decode, our resize and
 * crop, the cache file, the float conversion) and through PIL + torchvision
 *   transforms.Compose([Resize(S), CenterCrop(S), ToTensor(), Normalize(0.5, 0.5)])
 * on `Image.open(f).convert('RGB' | 'L')`, and the two NHWC results are compared value by value.
 *
 * Our resampler reproduces Pillow's BILINEAR (antialiased) fixed-point arithmetic and the float conversion
 * reproduces torch's, so lossless files (PNG, GIF, 16-bit PNG) must match exactly (|Δ| ≤ 1e-6). JPEG and WebP
 * also match exactly here (libjpeg-turbo/mozjpeg and libwebp decode to the same pixels); since another decoder
 * build could differ by a grey level, they are held to mean |Δ| < 0.002 and max |Δ| ≤ 2 levels (4/255).
 *
 * Where torchvision's loader has no single answer, the reference applies our documented choices in PIL:
 * alpha composited on black (`paste` with the alpha mask: round(c·a/255)), 16-bit grey to 8 bits by the high
 * byte (PIL's own `convert` clips 16-bit grey instead of scaling). 'pad' (letterbox) is not a torchvision
 * transform; its reference is PIL `resize` to the fitted size and `paste` onto black.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { openDataset } from '../../src/engine/data/dataset';
import { listFiles } from '../../src/engine/data/scan';
import { requireTorch, runPython } from '../support/oracle';
import { makeMixedFolder, pattern, tempDir } from '../unit/engine/dataFixtures';

const PY = String.raw`
import sys, json, base64
import numpy as np
from PIL import Image
import torchvision.transforms as T

a = json.load(sys.stdin)

def load(f, channels):
    im = Image.open(f)
    if im.mode in ('I', 'I;16', 'I;16B', 'I;16L'):
        im = Image.fromarray((np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8), 'L')
    if im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info):
        im = im.convert('RGBA')
        bg = Image.new('RGB', im.size, (0, 0, 0))
        bg.paste(im, mask=im.split()[3])
        im = bg
    return im.convert('L' if channels == 1 else 'RGB')

def letterbox(im, S):
    w, h = im.size
    long = max(w, h)
    rw = S if w >= h else max(1, int(S * w / long + 0.5))
    rh = S if h >= w else max(1, int(S * h / long + 0.5))
    r = im.resize((rw, rh), Image.BILINEAR)
    out = Image.new(im.mode, (S, S), 0)
    out.paste(r, ((S - rw) // 2, (S - rh) // 2))
    return out

out = []
for job in a['jobs']:
    S, C = job['size'], job['channels']
    norm = [T.ToTensor(), T.Normalize([0.5] * C, [0.5] * C)]
    crop = T.Compose([T.Resize(S), T.CenterCrop(S)] + norm)
    pad = T.Compose(norm)
    res = []
    for f in job['files']:
        im = load(f, C)
        x = crop(im) if job['fit'] == 'crop' else pad(letterbox(im, S))
        res.append(base64.b64encode(x.permute(1, 2, 0).contiguous().numpy().astype('<f4').tobytes()).decode())
    out.append(res)
print(json.dumps(out))
`;

let root: string;
let dir: string;
let files: string[];

before(async () => {
  root = tempDir('oracle');
  dir = path.join(root, 'images');
  await makeMixedFolder(dir); // PNG, JPEG, WebP, GIF, grey, grey+alpha, RGBA, 16-bit RGB and grey (and files to skip)
  const extra: [string, number, number, 'png' | 'jpeg' | 'webp'][] = [
    ['x/large_640x480.jpg', 640, 480, 'jpeg'],
    ['x/tall_97x301.png', 97, 301, 'png'],
    ['x/wide_1000x17.png', 1000, 17, 'png'],
    ['x/small_20x29.png', 20, 29, 'png'], // upscaled at every S here
    ['x/odd_65x33.webp', 65, 33, 'webp'],
    ['x/near_129x128.png', 129, 128, 'png'],
  ];
  mkdirSync(path.join(dir, 'x'));
  for (const [rel, w, h, fmt] of extra) {
    const img = sharp(pattern(w, h, 3, w + h), { raw: { width: w, height: h, channels: 3 } });
    await (fmt === 'png' ? img.png() : fmt === 'jpeg' ? img.jpeg({ quality: 92 }) : img.webp({ quality: 90 })).toFile(path.join(dir, rel));
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Job { size: number; channels: 1 | 3; fit: 'crop' | 'pad' }

async function ours(job: Job): Promise<{ rel: string[]; images: Float32Array[] }> {
  const ds = await openDataset({ dir, ...job, seed: 0, cacheDir: path.join(root, 'cache') });
  const all = await ds.read([...Array(ds.count).keys()]);
  const n = job.size * job.size * job.channels;
  // records are in the folder's sorted order, skipped files left out
  const skipped = new Set(ds.report.skipped.map((s) => s.file));
  const rel = (await listFiles(dir)).map((f) => f.rel).filter((r) => !skipped.has(r));
  assert.equal(rel.length, ds.count);
  await ds.close();
  return { rel, images: rel.map((_, i) => all.subarray(i * n, (i + 1) * n)) };
}

const LOSSY = /\.(jpe?g|webp)$/;
const LEVEL = 2 / 255;

test('preprocessing matches torchvision Resize + CenterCrop (and the PIL letterbox) on every fixture', async (t) => {
  if (!requireTorch(t)) return;
  const jobs: Job[] = [
    { size: 64, channels: 3, fit: 'crop' },
    { size: 32, channels: 3, fit: 'crop' },
    { size: 28, channels: 1, fit: 'crop' },
    { size: 48, channels: 3, fit: 'pad' },
  ];
  const mine: Awaited<ReturnType<typeof ours>>[] = [];
  for (const job of jobs) mine.push(await ours(job));
  const ref = runPython<string[][]>(PY, { jobs: jobs.map((j, k) => ({ ...j, files: mine[k].rel.map((r) => path.join(dir, r)) })) });
  const summary: string[] = [];
  let worstLossless = 0;
  for (const [k, job] of jobs.entries()) {
    for (const [i, rel] of mine[k].rel.entries()) {
      const b = Buffer.from(ref[k][i], 'base64');
      const theirs = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
      const x = mine[k].images[i];
      assert.equal(x.length, theirs.length, `${rel} at ${job.size}: length`);
      let sum = 0;
      let max = 0;
      for (let j = 0; j < x.length; j++) {
        const d = Math.abs(x[j] - theirs[j]);
        sum += d;
        max = Math.max(max, d);
      }
      const mean = sum / x.length;
      const what = `${rel} at S=${job.size} C=${job.channels} ${job.fit}: mean |Δ| ${mean.toExponential(2)}, max |Δ| ${max.toExponential(2)}`;
      summary.push(what);
      if (LOSSY.test(rel)) {
        assert.ok(mean < 0.002 && max <= 2 * LEVEL + 1e-6, what);
      } else {
        worstLossless = Math.max(worstLossless, max);
        assert.ok(max <= 1e-6, what);
      }
    }
  }
  t.diagnostic(`${summary.length} comparisons; worst lossless max |Δ| ${worstLossless.toExponential(2)}`);
  for (const s of summary) if (!s.includes('max |Δ| 0.00e+0')) t.diagnostic(s);
});
