/**
 * A plain-object copy of tree-sitter's syntax tree, made once per parse with a TreeCursor.
 * The interpreter walks it many times (every forward() call of a size sweep); reading tree-sitter's wasm
 * nodes directly allocates a new object per field access, which profiling showed to dominate analysis time.
 * The API is the subset of web-tree-sitter's `Node` that the interpreter uses.
 */
import type * as TS from '@vscode/tree-sitter-wasm';

export interface Point { row: number; column: number }

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  readonly namedChildren: SyntaxNode[] = [];
  private fields: Map<string, SyntaxNode[]> | null = null;
  parent: SyntaxNode | null = null;

  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly startPosition: Point,
    readonly endPosition: Point,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly source: string,
    readonly isMissing: boolean,
  ) {}

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }

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

/** Copy a tree-sitter tree (comments dropped: they are never evaluated). */
export function copyTree(tree: TS.Tree, source: string): SyntaxNode {
  const cursor = tree.walk();
  const make = (): SyntaxNode => new SyntaxNode(
    cursor.nodeType, cursor.nodeIsNamed, cursor.startPosition, cursor.endPosition,
    cursor.startIndex, cursor.endIndex, source, cursor.nodeIsMissing,
  );
  const root = make();
  const stack: SyntaxNode[] = [root];
  // iterative depth-first walk: deep expressions must not overflow the JS stack
  if (cursor.gotoFirstChild()) {
    for (;;) {
      const node = make();
      const parent = stack[stack.length - 1];
      if (node.type !== 'comment') parent.addChild(node, cursor.currentFieldName);
      if (cursor.gotoFirstChild()) { stack.push(node); continue; }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || stack.length === 1) { cursor.delete(); return root; }
        stack.pop();
      }
    }
  }
  cursor.delete();
  return root;
}
