/**
 * The sidebar training monitor (webview view `dcganLab.monitor`).
 *
 * A view, not a store (DESIGN): the live run lives in the RunStore, past runs in their run folders. On every
 * `ready` (first load, and each reload after the view was hidden) the host posts the whole shown run, then
 * follows the store's changes, batching metrics every ≤100 ms. Which run is shown and which are overlaid is
 * host state too, so a re-shown view shows what it showed before.
 */
import { webviewPage } from '../webviewPage';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  MAX_OVERLAYS, parseMonitorIntent, toColumns,
  type HostToMonitor, type MonitorIntent, type MonitorRun, type MonitorStatus, type OverlayRun, type RunSummary,
} from '../../protocol/monitor';
import type { StepMetrics } from '../../engine/types';
import { resolveRunsRoot } from '../training/offers';
import type { RunChange, RunSnapshot, RunStatus, RunStore } from '../training/runState';
import { listRunFolders, readAlerts, readMetrics, readRunConfig, readSamples, type RunFolder } from './runFolders';

export const MONITOR_VIEW = 'dcganLab.monitor';
/** the host's run states are a subset of what the monitor shows (compile-time check) */
const STATUS_FITS: RunStatus extends MonitorStatus ? true : never = true;
void STATUS_FITS;
const METRICS_BATCH_MS = 100;

interface Logger { warn(msg: string): void; error(msg: string): void }

export function registerMonitor(context: vscode.ExtensionContext, store: RunStore, log: Logger = console): vscode.Disposable {
  const view = new MonitorView(context.extensionUri, store, log);
  return vscode.Disposable.from(
    vscode.window.registerWebviewViewProvider(MONITOR_VIEW, view),
    view,
  );
}

