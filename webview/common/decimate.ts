/**
 * Min/max decimation for drawing: of each bucket of consecutive x values (one pixel column), keep the first and
 * last point and, for every series, the points where it is lowest and highest. The drawn envelope is the same as
 * with every point (no peak or NaN gap is lost), at a cost proportional to the width, not the data. The data
 * itself is kept whole; only what is handed to the chart is thinned. Pure: unit-tested in Node.
 */
export type Series = ArrayLike<number | null>;

/** Indices to keep (ascending) when XS (ascending) spans BUCKETS equal-width columns. */
export function decimateIndices(xs: ArrayLike<number>, series: readonly Series[], buckets: number): number[] {
  const n = xs.length;
  if (n === 0) return [];
  if (n <= buckets * 4) return Array.from({ length: n }, (_, i) => i);
  const x0 = xs[0];
  const span = xs[n - 1] - x0 || 1;
  const keep: number[] = [];
  let i = 0;
  while (i < n) {
    const b = Math.min(buckets - 1, Math.floor(((xs[i] - x0) / span) * buckets));
    let j = i;
    while (j + 1 < n && Math.min(buckets - 1, Math.floor(((xs[j + 1] - x0) / span) * buckets)) === b) j++;
    const picks = [i, j];
    for (const ys of series) {
      let lo = -1; let hi = -1;
      for (let k = i; k <= j; k++) {
        const y = ys[k];
        if (y === null || y === undefined) { picks.push(k); continue; } // a gap stays a gap
        if (lo < 0 || y < (ys[lo] as number)) lo = k;
        if (hi < 0 || y > (ys[hi] as number)) hi = k;
      }
      if (lo >= 0) picks.push(lo, hi);
    }
    picks.sort((a, b2) => a - b2);
    for (const p of picks) if (keep[keep.length - 1] !== p) keep.push(p);
    i = j + 1;
  }
  return keep;
}

export function pick<T>(ys: ArrayLike<T>, idx: readonly number[]): T[] {
  const out = new Array<T>(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = ys[idx[k]];
  return out;
}
