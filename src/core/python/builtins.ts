/**
 * Python's builtins and the standard modules model code uses (math, argparse, os, sys, random, collections),
 * plus the numpy functions that appear in layer arithmetic (np.prod …). Anything else is unknown.
 */
import { PyException } from './errors';
import { dictKey, pyCompare, pyEquals, toStr, type Interpreter } from './interpreter';
import {
  FALSE, NONE, TRUE, float, int, repr, str, tensor, tuple, typeName, unknown,
  type BuiltinVal, type CallArgs, type ClassVal, type DType, type NamespaceVal, type Py,
} from './values';

export const builtin = (name: string, call: (args: CallArgs, self?: Py) => Py): BuiltinVal => ({ k: 'builtin', name, call });

export function ns(name: string, entries: Record<string, Py>, fallback?: (n: string) => Py | undefined): NamespaceVal {
  return { k: 'namespace', name, attrs: new Map(Object.entries(entries)), fallback };
}

function num(v: Py): number | null {
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  return null;
}

const anyUnknown = (vs: Py[]): Py | undefined => vs.find((v) => v.k === 'unknown');

/** Wrap a numeric function of known arguments; unknown in, unknown out. */
function numeric(name: string, f: (...xs: number[]) => number, intResult: (xs: Py[]) => boolean): BuiltinVal {
  return builtin(name, ({ pos }) => {
    const u = anyUnknown(pos);
    if (u) return u;
    const xs = pos.map(num);
    if (xs.some((x) => x === null)) {
      const bad = pos[xs.findIndex((x) => x === null)];
      if (bad.k === 'tensor') return unknown(`${name}() of a tensor's values`);
      throw new PyException('TypeError', `must be real number, not ${typeName(bad)}`, 0);
    }
    const r = f(...(xs as number[]));
    return intResult(pos) ? int(r) : float(r);
  });
}

/** A builtin class (for isinstance, exceptions, nn.Module and its containers). */
export function makeClass(name: string, attrs: Record<string, Py> = {}, bases: Py[] = []): ClassVal {
  return { k: 'class', name, bases, attrs: new Map(Object.entries(attrs)), node: null, line: 0, isModule: false };
}

function items(interp: Interpreter, v: Py, fn: string): Py[] | Py {
  if (v.k === 'unknown') return v;
  const it = interp.iterate(v);
  if (it === null) {
    if (v.k === 'int' || v.k === 'float' || v.k === 'none' || v.k === 'bool') {
      interp.raise('TypeError', `'${typeName(v)}' object is not iterable`);
    }
    return unknown(`${fn}() over a value that cannot be iterated statically`);
  }
  return it;
}

