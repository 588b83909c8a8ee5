/**
 * Seeded randomized differential test of linear.ts, norm.ts, activation.ts, dropout.ts and losses.ts
 * against real PyTorch 1.13.
 *
 * A fixed-seed generator makes configurations for every module and function of those families, valid and
 * invalid alike (wrong feature counts, wrong ranks, a batch of one in training, mismatched loss targets,
 * unsupported dtypes …). All of them run in ONE Python process (JSON list on stdin, JSON list on stdout),
 * under torch.no_grad(), modules switched to train()/eval() as the configuration says.
 * For every configuration the TypeScript answer must equal PyTorch's, exactly:
 *   - both succeed with the same output shape and dtype and the same warnings (text, in order), and for
 *     modules the same parameters and buffers (names and shapes, in PyTorch's order), or
 *   - both raise at the same stage (constructor or call) with the same exception type, the same message
 *     (byte for byte) and the same warnings before it.
 * Warnings a constructor emits are not compared: `ModuleDef.init` has no way to report them.
 * Expected values always come from PyTorch in the same run; nothing is hard-coded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';
import { bind } from '../../src/core/torch/args';
import { TorchError, UnknownValue, type Family } from '../../src/core/torch/types';
import { tensor, type DType, type Py } from '../../src/core/python/values';
import { family as linear } from '../../src/core/torch/linear';
import { family as norm } from '../../src/core/torch/norm';
import { family as activation } from '../../src/core/torch/activation';
import { family as dropout } from '../../src/core/torch/dropout';
import { family as losses } from '../../src/core/torch/losses';
import { mulberry32 } from '../support/mutate';

// ---------------------------------------------------------------------------------------------------------------
// JSON encoding of Python values shared by both sides
//   {i} → int, {f} → float, true/false → bool, string → str, null → None, {tuple}/{list} → sequences,
//   {t, d} → a tensor of that shape and dtype (floats: torch.rand, integers: zeros, bool: ones),
//   {dtype} → torch.<dtype> (the interpreter spells dtypes as strings)
// ---------------------------------------------------------------------------------------------------------------
type J = boolean | string | null | { i: number } | { f: number } | { tuple: J[] } | { list: J[] } | { t: number[]; d: DType } | { dtype: DType };
const I = (i: number): J => ({ i });
const Fl = (f: number): J => ({ f });
const Tu = (...xs: J[]): J => ({ tuple: xs });
const Li = (...xs: J[]): J => ({ list: xs });
const Ts = (t: number[], d: DType = 'float32'): J => ({ t, d });
const Dt = (dtype: DType): J => ({ dtype });

function dec(v: J): Py {
  if (v === null) return { k: 'none' };
  if (typeof v === 'boolean') return { k: 'bool', v };
  if (typeof v === 'string') return { k: 'str', v };
  if ('i' in v) return { k: 'int', v: v.i };
  if ('f' in v) return { k: 'float', v: v.f };
  if ('tuple' in v) return { k: 'tuple', items: v.tuple.map(dec) };
  if ('list' in v) return { k: 'list', items: v.list.map(dec) };
  if ('t' in v) return tensor(v.t, v.d);
  return { k: 'str', v: v.dtype };
}

type Family5 = 'linear' | 'norm' | 'activation' | 'dropout' | 'losses';
const FAMILIES: Record<Family5, Family> = { linear, norm, activation, dropout, losses };

interface Cfg {
  fam: Family5;
  /** 'module': nn.<name>(*args, **kwargs)(*inputs); otherwise a call in that namespace ('method': args[0].<name>(...)) */
  kind: 'module' | 'F' | 'torch' | 'method';
  name: string;
  args: J[];
  kwargs: Record<string, J>;
  inputs?: J[];
  training?: boolean;
}

interface Res {
  ok: boolean;
  stage?: 'init' | 'call';
  shape?: number[] | null;
  dtype?: string | null;
  type?: string;
  msg?: string;
  warnings: string[];
  params?: [string, number[]][];
  buffers?: [string, number[]][];
}

const PY = String.raw`
import sys, json, warnings
import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
def dec(v):
    if v is None or isinstance(v, (bool, str)): return v
    if 'i' in v: return int(v['i'])
    if 'f' in v: return float(v['f'])
    if 'tuple' in v: return tuple(dec(x) for x in v['tuple'])
    if 'list' in v: return [dec(x) for x in v['list']]
    if 'dtype' in v: return getattr(torch, v['dtype'])
    dt = getattr(torch, v['d'])
    if dt.is_floating_point: return torch.rand(v['t']).to(dt)
    if dt == torch.bool: return torch.ones(v['t'], dtype=dt)
    return torch.zeros(v['t'], dtype=dt)
def warns(w):
    return [('' if x.category is UserWarning else x.category.__name__ + ': ') + str(x.message) for x in w]
def shapes(it): return [[n, list(p.shape)] for n, p in it]
out = []
for c in json.load(sys.stdin):
    r = {}
    args = [dec(a) for a in c['args']]
    kw = {k: dec(v) for k, v in c['kwargs'].items()}
    with torch.no_grad():
        m = None
        if c['kind'] == 'module':
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    m = getattr(nn, c['name'])(*args, **kw)
                m.train(c.get('training', True))
                r['params'] = shapes(m.named_parameters())
                r['buffers'] = shapes(m.named_buffers())
            except Exception as e:
                out.append({'ok': False, 'stage': 'init', 'type': type(e).__name__, 'msg': str(e), 'warnings': []})
                continue
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            try:
                if m is not None: y = m(*[dec(a) for a in c['inputs']])
                elif c['kind'] == 'F': y = getattr(F, c['name'])(*args, **kw)
                elif c['kind'] == 'torch': y = getattr(torch, c['name'])(*args, **kw)
                else: y = getattr(args[0], c['name'])(*args[1:], **kw)
                r.update(ok=True, shape=list(y.shape) if isinstance(y, torch.Tensor) else None,
                         dtype=str(y.dtype).replace('torch.', '') if isinstance(y, torch.Tensor) else None)
            except Exception as e:
                r.update(ok=False, stage='call', type=type(e).__name__, msg=str(e))
            r['warnings'] = warns(w)
    out.append(r)
json.dump(out, sys.stdout)
`;

function runTs(c: Cfg): Res {
  const fam = FAMILIES[c.fam];
  const warnings: string[] = [];
  const ctx = { warn: (m: string) => void warnings.push(m) };
  const args = c.args.map(dec);
  const kw = new Map(Object.entries(c.kwargs).map(([k, v]) => [k, dec(v)]));
  const res: Res = { ok: true, warnings };
  const fail = (stage: 'init' | 'call', e: unknown): Res => {
    if (e instanceof TorchError) return { ok: false, stage, type: e.pyType, msg: e.message, warnings: stage === 'init' ? [] : warnings };
    if (e instanceof UnknownValue) return { ok: false, stage, type: 'UNKNOWN', msg: e.why, warnings };
    return { ok: false, stage, type: 'JS', msg: String((e as Error)?.stack ?? e), warnings };
  };
  let y: Py;
  if (c.kind === 'module') {
    const def = fam.modules?.[c.name];
    if (!def) return { ok: false, stage: 'init', type: 'MISSING', msg: c.name, warnings };
    let cfg: unknown;
    try {
      cfg = def.init(bind(`${c.name}.__init__`, def.signature, { pos: args, kw }, def.extraKw));
    } catch (e) {
      return fail('init', e);
    }
    res.params = def.parameters(cfg).map((p) => [p.name, p.shape]);
    res.buffers = (def.buffers?.(cfg) ?? []).map((p) => [p.name, p.shape]);
    try {
      y = def.forward(cfg, { pos: (c.inputs ?? []).map(dec), kw: new Map() }, { ...ctx, training: c.training ?? true });
    } catch (e) {
      return { ...fail('call', e), params: res.params, buffers: res.buffers };
    }
  } else {
    const table = c.kind === 'F' ? fam.functional : c.kind === 'torch' ? fam.torch : fam.methods;
    const fn = table?.[c.name];
    if (!fn) return { ok: false, stage: 'call', type: 'MISSING', msg: `${c.kind}.${c.name}`, warnings };
    try {
      y = fn({ pos: args, kw }, ctx);
    } catch (e) {
      return fail('call', e);
    }
  }
  res.shape = y.k === 'tensor' ? y.shape : null;
  res.dtype = y.k === 'tensor' ? y.dtype : null;
  return res;
}

