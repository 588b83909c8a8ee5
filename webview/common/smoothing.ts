/**
 * TensorBoard's scalar smoothing: an exponential moving average debiased like Adam's moments, so the first
 * points are not pulled toward 0 (tensorboard/webapp/widgets/line_chart_v2/lib/data_transformer.ts:
 * last = last·w + (1−w)·y; smoothed = last / (1 − w^n), n = finite points so far). Non-finite points (null, a
 * NaN loss) pass through as null and do not move the average. Pure: unit-tested in Node.
 */
/** `pw` is w^n, kept as a running product rather than a Math.pow per point */
export interface EmaState { last: number; n: number; pw: number; w: number }

export function emaStart(): EmaState {
  return { last: 0, n: 0, pw: 1, w: Number.NaN };
}

/**
 * Smooths ys[from..] into out[from..] with WEIGHT in [0, 1) (0: no smoothing), continuing from STATE, which it
 * advances: appending k points costs O(k), not O(all).
 */
export function smoothInto(ys: ArrayLike<number | null>, weight: number, out: (number | null)[], state: EmaState, from = out.length): void {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (state.w !== w) { state.w = w; state.pw = w ** state.n; }
  for (let i = from; i < ys.length; i++) {
    const y = ys[i];
    if (y === null || !Number.isFinite(y)) { out[i] = null; continue; }
    state.last = state.last * w + (1 - w) * y;
    state.n++;
    state.pw *= w;
    out[i] = w === 0 ? y : state.last / (1 - state.pw);
  }
}

export function smooth(ys: ArrayLike<number | null>, weight: number): (number | null)[] {
  const out: (number | null)[] = [];
  smoothInto(ys, weight, out, emaStart(), 0);
  return out;
}
