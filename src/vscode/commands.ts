/** Commands: "DCGAN: Check Shapes at Input Size…" and "DCGAN: Sweep Input Sizes" (also behind the code lens). */
import * as vscode from 'vscode';
import { resultFromTrace } from '../core/check';
import { isImage } from '../core/documentShapes';
import { tensor } from '../core/python/values';
import { sweepSizes } from '../core/sweep';
import { renderResult } from '../core/report';
import { isPython, type ShapeService } from './shapeService';

function activePython(): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && isPython(doc) ? doc : undefined;
}

export function registerCommands(service: ShapeService, output: vscode.OutputChannel): vscode.Disposable {
  const checkAtSize = vscode.commands.registerCommand('dcganLab.checkAtSize', async (sizeArg?: number) => {
    const doc = activePython();
    if (!doc) { void vscode.window.showWarningMessage('DCGAN Lab: open a Python model file first.'); return; }
    const text = sizeArg === undefined ? await vscode.window.showInputBox({
      title: 'Check shapes at input size', prompt: 'Square image size in pixels (e.g. 128)', value: '128',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 4096 ? null : 'a whole number from 1 to 4096'),
    }) : String(sizeArg);
    if (text === undefined) return;
    const size = Number(text);
    const state = await service.get(doc);
    if (!state) return;
    output.appendLine('');
    output.appendLine(`Shapes of ${vscode.workspace.asRelativePath(doc.uri)} at ${size}×${size}\n`);
    let errors = 0;
    const done = new Set<string>();
    for (const { run, trace, model } of state.shapes.runs) {
      // each image model once, on its traced input with the image size changed
      if (done.has(run.model) || !trace.inputs.every((s) => s !== null) || !isImage(trace.inputs[0])) continue;
      done.add(run.model);
      const inputs = trace.inputs.map((s) => tensor(isImage(s) ? [s![0], s![1], size, size] : s!));
      const r = resultFromTrace(run.model, state.analysis.trace(model, inputs), `${size}×${size}`, 'the file', state.analysis.paramCount(model));
      if (r.error) errors++;
      output.append(renderResult(vscode.workspace.asRelativePath(doc.uri), r));
    }
    output.show(true);
    void vscode.window.showInformationMessage(errors ? `DCGAN Lab: ${errors} model(s) fail at ${size}×${size} — see the DCGAN Lab output.` : `DCGAN Lab: every image model fits at ${size}×${size}.`);
  });

  const sweep = vscode.commands.registerCommand('dcganLab.sweep', async (uri?: vscode.Uri, model?: string) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : activePython();
    if (!doc) { void vscode.window.showWarningMessage('DCGAN Lab: open a Python model file first.'); return; }
    const state = await service.get(doc);
    if (!state) return;
    const models = model ? [model] : state.shapes.lenses.map((l) => l.model);
    output.appendLine('');
    for (const m of models) {
      const run = state.shapes.runs.find((r) => r.run.model === m && isImage(r.trace.inputs[0]));
      const base = run?.trace.inputs[0];
      if (!run || !base) { output.appendLine(`${m}: no image input to sweep`); continue; }
      const s = sweepSizes(state.analysis, run.model, base);
      output.appendLine(`${m}, input ${base[1]} channels, sizes 8–1024:\n  ${s.summary}\n`);
      if (model) void vscode.window.showInformationMessage(`${m}: ${s.summary.length > 300 ? `${s.summary.slice(0, 297)}…` : s.summary}`);
    }
    output.show(true);
  });
  return vscode.Disposable.from(checkAtSize, sweep);
}
