/**
 * One live training run in the extension host: starts the worker (TrainingClient), feeds the RunStore from its
 * events, writes the run's story to the output channel, sets the `dcganLab.training`/`dcganLab.paused` context
 * keys, and tells the user what needs them (the dataset's scan report before the first step, alerts, the end).
 * The worker does the tensors; nothing here does.
 */
import * as vscode from 'vscode';
import type { TrainConfig } from '../../engine/types';
import { TrainingClient } from '../../protocol/client';
import type { RunStore } from './runState';
import { scanReportLines, scanSummary } from './statusText';
import { toastReason } from './toastText';

const setContext = (key: string, value: boolean) => vscode.commands.executeCommand('setContext', key, value);

export class TrainingSession {
  private readonly client: TrainingClient;
  private stopTimer: NodeJS.Timeout | undefined;
  /** resolves when the worker is gone and the run's final state is in the store */
  readonly ended: Promise<void>;

  constructor(readonly config: TrainConfig, private readonly store: RunStore, private readonly output: vscode.OutputChannel, workerPath?: string) {
    store.begin(config);
    void setContext('dcganLab.training', true);
    void setContext('dcganLab.paused', false);
    const out = (line: string) => output.appendLine(line);
    // a toast says the reason first and names files by their last name; the output channel has the whole text
    const reason = (message: string) => toastReason(message, [config.model?.file, config.data, config.out]);
    out('');
    out(`── training run ${config.out}`);
    out(`model: ${config.model ? `${config.model.file}${config.model.argv?.length ? ` (argv: ${config.model.argv.join(' ')})` : ''}` : 'built-in DCGAN'}, ` +
      `${config.size}×${config.size}, ${config.steps.toLocaleString('en-US')} steps, batch ${config.batch}, backend ${config.backend}`);
    // the editor's own hint to the torch engine (the worker reports the interpreter it took, and why others were passed over)
    if (config.pythonHint) out(`python hint: ${config.pythonHint} (VS Code's Python extension), tried first`);

    const c = new TrainingClient({ workerPath });
    this.client = c;
    c.on('ready', (pid) => out(`worker: pid ${pid}`));
    c.on('started', (r) => {
      for (const s of r.backend.skipped) out(`falling back: ${s}`);
      out(`backend: ${r.backend.name} on ${r.backend.device}`);
      if (r.backend.python) out(`python: ${r.backend.python} (torch ${r.backend.torch})`);
      for (const n of r.notes ?? []) out(`note: ${n}`);
      out(`model: ${r.model} (G ${r.generatorParams.toLocaleString('en-US')} parameters, D ${r.discriminatorParams.toLocaleString('en-US')})`);
      // the scan report reaches the user here, before step 1's progress: the output channel has all of it, the
      // notification the summary (and a way to the skipped files)
      for (const l of scanReportLines(r.dataset)) out(l);
      if (r.firstStep > 1) out(`resuming at step ${r.firstStep}`);
      store.started(r);
      const skipped = r.dataset.skipped.length;
      void vscode.window.showInformationMessage(`DCGAN Lab: training on ${scanSummary(r.dataset)}.`, ...(skipped ? ['Show Skipped Files'] : []))
        .then((a) => { if (a) output.show(true); });
    });
    c.on('progress', (m) => store.progress(m));
    c.on('sample', (s) => store.sample(s));
    c.on('checkpoint', (k) => {
      out(`checkpoint at step ${k.step}: ${k.file}`);
      store.checkpoint(k);
    });
    c.on('alert', (a) => {
      out(`alert (step ${a.step}, ${a.kind}): ${a.message}`);
      store.alert(a);
      void vscode.window.showWarningMessage(`DCGAN Lab, step ${a.step}: ${reason(a.message)}`, 'Stop Training').then((x) => { if (x) this.stop(); });
    });
    c.on('log', (line) => out(`  ${line}`));
    c.on('paused', (step) => {
      out(`paused after step ${step}`);
      store.setStatus('paused');
      void setContext('dcganLab.paused', true);
    });
    c.on('resumed', () => {
      out('resumed');
      store.setStatus('running');
      void setContext('dcganLab.paused', false);
    });
    c.on('error', (f) => {
      if (!f.fatal) { out(`worker: ${f.message}`); return; }
      out(`training failed: ${f.message}`);
      store.setStatus('failed', { error: f.message });
      void vscode.window.showErrorMessage(`DCGAN Lab: training failed: ${reason(f.message)}`, 'Show Output').then((a) => { if (a) output.show(true); });
    });
    c.on('done', (r) => {
      const why = r.reason && r.reason !== 'stopped' ? `: ${r.reason}` : '';
      out(r.stoppedEarly ? `stopped after step ${r.steps}${why}` : `done: ${r.steps} steps`);
      out(`run folder: ${r.out}${r.lastCheckpoint ? `\n  checkpoint: ${r.lastCheckpoint}` : ''}${r.generatorExport ? `\n  generator: ${r.generatorExport}` : ''}`);
      store.setStatus('done', { result: r });
      const msg = r.stoppedEarly ? `DCGAN Lab: training stopped after step ${r.steps.toLocaleString('en-US')}${why && `: ${reason(r.reason!).replace(/\.$/, '')}`}.` : `DCGAN Lab: training finished (${r.steps.toLocaleString('en-US')} steps).`;
      void (why ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(msg, 'Open Run Folder')
        .then((a) => { if (a) void vscode.commands.executeCommand('dcganLab.openRunFolder'); });
    });
    this.ended = new Promise((resolve) => {
      c.once('exit', ({ code, signal }) => {
        clearTimeout(this.stopTimer);
        // the client reports every abnormal end as a fatal error first; this only closes a run left live
        if (store.live && store.snapshot()?.config === config) {
          store.setStatus('failed', { error: `the training worker exited (${signal ?? `code ${code}`}) without a result` });
        }
        void setContext('dcganLab.training', false);
        void setContext('dcganLab.paused', false);
        void c.dispose();
        resolve();
      });
    });
    c.start(config);
  }

  /** Stop after the current step, with a final checkpoint; if the worker does not answer in 60 s it is killed. */
  stop(): void {
    if (!this.store.live) return;
    this.store.setStatus('stopping');
    this.client.stop();
    this.stopTimer ??= setTimeout(() => {
      this.output.appendLine('the worker did not stop within 60 s: killing it');
      void this.client.dispose();
    }, 60_000);
  }

  pause(): void {
    this.client.pause();
  }

  resume(): void {
    this.client.resume();
  }

  /** Kills the worker now (window closing, extension deactivated). */
  async dispose(): Promise<void> {
    clearTimeout(this.stopTimer);
    await this.client.dispose();
  }
}
