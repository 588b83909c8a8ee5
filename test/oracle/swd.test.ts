/**
 * swd.ts against a numpy/PyTorch transcription of ProGAN's metrics/sliced_wasserstein.py, given the same random
 * choices: the TS plan (neighbourhood centres, projection directions) is sent to Python, which uses it in place
 * of np.random. The Python side keeps ProGAN's code shape (NCHW, minibatch.flat[idx], np.sort on axis 0) and
 * implements scipy.ndimage.convolve(mode='mirror') with torch's reflect padding + conv2d, independently of the
 * TS index arithmetic. Agreement: 1e-4 relative per pyramid level.
 * Then properties that need no oracle, and the cost on this machine (printed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { planSwd, slicedWasserstein, slicedWassersteinWithPlan, type SwdOptions, type SwdPlan } from '../../src/engine/swd';

const PROGAN = String.raw`
import json, sys
import numpy as np
import torch
import torch.nn.functional as F

inp = json.load(sys.stdin)
n, size, C = inp['n'], inp['size'], inp['channels']
per = inp['descriptorsPerImage']

def convolve_mirror(x, k):
    # scipy.ndimage.convolve(x, k[None, None], mode='mirror') for a symmetric 5x5 kernel
    N, Ch, H, W = x.shape
    t = torch.from_numpy(x.astype(np.float64)).reshape(N * Ch, 1, H, W)
    t = F.pad(t, (2, 2, 2, 2), mode='reflect')
    out = F.conv2d(t, torch.from_numpy(k.astype(np.float64))[None, None])
    return out.reshape(N, Ch, H, W).numpy().astype(np.float32)

gaussian_filter = np.float32([
    [1, 4,  6,  4,  1],
    [4, 16, 24, 16, 4],
    [6, 24, 36, 24, 6],
    [4, 16, 24, 16, 4],
    [1, 4,  6,  4,  1]]) / 256.0

def pyr_down(minibatch):
    return convolve_mirror(minibatch, gaussian_filter)[:, :, ::2, ::2]

def pyr_up(minibatch):
    S = minibatch.shape
    res = np.zeros((S[0], S[1], S[2] * 2, S[3] * 2), minibatch.dtype)
    res[:, :, ::2, ::2] = minibatch
    return convolve_mirror(res, gaussian_filter * 4.0)

def generate_laplacian_pyramid(minibatch, num_levels):
    pyramid = [np.float32(minibatch)]
    for i in range(1, num_levels):
        pyramid.append(pyr_down(pyramid[-1]))
        h, w = pyramid[-2].shape[2:]
        pyramid[-2] -= pyr_up(pyramid[-1])[:, :, :h, :w]   # crop: only differs from ProGAN for odd sizes
    return pyramid

def get_descriptors_for_minibatch(minibatch, nhood_size, centres):
    S = minibatch.shape
    N = centres.shape[0]
    H = nhood_size // 2
    nhood, chan, x, y = np.ogrid[0:N, 0:S[1], -H:H+1, -H:H+1]
    img = nhood // per
    x = x + centres[:, 1].reshape(N, 1, 1, 1)
    y = y + centres[:, 0].reshape(N, 1, 1, 1)
    idx = ((img * S[1] + chan) * S[2] + y) * S[3] + x
    return minibatch.flat[idx]

def finalize_descriptors(desc):
    desc -= np.mean(desc, axis=(0, 2, 3), keepdims=True)
    desc /= np.std(desc, axis=(0, 2, 3), keepdims=True)
    desc = desc.reshape(desc.shape[0], -1)
    return desc

def sliced_wasserstein(A, B, dirs_all, dir_repeats, dirs_per_repeat):
    results = []
    for repeat in range(dir_repeats):
        dirs = dirs_all[repeat * dirs_per_repeat:(repeat + 1) * dirs_per_repeat].T   # (descriptor_component, direction)
        projA = np.matmul(A, dirs)
        projB = np.matmul(B, dirs)
        projA = np.sort(projA, axis=0)
        projB = np.sort(projB, axis=0)
        dists = np.abs(projA - projB)
        results.append(np.mean(dists))
    return np.mean(results)

def nchw(flat):
    return np.float32(flat).reshape(n, size, size, C).transpose(0, 3, 1, 2).copy()

levels = len(inp['resolutions'])
pyr_real = generate_laplacian_pyramid(nchw(inp['real']), levels)
pyr_fake = generate_laplacian_pyramid(nchw(inp['fake']), levels)
out = []
for l in range(levels):
    assert pyr_real[l].shape[2] == inp['resolutions'][l]
    dr = finalize_descriptors(get_descriptors_for_minibatch(pyr_real[l], 7, np.int64(inp['realCentres'][l]).reshape(-1, 2)))
    df = finalize_descriptors(get_descriptors_for_minibatch(pyr_fake[l], 7, np.int64(inp['fakeCentres'][l]).reshape(-1, 2)))
    dirs = np.float32(inp['directions'][l]).reshape(-1, dr.shape[1])
    out.append(float(sliced_wasserstein(dr, df, dirs, inp['repeats'], inp['projections'])) * 1e3)
print(json.dumps(out))
`;

/** Seeded procedural images in [-1, 1], NHWC: coloured Gaussian blobs on a gradient, plus a little noise. */
function blobs(n: number, size: number, channels: number, seed: number, opts: { blobSize?: number; noise?: number } = {}): Float32Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n * size * size * channels);
  const r0 = (opts.blobSize ?? 0.12) * size;
  for (let i = 0; i < n; i++) {
    const bs = Array.from({ length: 5 }, () => ({
      x: rand() * size, y: rand() * size, r: r0 * (0.5 + rand()), c: Array.from({ length: channels }, () => rand() * 2 - 1),
    }));
    const g = Array.from({ length: channels }, () => rand() - 0.5);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < channels; c++) {
          let v = g[c] * (x / size - 0.5);
          for (const b of bs) v += b.c[c] * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
          v += (opts.noise ?? 0.05) * (rand() * 2 - 1);
          out[((i * size + y) * size + x) * channels + c] = Math.max(-1, Math.min(1, v));
        }
      }
    }
  }
  return out;
}

