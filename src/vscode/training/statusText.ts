/**
 * The training status bar item's words, from the run's snapshot: step/total, images per second (over the recent
 * window, as the monitor's header shows it: core/progress.ts) and the time left while it runs; paused, stopping; the final state once it ended. Also the scan report's summary shown
 * before the first step.
 *
 * No 'vscode' import: unit-tested in plain Node (test/unit/training/statusText.test.ts).
 */
import { ETA_WINDOW, etaMs, formatDuration, formatImgPerSec, recentImgPerSec } from '../../core/progress';
import type { ScanReport } from '../../engine/types';
import type { RunSnapshot } from './runState';

const n = (x: number) => Math.round(x).toLocaleString('en-US');


export interface StatusView {
  /** with codicons, e.g. `$(pulse) DCGAN 120/1,000 · 85 img/s · ETA 0:42` */
  text: string;
  /** plain text tooltip (markdown-safe) */
  tooltip: string;
  /** 'error' | 'warning' background, or none */
  tone?: 'error' | 'warning';
}

export function statusView(run: RunSnapshot): StatusView {
  const total = run.start?.totalSteps ?? run.config.steps;
  const last = run.metrics.at(-1);
  const step = last?.step ?? (run.start ? run.start.firstStep - 1 : 0);
  const where = `${n(step)}/${n(total)}`;
  const head = `DCGAN run ${run.id}`;
  const losses = last ? `\nstep ${n(last.step)}: loss D ${last.lossD.toFixed(3)}, loss G ${last.lossG.toFixed(3)}, D(x) ${last.dReal.toFixed(2)}, D(G(z)) ${last.dFake.toFixed(2)}` : '';
  const click = '\nClick to show the training monitor.';
  switch (run.status) {
    case 'starting':
      return { text: '$(loading~spin) DCGAN starting…', tooltip: `${head}: starting the worker, the backend, the model and the data…${click}` };
    case 'running': {
      const parts = [`$(pulse) DCGAN ${where}`];
      const speed = recentImgPerSec(run.metrics.slice(-ETA_WINDOW).map((m) => m.imgPerSec));
      if (speed !== null) parts.push(`${formatImgPerSec(speed)} img/s`);
      const eta = etaMs(run.metrics.map((m) => m.step), run.metrics.map((m) => m.elapsedMs), total);
      if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`);
      const alert = run.alerts.at(-1);
      return {
        text: parts.join(' · '),
        tooltip: `${head} on ${run.start?.backend.device ?? 'the worker'}${losses}${alert ? `\nalert at step ${n(alert.step)}: ${alert.message}` : ''}${click}`,
        tone: alert && alert.step >= step - 200 ? 'warning' : undefined,
      };
    }
    case 'paused':
      return { text: `$(debug-pause) DCGAN paused ${where}`, tooltip: `${head} is paused: "DCGAN: Resume Training" continues it.${losses}${click}` };
    case 'stopping':
      return { text: `$(loading~spin) DCGAN stopping at ${where}…`, tooltip: `${head}: finishing the step and writing a checkpoint.${click}` };
    case 'done': {
      const r = run.result;
      const early = r?.stoppedEarly;
      const reason = r?.reason && r.reason !== 'stopped' ? `: ${r.reason}` : '';
      return {
        text: early ? `$(debug-stop) DCGAN stopped at ${n(r!.steps)}/${n(total)}` : `$(check) DCGAN done: ${n(r?.steps ?? total)} steps`,
        tooltip: `${head} ${early ? `stopped after step ${n(r!.steps)}${reason}` : 'finished'}. Files in ${run.out}${click}`,
        tone: reason ? 'warning' : undefined,
      };
    }
    case 'failed':
      return { text: `$(error) DCGAN failed${step ? ` at ${where}` : ''}`, tooltip: `${head} failed: ${run.error ?? 'unknown error'}${click}`, tone: 'error' };
  }
}

/** The data the run trains on, in one line: `built-in procedural dataset (seed 0): 4,096 images (64×64: 4,096)`. */
export function scanSummary(d: ScanReport): string {
  const sizes = d.sizes.length ? ` (sizes: ${d.sizes.slice(0, 4).map(([s, c]) => `${n(c)} at ${s}`).join(', ')}${d.sizes.length > 4 ? ', …' : ''})` : '';
  const skipped = d.skipped.length ? `; ${n(d.skipped.length)} file${d.skipped.length === 1 ? '' : 's'} skipped` : '';
  return `${d.source}: ${n(d.count)} image${d.count === 1 ? '' : 's'}${sizes}${skipped}`;
}

/** The scan report for the output channel: the summary, the formats, then each skipped file with why (at most LIMIT). */
export function scanReportLines(d: ScanReport, limit = 50): string[] {
  const lines = [`data: ${scanSummary(d)}`];
  const formats = Object.entries(d.formats);
  if (formats.length) lines.push(`  formats: ${formats.map(([f, c]) => `${f} ${n(c)}`).join(', ')}`);
  for (const s of d.skipped.slice(0, limit)) lines.push(`  skipped ${s.file}: ${s.why}`);
  if (d.skipped.length > limit) lines.push(`  … and ${n(d.skipped.length - limit)} more skipped`);
  return lines;
}