// ---------------------------------------------------------------------------------------------------------------

/** LAYERS_ORACLE_SEED shifts every family's seed (the default, 0, is what CI runs) to explore further. */
const SEED_SHIFT = Number(process.env.LAYERS_ORACLE_SEED ?? 0);

class Gen {
  private readonly r: () => number;
  readonly cfgs: Cfg[] = [];
  constructor(seed: number, readonly fam: Family5) {
    this.r = mulberry32(seed + SEED_SHIFT * 7919);
  }
  rand(): number { return this.r(); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.r() < p; }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.r() * xs.length)]; }
  shape(rank: number, lo = 1, hi = 4): number[] { return Array.from({ length: rank }, () => this.int(lo, hi)); }
  /** mostly float32, sometimes another dtype */
  dtype(p = 0.2, pool: DType[] = ['float64', 'int64', 'bool', 'float16', 'int32', 'uint8']): DType {
    return this.chance(p) ? this.pick(pool) : 'float32';
  }
  /** a size that is right most of the time */
  near(n: number, pWrong = 0.3): number { return this.chance(pWrong) ? n + this.pick([-1, 1, 2, 3]) : n; }
  module(name: string, args: J[], kwargs: Record<string, J>, inputs: J[], training = true): void {
    this.cfgs.push({ fam: this.fam, kind: 'module', name, args, kwargs, inputs, training });
  }
  call(kind: 'F' | 'torch' | 'method', name: string, args: J[], kwargs: Record<string, J> = {}): void {
    this.cfgs.push({ fam: this.fam, kind, name, args, kwargs });
  }
}

function genLinear(): Cfg[] {
  const g = new Gen(1001, 'linear');
  for (let i = 0; i < 90; i++) {
    const inF = g.int(1, 8);
    const outF = g.int(1, 8);
    const rank = g.pick([0, 1, 1, 2, 2, 2, 3, 3, 4]);
    const dt = g.dtype(0.2, ['float64', 'int64', 'float16']);
    const kw: Record<string, J> = {};
    if (g.chance(0.3)) kw.bias = g.chance(0.5);
    if (g.chance(0.08)) kw.dtype = Dt(dt === 'float32' ? 'float64' : dt);
    const x = rank === 0 ? [] : [...g.shape(rank - 1), g.near(inF)];
    g.module('Linear', [I(inF), I(outF)], kw, [Ts(x, dt)], g.chance(0.5));
  }
  for (const [a, b] of [[-1, 3], [3, -2], [-1, -2], [Fl(3), I(2)], [I(3), Fl(2)], ['a', I(2)], [null, I(2)], [true, I(2)]] as const) {
    g.module('Linear', [typeof a === 'number' ? I(a) : a, typeof b === 'number' ? I(b) : b], {}, [Ts([2, 3])]);
  }
  g.module('Linear', [I(0), I(3)], {}, [Ts([2, 0])]);
  g.module('Linear', [I(3), I(4)], {}, [Ts([0, 3])]);
  for (let i = 0; i < 35; i++) {
    const [in1, in2, outF] = [g.int(1, 5), g.int(1, 5), g.int(1, 5)];
    const rank = g.pick([0, 1, 2, 2, 3]);
    const lead = g.shape(Math.max(rank - 1, 0));
    const lead2 = g.chance(0.2) ? g.shape(Math.max(rank - 1, 0)) : lead;
    const r2 = g.chance(0.1) ? rank + 1 : rank;
    const x1 = rank === 0 ? [] : [...lead, g.near(in1, 0.2)];
    const x2 = r2 === 0 ? [] : [...(r2 === rank ? lead2 : [2, ...lead2]), g.near(in2, 0.2)];
    g.module('Bilinear', [I(in1), I(in2), I(outF)], g.chance(0.3) ? { bias: false } : {}, [Ts(x1, g.dtype(0.1, ['float64', 'int64'])), Ts(x2)]);
  }
  g.module('Bilinear', [I(-3), I(4), I(5)], {}, [Ts([2, 3]), Ts([2, 4])]);
  g.module('Bilinear', [I(0), I(4), I(5)], {}, [Ts([2, 0]), Ts([2, 4])]);
  g.module('Identity', [I(3), 'x'], { foo: I(4) }, [Ts([2, 3], 'int64')]);
  g.module('Identity', [], {}, [Ts([5])]);
  for (let i = 0; i < 40; i++) {
    const rank = g.int(0, 4);
    const kw: Record<string, J> = {};
    if (g.chance(0.6)) kw.start_dim = I(g.int(-4, 3));
    if (g.chance(0.6)) kw.end_dim = I(g.int(-4, 4));
    g.module('Flatten', [], kw, [Ts(g.shape(rank, 0, 4), g.dtype(0.2, ['int64', 'bool']))]);
  }
  for (let i = 0; i < 45; i++) {
    const rank = g.int(1, 4);
    const s = g.shape(rank, 1, 6);
    const dim = g.int(-rank - 1, rank);
    const n = s[((dim % rank) + rank) % rank] ?? 1;
    let sizes: number[];
    const mode = g.int(0, 6);
    if (mode === 0) sizes = [n];
    else if (mode === 1) sizes = [1, n];
    else if (mode === 2) sizes = [-1, 1];
    else if (mode === 3) sizes = [n, -1];
    else if (mode === 4) sizes = [g.int(1, 3), g.int(1, 3)];
    else if (mode === 5) sizes = [-1, -1];
    else sizes = g.pick([[], [-2, n], [0, -1], [2, -1, 1]]);
    const seq = g.chance(0.7) ? Tu(...sizes.map(I)) : Li(...sizes.map(I));
    g.module('Unflatten', [I(dim), seq], {}, [Ts(s)]);
  }
  g.module('Unflatten', [I(1), I(5)], {}, [Ts([3, 5])]);
  g.module('Unflatten', ['a', Tu(I(2), I(5))], {}, [Ts([3, 10])]);
  g.module('Unflatten', [I(1), Tu(I(2), Fl(5))], {}, [Ts([3, 10])]);
  g.module('Unflatten', [Fl(1), Tu(I(2), I(5))], {}, [Ts([3, 10])]);
  g.module('Unflatten', [I(1), Tu()], {}, [Ts([3, 0])]);
  g.module('Unflatten', [I(1), Tu(I(0), I(-1))], {}, [Ts([3, 0])]);
  for (let i = 0; i < 40; i++) {
    const num = g.int(1, 10);
    const dim = g.int(1, 5);
    const kw: Record<string, J> = {};
    if (g.chance(0.3)) kw.padding_idx = I(g.int(-num - 2, num + 1));
    if (g.chance(0.15)) kw.max_norm = Fl(1);
    const idt: DType = g.chance(0.6) ? 'int64' : g.pick(['int32', 'float32', 'float64', 'uint8', 'bool', 'float16'] as DType[]);
    g.module('Embedding', [I(num), I(dim)], kw, [Ts(g.shape(g.int(0, 3)), idt)]);
  }
  g.module('Embedding', [I(-1), I(3)], {}, [Ts([2], 'int64')]);
  g.module('Embedding', [Fl(10), I(3)], {}, [Ts([2], 'int64')]);
  for (let i = 0; i < 40; i++) {
    const [o, k] = [g.int(1, 5), g.int(1, 5)];
    const rank = g.pick([0, 1, 2, 2, 3, 4]);
    const x = rank === 0 ? [] : [...g.shape(rank - 1), g.near(k, 0.2)];
    const w = g.chance(0.1) ? [2, o, k] : [o, k];
    const args: J[] = [Ts(x, g.dtype(0.1, ['float64'])), Ts(w)];
    if (g.chance(0.6)) args.push(Ts(g.pick([[o], [o + 1], [1], [], [2, 1], [x[0] ?? 1, o], [4, 2, o], [5, 1, 1, 1]])));
    g.call('F', 'linear', args);
  }
  for (let i = 0; i < 20; i++) {
    const wr = g.pick([1, 2, 2, 2, 3]);
    const kw: Record<string, J> = {};
    if (g.chance(0.3)) kw.padding_idx = I(g.int(-12, 12));
    g.call('F', 'embedding', [Ts(g.shape(g.int(0, 2)), g.pick(['int64', 'int32', 'float32'] as DType[])), Ts(g.shape(wr, 1, 10))], kw);
  }
  for (let rank = 1; rank <= 4; rank++) {
    g.module('Linear', [I(4), I(2)], { dtype: Dt('float16') }, [Ts([...g.shape(rank - 1), 4], 'float16')]);
    g.module('Linear', [I(4), I(2)], { dtype: Dt('float64') }, [Ts([...g.shape(rank - 1), 4], 'float64')]);
    g.module('Linear', [I(4), I(2)], { bias: false, dtype: Dt('float64') }, [Ts([...g.shape(rank - 1), g.near(4)], 'float32')]);
  }
  g.module('Embedding', [I(10), I(3)], { _weight: Ts([10, 3]) }, [Ts([2, 2], 'int64')]);
  g.module('Embedding', [I(10), I(3)], { _weight: Ts([10, 4]) }, [Ts([2, 2], 'int64')]);
  g.module('Embedding', [I(10), I(3)], { dtype: Dt('float64') }, [Ts([2, 2], 'int32')]);
  g.module('Embedding', [I(10), I(3)], { padding_idx: I(10) }, [Ts([2], 'int64')]);
  g.module('Embedding', [I(10), I(3)], { padding_idx: I(-11) }, [Ts([2], 'int64')]);
  g.module('Embedding', [I(10), I(3)], { padding_idx: I(-10) }, [Ts([2], 'int64')]);
  g.module('Embedding', [I(10), I(3)], { max_norm: Fl(1), padding_idx: I(2) }, [Ts([2], 'float32')]);
  g.call('F', 'embedding', [Ts([2], 'int64'), Ts([10, 3])], { padding_idx: I(10) });
  g.call('F', 'embedding', [Ts([2], 'float32'), Ts([10, 3])], { max_norm: Fl(1) });
  g.call('F', 'embedding', [Ts([2], 'int64'), Ts([10, 3], 'float64')]);
  g.module('Flatten', [I(3), I(1)], {}, [Ts([2, 3, 4, 5])]);
  g.module('Flatten', [I(0), I(-1)], {}, [Ts([])]);
  g.module('Flatten', [I(0), I(0)], {}, [Ts([])]);
  for (let i = 0; i < 10; i++) {
    g.call('F', 'bilinear', [Ts([2, g.int(2, 3)]), Ts([2, g.int(2, 3)]), Ts([4, 3, 3]), ...(g.chance(0.5) ? [Ts([g.int(3, 4)])] : [])]);
  }
  return g.cfgs;
}

