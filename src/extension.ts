/** DCGAN Lab's entry point: builds the services and registers one feature at a time; nothing else. */
import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { registerCodeLens, registerDiagnostics, registerHover, registerInlayHints, registerQuickFixes } from './vscode/providers';
import { ShapeService } from './vscode/shapeService';

export function activate(context: vscode.ExtensionContext): void {
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
}

export function deactivate(): void {}
