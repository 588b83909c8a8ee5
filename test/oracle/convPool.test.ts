/**
 * Seeded randomized differential test of conv.ts, pool.ts and resize.ts against real PyTorch.
 *
 * For each family, a fixed-seed generator makes ≥ 500 configurations (module construction + forward, or a
 * functional call), valid and invalid alike. All configurations of a family run in ONE Python process
 * (JSON list on stdin, JSON list back), under torch.no_grad() on zero tensors of the input shape.
 * For every configuration the TypeScript answer must equal PyTorch's:
 *   - both succeed with the same output shape(s), and for modules the same parameter count
 *     (sum of numel of parameters()), or
 *   - both raise at the same stage (constructor or call) with the same exception type and the same message.
 *
 * Message comparison rules (decided here, applied to both sides):
 *   - only the FIRST LINE of str(e) is compared: PyTorch's "invalid combination of arguments" TypeErrors append a
 *     multi-line list of overloads that the static checker does not reproduce;
 *   - the items of a Python set literal in a message (`{'zeros', 'reflect', ...}`) are compared as a set: CPython
 *     prints sets in hash order, which changes with PYTHONHASHSEED from run to run.
 * Expected values always come from PyTorch in the same run; nothing is hard-coded.
 *
 * Two conditions of the run matter to PyTorch's answers and are part of what is compared:
 *   - torch.no_grad(): max_pool1d on an input that needs no grad takes a path that allows an empty output;
 *   - one CPU thread (runPython sets OMP_NUM_THREADS=1): the conv backend choice (mkldnn or not) depends on it,
 *     and with it the wording for dilation ≤ 0 and kernel size 0.
 * CONVPOOL_SEED / CONVPOOL_SCALE (below) explore other seeds and more configurations; CONVPOOL_STATS=1 prints
 * how many configurations raise and which messages PyTorch gave.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { family as conv } from '../../src/core/torch/conv';
import { family as pool } from '../../src/core/torch/pool';
import { family as resize } from '../../src/core/torch/resize';
import type { ModuleDef, TorchFn } from '../../src/core/torch/types';
import { bind } from '../../src/core/torch/args';
import { TorchError, UnknownValue } from '../../src/core/torch/types';
import { tensor, type Py } from '../../src/core/python/values';
import { mulberry32 } from '../support/mutate';

// ---------------------------------------------------------------------------------------------------------------
// JSON encoding of Python values shared by both sides
//   number (integer) → int, {f} → float, {t} → tuple, array → list, {T} → zeros tensor of that shape,
//   {S} → torch.Size, null → None, true/false → bool, string → str
// ---------------------------------------------------------------------------------------------------------------
type J = number | boolean | string | null | J[] | { f: number } | { t: J[] } | { T: number[] } | { S: number[] };
const f = (x: number): J => ({ f: x });
const t = (...xs: J[]): J => ({ t: xs });
const T = (shape: number[]): J => ({ T: shape });

function dec(v: J): Py {
  if (v === null) return { k: 'none' };
  if (typeof v === 'number') return { k: 'int', v };
  if (typeof v === 'boolean') return { k: 'bool', v };
  if (typeof v === 'string') return { k: 'str', v };
  if (Array.isArray(v)) return { k: 'list', items: v.map(dec) };
  if ('f' in v) return { k: 'float', v: v.f };
  if ('t' in v) return { k: 'tuple', items: v.t.map(dec) };
  if ('T' in v) return tensor(v.T);
  return { k: 'tuple', items: v.S.map((x) => ({ k: 'int', v: x }) as Py), size: true };
}

interface Cfg {
  kind: 'module' | 'fn';
  /** nn class, or function name */
  name: string;
  /** 'F' (torch.nn.functional) or 'torch' for kind 'fn' */
  ns?: 'F' | 'torch';
  args: J[];
  kwargs: Record<string, J>;
  /** module input shape */
  input?: number[];
  /** module forward keyword arguments */
  fwd?: Record<string, J>;
}

interface Res {
  ok: boolean;
  stage?: 'init' | 'forward';
  out?: unknown;
  params?: number | null;
  type?: string;
  msg?: string;
}