function genNorm(): Cfg[] {
  const g = new Gen(2002, 'norm');
  const bn: [string, number[]][] = [['BatchNorm1d', [2, 3]], ['BatchNorm2d', [4]], ['BatchNorm3d', [5]]];
  for (let i = 0; i < 110; i++) {
    const [name, ranks] = g.pick(bn);
    const nf = g.int(1, 6);
    const rank = g.chance(0.8) ? g.pick(ranks) : g.int(0, 6);
    const s = g.shape(rank, 1, 3);
    if (rank >= 1 && g.chance(0.25)) s[0] = 1;
    if (rank >= 2) s[1] = g.near(nf, 0.25);
    if (g.chance(0.2)) for (let d = 2; d < rank; d++) s[d] = 1;
    const kw: Record<string, J> = {};
    if (g.chance(0.3)) kw.affine = g.chance(0.5);
    if (g.chance(0.3)) kw.track_running_stats = g.chance(0.5);
    if (g.chance(0.05)) kw.dtype = Dt('float64');
    g.module(name, [I(nf)], kw, [Ts(s, g.dtype(0.15, ['float64', 'int64', 'float16']))], g.chance(0.6));
  }
  g.module('BatchNorm2d', [Fl(4)], {}, [Ts([2, 4, 2, 2])]);
  g.module('BatchNorm2d', [Fl(4)], { affine: false }, [Ts([2, 4, 2, 2])]);
  g.module('BatchNorm2d', [I(-4)], {}, [Ts([2, 4, 2, 2])]);
  g.module('BatchNorm1d', [I(3)], {}, [Ts([0, 4])]);
  const inn: [string, number[]][] = [['InstanceNorm1d', [2, 3]], ['InstanceNorm2d', [3, 4]], ['InstanceNorm3d', [4, 5]]];
  for (let i = 0; i < 90; i++) {
    const [name, ranks] = g.pick(inn);
    const nf = g.int(1, 5);
    const rank = g.chance(0.85) ? g.pick(ranks) : g.int(1, 6);
    const s = g.shape(rank, 1, 3);
    const chanAt = rank === ranks[0] ? 0 : 1;
    if (rank > chanAt) s[chanAt] = g.near(nf, 0.3);
    if (g.chance(0.2)) for (let d = chanAt + 1; d < rank; d++) s[d] = 1;
    const kw: Record<string, J> = {};
    if (g.chance(0.4)) kw.affine = g.chance(0.5);
    if (g.chance(0.4)) kw.track_running_stats = g.chance(0.5);
    g.module(name, [I(nf)], kw, [Ts(s, g.dtype(0.12, ['float64', 'int64']))], g.chance(0.6));
  }
  for (let i = 0; i < 50; i++) {
    const ns = g.shape(g.pick([1, 1, 2]), 1, 4);
    const rank = g.int(0, 4);
    let s = g.shape(rank, 1, 4);
    if (g.chance(0.7) && rank >= ns.length) s = [...s.slice(0, rank - ns.length), ...ns];
    const kw: Record<string, J> = {};
    if (g.chance(0.3)) kw.elementwise_affine = g.chance(0.5);
    const arg = ns.length === 1 && g.chance(0.5) ? I(ns[0]) : g.chance(0.5) ? Tu(...ns.map(I)) : Li(...ns.map(I));
    g.module('LayerNorm', [arg], kw, [Ts(s, g.dtype(0.15, ['float64', 'int64', 'float16']))]);
  }
  g.module('LayerNorm', [Li()], {}, [Ts([2])]);
  g.module('LayerNorm', [Fl(2)], {}, [Ts([2])]);
  g.module('LayerNorm', [Li(Fl(2))], {}, [Ts([2])]);
  g.module('LayerNorm', [I(-2)], {}, [Ts([2])]);
  for (let i = 0; i < 60; i++) {
    const groups = g.int(1, 4);
    const chans = g.chance(0.85) ? groups * g.int(1, 3) : g.int(1, 8);
    const rank = g.pick([0, 1, 2, 3, 3, 4]);
    const s = g.shape(rank, 1, 3);
    if (rank >= 2) s[1] = g.chance(0.8) ? chans : g.int(1, 8);
    if (rank >= 1 && g.chance(0.3)) s[0] = 1;
    if (g.chance(0.3)) for (let d = 2; d < rank; d++) s[d] = 1;
    g.module('GroupNorm', [I(groups), I(chans)], g.chance(0.2) ? { affine: false } : {}, [Ts(s, g.dtype(0.12, ['float64', 'int64']))], g.chance(0.5));
  }
  g.module('GroupNorm', [I(0), I(4)], {}, [Ts([2, 4])]);
  g.module('GroupNorm', [I(2), Fl(4)], {}, [Ts([2, 4])]);
  g.module('GroupNorm', [I(2), I(-4)], {}, [Ts([2, 4])]);
  for (let i = 0; i < 30; i++) {
    g.module('LocalResponseNorm', [I(g.pick([0, 1, 2, 3, 5]))], {}, [Ts(g.shape(g.int(1, 5), 0, 3), g.dtype(0.3, ['float64', 'int64', 'bool', 'float16']))]);
  }
  for (let i = 0; i < 40; i++) {
    const rank = g.int(0, 4);
    const s = g.shape(rank, 1, 3);
    if (rank >= 1 && g.chance(0.3)) s[0] = 1;
    const c = rank >= 2 ? s[1] : 3;
    const t = (p: number) => (g.chance(p) ? Ts([g.near(c, 0.3)]) : null);
    const training = g.chance(0.5);
    const args: J[] = [Ts(s, g.dtype(0.1, ['float64', 'int64'])), t(0.8), t(0.8), t(0.4), t(0.4)];
    g.call('F', 'batch_norm', args, training ? { training: true } : {});
  }
  for (let i = 0; i < 25; i++) {
    const rank = g.int(1, 4);
    const s = g.shape(rank, 1, 3);
    const c = rank >= 2 ? s[1] : 3;
    const kw: Record<string, J> = {};
    if (g.chance(0.3)) kw.weight = Ts([g.near(c, 0.3)]);
    if (g.chance(0.3)) {
      kw.running_mean = Ts([g.near(c, 0.2)]);
      kw.running_var = Ts([c]);
    }
    if (g.chance(0.3)) kw.use_input_stats = false;
    g.call('F', 'instance_norm', [Ts(s)], kw);
  }
  for (let i = 0; i < 25; i++) {
    const ns = g.shape(g.int(1, 2), 1, 3);
    const s = [...g.shape(g.int(0, 2)), ...ns.map((n) => g.near(n, 0.15))];
    const kw: Record<string, J> = {};
    if (g.chance(0.4)) kw.weight = Ts(g.chance(0.7) ? ns : [ns[0] + 1]);
    if (g.chance(0.3)) kw.bias = Ts(g.chance(0.7) ? ns : [9]);
    g.call('F', 'layer_norm', [Ts(s, g.dtype(0.1, ['float64', 'int64'])), g.chance(0.1) ? I(ns[0]) : Tu(...ns.map(I))], kw);
  }
  for (let i = 0; i < 25; i++) {
    const rank = g.int(0, 4);
    const s = g.shape(rank, 1, 4);
    const c = rank >= 2 ? s[1] : 4;
    const kw: Record<string, J> = {};
    if (g.chance(0.4)) kw.weight = Ts([g.near(c, 0.3)]);
    if (g.chance(0.3)) kw.bias = Ts([g.near(c, 0.5)]);
    g.call('F', 'group_norm', [Ts(s, g.dtype(0.1, ['float64', 'int64'])), I(g.pick([0, 1, 2, 2, 3, 4]))], kw);
  }
  for (let i = 0; i < 20; i++) {
    const rank = g.int(0, 3);
    g.call('F', 'normalize', [Ts(g.shape(rank), g.dtype(0.3, ['float64', 'int64', 'bool', 'float16']))], g.chance(0.6) ? { dim: I(g.int(-3, 3)) } : {});
  }
  for (let i = 0; i < 8; i++) g.call('F', 'local_response_norm', [Ts(g.shape(g.int(2, 4))), I(g.int(0, 3))]);
  g.call('F', 'batch_norm', [Ts([2, 3]), Ts([3]), null]);
  g.call('F', 'batch_norm', [Ts([2, 3]), null, null]);
  g.call('F', 'batch_norm', [Ts([]), null, null], { training: true });
  g.call('F', 'batch_norm', [Ts([1]), null, null], { training: true });
  g.call('F', 'batch_norm', [Ts([0, 3]), null, null, Ts([3])], { training: true });
  g.call('F', 'batch_norm', [Ts([2, 4, 3]), Ts([4]), Ts([4]), null, Ts([5])]);
  g.call('F', 'batch_norm', [Ts([2]), null, null], { training: true });
  g.call('F', 'batch_norm', [Ts([2], 'int64'), null, null], { training: true });
  g.call('F', 'batch_norm', [Ts([2]), Ts([0]), Ts([0])]);
  g.call('F', 'batch_norm', [Ts([]), Ts([0]), Ts([0])]);
  g.call('F', 'instance_norm', [Ts([2, 0, 3]), Ts([3]), Ts([3])]);
  g.module('InstanceNorm1d', [I(3)], { track_running_stats: true }, [Ts([0, 2, 3])]);
  g.module('InstanceNorm1d', [I(3)], { track_running_stats: true }, [Ts([0, 1, 3])]);
  g.module('InstanceNorm1d', [I(3)], { track_running_stats: true }, [Ts([2, 0, 3])], false);
  g.module('InstanceNorm1d', [I(3)], { track_running_stats: true }, [Ts([0, 3])]);
  g.module('BatchNorm2d', [I(3)], { dtype: Dt('int64') }, [Ts([2, 3, 2, 2])]);
  g.module('BatchNorm2d', [I(3)], { dtype: Dt('int64'), affine: false }, [Ts([2, 3, 2, 2], 'int64')]);
  g.module('LayerNorm', [I(3)], { dtype: Dt('int32') }, [Ts([2, 3])]);
  g.module('GroupNorm', [I(1), I(3)], { dtype: Dt('bool') }, [Ts([2, 3])]);
  g.call('F', 'instance_norm', [Ts([4])]);
  g.call('F', 'instance_norm', [Ts([2, 4])]);
  g.call('F', 'instance_norm', [Ts([2, 4, 3])], { use_input_stats: false });
  g.call('F', 'instance_norm', [Ts([2, 4, 3]), Ts([4]), Ts([4])], { use_input_stats: false });
  g.call('F', 'instance_norm', [Ts([2, 4, 3]), Ts([5]), Ts([5])]);
  g.call('F', 'group_norm', [Ts([2, 4, 3]), I(2), Ts([4]), Ts([3])]);
  g.call('F', 'group_norm', [Ts([2, 4, 3]), I(2), null, Ts([3])]);
  g.call('F', 'group_norm', [Ts([2, 4, 3]), I(2), Ts([4, 1])]);
  g.call('F', 'group_norm', [Ts([2, 4, 3], 'float64'), I(2), Ts([4])]);
  g.call('F', 'layer_norm', [Ts([2, 3]), I(3)]);
  g.call('F', 'layer_norm', [Ts([2, 3]), Li(I(3))]);
  g.call('F', 'layer_norm', [Ts([2, 3]), Tu(I(3))], { weight: Ts([1, 3]) });
  g.call('F', 'layer_norm', [Ts([2, 3], 'float64'), Tu(I(3))], { weight: Ts([3]) });
  g.call('F', 'layer_norm', [Ts([2, 3], 'float64'), Tu(I(3))]);
  g.module('LocalResponseNorm', [I(0)], {}, [Ts([2, 4, 3, 3])]);
  g.module('LocalResponseNorm', [I(2)], {}, [Ts([2, 4, 3], 'float16')]);
  g.module('LocalResponseNorm', [I(2)], {}, [Ts([2, 4, 3, 2], 'bool')]);
  g.module('LocalResponseNorm', [I(2)], {}, [Ts([2, 4, 3, 2], 'float16')]);
  g.module('InstanceNorm2d', [I(4)], { affine: true, track_running_stats: true }, [Ts([2, 5, 3, 3])], false);
  g.module('InstanceNorm1d', [I(3)], { affine: true }, [Ts([2, 3, 4], 'float64')]);
  g.module('InstanceNorm1d', [I(3)], {}, [Ts([2, 3, 1], 'int64')]);
  g.module('BatchNorm1d', [I(3)], { affine: false, track_running_stats: false }, [Ts([2, 3], 'float64')]);
  g.module('BatchNorm1d', [I(-3)], { affine: false, track_running_stats: false }, [Ts([2, 3])]);
  g.module('BatchNorm1d', [Fl(3)], { affine: false, track_running_stats: false }, [Ts([2, 3])]);
  g.module('BatchNorm1d', [I(3)], { dtype: Dt('float64') }, [Ts([2, 3], 'float64')]);
  g.module('BatchNorm2d', [I(64)], {}, [Ts([1, 64, 1, 1])], true);
  g.module('BatchNorm1d', [I(64)], {}, [Ts([1, 64])], true);
  g.module('BatchNorm1d', [I(64)], {}, [Ts([1, 64])], false);
  g.module('BatchNorm2d', [I(128)], {}, [Ts([2, 64, 3, 3])], false);
  return g.cfgs;
}

