/**
 * Proves the e2e harness in a real VS Code (code-server) against a tiny throwaway extension generated here:
 * a hover provider, inlay hints, code lenses, a diagnostic with a quick fix, and two commands. Each helper of
 * harness.ts is used once and checked against what that extension provides. Screenshots: test-results/e2e/smoke-*.png
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  clickCodeLens, codeLenses, e2eSkip, editorText, hoverText, inlayHints, notifications, openFile, problemRows, problems,
  quickFix, runCommand, startVSCode, waitFor, type VSCode,
} from './harness';

const EXTENSION_JS = String.raw`
const vscode = require('vscode');
exports.activate = (ctx) => {
  const sub = (d) => ctx.subscriptions.push(d);
  sub(vscode.languages.registerHoverProvider('python', { provideHover(doc, pos) {
    const r = doc.getWordRangeAtPosition(pos);
    if (!r) return undefined;
    return new vscode.Hover(new vscode.MarkdownString('**smoke hover** for ' + '\u0060' + doc.getText(r) + '\u0060'), r);
  } }));
  sub(vscode.commands.registerCommand('smoke.hello', () => vscode.window.showInformationMessage('Hello from the smoke extension')));
  sub(vscode.commands.registerCommand('smoke.lens', (name) => vscode.window.showInformationMessage('Lens clicked for ' + name)));
  sub(vscode.languages.registerInlayHintsProvider('python', { provideInlayHints(doc) {
    const out = [];
    for (let i = 0; i < doc.lineCount; i++) {
      const t = doc.lineAt(i).text;
      if (t.includes('return')) out.push(new vscode.InlayHint(new vscode.Position(i, t.length), '→ [1, 3, 64, 64]'));
    }
    return out;
  } }));
  sub(vscode.languages.registerCodeLensProvider('python', { provideCodeLenses(doc) {
    const out = [];
    for (let i = 0; i < doc.lineCount; i++) {
      const m = /^class (\w+)/.exec(doc.lineAt(i).text);
      if (!m) continue;
      const at = new vscode.Range(i, 0, i, 0);
      out.push(new vscode.CodeLens(at, { title: 'Smoke lens ' + m[1], command: 'smoke.lens', arguments: [m[1]] }));
      out.push(new vscode.CodeLens(at, { title: 'Second lens', command: 'smoke.hello' }));
    }
    return out;
  } }));
  const diagnostics = vscode.languages.createDiagnosticCollection('smoke');
  sub(diagnostics);
  const lint = (doc) => {
    if (doc.languageId !== 'python') return;
    const found = [];
    for (let i = 0; i < doc.lineCount; i++) {
      const c = doc.lineAt(i).text.indexOf('TODO_BAD');
      if (c < 0) continue;
      const d = new vscode.Diagnostic(new vscode.Range(i, c, i, c + 8), 'TODO_BAD does not fit here', vscode.DiagnosticSeverity.Error);
      d.source = 'smoke';
      found.push(d);
    }
    diagnostics.set(doc.uri, found);
  };
  vscode.workspace.textDocuments.forEach(lint);
  sub(vscode.workspace.onDidOpenTextDocument(lint));
  sub(vscode.workspace.onDidChangeTextDocument((e) => lint(e.document)));
  sub(vscode.languages.registerCodeActionsProvider('python', { provideCodeActions(doc, range, context) {
    return context.diagnostics.filter((d) => d.source === 'smoke').map((d) => {
      const a = new vscode.CodeAction('Replace TODO_BAD with fine', vscode.CodeActionKind.QuickFix);
      a.edit = new vscode.WorkspaceEdit();
      a.edit.replace(doc.uri, d.range, 'fine');
      a.diagnostics = [d];
      return a;
    });
  } }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
};
exports.deactivate = () => {};
`;

const MODEL_PY = `import torch


class Net(torch.nn.Module):
    def forward(self, x):
        y = TODO_BAD
        return x
`;

/** A throwaway unpacked extension (package.json + dist/ + media/) and a workspace with one .py file. */
function makeFixture(): { root: string; extensionDir: string; workspace: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'dcgan-lab-smoke-'));
  const extensionDir = path.join(root, 'extension');
  const workspace = path.join(root, 'workspace');
  for (const d of [path.join(extensionDir, 'dist'), path.join(extensionDir, 'media'), workspace]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(extensionDir, 'package.json'), JSON.stringify({
    name: 'e2e-smoke', publisher: 'dcgan-lab-test', displayName: 'DCGAN Lab e2e smoke', version: '0.0.1',
    engines: { vscode: '^1.90.0' }, main: './dist/extension.js', activationEvents: ['onLanguage:python'],
    contributes: { commands: [{ command: 'smoke.hello', title: 'Say Hello', category: 'Smoke' }] },
  }, null, 2));
  writeFileSync(path.join(extensionDir, 'dist/extension.js'), EXTENSION_JS);
  writeFileSync(path.join(workspace, 'model.py'), MODEL_PY);
  return { root, extensionDir, workspace };
}

