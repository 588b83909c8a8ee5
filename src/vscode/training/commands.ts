/** "Train DCGAN" and the run commands (Stop, Pause/Resume, Open Run Folder, Install GPU Engine), status bar. */
import * as vscode from 'vscode';
import type { ShapeService } from '../shapeService';
import type { RunStore } from './runState';

export function registerTraining(_context: vscode.ExtensionContext, _shapes: ShapeService, _output: vscode.OutputChannel, _store: RunStore): vscode.Disposable {
  return vscode.Disposable.from();
}
