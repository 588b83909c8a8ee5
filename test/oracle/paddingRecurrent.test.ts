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
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { registry } from '../../src/core/torch/registry';
import { bind } from '../../src/core/torch/args';
import { TorchError, UnknownValue } from '../../src/core/torch/types';
import { tensor, type DType, type Py } from '../../src/core/python/values';
import { mulberry32 } from '../support/mutate';

// ---------------------------------------------------------------------------------------------------------------
// JSON encoding of Python values shared by both sides
//   number (integer) → int, {f} → float, {t} → tuple, array → list, {T, d?} → a fresh zeros tensor,
//   {X: i} → the config's i-th pooled tensor (the same object each time: `q is k` holds), {S} → torch.Size,
//   {D} → a dtype (torch.float64; the interpreter's value for it is the str 'float64'), null → None,
//   true/false → bool, string → str
// ---------------------------------------------------------------------------------------------------------------
type J = number | boolean | string | null | J[] | { f: number } | { t: J[] } | { T: number[]; d?: DType } | { X: number } | { S: number[] } | { D: DType };
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
        if 'D' in v: return DT[v['D']]
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
    if ('D' in v) return { k: 'str', v: v.D };
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
  // ORACLE_DUMP=prefix writes the configurations (to replay one by one, e.g. when PyTorch itself crashes)
  if (process.env.ORACLE_DUMP) writeFileSync(`${process.env.ORACLE_DUMP}.${name}.json`, JSON.stringify(cfgs));
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

// ---------------------------------------------------------------------------------------------------------------
// recurrent: nn.RNN / LSTM / GRU and the cells
// ---------------------------------------------------------------------------------------------------------------

