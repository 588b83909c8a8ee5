/** Commands: "DCGAN: Check Shapes at Input Size…" and "DCGAN: Sweep Input Sizes" (also behind the code lens). */
import * as vscode from 'vscode';
import { checkModel } from '../core/check';
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
    for (const run of state.shapes.runs.filter((r) => r.run.size !== null)) {
      if (state.shapes.runs.indexOf(run) !== state.shapes.runs.findIndex((x) => x.run.model === run.run.model)) continue;
      const shape = run.trace.inputs[0];
      if (!shape || shape.length !== 4) continue;
      const inputs = run.trace.inputs.map((s) => (s && s.length === 4 ? `torch.randn(${[s[0], s[1], size, size].join(', ')})` : `torch.randn(${(s ?? []).join(', ')})`));
      const r = checkModel(state.analysis, { model: run.run.model, inputs });
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
      const run = state.shapes.runs.find((r) => r.run.model === m && r.trace.inputs[0]?.length === 4);
      const base = run?.trace.inputs[0];
      if (!run || !base) { output.appendLine(`${m}: no image input to sweep`); continue; }
      const { model: instance } = state.analysis.instantiate(m);
      const s = sweepSizes(state.analysis, instance, base);
      output.appendLine(`${m}, input ${base[1]} channels, sizes 8–1024:\n  ${s.summary}\n`);
      if (model) void vscode.window.showInformationMessage(`${m}: ${s.summary.length > 300 ? `${s.summary.slice(0, 297)}…` : s.summary}`);
    }
    output.show(true);
  });
  return vscode.Disposable.from(checkAtSize, sweep);
}