const SIMPLE_ACTS = ['ReLU', 'ReLU6', 'LeakyReLU', 'ELU', 'SELU', 'CELU', 'GELU', 'SiLU', 'Mish', 'Tanh', 'Sigmoid', 'Hardtanh',
  'Hardswish', 'Hardsigmoid', 'Softplus', 'Softsign', 'Tanhshrink', 'LogSigmoid', 'Hardshrink', 'Softshrink', 'RReLU'];
const ALL_DT: DType[] = ['float32', 'float64', 'float16', 'int64', 'int32', 'uint8', 'bool'];
const UNARY_NAMES = ['abs', 'absolute', 'exp', 'exp2', 'expm1', 'log', 'log2', 'log10', 'log1p', 'sqrt', 'rsqrt', 'neg', 'negative',
  'positive', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh',
  'arcsinh', 'arccosh', 'arctanh', 'floor', 'ceil', 'round', 'trunc', 'fix', 'frac', 'sign', 'sgn', 'square', 'erf', 'erfc', 'erfinv',
  'reciprocal', 'sigmoid', 'tanh', 'relu', 'logical_not', 'bitwise_not', 'isnan', 'isinf', 'isfinite', 'isposinf', 'isneginf',
  'isreal', 'signbit', 'deg2rad', 'rad2deg', 'lgamma', 'digamma', 'i0', 'sinc', 'logit', 'angle', 'nan_to_num', 'conj'];

