/**
 * Runtime checks for messages that cross a process or webview boundary: each function throws ProtocolError
 * naming the first bad field (`progress.metrics.lossD should be a number, got string "x"`). Shared by the
 * worker protocol (training.ts) and the webview protocols.
 */

/** A message that does not have the shape its type says; `path` names the first bad field. */
export class ProtocolError extends Error {
  constructor(readonly path: string, expected: string, got: unknown) {
    super(`invalid message: ${path} should be ${expected}, got ${describe(got)}`);
    this.name = 'ProtocolError';
  }
}

export type Rec = Record<string, unknown>;

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

export function record(x: unknown, p: string): Rec {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ProtocolError(p, 'an object', x);
  return x as Rec;
}
/** Any number, NaN included: a diverged loss is a fact to report, not a malformed message. */
export function num(x: unknown, p: string): void {
  if (typeof x !== 'number') throw new ProtocolError(p, 'a number', x);
}
export function str(x: unknown, p: string): void {
  if (typeof x !== 'string') throw new ProtocolError(p, 'a string', x);
}
export function bool(x: unknown, p: string): void {
  if (typeof x !== 'boolean') throw new ProtocolError(p, 'a boolean', x);
}
export function oneOf(x: unknown, values: readonly string[], p: string): void {
  if (typeof x !== 'string' || !values.includes(x)) throw new ProtocolError(p, values.map((v) => `'${v}'`).join(' | '), x);
}
export function optional(x: unknown, p: string, check: (x: unknown, p: string) => void): void {
  if (x !== undefined) check(x, p);
}
export function nullable(x: unknown, p: string, check: (x: unknown, p: string) => void): void {
  if (x !== null) check(x, p);
}
export function arrayOf(x: unknown, p: string, check: (x: unknown, p: string) => void): void {
  if (!Array.isArray(x)) throw new ProtocolError(p, 'an array', x);
  x.forEach((v, i) => check(v, `${p}[${i}]`));
}
export function fields(x: unknown, p: string, spec: Record<string, (x: unknown, p: string) => void>): Rec {
  const r = record(x, p);
  for (const [k, check] of Object.entries(spec)) check(r[k], `${p}.${k}`);
  return r;
}

