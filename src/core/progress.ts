/**
 * Time left in a training run and how a duration reads. One definition for the CLI's progress line, the status
 * bar and the monitor, so that the three never show different ETAs for the same run. DOM-safe (the monitor's
 * webview bundles it) and free of Node imports.
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

/** `0:42`, `12:05`, `1h07m`; '–' when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
