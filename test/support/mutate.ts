/** Seeded source mutations for robustness tests: what half-typed and broken files look like. */

/** mulberry32, the engine's seeded generator (src/engine/data/random.ts), under the name the tests use. */
export { rng as mulberry32 } from '../../src/engine/data/random';

const TOKENS = ['(', ')', '[', ']', ':', ',', '=', '.', 'nn.Conv2d(', 'self', 'x', '*', '**', '-1', '0', 'def', 'class', 'return', 'if', 'for', 'in', '"', "'", '\\', '    ', '\n', 'lambda', 'None', '@', '#'];

export function mutate(src: string, rand: () => number): string {
  const lines = src.split('\n');
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rand() * lines.length);
    const line = lines[i] ?? '';
    switch (Math.floor(rand() * 6)) {
      case 0: { // delete a token
        const toks = line.split(/(\W)/).filter((s) => s !== '');
        if (toks.length) toks.splice(Math.floor(rand() * toks.length), 1);
        lines[i] = toks.join('');
        break;
      }
      case 1: { // insert a token
        const at = Math.floor(rand() * (line.length + 1));
        lines[i] = line.slice(0, at) + TOKENS[Math.floor(rand() * TOKENS.length)] + line.slice(at);
        break;
      }
      case 2: lines[i] = line.slice(0, Math.floor(rand() * line.length)); break; // truncate (half-typed)
      case 3: lines.splice(i, 1); break;
      case 4: lines.splice(i, 0, line); break;
      case 5: return lines.slice(0, i).join('\n') + '\n' + line.slice(0, Math.floor(rand() * line.length)); // file cut mid-edit
    }
  }
  return lines.join('\n');
}