function genActivation(): Cfg[] {
  const g = new Gen(3003, 'activation');
  for (const name of SIMPLE_ACTS) {
    for (let i = 0; i < 6; i++) {
      const kw: Record<string, J> = {};
      if (name === 'GELU' && g.chance(0.4)) kw.approximate = g.pick(['tanh', 'none', 'foo']);
      if (name === 'Hardtanh' && g.chance(0.5)) {
        kw.min_val = Fl(g.pick([-2, 0, 1, 0.5]));
        kw.max_val = Fl(g.pick([2, 1, 0.5]));
      }
      g.module(name, [], kw, [Ts(g.shape(g.int(0, 4), 0, 3), i < 2 ? 'float32' : g.pick(ALL_DT))], g.chance(0.5));
    }
  }
  for (let i = 0; i < 10; i++) g.module('Threshold', [Fl(0.1), Fl(20)], {}, [Ts(g.shape(g.int(0, 3)), g.pick(ALL_DT))]);
  g.module('Threshold', [], {}, [Ts([2])]);
  g.module('Hardtanh', [], { min_value: Fl(-2) }, [Ts([2])]);
  for (let i = 0; i < 25; i++) {
    const n = g.pick([0, 1, 1, 2, 3, 4]);
    const rank = g.int(0, 4);
    const s = g.shape(rank, 1, 4);
    if (rank >= 2 && g.chance(0.6)) s[1] = n;
    g.module('PReLU', n === 1 && g.chance(0.5) ? [] : [I(n)], {}, [Ts(s, g.dtype(0.15, ['float64', 'int64']))]);
  }
  g.module('PReLU', [I(-1)], {}, [Ts([2])]);
  g.module('PReLU', [I(2)], { dtype: Dt('int64') }, [Ts([2])]);
  g.module('PReLU', [I(1)], { dtype: Dt('float64') }, [Ts([2, 3], 'float64')]);
  for (const name of ['Softmax', 'LogSoftmax', 'Softmin']) {
    for (let i = 0; i < 14; i++) {
      const rank = g.int(0, 4);
      g.module(name, g.chance(0.4) ? [] : [I(g.int(-rank - 1, rank))], {}, [Ts(g.shape(rank, 0, 3), g.dtype(0.25, ['float64', 'int64', 'bool', 'float16']))]);
    }
  }
  for (let i = 0; i < 10; i++) g.module('Softmax2d', [], {}, [Ts(g.shape(g.int(1, 5)), g.dtype(0.2, ['int64']))]);
  for (let i = 0; i < 20; i++) {
    const rank = g.int(0, 3);
    g.module('GLU', g.chance(0.5) ? [] : [I(g.int(-rank - 1, rank))], {}, [Ts(g.shape(rank, 0, 4), g.dtype(0.2, ['float64', 'int64', 'float16']))]);
  }
  const fns: [string, J[]][] = [
    ['relu', []], ['relu6', []], ['leaky_relu', [Fl(0.2)]], ['elu', []], ['selu', []], ['celu', []], ['gelu', []], ['silu', []],
    ['mish', []], ['tanh', []], ['sigmoid', []], ['hardtanh', []], ['hardswish', []], ['hardsigmoid', []], ['softplus', []],
    ['softsign', []], ['tanhshrink', []], ['logsigmoid', []], ['hardshrink', []], ['softshrink', []], ['threshold', [Fl(0.1), Fl(2)]],
    ['rrelu', []],
  ];
  for (const [name, extra] of fns) {
    for (let i = 0; i < 4; i++) g.call('F', name, [Ts(g.shape(g.int(0, 3)), i === 0 ? 'float32' : g.pick(ALL_DT)), ...extra]);
  }
  g.call('F', 'relu', [Ts([2, 3], 'int64')], { inplace: true });
  g.call('F', 'gelu', [Ts([2, 3])], { approximate: 'tanh' });
  g.call('F', 'gelu', [Ts([2, 3]), 'tanh']);
  g.call('F', 'hardtanh', [Ts([2, 3], 'uint8'), Fl(0), Fl(6)]);
  for (const name of ['softmax', 'log_softmax', 'softmin']) {
    for (let i = 0; i < 10; i++) {
      const rank = g.int(0, 4);
      const kw: Record<string, J> = {};
      if (g.chance(0.2)) kw.dtype = Dt(g.pick(['float64', 'int64', 'float32'] as DType[]));
      g.call('F', name, [Ts(g.shape(rank), g.dtype(0.3, ['int64', 'float64', 'bool'])), ...(g.chance(0.35) ? [] : [I(g.int(-rank - 1, rank))])], kw);
    }
  }
  for (const ns of ['torch', 'method'] as const) {
    for (const name of ['softmax', 'log_softmax']) {
      for (let i = 0; i < 6; i++) {
        const rank = g.int(0, 3);
        g.call(ns, name, [Ts(g.shape(rank), g.dtype(0.3, ['int64', 'float64'])), I(g.int(-rank - 1, rank)), ...(g.chance(0.2) ? [Dt('float64')] : [])]);
      }
    }
  }
  for (let i = 0; i < 10; i++) {
    const rank = g.int(0, 3);
    g.call('F', 'glu', [Ts(g.shape(rank, 1, 4))], g.chance(0.5) ? { dim: I(g.int(-rank, rank)) } : {});
  }
  for (let i = 0; i < 12; i++) {
    const c = g.int(1, 4);
    g.call('F', 'prelu', [Ts([2, g.near(c, 0.3), 2]), Ts(g.pick([[c], [1], [], [c, 1]]))]);
  }
  for (const name of UNARY_NAMES) {
    for (const dt of ALL_DT) {
      const ns = g.pick(['torch', 'method'] as const);
      g.call(ns, name, [Ts(g.shape(g.int(0, 3), 0, 3), dt)]);
    }
    if (!['isnan', 'isinf', 'isfinite', 'isposinf', 'isneginf', 'isreal', 'signbit', 'conj', 'angle', 'positive'].includes(name)) {
      for (let i = 0; i < 3; i++) g.call('method', `${name}_`, [Ts(g.shape(g.int(0, 3)), g.pick(ALL_DT))]);
    }
  }
  for (const name of ['relu', 'sigmoid', 'tanh', 'selu', 'celu', 'hardshrink', 'rrelu']) {
    for (let i = 0; i < 3; i++) g.call('torch', name, [Ts(g.shape(g.int(0, 3)), g.pick(ALL_DT))]);
  }
  g.call('torch', 'threshold', [Ts([2, 3]), Fl(0.1), Fl(2)]);
  g.call('torch', 'prelu', [Ts([2, 3]), Ts([3])]);
  const scal = (): J => g.pick([I(0), I(2), Fl(0.5), Fl(-1), true, null]);
  for (let i = 0; i < 70; i++) {
    const x = Ts(g.shape(g.int(0, 3)), g.pick(ALL_DT));
    const ns = g.pick(['torch', 'method', 'method'] as const);
    const name = g.pick(['clamp', 'clamp', 'clip', 'clamp_', 'clamp_min', 'clamp_max']);
    
    const tensorBound = (): J => Ts(g.pick([[3], [1], [2, 1], [4, 1, 3], [4], []]), g.dtype(0.2, ['float64', 'int64']));
    if (name === 'clamp_min' || name === 'clamp_max') {
      g.call(ns, name, [x, g.chance(0.3) ? tensorBound() : scal()]);
    } else if (g.chance(0.3)) {
      g.call(ns, name, [x], g.chance(0.5) ? { min: tensorBound() } : { min: tensorBound(), max: tensorBound() });
    } else {
      const kw: Record<string, J> = {};
      if (g.chance(0.7)) kw.min = scal();
      if (g.chance(0.6)) kw.max = scal();
      g.call(ns, name, [x], kw);
    }
  }
  for (const [ns, name, args, kw] of [
    ['method', 'clamp', [Ts([2, 3]), Ts([3]), Fl(1)], {}], ['method', 'clamp', [Ts([2, 3]), Fl(1), Ts([3])], {}],
    ['method', 'clip', [Ts([2, 3]), I(1), Ts([3])], {}], ['method', 'clamp_', [Ts([2, 3]), Ts([3]), true], {}],
    ['method', 'clamp', [Ts([2, 3]), 'a'], {}], ['method', 'clamp', [Ts([2]), 'a', I(1)], {}], ['method', 'clamp', [Ts([2])], { max: 'a' }],
    ['torch', 'clamp', [Ts([2, 3]), Fl(1), Ts([3])], {}], ['torch', 'clamp', [Ts([2, 3]), Ts([3]), Fl(1)], {}], ['torch', 'clamp', [Ts([2]), 'a'], {}],
    ['method', 'clamp_min', [Ts([2]), 'a'], {}], ['method', 'clamp_min', [Ts([2]), null], {}], ['method', 'clamp_max_', [Ts([2]), null], {}],
    ['torch', 'clamp_min', [Ts([2]), null], {}], ['method', 'clamp', [Ts([2], 'float16'), Ts([2], 'float16'), Ts([2], 'float16')], {}],
    ['method', 'clamp', [Ts([2], 'bool'), Ts([2], 'bool'), Ts([2], 'bool')], {}], ['method', 'clamp', [Ts([2], 'bool')], { max: Ts([2], 'bool') }],
    ['method', 'clamp_', [Ts([2], 'float16'), Ts([2], 'float16'), Ts([2], 'float16')], {}], ['method', 'clamp', [Ts([2]), Ts([2], 'float16'), Ts([2], 'float16')], {}], ['torch', 'clamp_max', [Ts([2]), 'a'], {}], ['method', 'clamp', [Ts([2]), null, Ts([2])], {}],
  ] as ['torch' | 'method', string, J[], Record<string, J>][]) g.call(ns, name, args, kw);
  return g.cfgs;
}

