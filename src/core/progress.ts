/**
 * Time left in a training run, its speed, and how each reads. One definition for the CLI's progress line, the
 * status bar and the monitor, so that the three never show different ETAs or img/s for the same run. DOM-safe
 * (the monitor's webview bundles it) and free of Node imports.
 */

/** How many of the last steps set the pace: recent enough to follow a change, long enough not to flicker. */
export const ETA_WINDOW = 20;

/**
 * Milliseconds left, from the pace of the last ETA_WINDOW recorded steps (so a pause, or the first slow steps
 * while the backend warms up, do not skew it for long). Columns of step numbers and elapsed ms, oldest first;
 * null before two steps are known.
 */
export function etaMs(steps: ArrayLike<number | null>, elapsedMs: ArrayLike<number | null>, totalSteps: number): number | null {
  const n = steps.length;
  if (n < 2) return null;
  const i0 = Math.max(0, n - 1 - ETA_WINDOW);
  const last = steps[n - 1] ?? NaN;
  const dStep = last - (steps[i0] ?? NaN);
  const dMs = (elapsedMs[n - 1] ?? NaN) - (elapsedMs[i0] ?? NaN);
  if (!(dStep > 0) || !(dMs > 0)) return null;
  return (dMs / dStep) * Math.max(0, totalSteps - last);
}

/**
 * Images per second over the last ETA_WINDOW recorded steps (the window the ETA reads): the images those steps
 * trained over the time their training steps took, i.e. the harmonic mean of the steps' own img/s (each step
 * trains one batch). One step's figure jumps with every pause of the garbage collector or the backend; the
 * window's follows a real change within a few steps. Like each step's figure, it counts the training steps only
 * (not sample grids, checkpoints or a pause), so it compares with `dcgan-lab bench`. The column of the steps'
 * img/s, oldest first (a null or non-finite row in the window is skipped); null before one step is known.
 */
export function recentImgPerSec(imgPerSec: ArrayLike<number | null>): number | null {
  let steps = 0;
  let secondsPerImage = 0;
  for (let i = Math.max(0, imgPerSec.length - ETA_WINDOW); i < imgPerSec.length; i++) {
    const v = imgPerSec[i];
    if (v === null || !(v > 0) || !Number.isFinite(v)) continue;
    steps++;
    secondsPerImage += 1 / v;
  }
  return steps ? steps / secondsPerImage : null;
}

/** `8.4`, `85.4`, `1,234` (three figures are enough for a speed); '–' when unknown. */
export function formatImgPerSec(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  return v >= 99.95 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
}

/** `0:42`, `12:05`, `1h07m`; '–' when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
