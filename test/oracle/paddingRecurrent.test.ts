/**
 * Seeded randomized differential test of padding.ts and recurrent.ts against real PyTorch 1.13.
 *
 * Families: padding (nn.ZeroPad2d, nn.ConstantPad/ReflectionPad/ReplicationPad 1d-3d, F.pad in every mode),
 * recurrent (nn.RNN/LSTM/GRU and their cells), attention (nn.MultiheadAttention) and unfold (nn.Unfold/Fold,
 * F.unfold/F.fold, nn.ChannelShuffle, F.channel_shuffle). A fixed-seed generator makes the configurations, valid
 * and invalid alike; all configurations of a family run in ONE Python process (JSON list on stdin, JSON list on
 * stdout) under torch.no_grad() on zero tensors. For every configuration the TypeScript answer must equal
 * PyTorch's:
 *   - both succeed with the same output shapes (nested for tuples, 'None' for None) and, for modules, the same
 *     parameters (named_parameters() names and shapes, in order), or
 *   - both raise at the same stage (constructor or call) with the same exception type and the same message.
 * Only the FIRST LINE of str(e) is compared (PyTorch's "invalid combination of arguments" TypeErrors append a list
 * of overloads). Expected values always come from PyTorch in the same run; nothing is hard-coded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { registry } from '../../src/core/torch/registry';
import { bind } from '../../src/core/torch/args';
import { TorchError, UnknownValue } from '../../src/core/torch/types';
import { tensor, type DType, type Py } from '../../src/core/python/values';

// ---------------------------------------------------------------------------------------------------------------
// JSON encoding of Python values shared by both sides
//   number (integer) → int, {f} → float, {t} → tuple, array → list, {T, d?} → a fresh zeros tensor,
//   {X: i} → the config's i-th pooled tensor (the same object each time: `q is k` holds), {S} → torch.Size,
//   null → None, true/false → bool, string → str
// ---------------------------------------------------------------------------------------------------------------
type J = number | boolean | string | null | J[] | { f: number } | { t: J[] } | { T: number[]; d?: DType } | { X: number } | { S: number[] };
const f = (x: number): J => ({ f: x });
const t = (...xs: J[]): J => ({ t: xs });
const T = (shape: number[], d?: DType): J => (d && d !== 'float32' ? { T: shape, d } : { T: shape });
const X = (i: number): J => ({ X: i });

interface Cfg {
  kind: 'module' | 'fn';
  /** nn class, or function name */
  name: string;
  /** 'F' (torch.nn.functional) or 'torch' for kind 'fn' */
  ns?: 'F' | 'torch';
  args: J[];
  kwargs: Record<string, J>;
  /** module forward positional / keyword arguments */
  fwd?: J[];
  fwdKw?: Record<string, J>;
  /** tensors referenced by {X: i}: [shape, dtype] */
  pool?: [number[], DType][];
  /** module.eval() before the call */
  eval?: boolean;
}

interface Res {
  ok: boolean;
  stage?: 'init' | 'forward';
  out?: unknown;
  params?: [string, number[]][] | null;
  type?: string;
  msg?: string;
}

const PY = String.raw`
import sys, json, warnings
warnings.simplefilter('ignore')
import torch, torch.nn as nn, torch.nn.functional as F
DT = {'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16, 'int64': torch.int64,
      'int32': torch.int32, 'uint8': torch.uint8, 'bool': torch.bool}
def dec(v, pool):
    if isinstance(v, dict):
        if 'f' in v: return float(v['f'])
        if 't' in v: return tuple(dec(x, pool) for x in v['t'])
        if 'T' in v: return torch.zeros(v['T'], dtype=DT[v.get('d', 'float32')])
        if 'X' in v: return pool[v['X']]
        if 'S' in v: return torch.Size(v['S'])
    if isinstance(v, list): return [dec(x, pool) for x in v]
    return v
def shp(r):
    if isinstance(r, torch.Tensor): return list(r.shape)
    if isinstance(r, (tuple, list)): return [shp(x) for x in r]
    return repr(r)
def run(c):
    stage = 'init'
    params = None
    pool = [torch.zeros(s, dtype=DT[d]) for s, d in c.get('pool', [])]
    try:
        with torch.no_grad():
            if c['kind'] == 'module':
                m = getattr(nn, c['name'])(*[dec(a, pool) for a in c['args']], **{k: dec(v, pool) for k, v in c['kwargs'].items()})
                params = [[n, list(p.shape)] for n, p in m.named_parameters()]
                if c.get('eval'): m.eval()
                stage = 'forward'
                r = m(*[dec(a, pool) for a in c.get('fwd', [])], **{k: dec(v, pool) for k, v in c.get('fwdKw', {}).items()})
            else:
                stage = 'forward'
                fn = getattr(F if c['ns'] == 'F' else torch, c['name'])
                r = fn(*[dec(a, pool) for a in c['args']], **{k: dec(v, pool) for k, v in c['kwargs'].items()})
        return {'ok': True, 'out': shp(r), 'params': params}
    except Exception as e:
        return {'ok': False, 'stage': stage, 'type': type(e).__name__, 'msg': str(e).split('\n')[0], 'params': params}
cfgs = json.load(sys.stdin)
json.dump([run(c) for c in cfgs], sys.stdout)
`;

