/** Small helpers for the torch family unit tests: build a module from Python-like values, call it, read shapes. */
import assert from 'node:assert/strict';
import { bind } from '../../../src/core/torch/args';
import { TorchError, type Family, type ModuleDef, type TorchFn } from '../../../src/core/torch/types';
import { tensor, type Py, type Shape } from '../../../src/core/python/values';

export const i = (v: number): Py => ({ k: 'int', v });
export const fl = (v: number): Py => ({ k: 'float', v });
export const s = (v: string): Py => ({ k: 'str', v });
export const b = (v: boolean): Py => ({ k: 'bool', v });
export const none: Py = { k: 'none' };
export const tup = (...xs: (number | null)[]): Py => ({ k: 'tuple', items: xs.map((x) => (x === null ? none : i(x))) });
export const lst = (...xs: number[]): Py => ({ k: 'list', items: xs.map(i) });
export const T = (...shape: number[]): Py => tensor(shape);

/** Python value from a JS literal: numbers are ints, strings str, null None. */
const py = (v: Py | number | string | boolean | null): Py =>
  v === null ? none : typeof v === 'number' ? i(v) : typeof v === 'string' ? s(v) : typeof v === 'boolean' ? b(v) : v;

type Arg = Py | number | string | boolean | null;

export interface Built { def: ModuleDef; cfg: unknown; name: string }

export function build(fam: Family, name: string, pos: Arg[], kw: Record<string, Arg> = {}): Built {
  const def = fam.modules![name];
  assert.ok(def, `no module ${name}`);
  const a = bind(name, def.signature, { pos: pos.map(py), kw: new Map(Object.entries(kw).map(([k, v]) => [k, py(v)])) }, def.extraKw);
  return { def, cfg: def.init(a), name };
}

export const warnings: string[] = [];
const ctx = { warn: (m: string) => { warnings.push(m); }, training: true };

export function call(m: Built, input: Py, kw: Record<string, Arg> = {}): Py {
  return m.def.forward(m.cfg, { pos: [input], kw: new Map(Object.entries(kw).map(([k, v]) => [k, py(v)])) }, ctx);
}

export function fn(fam: Family, ns: 'functional' | 'torch', name: string, pos: Arg[], kw: Record<string, Arg> = {}): Py {
  const f: TorchFn | undefined = fam[ns]?.[name];
  assert.ok(f, `no ${ns}.${name}`);
  return f({ pos: pos.map(py), kw: new Map(Object.entries(kw).map(([k, v]) => [k, py(v)])) }, ctx);
}

export function shapeOf(v: Py): Shape | Shape[] {
  if (v.k === 'tensor') return v.shape!;
  if (v.k === 'tuple') return v.items.map((x) => shapeOf(x) as Shape);
  throw new Error(`not a tensor: ${v.k}`);
}

export function params(m: Built): number {
  return m.def.parameters(m.cfg).reduce((acc, p) => acc + p.shape.reduce((x, y) => x * y, 1), 0);
}

/** Asserts `f` throws PyTorch's error with exactly this message (and type). */
export function raises(f: () => unknown, message: string, pyType: TorchError['pyType'] = 'RuntimeError'): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TorchError, `expected TorchError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.pyType, pyType);
    return true;
  });
}
