/**
 * "Train DCGAN" and the run commands (Stop, Pause/Resume, Open Run Folder, Install GPU Engine), and the status
 * bar item of the live run. The pair is checked here, through the shape engine, before any worker starts: a
 * pair that does not fit is refused with the cursor on the culprit line. Which engine would train each offered
 * pair is shown in the model pick: the torch engine is asked what it sees (probeTorch, while the pair is checked).
 * Training itself runs in the worker (session.ts); the extension host never runs tensors.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { builtinGeometry, builtinSizes, ModelRefused } from '../../core/gan';
import { ENGINE_PACKAGES, EngineInstallError, engineDir, installEngine, type EngineKind } from '../../engine/install';
import { probeTorch, type TorchProbe } from '../../engine/torch/discover';
import { isPython, type ShapeService } from '../shapeService';
import {
  BUILTIN_DATA_LABEL, BUILTIN_MODEL_LABEL, CHOOSE_FOLDER_LABEL, DEFAULT_SIZE, OTHER_LENGTH_LABEL, OTHER_SIZE_LABEL, STEP_OFFERS,
  buildTrainConfig, builtinSizeOffers, checkFileSize, filePairOffer, pairLabel, pairNames, readTrainingSettings, refusalRange,
  resolveRunsRoot, runFolder, sizeLabel, stepsLabel, trainerOutlook, wholeNumberError, TORCH_UNTRUSTED, type FilePairOffer,
  type TorchSeen, type TrainerOutlook, type TrainingSettings,
} from './offers';
import type { RunStore } from './runState';
import { TrainingSession } from './session';
import { statusView } from './statusText';
import { toastReason } from './toastText';

/** how long the status bar shows a run's final state */
const FINAL_STATE_MS = 15_000;
const MONITOR_FOCUS = 'dcganLab.monitor.focus';
/** the model pick waits at most this long for PyTorch's answer (a hung `import torch` must not hold it back) */
const PROBE_WAIT_MS = 60_000;
/** and for the Python extension to activate and name its interpreter */
const PYTHON_EXTENSION_WAIT_MS = 15_000;

export function trainingSettings(): TrainingSettings {
  const c = vscode.workspace.getConfiguration('dcganLab.training');
  return readTrainingSettings((k) => c.get(k));
}