function oracle(real: Float32Array, fake: Float32Array, plan: SwdPlan): number[] {
  return runPython<number[]>(PROGAN, {
    ...plan,
    real: Array.from(real), fake: Array.from(fake),
    realCentres: plan.realCentres.map((c) => Array.from(c)),
    fakeCentres: plan.fakeCentres.map((c) => Array.from(c)),
    directions: plan.directions.map((d) => Array.from(d)),
  });
}

const cases: { name: string; n: number; size: number; channels: number; opts: SwdOptions }[] = [
  { name: '16 RGB images at 64 px, ProGAN settings (levels 64, 32, 16)', n: 16, size: 64, channels: 3, opts: { seed: 7 } },
  { name: '6 grey images at 50 px, odd level 25 (cropped pyrUp), minResolution 12', n: 6, size: 50, channels: 1,
    opts: { seed: 3, descriptorsPerImage: 64, projections: 32, repeats: 2, minResolution: 12 } },
];

for (const c of cases) {
  test(`agrees with a transcription of ProGAN's sliced_wasserstein.py: ${c.name}`, (t) => {
    if (!requireTorch(t)) return;
    const real = blobs(c.n, c.size, c.channels, 1);
    const fake = blobs(c.n, c.size, c.channels, 2, { blobSize: 0.06, noise: 0.2 });
    const plan = planSwd(c.n, c.size, c.channels, c.opts);
    const ours = slicedWassersteinWithPlan(real, fake, plan);
    const theirs = oracle(real, fake, plan);
    assert.equal(ours.levels.length, theirs.length);
    const rels = theirs.map((v, l) => Math.abs(ours.levels[l] - v) / Math.abs(v));
    console.log(`levels ${ours.resolutions.join(', ')} px: SWD×1e3 ${theirs.map((v) => v.toFixed(3)).join(', ')}; relative difference ${rels.map((r) => r.toExponential(1)).join(', ')}`);
    rels.forEach((rel, l) => assert.ok(rel < 1e-4, `level ${ours.resolutions[l]} px: TS ${ours.levels[l]} vs ProGAN ${theirs[l]} (relative ${rel.toExponential(2)})`));
    assert.deepEqual(slicedWasserstein(real, fake, c.n, c.size, c.channels, 'NHWC', c.opts), ours, 'slicedWasserstein = planSwd + WithPlan');
  });
}