const PY = String.raw`
import sys, json, warnings
warnings.simplefilter('ignore')
import torch, torch.nn as nn, torch.nn.functional as F
def dec(v):
    if isinstance(v, dict):
        if 'f' in v: return float(v['f'])
        if 't' in v: return tuple(dec(x) for x in v['t'])
        if 'T' in v: return torch.zeros(v['T'])
        if 'S' in v: return torch.Size(v['S'])
    if isinstance(v, list): return [dec(x) for x in v]
    return v
def shp(r):
    if isinstance(r, torch.Tensor): return list(r.shape)
    if isinstance(r, (tuple, list)): return [shp(x) for x in r]
    return repr(r)
def run(c):
    stage = 'init'
    params = None
    try:
        with torch.no_grad():
            if c['kind'] == 'module':
                m = getattr(nn, c['name'])(*[dec(a) for a in c['args']], **{k: dec(v) for k, v in c['kwargs'].items()})
                params = sum(p.numel() for p in m.parameters())
                stage = 'forward'
                r = m(torch.zeros(c['input']), **{k: dec(v) for k, v in c.get('fwd', {}).items()})
            else:
                stage = 'forward'
                fn = getattr(F if c['ns'] == 'F' else torch, c['name'])
                r = fn(*[dec(a) for a in c['args']], **{k: dec(v) for k, v in c['kwargs'].items()})
        return {'ok': True, 'out': shp(r), 'params': params}
    except Exception as e:
        return {'ok': False, 'stage': stage, 'type': type(e).__name__, 'msg': str(e).split('\n')[0], 'params': params}
cfgs = json.load(sys.stdin)
json.dump([run(c) for c in cfgs], sys.stdout)
`;

function tsShape(v: Py): unknown {
  if (v.k === 'tensor') return v.shape;
  if (v.k === 'tuple' || v.k === 'list') return v.items.map(tsShape);
  return `<${v.k}>`;
}

/** The three families under test, merged as registry.ts merges them (imported directly to test them alone). */
const registry = {
  modules: new Map<string, ModuleDef>(),
  functional: new Map<string, TorchFn>(),
  torch: new Map<string, TorchFn>(),
};
for (const fam of [conv, pool, resize]) {
  for (const [k, v] of Object.entries(fam.modules ?? {})) registry.modules.set(k, v);
  for (const [k, v] of Object.entries(fam.functional ?? {})) registry.functional.set(k, v);
  for (const [k, v] of Object.entries(fam.torch ?? {})) registry.torch.set(k, v);
}

function runTs(c: Cfg): Res {
  const ctx = { warn: () => {}, training: true };
  let stage: 'init' | 'forward' = 'init';
  let params: number | null = null;
  try {
    if (c.kind === 'module') {
      const def = registry.modules.get(c.name);
      if (!def) throw new Error(`no module ${c.name}`);
      const kw = new Map(Object.entries(c.kwargs).map(([k, v]) => [k, dec(v)] as [string, Py]));
      const a = bind(c.name, def.signature, { pos: c.args.map(dec), kw }, def.extraKw);
      const cfg = def.init(a);
      params = def.parameters(cfg).reduce((s, p) => s + p.shape.reduce((x, y) => x * y, 1), 0);
      stage = 'forward';
      const fwdKw = new Map(Object.entries(c.fwd ?? {}).map(([k, v]) => [k, dec(v)] as [string, Py]));
      const r = def.forward(cfg, { pos: [tensor(c.input!)], kw: fwdKw }, ctx);
      return { ok: true, out: tsShape(r), params };
    }
    stage = 'forward';
    const table = c.ns === 'F' ? registry.functional : registry.torch;
    const fn = table.get(c.name);
    if (!fn) throw new Error(`no function ${c.ns}.${c.name}`);
    const kw = new Map(Object.entries(c.kwargs).map(([k, v]) => [k, dec(v)] as [string, Py]));
    const r = fn({ pos: c.args.map(dec), kw }, ctx);
    return { ok: true, out: tsShape(r), params };
  } catch (e) {
    if (e instanceof TorchError) return { ok: false, stage, type: e.pyType, msg: e.message.split('\n')[0], params };
    if (e instanceof UnknownValue) return { ok: false, stage, type: 'UnknownValue', msg: e.why, params };
    return { ok: false, stage, type: 'InternalError', msg: String((e as Error).stack ?? e), params };
  }
}