/** Where runs go: the `dcganLab.training.runsFolder` setting under the workspace folder of FILE (or the first one). */
export function runsRoot(settings: TrainingSettings, file?: string, fallback?: string): string {
  const ws = (file ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
  const base = ws?.uri.scheme === 'file' ? ws.uri.fsPath : file ? path.dirname(file) : fallback ?? process.cwd();
  return resolveRunsRoot(base, settings.runsFolder);
}

export function registerTraining(context: vscode.ExtensionContext, shapes: ShapeService, output: vscode.OutputChannel, store: RunStore): vscode.Disposable {
  let session: TrainingSession | undefined;
  const status = new StatusItem(store);
  const probes = new TorchProbes((line) => output.appendLine(line));

  const refuse = async (e: ModelRefused): Promise<void> => {
    output.appendLine(`the model cannot be trained: ${e.message}`);
    if (e.file && existsSync(e.file)) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(e.file));
      const editor = await vscode.window.showTextDocument(doc, { preview: false });
      await shapes.get(doc);
      const diagnostics = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'DCGAN Lab').map((d) => ({
        range: { start: { row: d.range.start.line, column: d.range.start.character }, end: { row: d.range.end.line, column: d.range.end.character } },
        severity: d.severity === vscode.DiagnosticSeverity.Error ? 'error' : 'other',
        code: typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code),
      }));
      const line = Math.min(Math.max(0, e.line), doc.lineCount - 1);
      const r = refusalRange(line, diagnostics, (l) => doc.lineAt(l).text);
      const range = new vscode.Range(r.start.row, r.start.column, r.end.row, r.end.column);
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
    // the reason first, the file's name after it (the output channel has the whole path); with a button the toast
    // shows all of it, not one line
    void vscode.window.showErrorMessage(`DCGAN Lab: the model cannot be trained: ${toastReason(e.message, [e.file])}`, 'Show Output')
      .then((a) => { if (a) output.show(true); });
  };

  const train = vscode.commands.registerCommand('dcganLab.train', async () => {
    if (session && store.live) {
      const r = store.snapshot()!;
      const answer = await vscode.window.showWarningMessage(
        `A DCGAN run is live (${r.id}, step ${r.metrics.at(-1)?.step ?? 0} of ${r.config.steps}). Stop it and start a new one?`,
        { modal: true, detail: 'Stopping writes a checkpoint; the run folder keeps everything.' }, 'Stop and Train');
      if (answer !== 'Stop and Train') return;
      const old = session;
      old.stop();
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'DCGAN Lab: stopping the current run…' }, () => old.ended);
    }
    const settings = trainingSettings();
    const trusted = vscode.workspace.isTrusted;
    if (settings.backend === 'torch' && !trusted) {
      await untrustedTorch();
      return;
    }
    const choice = await askRun(shapes, settings, refuse, probes, trusted);
    if (!choice) return;
    const { doc, pythonHint, ...run } = choice;
    if (doc?.isDirty && !(await doc.save())) {
      void vscode.window.showErrorMessage(`DCGAN Lab: save ${path.basename(doc.fileName)} first: the worker trains the file as it is on disk.`);
      return;
    }
    const root = runsRoot(settings, run.model?.file, context.globalStorageUri.fsPath);
    const config = buildTrainConfig(run, settings, runFolder(root, new Date(), existsSync), { pythonHint, torchBlocked: trusted ? undefined : TORCH_UNTRUSTED });
    session = new TrainingSession(config, store, output);
    const mine = session;
    void mine.ended.then(() => { if (session === mine) session = undefined; });
    output.appendLine(`run folder: ${config.out}`);
  });

  const need = (what: string): TrainingSession | undefined => {
    if (session && store.live) return session;
    void vscode.window.showInformationMessage(`DCGAN Lab: no run is live to ${what}. "DCGAN: Train DCGAN" starts one.`);
    return undefined;
  };
  const stop = vscode.commands.registerCommand('dcganLab.stopTraining', () => need('stop')?.stop());
  const pause = vscode.commands.registerCommand('dcganLab.pauseTraining', () => need('pause')?.pause());
  const resume = vscode.commands.registerCommand('dcganLab.resumeTraining', () => need('resume')?.resume());

  // (folder: a past run's folder, from the monitor; default: the live or last run's)
  const openRunFolder = vscode.commands.registerCommand('dcganLab.openRunFolder', async (folder?: vscode.Uri) => {
    const run = store.snapshot();
    const target = folder instanceof vscode.Uri ? folder.fsPath : run && existsSync(run.out) ? run.out : runsRoot(trainingSettings());
    if (!existsSync(target)) {
      void vscode.window.showInformationMessage(`DCGAN Lab: no run folder yet (runs go to ${target}). "DCGAN: Train DCGAN" starts a run.`);
      return;
    }
    const uri = vscode.Uri.file(target);
    // the OS file manager only exists where the window runs on the same machine as the files
    const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
    if (local) {
      await vscode.commands.executeCommand('revealFileInOS', uri);
    } else if (vscode.workspace.getWorkspaceFolder(uri)) {
      await vscode.commands.executeCommand('revealInExplorer', uri);
    } else {
      void vscode.window.showInformationMessage(`DCGAN Lab: the run folder is ${target}.`);
    }
  });

  const installGpu = vscode.commands.registerCommand('dcganLab.installGpuEngine', async () => {
    output.appendLine('');
    output.appendLine('── installing the GPU engine (@tensorflow/tfjs-node-gpu)');
    try {
      const { dir } = await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, title: 'DCGAN Lab: installing the GPU engine', cancellable: true,
      }, (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return installEngine('gpu', {
          signal: abort.signal,
          onProgress: (line) => {
            output.appendLine(`  ${line}`);
            progress.report({ message: line.length > 90 ? `${line.slice(0, 89)}…` : line });
          },
        });
      });
      void vscode.window.showInformationMessage(`DCGAN Lab: the GPU engine is installed in ${dir}. New runs with the backend "auto" or "gpu" use it.`);
    } catch (e) {
      const message = inVsCodeWords(e instanceof Error ? e.message : String(e));
      output.appendLine(message);
      const shown = e instanceof EngineInstallError ? message : `Installing the GPU engine failed: ${message}`;
      const first = shown.split('\n')[0];
      void vscode.window.showErrorMessage(`DCGAN Lab: ${first}`, 'Show Output').then((a) => { if (a) output.show(true); });
    }
  });

  return vscode.Disposable.from(train, stop, pause, resume, openRunFolder, installGpu, status, probes, {
    dispose: () => { void session?.dispose(); },
  });
}