const skip = e2eSkip();

describe('e2e harness smoke (code-server + Chromium)', { timeout: 300_000 }, () => {
  let fixture: ReturnType<typeof makeFixture>;
  let vs: VSCode;

  before(async () => {
    if (skip) return;
    fixture = makeFixture();
    vs = await startVSCode({ workspace: fixture.workspace, extensionDir: fixture.extensionDir });
    await vs.step('smoke-open', () => openFile(vs.page, 'model.py'));
  });

  after(async () => {
    await vs?.close();
    if (fixture) rmSync(fixture.root, { recursive: true, force: true });
  });

  it('hovers a word and reads the provider\'s hover', { skip }, () => vs.step('smoke-hover', async () => {
    const text = await waitFor(async () => {
      const t = await hoverText(vs.page, 'forward');
      return t.includes('smoke hover') ? t : '';
    }, 30_000, 'smoke hover over forward');
    assert.match(text, /smoke hover for forward/);
    await vs.screenshot('smoke-hover');
  }));

  it('shows inlay hints and code lenses', { skip }, () => vs.step('smoke-inlay-codelens', async () => {
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    assert.deepEqual(await waitFor(() => inlayHints(vs.page).then((h) => (h.length ? h : null)), 20_000, 'inlay hints'),
      ['→ [1, 3, 64, 64]']);
    assert.deepEqual(await waitFor(() => codeLenses(vs.page).then((l) => (l.length === 2 ? l : null)), 20_000, 'code lenses'),
      ['Smoke lens Net', 'Second lens']);
    await vs.screenshot('smoke-inlay-codelens');
  }));

  it('lists the diagnostic in the Problems panel', { skip }, () => vs.step('smoke-problems', async () => {
    const rows = await waitFor(async () => {
      const r = await problems(vs.page);
      return r.some((x) => x.includes('TODO_BAD does not fit here')) ? r : null;
    }, 20_000, 'problem row');
    assert.ok(rows.some((r) => /model\.py/.test(r)), `a file row for model.py in ${JSON.stringify(rows)}`);
    assert.ok(rows.includes('Error: TODO_BAD does not fit here smoke [Ln 6, Col 13]'), JSON.stringify(rows));
    const row = (await problemRows(vs.page)).find((r) => r.severity !== null)!;
    assert.deepEqual([row.severity, row.message, row.source, row.line, row.column], ['Error', 'TODO_BAD does not fit here', 'smoke', 6, 13]);
    await vs.screenshot('smoke-problems');
  }));

  it('applies the quick fix, and the problem goes away', { skip }, () => vs.step('smoke-quickfix', async () => {
    const offered = await quickFix(vs.page, 6, 'Replace TODO_BAD with fine');
    assert.ok(offered.includes('Replace TODO_BAD with fine'), JSON.stringify(offered));
    await waitFor(async () => (await editorText(vs.page)).includes('y = fine'), 10_000, 'edited text');
    await waitFor(async () => !(await problems(vs.page)).some((r) => r.includes('TODO_BAD')), 10_000, 'problem gone');
    await vs.screenshot('smoke-quickfix');
  }));

  it('clicks a code lens, which runs its command', { skip }, () => vs.step('smoke-codelens', async () => {
    await clickCodeLens(vs.page, 'Smoke lens Net');
    await waitFor(async () => (await notifications(vs.page)).some((n) => n.includes('Lens clicked for Net')), 10_000, 'lens notification');
    await vs.screenshot('smoke-codelens');
  }));

  it('runs a command from the palette and sees its notification', { skip }, () => vs.step('smoke-command', async () => {
    await runCommand(vs.page, 'Smoke: Say Hello');
    const shown = await waitFor(async () => {
      const n = await notifications(vs.page);
      return n.some((x) => x.includes('Hello from the smoke extension')) ? n : null;
    }, 10_000, 'notification');
    assert.ok(shown.length >= 1);
    await vs.screenshot('smoke-command');
  }));

  it('screenshots land in test-results/e2e', { skip }, async () => {
    const file = await vs.screenshot('smoke-final');
    assert.equal(readFileSync(file).subarray(1, 4).toString(), 'PNG');
  });
});
