/** DCGAN Lab's entry point: builds the services and registers one feature at a time; nothing else. */
import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { registerCodeLens, registerDiagnostics, registerHover, registerInlayHints, registerQuickFixes } from './vscode/providers';
import { ShapeService } from './vscode/shapeService';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const shapes = new ShapeService();
  const output = vscode.window.createOutputChannel('DCGAN Lab');
  const readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
  context.subscriptions.push(
    shapes,
    output,
    registerHover(shapes),
    registerInlayHints(shapes),
    registerDiagnostics(shapes, readme),
    registerCodeLens(shapes),
    registerQuickFixes(shapes),
    registerCommands(shapes, output),
  );
  // read by the e2e benchmark; tree-sitter's wasm is not loaded yet at this point (first analysis loads it)
  output.appendLine(`DCGAN Lab activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