class MonitorView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  /** the page posted `ready` since it was last (re)loaded: posting before that is lost */
  private ready = false;
  /** the shown run: null follows the live run (or this window's last run) */
  private shownId: string | null = null;
  private overlayIds: string[] = [];
  private folders: RunFolder[] = [];
  /** past runs read from disk, by id; re-read when metrics.jsonl's mtime changes */
  private past = new Map<string, { modified: number; run: MonitorRun; metrics: StepMetrics[] }>();
  private pending: StepMetrics[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposables: vscode.Disposable[] = [];
  private readonly onChange = (c: RunChange) => this.changed(c);

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: RunStore, private readonly log: Logger) {
    store.on('change', this.onChange);
  }

  dispose(): void {
    this.store.off('change', this.onChange);
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots() };
    view.webview.html = this.page(view.webview);
    const subs = [
      view.webview.onDidReceiveMessage((raw: unknown) => {
        let intent: MonitorIntent;
        try {
          intent = parseMonitorIntent(raw);
        } catch (e) {
          this.log.warn(`monitor: ignored a message from the webview: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        this.handle(intent).catch((e: unknown) => this.log.error(`monitor: ${intent.type} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
      }),
      // hidden: the page is torn down (no retainContextWhenHidden); it posts `ready` again when re-shown
      view.onDidChangeVisibility(() => { if (!view.visible) this.ready = false; }),
    ];
    subs.push(view.onDidDispose(() => {
      if (this.view === view) { this.view = undefined; this.ready = false; }
      this.disposables = this.disposables.filter((d) => !subs.includes(d));
      for (const d of subs) d.dispose();
    }));
    this.disposables.push(...subs);
  }

  // ── intents ────────────────────────────────────────────────────────────────────────────────────────────

  private readonly handlers: { [T in MonitorIntent['type']]: (m: Extract<MonitorIntent, { type: T }>) => Promise<unknown> } = {
    ready: async () => { this.ready = true; await this.refreshFolders(); await this.postState(); },
    train: () => this.command('dcganLab.train'),
    stop: () => this.command('dcganLab.stopTraining'),
    pause: () => this.command('dcganLab.pauseTraining'),
    resume: () => this.command('dcganLab.resumeTraining'),
    openRunFolder: async () => {
      // the shown run's folder (a past run's, or the live run's when undefined), as the command opens it
      const dir = this.shownId === null ? undefined : this.shownDir();
      await this.command('dcganLab.openRunFolder', ...(dir ? [vscode.Uri.file(dir)] : []));
    },
    openRun: async (m) => {
      await this.refreshFolders();
      const liveId = this.liveId();
      if (m.id === liveId) this.shownId = null;
      else if (this.folders.some((f) => f.id === m.id)) this.shownId = m.id;
      else return void this.log.warn(`monitor: no run folder '${m.id}'`);
      this.overlayIds = this.overlayIds.filter((id) => id !== m.id);
      await this.postState();
    },
    overlay: async (m) => {
      await this.refreshFolders();
      const known = new Set([...this.folders.map((f) => f.id), this.liveId()]);
      this.overlayIds = [...new Set(m.ids)].filter((id) => known.has(id) && id !== this.shownRunId()).slice(0, MAX_OVERLAYS);
      this.post({ type: 'overlays', overlays: await this.overlays() });
    },
    refreshRuns: async () => { await this.refreshFolders(); this.post({ type: 'runs', runs: this.summaries() }); },
  };

  private handle(m: MonitorIntent): Promise<unknown> {
    return (this.handlers[m.type] as (m: MonitorIntent) => Promise<unknown>)(m);
  }

  private async command(id: string, ...args: unknown[]): Promise<void> {
    await vscode.commands.executeCommand(id, ...args);
  }

  // ── the live run's changes ─────────────────────────────────────────────────────────────────────────────

  private changed(c: RunChange): void {
    if (c.kind === 'reset') {
      // a new run: show it, whatever was shown
      this.pending = [];
      this.shownId = null;
      this.overlayIds = [];
      void this.refreshFolders().then(() => this.postState());
      return;
    }
    if (this.shownId !== null) return;
    const runId = this.liveId();
    if (runId === null) return;
    if (c.kind === 'metrics') {
      this.pending.push(...c.metrics);
      this.timer ??= setTimeout(() => this.flush(), METRICS_BATCH_MS);
      return;
    }
    // order: every step before what happened after it
    this.flush();
    switch (c.kind) {
      case 'started': this.post({ type: 'started', runId, start: c.start }); break;
      case 'sample': this.post({ type: 'sample', runId, sample: { step: c.sample.step, uri: this.uri(c.sample.file) } }); break;
      case 'alert': this.post({ type: 'alert', runId, alert: c.alert }); break;
      case 'status':
        this.post({ type: 'status', runId, status: c.status, ...(c.error !== undefined ? { error: c.error } : {}), ...(c.result ? { result: resultOf(c.result) } : {}) });
        if (c.status === 'done' || c.status === 'failed' || c.status === 'running') {
          void this.refreshFolders().then(() => this.post({ type: 'runs', runs: this.summaries() }));
        }
        break;
      case 'checkpoint': break;
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const runId = this.liveId();
    if (!this.pending.length || runId === null) return;
    const batch = this.pending;
    this.pending = [];
    this.post({ type: 'metrics', runId, metrics: toColumns(batch) });
  }

  private post(m: HostToMonitor): void {
    // not ready: lost anyway; the next `ready` gets the whole state
    if (!this.view || !this.ready) return;
    void this.view.webview.postMessage(m);
  }

  // ── state ──────────────────────────────────────────────────────────────────────────────────────────────

  private liveId(): string | null {
    const s = this.store.snapshot();
    return s ? s.id : null;
  }

  private shownRunId(): string | null {
    return this.shownId ?? this.liveId();
  }

  private shownDir(): string | undefined {
    if (this.shownId === null) return this.store.snapshot()?.out;
    return this.folders.find((f) => f.id === this.shownId)?.dir;
  }

  private async postState(): Promise<void> {
    if (!this.view || !this.ready) return;
    this.updateRoots();
    const overlays = await this.overlays();
    const past = this.shownId === null ? undefined : await this.pastRun(this.shownId);
    // from here to the post, nothing awaits: the snapshot holds every change so far, and every later change is
    // posted after the state (changes posted before it are dropped by the page, and are in the snapshot)
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    const live = this.store.snapshot();
    const run = this.shownId === null ? (live ? this.liveRun(live) : null) : past?.run ?? null;
    this.post({ type: 'state', run, runs: this.summaries(), overlays });
  }

  private liveRun(s: RunSnapshot): MonitorRun {
    return {
      id: s.id, origin: 'live', status: s.status, totalSteps: s.config.steps, loss: s.config.loss,
      ...(s.start ? { start: s.start } : {}),
      metrics: toColumns(s.metrics),
      samples: s.samples.map((x) => ({ step: x.step, uri: this.uri(x.file) })),
      alerts: s.alerts,
      ...(s.result ? { result: resultOf(s.result) } : {}),
      ...(s.error !== undefined ? { error: s.error } : {}),
    };
  }

  private async pastRun(id: string): Promise<{ run: MonitorRun; metrics: StepMetrics[] } | undefined> {
    const f = this.folders.find((x) => x.id === id);
    if (!f) return undefined;
    const hit = this.past.get(id);
    if (hit && hit.modified === f.modified) return hit;
    const [{ metrics, skipped }, samples, cfg, alerts] = await Promise.all([readMetrics(f.dir), readSamples(f.dir), readRunConfig(f.dir), readAlerts(f.dir)]);
    if (skipped) this.log.warn(`monitor: ${path.join(f.dir, 'metrics.jsonl')}: skipped ${skipped} unreadable line(s)`);
    const run: MonitorRun = {
      id, origin: 'past', status: 'saved',
      ...(cfg.steps !== undefined ? { totalSteps: cfg.steps } : {}), ...(cfg.loss !== undefined ? { loss: cfg.loss } : {}),
      metrics: toColumns(metrics),
      samples: samples.map((x) => ({ step: x.step, uri: this.uri(x.file) })),
      alerts,
    };
    const entry = { modified: f.modified, run, metrics };
    this.past.set(id, entry);
    return entry;
  }

  private async overlays(): Promise<OverlayRun[]> {
    const out: OverlayRun[] = [];
    const live = this.store.snapshot();
    for (const id of this.overlayIds) {
      const metrics = id === live?.id ? live.metrics : (await this.pastRun(id))?.metrics;
      if (!metrics) continue;
      const c = toColumns(metrics);
      out.push({ id, step: c.step as number[], lossD: c.lossD, lossG: c.lossG });
    }
    return out;
  }

  private summaries(): RunSummary[] {
    const live = this.store.snapshot();
    const rows: RunSummary[] = this.folders.map((f) => ({
      id: f.id, lastStep: f.lastStep, samples: f.samples, modified: f.modified,
      live: !!live && path.resolve(live.out) === path.resolve(f.dir),
    }));
    if (live && !rows.some((r) => r.live)) {
      // the live run before its first metrics line
      rows.unshift({ id: live.id, lastStep: live.metrics.at(-1)?.step ?? 0, samples: live.samples.length, modified: live.startedAt, live: true });
    }
    for (const r of rows) {
      if (r.live && live) { r.lastStep = live.metrics.at(-1)?.step ?? r.lastStep; r.samples = live.samples.length; }
    }
    return rows;
  }

  private runsRoots(): string[] {
    // where "Train DCGAN" puts runs: the dcganLab.training.runsFolder setting under each workspace folder
    const setting = vscode.workspace.getConfiguration('dcganLab.training').get<string>('runsFolder');
    const folder = typeof setting === 'string' && setting.trim() ? setting.trim() : 'runs';
    const roots = [...new Set((vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file')
      .map((f) => resolveRunsRoot(f.uri.fsPath, folder)))];
    const live = this.store.snapshot();
    if (live) {
      const parent = path.dirname(path.resolve(live.out));
      if (!roots.includes(parent)) roots.push(parent);
    }
    return roots;
  }

  private async refreshFolders(): Promise<void> {
    this.folders = await listRunFolders(this.runsRoots());
  }

  // ── the page ───────────────────────────────────────────────────────────────────────────────────────────

  private resourceRoots(): vscode.Uri[] {
    return [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), ...this.runsRoots().map((r) => vscode.Uri.file(r))];
  }

  /** A live run may write outside the workspace's runs/: its folder becomes loadable (sample images). */
  private updateRoots(): void {
    if (!this.view) return;
    const want = this.resourceRoots();
    const have = this.view.webview.options.localResourceRoots ?? [];
    if (want.length === have.length && want.every((u, i) => u.toString() === have[i].toString())) return;
    this.view.webview.options = { enableScripts: true, localResourceRoots: want };
  }

  private uri(file: string): string {
    return this.view ? this.view.webview.asWebviewUri(vscode.Uri.file(file)).toString() : '';
  }

  private page(webview: vscode.Webview): string {
    return webviewPage(webview, this.extensionUri, {
      name: 'monitor', title: 'Training Monitor', body: (nonce) => `<main id="app" data-nonce="${nonce}"></main>`,
    });
  }
}

function resultOf(r: { steps: number; stoppedEarly: boolean; reason?: string }): NonNullable<MonitorRun['result']> {
  return { steps: r.steps, stoppedEarly: r.stoppedEarly, ...(r.reason !== undefined ? { reason: r.reason } : {}) };
}