/** Restricted Mode and a run only the torch engine can make: say why, and offer the way to trust the workspace. */
async function untrustedTorch(): Promise<void> {
  const answer = await vscode.window.showWarningMessage(`DCGAN Lab: ${TORCH_UNTRUSTED}.`, 'Manage Workspace Trust');
  if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
}

/** The engine's messages name the CLI; here the same step is a command and a setting. */
function inVsCodeWords(message: string): string {
  return message
    .replace(/`dcgan-lab engine install (gpu|node)`/g, '"DCGAN: Install GPU Engine"')
    .replace(/training with `--backend auto`/g, 'training with the backend setting "auto"');
}

// ── the quick picks ─────────────────────────────────────────────────────────────────────────────────────────

interface Item<T> extends vscode.QuickPickItem { value: T }

async function pick<T>(step: number, what: string, items: Item<T>[], placeHolder: string): Promise<T | undefined> {
  const r = await vscode.window.showQuickPick(items, { title: `Train DCGAN (${step}/4): ${what}`, placeHolder, ignoreFocusOut: true, matchOnDescription: true });
  return r?.value;
}

async function askNumber(step: number, what: string, prompt: string, value: string, validate: (v: string) => string | null): Promise<number | undefined> {
  const r = await vscode.window.showInputBox({ title: `Train DCGAN (${step}/4): ${what}`, prompt, value, ignoreFocusOut: true, validateInput: validate });
  return r === undefined ? undefined : Number(r.trim().replace(/[,_]/g, ''));
}

interface Answer {
  doc?: vscode.TextDocument;
  model?: { file: string; sizeFlag: string | null };
  size: number;
  data?: string;
  steps: number;
  /** the interpreter selected in VS Code's Python extension, for the torch engine to try first */
  pythonHint?: string;
}

/** The open Python file the command is about: the active editor's, else a visible one. */
function modelDocument(): vscode.TextDocument | undefined {
  const docs = [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].map((e) => e?.document);
  return docs.find((d): d is vscode.TextDocument => !!d && isPython(d) && d.uri.scheme === 'file');
}

