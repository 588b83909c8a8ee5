/** The sidebar training monitor (webview view `dcganLab.monitor`). */
import * as vscode from 'vscode';
import type { RunStore } from '../training/runState';

export function registerMonitor(_context: vscode.ExtensionContext, _store: RunStore): vscode.Disposable {
  return vscode.Disposable.from();
}
