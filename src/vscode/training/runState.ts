/**
 * The state of the live training run, owned by the extension host (DESIGN: a webview is a view). The training
 * session feeds it from its TrainingClient's events; the monitor view renders `snapshot()` when it (re)loads and
 * then each `change` as it comes, so a hidden, re-shown or reloaded view shows the same run.
 *
 * No 'vscode' import: plain data and a Node EventEmitter, unit-testable in Node.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Alert, RunStart, StepMetrics, TrainConfig, TrainResult } from '../../engine/types';

export type RunStatus =
  /** the worker is starting: backend, model and data are being prepared */
  | 'starting'
  | 'running'
  | 'paused'
  /** stop requested; the worker finishes the current step and writes a checkpoint */
  | 'stopping'
  /** ended: all steps, or stopped early on request (result.stoppedEarly) */
  | 'done'
  /** ended with an error (a fatal worker error, a crash, a refused model) */
  | 'failed';

export interface RunSnapshot {
  /** the run folder's name, unique per workspace */
  id: string;
  out: string;
  config: TrainConfig;
  status: RunStatus;
  start?: RunStart;
  /** every step's metrics, in order */
  metrics: StepMetrics[];
  /** every sample grid written so far, in step order (files inside `out`) */
  samples: { step: number; file: string }[];
  alerts: Alert[];
  lastCheckpoint?: { step: number; file: string };
  result?: TrainResult;
  error?: string;
  /** Date.now() when the run was begun in this window */
  startedAt: number;
}

/** What changed, so a view can append instead of redrawing everything. */
export type RunChange =
  | { kind: 'reset'; run: RunSnapshot }
  | { kind: 'status'; status: RunStatus; error?: string; result?: TrainResult }
  | { kind: 'started'; start: RunStart }
  | { kind: 'metrics'; metrics: StepMetrics[] }
  | { kind: 'sample'; sample: { step: number; file: string } }
  | { kind: 'checkpoint'; checkpoint: { step: number; file: string } }
  | { kind: 'alert'; alert: Alert };

export interface RunStoreEvents { change: [change: RunChange] }

export const isLive = (s: RunStatus | undefined): boolean => s === 'starting' || s === 'running' || s === 'paused' || s === 'stopping';

export class RunStore extends EventEmitter<RunStoreEvents> {
  private run: RunSnapshot | undefined;

  /** The current (or last) run, or undefined before the first one in this window. */
  snapshot(): RunSnapshot | undefined {
    return this.run;
  }

  get live(): boolean {
    return isLive(this.run?.status);
  }

  begin(config: TrainConfig): RunSnapshot {
    this.run = {
      id: path.basename(config.out), out: config.out, config, status: 'starting',
      metrics: [], samples: [], alerts: [], startedAt: Date.now(),
    };
    this.emit('change', { kind: 'reset', run: this.run });
    return this.run;
  }

  started(start: RunStart): void {
    const r = this.need();
    r.start = start;
    this.emit('change', { kind: 'started', start });
    this.setStatus('running');
  }

  progress(m: StepMetrics): void {
    this.need().metrics.push(m);
    this.emit('change', { kind: 'metrics', metrics: [m] });
  }

  sample(sample: { step: number; file: string }): void {
    this.need().samples.push(sample);
    this.emit('change', { kind: 'sample', sample });
  }

  checkpoint(checkpoint: { step: number; file: string }): void {
    this.need().lastCheckpoint = checkpoint;
    this.emit('change', { kind: 'checkpoint', checkpoint });
  }

  alert(alert: Alert): void {
    this.need().alerts.push(alert);
    this.emit('change', { kind: 'alert', alert });
  }

  setStatus(status: RunStatus, extra: { error?: string; result?: TrainResult } = {}): void {
    const r = this.need();
    // an ended run stays ended: a late 'exit' after 'done' must not turn it into 'failed'
    if (!isLive(r.status) && r.status !== status) return;
    r.status = status;
    if (extra.error !== undefined) r.error = extra.error;
    if (extra.result !== undefined) r.result = extra.result;
    this.emit('change', { kind: 'status', status, ...extra });
  }

  private need(): RunSnapshot {
    if (!this.run) throw new Error('RunStore: no run has begun');
    return this.run;
  }
}
