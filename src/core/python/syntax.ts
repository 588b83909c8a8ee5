/**
 * A plain-object copy of tree-sitter's syntax tree.
 *
 * The interpreter walks the tree many times (every forward() call of a size sweep); reading tree-sitter's wasm
 * nodes allocates an object per field access and every cursor step crosses into wasm, which profiling showed to
 * dominate analysis. So each top-level statement is copied once into plain objects, and a copy is reused by the
 * next parse when the statement's text is unchanged (an edit elsewhere, or the statement moved down some lines):
 * positions inside a copy are relative to its statement, which is placed by a mutable `Segment`.
 * The API is the subset of web-tree-sitter's `Node` that the interpreter uses; columns are UTF-16 offsets.
 */
import type * as TS from '@vscode/tree-sitter-wasm';

export interface Point { row: number; column: number }

/** Where a copied statement currently sits in its file. */
interface Segment { text: string; baseRow: number; baseIndex: number; file: string }

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  readonly namedChildren: SyntaxNode[] = [];
  private fields: Map<string, SyntaxNode[]> | null = null;
  parent: SyntaxNode | null = null;

  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    private readonly seg: Segment,
    private readonly relStart: number,
    private readonly relEnd: number,
    private readonly relStartPos: Point,
    private readonly relEndPos: Point,
    readonly isMissing: boolean,
  ) {}

  /** the file this node came from: '' for the analysed file, else the imported file's path */
  get file(): string {
    return this.seg.file;
  }

  get text(): string {
    return this.seg.text.slice(this.relStart, this.relEnd);
  }

  get startIndex(): number { return this.seg.baseIndex + this.relStart; }
  get endIndex(): number { return this.seg.baseIndex + this.relEnd; }
  get startPosition(): Point { return { row: this.seg.baseRow + this.relStartPos.row, column: this.relStartPos.column }; }
  get endPosition(): Point { return { row: this.seg.baseRow + this.relEndPos.row, column: this.relEndPos.column }; }

  childForFieldName(name: string): SyntaxNode | null {
    return this.fields?.get(name)?.[0] ?? null;
  }

  childrenForFieldName(name: string): SyntaxNode[] {
    return this.fields?.get(name) ?? [];
  }

  descendantsOfType(type: string): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    const visit = (n: SyntaxNode): void => {
      for (const c of n.children) {
        if (c.type === type) out.push(c);
        visit(c);
      }
    };
    visit(this);
    return out;
  }

  /** @internal */
  addChild(child: SyntaxNode, field: string | null): void {
    child.parent = this;
    this.children.push(child);
    if (child.isNamed) this.namedChildren.push(child);
    if (field) {
      this.fields ??= new Map();
      const list = this.fields.get(field);
      if (list) list.push(child); else this.fields.set(field, [child]);
    }
  }
}

interface LanguageTables { types: string[]; named: boolean[]; fields: (string | null)[] }
const tables = new WeakMap<TS.Language, LanguageTables>();

function languageTables(lang: TS.Language): LanguageTables {
  let t = tables.get(lang);
  if (!t) {
    const types: string[] = [];
    const named: boolean[] = [];
    for (let i = 0; i < lang.nodeTypeCount; i++) {
      types.push(lang.nodeTypeForId(i) ?? '');
      named.push(lang.nodeTypeIsNamed(i));
    }
    const fields: (string | null)[] = [null];
    for (let i = 1; i <= lang.fieldCount; i++) fields.push(lang.fieldNameForId(i));
    t = { types, named, fields };
    tables.set(lang, t);
  }
  return t;
}

/** Copies of top-level statements from earlier parses, by text; owned by the latest parse that used them. */
export class StatementCache {
  private entries = new Map<string, { node: SyntaxNode; seg: Segment }>();

  /** @internal */
  take(text: string): { node: SyntaxNode; seg: Segment } | undefined {
    return this.entries.get(text);
  }

  /** @internal */
  replace(next: Map<string, { node: SyntaxNode; seg: Segment }>): void {
    this.entries = next;
  }
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(starts: number[], index: number): Point {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid; else hi = mid - 1;
  }
  return { row: lo, column: index - starts[lo] };
}

/**
 * Copy the subtree under `cursor` (positioned on it). Each cursor read crosses into wasm, so only four are read
 * per node (type id, field id, start and end index); names and positions come from tables on this side.
 */
function copySubtree(cursor: TS.TreeCursor, t: LanguageTables, seg: Segment, withMissing: boolean): SyntaxNode {
  const starts = lineStartsOf(seg.text);
  const make = (): SyntaxNode => {
    const id = cursor.nodeTypeId;
    const start = cursor.startIndex - seg.baseIndex;
    const end = cursor.endIndex - seg.baseIndex;
    return new SyntaxNode(t.types[id] ?? cursor.nodeType, t.named[id] ?? cursor.nodeIsNamed, seg, start, end,
      position(starts, start), position(starts, end), withMissing && cursor.nodeIsMissing);
  };
  const root = make();
  const stack: SyntaxNode[] = [root];
  // iterative depth-first walk: deep expressions must not overflow the JS stack
  if (cursor.gotoFirstChild()) {
    for (;;) {
      const node = make();
      if (node.type !== 'comment') stack[stack.length - 1].addChild(node, t.fields[cursor.currentFieldId] ?? null);
      if (cursor.gotoFirstChild()) { stack.push(node); continue; }
      let done = false;
      while (!cursor.gotoNextSibling()) {
        cursor.gotoParent();
        stack.pop();
        if (stack.length === 0) { done = true; break; }
      }
      if (done) break;
    }
  }
  return root;
}

/** Copy a tree-sitter tree (comments dropped: they are never evaluated), reusing unchanged statements from `cache`. */
export function copyTree(tree: TS.Tree, source: string, cache?: StatementCache, file = ''): SyntaxNode {
  const t = languageTables(tree.language);
  const withMissing = tree.rootNode.hasError;
  const fileSeg: Segment = { text: source, baseRow: 0, baseIndex: 0, file };
  const rootPos = position(lineStartsOf(source), source.length);
  const root = new SyntaxNode('module', true, fileSeg, 0, source.length, { row: 0, column: 0 }, rootPos, false);
  const next = new Map<string, { node: SyntaxNode; seg: Segment }>();
  const cursor = tree.walk();
  if (cursor.gotoFirstChild()) {
    do {
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      const text = source.slice(start, end);
      const row = cursor.startPosition.row;
      let entry = cache?.take(text);
      if (entry && !next.has(text)) {
        entry.seg.baseRow = row;
        entry.seg.baseIndex = start;
        entry.seg.file = file;
      } else {
        const seg: Segment = { text, baseRow: row, baseIndex: start, file };
        // a statement copied at one place is not shared with an identical one elsewhere
        entry = { node: copySubtreeAt(cursor, t, seg, withMissing), seg };
      }
      next.set(text, entry);
      if (entry.node.type !== 'comment') root.addChild(entry.node, t.fields[cursor.currentFieldId] ?? null);
    } while (cursor.gotoNextSibling());
  }
  cursor.delete();
  cache?.replace(next);
  return root;
}

function copySubtreeAt(cursor: TS.TreeCursor, t: LanguageTables, seg: Segment, withMissing: boolean): SyntaxNode {
  const sub = cursor.currentNode.walk();
  try {
    return copySubtree(sub, t, seg, withMissing);
  } finally {
    sub.delete();
  }
}
