/**
 * Seeded randomized differential test of tensorOps.ts (tensor methods, torch.* functions, binary operators,
 * matmul and Python indexing) and creation.ts (factories) against real PyTorch 1.13.
 *
 * A fixed-seed generator makes configurations for every op, valid and invalid alike (bad dims, sizes that do
 * not multiply up, shapes that do not broadcast, wrong dtypes, out-of-range indices …). All of them run in ONE
 * Python process (JSON list on stdin, JSON list on stdout). For every configuration the TypeScript answer must
 * equal PyTorch's: the same result (tensor shapes and dtypes, tuples of them, ints, torch.Size, strings), or the
 * same exception type with the same message, byte for byte. Expected values come from PyTorch in the same run.
 *
 * Tensors are built with torch.ones (index tensors with torch.zeros) so that no value-dependent error (integer
 * division by zero, an index out of range) can happen where the static model cannot know the values. Results
 * that depend on values (how many elements a boolean mask selects) may be an unknown shape on the TypeScript
 * side; those configurations are marked `vd` and still have to agree on errors, dtypes and everything known.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { TorchError, UnknownValue, type TorchFn } from '../../src/core/torch/types';
import { tensor, type DType, type Py } from '../../src/core/python/values';
import { binaryOp, family as tensorOps, indexShape, tensorAttr } from '../../src/core/torch/tensorOps';
import { family as creation } from '../../src/core/torch/creation';
import { mulberry32 } from '../support/mutate';

// ---------------------------------------------------------------------------------------------------------------
// JSON encoding of Python values, shared by both sides
// ---------------------------------------------------------------------------------------------------------------
type V =
  | null
  | { i: number } | { f: number } | { b: boolean } | { s: string } | { dt: DType }
  | { l: V[] } | { tu: V[] } | { size: number[] } | { sl: [number | null, number | null, number | null] } | { e: 1 }
  | { t: number[]; d: DType; z?: 1 };

const I = (i: number): V => ({ i });
const F = (f: number): V => ({ f });
const B = (b: boolean): V => ({ b });
const S = (s: string): V => ({ s });
const DT = (dt: DType): V => ({ dt });
const L = (...l: V[]): V => ({ l });
const TU = (...tu: V[]): V => ({ tu });
const SZ = (size: number[]): V => ({ size });
const SL = (a: number | null, b: number | null, c: number | null): V => ({ sl: [a, b, c] });
const E: V = { e: 1 };
const T = (t: number[], d: DType = 'float32', z = false): V => (z ? { t, d, z: 1 } : { t, d });
const ints = (xs: number[]): V[] => xs.map(I);

function dec(v: V): Py {
  if (v === null) return { k: 'none' };
  if ('i' in v) return { k: 'int', v: v.i };
  if ('f' in v) return { k: 'float', v: v.f };
  if ('b' in v) return { k: 'bool', v: v.b };
  if ('s' in v) return { k: 'str', v: v.s };
  if ('dt' in v) return { k: 'str', v: v.dt };
  if ('l' in v) return { k: 'list', items: v.l.map(dec) };
  if ('tu' in v) return { k: 'tuple', items: v.tu.map(dec) };
  if ('size' in v) return { k: 'tuple', items: v.size.map((i) => ({ k: 'int', v: i }) as Py), size: true };
  if ('sl' in v) {
    const b = (x: number | null): Py => (x === null ? { k: 'none' } : { k: 'int', v: x });
    return { k: 'slice', start: b(v.sl[0]), stop: b(v.sl[1]), step: b(v.sl[2]) };
  }
  if ('e' in v) return { k: 'ellipsis' };
  return tensor(v.t, v.d);
}

/** A result: a value, an error, or (TypeScript only) unknown. */
type R =
  | { t: number[] | null; d: string } | { tu: R[] } | { size: number[] } | { i: number } | { f: number } | { b: boolean } | { s: string }
  | { err: string; msg: string } | { u: string } | { crash: string };

