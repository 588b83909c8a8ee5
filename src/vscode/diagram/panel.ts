/** The shape diagram (webview panel, "DCGAN: Show Shape Diagram" and the code lens). */
import * as vscode from 'vscode';
import type { ShapeService } from '../shapeService';

export function registerDiagram(_context: vscode.ExtensionContext, _shapes: ShapeService): vscode.Disposable {
  return vscode.Disposable.from();
}
