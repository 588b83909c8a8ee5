/**
 * The editor features, each a register function returning a Disposable: hover, inlay hints, diagnostics,
 * code lens and quick fixes. They convert core's plain data (0-based ranges) to VS Code's types and nothing more.
 */
import * as vscode from 'vscode';
import type { DiagnosticView, Range0 } from '../core/documentShapes';
import { diagramLensTargets } from '../core/diagram';
import { fixesFor } from '../core/fixes';
import { diagnosticAnchor, hoverMarkdown, inlayHints, itemAt, lensTitle, lensTooltip } from '../core/presentation';
import type { ShapeService } from './shapeService';

const PYTHON: vscode.DocumentSelector = [{ language: 'python' }];

export const toRange = (r: Range0) => new vscode.Range(r.start.row, r.start.column, r.end.row, r.end.column);

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
} as const;

export function registerHover(service: ShapeService): vscode.Disposable {
  return vscode.languages.registerHoverProvider(PYTHON, {
    async provideHover(doc, pos) {
      const state = await service.get(doc);
      if (!state) return undefined;
      const item = itemAt(state.shapes, { row: pos.line, column: pos.character });
      if (!item) return undefined;
      const md = new vscode.MarkdownString(hoverMarkdown(item));
      return new vscode.Hover(md, toRange(item.view.range));
    },
  });
}

export function registerInlayHints(service: ShapeService): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.InlayHintsProvider = {
    onDidChangeInlayHints: changed.event,
    async provideInlayHints(doc, range) {
      if (!vscode.workspace.getConfiguration('dcganLab').get<boolean>('inlayHints.enabled', true)) return [];
      const state = await service.get(doc);
      if (!state) return [];
      return inlayHints(state.shapes, (row) => doc.lineAt(row).text.length)
        .filter((h) => h.position.row >= range.start.line && h.position.row <= range.end.line)
        .map((h) => {
          const hint = new vscode.InlayHint(new vscode.Position(h.position.row, h.position.column), h.label, vscode.InlayHintKind.Type);
          hint.tooltip = h.tooltip;
          hint.paddingLeft = true;
          return hint;
        });
    },
  };
  return vscode.Disposable.from(
    vscode.languages.registerInlayHintsProvider(PYTHON, provider),
    service.onDidUpdate(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('dcganLab.inlayHints')) changed.fire(); }),
    changed,
  );
}

/** Diagnostics keep their core view, so quick fixes know which model, size and layer they are about. */
const views = new WeakMap<vscode.Diagnostic, DiagnosticView>();

export function registerDiagnostics(service: ShapeService, readme: vscode.Uri): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('dcganLab');
  const publish = (uri: vscode.Uri) => {
    const state = service.peek(uri);
    if (!state) { collection.delete(uri); return; }
    collection.set(uri, state.shapes.diagnostics.map((d) => {
      const diag = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
      diag.source = 'DCGAN Lab';
      diag.code = { value: d.code, target: readme.with({ fragment: diagnosticAnchor(d).slice(1) }) };
      views.set(diag, d);
      return diag;
    }));
  };
  const analyseOpen = (doc: vscode.TextDocument) => { if (doc.languageId === 'python') void service.get(doc).then(() => publish(doc.uri)); };
  vscode.workspace.textDocuments.forEach(analyseOpen);
  return vscode.Disposable.from(
    collection,
    service.onDidUpdate(publish),
    vscode.workspace.onDidOpenTextDocument(analyseOpen),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
  );
}

export function registerCodeLens(service: ShapeService): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider(PYTHON, {
      onDidChangeCodeLenses: changed.event,
      async provideCodeLenses(doc) {
        const state = await service.get(doc);
        if (!state) return [];
        const sweep = state.shapes.lenses.flatMap((l) => {
          const at = toRange({ start: l.range.start, end: l.range.start });
          return [
            new vscode.CodeLens(at, { title: lensTitle(l), tooltip: lensTooltip(l), command: 'dcganLab.sweep', arguments: [doc.uri, l.model] }),
            new vscode.CodeLens(at, { title: 'Sweep sizes…', tooltip: 'Try every input size from 8 to 1024', command: 'dcganLab.sweep', arguments: [doc.uri, l.model] }),
          ];
        });
        // after the sweep lenses, so each class reads "64 ✓ · 96 ✗ | Sweep sizes… | Show diagram"
        const diagram = diagramLensTargets(state.analysis, state.shapes).map((t) => new vscode.CodeLens(toRange(t.range), {
          title: 'Show diagram', tooltip: `Draw ${t.model} layer by layer (with its generator or discriminator)`,
          command: 'dcganLab.showDiagram', arguments: [doc.uri, t.model],
        }));
        return [...sweep, ...diagram];
      },
    }),
    service.onDidUpdate(() => changed.fire()),
    changed,
  );
}

export function registerQuickFixes(service: ShapeService): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider(PYTHON, {
    async provideCodeActions(doc, _range, context) {
      const state = await service.get(doc);
      if (!state) return [];
      const actions: vscode.CodeAction[] = [];
      for (const diag of context.diagnostics) {
        if (diag.source !== 'DCGAN Lab') continue;
        const code = typeof diag.code === 'object' ? diag.code.value : diag.code;
        const view = views.get(diag) ?? state.shapes.diagnostics.find((d) => d.code === code && d.message === diag.message
          && d.range.start.row === diag.range.start.line && d.range.start.column === diag.range.start.character);
        if (!view) continue;
        for (const fix of fixesFor(state.analysis, view, state.settings)) {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [diag];
          action.isPreferred = fix.preferred;
          action.edit = new vscode.WorkspaceEdit();
          for (const e of fix.edits) action.edit.replace(doc.uri, toRange(e.range), e.newText);
          actions.push(action);
        }
      }
      return actions;
    },
  }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] });
}