export function makeBuiltins(interp: Interpreter, extra: Map<string, Py>): Map<string, Py> {
  const b = new Map<string, Py>();
  const def = (name: string, call: (args: CallArgs) => Py) => b.set(name, builtin(name, call));

  def('len', ({ pos: [v] }) => {
    if (!v || v.k === 'unknown') return v ?? unknown('len()');
    if (v.k === 'str') return int(v.v.length);
    if (v.k === 'tuple' || v.k === 'list') return int(v.items.length);
    if (v.k === 'dict') return int(v.entries.size);
    if (v.k === 'tensor') {
      if (!v.shape) return unknown(`len() of a tensor of unknown shape (${v.why ?? ''})`);
      if (v.shape.length === 0) interp.raise('TypeError', 'len() of a 0-d tensor');
      return int(v.shape[0]);
    }
    const len = interp.getAttrOrUndefined(v, '__len__');
    if (len && len.k !== 'unknown') return interp.call(len, { pos: [], kw: new Map() });
    return unknown(`len() of ${typeName(v)} is not modelled`);
  });
  def('range', ({ pos }) => {
    const u = anyUnknown(pos);
    if (u) return u;
    const xs = pos.map((p) => (p.k === 'int' ? p.v : p.k === 'bool' ? (p.v ? 1 : 0) : null));
    if (xs.some((x) => x === null)) interp.raise('TypeError', `'${typeName(pos[xs.findIndex((x) => x === null)])}' object cannot be interpreted as an integer`);
    const [start, stop, step] = xs.length === 1 ? [0, xs[0]!, 1] : [xs[0]!, xs[1]!, xs[2] ?? 1];
    if (step === 0) interp.raise('ValueError', 'range() arg 3 must not be zero');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > 100_000) return unknown('range() too long to enumerate statically');
    return tuple(Array.from({ length: n }, (_, i) => int(start + i * step)));
  });
  def('int', ({ pos: [v, base] }) => {
    if (!v) return int(0);
    if (v.k === 'unknown') return v;
    if (v.k === 'int') return v;
    if (v.k === 'bool') return int(v.v ? 1 : 0);
    if (v.k === 'float') {
      if (!Number.isFinite(v.v)) interp.raise(Number.isNaN(v.v) ? 'ValueError' : 'OverflowError', Number.isNaN(v.v) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
      return int(Math.trunc(v.v));
    }
    if (v.k === 'str') {
      const radix = base && base.k === 'int' ? base.v : 10;
      const t = v.v.trim().replace(/_/g, '');
      const n = parseInt(t, radix);
      if (Number.isNaN(n) || !/^[-+]?[0-9a-z]+$/i.test(t)) interp.raise('ValueError', `invalid literal for int() with base ${radix}: ${repr(v)}`);
      return int(n);
    }
    if (v.k === 'tensor') return unknown("int() of a tensor's value");
    return unknown(`int() of ${typeName(v)}`);
  });
  def('float', ({ pos: [v] }) => {
    if (!v) return float(0);
    if (v.k === 'unknown') return v;
    const n = num(v);
    if (n !== null) return float(n);
    if (v.k === 'str') {
      const t = v.v.trim().toLowerCase();
      const n2 = t === 'inf' || t === '+inf' ? Infinity : t === '-inf' ? -Infinity : t === 'nan' ? NaN : Number(t);
      if (Number.isNaN(n2) && t !== 'nan') interp.raise('ValueError', `could not convert string to float: ${repr(v)}`);
      return float(n2);
    }
    return unknown(`float() of ${typeName(v)}`);
  });
  def('bool', ({ pos: [v] }) => {
    if (!v) return FALSE;
    const t = interp.truthy(v);
    return t === null ? unknown('bool() of a value that cannot be known') : t ? TRUE : FALSE;
  });
  def('str', ({ pos: [v] }) => {
    if (v === undefined) return str('');
    if (v.k === 'unknown') return v;
    // str() of an exception is its message
    const args = v.k === 'object' ? v.attrs.get('args') : undefined;
    if (args && args.k === 'tuple' && args.items.length === 1) return str(toStr(args.items[0]));
    return str(toStr(v));
  });
  def('repr', ({ pos: [v] }) => (v.k === 'unknown' ? v : str(repr(v))));
  def('abs', ({ pos: [v] }) => {
    if (v.k === 'unknown' || v.k === 'tensor') return v;
    if (v.k === 'int' || v.k === 'bool') return int(Math.abs(num(v)!));
    if (v.k === 'float') return float(Math.abs(v.v));
    return interp.raise('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
  });
  def('round', ({ pos: [v, nd] }) => {
    if (v.k === 'unknown') return v;
    const x = num(v);
    if (x === null) return unknown('round() of a non-number');
    if (!nd || nd.k === 'none') {
      // Python rounds half to even
      const r = Math.round(x);
      const even = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
      return int(even);
    }
    const d = num(nd) ?? 0;
    return float(Math.round(x * 10 ** d) / 10 ** d);
  });
  const minmax = (name: string, pick: (a: number, b: number) => boolean) => def(name, ({ pos, kw }) => {
    let xs: Py[] | Py = pos.length === 1 ? items(interp, pos[0], name) : pos;
    if (!Array.isArray(xs)) return xs;
    const u = anyUnknown(xs);
    if (u) return u;
    if (xs.length === 0) {
      const d = kw.get('default');
      if (d) return d;
      interp.raise('ValueError', `${name}() arg is an empty sequence`);
    }
    if (xs.some((x) => x.k === 'tensor')) return unknown(`${name}() of tensor values`);
    if (kw.has('key')) return unknown(`${name}() with key= is not modelled`);
    let best = xs[0];
    for (const x of xs.slice(1)) {
      const a = num(x), c = num(best);
      if (a === null || c === null) {
        if (x.k === 'str' && best.k === 'str') { if (pick(x.v < best.v ? -1 : 1, 0)) best = x; continue; }
        return unknown(`${name}() of non-numbers`);
      }
      if (pick(a, c)) best = x;
    }
    xs = [];
    return best;
  });
  minmax('min', (a, b) => a < b);
  minmax('max', (a, b) => a > b);
  def('sum', ({ pos: [v, start] }) => {
    const xs = items(interp, v, 'sum');
    if (!Array.isArray(xs)) return xs;
    let acc: Py = start ?? int(0);
    for (const x of xs) acc = interp.binary('+', acc, x);
    return acc;
  });
  def('list', ({ pos: [v] }) => {
    if (!v) return { k: 'list', items: [] };
    const xs = items(interp, v, 'list');
    return Array.isArray(xs) ? { k: 'list', items: xs } : xs;
  });
  def('tuple', ({ pos: [v] }) => {
    if (!v) return tuple([]);
    const xs = items(interp, v, 'tuple');
    return Array.isArray(xs) ? tuple(xs) : xs;
  });
  def('set', ({ pos: [v] }) => {
    if (!v) return { k: 'list', items: [] };
    const xs = items(interp, v, 'set');
    if (!Array.isArray(xs)) return xs;
    const out: Py[] = [];
    for (const x of xs) if (!out.some((y) => pyEquals(x, y) === true)) out.push(x);
    return { k: 'list', items: out };
  });
  def('sorted', ({ pos: [v], kw }) => {
    const xs = items(interp, v, 'sorted');
    if (!Array.isArray(xs)) return xs;
    if (kw.has('key')) return unknown('sorted() with key= is not modelled');
    let incomparable = false;
    const out = [...xs].sort((a, c) => {
      const r = pyCompare(a, c);
      if (typeof r !== 'number') { incomparable = true; return 0; }
      return r;
    });
    if (incomparable) return unknown('sorted() of values that cannot be ordered statically');
    const rev = kw.get('reverse');
    if (rev && interp.truthy(rev)) out.reverse();
    return { k: 'list', items: out };
  });
  def('reversed', ({ pos: [v] }) => {
    const xs = items(interp, v, 'reversed');
    return Array.isArray(xs) ? tuple([...xs].reverse()) : xs;
  });
  def('enumerate', ({ pos: [v, start], kw }) => {
    const xs = items(interp, v, 'enumerate');
    if (!Array.isArray(xs)) return xs;
    const s0 = num(start ?? kw.get('start') ?? int(0)) ?? 0;
    return tuple(xs.map((x, i) => tuple([int(s0 + i), x])));
  });
  def('zip', ({ pos }) => {
    const lists: Py[][] = [];
    for (const p of pos) {
      const xs = items(interp, p, 'zip');
      if (!Array.isArray(xs)) return xs;
      lists.push(xs);
    }
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return tuple(Array.from({ length: n }, (_, i) => tuple(lists.map((l) => l[i]))));
  });
  def('map', ({ pos: [f, ...its] }) => {
    const lists: Py[][] = [];
    for (const p of its) {
      const xs = items(interp, p, 'map');
      if (!Array.isArray(xs)) return xs;
      lists.push(xs);
    }
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return tuple(Array.from({ length: n }, (_, i) => interp.call(f, { pos: lists.map((l) => l[i]), kw: new Map() })));
  });
  def('filter', ({ pos: [f, it] }) => {
    const xs = items(interp, it, 'filter');
    if (!Array.isArray(xs)) return xs;
    const out: Py[] = [];
    for (const x of xs) {
      const t = interp.truthy(f.k === 'none' ? x : interp.call(f, { pos: [x], kw: new Map() }));
      if (t === null) return unknown('filter() on values that cannot be known');
      if (t) out.push(x);
    }
    return tuple(out);
  });
  const anyAll = (name: string, all: boolean) => def(name, ({ pos: [v] }) => {
    const xs = items(interp, v, name);
    if (!Array.isArray(xs)) return xs;
    for (const x of xs) {
      const t = interp.truthy(x);
      if (t === null) return unknown(`${name}() of values that cannot be known`);
      if (t !== all) return all ? FALSE : TRUE;
    }
    return all ? TRUE : FALSE;
  });
  anyAll('any', false);
  anyAll('all', true);
  def('dict', ({ pos: [v], kw }) => {
    const d = { k: 'dict' as const, entries: new Map<string, Py>(), keys: new Map<string, Py>() };
    if (v) {
      if (v.k === 'dict') { for (const [k, x] of v.entries) { d.entries.set(k, x); d.keys.set(k, v.keys.get(k)!); } }
      else {
        const xs = items(interp, v, 'dict');
        if (!Array.isArray(xs)) return xs;
        for (const pair of xs) {
          const kv = interp.iterate(pair);
          if (!kv || kv.length !== 2) return unknown('dict() of a sequence that is not pairs');
          d.entries.set(dictKey(kv[0]), kv[1]);
          d.keys.set(dictKey(kv[0]), kv[0]);
        }
      }
    }
    for (const [k, x] of kw) { d.entries.set(dictKey(str(k)), x); d.keys.set(dictKey(str(k)), str(k)); }
    return d;
  });
  b.set('OrderedDict', b.get('dict')!);
  def('print', () => NONE);
  def('divmod', ({ pos: [a, c] }) => tuple([interp.binary('//', a, c), interp.binary('%', a, c)]));
  def('pow', ({ pos: [a, c] }) => interp.binary('**', a, c));
  def('isinstance', ({ pos: [v, t] }) => isInstance(interp, v, t));
  def('issubclass', ({ pos: [c, t] }) => (c.k === 'class' && t.k === 'class' ? (interp.mro(c).includes(t) ? TRUE : FALSE) : unknown('issubclass()')));
  def('hasattr', ({ pos: [o, n] }) => {
    if (n.k !== 'str' || o.k === 'unknown') return unknown('hasattr() on an unknown value');
    const v = interp.getAttrOrUndefined(o, n.v);
    if (v === undefined) return FALSE;
    return v.k === 'unknown' && o.k !== 'object' ? unknown('hasattr() cannot be decided') : TRUE;
  });
  def('getattr', ({ pos: [o, n, d] }) => {
    if (n.k !== 'str') return unknown('getattr() with an unknown name');
    const v = interp.getAttrOrUndefined(o, n.v);
    if (v === undefined) return d ?? interp.getAttr(o, n.v);
    return v;
  });
  def('setattr', ({ pos: [o, n, v] }) => {
    if (n.k === 'str') interp.setAttr(o, n.v, v);
    return NONE;
  });
  def('type', ({ pos: [v] }) => {
    if (v.k === 'object') return v.cls;
    return makeClass(typeName(v));
  });
  def('callable', ({ pos: [v] }) => (['func', 'builtin', 'bound', 'class', 'torchmodule'].includes(v.k) || (v.k === 'object' && v.isModule) ? TRUE : FALSE));
  def('id', ({ pos: [v] }) => (v.k === 'object' || v.k === 'torchmodule' ? int(v.id) : unknown('id()')));
  def('hash', () => unknown('hash()'));
  def('open', () => unknown('files are not read statically'));
  def('input', () => unknown('input() is not known statically'));
  def('iter', ({ pos: [v] }) => {
    const xs = items(interp, v, 'iter');
    return Array.isArray(xs) ? tuple(xs) : xs;
  });
  def('next', ({ pos: [v] }) => {
    const xs = items(interp, v, 'next');
    if (!Array.isArray(xs)) return xs;
    if (xs.length === 0) interp.raise('StopIteration', '');
    return xs[0];
  });
  def('vars', () => unknown('vars() is not modelled'));
  def('format', ({ pos: [v] }) => (v.k === 'unknown' ? v : str(toStr(v))));
  def('chr', ({ pos: [v] }) => (v.k === 'int' ? str(String.fromCharCode(v.v)) : unknown('chr()')));
  def('ord', ({ pos: [v] }) => (v.k === 'str' ? int(v.v.charCodeAt(0)) : unknown('ord()')));
  def('exit', () => { throw new PyException('SystemExit', '', interp.line); });
  b.set('quit', b.get('exit')!);
  for (const e of ['Exception', 'BaseException', 'ValueError', 'TypeError', 'RuntimeError', 'IndexError', 'KeyError', 'AttributeError',
    'NotImplementedError', 'AssertionError', 'ZeroDivisionError', 'StopIteration', 'ImportError', 'ModuleNotFoundError', 'OSError',
    'FileNotFoundError', 'LookupError', 'ArithmeticError', 'NameError', 'SystemExit', 'KeyboardInterrupt', 'Warning', 'UserWarning']) {
    b.set(e, makeClass(e, {
      __init__: builtin('__init__', ({ pos }, self) => {
        if (self && self.k === 'object') self.attrs.set('args', tuple(pos));
        return NONE;
      }),
    }));
  }
  b.set('object', makeClass('object'));
  b.set('NotImplemented', unknown('NotImplemented'));
  b.set('Ellipsis', { k: 'ellipsis' });
  b.set('staticmethod', builtin('staticmethod', ({ pos: [f] }) => f));
  b.set('classmethod', builtin('classmethod', ({ pos: [f] }) => f));
  b.set('property', builtin('property', ({ pos: [f] }) => f));
  for (const [k, v] of extra) b.set(k, v);
  return b;
}

export function isInstance(interp: Interpreter, v: Py, t: Py): Py {
  if (t.k === 'tuple') {
    let sawUnknown = false;
    for (const x of t.items) {
      const r = isInstance(interp, v, x);
      if (r.k === 'bool' && r.v) return TRUE;
      if (r.k === 'unknown') sawUnknown = true;
    }
    return sawUnknown ? unknown('isinstance() against an unknown type') : FALSE;
  }
  if (v.k === 'unknown') return v;
  if (t.k === 'builtin') {
    const map: Record<string, string[]> = { int: ['int', 'bool'], float: ['float'], str: ['str'], list: ['list'], tuple: ['tuple'], dict: ['dict'], bool: ['bool'] };
    const kinds = map[t.name];
    if (kinds) return kinds.includes(v.k) ? TRUE : FALSE;
    return unknown(`isinstance() against ${t.name}`);
  }
  if (t.k !== 'class') return unknown('isinstance() against an unknown type');
  if (t.torchType !== undefined || t.name === 'Tensor' || t.name === 'Module') {
    if (t.name === 'Tensor') return v.k === 'tensor' ? TRUE : FALSE;
    if (v.k === 'torchmodule') return t.torchType === v.type || t.name === 'Module' ? TRUE : FALSE;
    if (v.k === 'object') return interp.mro(v.cls).includes(t) ? TRUE : FALSE;
    return FALSE;
  }
  if (v.k === 'object') return interp.mro(v.cls).includes(t) ? TRUE : FALSE;
  if (v.k === 'torchmodule') return FALSE;
  return FALSE;
}

// ───────────────────────────── math, numpy, random, os, sys

export function mathModule(): NamespaceVal {
  const f = (name: string, fn: (...x: number[]) => number, intRes: (xs: Py[]) => boolean = () => false) => numeric(name, fn, intRes);
  return ns('math', {
    pi: float(Math.PI), e: float(Math.E), inf: float(Infinity), nan: float(NaN), tau: float(2 * Math.PI),
    sqrt: f('sqrt', Math.sqrt), log: f('log', (x, base) => (base === undefined ? Math.log(x) : Math.log(x) / Math.log(base))),
    log2: f('log2', Math.log2), log10: f('log10', Math.log10), exp: f('exp', Math.exp), pow: f('pow', Math.pow),
    floor: f('floor', Math.floor, () => true), ceil: f('ceil', Math.ceil, () => true), trunc: f('trunc', Math.trunc, () => true),
    sin: f('sin', Math.sin), cos: f('cos', Math.cos), tan: f('tan', Math.tan), atan: f('atan', Math.atan), tanh: f('tanh', Math.tanh),
    fabs: f('fabs', Math.abs), isqrt: f('isqrt', (x) => Math.floor(Math.sqrt(x)), () => true),
    gcd: f('gcd', (a, c) => { let x = Math.abs(a), y = Math.abs(c); while (y) [x, y] = [y, x % y]; return x; }, () => true),
    prod: builtin('prod', ({ pos: [v] }) => prodOf(v, false)),
    factorial: f('factorial', (x) => { let r = 1; for (let i = 2; i <= x; i++) r *= i; return r; }, () => true),
    isclose: builtin('isclose', ({ pos: [a, c] }) => (num(a) !== null && num(c) !== null ? (Math.abs(num(a)! - num(c)!) <= 1e-9 * Math.max(Math.abs(num(a)!), Math.abs(num(c)!)) ? TRUE : FALSE) : unknown('isclose'))),
    copysign: f('copysign', (a, c) => Math.sign(c) * Math.abs(a)),
    hypot: f('hypot', Math.hypot), degrees: f('degrees', (x) => (x * 180) / Math.PI), radians: f('radians', (x) => (x * Math.PI) / 180),
    isfinite: builtin('isfinite', ({ pos: [a] }) => (num(a) === null ? unknown('isfinite') : Number.isFinite(num(a)!) ? TRUE : FALSE)),
  });
}

/** np.prod / math.prod of a sequence of numbers: numpy returns an integer for integer input. */
function prodOf(v: Py, numpy: boolean): Py {
  if (v.k === 'unknown') return v;
  if (v.k === 'tensor') return unknown('prod() of tensor values');
  const xs = v.k === 'tuple' || v.k === 'list' ? v.items : [v];
  const u = xs.find((x) => x.k === 'unknown');
  if (u) return u;
  let p = 1;
  let ints = true;
  for (const x of xs) {
    const n = num(x);
    if (n === null) return unknown('prod() of non-numbers');
    if (x.k === 'float') ints = false;
    p *= n;
  }
  void numpy;
  return ints ? int(p) : float(p);
}

/**
 * numpy arrays are modelled as tensors (shape and dtype; numpy's default float is float64), enough for the
 * `Tensor(np.random.normal(0, 1, (batch, latent_dim)))` idiom of popular GAN code.
 */
function ndarray(size: Py | undefined, dtype: DType, what: string): Py {
  if (size === undefined || size.k === 'none') return unknown(`numpy.${what} without size returns a scalar, not modelled`);
  if (size.k === 'unknown') return size;
  const dims = size.k === 'tuple' || size.k === 'list' ? size.items : [size];
  const shape: number[] = [];
  for (const d of dims) {
    if (d.k === 'unknown') return d;
    if (d.k !== 'int') return unknown(`numpy.${what} with a size that is not ints`);
    shape.push(d.v);
  }
  return tensor(shape, dtype);
}

function numpyRandom(): NamespaceVal {
  const sized = (name: string, sizeAt: number, dtype: DType) => builtin(name, ({ pos, kw }) => ndarray(kw.get('size') ?? pos[sizeAt], dtype, `random.${name}`));
  const dims = (name: string) => builtin(name, ({ pos }) => ndarray(tuple(pos), 'float64', `random.${name}`));
  return ns('numpy.random', {
    normal: sized('normal', 2, 'float64'), uniform: sized('uniform', 2, 'float64'), randint: sized('randint', 2, 'int64'),
    rand: dims('rand'), randn: dims('randn'), random: sized('random', 0, 'float64'),
    seed: builtin('seed', () => NONE),
  }, (name) => builtin(name, () => unknown(`numpy.random.${name} is not modelled`)));
}

export function numpyModule(): NamespaceVal {
  const f = (name: string, fn: (...x: number[]) => number, intRes: (xs: Py[]) => boolean = () => false) => numeric(name, fn, intRes);
  return ns('numpy', {
    random: numpyRandom(),
    zeros: builtin('zeros', ({ pos }) => ndarray(pos[0], 'float64', 'zeros')),
    ones: builtin('ones', ({ pos }) => ndarray(pos[0], 'float64', 'ones')),
    prod: builtin('prod', ({ pos: [v] }) => prodOf(v, true)),
    product: builtin('product', ({ pos: [v] }) => prodOf(v, true)),
    sum: builtin('sum', ({ pos: [v] }) => {
      if (v.k !== 'tuple' && v.k !== 'list') return unknown('np.sum of a non-sequence');
      let s = 0; let ints = true;
      for (const x of v.items) { const n = num(x); if (n === null) return unknown('np.sum of unknown values'); if (x.k === 'float') ints = false; s += n; }
      return ints ? int(s) : float(s);
    }),
    sqrt: f('sqrt', Math.sqrt), log2: f('log2', Math.log2), log: f('log', Math.log), exp: f('exp', Math.exp),
    floor: f('floor', Math.floor), ceil: f('ceil', Math.ceil), power: f('power', Math.pow, (xs) => xs.every((x) => x.k === 'int')),
    abs: f('abs', Math.abs, (xs) => xs.every((x) => x.k === 'int')),
    int32: builtin('int32', ({ pos: [v] }) => (num(v) === null ? unknown('np.int32') : int(Math.trunc(num(v)!)))),
    int64: builtin('int64', ({ pos: [v] }) => (num(v) === null ? unknown('np.int64') : int(Math.trunc(num(v)!)))),
    float32: builtin('float32', ({ pos: [v] }) => (num(v) === null ? unknown('np.float32') : float(num(v)!))),
    pi: float(Math.PI), e: float(Math.E), inf: float(Infinity),
  }, (name) => unknown(`numpy.${name} is not modelled`));
}

/** argparse: add_argument defaults and types, parse_args() over the interpreter's argv. */
export function argparseModule(interp: Interpreter): NamespaceVal {
  const parserClass = makeClass('ArgumentParser');
  const makeParser = (): Py => {
    const specs: ArgSpec[] = [];
    const self: Py = { k: 'object', cls: parserClass, attrs: new Map(), modules: new Map(), isModule: false, training: false, line: interp.line, file: interp.file, id: interp.newId() };
    const attrs = (self as { attrs: Map<string, Py> }).attrs;
    const addArgument = builtin('add_argument', ({ pos, kw }) => {
      const flags = pos.filter((p) => p.k === 'str').map((p) => (p as { v: string }).v);
      const positional = flags.length > 0 && !flags[0].startsWith('-');
      const long = flags.find((f) => f.startsWith('--')) ?? flags[0];
      const dest = kw.get('dest');
      const name = dest && dest.k === 'str' ? dest.v : long.replace(/^-+/, '').replace(/-/g, '_');
      specs.push({ flags, name, positional, kw });
      return NONE;
    });
    attrs.set('add_argument', addArgument);
    attrs.set('add_argument_group', builtin('add_argument_group', () => ns('group', { add_argument: addArgument })));
    attrs.set('add_mutually_exclusive_group', builtin('add_mutually_exclusive_group', () => ns('group', { add_argument: addArgument })));
    attrs.set('set_defaults', builtin('set_defaults', ({ kw }) => {
      for (const [k, v] of kw) specs.push({ flags: [], name: k, positional: false, kw: new Map([['default', v]]) });
      return NONE;
    }));
    const parse = (argvVal: Py | undefined, known: boolean): Py => {
      let argv = interp.argv;
      if (argvVal && argvVal.k !== 'none') {
        const xs = interp.iterate(argvVal);
        if (!xs || xs.some((x) => x.k !== 'str')) return unknown('parse_args() of an unknown argv');
        argv = xs.map((x) => (x as { v: string }).v);
      }
      const r = parseArgv(interp, specs, argv);
      return known ? tuple([r, { k: 'list', items: [] }]) : r;
    };
    attrs.set('parse_args', builtin('parse_args', ({ pos, kw }) => parse(pos[0] ?? kw.get('args'), false)));
    attrs.set('parse_known_args', builtin('parse_known_args', ({ pos, kw }) => parse(pos[0] ?? kw.get('args'), true)));
    attrs.set('print_help', builtin('print_help', () => NONE));
    attrs.set('add_subparsers', builtin('add_subparsers', () => unknown('argparse subparsers are not modelled')));
    return self;
  };
  return ns('argparse', {
    ArgumentParser: builtin('ArgumentParser', () => makeParser()),
    Namespace: builtin('Namespace', ({ kw }) => ns('Namespace', Object.fromEntries(kw))),
    ArgumentDefaultsHelpFormatter: NONE,
    RawTextHelpFormatter: NONE,
    SUPPRESS: str('==SUPPRESS=='),
  });
}

interface ArgSpec { flags: string[]; name: string; positional: boolean; kw: Map<string, Py> }

function convert(interp: Interpreter, spec: ArgSpec, raw: string): Py {
  const t = spec.kw.get('type');
  if (!t || t.k === 'none') return str(raw);
  if (t.k === 'builtin' && (t.name === 'int' || t.name === 'float' || t.name === 'str')) {
    try {
      return t.call({ pos: [str(raw)], kw: new Map() });
    } catch (e) {
      if (e instanceof PyException) {
        throw new PyException('SystemExit', `argument ${spec.flags.join('/')}: invalid ${t.name} value: '${raw}'`, interp.line);
      }
      throw e;
    }
  }
  return interp.call(t, { pos: [str(raw)], kw: new Map() });
}

function parseArgv(interp: Interpreter, specs: ArgSpec[], argv: string[]): Py {
  const values = new Map<string, Py>();
  for (const s of specs) {
    const action = s.kw.get('action');
    const act = action && action.k === 'str' ? action.v : 'store';
    const d = s.kw.get('default');
    let v: Py = d ?? (act === 'store_true' ? FALSE : act === 'store_false' ? TRUE : NONE);
    if (d && d.k === 'str' && s.kw.get('type') && !s.kw.get('nargs')) v = convert(interp, s, d.v);
    if (!values.has(s.name) || s.flags.length > 0) values.set(s.name, v);
  }
  const positionals = specs.filter((s) => s.positional);
  let pi = 0;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    if (a.startsWith('-') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
    const spec = a.startsWith('-') ? specs.find((s) => s.flags.includes(a)) : positionals[pi++];
    if (!spec) {
      if (a.startsWith('-')) throw new PyException('SystemExit', `unrecognized arguments: ${argv[i]}`, interp.line);
      throw new PyException('SystemExit', `unrecognized arguments: ${a}`, interp.line);
    }
    const action = spec.kw.get('action');
    const act = action && action.k === 'str' ? action.v : 'store';
    if (act === 'store_true') { values.set(spec.name, TRUE); continue; }
    if (act === 'store_false') { values.set(spec.name, FALSE); continue; }
    if (act === 'count') { const c = values.get(spec.name); values.set(spec.name, int((c && c.k === 'int' ? c.v : 0) + 1)); continue; }
    const nargs = spec.kw.get('nargs');
    if (nargs && (nargs.k === 'int' || (nargs.k === 'str' && (nargs.v === '+' || nargs.v === '*')))) {
      const out: Py[] = [];
      const n = nargs.k === 'int' ? nargs.v : Infinity;
      if (spec.positional) out.push(convert(interp, spec, a));
      while (out.length < n && i + 1 < argv.length && !argv[i + 1].startsWith('--')) out.push(convert(interp, spec, argv[++i]));
      values.set(spec.name, { k: 'list', items: out });
      continue;
    }
    const raw = spec.positional ? a : inline ?? argv[++i];
    if (raw === undefined) throw new PyException('SystemExit', `argument ${spec.flags.join('/')}: expected one argument`, interp.line);
    const v = convert(interp, spec, raw);
    const choices = spec.kw.get('choices');
    if (choices && (choices.k === 'list' || choices.k === 'tuple') && !choices.items.some((c) => pyEquals(c, v) === true)) {
      throw new PyException('SystemExit', `argument ${spec.flags.join('/')}: invalid choice: ${repr(v)}`, interp.line);
    }
    values.set(spec.name, v);
  }
  for (const s of specs) {
    const req = s.kw.get('required');
    if (!s.positional && req && req.k === 'bool' && req.v && !argv.some((a) => s.flags.includes(a.split('=')[0]))) {
      values.set(s.name, unknown(`the required command-line argument ${s.flags.join('/')} was not given (pass it with --argv)`));
    }
  }
  for (const s of positionals) {
    if (!values.has(s.name) || (values.get(s.name)!.k === 'none' && !s.kw.has('nargs'))) {
      const idx = positionals.indexOf(s);
      if (idx >= pi) values.set(s.name, unknown(`positional command-line argument '${s.name}' was not given (pass it with --argv)`));
    }
  }
  return ns('Namespace', Object.fromEntries(values));
}

export function osModule(): NamespaceVal {
  const u = (what: string) => builtin(what, () => unknown(`os.${what} is not known statically`));
  return ns('os', {
    makedirs: builtin('makedirs', () => NONE),
    mkdir: builtin('mkdir', () => NONE),
    path: ns('os.path', {
      join: builtin('join', ({ pos }) => (pos.every((p) => p.k === 'str') ? str(pos.map((p) => (p as { v: string }).v).join('/')) : unknown('os.path.join of unknown parts'))),
      exists: u('path.exists'), isdir: u('path.isdir'), isfile: u('path.isfile'),
      basename: u('path.basename'), dirname: u('path.dirname'), abspath: u('path.abspath'), expanduser: u('path.expanduser'),
    }),
    environ: unknown('environment variables are not known statically'),
    getenv: u('getenv'), listdir: u('listdir'), cpu_count: u('cpu_count'), getcwd: u('getcwd'),
  }, (name) => unknown(`os.${name} is not modelled`));
}

export function sysModule(interp: Interpreter): NamespaceVal {
  return ns('sys', {
    argv: { k: 'list', items: [str('model.py'), ...interp.argv.map(str)] },
    exit: builtin('exit', () => { throw new PyException('SystemExit', '', interp.line); }),
    stdout: unknown('sys.stdout'), stderr: unknown('sys.stderr'), version_info: tuple([int(3), int(11), int(2)]),
    path: { k: 'list', items: [] }, platform: str('linux'),
  }, (name) => unknown(`sys.${name} is not modelled`));
}

export function randomModule(): NamespaceVal {
  return ns('random', {
    seed: builtin('seed', () => NONE),
  }, (name) => builtin(name, () => unknown(`random.${name}() is not known statically`)));
}

export function collectionsModule(dict: Py): NamespaceVal {
  return ns('collections', { OrderedDict: dict, defaultdict: builtin('defaultdict', () => unknown('defaultdict is not modelled')) },
    (name) => unknown(`collections.${name} is not modelled`));
}

export function functoolsModule(interp: Interpreter): NamespaceVal {
  return ns('functools', {
    partial: builtin('partial', ({ pos: [f, ...rest], kw }) => builtin('partial', (a) => interp.call(f, { pos: [...rest, ...a.pos], kw: new Map([...kw, ...a.kw]) }))),
    reduce: builtin('reduce', ({ pos: [f, seq, init] }) => {
      const xs = interp.iterate(seq);
      if (!xs) return unknown('reduce over an unknown sequence');
      let acc = init ?? xs.shift()!;
      for (const x of xs) acc = interp.call(f, { pos: [acc, x], kw: new Map() });
      return acc;
    }),
  }, (name) => unknown(`functools.${name} is not modelled`));
}

export function operatorModule(interp: Interpreter): NamespaceVal {
  const op = (name: string, o: string) => builtin(name, ({ pos: [a, c] }) => interp.binary(o, a, c));
  return ns('operator', { mul: op('mul', '*'), add: op('add', '+'), sub: op('sub', '-'), floordiv: op('floordiv', '//'), truediv: op('truediv', '/') });
}