function genDropout(): Cfg[] {
  const g = new Gen(4004, 'dropout');
  const mods = ['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout'];
  for (const name of mods) {
    for (let rank = 0; rank <= 5; rank++) {
      for (const training of [true, false]) {
        g.module(name, g.chance(0.5) ? [] : [Fl(g.pick([0, 0.25, 0.5, 1]))], {}, [Ts(g.shape(rank, 1, 3), g.dtype(0.25, ['float64', 'int64', 'bool', 'float16']))], training);
      }
    }
    g.module(name, [Fl(1.5)], {}, [Ts([2])]);
    g.module(name, [Fl(-0.1)], {}, [Ts([2])]);
    g.module(name, [I(2)], {}, [Ts([2])]);
    g.module(name, ['a'], {}, [Ts([2])]);
    g.module(name, [I(1)], {}, [Ts([2, 3, 2, 2], 'int64')], true);
    g.module(name, [], {}, [Ts([0, 3, 2, 2], 'int64')], true);
  }
  for (const name of ['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout']) {
    for (let i = 0; i < 8; i++) {
      const kw: Record<string, J> = {};
      if (g.chance(0.4)) kw.training = g.chance(0.5);
      if (g.chance(0.3)) kw.p = Fl(g.pick([0, 0.3, 1, 2, -1]));
      g.call('F', name, [Ts(g.shape(g.int(0, 5), 1, 3), g.dtype(0.2, ['int64', 'float64']))], kw);
    }
  }
  for (let i = 0; i < 6; i++) g.call('torch', 'dropout', [Ts(g.shape(g.int(0, 3))), Fl(g.pick([0.5, 0, 1.5])), g.chance(0.5)]);
  return g.cfgs;
}