function genRecurrent(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const I = g.chance(0.05) ? g.pick([0, -2]) : g.int(1, 6);
    const H = g.chance(0.03) ? g.pick([0, -1]) : g.int(1, 6);
    const wrong = (n: number): number => (g.chance(0.1) ? Math.max(0, n + g.pick([-1, 1, 2])) : n);
    const xdt = (): DType => g.dtype(0.05);
    if (g.chance(0.6)) {
      const cls = g.pick(['RNN', 'LSTM', 'GRU']);
      const layers = g.chance(0.04) ? g.pick([0, -1]) : g.int(1, 3);
      const bias = g.chance(0.8);
      const bf = g.chance(0.4);
      const bidir = g.chance(0.4);
      const proj = cls === 'LSTM' && g.chance(0.3) ? (g.chance(0.85) ? g.int(1, Math.max(1, H - 1)) : g.pick([H, -1])) : 0;
      const args: J[] = [I, H];
      const kwargs: Record<string, J> = {};
      if (g.chance(0.4)) args.push(layers); else if (layers !== 1 || g.chance(0.3)) kwargs.num_layers = layers;
      if (!bias || g.chance(0.2)) kwargs.bias = bias;
      if (bf || g.chance(0.2)) kwargs.batch_first = bf;
      if (bidir || g.chance(0.2)) kwargs.bidirectional = bidir;
      if (proj !== 0 || (cls === 'LSTM' && g.chance(0.1))) kwargs.proj_size = proj;
      if (g.chance(0.1)) kwargs.dropout = g.chance(0.8) ? f(g.pick([0, 0.25, 0.5])) : g.pick([f(1.5), true, 'a', null, 1] as J[]);
      if (cls === 'RNN' && g.chance(0.3)) kwargs.nonlinearity = g.chance(0.9) ? g.pick(['tanh', 'relu']) : 'foo';
      if (g.chance(0.05)) kwargs.dtype = { D: 'float64' };
      if (g.chance(0.03)) {
        const which = g.int(0, 3);
        if (which === 0) args.splice(g.int(0, 1));
        else if (which === 1) kwargs.foo = 1;
        else if (which === 2 && cls !== 'LSTM') kwargs.proj_size = 0;
        else kwargs.nonlinearity = 'relu';
      }
      const D = bidir ? 2 : 1;
      const L = g.chance(0.05) ? 0 : g.int(1, 4);
      const N = g.chance(0.05) ? 0 : g.int(1, 3);
      const rankPick = g.int(0, 19);
      let x: number[];
      if (rankPick < 15) x = bf ? [N, L, wrong(I)] : [L, N, wrong(I)];
      else if (rankPick < 19) x = [L, wrong(I)];
      else x = g.pick([[], [I], [1, L, N, I]]);
      const fwd: J[] = [T(x.map((v) => Math.max(v, 0)), xdt())];
      if (g.chance(0.4) && x.length >= 2) {
        const realH = proj > 0 ? proj : H;
        const lead = [wrong(Math.max(layers, 1) * D)];
        const batch = x.length === 3 ? [wrong(bf ? x[0] : x[1])] : [];
        const pos = (s: number[]): number[] => s.map((v) => Math.max(v, 0));
        const hShape = pos([...lead, ...batch, wrong(Math.max(realH, 0))]);
        const cShape = pos([...lead, ...batch, wrong(Math.max(H, 0))]);
        const rankOff = (s: number[]): number[] => (g.chance(0.06) ? (g.chance(0.5) ? s.slice(1) : [1, ...s]) : s);
        if (cls === 'LSTM') {
          const form = g.int(0, 19);
          const h = T(rankOff(hShape), xdt()), c = T(rankOff(cShape), xdt());
          fwd.push(form < 15 ? t(h, c) : form < 17 ? [h, c] : form < 18 ? t(h) : form < 19 ? t(h, c, c) : T([2, ...hShape]));
        } else {
          fwd.push(T(rankOff(hShape), xdt()));
        }
      }
      cfgs.push({ kind: 'module', name: cls, args, kwargs, fwd });
    } else {
      const cls = g.pick(['RNNCell', 'LSTMCell', 'GRUCell']);
      const bias = g.chance(0.8);
      const args: J[] = [I, H];
      const kwargs: Record<string, J> = {};
      if (!bias || g.chance(0.2)) kwargs.bias = bias;
      if (cls === 'RNNCell' && g.chance(0.3)) kwargs.nonlinearity = g.chance(0.85) ? g.pick(['tanh', 'relu']) : g.pick(['foo', 3] as J[]);
      if (g.chance(0.03)) kwargs.dtype = { D: 'float64' };
      if (g.chance(0.02)) args.pop();
      const B = g.chance(0.05) ? 0 : g.int(1, 4);
      const rankPick = g.int(0, 19);
      const x = rankPick < 13 ? [B, wrong(I)] : rankPick < 18 ? [wrong(I)] : g.pick([[], [2, B, I]]);
      const fwd: J[] = [T(x.map((v) => Math.max(v, 0)), xdt())];
      if (g.chance(0.5) && (x.length === 1 || x.length === 2)) {
        const hs = (): number[] => {
          const s = x.length === 2 ? [wrong(B), wrong(Math.max(H, 0))] : [wrong(Math.max(H, 0))];
          if (g.chance(0.05)) {
            // odd ranks; but an LSTMCell/GRUCell hidden state of 3 or more dims that passes every check is not
            // modelled (GRUCell even crashes on [1, 1, 1] in 1.13)
            const odd = g.pick([[], [B], [B, H, 1], [1, H]]);
            const eff = x.length === 1 ? [1, ...odd] : odd;
            const passes = eff.length >= 3 && eff[0] === (x.length === 1 ? 1 : B) && eff[1] === H && eff[eff.length - 1] === H;
            if (!passes || cls === 'RNNCell') return odd;
          }
          return s.map((v) => Math.max(v, 0));
        };
        if (cls === 'LSTMCell') {
          const form = g.int(0, 19);
          const h = T(hs(), xdt()), c = T(hs(), xdt());
          fwd.push(form < 16 ? t(h, c) : form < 17 ? [h, c] : form < 18 ? t(h) : form < 19 ? t(h, c, c) : T([2, ...hs()]));
        } else {
          fwd.push(g.chance(0.97) ? T(hs(), xdt()) : t(T(hs())));
        }
      }
      cfgs.push({ kind: 'module', name: cls, args, kwargs, fwd });
    }
  }
  return cfgs;
}

// ---------------------------------------------------------------------------------------------------------------
// attention: nn.MultiheadAttention
// ---------------------------------------------------------------------------------------------------------------

