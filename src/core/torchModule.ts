/**
 * The module the torch engine executes for a pair from a user's file: the file's text with only the top-level
 * statements that building the pair needs (moduleSlice.ts), so a script that loads data and trains at module
 * level is imported without running its own training. The names the slice starts from are the two classes and
 * whatever their constructor expressions (`Generator(ngpu)`) read.
 */
import type { GanPair } from './gan';
import { sliceModule, type ModuleSlice } from './moduleSlice';
import { loadParser, parsePython } from './python/parser';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'lambda', 'None', 'True', 'False', 'for']);

/** Names an expression reads (an over-approximation: keyword-argument names count too, which only keeps more). */
export function expressionNames(expr: string): string[] {
  const code = expr.replace(/(['"])(?:\\.|(?!\1).)*\1/g, '""');
  const names = new Set<string>();
  for (const m of code.matchAll(/(?<![.\w])[A-Za-z_]\w*/g)) if (!KEYWORDS.has(m[0])) names.add(m[0]);
  return [...names];
}

export async function pairModule(pair: GanPair): Promise<ModuleSlice> {
  const parsed = parsePython(await loadParser(), pair.source);
  const needed = new Set([pair.generator.name, pair.discriminator.name]);
  for (const net of [pair.generator, pair.discriminator]) for (const n of expressionNames(net.build ?? '')) needed.add(n);
  return sliceModule(parsed.root, parsed.text, [...needed]);
}