function makeDec(pool: Py[]): (v: J) => Py {
  const dec = (v: J): Py => {
    if (v === null) return { k: 'none' };
    if (typeof v === 'number') return { k: 'int', v };
    if (typeof v === 'boolean') return { k: 'bool', v };
    if (typeof v === 'string') return { k: 'str', v };
    if (Array.isArray(v)) return { k: 'list', items: v.map(dec) };
    if ('f' in v) return { k: 'float', v: v.f };
    if ('t' in v) return { k: 'tuple', items: v.t.map(dec) };
    if ('T' in v) return tensor(v.T, v.d ?? 'float32');
    if ('X' in v) return pool[v.X];
    return { k: 'tuple', items: v.S.map((x) => ({ k: 'int', v: x }) as Py), size: true };
  };
  return dec;
}

function tsShape(v: Py): unknown {
  if (v.k === 'tensor') return v.shape;
  if (v.k === 'tuple' || v.k === 'list') return v.items.map(tsShape);
  if (v.k === 'none') return 'None';
  return `<${v.k}>`;
}

function runTs(c: Cfg): Res {
  const ctx = { warn: () => {}, training: !c.eval };
  let stage: 'init' | 'forward' = 'init';
  let params: [string, number[]][] | null = null;
  const pool = (c.pool ?? []).map(([s, d]) => tensor(s, d) as Py);
  const dec = makeDec(pool);
  const kwMap = (o: Record<string, J> | undefined) => new Map(Object.entries(o ?? {}).map(([k, v]) => [k, dec(v)] as [string, Py]));
  try {
    if (c.kind === 'module') {
      const def = registry.modules.get(c.name);
      if (!def) throw new Error(`no module ${c.name}`);
      const a = bind(`${c.name}.__init__`, def.signature, { pos: c.args.map(dec), kw: kwMap(c.kwargs) }, def.extraKw);
      const cfg = def.init(a);
      params = def.parameters(cfg).map((p) => [p.name, p.shape]);
      stage = 'forward';
      const r = def.forward(cfg, { pos: (c.fwd ?? []).map(dec), kw: kwMap(c.fwdKw) }, ctx);
      return { ok: true, out: tsShape(r), params };
    }
    stage = 'forward';
    const table = c.ns === 'F' ? registry.functional : registry.torch;
    const fn = table.get(c.name);
    if (!fn) throw new Error(`no function ${c.ns}.${c.name}`);
    const r = fn({ pos: c.args.map(dec), kw: kwMap(c.kwargs) }, ctx);
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
  if (JSON.stringify(py.params ?? null) !== JSON.stringify(ts.params ?? null) && py.params) return 'parameters differ';
  if (py.ok) return JSON.stringify(py.out) !== JSON.stringify(ts.out) ? 'output shapes differ' : null;
  if (py.stage !== ts.stage) return 'raised at different stages';
  if (py.type !== ts.type) return 'exception types differ';
  if (normSets(py.msg!) !== normSets(ts.msg!)) return 'messages differ';
  return null;
}

function check(name: string, cfgs: Cfg[], minRaise = 0.1, maxRaise = 0.8): void {
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
  if (process.env.ORACLE_STATS) {
    const msgs = new Map<string, number>();
    for (const r of pyRes) {
      if (r.ok) continue;
      const key = `${r.type}: ${r.msg}`.replace(/\d+/g, 'N');
      msgs.set(key, (msgs.get(key) ?? 0) + 1);
    }
    console.log(`${name}: ${cfgs.length} configs, ${raised} raise, ${msgs.size} distinct messages`);
    for (const [m, k] of [...msgs].sort((x, y) => y[1] - x[1])) console.log(`  ${k}\t${m.slice(0, 160)}`);
  }
  assert.equal(bad.length, 0, `${name}: ${bad.length} of ${cfgs.length} disagree with PyTorch:\n${bad.slice(0, 12).join('\n')}`);
  // the generators must exercise both sides of every family
  assert.ok(raised >= cfgs.length * minRaise, `${name}: only ${raised} of ${cfgs.length} configs raise in PyTorch`);
  assert.ok(raised <= cfgs.length * maxRaise, `${name}: ${raised} of ${cfgs.length} configs raise in PyTorch`);
}

// ---------------------------------------------------------------------------------------------------------------
// seeded generators
// ---------------------------------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  private r: () => number;
  constructor(seed: number) { this.r = mulberry32(seed); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.r() < p; }
  pick<Y>(xs: readonly Y[]): Y { return xs[Math.floor(this.r() * xs.length)]; }
  /** a dtype: mostly float32 */
  dtype(pOther = 0.1): DType {
    return this.chance(pOther) ? this.pick(['float64', 'int64', 'float16', 'bool', 'int32', 'uint8'] as DType[]) : 'float32';
  }
}