function genAttention(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  while (cfgs.length < count) {
    const E = g.pick([2, 4, 6, 8]);
    const heads = g.chance(0.06) ? g.pick([0, 3, 5]) : g.pick([1, 2].filter((h) => E % h === 0).concat(E % 3 === 0 ? [3] : []));
    const kdim = g.chance(0.25) ? g.int(1, 6) : null;
    const vdim = g.chance(0.25) ? g.int(1, 6) : kdim !== null && g.chance(0.5) ? kdim : null;
    const bf = g.chance(0.4);
    const kwargs: Record<string, J> = {};
    if (kdim !== null) kwargs.kdim = kdim;
    if (vdim !== null) kwargs.vdim = vdim;
    if (bf || g.chance(0.1)) kwargs.batch_first = bf;
    if (g.chance(0.2)) kwargs.bias = false;
    if (g.chance(0.2)) kwargs.add_bias_kv = true;
    if (g.chance(0.2)) kwargs.add_zero_attn = true;
    if (g.chance(0.1)) kwargs.dropout = g.chance(0.7) ? f(0.1) : g.pick([f(1.5), 2, -1] as J[]);
    if (g.chance(0.03)) kwargs.dtype = { D: 'float64' };
    const args: J[] = [E, heads];
    const Ek = kdim ?? E, Ev = vdim ?? E;
    const L = g.int(1, 4), S = g.chance(0.05) ? 0 : g.int(1, 4), N = g.int(1, 3);
    const off = (n: number, p = 0.07): number => (g.chance(p) ? n + g.pick([-1, 1]) : n);
    const batched = g.chance(0.75);
    const shape = (len: number, d: number): number[] => {
      if (g.chance(0.03)) return g.pick([[d], [1, len, N, d], batched ? [len, d] : [len, N, d]]);
      return batched ? (bf ? [off(N, 0.04), len, d] : [len, off(N, 0.04), d]) : [len, d];
    };
    const dt = (): DType => (g.chance(0.04) ? g.pick(['float64', 'float16'] as DType[]) : 'float32');
    const pool: [number[], DType][] = [];
    const add = (s: number[], d: DType = dt()): J => { pool.push([s.map((v) => Math.max(v, 0)), d]); return X(pool.length - 1); };
    const ident = g.int(0, 9);
    let q: J, k: J, v: J;
    if (ident < 3 && kdim === null && vdim === null) {
      q = add(shape(L, off(E)));
      k = q; v = q;
    } else {
      q = add(shape(L, off(E)));
      k = add(shape(off(S, 0.04), off(Ek)));
      v = ident < 6 ? k : add(shape(off(S, 0.04), off(Ev)));
    }
    const fwd: J[] = [q, k, v];
    const fwdKw: Record<string, J> = {};
    if (g.chance(0.2)) {
      const S2 = S + (kwargs.add_bias_kv ? 0 : 0);
      const s = batched ? [off(N), off(S2)] : [off(S2)];
      fwdKw.key_padding_mask = add(g.chance(0.05) ? [...s, 1] : s, g.chance(0.8) ? 'bool' : g.pick(['float32', 'int64', 'uint8'] as DType[]));
    }
    if (g.chance(0.2)) {
      const s = g.chance(0.6) ? [off(L), off(S)] : [off((batched ? N : 1) * Math.max(heads, 1)), off(L), off(S)];
      fwdKw.attn_mask = add(g.chance(0.05) ? [S] : s, g.chance(0.6) ? 'bool' : g.pick(['float32', 'float64', 'uint8', 'int64'] as DType[]));
    }
    if (g.chance(0.15)) fwdKw.need_weights = false;
    if (g.chance(0.15)) fwdKw.average_attn_weights = false;
    if (g.chance(0.02)) fwd[2] = 3;
    cfgs.push({ kind: 'module', name: 'MultiheadAttention', args, kwargs, fwd, fwdKw, pool });
  }
  return cfgs;
}

// ---------------------------------------------------------------------------------------------------------------
// unfold: nn.Unfold / nn.Fold / F.unfold / F.fold / nn.ChannelShuffle / channel_shuffle
// ---------------------------------------------------------------------------------------------------------------