/** Sort the items of `{'a', 'b'}` set literals so that CPython's hash order does not matter. */
const normSets = (m: string): string => m.replace(/\{('[^']*'(?:, '[^']*')+)\}/g, (_, body: string) => `{${body.split(', ').sort().join(', ')}}`);

function disagreement(py: Res, ts: Res): string | null {
  if (py.ok !== ts.ok) return 'one raised, the other did not';
  if (py.ok) {
    if (JSON.stringify(py.out) !== JSON.stringify(ts.out)) return 'output shapes differ';
    if (py.params !== null && py.params !== undefined && py.params !== ts.params) return 'parameter counts differ';
    return null;
  }
  if (py.stage !== ts.stage) return 'raised at different stages';
  if (py.type !== ts.type) return 'exception types differ';
  if (normSets(py.msg!) !== normSets(ts.msg!)) return 'messages differ';
  if (py.params !== null && py.params !== undefined && py.params !== ts.params) return 'parameter counts differ';
  return null;
}

function check(name: string, cfgs: Cfg[]): void {
  const pyRes = runPython<Res[]>(PY, cfgs);
  assert.equal(pyRes.length, cfgs.length);
  const bad: string[] = [];
  let raised = 0;
  for (let i = 0; i < cfgs.length; i++) {
    const ts = runTs(cfgs[i]);
    const py = pyRes[i];
    if (!py.ok) raised++;
    const why = disagreement(py, ts);
    if (why) bad.push(`#${i} ${why}\n  config: ${JSON.stringify(cfgs[i])}\n  torch:  ${JSON.stringify(py)}\n  ts:     ${JSON.stringify(ts)}`);
  }
  // the generators must exercise both sides of every family
  assert.ok(raised >= cfgs.length * 0.1, `${name}: only ${raised} of ${cfgs.length} configs raise in PyTorch`);
  assert.ok(raised <= cfgs.length * 0.8, `${name}: ${raised} of ${cfgs.length} configs raise in PyTorch`);
  if (process.env.CONVPOOL_STATS) {
    const msgs = new Map<string, number>();
    for (const r of pyRes) if (!r.ok) msgs.set(`${r.type}: ${r.msg}`.replace(/\d+/g, 'N'), (msgs.get(`${r.type}: ${r.msg}`.replace(/\d+/g, 'N')) ?? 0) + 1);
    console.log(`${name}: ${cfgs.length} configs, ${raised} raise, ${msgs.size} distinct messages`);
    for (const [m, k] of [...msgs].sort((x, y) => y[1] - x[1])) console.log(`  ${k}\t${m.slice(0, 150)}`);
  }
  assert.equal(bad.length, 0, `${name}: ${bad.length} of ${cfgs.length} disagree with PyTorch:\n${bad.slice(0, 15).join('\n')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// seeded generators
// ---------------------------------------------------------------------------------------------------------------


class Gen {
  private r: () => number;
  constructor(seed: number) { this.r = mulberry32(seed); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.r() < p; }
  pick<X>(xs: readonly X[]): X { return xs[Math.floor(this.r() * xs.length)]; }
  /** small sizes are likelier (to reach "input too small") */
  size(max: number): number { return this.chance(0.35) ? this.int(1, 6) : this.int(1, max); }
  /** int or n-tuple of ints from [lo, hi]; now and then a tuple of the wrong length */
  intOrTuple(n: number, lo: number, hi: number, pTuple = 0.3, pWrongLen = 0): J {
    if (this.chance(pWrongLen)) return t(...Array.from({ length: this.pick([1, 2, 3, 4].filter((l) => l !== n)) }, () => this.int(lo, hi)));
    if (n > 1 && this.chance(pTuple)) return t(...Array.from({ length: n }, () => this.int(lo, hi)));
    return this.int(lo, hi);
  }
}

const expand = (v: J, n: number): number[] => (typeof v === 'number' ? new Array(n).fill(v) : (v as { t: number[] }).t);

/** A module input for an n-d layer: usually batched, sometimes unbatched, sometimes of the wrong rank. */
function inputShape(g: Gen, n: number, channels: number, maxSp: number, pWrongRank = 0.08, pWrongC = 0.08): number[] {
  const c = g.chance(pWrongC) ? g.int(1, 8) : channels;
  const sp = Array.from({ length: n }, () => g.size(maxSp));
  if (g.chance(pWrongRank)) {
    const rank = g.pick([1, 2, n + 3].filter((r) => r !== n + 1 && r !== n + 2));
    return Array.from({ length: rank }, () => g.int(1, 6));
  }
  const shape = g.chance(0.15) ? [c, ...sp] : [g.int(1, 2), c, ...sp];
  // now and then an empty dimension (a size sweep can produce one, e.g. after AdaptiveAvgPool2d(0))
  if (g.chance(0.03)) shape[g.int(0, shape.length - 1)] = 0;
  return shape;
}

function genConv(seed: number, count: number, n: number, transposed: boolean, maxSp: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const groups = g.chance(0.7) ? 1 : g.chance(0.05) ? g.pick([0, -1]) : g.int(2, 4);
    const gOk = Math.max(groups, 1);
    const inC = g.chance(0.9) ? gOk * g.int(1, Math.max(1, Math.floor(8 / gOk))) : g.int(1, 8);
    const outC = g.chance(0.9) ? gOk * g.int(1, Math.max(1, Math.floor(8 / gOk))) : g.int(1, 8);
    const kernel = g.chance(0.015) ? 0 : g.intOrTuple(n, 1, 7);
    const stride = g.chance(0.02) ? 0 : g.intOrTuple(n, 1, 3);
    const dilation = g.chance(0.7) ? 1 : g.chance(0.05) ? 0 : g.intOrTuple(n, 1, 3);
    const bias = g.chance(0.7);
    const useFn = g.chance(0.22);
    if (!transposed) {
      let padding: J = g.chance(0.03) ? -1 : g.intOrTuple(n, 0, 3);
      if (g.chance(0.15)) padding = g.pick(['same', 'same', 'valid', 'foo']);
      // 'same' is mostly unstrided, as PyTorch requires; sometimes strided to hit its error
      const st = padding === 'same' && g.chance(0.7) ? 1 : stride;
      if (useFn) {
        const w = [outC, Math.floor(inC / gOk), ...expand(kernel, n)];
        if (g.chance(0.05)) w.pop();
        const b: J = bias ? T(g.chance(0.05) ? [outC + 1] : [outC]) : null;
        const x = inputShape(g, n, inC, maxSp);
        const kwargs: Record<string, J> = {};
        if (st !== 1 || g.chance(0.3)) kwargs.stride = st;
        if (padding !== 0 || g.chance(0.3)) kwargs.padding = padding;
        if (dilation !== 1) kwargs.dilation = dilation;
        if (groups !== 1) kwargs.groups = groups;
        cfgs.push({ kind: 'fn', ns: g.chance(0.8) ? 'F' : 'torch', name: `conv${n}d`, args: [T(x), T(w), b], kwargs });
        continue;
      }
      const kwargs: Record<string, J> = { stride: st, padding, dilation, groups, bias };
      if (g.chance(0.15)) kwargs.padding_mode = g.pick(['reflect', 'replicate', 'circular', 'reflect', 'foo']);
      const ch = g.chance(0.5) ? [inC, outC, kernel] : [inC, outC];
      if (ch.length === 2) kwargs.kernel_size = kernel;
      cfgs.push({ kind: 'module', name: `Conv${n}d`, args: ch, kwargs, input: inputShape(g, n, inC, maxSp) });
    } else {
      const padding = g.chance(0.02) ? -1 : g.intOrTuple(n, 0, 4);
      const outputPadding = g.chance(0.6) ? 0 : g.intOrTuple(n, 0, 3);
      if (useFn) {
        const w = [inC, Math.floor(outC / gOk), ...expand(kernel, n)];
        const b: J = bias ? T(g.chance(0.05) ? [outC + 1] : [Math.floor(outC / gOk) * gOk]) : null;
        const x = inputShape(g, n, inC, maxSp);
        const kwargs: Record<string, J> = { stride, padding, output_padding: outputPadding, groups, dilation };
        cfgs.push({ kind: 'fn', ns: g.chance(0.8) ? 'F' : 'torch', name: `conv_transpose${n}d`, args: [T(x), T(w), b], kwargs });
        continue;
      }
      const kwargs: Record<string, J> = { stride, padding, output_padding: outputPadding, groups, bias, dilation };
      if (g.chance(0.03)) kwargs.padding_mode = 'reflect';
      const x = inputShape(g, n, inC, maxSp);
      const c: Cfg = { kind: 'module', name: `ConvTranspose${n}d`, args: [inC, outC, kernel], kwargs, input: x };
      if (g.chance(0.15) && x.length >= n + 1) {
        // output_size: valid (in the range), off by some, with the non-spatial dims, or of the wrong length
        const s = expand(stride as J, n), p = expand(padding, n), d = expand(dilation, n), k = expand(kernel, n);
        const sp = x.slice(-n);
        const want = sp.map((h, i) => (h - 1) * (s[i] || 1) - 2 * p[i] + d[i] * (k[i] - 1) + 1 + g.int(-1, Math.max(0, (s[i] || 1) - 1) + (g.chance(0.2) ? 1 : 0)));
        const form = g.pick(['list', 'tuple', 'full', 'short', 'size']);
        c.fwd = {
          output_size: form === 'list' ? want : form === 'tuple' ? t(...want) : form === 'full' ? [...x.slice(0, x.length - n), ...want]
            : form === 'size' ? { S: want } : want.slice(1),
        };
      }
      cfgs.push(c);
    }
  }
  return cfgs;
}

function genMaxPool(seed: number, count: number, ns: number[], maxSp: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const n = g.pick(ns);
    const kernel = g.chance(0.02) ? 0 : g.intOrTuple(n, 1, 6, 0.25, 0.02);
    const stride: J = g.chance(0.4) ? null : g.chance(0.02) ? 0 : g.intOrTuple(n, 1, 3, 0.2, 0.02);
    const padding = g.chance(0.5) ? 0 : g.chance(0.03) ? -1 : g.intOrTuple(n, 0, 3, 0.2, 0.02);
    const dilation = g.chance(0.7) ? 1 : g.chance(0.03) ? 0 : g.intOrTuple(n, 1, 3, 0.2, 0.02);
    const ceil = g.chance(0.35);
    const ri = g.chance(0.2);
    const x = inputShape(g, n, g.int(1, 8), maxSp, 0.08, 0);
    if (g.chance(0.25)) {
      const kwargs: Record<string, J> = { stride, padding, dilation, ceil_mode: ceil };
      if (ri || g.chance(0.2)) kwargs.return_indices = ri;
      cfgs.push({ kind: 'fn', ns: 'F', name: `max_pool${n}d`, args: [T(x), kernel], kwargs });
    } else {
      cfgs.push({
        kind: 'module', name: `MaxPool${n}d`, args: [kernel],
        kwargs: { stride, padding, dilation, return_indices: ri, ceil_mode: ceil }, input: x,
      });
    }
  }
  return cfgs;
}

function genAvgPool(seed: number, count: number, ns: number[], maxSp: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const n = g.pick(ns);
    const kernel = g.chance(0.02) ? 0 : g.intOrTuple(n, 1, 6, 0.25, 0.02);
    const stride: J = g.chance(0.4) ? null : g.chance(0.02) ? 0 : g.intOrTuple(n, 1, 3, 0.2, 0.02);
    const padding = g.chance(0.5) ? 0 : g.chance(0.03) ? -1 : g.intOrTuple(n, 0, 3, 0.2, 0.02);
    const ceil = g.chance(0.35);
    const cip = g.chance(0.7);
    const x = inputShape(g, n, g.int(1, 8), maxSp, 0.08, 0);
    const kwargs: Record<string, J> = { stride, padding, ceil_mode: ceil, count_include_pad: cip };
    if (n > 1 && g.chance(0.15)) kwargs.divisor_override = g.chance(0.3) ? 0 : g.int(1, 5);
    if (g.chance(0.25)) cfgs.push({ kind: 'fn', ns: 'F', name: `avg_pool${n}d`, args: [T(x), kernel], kwargs });
    else cfgs.push({ kind: 'module', name: `AvgPool${n}d`, args: [kernel], kwargs, input: x });
  }
  return cfgs;
}

function genAdaptive(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const n = g.pick([1, 2, 2, 3]);
    const kind = g.pick(['Avg', 'Max']);
    const one = (): J => (g.chance(0.1) ? null : g.chance(0.05) ? -1 : g.chance(0.2) ? 1 : g.int(0, 9));
    let os: J;
    if (g.chance(0.45)) os = g.chance(0.3) ? 1 : g.chance(0.04) ? -2 : g.int(0, 9);
    else {
      const len = g.chance(0.9) ? n : g.pick([1, 2, 3].filter((l) => l !== n));
      os = t(...Array.from({ length: len }, one));
    }
    const maxSp = n === 3 ? 10 : 24;
    const x = inputShape(g, n, g.int(1, 8), maxSp, 0.12, 0);
    const ri = kind === 'Max' && n < 3 && g.chance(0.3);
    if (g.chance(0.3)) {
      const kwargs: Record<string, J> = ri ? { return_indices: true } : {};
      cfgs.push({ kind: 'fn', ns: 'F', name: `adaptive_${kind.toLowerCase()}_pool${n}d`, args: [T(x), os], kwargs });
    } else {
      const kwargs: Record<string, J> = ri ? { return_indices: true } : {};
      cfgs.push({ kind: 'module', name: `Adaptive${kind}Pool${n}d`, args: [os], kwargs, input: x });
    }
  }
  return cfgs;
}

const SCALES = [0.5, 1.5, 2, 3, 0.3, 1.1, 0.7, 2.5, 1 / 3, 0.1, 4, 1.25, 0.9, 2.2];
const MODES = ['nearest', 'nearest', 'bilinear', 'linear', 'bicubic', 'trilinear', 'area', 'nearest-exact', 'foo'];

function genUpsample(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  const scale = (): J => {
    const s = g.pick(SCALES);
    if (g.chance(0.05)) return -0.5;
    return Number.isInteger(s) && g.chance(0.4) ? s : f(s);
  };
  while (cfgs.length < count) {
    const rank = g.chance(0.9) ? g.int(3, 5) : g.pick([2, 6]);
    const n = Math.max(rank - 2, 1);
    const maxSp = rank === 5 ? 8 : 24;
    const x = [g.int(1, 2), g.int(1, 4), ...Array.from({ length: rank - 2 }, () => g.size(maxSp))];
    if (g.chance(0.03)) x[g.int(0, x.length - 1)] = 0;
    const mode = g.chance(0.15) ? 'nearest' : g.pick(MODES);
    let size: J = null, sf: J = null;
    const which = g.int(0, 9);
    if (which <= 3) {
      size = g.chance(0.5) ? g.chance(0.05) ? 0 : g.chance(0.03) ? f(2.5) : g.int(1, 40)
        : t(...Array.from({ length: g.chance(0.9) ? n : n + 1 }, () => g.int(1, 40)));
      if (g.chance(0.3) && typeof size === 'object' && size !== null && 't' in size) size = size.t;
      if (g.chance(0.05) && typeof size === 'object' && size !== null && 't' in size) size.t[g.int(0, size.t.length - 1)] = f(2.5);
    } else if (which <= 8) {
      sf = g.chance(0.6) ? scale() : t(...Array.from({ length: g.chance(0.9) ? n : n + 1 }, scale));
    } else if (g.chance(0.5)) {
      size = g.int(1, 20); sf = scale();
    }
    const interpolating = mode === 'linear' || mode === 'bilinear' || mode === 'bicubic' || mode === 'trilinear';
    const ac: J = g.chance(interpolating ? 0.5 : 0.9) ? null : g.chance(0.5);
    const kind = g.int(0, 9);
    if (kind <= 3) {
      const kwargs: Record<string, J> = { size, scale_factor: sf, mode };
      if (ac !== null) kwargs.align_corners = ac;
      if (g.chance(0.15)) kwargs.recompute_scale_factor = g.chance(0.7);
      cfgs.push({ kind: 'module', name: 'Upsample', args: [], kwargs, input: x });
    } else if (kind <= 5) {
      cfgs.push({ kind: 'module', name: g.pick(['UpsamplingNearest2d', 'UpsamplingBilinear2d']), args: [], kwargs: { size, scale_factor: sf }, input: x });
    } else if (kind <= 8) {
      const kwargs: Record<string, J> = { size, scale_factor: sf, mode };
      if (ac !== null) kwargs.align_corners = ac;
      if (g.chance(0.15)) kwargs.recompute_scale_factor = g.chance(0.7);
      if (g.chance(0.1)) kwargs.antialias = true;
      cfgs.push({ kind: 'fn', ns: 'F', name: 'interpolate', args: [T(x)], kwargs });
    } else {
      const kwargs: Record<string, J> = { size, scale_factor: sf, mode };
      if (ac !== null) kwargs.align_corners = ac;
      cfgs.push({ kind: 'fn', ns: 'F', name: 'upsample', args: [T(x)], kwargs });
    }
  }
  return cfgs;
}

function genPixelShuffle(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const down = g.chance(0.5);
    const r: J = g.chance(0.05) ? g.pick([0, -1]) : g.chance(0.03) ? f(2) : g.int(1, 3);
    const rank = g.chance(0.9) ? g.int(3, 5) : g.pick([1, 2]);
    const rr = typeof r === 'number' && r > 0 ? r : 2;
    const x = Array.from({ length: rank }, () => g.int(1, 3));
    if (rank >= 3) {
      x[rank - 3] = down ? g.int(1, 4) : g.chance(0.7) ? rr * rr * g.int(1, 2) : g.int(1, 18);
      x[rank - 2] = down && g.chance(0.7) ? rr * g.int(1, 4) : g.int(1, 12);
      x[rank - 1] = down && g.chance(0.7) ? rr * g.int(1, 4) : g.int(1, 12);
    }
    if (g.chance(0.03)) x[g.int(0, x.length - 1)] = 0;
    const name = down ? 'PixelUnshuffle' : 'PixelShuffle';
    const fn = down ? 'pixel_unshuffle' : 'pixel_shuffle';
    const k = g.int(0, 9);
    if (k <= 5) cfgs.push({ kind: 'module', name, args: [r], kwargs: {}, input: x });
    else cfgs.push({ kind: 'fn', ns: k <= 8 ? 'F' : 'torch', name: fn, args: [T(x), r], kwargs: {} });
  }
  return cfgs;
}

// ---------------------------------------------------------------------------------------------------------------
// the families
// ---------------------------------------------------------------------------------------------------------------

/**
 * Configurations per main family. CONVPOOL_SEED (an offset added to every seed) and CONVPOOL_SCALE (a count
 * multiplier) explore beyond the fixed configurations when investigating; the defaults are what CI runs.
 */
const SEED = Number(process.env.CONVPOOL_SEED ?? 0);
const SCALE = Number(process.env.CONVPOOL_SCALE ?? 1);
const N = Math.round(520 * SCALE);
const M = (k: number): number => Math.round(k * SCALE);

test('Conv2d (nn.Conv2d, F.conv2d, torch.conv2d) agrees with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('Conv2d', genConv(SEED + 1001, N, 2, false, 40));
});

test('ConvTranspose2d (nn.ConvTranspose2d, F.conv_transpose2d) agrees with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('ConvTranspose2d', genConv(SEED + 1002, N, 2, true, 24));
});

test('Conv1d and ConvTranspose1d agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('Conv1d', [...genConv(SEED + 1003, N, 1, false, 40), ...genConv(SEED + 1004, M(260), 1, true, 24)]);
});

test('Conv3d and ConvTranspose3d agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('Conv3d', [...genConv(SEED + 1005, M(260), 3, false, 9), ...genConv(SEED + 1006, M(260), 3, true, 6)]);
});

test('MaxPool2d (nn.MaxPool2d, F.max_pool2d) agrees with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('MaxPool2d', genMaxPool(SEED + 2001, N, [2], 40));
});

test('MaxPool1d and MaxPool3d agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('MaxPool1d/3d', [...genMaxPool(SEED + 2002, M(300), [1], 40), ...genMaxPool(SEED + 2003, M(260), [3], 10)]);
});

test('AvgPool2d (nn.AvgPool2d, F.avg_pool2d) agrees with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('AvgPool2d', genAvgPool(SEED + 3001, N, [2], 40));
});

test('AvgPool1d and AvgPool3d agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('AvgPool1d/3d', [...genAvgPool(SEED + 3002, M(300), [1], 40), ...genAvgPool(SEED + 3003, M(260), [3], 10)]);
});

test('Adaptive pools (AdaptiveAvg/MaxPool1d/2d/3d, F.adaptive_*) agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('Adaptive pools', genAdaptive(SEED + 4001, N));
});

test('Upsample / interpolate (nn.Upsample*, F.interpolate, F.upsample) agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('Upsample/interpolate', genUpsample(SEED + 5001, N));
});

test('PixelShuffle / PixelUnshuffle agree with PyTorch', (tc) => {
  if (!requireTorch(tc)) return;
  check('PixelShuffle', genPixelShuffle(SEED + 6001, N));
});
