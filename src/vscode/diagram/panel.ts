/**
 * The shape diagram: a webview panel per document, opened by "DCGAN: Show Shape Diagram" and by the "Show diagram"
 * code lens. The host owns its state (the chosen size and view) and re-sends the diagram after each re-analysis
 * of the document (debounced), on a theme change, and when the webview (re)loads. Clicking a layer reveals its
 * construction in the editor.
 */
import { webviewPage } from '../webviewPage';
import path from 'node:path';
import * as vscode from 'vscode';
import { buildDiagram, viewFor } from '../../core/diagram';
import { parseDiagramRequest, type DiagramData, type DiagramToHost, type HostToDiagram, type Range0 } from '../../protocol/diagram';
import { ProtocolError } from '../../protocol/validate';
import { isPython, type ShapeService } from '../shapeService';

/** coalesces a burst of re-analyses (typing) into one redraw */
const REDRAW_MS = 150;

class DiagramPanel implements vscode.Disposable {
  private size: number | undefined;
  private view: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** the webview's script said 'ready' (it posts that again after each reload) */
  private ready = false;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly uri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly shapes: ShapeService,
    extensionUri: vscode.Uri,
    private readonly onDispose: () => void,
  ) {
    panel.webview.html = html(panel.webview, extensionUri);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      shapes.onDidUpdate((u) => { if (u.toString() === uri.toString()) this.schedule(); }),
      vscode.window.onDidChangeActiveColorTheme(() => this.schedule(0)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Show CLASSNAME's view (from the code lens), or keep the current one. */
  async focus(className: string | undefined): Promise<void> {
    if (className) {
      const state = await this.state();
      if (state) this.view = viewFor(state.analysis, state.shapes, className);
    }
    this.panel.reveal(undefined, true);
    await this.post();
  }

  private async state() {
    const doc = await vscode.workspace.openTextDocument(this.uri);
    return this.shapes.get(doc);
  }

  private schedule(delay = REDRAW_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { void this.post(); }, delay);
  }

  private async post(): Promise<void> {
    // a hidden panel's webview is gone; it says 'ready' again when shown
    if (!this.ready || this.disposed || !this.panel.visible) return;
    const file = path.basename(this.uri.fsPath || this.uri.path);
    if (!this.shapes.peek(this.uri)) this.send({ type: 'loading', file });
    const state = await this.state();
    if (!state) return;
    let data: DiagramData;
    try {
      data = buildDiagram(state.analysis, state.shapes, state.settings, { size: this.size, view: this.view }, file);
    } catch (e) {
      // a bug of ours must not leave a blank panel: say so where the diagram would be
      console.error(e);
      data = { file, view: '', views: [], size: null, sizes: [], nets: [], join: null, empty: `the diagram could not be built (${e instanceof Error ? e.message : String(e)}); the hovers and diagnostics still work.` };
    }
    // what the user chose stays chosen across edits; the defaults were filled in by buildDiagram
    this.view = data.view || this.view;
    this.size = data.size ?? this.size;
    this.send({ type: 'diagram', data });
  }

  private send(m: HostToDiagram): void {
    void this.panel.webview.postMessage(m);
  }

  private receive(raw: unknown): void {
    let m: DiagramToHost;
    try {
      m = parseDiagramRequest(raw);
    } catch (e) {
      if (e instanceof ProtocolError) { console.warn(`DCGAN Lab diagram: ${e.message}`); return; }
      throw e;
    }
    const handlers: { [K in DiagramToHost['type']]: (m: Extract<DiagramToHost, { type: K }>) => void | Promise<void> } = {
      ready: () => { this.ready = true; return this.post(); },
      selectSize: (r) => { this.size = r.size; return this.post(); },
      selectView: (r) => { this.view = r.view; return this.post(); },
      reveal: (r) => this.reveal(r.range),
    };
    void (handlers[m.type] as (m: DiagramToHost) => void | Promise<void>)(m);
  }

  /** Select RANGE in the editor showing the document (the column beside the diagram), or open it there. */
  private async reveal(r: Range0): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(this.uri);
    if (r.start.row >= doc.lineCount) return;
    const range = doc.validateRange(new vscode.Range(r.start.row, r.start.column, r.end.row, r.end.column));
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.uri.toString());
    const column = shown?.viewColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
    // the construction selected, with the cursor at its start (where the user reads the line from)
    const selection = new vscode.Selection(range.end, range.start);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false });
    editor.selection = selection;
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    this.subscriptions.forEach((d) => d.dispose());
    this.subscriptions.length = 0;
    this.onDispose();
    this.panel.dispose();
  }
}

const html = (webview: vscode.Webview, extensionUri: vscode.Uri): string => webviewPage(webview, extensionUri, {
  name: 'diagram', title: 'Shape diagram', body: () => '<main id="root"><p class="note">Loading the diagram…</p></main>',
});

export function registerDiagram(context: vscode.ExtensionContext, shapes: ShapeService): vscode.Disposable {
  const panels = new Map<string, DiagramPanel>();
  const show = vscode.commands.registerCommand('dcganLab.showDiagram', async (uri?: vscode.Uri, className?: string) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || !isPython(doc)) {
      void vscode.window.showWarningMessage('DCGAN Lab: open a Python model file, then run "DCGAN: Show Shape Diagram".');
      return;
    }
    const key = doc.uri.toString();
    let p = panels.get(key);
    if (!p) {
      const panel = vscode.window.createWebviewPanel('dcganLab.diagram', `Shapes: ${path.basename(doc.fileName)}`,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
          enableScripts: true,
          localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
        });
      p = new DiagramPanel(doc.uri, panel, shapes, context.extensionUri, () => panels.delete(key));
      panels.set(key, p);
    }
    await p.focus(className);
  });
  return vscode.Disposable.from(show, { dispose: () => { for (const p of [...panels.values()]) p.dispose(); } });
}