test('SWD(x, x) is 0 with shared centres and small without; a shifted distribution is further than a second sample', () => {
  const n = 64, size = 32, ch = 3;
  const x1 = blobs(n, size, ch, 11);
  const x2 = blobs(n, size, ch, 12);
  const shifted = blobs(n, size, ch, 13, { blobSize: 0.05 }); // finer detail: what an under-trained G gets wrong
  const plan = planSwd(n, size, ch, { seed: 1 });
  const same = slicedWassersteinWithPlan(x1, x1, { ...plan, fakeCentres: plan.realCentres });
  assert.deepEqual(same.levels, [0, 0]);
  const self = slicedWasserstein(x1, x1, n, size, ch);
  const second = slicedWasserstein(x1, x2, n, size, ch);
  const far = slicedWasserstein(x1, shifted, n, size, ch);
  const show = (r: { mean: number; levels: number[] }) => `${r.mean.toFixed(1)} (${r.levels.map((v) => v.toFixed(1)).join(', ')})`;
  console.log(`SWD×1e3 at ${size} px, ${n} images, levels ${far.resolutions.join(', ')}: x vs x ${show(self)}, `
    + `vs a 2nd sample ${show(second)}, vs finer blobs ${show(far)}`);
  assert.ok(self.mean < second.mean, `SWD(x, x) = ${self.mean} should be below SWD to a second sample (${second.mean})`);
  assert.ok(far.mean > 1.5 * second.mean, `shifted ${far.mean} should exceed 1.5 × second sample ${second.mean}`);
  // the finest level sees the detail; the 16 px residual of 64 images is dominated by sampling noise
  assert.ok(far.levels[0] > 2 * second.levels[0], `finest level: shifted ${far.levels[0]} vs second sample ${second.levels[0]}`);
});

test('deterministic by seed; invariant to a fixed affine pixel scale; NaN in, NaN out', () => {
  const n = 8, size = 32, ch = 3;
  const a = blobs(n, size, ch, 21);
  const b = blobs(n, size, ch, 22);
  const r1 = slicedWasserstein(a, b, n, size, ch, 'NHWC', { seed: 5 });
  assert.deepEqual(slicedWasserstein(a, b, n, size, ch, 'NHWC', { seed: 5 }), r1);
  assert.notDeepEqual(slicedWasserstein(a, b, n, size, ch, 'NHWC', { seed: 6 }).levels, r1.levels);
  // [-1, 1] → [0, 255]: each set is normalised by its own per-channel statistics
  const to255 = (x: Float32Array) => x.map((v) => (v + 1) * 127.5);
  const r255 = slicedWasserstein(to255(a), to255(b), n, size, ch, 'NHWC', { seed: 5 });
  r1.levels.forEach((v, l) => assert.ok(Math.abs(r255.levels[l] - v) < 1e-3 * v, `${r255.levels[l]} vs ${v}`));
  const bad = b.slice();
  bad[100] = NaN;
  assert.ok(Number.isNaN(slicedWasserstein(a, bad, n, size, ch).mean));
  assert.throws(() => slicedWasserstein(a, b, n, size + 1, ch), /the real images have 24576 values, expected 8×33×33×3/);
  assert.throws(() => slicedWasserstein(a.subarray(0, 6 * 6 * 3), b.subarray(0, 6 * 6 * 3), 1, 6, 3), /at least 16 px/);
});

test('cost on this machine (printed; SWD_BENCH=1 for the full table)', { timeout: 600_000 }, () => {
  const configs: [number, number, SwdOptions][] = process.env.SWD_BENCH === '1'
    ? [[64, 32, {}], [64, 64, {}], [64, 128, {}], [256, 32, {}], [256, 64, {}], [256, 128, {}], [256, 128, { descriptorsPerImage: 32 }], [64, 128, { descriptorsPerImage: 64 }]]
    : [[64, 64, {}]];
  for (const [n, size, opts] of configs) {
    const a = blobs(n, size, 3, 1);
    const b = blobs(n, size, 3, 2);
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const r = slicedWasserstein(a, b, n, size, 3, 'NHWC', opts);
    const used = process.cpuUsage(cpu);
    const o = { descriptorsPerImage: 128, projections: 128, repeats: 4, ...opts };
    console.log(`SWD ${n} × ${size}px×3, ${o.descriptorsPerImage} descriptors/image, ${o.repeats}×${o.projections} directions, ${r.levels.length} levels: `
      + `${(performance.now() - wall).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
  }
});
