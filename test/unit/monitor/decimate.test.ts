/** Drawing 100k steps in a few hundred pixels: the min/max decimation must keep every peak and every gap. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimateIndices, pick } from '../../../webview/common/decimate';

describe('min/max decimation', () => {
  const n = 100_000;
  const xs = Array.from({ length: n }, (_, i) => i + 1);
  const ys: (number | null)[] = xs.map((x) => Math.sin(x / 500) + ((x * 7919) % 13) / 100);
  ys[12_345] = 50; // a loss spike
  ys[54_321] = -50;
  ys[77_777] = null; // a NaN step

  const idx = decimateIndices(xs, [ys], 400);

  it('hands the chart far fewer points than it has', () => {
    assert.ok(idx.length <= 400 * 4, `${idx.length} points`);
    assert.ok(idx.length >= 400 * 2);
  });

  it('keeps the spikes, the gap, the first and the last step', () => {
    const kept = new Set(idx);
    for (const i of [0, n - 1, 12_345, 54_321, 77_777]) assert.ok(kept.has(i), `index ${i}`);
    assert.equal(Math.max(...(pick(ys, idx).filter((v) => v !== null) as number[])), 50);
  });

  it('keeps each pixel column\'s minimum and maximum of every series', () => {
    const ys2 = xs.map((x) => Math.cos(x / 300) * ((x * 104729) % 17));
    const keep = decimateIndices(xs, [ys, ys2], 200);
    const kept = new Set(keep);
    const per = n / 200;
    for (let b = 0; b < 200; b++) {
      const lo = Math.ceil(b * per); const hi = Math.min(n - 1, Math.ceil((b + 1) * per) - 1);
      let mx = lo;
      for (let i = lo; i <= hi; i++) if (ys2[i] > ys2[mx]) mx = i;
      assert.ok(kept.has(mx) || keep.some((i) => i >= lo && i <= hi && ys2[i] === ys2[mx]), `column ${b}`);
    }
    assert.deepEqual(keep, [...keep].sort((a, b) => a - b));
  });

  it('leaves short series alone', () => {
    assert.deepEqual(decimateIndices([1, 2, 3], [[1, null, 3]], 400), [0, 1, 2]);
    assert.deepEqual(decimateIndices([], [[]], 400), []);
  });
});