function enc(r: Py): R {
  switch (r.k) {
    case 'tensor': return { t: r.shape, d: r.dtype };
    case 'tuple': return r.size ? { size: r.items.map((x) => (x as { v: number }).v) } : { tu: r.items.map(enc) };
    case 'list': return { tu: r.items.map(enc) };
    case 'int': return { i: r.v };
    case 'float': return { f: r.v };
    case 'bool': return { b: r.v };
    case 'str': return { s: r.v };
    case 'unknown': return { u: r.why };
    default: return { crash: `unexpected result kind ${r.k}` };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// configurations
// ---------------------------------------------------------------------------------------------------------------
type Cfg =
  | { kind: 'm'; name: string; self: V; args: V[]; kw: Record<string, V>; vd?: boolean }
  | { kind: 't'; name: string; args: V[]; kw: Record<string, V>; vd?: boolean }
  | { kind: 'op'; op: string; a: V; b: V; vd?: boolean }
  | { kind: 'ix'; self: V; index: V; vd?: boolean }
  | { kind: 'attr'; self: V; name: string; vd?: boolean };

const M = (name: string, self: V, args: V[] = [], kw: Record<string, V> = {}): Cfg => ({ kind: 'm', name, self, args, kw });
const TF = (name: string, args: V[] = [], kw: Record<string, V> = {}): Cfg => ({ kind: 't', name, args, kw });


class Gen {
  private r: () => number;
  constructor(seed: number) { this.r = mulberry32(seed); }
  ri(a: number, b: number): number { return a + Math.floor(this.r() * (b - a + 1)); }
  ch(p: number): boolean { return this.r() < p; }
  pick<X>(xs: readonly X[]): X { return xs[Math.floor(this.r() * xs.length)]; }
  dim(): number { return this.ch(0.08) ? 0 : this.ch(0.25) ? 1 : this.ri(2, 4); }
  shape(minNd = 0, maxNd = 4): number[] {
    const nd = this.ri(minNd, maxNd);
    return Array.from({ length: nd }, () => this.dim());
  }
  dtype(): DType {
    return this.ch(0.6) ? 'float32' : this.pick(['float64', 'float16', 'int64', 'int32', 'uint8', 'bool'] as const);
  }
  perm(n: number): number[] {
    const p = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) { const j = this.ri(0, i); [p[i], p[j]] = [p[j], p[i]]; }
    return p;
  }
  /** A dim index for an n-dim tensor, sometimes out of range. */
  d(n: number): number {
    const m = Math.max(n, 1);
    return this.ch(0.85) ? this.ri(-m, m - 1) : this.pick([m, -m - 1, m + 1]);
  }
  /** k factors whose product is n (n >= 1), or with zeros when n == 0. */
  factor(n: number, k: number): number[] {
    if (n === 0) return Array.from({ length: k }, (_, i) => (i === 0 ? 0 : this.ri(0, 3)));
    const out = new Array<number>(k).fill(1);
    let rest = n;
    for (let p = 2; p <= rest; p++) {
      while (rest % p === 0) { out[this.ri(0, k - 1)] *= p; rest /= p; }
    }
    return out;
  }
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function sizeForm(g: Gen, name: string, self: V, sizes: number[], kwName = 'size'): Cfg {
  const f = g.ri(0, 3);
  if (f === 0 && sizes.length > 0) return M(name, self, ints(sizes));
  if (f === 1) return M(name, self, [TU(...ints(sizes))]);
  if (f === 2) return M(name, self, [L(...ints(sizes))]);
  return g.ch(0.5) ? M(name, self, [SZ(sizes)]) : M(name, self, [], { [kwName]: TU(...ints(sizes)) });
}

const GENS: Record<string, (g: Gen) => Cfg> = {
  view(g) {
    const s = g.shape(0, 4);
    const n = numel(s);
    let target: number[];
    if (g.ch(0.6)) {
      target = g.factor(n, g.ri(1, 4));
      if (g.ch(0.5)) target[g.ri(0, target.length - 1)] = -1;
    } else {
      target = Array.from({ length: g.ri(0, 4) }, () => (g.ch(0.2) ? -1 : g.ch(0.05) ? -2 : g.ri(0, 6)));
    }
    const name = g.pick(['view', 'reshape']);
    if (g.ch(0.15)) return TF('reshape', [T(s, g.dtype()), TU(...ints(target))]);
    if (g.ch(0.1)) return M(`${name}_as`, T(s, g.dtype()), [T(target.map((x) => Math.max(x, 0)))]);
    return sizeForm(g, name, T(s, g.dtype()), target, name === 'view' ? 'size' : 'shape');
  },
  viewDtype(g) {
    const s = g.shape(0, 3);
    return M('view', T(s, g.dtype()), [DT(g.dtype())]);
  },
  flatten(g) {
    const s = g.shape(0, 4);
    const args: V[] = [];
    if (g.ch(0.8)) args.push(I(g.d(s.length)));
    if (args.length && g.ch(0.7)) args.push(I(g.d(s.length)));
    return g.ch(0.3) ? TF('flatten', [T(s), ...args]) : M('flatten', T(s), args);
  },
  unflatten(g) {
    const s = g.shape(1, 4);
    const dim = g.d(s.length);
    const size = s[((dim % Math.max(s.length, 1)) + s.length) % s.length] ?? 1;
    let sizes: number[];
    if (g.ch(0.6)) {
      sizes = g.factor(size, g.ri(1, 3));
      if (g.ch(0.4)) sizes[g.ri(0, sizes.length - 1)] = -1;
    } else sizes = Array.from({ length: g.ri(0, 3) }, () => (g.ch(0.25) ? -1 : g.ch(0.05) ? -3 : g.ri(0, 4)));
    return g.ch(0.3) ? TF('unflatten', [T(s), I(dim), TU(...ints(sizes))]) : M('unflatten', T(s), [I(dim), g.ch(0.5) ? TU(...ints(sizes)) : L(...ints(sizes))]);
  },
  squeeze(g) {
    const s = g.shape(0, 4).map((x) => (g.ch(0.4) ? 1 : x));
    const args = g.ch(0.6) ? [I(g.d(s.length))] : [];
    return g.ch(0.3) ? TF('squeeze', [T(s), ...args]) : M('squeeze', T(s), args);
  },
  unsqueeze(g) {
    const s = g.shape(0, 4);
    const d = g.d(s.length + 1);
    return g.ch(0.3) ? TF('unsqueeze', [T(s), I(d)]) : M('unsqueeze', T(s), [I(d)]);
  },
  permute(g) {
    const s = g.shape(0, 4);
    let p = g.perm(s.length);
    if (g.ch(0.15) && p.length > 1) p[1] = p[0];
    if (g.ch(0.1)) p.push(0);
    if (g.ch(0.1)) p = p.slice(1);
    if (g.ch(0.15) && p.length > 0) p[0] = g.d(s.length) - (g.ch(0.5) ? s.length : 0);
    if (g.ch(0.25)) return TF('permute', [T(s), TU(...ints(p))]);
    return p.length > 0 && g.ch(0.5) ? M('permute', T(s), ints(p)) : M('permute', T(s), [TU(...ints(p))]);
  },
  transpose(g) {
    const s = g.shape(0, 4);
    if (g.ch(0.2)) return g.ch(0.5) ? M('t', T(s.slice(0, 3))) : TF('t', [T(s.slice(0, 3))]);
    const a = [I(g.d(s.length)), I(g.d(s.length))];
    return g.ch(0.3) ? TF('transpose', [T(s), ...a]) : M(g.pick(['transpose', 'swapaxes', 'swapdims']), T(s), a);
  },
  expand(g) {
    const s = g.shape(0, 3).map((x) => (g.ch(0.5) ? 1 : x));
    let target = s.map((x) => (g.ch(0.3) ? -1 : x === 1 ? g.ri(0, 4) : g.ch(0.1) ? x + 1 : x));
    const lead = g.ri(0, 2);
    target = [...Array.from({ length: lead }, () => (g.ch(0.1) ? -1 : g.ri(1, 3))), ...target];
    if (g.ch(0.1) && target.length > 0) target = target.slice(1);
    if (g.ch(0.05) && target.length > 0 && !target.includes(0)) target[target.length - 1] = -2;
    if (g.ch(0.15) && !target.some((x) => x < 0)) return M('expand_as', T(s), [T(target)]);
    return sizeForm(g, 'expand', T(s), target);
  },
  repeat(g) {
    const s = g.shape(0, 3);
    const reps = Array.from({ length: Math.max(0, s.length + g.ri(-1, 2)) }, () => (g.ch(0.05) ? -1 : g.ri(0, 3)));
    if (reps.length === 0) reps.push(2);
    return sizeForm(g, 'repeat', T(s), reps, 'repeats');
  },
  narrow(g) {
    const s = g.shape(0, 3);
    const dim = g.d(s.length);
    const size = s.length ? s[((dim % s.length) + s.length) % s.length] : 1;
    const args = [I(dim), I(g.ri(-size - 1, size + 1)), I(g.ri(-1, size + 1))];
    return g.ch(0.3) ? TF('narrow', [T(s), ...args]) : M('narrow', T(s), args);
  },
  select(g) {
    const s = g.shape(0, 3);
    const dim = g.d(s.length);
    const size = s.length ? s[((dim % s.length) + s.length) % s.length] : 1;
    const args = [I(dim), I(g.ri(-size - 1, size))];
    return g.ch(0.3) ? TF('select', [T(s), ...args]) : M('select', T(s), args);
  },
  indexSelect(g) {
    const s = g.shape(0, 3);
    const k = g.ri(0, 3);
    const ix = g.pick([T([k], 'int64', true), T([k], 'int64', true), T([k], 'int32', true), T([2, k], 'int64', true), T([k], 'float32', true), T([], 'int64', true), T([k], 'bool', true)]);
    const args = [I(g.d(s.length)), ix];
    return g.ch(0.3) ? TF('index_select', [T(s, g.dtype()), ...args]) : M('index_select', T(s, g.dtype()), args);
  },
  maskedFill(g) {
    const s = g.shape(0, 3);
    let ms = s.slice(g.ri(0, s.length)).map((x) => (g.ch(0.3) ? 1 : x));
    if (g.ch(0.15)) ms = [g.ri(1, 3), ...ms];
    if (g.ch(0.15) && ms.length) ms[g.ri(0, ms.length - 1)] += 1;
    const value = g.pick([I(0), F(-1e9), B(true), T([]), T([1]), T([], 'float64')]);
    const mask = T(ms, g.ch(0.8) ? 'bool' : 'uint8');
    const dt = g.dtype();
    if (g.ch(0.2)) return M('masked_fill_', T(s, dt), [mask, value]);
    return g.ch(0.3) ? TF('masked_fill', [T(s, dt), mask, value]) : M('masked_fill', T(s, dt), [mask, value]);
  },
  split(g) {
    const s = g.shape(0, 3);
    const dim = g.d(s.length);
    const size = s.length ? s[((dim % s.length) + s.length) % s.length] : 1;
    let arg: V;
    if (g.ch(0.5)) arg = I(g.ch(0.1) ? -1 : g.ri(0, 4));
    else {
      const parts: number[] = [];
      let rest = size;
      while (rest > 0 && parts.length < 4) { const p = g.ri(0, rest); parts.push(p); rest -= p; }
      if (rest > 0) parts.push(rest);
      if (g.ch(0.3)) parts.push(g.ri(-1, 2));
      arg = g.ch(0.5) ? L(...ints(parts)) : TU(...ints(parts));
    }
    const dimArgs = g.ch(0.7) ? [I(dim)] : [];
    const f = g.ri(0, 3);
    if (f === 0) return TF('split', [T(s), arg, ...dimArgs]);
    if (f === 1 && 'l' in (arg as object)) return M('split_with_sizes', T(s), [arg, ...dimArgs]);
    return M('split', T(s), [arg, ...dimArgs]);
  },
  chunk(g) {
    const s = g.shape(0, 3);
    const args = [I(g.ch(0.1) ? g.ri(-1, 0) : g.ri(1, 5))];
    if (g.ch(0.7)) args.push(I(g.d(s.length)));
    return g.ch(0.3) ? TF('chunk', [T(s), ...args]) : M('chunk', T(s), args);
  },
  reduce(g) {
    const name = g.pick(['sum', 'mean', 'prod', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'std', 'var', 'norm'] as const);
    const s = g.shape(0, 4);
    let dt = g.dtype();
    if (name === 'prod' && dt === 'float16') dt = 'float32';
    const self = T(s, dt);
    const dims = (): V => {
      const k = g.ri(0, Math.min(3, Math.max(s.length, 1)));
      const ds = Array.from({ length: k }, () => g.d(s.length));
      return g.ch(0.5) ? TU(...ints(ds)) : L(...ints(ds));
    };
    const args: V[] = [];
    const kw: Record<string, V> = {};
    switch (name) {
      case 'sum': case 'mean':
        if (g.ch(0.7)) {
          args.push(g.ch(0.5) ? I(g.d(s.length)) : g.ch(0.2) ? null : dims());
          if (g.ch(0.5)) args.push(B(g.ch(0.5)));
        }
        if (g.ch(0.25)) kw.dtype = DT(g.dtype());
        break;
      case 'prod':
        if (g.ch(0.7)) {
          args.push(I(g.d(s.length)));
          if (g.ch(0.5)) args.push(B(g.ch(0.5)));
        }
        if (g.ch(0.2)) kw.dtype = DT(g.pick(['float32', 'float64', 'int64'] as const));
        break;
      case 'max': case 'min': {
        const f = g.ri(0, 3);
        if (f === 1) args.push(I(g.d(s.length)));
        if (f === 2) { args.push(I(g.d(s.length))); args.push(B(g.ch(0.5))); }
        if (f === 3) args.push(T(s.slice(g.ri(0, s.length)).map((x) => (g.ch(0.2) ? x + 1 : x)), g.dtype()));
        break;
      }
      case 'amax': case 'amin':
        if (g.ch(0.7)) args.push(g.ch(0.4) ? I(g.d(s.length)) : dims());
        if (g.ch(0.4)) kw.keepdim = B(g.ch(0.5));
        break;
      case 'argmax': case 'argmin':
        if (g.ch(0.7)) args.push(I(g.d(s.length)));
        if (g.ch(0.5)) kw.keepdim = B(g.ch(0.5));
        break;
      case 'std': case 'var': {
        const f = g.ri(0, 4);
        if (f === 1) args.push(g.ch(0.5) ? I(g.d(s.length)) : dims());
        if (f === 2) args.push(g.ch(0.5) ? I(g.d(s.length)) : dims(), B(g.ch(0.5)), B(g.ch(0.5)));
        if (f === 3) args.push(B(g.ch(0.5)));
        if (f === 4) { kw.dim = g.ch(0.3) ? null : I(g.d(s.length)); kw.keepdim = B(g.ch(0.5)); if (g.ch(0.5) && kw.dim !== null) kw.correction = I(g.ri(0, 2)); }
        break;
      }
      case 'norm': {
        // Half norms over two dims need sqrt on Half, which only the CPU lacks
        if (dt === 'float16') return M('norm', T(s, 'float32'), [], { dim: I(g.d(s.length)) });
        if (g.ch(0.6)) kw.p = g.pick([I(1), I(2), F(2.0), S('fro')]);
        if (g.ch(0.6)) {
          const k = g.ri(1, 3);
          kw.dim = k === 1 && g.ch(0.5) ? I(g.d(s.length)) : TU(...ints(Array.from({ length: k }, () => g.d(s.length))));
        }
        if (g.ch(0.4)) kw.keepdim = B(g.ch(0.5));
        if (g.ch(0.15) && kw.p && !('s' in (kw.p as object))) kw.dtype = DT(g.pick(['float32', 'float64', 'int64'] as const));
        break;
      }
    }
    if (g.ch(0.3)) return TF(name, [self, ...args], kw);
    return M(name, self, args, kw);
  },
  cat(g) {
    const base = g.shape(1, 3);
    const nd = base.length;
    const dim = g.d(nd);
    const wd = ((dim % nd) + nd) % nd;
    const k = g.ch(0.05) ? 0 : g.ri(1, 4);
    const ts: V[] = [];
    for (let i = 0; i < k; i++) {
      let s = base.slice();
      s[wd] = g.ri(0, 3);
      if (g.ch(0.1)) s[g.ri(0, nd - 1)] += 1;
      if (g.ch(0.05)) s = s.slice(1);
      if (g.ch(0.07)) s = [0];
      if (g.ch(0.04)) s = [];
      ts.push(T(s, g.ch(0.8) ? 'float32' : g.dtype()));
    }
    const name = g.pick(['cat', 'cat', 'concat']);
    const seq = g.ch(0.7) ? L(...ts) : TU(...ts);
    if (g.ch(0.2)) return TF(name, [seq]);
    return g.ch(0.5) ? TF(name, [seq, I(dim)]) : TF(name, [seq], { dim: I(dim) });
  },
  stack(g) {
    const base = g.shape(0, 3);
    const k = g.ch(0.05) ? 0 : g.ri(1, 3);
    const ts: V[] = [];
    for (let i = 0; i < k; i++) {
      let s = base.slice();
      if (g.ch(0.15) && s.length) s[g.ri(0, s.length - 1)] += 1;
      if (g.ch(0.05)) s = s.slice(1);
      ts.push(T(s, g.ch(0.85) ? 'float32' : g.dtype()));
    }
    return TF('stack', [L(...ts), I(g.ri(-base.length - 2, base.length + 1))]);
  },
  matmul(g) {
    const nda = g.ch(0.04) ? 0 : g.ri(1, 4);
    const ndb = g.ch(0.04) ? 0 : g.ri(1, 4);
    const n = g.ri(1, 4), m = g.ri(1, 4), p = g.ri(1, 4);
    const m2 = g.ch(0.75) ? m : g.ri(1, 5);
    const batch = Array.from({ length: 2 }, () => g.ri(1, 3));
    const bb = (k: number) => batch.slice(2 - k).map((x) => (g.ch(0.25) ? 1 : g.ch(0.1) ? x + 1 : x));
    const a = nda === 0 ? [] : nda === 1 ? [m] : [...bb(nda - 2), n, m];
    const b = ndb === 0 ? [] : ndb === 1 ? [m2] : [...bb(ndb - 2), m2, p];
    let da: DType = 'float32';
    let db: DType = 'float32';
    if (g.ch(0.1)) db = 'float64';
    else if (g.ch(0.05)) { da = 'bool'; db = 'bool'; }
    else if (g.ch(0.05)) { da = 'int64'; db = 'int64'; }
    const A = T(a, da);
    const Bv = T(b, db);
    const f = g.ri(0, 5);
    if (f === 0) return { kind: 'op', op: '@', a: A, b: Bv };
    if (f === 1) return M('matmul', A, [Bv]);
    if (f === 2) {
      const name = nda === 3 ? 'bmm' : nda === 1 && ndb === 1 ? 'dot' : ndb === 1 ? 'mv' : 'mm';
      return g.ch(0.5) ? TF(name, [A, Bv]) : M(name, A, [Bv]);
    }
    return TF('matmul', [A, Bv]);
  },
  binop(g) {
    const op = g.pick(['+', '-', '*', '/', '//', '%', '**', '&', '|', '^', '<', '==', '>=', '!=', '+', '*', '-', '/'] as const);
    const s = g.shape(0, 3);
    const other = (): V => {
      const f = g.ri(0, 5);
      if (f === 0) return I(g.ri(-2, 3));
      if (f === 1) return F(g.pick([0.5, -1.5, 2.0, 0.0]));
      if (f === 2) return B(g.ch(0.5));
      if (f === 3) return T([], g.dtype());
      let t = s.slice(g.ri(0, s.length)).map((x) => (g.ch(0.25) ? 1 : x));
      if (g.ch(0.15) && t.length) t[g.ri(0, t.length - 1)] += 1;
      if (g.ch(0.2)) t = [g.ri(1, 3), ...t];
      return T(t, g.dtype());
    };
    const a = T(s, g.dtype());
    const b = other();
    return g.ch(0.3) ? { kind: 'op', op, a: b, b: a } : { kind: 'op', op, a, b };
  },
  binMethod(g) {
    const name = g.pick(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'remainder', 'floor_divide', 'add_', 'sub_', 'mul_', 'div_', 'true_divide'] as const);
    const s = g.shape(0, 3);
    const t = s.slice(g.ri(0, s.length)).map((x) => (g.ch(0.2) ? 1 : x));
    if (g.ch(0.15)) t.unshift(2);
    const other = g.ch(0.6) ? T(t, g.dtype()) : g.pick([I(2), F(0.5), B(true)]);
    const kw: Record<string, V> = {};
    if ((name === 'add' || name === 'sub' || name === 'add_') && g.ch(0.3)) kw.alpha = g.pick([I(2), F(0.5)]);
    if ((name === 'div' || name === 'div_') && g.ch(0.5)) kw.rounding_mode = g.pick([S('floor'), S('trunc'), null]);
    const self = T(s, g.dtype());
    if ((name === 'maximum' || name === 'minimum') && !('t' in (other as object))) return M(name, self, [T([], 'float32')]);
    if (!name.endsWith('_') && g.ch(0.3)) return TF(name, [self, other], kw);
    return M(name, self, [other], kw);
  },
  where(g) {
    const s = g.shape(0, 3);
    const cs = s.map((x) => (g.ch(0.3) ? 1 : x));
    if (g.ch(0.1)) cs.push(2);
    const cond = T(cs, g.ch(0.85) ? 'bool' : g.pick(['uint8', 'float32'] as const));
    if (g.ch(0.1)) return { ...TF('where', [cond]), vd: true };
    const side = (): V => (g.ch(0.7) ? T(s.slice(g.ri(0, s.length)), g.dtype()) : g.pick([I(0), F(0.5), B(false), T([], 'float64')]));
    return TF('where', [cond, side(), side()]);
  },
  broadcastTensors(g) {
    const s = g.shape(0, 3);
    const k = g.ri(1, 3);
    const ts = Array.from({ length: k }, () => {
      const t = s.slice(g.ri(0, s.length)).map((x) => (g.ch(0.3) ? 1 : x));
      if (g.ch(0.1) && t.length) t[0] += 1;
      return T(t, g.dtype());
    });
    if (g.ch(0.25)) return TF('broadcast_shapes', ts.map((t) => TU(...ints((t as { t: number[] }).t))));
    return TF('broadcast_tensors', ts);
  },
  attr(g) {
    const s = g.shape(0, 4);
    return { kind: 'attr', self: T(s, g.dtype()), name: g.pick(['shape', 'ndim', 'T', 'mT', 'mH', 'dtype']) };
  },
  misc(g) {
    const s = g.shape(0, 3);
    const name = g.pick(['clone', 'detach', 'numel', 'swapdims', 't', 'squeeze', 'flatten'] as const);
    if (name === 'swapdims') return TF(name, [T(s), I(g.d(s.length)), I(g.d(s.length))]);
    return TF(name, [T(s, g.dtype())]);
  },
  convert(g) {
    const s = g.shape(0, 3);
    const self = T(s, g.dtype());
    const f = g.ri(0, 12);
    switch (f) {
      case 0: return M('to', self, [DT(g.dtype())]);
      case 1: return M('to', self, [S('cpu')]);
      case 2: return M('to', self, [S('cpu'), DT(g.dtype())]);
      case 3: return M('to', self, [T([1], g.dtype())]);
      case 4: return M('to', self, [], g.ch(0.5) ? { dtype: DT(g.dtype()) } : { device: S('cpu') });
      case 5: return M('type', self, g.ch(0.4) ? [] : g.ch(0.5) ? [DT(g.dtype())] : [S(g.pick(['torch.DoubleTensor', 'torch.LongTensor', 'torch.FloatTensor', 'torch.BoolTensor']))]);
      case 6: return M(g.pick(['float', 'double', 'half', 'long', 'int', 'bool', 'byte', 'contiguous', 'clone', 'detach', 'cpu', 'zero_']), self);
      case 7: return M('type_as', self, [T([2], g.dtype())]);
      case 8: return M(g.pick(['size', 'dim', 'ndimension', 'numel', 'nelement']), self, g.ch(0.5) ? [] : []);
      case 9: return M('size', self, [I(g.d(s.length))]);
      case 10: {
        const name = g.pick(['new_zeros', 'new_ones', 'new_empty'] as const);
        const size = Array.from({ length: g.ri(0, 3) }, () => (g.ch(0.05) ? -1 : g.ri(0, 4)));
        const c = sizeForm(g, name, self, size);
        if (g.ch(0.3) && c.kind === 'm') c.kw.dtype = DT(g.dtype());
        return c;
      }
      case 11: return M('new_full', self, [TU(...ints(Array.from({ length: g.ri(0, 3) }, () => (g.ch(0.05) ? -1 : g.ri(0, 4))))), g.pick([I(2), F(0.5), B(true)])]);
      default: return M('fill_', self, [g.pick([I(1), F(0.5), T([]), T([2])])]);
    }
  },
  index(g) {
    const s = g.shape(0, 4);
    const nd = s.length;
    const self = T(s, g.dtype());
    let vd = false;
    let ell = false;
    const item = (): V => {
      const f = g.ri(0, 13);
      const size = nd ? s[g.ri(0, nd - 1)] : 1;
      switch (f) {
        case 0: case 1: return I(g.ri(-size - 1, size));
        case 2: case 3: return SL(g.ch(0.5) ? null : g.ri(-5, 5), g.ch(0.5) ? null : g.ri(-5, 5), g.ch(0.6) ? null : g.ch(0.1) ? g.ri(-1, 0) : g.ri(1, 3));
        case 4: return null;
        case 5: if (!ell) { ell = true; return E; } return null;
        case 6: return B(g.ch(0.7));
        case 7: return L(...ints(Array.from({ length: g.ri(0, 3) }, () => g.ri(-size - 1, size))));
        case 8: return L(...Array.from({ length: size + (g.ch(0.2) ? 1 : 0) }, () => B(g.ch(0.6))));
        case 9: return T(g.ch(0.7) ? [g.ri(0, 3)] : [g.ri(1, 2), g.ri(1, 3)], g.ch(0.85) ? 'int64' : g.pick(['int32', 'float32'] as const), true);
        case 10: {
          vd = true;
          const m = s.slice(g.ri(0, nd), g.ri(0, nd + 1));
          return T(m.length ? m : [size], 'bool');
        }
        case 11: return g.ch(0.8) ? L(L(I(0), I(1)), L(I(1), I(0))) : F(1.5);
        case 12: {
          // a 0-dim index tensor: long selects (value 0, so only where no dim is empty), bool/uint8 add a dim
          const d = g.pick(['int64', 'int64', 'bool', 'uint8'] as const);
          if (d !== 'int64') vd = true;
          return s.includes(0) && d === 'int64' ? I(0) : T([], d, true);
        }
        default: return I(0);
      }
    };
    if (g.ch(0.3)) {
      const it = item();
      return { kind: 'ix', self, index: it, vd };
    }
    const k = g.ri(1, Math.min(nd + 1, 4));
    const items = Array.from({ length: k }, item);
    return { kind: 'ix', self, index: TU(...items), vd };
  },
  create(g) {
    const f = g.ri(0, 14);
    const size = Array.from({ length: g.ri(0, 4) }, () => (g.ch(0.05) ? -1 : g.ri(0, 4)));
    const kw: Record<string, V> = {};
    if (g.ch(0.3)) kw.dtype = DT(g.dtype());
    if (g.ch(0.1)) kw.requires_grad = B(true);
    if (g.ch(0.1)) kw.device = S('cpu');
    switch (f) {
      case 0: case 1: {
        const name = g.pick(['randn', 'rand', 'zeros', 'ones', 'empty'] as const);
        const form = g.ri(0, 3);
        if (form === 0 && size.length) return TF(name, ints(size), kw);
        if (form === 1) return TF(name, [TU(...ints(size))], kw);
        if (form === 2) return TF(name, [L(...ints(size))], kw);
        return TF(name, [SZ(size.map((x) => Math.max(x, 0)))], kw);
      }
      case 2: return TF('full', [TU(...ints(size)), g.pick([I(3), F(0.5), B(true), T([], 'int64'), T([], 'float64')])], kw);
      case 3: {
        const hi = g.ri(-1, 5);
        if (kw.dtype && 'dt' in kw.dtype && kw.dtype.dt === 'bool') delete kw.dtype;
        return g.ch(0.5) ? TF('randint', [I(hi), TU(...ints(size))], kw) : TF('randint', [I(g.ri(-2, 4)), I(hi), TU(...ints(size))], kw);
      }
      case 4: {
        const name = g.pick(['randn_like', 'rand_like', 'zeros_like', 'ones_like', 'empty_like', 'full_like'] as const);
        const args: V[] = [T(size.map((x) => Math.max(x, 0)), g.dtype())];
        if (name === 'full_like') args.push(g.pick([I(2), F(1.5), B(false)]));
        return TF(name, args, kw);
      }
      case 5: case 6: {
        const num = (): V => (g.ch(0.7) ? I(g.ri(-3, 8)) : F(g.pick([0.5, -1.25, 2.5, 0.1, 3.0, 0.0])));
        const args = [num()];
        if (g.ch(0.6)) args.push(num());
        if (args.length === 2 && g.ch(0.5)) args.push(g.ch(0.8) ? (g.ch(0.5) ? I(g.pick([1, 2, -1, 3, 0])) : F(g.pick([0.3, 0.5, -0.25, 0.1]))) : I(0));
        if (kw.requires_grad) delete kw.requires_grad;
        return TF('arange', args, kw);
      }
      case 7: {
        const name = g.pick(['linspace', 'logspace'] as const);
        // logspace on Half is a CPU-only gap
        if (name === 'logspace' && kw.dtype && 'dt' in kw.dtype && kw.dtype.dt === 'float16') delete kw.dtype;
        return TF(name, [I(g.ri(-2, 2)), F(g.pick([1.0, 10.0])), I(g.ri(-1, 6))], kw);
      }
      case 8: return g.ch(0.5) ? TF('eye', [I(g.ri(-1, 4))], kw) : TF('eye', [I(g.ri(-1, 4)), I(g.ri(-1, 4))], kw);
      case 9: case 10: {
        const leaf = (): V => (g.ch(0.5) ? I(g.ri(0, 5)) : g.ch(0.5) ? F(0.5) : B(true));
        const data = (depth: number, len: number): V => {
          if (depth === 0) return g.ch(0.04) ? L(leaf()) : leaf();
          const l = g.ch(0.08) ? len + 1 : len;
          const child = g.ri(0, 3);
          return L(...Array.from({ length: l }, () => data(depth - 1, child)));
        };
        const d = g.ch(0.1) ? leaf() : data(g.ri(1, 3), g.ri(0, 3));
        if (kw.dtype && 'dt' in kw.dtype) delete kw.dtype;
        return TF(g.pick(['tensor', 'as_tensor'] as const), [d], g.ch(0.2) ? { requires_grad: B(true) } : {});
      }
      case 11: return TF('tensor', [T(size.map((x) => Math.max(x, 0)), g.dtype())], {});
      case 12: {
        const ms = size.map((x) => Math.max(x, 1));
        const f2 = g.ri(0, 3);
        if (f2 === 0) return TF('normal', [F(0.0), F(g.pick([1.0, -1.0])), TU(...ints(size))], kw.dtype ? { dtype: kw.dtype } : {});
        if (f2 === 1) return TF('normal', [T(ms, g.pick(['float32', 'float64', 'int64'] as const)), F(g.pick([1.0, 0.5]))]);
        if (f2 === 2) return TF('normal', [F(0.0), T(ms, g.pick(['float32', 'float64'] as const))]);
        return TF('normal', [T(ms), T(ms.slice(g.ri(0, ms.length)).map((x) => (g.ch(0.2) ? x + 1 : x)), g.pick(['float32', 'float64'] as const))]);
      }
      default: return TF('randperm', [I(g.ri(-1, 5))], kw.dtype && 'dt' in kw.dtype && kw.dtype.dt !== 'bool' ? { dtype: kw.dtype } : {});
    }
  },
};

/** How many configurations of each generator (weights). */
const COUNTS: Record<string, number> = {
  view: 220, viewDtype: 40, flatten: 80, unflatten: 80, squeeze: 60, unsqueeze: 50, permute: 90, transpose: 80, expand: 120,
  repeat: 60, narrow: 80, select: 70, indexSelect: 80, maskedFill: 80, split: 120, chunk: 70, reduce: 450, cat: 160, stack: 100,
  matmul: 250, binop: 450, binMethod: 160, where: 90, broadcastTensors: 60, convert: 180, index: 550, create: 330, attr: 60, misc: 40,
};

/** Hand-written cases from the brief and from edge cases found while probing. */
const FIXED: Cfg[] = [
  M('view', T([4096]), [I(8), I(512)]),
  M('view', T([8, 512]), [I(8), I(4096)]),
  M('view', T([4096]), [I(-1), I(-1)]),
  M('view', T([0, 3]), [I(-1), I(0)]),
  TF('cat', [L(T([2, 4]), T([2, 8]))], { dim: I(0) }),
  TF('cat', [L(T([4, 3]), T([8, 3]))], { dim: I(1) }),
  TF('cat', [L(T([2, 4]), T([2, 8])), I(1)]),
  TF('cat', [L(T([2, 3]), T([2, 3]), T([4, 3]), T([2, 4])), I(0)]),
  TF('stack', [L(T([2, 3]), T([2, 4]))]),
  TF('stack', [L(T([2, 3]), T([2, 4])), I(2)]),
  TF('stack', [L(T([2, 3]), T([3])), I(-1)]),
  TF('stack', [L(T([2, 3]), T([3])), I(2)]),
  TF('mm', [T([8, 512]), T([128, 1])]),
  TF('matmul', [T([2, 2, 3]), T([3, 4, 2])]),
  TF('matmul', [T([3]), T([2, 3, 2], 'float64')]),
  { kind: 'op', op: '+', a: T([2, 3]), b: T([4]) },
  { kind: 'op', op: '*', a: T([2, 3]), b: T([5, 1, 4]) },
  { kind: 'ix', self: T([3]), index: I(5) },
  { kind: 'ix', self: T([3, 4, 5]), index: TU(I(0), SL(null, null, null), L(I(1), I(2))) },
  { kind: 'ix', self: T([3, 4, 5]), index: TU(SL(null, null, null), L(I(0), I(1)), null, L(I(1), I(2))) },
  { kind: 'ix', self: T([3, 4]), index: L(L(I(0), I(5)), L(I(4), I(1))) },
  { kind: 'ix', self: T([3, 4]), index: TU(L(I(0), I(5)), L(I(4), I(1))) },
  { kind: 'ix', self: T([3, 4]), index: TU(B(false), L(I(0), I(1))) },
  { kind: 'ix', self: T([0, 4]), index: L(I(0)) },
  { kind: 'ix', self: T([3, 4, 5]), index: TU(T([3, 4], 'bool'), I(0)) },
  { kind: 'ix', self: T([3, 4]), index: TU(E, I(0), E, I(0)) },
  { kind: 'ix', self: T([3, 4]), index: L(B(true), B(false), B(true)) },
  { kind: 'ix', self: T([3, 4]), index: TU(L(B(true), B(false), B(true)), L(I(0), I(7))) },
  { kind: 'ix', self: T([]), index: I(0) },
  { kind: 'ix', self: T([]), index: SL(null, null, null) },
  { kind: 'ix', self: T([]), index: TU(null, I(0)) },
  TF('tensor', [L(L(I(1), I(2)), L(I(3)))]),
  TF('tensor', [L(L(I(1), I(2)), I(3))]),
  TF('tensor', [L(I(1), L(I(2)))]),
  TF('tensor', [L(F(1.5), L(I(2)))]),
  TF('tensor', [L(L(I(1), null), L(I(3), I(4)))]),
  TF('tensor', [L(T([2]), T([2]))]),
  TF('tensor', [L(T([1]), I(2))]),
  TF('tensor', [L(L(I(1), I(2)), T([2]))]),
  TF('arange', [I(0), F(1.0), F(0.1)]),
  TF('arange', [I(0), F(0.3), F(0.1)]),
  TF('arange', [F(0.5)], { dtype: DT('int64') }),
  TF('randint', [I(5), I(3), TU(I(2))]),
  TF('randint', [I(5), TU(I(2))], { dtype: DT('bool') }),
  TF('full', [TU(I(2), I(3)), T([], 'bool')]),
  M('norm', T([2, 3], 'int64'), [], { dim: TU(I(0), I(1)) }),
  M('norm', T([2, 3]), [], { p: S('abc') }),
  M('norm', T([2, 3]), [], { dtype: DT('float64') }),
  M('expand', T([]), [I(-1)]),
  M('expand', T([2, 1]), [I(-1), I(2), I(4)]),
  M('repeat', T([2, 3]), [I(2), I(-1)]),
];

// ---------------------------------------------------------------------------------------------------------------
// both sides
// ---------------------------------------------------------------------------------------------------------------
const CTX = { warn() {} };

function runTs(c: Cfg): R {
  try {
    let r: Py;
    if (c.kind === 'op') r = binaryOp(c.op, dec(c.a), dec(c.b));
    else if (c.kind === 'ix') r = indexShape(dec(c.self) as ReturnType<typeof tensor>, dec(c.index));
    else if (c.kind === 'attr') {
      const a = tensorAttr(dec(c.self) as ReturnType<typeof tensor>, c.name);
      if (a === undefined) return { crash: `no attribute ${c.name}` };
      r = a;
    }
    else {
      const fam = c.kind === 'm' ? tensorOps.methods : { ...tensorOps.torch, ...creation.torch };
      const fn: TorchFn | undefined = fam?.[c.name];
      if (!fn) return { crash: `no ${c.kind === 'm' ? 'method' : 'function'} ${c.name}` };
      const pos = c.kind === 'm' ? [dec(c.self), ...c.args.map(dec)] : c.args.map(dec);
      r = fn({ pos, kw: new Map(Object.entries(c.kw).map(([k, v]) => [k, dec(v)])) }, CTX);
    }
    return enc(r);
  } catch (e) {
    if (e instanceof TorchError) return { err: e.pyType, msg: e.message };
    if (e instanceof UnknownValue) return { u: e.why };
    return { crash: String((e as Error).stack ?? e) };
  }
}

const PY = String.raw`
import json, sys, warnings, operator
warnings.simplefilter('ignore')
import torch

def dec(v):
    if v is None: return None
    if 'i' in v: return v['i']
    if 'f' in v: return float(v['f'])
    if 'b' in v: return v['b']
    if 's' in v: return v['s']
    if 'dt' in v: return getattr(torch, v['dt'])
    if 'l' in v: return [dec(x) for x in v['l']]
    if 'tu' in v: return tuple(dec(x) for x in v['tu'])
    if 'size' in v: return torch.Size(v['size'])
    if 'sl' in v: return slice(*v['sl'])
    if 'e' in v: return Ellipsis
    dt = getattr(torch, v['d'])
    return (torch.zeros if v.get('z') else torch.ones)(tuple(v['t']), dtype=dt)

def enc(r):
    if isinstance(r, torch.Tensor): return {'t': list(r.shape), 'd': str(r.dtype).replace('torch.', '')}
    if isinstance(r, torch.Size): return {'size': list(r)}
    if isinstance(r, (tuple, list)): return {'tu': [enc(x) for x in r]}
    if isinstance(r, bool): return {'b': r}
    if isinstance(r, int): return {'i': r}
    if isinstance(r, float): return {'f': r}
    if isinstance(r, str): return {'s': r}
    if isinstance(r, torch.dtype): return {'s': str(r).replace('torch.', '')}
    return {'crash': 'python result ' + type(r).__name__}

OPS = {'+': operator.add, '-': operator.sub, '*': operator.mul, '/': operator.truediv, '//': operator.floordiv,
       '%': operator.mod, '**': operator.pow, '&': operator.and_, '|': operator.or_, '^': operator.xor, '@': operator.matmul,
       '<': operator.lt, '<=': operator.le, '>': operator.gt, '>=': operator.ge, '==': operator.eq, '!=': operator.ne}

out = []
for c in json.load(sys.stdin):
    try:
        k = c['kind']
        if k == 'op': r = OPS[c['op']](dec(c['a']), dec(c['b']))
        elif k == 'ix': r = dec(c['self'])[dec(c['index'])]
        elif k == 'attr': r = getattr(dec(c['self']), c['name'])
        elif k == 'm': r = getattr(dec(c['self']), c['name'])(*[dec(x) for x in c['args']], **{a: dec(b) for a, b in c['kw'].items()})
        else: r = getattr(torch, c['name'])(*[dec(x) for x in c['args']], **{a: dec(b) for a, b in c['kw'].items()})
        out.append(enc(r))
    except Exception as e:
        out.append({'err': type(e).__name__, 'msg': str(e)})
print(json.dumps(out))
`;

/** Does the TypeScript result agree with PyTorch's? `vd`: an unknown shape/value stands for any value. */
function agree(ts: R, py: R, vd: boolean): boolean {
  if ('crash' in ts || 'crash' in py) return false;
  // value-dependent: an unknown answer stands for any outcome, PyTorch's error included
  if ('u' in ts) return vd;
  if (vd && 't' in ts && ts.t === null) return 'err' in py || ('t' in py && py.d === ts.d);
  if ('err' in ts || 'err' in py) return 'err' in ts && 'err' in py && ts.err === py.err && ts.msg === py.msg;
  if ('t' in ts) {
    if (!('t' in py) || ts.d !== py.d) return false;
    if (ts.t === null) return vd;
    return JSON.stringify(ts.t) === JSON.stringify(py.t);
  }
  if ('tu' in ts) {
    return 'tu' in py && ts.tu.length === py.tu.length && ts.tu.every((x, i) => agree(x, py.tu[i], vd));
  }
  if ('f' in ts && 'f' in py) return Object.is(ts.f, py.f) || Math.abs(ts.f - py.f) < 1e-12;
  return JSON.stringify(ts) === JSON.stringify(py);
}

test('tensorOps and creation agree with PyTorch 1.13 on a seeded random sample', (t) => {
  if (!requireTorch(t)) return;
  const g = new Gen(Number(process.env.TENSOROPS_SEED ?? 20240613));
  const cfgs: Cfg[] = [...FIXED];
  for (const [name, n] of Object.entries(COUNTS)) for (let i = 0; i < n; i++) cfgs.push(GENS[name](g));
  const started = Date.now();
  const py = runPython<R[]>(PY, cfgs);
  const pyMs = Date.now() - started;
  assert.equal(py.length, cfgs.length);
  const bad: string[] = [];
  let errors = 0;
  let partial = 0;
  cfgs.forEach((c, i) => {
    const ts = runTs(c);
    if ('err' in py[i]) errors++;
    if (('u' in ts || ('t' in ts && ts.t === null)) && !('err' in py[i])) partial++;
    if (!agree(ts, py[i], c.vd === true)) bad.push(`${JSON.stringify(c)}\n    ts: ${JSON.stringify(ts)}\n    py: ${JSON.stringify(py[i])}`);
  });
  t.diagnostic(`${cfgs.length} configurations (${errors} raise in PyTorch, ${partial} value-dependent), PyTorch ran in ${pyMs} ms, ${bad.length} disagreements`);
  assert.ok(cfgs.length >= 500);
  assert.equal(bad.length, 0, `${bad.length} disagreements:\n${bad.slice(0, 40).join('\n')}`);
});