function genUnfold(seed: number, count: number): Cfg[] {
  const g = new Gen(seed);
  const cfgs: Cfg[] = [];
  const pair = (lo: number, hi: number, bad: number[] = []): J => {
    if (bad.length > 0 && g.chance(0.04)) return g.pick(bad);
    if (g.chance(0.02)) return g.pick([t(1, 1, 1), t(2), f(2), t(1, f(2)), null] as J[]);
    return g.chance(0.35) ? t(g.int(lo, hi), g.int(lo, hi)) : g.int(lo, hi);
  };
  const two = (v: J): [number, number] => {
    if (typeof v === 'number') return [v, v];
    const items = v !== null && typeof v === 'object' && 't' in v ? v.t : [];
    return items.length === 2 && items.every((x) => typeof x === 'number') ? [items[0] as number, items[1] as number] : [1, 1];
  };
  while (cfgs.length < count) {
    const which = g.int(0, 9);
    if (which < 4) {
      const k = pair(1, 4, [0]), d = pair(1, 2, [0]), p = pair(0, 2, [-1]), s = pair(1, 3, [0]);
      const rank = g.chance(0.9) ? g.pick([3, 4, 4]) : g.pick([0, 1, 2, 5]);
      const x = Array.from({ length: rank }, (_, i) => (g.chance(0.04) ? 0 : i < rank - 2 ? g.int(1, 3) : g.int(1, 8)));
      const dt = g.dtype(0.08);
      if (g.chance(0.5)) {
        cfgs.push({ kind: 'module', name: 'Unfold', args: [k], kwargs: { dilation: d, padding: p, stride: s }, fwd: [T(x, dt)] });
      } else {
        cfgs.push({ kind: 'fn', ns: 'F', name: 'unfold', args: [T(x, dt), k], kwargs: { dilation: d, padding: p, stride: s } });
      }
    } else if (which < 8) {
      const os = pair(1, 8, [0, -1]), k = pair(1, 3, [0]), d = pair(1, 2, [0]), p = pair(0, 2, [-1]), s = pair(1, 3, [0]);
      const [oh, ow] = two(os), [kh, kw] = two(k), [dh, dw] = two(d), [ph, pw] = two(p), [sh, sw] = two(s);
      const nb = (o: number, kk: number, dd: number, pp: number, ss: number): number => Math.floor((o + 2 * pp - dd * (kk - 1) - 1) / Math.max(ss, 1)) + 1;
      let Lb = Math.max(nb(oh, kh, dh, ph, sh), 0) * Math.max(nb(ow, kw, dw, pw, sw), 0);
      if (g.chance(0.1)) Lb += g.pick([1, -1, 2]);
      let C = g.int(1, 3) * Math.max(kh * kw, 1);
      if (g.chance(0.1)) C += 1;
      const batched = g.chance(0.7);
      let x = batched ? [g.chance(0.05) ? 0 : g.int(1, 2), C, Math.max(Lb, 0)] : [C, Math.max(Lb, 0)];
      if (g.chance(0.04)) x = g.pick([[C], [1, 1, C, Math.max(Lb, 0)], []]);
      const dt = g.dtype(0.06);
      if (g.chance(0.5)) {
        cfgs.push({ kind: 'module', name: 'Fold', args: [os, k], kwargs: { dilation: d, padding: p, stride: s }, fwd: [T(x, dt)] });
      } else {
        cfgs.push({ kind: 'fn', ns: 'F', name: 'fold', args: [T(x, dt), os, k], kwargs: { dilation: d, padding: p, stride: s } });
      }
    } else {
      const groups: J = g.chance(0.08) ? g.pick([0, -1, f(2), true] as J[]) : g.int(1, 4);
      const gi = typeof groups === 'number' && groups > 0 ? groups : 2;
      const rank = g.chance(0.9) ? g.int(3, 5) : g.int(0, 2);
      const x = Array.from({ length: rank }, (_, i) => (i === 1 ? (g.chance(0.85) ? gi * g.int(0, 3) : g.int(1, 7)) : g.int(1, 3)));
      const dt = g.dtype(0.1);
      const form = g.int(0, 2);
      if (form === 0) cfgs.push({ kind: 'module', name: 'ChannelShuffle', args: [groups], kwargs: {}, fwd: [T(x, dt)] });
      else cfgs.push({ kind: 'fn', ns: form === 1 ? 'F' : 'torch', name: 'channel_shuffle', args: [T(x, dt), groups], kwargs: {} });
    }
  }
  return cfgs;
}

test('recurrent: RNN/LSTM/GRU and cells agree with PyTorch (seeded, 450 configs)', (t) => {
  if (!requireTorch(t)) return;
  check('recurrent', genRecurrent(seed(0x2e1), 450));
});

test('attention: MultiheadAttention agrees with PyTorch (seeded, 350 configs)', (t) => {
  if (!requireTorch(t)) return;
  check('attention', genAttention(seed(0xa77), 350));
});

test('unfold: Unfold/Fold/F.unfold/F.fold/ChannelShuffle agree with PyTorch (seeded, 350 configs)', (t) => {
  if (!requireTorch(t)) return;
  check('unfold', genUnfold(seed(0xf01d), 350));
});