async function askRun(shapes: ShapeService, settings: TrainingSettings, refuse: (e: ModelRefused) => Promise<void>, probes: TorchProbes,
  trusted: boolean): Promise<Answer | undefined> {
  // 1. the model: the open file's pair, when it has one, or the built-in DCGAN; each says which engine would
  // train it. PyTorch is asked (about the time of `import torch`) while the pair is checked; in Restricted Mode
  // it is not asked at all: the interpreter could be the workspace's own.
  const doc = modelDocument();
  const usesTorch = trusted && (settings.backend === 'auto' || settings.backend === 'torch');
  const torch = usesTorch ? probes.lookup(settings, doc?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri) : undefined;
  let offer: FilePairOffer | undefined;
  let seen: TorchSeen = null;
  const title = usesTorch ? 'DCGAN Lab: checking the model pair and your PyTorch' : 'DCGAN Lab: checking the model pair';
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, async () => {
    const pairCheck = (async () => {
      if (!doc) return;
      const state = await shapes.get(doc);
      const names = pairNames(state?.analysis.modelClasses().map((c) => c.name) ?? []);
      if (!names.generator || !names.discriminator) return;
      offer = await filePairOffer(doc.uri.fsPath, doc.getText(), settings.batch);
      offer.generator ??= names.generator;
      offer.discriminator ??= names.discriminator;
    })();
    [, seen] = await Promise.all([pairCheck, torch ? torch.probe : null]);
  });
  const outlook = (tfjsCannot: string | null): TrainerOutlook => trainerOutlook({
    backend: settings.backend, device: settings.device, torch: seen, tfjsCannot, trusted,
    nativeEngines: settings.backend === 'auto' ? nativeEngines() : [],
  });
  const builtinRange = `${builtinSizes()[0]}–${builtinSizes().at(-1)}`;
  const builtinOutlook = outlook(null);
  const builtinItem: Item<'builtin'> = {
    label: BUILTIN_MODEL_LABEL, value: 'builtin', description: 'the pytorch/examples DCGAN, scaled to the size',
    detail: withOutlook(builtinOutlook, `sizes ${builtinRange} (b·2ⁿ, b 4–7); ngf ${settings.ngf}, ndf ${settings.ndf} (settings: dcganLab.training)`),
  };
  const items: Item<'builtin' | 'file'>[] = [builtinItem];
  const fileOutlook = offer && offer.sizes.length ? outlook(offer.tfjsCannot) : undefined;
  if (offer) {
    const ok = offer.sizes.length > 0;
    const fileItem: Item<'file'> = {
      label: pairLabel(offer.generator!, offer.discriminator!, offer.file), value: 'file', description: 'the open file',
      detail: ok ? withOutlook(fileOutlook!, `trains at ${[...offer.sizes].sort((a, b) => a - b).map((s) => `${s}×${s}`).join(', ')}${offer.sizeFlag ? ` (${offer.sizeFlag})` : ''}`)
        : `$(error) cannot be trained: ${offer.refused?.message ?? 'no size works'}`,
    };
    if (ok && !fileOutlook?.refused) items.unshift(fileItem); else items.push(fileItem);
  }
  const model = await pick(1, 'model', items, 'Which generator and discriminator to train');
  if (!model) return undefined;
  if (model === 'file' && offer && !offer.sizes.length) {
    await refuse(offer.refused ?? new ModelRefused(`${path.basename(offer.file)}: no image size works`, offer.file, 0));
    return undefined;
  }
  const chosen = model === 'file' ? fileOutlook! : builtinOutlook;
  if (chosen.refused) {
    await cannotTrainHere(chosen);
    return undefined;
  }

  // 2. the image size: the sizes the pair trains at (the sweep), or another one typed
  const sizes = model === 'file' ? offer!.sizes : builtinSizeOffers();
  const sizeItems: Item<number>[] = sizes.map((s, i) => ({ label: sizeLabel(s), value: s, description: i === 0 ? (s === DEFAULT_SIZE ? 'default' : 'the file\'s size') : undefined }));
  sizeItems.push({ label: OTHER_SIZE_LABEL, value: 0, description: 'type a size' });
  let size = await pick(2, 'image size', sizeItems, 'Square image size in pixels');
  if (size === undefined) return undefined;
  if (size === 0) {
    size = await askNumber(2, 'image size', model === 'file' ? 'Square image size in pixels' : 'Square image size in pixels: the built-in DCGAN has b·2ⁿ with b in 4–7 (e.g. 40, 80, 160)',
      String(DEFAULT_SIZE), (v) => wholeNumberError(v, 4, 1024) ?? (model === 'builtin' && !builtinGeometry(Number(v.trim())) ? `the built-in DCGAN has no ${v.trim()}×${v.trim()} version: sizes are b·2ⁿ with b in 4–7 (16 to 512)` : null));
    if (size === undefined) return undefined;
    if (model === 'file') {
      const refused = await checkFileSize(offer!, doc!.getText(), size, settings.batch);
      if (refused) { await refuse(refused); return undefined; }
    }
  }

  // 3. the data
  const dataItems: Item<'builtin' | 'folder'>[] = [
    { label: BUILTIN_DATA_LABEL, value: 'builtin', description: 'no files needed', detail: 'generated shapes in colour families: a quick way to see a GAN learn' },
    { label: CHOOSE_FOLDER_LABEL, value: 'folder', description: 'a folder of images', detail: 'PNG, JPEG, WebP, GIF, TIFF (subfolders too); scaled and centre-cropped to the size' },
  ];
  const data = await pick(3, 'dataset', dataItems, 'What to train on');
  if (!data) return undefined;
  let folder: string | undefined;
  if (data === 'folder') {
    const picked = await vscode.window.showOpenDialog({
      title: 'Train DCGAN: image folder', openLabel: 'Train on This Folder', canSelectFiles: false, canSelectFolders: true, canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (!picked?.length) return undefined;
    folder = picked[0].fsPath;
  }

  // 4. the length
  const stepItems: Item<number>[] = STEP_OFFERS.map((n) => ({ label: stepsLabel(n), value: n }));
  stepItems.push({ label: OTHER_LENGTH_LABEL, value: 0, description: 'type a number of steps' });
  let steps = await pick(4, 'length', stepItems, 'How many training steps (one step: a D update and a G update on one batch)');
  if (steps === undefined) return undefined;
  if (steps === 0) {
    steps = await askNumber(4, 'length', 'Number of training steps', '2000', (v) => wholeNumberError(v, 1, 10_000_000));
    if (steps === undefined) return undefined;
  }
  return {
    doc: model === 'file' ? doc : undefined,
    model: model === 'file' ? { file: offer!.file, sizeFlag: offer!.sizeFlag } : undefined,
    size, data: folder, steps,
    pythonHint: torch ? await torch.hint : undefined,
  };
}

/** A model pick's detail: the engine that would train it, then what the item says of itself. */
function withOutlook(o: TrainerOutlook, rest: string): string {
  return o.refused ? `$(error) ${o.label}` : `$(chip) ${o.label} · ${rest}`;
}

/** The chosen pair cannot be trained by any engine here: say why, and the one step that changes it. */
async function cannotTrainHere(o: TrainerOutlook): Promise<void> {
  if (o.untrusted) {
    const answer = await vscode.window.showWarningMessage(`DCGAN Lab: this model cannot be trained here: ${o.refused}.`, 'Manage Workspace Trust');
    if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  const answer = await vscode.window.showErrorMessage(`DCGAN Lab: this model cannot be trained here: ${o.refused}.`, 'Open Settings');
  if (answer) await vscode.commands.executeCommand('workbench.action.openSettings', 'dcganLab.training');
}

/** The native tfjs engines "DCGAN: Install GPU Engine" put in the per-user cache (`auto` tries them first). */
function nativeEngines(): EngineKind[] {
  return (['gpu', 'node'] as const).filter((k) => existsSync(path.join(engineDir(k), 'node_modules', ENGINE_PACKAGES[k], 'package.json')));
}

// ── the torch engine, as seen from the editor ───────────────────────────────────────────────────────────────

/** The part of the Python extension's API read here (ms-python.python, `exports.environments`). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ path: string; executable: { uri?: vscode.Uri } } | undefined>;
  };
}

/**
 * What probeTorch answered, kept for the window's session per (python setting, Python extension's interpreter,
 * device): the answer depends on nothing else, and each costs about the time of `import torch`. A changed setting
 * empties it. Only answers that found PyTorch are kept: after "no PyTorch" the user is likely installing it.
 */
class TorchProbes implements vscode.Disposable {
  private readonly answers = new Map<string, Promise<TorchProbe | { why: string }>>();
  private readonly onSettings: vscode.Disposable;

  constructor(private readonly log: (line: string) => void) {
    this.onSettings = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('dcganLab.training.python') || e.affectsConfiguration('dcganLab.training.device')) this.answers.clear();
    });
  }

  /** The Python extension's interpreter (its API is read first), then what PyTorch sees with it. */
  lookup(settings: TrainingSettings, resource: vscode.Uri | undefined): { hint: Promise<string | undefined>; probe: Promise<TorchSeen> } {
    // the python setting names the one interpreter: the hint would not be tried
    const hint = settings.python ? Promise.resolve(undefined) : pythonExtensionInterpreter(resource, this.log);
    const probe = hint.then((h) => this.probe(settings.python, h, settings.device));
    // a hung `import torch` must not hold the model pick: it then says "not checked yet"
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), PROBE_WAIT_MS); });
    return { hint, probe: Promise.race([probe, late]).finally(() => clearTimeout(timer)) };
  }

  private probe(python: string, hint: string | undefined, device: string): Promise<TorchProbe | { why: string }> {
    const key = JSON.stringify([python, hint ?? '', device]);
    const known = this.answers.get(key);
    if (known) return known;
    const started = Date.now();
    const answer = probeTorch({ python: python || undefined, pythonHint: hint }, device)
      .catch((e: unknown): { why: string } => ({ why: `the torch engine could not be started: ${e instanceof Error ? e.message : String(e)}` }));
    this.answers.set(key, answer);
    void answer.then((r) => {
      if ('why' in r) {
        this.log(`torch engine: ${r.why}`);
        if (this.answers.get(key) === answer) this.answers.delete(key);
      } else {
        for (const t of r.tried) this.log(`python skipped: ${t}`);
        this.log(`torch engine: ${r.python} (torch ${r.torch}) on ${r.device}, checked in ${Date.now() - started} ms`);
      }
    });
    return answer;
  }

  dispose(): void {
    this.onSettings.dispose();
    this.answers.clear();
  }
}

