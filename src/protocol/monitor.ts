/**
 * Messages between the extension host and the sidebar training monitor (webview view `dcganLab.monitor`).
 *
 * The host owns the state (DESIGN: a webview is a view). Life of a view: the page loads and posts `ready`; the
 * host answers `state` (the shown run in full, the past runs, the overlays); then it posts changes as they
 * happen (`metrics` batched every ≤100 ms, `status`, `started`, `sample`, `alert`, `runs`, `overlays`). A view
 * that is hidden and re-shown reloads, posts `ready` again and gets the same `state`.
 *
 * Webview messages are JSON: a diverged loss (NaN, ±Infinity) travels as null in MetricColumns.
 *
 * The webview is a stranger to the host: every webview → host message goes through parseMonitorIntent before
 * the host acts on it. DOM-safe: no Node imports (the webview bundle includes this file).
 */
import { arrayOf, fields, ProtocolError, record, str } from './validate';
import type { Alert, RunStart, StepMetrics } from '../engine/types';

// ── shared data ─────────────────────────────────────────────────────────────────────────────────────────────

/** The same states as the host's RunStore (src/vscode/training/runState.ts), plus 'saved': a run read from disk. */
export type MonitorStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'done' | 'failed' | 'saved';

/** The columns of StepMetrics the monitor draws, one array per field, index i = the i-th recorded step. */
export const METRIC_KEYS = ['step', 'epoch', 'lossD', 'lossG', 'dReal', 'dFake', 'imgPerSec', 'elapsedMs', 'swd'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
/** Non-finite values are null (JSON has no NaN); `swd` is null on the steps it was not computed. */
export type MetricColumns = Record<MetricKey, (number | null)[]>;

export function emptyColumns(): MetricColumns {
  return { step: [], epoch: [], lossD: [], lossG: [], dReal: [], dFake: [], imgPerSec: [], elapsedMs: [], swd: [] };
}

/** Appends MS to COLS (a new object when COLS is absent) and returns it. */
export function toColumns(ms: readonly StepMetrics[], cols: MetricColumns = emptyColumns()): MetricColumns {
  for (const m of ms) {
    for (const k of METRIC_KEYS) {
      const v = m[k];
      cols[k].push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    }
  }
  return cols;
}

/** A sample grid, with the URI the webview can load it from (webview.asWebviewUri). */
export interface MonitorSample { step: number; uri: string }

/** The run the monitor shows. */
export interface MonitorRun {
  /** the run folder's name; unique in the runs list */
  id: string;
  /** 'live': trained in this window, changes follow; 'past': read from its run folder */
  origin: 'live' | 'past';
  status: MonitorStatus;
  /** the run's step target (config.steps), when known (live runs) */
  totalSteps?: number;
  /** e.g. 'bce', 'wgan-gp' (live runs): WGAN-GP losses are signed, so the log toggle uses an asinh scale */
  loss?: string;
  start?: RunStart;
  metrics: MetricColumns;
  samples: MonitorSample[];
  alerts: Alert[];
  /** set when the run ended: whether it stopped before its target, and why */
  result?: { steps: number; stoppedEarly: boolean; reason?: string };
  error?: string;
}

/** One run folder in the workspace's runs/ (a folder with metrics.jsonl). */
export interface RunSummary {
  id: string;
  /** the last recorded step (0 when metrics.jsonl is empty) */
  lastStep: number;
  /** the number of sample grids in samples/ */
  samples: number;
  /** metrics.jsonl's modification time, ms since the epoch */
  modified: number;
  /** true for the run this window is training */
  live: boolean;
}

/** Another run's loss curves, drawn over the shown run's. */
export interface OverlayRun { id: string; step: number[]; lossD: (number | null)[]; lossG: (number | null)[] }

// ── host → webview ──────────────────────────────────────────────────────────────────────────────────────────

/** Host → webview, after every `ready` and whenever the shown run changes: everything, replacing what was shown. */
export interface StateMessage { type: 'state'; run: MonitorRun | null; runs: RunSummary[]; overlays: OverlayRun[] }
/** Host → webview, while the shown run trains: new steps, at most every ~100 ms. */
export interface MetricsMessage { type: 'metrics'; runId: string; metrics: MetricColumns }
/** Host → webview, when the shown run's status changes. */
export interface StatusMessage { type: 'status'; runId: string; status: MonitorStatus; error?: string; result?: MonitorRun['result'] }
/** Host → webview, when the shown run's worker is ready (backend, device, dataset). */
export interface StartedMessage { type: 'started'; runId: string; start: RunStart }
/** Host → webview, when the shown run wrote a sample grid. */
export interface SampleMessage { type: 'sample'; runId: string; sample: MonitorSample }
/** Host → webview, when the shown run raised an alert. */
export interface AlertMessage { type: 'alert'; runId: string; alert: Alert }
/** Host → webview, when the list of run folders changed (a run began or ended). */
export interface RunsMessage { type: 'runs'; runs: RunSummary[] }
/** Host → webview, when the overlaid runs changed. */
export interface OverlaysMessage { type: 'overlays'; overlays: OverlayRun[] }

export type HostToMonitor = StateMessage | MetricsMessage | StatusMessage | StartedMessage | SampleMessage | AlertMessage |
  RunsMessage | OverlaysMessage;

// ── webview → host (intents) ────────────────────────────────────────────────────────────────────────────────

/** The page loaded (or reloaded after being hidden): send `state`. */
export interface ReadyIntent { type: 'ready' }
/** Buttons: run the command of the same name (dcganLab.train, stopTraining, pauseTraining, resumeTraining). */
export interface CommandIntent { type: 'train' | 'stop' | 'pause' | 'resume' }
/** Open the shown run's folder. */
export interface OpenRunFolderIntent { type: 'openRunFolder' }
/** Show run ID from the runs list (the live run's id follows the live run). */
export interface OpenRunIntent { type: 'openRun'; id: string }
/** Draw these runs' loss curves over the shown run's (at most MAX_OVERLAYS; [] clears). */
export interface OverlayIntent { type: 'overlay'; ids: string[] }
/** Re-read the runs folder. */
export interface RefreshRunsIntent { type: 'refreshRuns' }

export type MonitorIntent = ReadyIntent | CommandIntent | OpenRunFolderIntent | OpenRunIntent | OverlayIntent | RefreshRunsIntent;

export const MAX_OVERLAYS = 4;
/** A run id is a folder name, never a path: no separators, no '..'. */
const RUN_ID = /^(?!\.\.?$)[\w.@-]{1,128}$/;

function runId(x: unknown, p: string): void {
  str(x, p);
  if (!RUN_ID.test(x as string)) throw new ProtocolError(p, 'a run folder name', x);
}

/** Returns X typed as a MonitorIntent, or throws ProtocolError naming the first bad field. */
export function parseMonitorIntent(x: unknown): MonitorIntent {
  const m = record(x, 'message');
  switch (m.type) {
    case 'ready': case 'train': case 'stop': case 'pause': case 'resume': case 'openRunFolder': case 'refreshRuns': break;
    case 'openRun': fields(m, 'openRun', { id: runId }); break;
    case 'overlay':
      fields(m, 'overlay', { ids: (v, q) => arrayOf(v, q, runId) });
      if ((m.ids as unknown[]).length > MAX_OVERLAYS) throw new ProtocolError('overlay.ids', `at most ${MAX_OVERLAYS} ids`, m.ids);
      break;
    default: throw new ProtocolError('message.type', 'a monitor intent', m.type);
  }
  return m as unknown as MonitorIntent;
}
