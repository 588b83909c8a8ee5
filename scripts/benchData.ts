/**
 * `node --import tsx scripts/benchData.ts [N] [S]`: the data pipeline's speed on N generated images
 * (default 300; JPEG, PNG and WebP from 178×218 to 1024×768) at size S (default 64):
 *  1. first open: scan + decode + resize/crop + cache write, in images/s;
 *  2. second open: the cache file is reused;
 *  3. one epoch of nextBatch(64), from memory and streamed from the cache file;
 *  4. the built-in procedural dataset: open, first epoch (images drawn as needed), second epoch (kept in memory);
 *  5. for comparison, PIL + torchvision Resize/CenterCrop/ToTensor/Normalize on the same files in one process
 *     (a DataLoader with num_workers=0), when PyTorch is available.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDataset, type Dataset } from '../src/engine/data/dataset';
import { PROCEDURAL_COUNT } from '../src/engine/data/procedural';
import { PYTHON, torchUnavailable } from '../test/support/oracle';

const N = Number(process.argv[2] ?? 300);
const S = Number(process.argv[3] ?? 64);
const KINDS: [number, number, 'jpeg' | 'png' | 'webp'][] = [
  [640, 480, 'jpeg'],
  [178, 218, 'jpeg'],
  [256, 256, 'png'],
  [320, 200, 'webp'],
  [1024, 768, 'jpeg'],
];

/** A photo-like image: smooth gradients, a few shapes, fine noise. */
function picture(w: number, h: number, seed: number): Buffer {
  const d = Buffer.alloc(w * h * 3);
  let r = seed * 2654435761;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      r = (Math.imul(r, 1103515245) + 12345) >>> 0;
      const noise = (r >>> 24) / 32;
      const inDisc = (x - w / 2) ** 2 + (y - h / 3) ** 2 < (Math.min(w, h) / 4) ** 2;
      for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = Math.min(255, (inDisc ? 200 - 40 * c : (255 * (x + y * c)) / (w + h * 2)) + noise + seed % 40);
    }
  }
  return d;
}

const rate = (n: number, ms: number) => `${((n * 1000) / ms).toFixed(0)} images/s`;

async function epoch(ds: Dataset, batch: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < ds.batchesPerEpoch(batch); i++) await ds.nextBatch(batch);
  return performance.now() - t;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'dcgan-bench-data-'));
  const dir = path.join(root, 'images');
  mkdirSync(dir);
  try {
    let t = performance.now();
    const files: string[] = [];
    for (let i = 0; i < N; i++) {
      const [w, h, fmt] = KINDS[i % KINDS.length];
      const file = path.join(dir, `img${String(i).padStart(5, '0')}.${fmt === 'jpeg' ? 'jpg' : fmt}`);
      const img = sharp(picture(w, h, i), { raw: { width: w, height: h, channels: 3 } });
      await (fmt === 'jpeg' ? img.jpeg({ quality: 90 }) : fmt === 'png' ? img.png() : img.webp({ quality: 90 })).toFile(file);
      files.push(file);
    }
    console.log(`generated ${N} images (${KINDS.map(([w, h, f]) => `${w}×${h} ${f}`).join(', ')}) in ${(performance.now() - t).toFixed(0)} ms`);

    const cacheDir = path.join(root, 'cache');
    const opts = { dir, size: S, channels: 3 as const, fit: 'crop' as const, seed: 0, cacheDir };
    t = performance.now();
    const cold = await openDataset(opts);
    const coldMs = performance.now() - t;
    console.log(`first open (scan + decode + resize/crop to ${S}×${S} + cache write): ${coldMs.toFixed(0)} ms, ${rate(cold.count, coldMs)}`);
    await cold.close();

    t = performance.now();
    const warm = await openDataset(opts);
    const warmMs = performance.now() - t;
    console.log(`second open (cache hit: ${warm.cacheHit}): ${warmMs.toFixed(1)} ms, ${rate(warm.count, warmMs)}`);
    const batch = Math.min(64, warm.count);
    console.log(`one epoch of nextBatch(${batch}) from memory: ${rate(warm.batchesPerEpoch(batch) * batch, await epoch(warm, batch))}`);
    await warm.close();
    const streamed = await openDataset({ ...opts, memoryBudget: 0 });
    console.log(`one epoch of nextBatch(${batch}) streamed from the cache file: ${rate(streamed.batchesPerEpoch(batch) * batch, await epoch(streamed, batch))}`);
    await streamed.close();

    t = performance.now();
    const proc = await openDataset({ size: S, channels: 3, fit: 'crop', seed: 0, cacheDir });
    const procOpen = performance.now() - t;
    const drawMs = await epoch(proc, batch);
    const keptMs = await epoch(proc, batch);
    const perEpoch = proc.batchesPerEpoch(batch) * batch;
    console.log(`built-in procedural dataset (${PROCEDURAL_COUNT} images): open ${procOpen.toFixed(1)} ms; first epoch (drawing + resizing) ${rate(perEpoch, drawMs)}; second epoch (kept) ${rate(perEpoch, keptMs)}`);
    await proc.close();

    const why = torchUnavailable();
    if (why) {
      console.log(`torchvision comparison skipped: ${why}`);
    } else {
      const py = `
import sys, json, time
from PIL import Image
import torchvision.transforms as T
a = json.load(sys.stdin)
S = a['size']
t = T.Compose([T.Resize(S), T.CenterCrop(S), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])
t0 = time.perf_counter()
for f in a['files']:
    t(Image.open(f).convert('RGB'))
print(json.dumps((time.perf_counter() - t0) * 1000))`;
      const ms = JSON.parse(execFileSync(PYTHON, ['-c', py], { input: JSON.stringify({ size: S, files }), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } })) as number;
      console.log(`PIL + torchvision, same files, one process: ${ms.toFixed(0)} ms, ${rate(N, ms)}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