/** The generators' seed: fixed, or ORACLE_SEED (to explore more configurations by hand). */
const seed = (s: number): number => (process.env.ORACLE_SEED ? s ^ Number(process.env.ORACLE_SEED) : s);

// ---------------------------------------------------------------------------------------------------------------
// padding
// ---------------------------------------------------------------------------------------------------------------

const PAD_MODULES: [string, number][] = [
  ['ZeroPad2d', 2], ['ConstantPad1d', 1], ['ConstantPad2d', 2], ['ConstantPad3d', 3],
  ['ReflectionPad1d', 1], ['ReflectionPad2d', 2], ['ReflectionPad3d', 3],
  ['ReplicationPad1d', 1], ['ReplicationPad2d', 2], ['ReplicationPad3d', 3],
];

function padAmount(g: Gen): number {
  if (g.chance(0.25)) return g.int(-4, -1);
  return g.chance(0.3) ? 0 : g.int(1, 4);
}

/** A padding argument for n spatial dims: an int, or a tuple/list of (usually) 2n ints; sometimes ill-typed. */
function padArg(g: Gen, n: number): J {
  if (g.chance(0.03)) return g.pick([f(1.5), null, 'ab', true, t(1, f(2)), t(true, 1)] as J[]);
  if (g.chance(0.3)) return padAmount(g);
  const len = g.chance(0.85) ? 2 * n : g.pick([1, 2, 3, 4, 6, 8].filter((l) => l !== 2 * n));
  const items = Array.from({ length: len }, () => padAmount(g));
  const form = g.int(0, 9);
  return form <= 5 ? t(...items) : form <= 8 ? items : { S: items };
}

function padInput(g: Gen, n: number): number[] {
  const rank = g.chance(0.85) ? n + g.int(1, 2) : g.int(0, 5);
  return Array.from({ length: rank }, (_, i) => (g.chance(0.06) ? 0 : i < rank - n ? g.int(1, 3) : g.int(1, 6)));
}

function genPadding(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    if (g.chance(0.5)) {
      const [name, n] = g.pick(PAD_MODULES);
      const x = padInput(g, n);
      const args: J[] = [padArg(g, n)];
      const kwargs: Record<string, J> = {};
      if (name.startsWith('Constant')) {
        const value: J = g.chance(0.9) ? g.pick([0, 1, f(2.5), f(-1), true]) : g.pick([null, 'a']);
        if (g.chance(0.7)) args.push(value); else kwargs.value = value;
        if (g.chance(0.02)) args.pop();
      }
      if (g.chance(0.015)) args.push(3);
      const c: Cfg = { kind: 'module', name, args, kwargs, fwd: [T(x, g.dtype(0.15))] };
      if (g.chance(0.02)) c.fwd = g.pick([[], [T(x), 1]] as J[][]);
      cfgs.push(c);
    } else {
      const n = g.pick([1, 2, 3]);
      const x = padInput(g, n);
      const mode = g.chance(0.97) ? g.pick(['constant', 'reflect', 'replicate', 'circular', 'reflect', 'replicate', 'circular']) : g.pick(['foo', 'zeros']);
      const pad = g.chance(0.1) ? padArg(g, g.pick([0, 1, 2, 3])) : padArg(g, n);
      const args: J[] = [T(x, g.dtype(0.15)), pad];
      const kwargs: Record<string, J> = {};
      if (mode !== 'constant' || g.chance(0.5)) {
        if (g.chance(0.6)) args.push(mode); else kwargs.mode = mode;
      }
      if (g.chance(0.2)) {
        const value: J = g.pick([0, f(0), 1, f(2.5), null, false, 'a', f(-0.5)]);
        if (args.length === 3 && g.chance(0.5)) args.push(value); else kwargs.value = value;
      }
      if (g.chance(0.03)) {
        const which = g.int(0, 4);
        if (which === 0) args.splice(1);
        else if (which === 1) kwargs.foo = 1;
        else if (which === 2) { args.length = 3; args[2] = args[2] ?? 'constant'; args.push(0, 1); }
        else if (which === 3) kwargs.pad = t(1, 1);
        else args[0] = 3;
      }
      cfgs.push({ kind: 'fn', ns: 'F', name: 'pad', args, kwargs });
    }
  }
  return cfgs;
}

test('padding: modules and F.pad agree with PyTorch (seeded, 800 configs)', (t) => {
  if (!requireTorch(t)) return;
  check('padding', genPadding(seed(0x9ad), 800));
});
