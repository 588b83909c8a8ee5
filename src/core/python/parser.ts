/**
 * Tree-sitter's Python grammar (from @vscode/tree-sitter-wasm), loaded once and lazily.
 *
 * A half-typed file still yields results for every part that parses: when the tree has syntax errors, the
 * lines holding each error are blanked (kept as empty lines so line numbers do not move) and the text is parsed
 * again, until it parses clean or nothing more can be removed. The blanked lines are reported.
 */
import * as path from 'node:path';
import * as TS from '@vscode/tree-sitter-wasm';
import { copyTree, type StatementCache, type SyntaxNode } from './syntax';

export type { SyntaxNode };

let parserPromise: Promise<TS.Parser> | null = null;

/** Where the wasm files live: next to the bundle in dist/ (packaged), or in node_modules (dev and tests). */
function wasmDir(): string {
  const override = process.env.DCGAN_LAB_WASM_DIR;
  if (override) return override;
  const bundled = path.join(__dirname, 'wasm');
  try {
    require('node:fs').accessSync(path.join(bundled, 'tree-sitter-python.wasm'));
    return bundled;
  } catch {
    // a computed specifier keeps the bundler from trying to resolve it at build time
    const pkg = '@vscode/tree-sitter-wasm/package.json';
    return path.join(path.dirname(require.resolve(pkg)), 'wasm');
  }
}

/** Load tree-sitter and the Python grammar once; later calls return the same parser. */
export function loadParser(): Promise<TS.Parser> {
  if (!parserPromise) {
    parserPromise = (async () => {
      const dir = wasmDir();
      await TS.Parser.init({ locateFile: (file: string) => path.join(dir, file) });
      const lang = await TS.Language.load(path.join(dir, 'tree-sitter-python.wasm'));
      const parser = new TS.Parser();
      parser.setLanguage(lang);
      return parser;
    })();
  }
  return parserPromise;
}

export interface ParseResult {
  /** the module node (a plain copy of tree-sitter's tree) */
  root: SyntaxNode;
  /** the text that was parsed (the input with unparseable lines blanked) */
  text: string;
  /** 0-based lines blanked because they did not parse */
  skippedLines: number[];
}

function firstError(node: TS.Node): TS.Node | null {
  if (!node.hasError) return null;
  for (const child of node.children) {
    if (!child) continue;
    if (child.hasError) return firstError(child) ?? child;
    if (child.isMissing) return child;
  }
  return node.isError || node.isMissing ? node : null;
}

const MAX_REPAIRS = 200;

/**
 * Parse Python; recover from syntax errors by blanking the offending lines.
 * With a cache, statements whose text did not change since the last parse keep their copies.
 */
export function parsePython(parser: TS.Parser, source: string, cache?: StatementCache, file = ''): ParseResult {
  let text = source;
  const skipped = new Set<number>();
  let tree = parser.parse(text)!;
  for (let i = 0; i < MAX_REPAIRS && tree.rootNode.hasError; i++) {
    const err = firstError(tree.rootNode);
    if (!err) break;
    const lines = text.split('\n');
    // Blank the error's first line; an error spanning lines (an unclosed bracket) is usually caused there.
    let row = err.startPosition.row;
    if (skipped.has(row) || lines[row].trim() === '') {
      row = [...Array(err.endPosition.row - err.startPosition.row + 1).keys()]
        .map((k) => err.startPosition.row + k)
        .find((r) => !skipped.has(r) && lines[r] !== undefined && lines[r].trim() !== '') ?? -1;
      if (row < 0) break;
    }
    skipped.add(row);
    lines[row] = '';
    text = lines.join('\n');
    tree.delete();
    tree = parser.parse(text)!;
  }
  const root = copyTree(tree, text, cache, file);
  tree.delete();
  return { root, text, skippedLines: [...skipped].sort((a, b) => a - b) };
}