/**
 * The interpreter selected in VS Code's Python extension for RESOURCE, through its public API; undefined when
 * the extension is not installed or anything fails (said in the output channel: discovery goes on without it).
 */
async function pythonExtensionInterpreter(resource: vscode.Uri | undefined, log: (line: string) => void): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const ask = async () => {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const envs = api?.environments;
      if (!envs) throw new Error('its API has no `environments` (an older Python extension)');
      const active = envs.getActiveEnvironmentPath(resource);
      const resolved = await envs.resolveEnvironment(active);
      return resolved?.executable?.uri?.fsPath ?? resolved?.path ?? active.path;
    };
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${PYTHON_EXTENSION_WAIT_MS / 1000} s`)), PYTHON_EXTENSION_WAIT_MS);
    });
    const exe = await Promise.race([ask(), late]);
    return exe || undefined;
  } catch (e) {
    log(`python: the Python extension's interpreter could not be read (${e instanceof Error ? e.message : String(e)}); looking on PATH`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

// ── the status bar ──────────────────────────────────────────────────────────────────────────────────────────

/** The live run's step/total, img/s and ETA; hidden when idle; the final state for FINAL_STATE_MS. Click: the monitor. */
class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dcganLab.training', vscode.StatusBarAlignment.Left, 50);
  private timer: NodeJS.Timeout | undefined;
  private hideTimer: NodeJS.Timeout | undefined;
  private readonly onChange = () => this.schedule();

  constructor(private readonly store: RunStore) {
    this.item.name = 'DCGAN Training';
    this.item.command = MONITOR_FOCUS;
    store.on('change', this.onChange);
  }

  /** at most four updates a second (progress arrives up to ten times a second) */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.render(); }, 250);
  }

  private render(): void {
    const run = this.store.snapshot();
    if (!run) { this.item.hide(); return; }
    const v = statusView(run);
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.accessibilityInformation = { label: v.text.replace(/\$\([\w~-]+\)\s*/g, '') };
    this.item.backgroundColor = v.tone ? new vscode.ThemeColor(`statusBarItem.${v.tone}Background`) : undefined;
    this.item.show();
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    if (!this.store.live) this.hideTimer = setTimeout(() => this.item.hide(), FINAL_STATE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.hideTimer);
    this.store.off('change', this.onChange);
    this.item.dispose();
  }
}
