/**
 * The figures in the monitor's header, from the shown run. img/s and the ETA are core/progress.ts's, as in the
 * status bar (src/vscode/training/statusText.ts), so both show the same figure for the same steps. Pure:
 * unit-tested in Node (test/unit/monitor/stats.test.ts).
 */
import { etaMs, formatDuration, formatImgPerSec, recentImgPerSec } from '../../src/core/progress';
import type { MonitorRun } from '../../src/protocol/monitor';

export interface Stat { label: string; value: string; testid: string }

function last<T>(xs: T[]): T | undefined {
  return xs[xs.length - 1];
}

/** The run is this window's and has not ended (its controls are Pause/Resume/Stop, not Train). */
export function isLiveRun(run: MonitorRun): boolean {
  return run.origin === 'live' && (run.status === 'running' || run.status === 'starting' || run.status === 'paused' || run.status === 'stopping');
}

export function headerStats(run: MonitorRun): Stat[] {
  const m = run.metrics;
  const step = last(m.step) ?? 0;
  const total = run.totalSteps ?? run.start?.totalSteps;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    { label: 'step', value: total ? `${n(step)} / ${n(total)}` : n(step), testid: 'stat-step' },
    { label: 'epoch', value: String(last(m.epoch) ?? '–'), testid: 'stat-epoch' },
    { label: 'img/s', value: formatImgPerSec(recentImgPerSec(m.imgPerSec)), testid: 'stat-speed' },
    { label: 'elapsed', value: formatDuration(last(m.elapsedMs) ?? null), testid: 'stat-elapsed' },
    { label: 'ETA', value: isLiveRun(run) && run.status !== 'paused' && total ? formatDuration(etaMs(m.step, m.elapsedMs, total)) : '–', testid: 'stat-eta' },
  ];
}