function genLosses(): Cfg[] {
  const g = new Gen(5005, 'losses');
  const red = (): Record<string, J> => (g.chance(0.4) ? { reduction: g.pick(['none', 'sum', 'mean', 'avg', 'elementwise_mean', 'none']) } : {});
  const pair = (): [number[], number[]] => {
    const s = g.shape(g.int(0, 3), 1, 4);
    const m = g.int(0, 5);
    if (m <= 2) return [s, s];
    if (m === 3) return [s, s.slice(1)];
    if (m === 4) return [s, [...s.slice(0, -1), 1]];
    return [s, g.shape(g.int(0, 3), 1, 4)];
  };
  const LDT: DType[] = ['float64', 'int64', 'bool'];
  for (const name of ['MSELoss', 'L1Loss', 'SmoothL1Loss', 'HuberLoss']) {
    for (let i = 0; i < 30; i++) {
      const [a, b] = pair();
      g.module(name, [], red(), [Ts(a, g.dtype(0.2, LDT)), Ts(b, g.dtype(0.2, LDT))]);
    }
  }
  for (const name of ['BCELoss', 'BCEWithLogitsLoss']) {
    for (let i = 0; i < 30; i++) {
      const [a, b] = pair();
      const kw = red();
      if (g.chance(0.2)) kw.weight = Ts(g.pick([[1], [a[a.length - 1] ?? 1], [3], [2, 1, 1]]));
      if (name === 'BCEWithLogitsLoss' && g.chance(0.2)) kw.pos_weight = Ts(g.pick([[a[a.length - 1] ?? 1], [4], [5, ...a]]));
      g.module(name, [], kw, [Ts(a, g.dtype(0.15, LDT)), Ts(b, g.dtype(0.25, LDT))]);
    }
  }
  g.module('BCELoss', [], { size_average: false }, [Ts([4, 1]), Ts([4, 1])]);
  for (let i = 0; i < 20; i++) {
    const [a, b] = pair();
    const kw: Record<string, J> = g.chance(0.5) ? { reduction: g.pick(['none', 'sum', 'mean', 'batchmean', 'x']) } : {};
    if (g.chance(0.2)) kw.log_target = true;
    g.module('KLDivLoss', [], kw, [Ts(a, g.dtype(0.15, LDT)), Ts(b, g.dtype(0.15, LDT))]);
  }
  for (let i = 0; i < 16; i++) {
    const [a, b] = pair();
    g.module('HingeEmbeddingLoss', [], red(), [Ts(a, g.dtype(0.2, LDT)), Ts(b, g.dtype(0.2, LDT))]);
  }
  for (const name of ['CrossEntropyLoss', 'NLLLoss']) {
    for (let i = 0; i < 60; i++) {
      const rank = g.pick([0, 1, 2, 2, 2, 3, 4, 4, 5]);
      const x = g.shape(rank, 1, 4);
      const n = x[0] ?? 1;
      const spatial = x.slice(2);
      let tgt: number[];
      let tdt: DType = 'int64';
      const m = g.int(0, 9);
      if (m <= 4) tgt = rank === 1 ? [] : [n, ...spatial];
      else if (m === 5) tgt = rank === 1 ? [1] : [g.near(n, 1), ...spatial];
      else if (m === 6) tgt = [n, ...spatial.map((s) => g.near(s, 0.5))];
      else if (m === 7) tgt = x;
      else if (m === 8) tgt = [n];
      else tgt = [n, 1];
      if (m === 7 || g.chance(0.12)) tdt = g.pick(['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'] as DType[]);
      const kw = red();
      if (g.chance(0.15)) kw.weight = Ts([g.near(rank === 1 ? x[0] : (x[1] ?? 3), 0.4)], g.dtype(0.1, ['float64']));
      if (name === 'CrossEntropyLoss' && g.chance(0.15)) kw.label_smoothing = Fl(g.pick([0.1, 1.5, -0.5]));
      if (g.chance(0.05)) kw.ignore_index = I(1);
      g.module(name, [], kw, [Ts(x, g.dtype(0.1, ['float64', 'int64'])), Ts(tgt, tdt)]);
    }
  }
  const fnPair = (name: string, kw: Record<string, J> = {}) => {
    const [a, b] = pair();
    g.call('F', name, [Ts(a, g.dtype(0.15, LDT)), Ts(b, g.dtype(0.15, LDT))], { ...red(), ...kw });
  };
  for (let i = 0; i < 8; i++) {
    for (const name of ['mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div', 'hinge_embedding_loss']) {
      fnPair(name, i === 0 && name !== 'huber_loss' ? { size_average: false } : i === 1 && name !== 'huber_loss' ? { reduce: false } : {});
    }
  }
  for (let i = 0; i < 15; i++) {
    const rank = g.pick([1, 2, 2, 3, 4]);
    const x = g.shape(rank, 1, 4);
    const tgt = rank === 1 ? [] : [g.near(x[0], 0.2), ...x.slice(2)];
    g.call('F', g.pick(['cross_entropy', 'nll_loss']), [Ts(x), Ts(tgt, 'int64')], red());
  }
  g.call('F', 'cross_entropy', [Ts([4, 3]), Ts([4], 'int64')], { size_average: false });
  const L = 'int64';
  const fixed: [string, Record<string, J>, J[]][] = [
    ['BCELoss', {}, [Ts([8, 1, 3, 3]), Ts([8])]], ['BCELoss', {}, [Ts([8, 1]), Ts([8])]], ['BCELoss', { reduction: 'avg' }, [Ts([8, 1]), Ts([8])]],
    ['BCELoss', { weight: Ts([3]) }, [Ts([]), Ts([])]], ['BCELoss', { weight: Ts([1]) }, [Ts([], 'bool'), Ts([], 'bool')]],
    ['BCELoss', { weight: Ts([2, 1, 1]) }, [Ts([2], L), Ts([2], L)]], ['BCELoss', { weight: Ts([2, 1, 1]) }, [Ts([2]), Ts([2], L)]], ['BCELoss', { weight: Ts([3]) }, [Ts([8, 1]), Ts([8, 1])]],
    ['BCEWithLogitsLoss', {}, [Ts([8, 1]), Ts([8])]], ['BCEWithLogitsLoss', { pos_weight: Ts([3]) }, [Ts([8, 3]), Ts([8, 3], L)]],
    ['BCEWithLogitsLoss', { pos_weight: Ts([5, 8, 3]), reduction: 'none' }, [Ts([8, 3]), Ts([8, 3])]],
    ['BCEWithLogitsLoss', { weight: Ts([5, 8, 3]), reduction: 'none' }, [Ts([8, 3]), Ts([8, 3])]],
    ['BCEWithLogitsLoss', { weight: Ts([4]) }, [Ts([8, 3]), Ts([8, 3])]], ['BCEWithLogitsLoss', {}, [Ts([8, 3]), Ts([8, 3], 'int32')]],
    ['BCEWithLogitsLoss', {}, [Ts([8, 3], 'float64'), Ts([8, 3], 'bool')]],
    ['MSELoss', {}, [Ts([8, 3]), Ts([4])]], ['MSELoss', { reduction: 'bad' }, [Ts([8, 3]), Ts([3])]], ['L1Loss', { reduction: 'sum' }, [Ts([8, 5], L), Ts([8, 5], L)]],
    ['HingeEmbeddingLoss', { reduction: 'sum' }, [Ts([8, 5], L), Ts([8, 5])]], ['KLDivLoss', { reduction: 'batchmean' }, [Ts([]), Ts([])]],
    ['KLDivLoss', { reduction: 'sum', log_target: true }, [Ts([8, 5]), Ts([3])]], ['KLDivLoss', { size_average: false }, [Ts([8, 5]), Ts([8, 5])]],
    ['CrossEntropyLoss', {}, [Ts([8, 5]), Ts([4], L)]], ['CrossEntropyLoss', {}, [Ts([8, 5, 3, 3]), Ts([8, 3, 4], L)]],
    ['CrossEntropyLoss', {}, [Ts([8, 5, 3, 3]), Ts([8, 3], L)]], ['CrossEntropyLoss', { reduction: 'none' }, [Ts([8, 5, 3]), Ts([8, 4], L)]],
    ['CrossEntropyLoss', { reduction: 'none' }, [Ts([8, 5, 3, 2, 2]), Ts([8, 3, 2, 1], L)]], ['CrossEntropyLoss', {}, [Ts([5]), Ts([1], L)]],
    ['CrossEntropyLoss', {}, [Ts([]), Ts([])]], ['CrossEntropyLoss', {}, [Ts([]), Ts([3], L)]], ['CrossEntropyLoss', { ignore_index: I(1) }, [Ts([8, 5]), Ts([8, 5])]],
    ['CrossEntropyLoss', { label_smoothing: Fl(1.5) }, [Ts([8, 5]), Ts([8, 5])]], ['CrossEntropyLoss', { label_smoothing: Fl(1.5) }, [Ts([8, 5], L), Ts([8, 5])]],
    ['CrossEntropyLoss', { label_smoothing: Fl(1.5), weight: Ts([4]) }, [Ts([8, 5]), Ts([8, 5])]], ['CrossEntropyLoss', { label_smoothing: Fl(1.5) }, [Ts([]), Ts([])]],
    ['CrossEntropyLoss', { label_smoothing: Fl(1.5) }, [Ts([8, 5], L), Ts([8], L)]], ['CrossEntropyLoss', { label_smoothing: Fl(1.5) }, [Ts([8, 5]), Ts([4], L)]],
    ['CrossEntropyLoss', { label_smoothing: Fl(1.5) }, [Ts([]), Ts([3], L)]], ['CrossEntropyLoss', { label_smoothing: Fl(-0.5) }, [Ts([8, 5]), Ts([8, 5])]],
    ['CrossEntropyLoss', { label_smoothing: Fl(0.5) }, [Ts([8, 5]), Ts([4], L)]], ['CrossEntropyLoss', { label_smoothing: Fl(0.2), weight: Ts([4]) }, [Ts([8, 5, 3, 3]), Ts([8, 3, 3], L)]],
    ['CrossEntropyLoss', { label_smoothing: Fl(0.1) }, [Ts([8, 5]), Ts([8])]], ['CrossEntropyLoss', { label_smoothing: Fl(0.2), reduction: 'none' }, [Ts([5]), Ts([], L)]],
    ['CrossEntropyLoss', { weight: Ts([4]) }, [Ts([8, 5, 3, 3]), Ts([8, 5, 3, 3])]], ['CrossEntropyLoss', { weight: Ts([5, 1]) }, [Ts([8, 5]), Ts([8], L)]],
    ['CrossEntropyLoss', { weight: Ts([5], 'float64') }, [Ts([8, 5]), Ts([8], L)]], ['CrossEntropyLoss', { weight: Ts([5], 'float64') }, [Ts([8, 5]), Ts([8, 5])]],
    ['CrossEntropyLoss', {}, [Ts([8, 5]), Ts([8, 5], 'float16')]], ['CrossEntropyLoss', {}, [Ts([8, 5, 3, 3]), Ts([8, 3, 3], 'uint8')]],
    ['CrossEntropyLoss', {}, [Ts([8, 5], 'float16'), Ts([8], L)]], ['CrossEntropyLoss', {}, [Ts([0, 5]), Ts([0], L)]],
    ['CrossEntropyLoss', { size_average: false }, [Ts([8, 5]), Ts([8], L)]], ['CrossEntropyLoss', { reduce: false }, [Ts([8, 5]), Ts([8], L)]],
    ['NLLLoss', {}, [Ts([8, 5], L), Ts([8])]], ['NLLLoss', {}, [Ts([8, 5], L), Ts([4], L)]], ['NLLLoss', {}, [Ts([8, 5, 3, 3], L), Ts([8, 3, 3], L)]],
    ['NLLLoss', { weight: Ts([5], L) }, [Ts([8, 5]), Ts([8], L)]], ['NLLLoss', { weight: Ts([5], 'float64') }, [Ts([8, 5, 3, 3]), Ts([8, 3, 3], L)]],
    ['NLLLoss', {}, [Ts([8, 5, 3]), Ts([8, 3])]], ['NLLLoss', {}, [Ts([5]), Ts([5], L)]], ['NLLLoss', { weight: Ts([5]) }, [Ts([8, 5]), Ts([8], 'float32')]],
    ['NLLLoss', { weight: Ts([5], 'float64') }, [Ts([8, 5]), Ts([8])]], ['NLLLoss', { reduction: 'none' }, [Ts([8, 5]), Ts([8], 'uint8')]],
  ];
  for (const [name, kw, inputs] of fixed) g.module(name, [], kw, inputs);
  return g.cfgs;
}

