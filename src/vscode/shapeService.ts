/**
 * Keeps one analysis per open Python document, re-analysed as the user types (debounced), with the document's
 * statement cache so unchanged statements are not copied again. Tree-sitter's wasm is loaded on the first
 * analysis, not at activation.
 */
import * as vscode from 'vscode';
import { FileAnalysis } from '../core/analysis';
import { documentShapes, type DocumentShapes, type ShapeSettings } from '../core/documentShapes';
import { siblingModules } from '../core/imports';
import { StatementCache } from '../core/python/syntax';

export interface DocumentState {
  version: number;
  analysis: FileAnalysis;
  shapes: DocumentShapes;
  settings: ShapeSettings;
}

export const DEBOUNCE_MS = 250;

export function readSettings(): ShapeSettings {
  const c = vscode.workspace.getConfiguration('dcganLab');
  const sizes = c.get<number[]>('inputSizes', [64]).filter((n) => Number.isInteger(n) && n > 0 && n <= 4096);
  return {
    inputSizes: sizes.length ? sizes : [64],
    lensSizes: c.get<number[]>('lensSizes'),
    resizeInfo: c.get<boolean>('diagnostics.resizeInfo', true),
  };
}

export class ShapeService implements vscode.Disposable {
  private readonly states = new Map<string, DocumentState>();
  private readonly caches = new Map<string, StatementCache>();
  private readonly pending = new Map<string, { timer?: NodeJS.Timeout; done: Promise<DocumentState | null>; resolve: (s: DocumentState | null) => void }>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  /** fires after a document's analysis changed */
  readonly onDidUpdate = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private settings = readSettings();

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => { if (isPython(e.document)) this.schedule(e.document); }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('dcganLab')) return;
        this.settings = readSettings();
        for (const d of vscode.workspace.textDocuments) if (isPython(d)) this.schedule(d, 0);
      }),
    );
  }

  /** The analysis of the document's current version (waits for a pending one). */
  async get(doc: vscode.TextDocument): Promise<DocumentState | null> {
    if (!isPython(doc)) return null;
    const s = this.states.get(doc.uri.toString());
    if (s && s.version === doc.version) return s;
    const p = this.pending.get(doc.uri.toString());
    if (p) return p.done;
    return this.analyse(doc);
  }

  /** The last analysis, current or not (for providers that must answer at once). */
  peek(uri: vscode.Uri): DocumentState | undefined {
    return this.states.get(uri.toString());
  }

  schedule(doc: vscode.TextDocument, delay = DEBOUNCE_MS): void {
    const key = doc.uri.toString();
    let p = this.pending.get(key);
    if (p) {
      clearTimeout(p.timer);
    } else {
      let resolve!: (s: DocumentState | null) => void;
      const done = new Promise<DocumentState | null>((r) => { resolve = r; });
      p = { done, resolve };
      this.pending.set(key, p);
    }
    const entry = p;
    entry.timer = setTimeout(() => {
      this.pending.delete(key);
      this.analyse(doc).then(entry.resolve, () => entry.resolve(null));
    }, delay);
  }

  private async analyse(doc: vscode.TextDocument): Promise<DocumentState | null> {
    const key = doc.uri.toString();
    const parser = await FileAnalysis.loadParser();
    const version = doc.version;
    const text = doc.getText();
    let cache = this.caches.get(key);
    if (!cache) { cache = new StatementCache(); this.caches.set(key, cache); }
    const analysis = FileAnalysis.createSync(parser, text, {
      cache,
      resolveModule: doc.uri.scheme === 'file' ? siblingModules(doc.uri.fsPath) : undefined,
    });
    const shapes = documentShapes(analysis, this.settings);
    const state: DocumentState = { version, analysis, shapes, settings: this.settings };
    const cur = this.states.get(key);
    if (!cur || cur.version <= version) {
      this.states.set(key, state);
      this.emitter.fire(doc.uri);
    }
    return state;
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.states.delete(key);
    this.caches.delete(key);
    const p = this.pending.get(key);
    if (p) { clearTimeout(p.timer); p.resolve(null); this.pending.delete(key); }
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.subscriptions.forEach((d) => d.dispose());
    this.emitter.dispose();
  }
}

export function isPython(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'python' || doc.fileName.endsWith('.py');
}
