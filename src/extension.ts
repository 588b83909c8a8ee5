/** DCGAN Lab's entry point: builds the services and registers one feature at a time; nothing else. */
import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { registerCodeLens, registerDiagnostics, registerHover, registerInlayHints, registerQuickFixes } from './vscode/providers';
import { registerDiagram } from './vscode/diagram/panel';
import { registerMonitor } from './vscode/monitor/view';
import { ShapeService } from './vscode/shapeService';
import { registerTraining } from './vscode/training/commands';
import { RunStore } from './vscode/training/runState';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const shapes = new ShapeService();
  const output = vscode.window.createOutputChannel('DCGAN Lab');
  // a log channel: VS Code writes it to the profile's logs, where the e2e benchmark reads the activation time
  const log = vscode.window.createOutputChannel('DCGAN Lab Log', { log: true });
  const readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
  // the live run's state lives here, in the host; the monitor view renders it (DESIGN: a webview is a view)
  const runs = new RunStore();
  context.subscriptions.push(
    shapes,
    output,
    log,
    registerHover(shapes),
    registerInlayHints(shapes),
    registerDiagnostics(shapes, readme),
    registerCodeLens(shapes),
    registerQuickFixes(shapes),
    registerCommands(shapes, output),
    registerTraining(context, shapes, output, runs),
    registerMonitor(context, runs, log),
    registerDiagram(context, shapes),
  );
  // read by the e2e benchmark; tree-sitter's wasm is not loaded yet at this point (first analysis loads it)
  const ms = (performance.now() - started).toFixed(1);
  output.appendLine(`DCGAN Lab activated in ${ms} ms`);
  log.info(`activated in ${ms} ms`);
}

export function deactivate(): void {}
