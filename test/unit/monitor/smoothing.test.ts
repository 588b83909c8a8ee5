/** The loss charts' smoothing slider: TensorBoard's debiased EMA, as the user sees it on the chart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emaStart, smooth, smoothInto } from '../../../webview/common/smoothing';

describe('smoothing (debiased EMA)', () => {
  it('starts at the first value instead of being pulled toward 0, then follows TensorBoard\'s formula', () => {
    const w = 0.9;
    const ys = [2, 4, 3];
    const out = smooth(ys, w);
    assert.equal(out[0], 2);
    // last = 0.9·last + 0.1·y; smoothed = last / (1 − 0.9^n)
    const l1 = 0.1 * 2; const l2 = 0.9 * l1 + 0.1 * 4; const l3 = 0.9 * l2 + 0.1 * 3;
    assert.ok(Math.abs((out[1] as number) - l2 / (1 - 0.9 ** 2)) < 1e-12);
    assert.ok(Math.abs((out[2] as number) - l3 / (1 - 0.9 ** 3)) < 1e-12);
  });

  it('leaves the data as it is at smoothing 0 and flattens a constant series to itself at any weight', () => {
    assert.deepEqual(smooth([1, 5, -2], 0), [1, 5, -2]);
    for (const v of smooth(Array(50).fill(0.7), 0.99)) assert.ok(Math.abs((v as number) - 0.7) < 1e-12);
  });

  it('shows a NaN loss as a gap and does not let it poison the points after it', () => {
    const out = smooth([1, null, Number.NaN, 1], 0.5);
    assert.equal(out[1], null);
    assert.equal(out[2], null);
    assert.ok(Math.abs((out[3] as number) - 1) < 1e-12);
  });

  it('gives the same curve when steps arrive in batches as when they arrive at once', () => {
    const ys = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) + (i % 7) / 10);
    const whole = smooth(ys, 0.95);
    const out: (number | null)[] = [];
    const st = emaStart();
    for (let n = 0; n < ys.length; n += 37) smoothInto(ys.slice(0, n + 37), 0.95, out, st);
    assert.equal(out.length, whole.length);
    out.forEach((v, i) => assert.ok(Math.abs((v as number) - (whole[i] as number)) < 1e-9, `point ${i}`));
  });
});