// ---------------------------------------------------------------------------------------------------------------

function same(a: Res, b: Res): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
function canon(r: Res): unknown {
  return r.ok
    ? { ok: true, shape: r.shape, dtype: r.dtype, warnings: r.warnings, params: r.params, buffers: r.buffers }
    : { ok: false, stage: r.stage, type: r.type, msg: r.msg, warnings: r.warnings, params: r.params, buffers: r.buffers };
}

test('layers oracle: linear, norm, activation, dropout, losses vs PyTorch 1.13', (t) => {
  if (!requireTorch(t)) return;
  const gens: Record<Family5, () => Cfg[]> = { linear: genLinear, norm: genNorm, activation: genActivation, dropout: genDropout, losses: genLosses };
  const cfgs = (Object.keys(gens) as Family5[]).flatMap((f) => gens[f]());
  const t0 = Date.now();
  const expected = runPython<Res[]>(PY, cfgs);
  const pyMs = Date.now() - t0;
  assert.equal(expected.length, cfgs.length);
  const counts: Record<string, number> = {};
  const bad: string[] = [];
  cfgs.forEach((c, i) => {
    counts[c.fam] = (counts[c.fam] ?? 0) + 1;
    const got = runTs(c);
    if (!same(got, expected[i])) {
      bad.push(`#${i} ${c.kind} ${c.name}(${JSON.stringify(c.args)}, ${JSON.stringify(c.kwargs)})${c.inputs ? ` <- ${JSON.stringify(c.inputs)} training=${c.training}` : ''}\n   torch: ${JSON.stringify(canon(expected[i]))}\n   ours:  ${JSON.stringify(canon(got))}`);
    }
  });
  t.diagnostic(`configs: ${JSON.stringify(counts)} total ${cfgs.length}; PyTorch ${pyMs} ms; disagreements ${bad.length}`);
  assert.ok(cfgs.length >= 300);
  assert.equal(bad.length, 0, `${bad.length} disagreements with PyTorch:\n${bad.slice(0, 400).join('\n')}`);
});
