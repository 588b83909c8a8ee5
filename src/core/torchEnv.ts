/**
 * The environment the interpreter runs model files in: `torch`, `torch.nn` (Module, Sequential, ModuleList,
 * ModuleDict and every leaf layer of the registry), `torch.nn.functional`, tensors' attributes and methods,
 * plus the standard modules from builtins.ts. nn.Module semantics live here: submodule registration in
 * assignment order (PyTorch's `_modules`), train/eval, apply, and the module call with its hooks.
 */
import { PyException } from './python/errors';
import { dictKey, type Environment, type Interpreter } from './python/interpreter';
import {
  argparseModule, builtin, collectionsModule, functoolsModule, makeBuiltins, mathModule, ns, numpyModule, operatorModule,
  makeClass, osModule, randomModule, sysModule,
} from './python/builtins';
import {
  FALSE, NONE, TRUE, int, str, tensor, tuple, unknown,
  type CallArgs, type ClassVal, type DType, type ModuleLike, type NamespaceVal, type ObjectVal, type Py, type TensorVal, type TorchModuleVal,
} from './python/values';
import { bind } from './torch/args';
import { registry as defaultRegistry } from './torch/registry';
import { binaryOp, indexShape, tensorAttr } from './torch/tensorOps';
import { TorchError, UnknownValue, type ModuleDef, type TorchRegistry } from './torch/types';

const DTYPES: Record<string, DType> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', uint8: 'uint8', bool: 'bool', bfloat16: 'float16',
};

/** Third-party packages: never looked for among the user's files. */
const KNOWN_PACKAGES = new Set(['torch', 'torchvision', 'numpy', 'math', 'argparse', 'os', 'sys', 'random', 'collections',
  'functools', 'operator', 'itertools', 'time', 'datetime', 'json', 'PIL', 'matplotlib', 'scipy', 'tqdm', 'typing', 'abc',
  'dataclasses', 'glob', 'shutil', 'pathlib', 're', 'copy', 'warnings', 'logging', 'pickle', 'tensorboardX', 'wandb', 'cv2', '__future__']);

/**
 * One tensor operation as the interpreter executed it, with the actual argument values (tensors are the very
 * `TensorVal` objects flowing through the program, so a consumer can follow the dataflow by identity).
 * The trainer compiles a model's recorded ops into a tfjs network: the model you debug is the model you train.
 */
export type TapeOp =
  | { kind: 'module'; module: TorchModuleVal; args: CallArgs; result: Py; line: number }
  | { kind: 'torch' | 'functional' | 'method'; name: string; args: CallArgs; result: Py; line: number }
  | { kind: 'binary'; name: string; args: CallArgs; result: Py; line: number }
  | { kind: 'index'; name: 'getitem'; args: CallArgs; result: Py; line: number };

export class TorchEnvironment implements Environment {
  builtins = new Map<string, Py>();
  /** when set, every tensor operation is recorded (see TapeOp) */
  tape: TapeOp[] | null = null;
  private readonly modules = new Map<string, Py>();
  readonly moduleClass: ClassVal;
  private readonly torchClasses = new Map<string, ClassVal>();
  private interp!: Interpreter;

  constructor(readonly reg: TorchRegistry = defaultRegistry) {
    this.moduleClass = makeClass('Module');
    this.moduleClass.isModule = true;
  }

  /** Called once by the interpreter's owner, after both exist. */
  attach(interp: Interpreter): void {
    this.interp = interp;
    this.buildModuleClass();
    const dict = builtin('dict', (a) => (this.builtins.get('dict') as { call: (a: CallArgs) => Py }).call(a));
    const torch = this.buildTorch();
    this.modules.set('torch', torch);
    const nn = torch.attrs.get('nn') as NamespaceVal;
    this.modules.set('torch.nn', nn);
    this.modules.set('torch.nn.functional', nn.attrs.get('functional')!);
    this.modules.set('torch.nn.init', nn.attrs.get('init')!);
    this.modules.set('torch.nn.utils', nn.attrs.get('utils')!);
    this.modules.set('torch.nn.parallel', nn.attrs.get('parallel')!);
    this.modules.set('torch.nn.modules', nn);
    this.modules.set('torch.autograd', torch.attrs.get('autograd')!);
    this.modules.set('torch.optim', torch.attrs.get('optim')!);
    this.modules.set('torch.cuda', torch.attrs.get('cuda')!);
    this.modules.set('math', mathModule());
    this.modules.set('numpy', numpyModule());
    this.modules.set('argparse', argparseModule(interp));
    this.modules.set('os', osModule());
    this.modules.set('os.path', (osModule().attrs.get('path'))!);
    this.modules.set('sys', sysModule(interp));
    this.modules.set('random', randomModule());
    this.modules.set('collections', collectionsModule(dict));
    this.modules.set('functools', functoolsModule(interp));
    this.modules.set('operator', operatorModule(interp));
    this.builtins = makeBuiltins(interp, new Map());
  }

  /** The user's own modules (`from models import Generator`), set by the analysis that can read files. */
  userImport: ((name: string) => Py | undefined) | null = null;

  importModule(name: string): Py | undefined {
    const m = this.modules.get(name);
    if (m) return m;
    if (this.userImport && !KNOWN_PACKAGES.has(name.split('.')[0])) {
      const u = this.userImport(name);
      if (u) return u;
    }
    // `import torch.nn.functional as F` style names below a known package resolve by attribute
    const parts = name.split('.');
    let cur = this.modules.get(parts[0]);
    for (const p of parts.slice(1)) {
      if (!cur || cur.k !== 'namespace') return undefined;
      cur = cur.attrs.get(p) ?? cur.fallback?.(p);
    }
    return cur && cur.k !== 'unknown' ? cur : undefined;
  }

  // ───────────────────────────── torch namespace

  private torchFn(kind: 'torch' | 'functional', name: string, fn: NonNullable<ReturnType<TorchRegistry['torch']['get']>>): Py {
    return builtin(name, (args) => this.record(kind, name, args, this.runTorch(() => fn(args, this.ctx()), (why) => tensor(null, 'float32', why))));
  }

  private record<T extends Py>(kind: 'torch' | 'functional' | 'method' | 'binary' | 'index', name: string, args: CallArgs, result: T): T {
    this.tape?.push({ kind, name, args, result, line: this.interp.line } as TapeOp);
    return result;
  }

  private ctx() {
    return { warn: (m: string) => this.interp.warn(m) };
  }

  /** Run torch semantics; TorchError → Python exception at the current line; UnknownValue → onUnknown. */
  private runTorch<T>(f: () => T, onUnknown: (why: string) => T): T {
    return this.interp.wrapTorch(f, onUnknown);
  }

  private buildTorch(): NamespaceVal {
    const reg = this.reg;
    const interp = this.interp;
    const F = ns('torch.nn.functional', {}, (name) => {
      const fn = reg.functional.get(name);
      return fn ? this.torchFn('functional', name, fn) : unknown(`torch.nn.functional.${name} is not modelled`);
    });
    const passThrough = (name: string) => builtin(name, ({ pos }) => pos[0] ?? NONE);
    const init = ns('torch.nn.init', {
      calculate_gain: builtin('calculate_gain', () => unknown('calculate_gain')),
    }, (name) => passThrough(name));
    const utils = ns('torch.nn.utils', {
      spectral_norm: passThrough('spectral_norm'),
      weight_norm: passThrough('weight_norm'),
      remove_spectral_norm: passThrough('remove_spectral_norm'),
      clip_grad_norm_: builtin('clip_grad_norm_', () => unknown('gradient norms are not known statically')),
      clip_grad_value_: builtin('clip_grad_value_', () => NONE),
      parametrizations: ns('parametrizations', { spectral_norm: passThrough('spectral_norm'), weight_norm: passThrough('weight_norm') }),
    }, (name) => unknown(`torch.nn.utils.${name} is not modelled`));
    const parallel = ns('torch.nn.parallel', {
      data_parallel: builtin('data_parallel', ({ pos: [m, input] }) => interp.call(m, { pos: [input], kw: new Map() })),
    }, (name) => unknown(`torch.nn.parallel.${name} is not modelled`));
    const nn = ns('torch.nn', {
      Module: this.moduleClass,
      Sequential: this.containerClass('Sequential'),
      ModuleList: this.containerClass('ModuleList'),
      ModuleDict: this.containerClass('ModuleDict'),
      Parameter: builtin('Parameter', ({ pos: [t] }) => t ?? tensor([0])),
      ParameterList: builtin('ParameterList', () => unknown('ParameterList is not modelled')),
      functional: F,
      init,
      utils,
      parallel,
      DataParallel: builtin('DataParallel', () => unknown('DataParallel wrappers are not modelled')),
    }, (name) => this.torchClass(name));
    const dtypeVals = Object.fromEntries(Object.entries(DTYPES).map(([k, v]) => [k, str(v)]));
    const tensorCtor = (dtype: DType) => builtin('Tensor', ({ pos }) => {
      if (pos.length === 0) return tensor([0], dtype);
      if (pos.every((p) => p.k === 'int')) return tensor(pos.map((p) => (p as { v: number }).v), dtype);
      if (pos.length === 1 && pos[0].k === 'tensor') return { ...pos[0], dtype } as TensorVal;
      const t = reg.torch.get('tensor');
      return t ? this.runTorch(() => t({ pos, kw: new Map([['dtype', str(dtype)]]) }, this.ctx()), (why) => tensor(null, dtype, why)) : unknown('torch.Tensor(data)');
    });
    const cuda = ns('torch.cuda', {
      // the analysis models a CPU run, as the PyTorch oracle does: shapes do not depend on the device
      is_available: builtin('is_available', () => FALSE),
      device_count: builtin('device_count', () => int(0)),
      manual_seed: builtin('manual_seed', () => NONE),
      manual_seed_all: builtin('manual_seed_all', () => NONE),
      FloatTensor: tensorCtor('float32'), LongTensor: tensorCtor('int64'), ByteTensor: tensorCtor('uint8'), DoubleTensor: tensorCtor('float64'),
      empty_cache: builtin('empty_cache', () => NONE),
    }, (name) => unknown(`torch.cuda.${name} is not modelled`));
    const noGrad = builtin('no_grad', () => unknown('context manager'));
    const torchClass = makeClass('Tensor');
    return ns('torch', {
      nn, cuda, ...dtypeVals,
      Tensor: torchClass,
      FloatTensor: tensorCtor('float32'), LongTensor: tensorCtor('int64'), ByteTensor: tensorCtor('uint8'), DoubleTensor: tensorCtor('float64'),
      BoolTensor: tensorCtor('bool'), IntTensor: tensorCtor('int32'),
      from_numpy: builtin('from_numpy', ({ pos: [a] }) => (a && a.k === 'tensor' ? a : unknown('torch.from_numpy of a value that is not a modelled numpy array'))),
      Size: builtin('Size', ({ pos: [v] }) => ({ k: 'tuple', items: v && (v.k === 'tuple' || v.k === 'list') ? v.items : [], size: true })),
      device: builtin('device', ({ pos: [d] }) => d ?? str('cpu')),
      manual_seed: builtin('manual_seed', () => NONE),
      set_grad_enabled: noGrad, no_grad: noGrad, enable_grad: noGrad, inference_mode: noGrad,
      is_tensor: builtin('is_tensor', ({ pos: [v] }) => (v.k === 'tensor' ? TRUE : v.k === 'unknown' ? v : FALSE)),
      numel: builtin('numel', ({ pos: [v] }) => (v.k === 'tensor' && v.shape ? int(v.shape.reduce((a, b) => a * b, 1)) : unknown('numel'))),
      autograd: ns('torch.autograd', { Variable: passThrough('Variable'), grad: builtin('grad', () => unknown('autograd.grad is not modelled')) },
        (name) => unknown(`torch.autograd.${name} is not modelled`)),
      optim: ns('torch.optim', {}, (name) => builtin(name, () => unknown(`optimizers (torch.optim.${name}) are not modelled`))),
      utils: ns('torch.utils', {}, (name) => unknown(`torch.utils.${name} is not modelled`)),
      backends: ns('torch.backends', {}, () => ns('backend', {}, () => unknown('torch.backends is not modelled'))),
      __version__: str('1.13.0'),
      save: builtin('save', () => NONE),
      load: builtin('load', () => unknown('torch.load reads a file: not known statically')),
    }, (name) => {
      const fn = reg.torch.get(name);
      return fn ? this.torchFn('torch', name, fn) : unknown(`torch.${name} is not modelled`);
    });
  }

  /** `nn.Conv2d` and friends: classes whose instances are registry leaves. */
  private torchClass(name: string): Py {
    const cached = this.torchClasses.get(name);
    if (cached) return cached;
    // a layer we do not model stays a layer: it keeps its place (and name) in the model, with unknown output
    if (!this.reg.modules.has(name) && !/^[A-Z][A-Za-z0-9]*$/.test(name)) return unknown(`torch.nn.${name} is not modelled`);
    const cls = makeClass(name, {}, [this.moduleClass]);
    cls.isModule = true;
    cls.torchType = name;
    this.torchClasses.set(name, cls);
    return cls;
  }

  // ───────────────────────────── nn.Module and the containers

  private buildModuleClass(): void {
    const interp = () => this.interp;
    const m = this.moduleClass.attrs;
    const self = (s: Py | undefined): ModuleLike => {
      if (!s || (s.k !== 'object' && s.k !== 'torchmodule')) throw new PyException('TypeError', 'nn.Module method called on a non-module', this.interp.line);
      return s;
    };
    m.set('__init__', builtin('__init__', () => NONE));
    m.set('__setattr__', builtin('__setattr__', ({ pos: [name, value] }, s) => {
      const o = s as ObjectVal;
      const n = (name as { v: string }).v;
      if (o.isModule && isModuleValue(value)) {
        o.modules.set(n, value as ModuleLike);
        o.attrs.delete(n);
      } else if (o.modules.has(n) && value.k === 'none') {
        o.modules.delete(n);
        o.attrs.set(n, value);
      } else {
        o.attrs.set(n, value);
        if (value.k === 'unknown') o.modules.delete(n);
      }
      return NONE;
    }));
    const addModule = builtin('add_module', ({ pos: [name, value] }, s) => {
      const o = self(s);
      if (o.k !== 'object') return NONE;
      if (name.k !== 'str') { o.modules.clear(); return NONE; }
      if (isModuleValue(value)) o.modules.set(name.v, value as ModuleLike);
      else if (value.k === 'none') o.attrs.set(name.v, NONE);
      else return unknown('add_module with an unknown module');
      return NONE;
    });
    m.set('add_module', addModule);
    m.set('register_module', addModule);
    m.set('register_buffer', builtin('register_buffer', ({ pos: [name, value] }, s) => {
      const o = self(s);
      if (o.k === 'object' && name.k === 'str') o.attrs.set(name.v, value ?? NONE);
      return NONE;
    }));
    m.set('register_parameter', m.get('register_buffer')!);
    const setTraining = (o: ModuleLike, mode: boolean): void => {
      o.training = mode;
      if (o.k === 'object') for (const c of o.modules.values()) setTraining(c, mode);
    };
    m.set('train', builtin('train', ({ pos: [mode] }, s) => {
      const o = self(s);
      setTraining(o, mode === undefined ? true : interp().truthy(mode) !== false);
      return o;
    }));
    m.set('eval', builtin('eval', (_a, s) => { const o = self(s); setTraining(o, false); return o; }));
    for (const name of ['to', 'cuda', 'cpu', 'float', 'double', 'half', 'type', 'requires_grad_', 'share_memory']) {
      m.set(name, builtin(name, (_a, s) => self(s)));
    }
    m.set('zero_grad', builtin('zero_grad', () => NONE));
    m.set('load_state_dict', builtin('load_state_dict', () => unknown('load_state_dict result')));
    m.set('state_dict', builtin('state_dict', () => unknown('state_dict values are not known statically')));
    m.set('parameters', builtin('parameters', () => unknown('parameter values are not known statically')));
    m.set('named_parameters', m.get('parameters')!);
    m.set('buffers', m.get('parameters')!);
    m.set('children', builtin('children', (_a, s) => { const o = self(s); return tuple(o.k === 'object' ? [...o.modules.values()] : []); }));
    m.set('named_children', builtin('named_children', (_a, s) => {
      const o = self(s);
      return tuple(o.k === 'object' ? [...o.modules].map(([k, v]) => tuple([str(k), v])) : []);
    }));
    m.set('modules', builtin('modules', (_a, s) => tuple(namedModules(self(s)).map(([, v]) => v))));
    m.set('named_modules', builtin('named_modules', (_a, s) => tuple(namedModules(self(s)).map(([k, v]) => tuple([str(k), v])))));
    m.set('apply', builtin('apply', ({ pos: [fn] }, s) => {
      const visit = (o: ModuleLike): void => {
        if (o.k === 'object') for (const c of o.modules.values()) visit(c);
        interp().call(fn, { pos: [o], kw: new Map() });
      };
      const o = self(s);
      visit(o);
      return o;
    }));
    m.set('extra_repr', builtin('extra_repr', () => str('')));
    m.set('__call__', builtin('__call__', (a, s) => this.callModule(this.interp, self(s), a)));
  }

  private containerClass(kind: 'Sequential' | 'ModuleList' | 'ModuleDict'): ClassVal {
    const cls = makeClass(kind, {}, [this.moduleClass]);
    cls.isModule = true;
    const a = cls.attrs;
    const obj = (s: Py | undefined) => s as ObjectVal;
    const interp = () => this.interp;
    const addAll = (o: ObjectVal, items: Py[]): Py => {
      for (const it of items) {
        if (it.k === 'unknown') { o.modules.clear(); o.attrs.set('__unknown__', it); return NONE; }
        if (!isModuleValue(it)) interp().raise('TypeError', `${typeNameOf(it)} is not a Module subclass`);
        o.modules.set(String(o.modules.size), it as ModuleLike);
      }
      return NONE;
    };
    if (kind === 'ModuleDict') {
      a.set('__init__', builtin('__init__', ({ pos: [d] }, s) => {
        const o = obj(s);
        if (d && d.k === 'dict') for (const [k, v] of d.entries) o.modules.set(String((d.keys.get(k) as { v: unknown }).v), v as ModuleLike);
        else if (d && d.k !== 'none') {
          const items = interp().iterate(d);
          if (!items) o.attrs.set('__unknown__', unknown('ModuleDict built from an unknown value'));
          else for (const p of items) {
            const kv = interp().iterate(p);
            if (kv && kv[0].k === 'str') o.modules.set(kv[0].v, kv[1] as ModuleLike);
          }
        }
        return NONE;
      }));
      a.set('__getitem__', builtin('__getitem__', ({ pos: [k] }, s) => {
        const o = obj(s);
        if (k.k !== 'str') return unknown('ModuleDict key is unknown');
        const v = o.modules.get(k.v);
        if (!v) return o.attrs.has('__unknown__') ? unknown('ModuleDict contents are unknown') : interp().raise('KeyError', `'${k.v}'`);
        return v;
      }));
      a.set('__setitem__', builtin('__setitem__', ({ pos: [k, v] }, s) => {
        if (k.k === 'str' && isModuleValue(v)) obj(s).modules.set(k.v, v as ModuleLike);
        return NONE;
      }));
      a.set('keys', builtin('keys', (_a, s) => tuple([...obj(s).modules.keys()].map(str))));
      a.set('values', builtin('values', (_a, s) => tuple([...obj(s).modules.values()])));
      a.set('items', builtin('items', (_a, s) => tuple([...obj(s).modules].map(([k, v]) => tuple([str(k), v])))));
      a.set('__iter__', a.get('keys')!);
      a.set('__len__', builtin('__len__', (_a, s) => int(obj(s).modules.size)));
      a.set('update', builtin('update', ({ pos: [d] }, s) => {
        if (d && d.k === 'dict') for (const [k, v] of d.entries) obj(s).modules.set(String((d.keys.get(k) as { v: unknown }).v), v as ModuleLike);
        return NONE;
      }));
      return cls;
    }
    a.set('__init__', builtin('__init__', ({ pos }, s) => {
      const o = obj(s);
      if (kind === 'Sequential' && pos.length === 1 && pos[0].k === 'dict') {
        for (const [k, v] of pos[0].entries) o.modules.set(String((pos[0].keys.get(k) as { v: unknown }).v), v as ModuleLike);
        return NONE;
      }
      if (kind === 'ModuleList') {
        if (!pos[0] || pos[0].k === 'none') return NONE;
        const items = interp().iterate(pos[0]);
        return items ? addAll(o, items) : addAll(o, [pos[0].k === 'unknown' ? pos[0] : unknown('ModuleList built from an unknown value')]);
      }
      return addAll(o, pos);
    }));
    a.set('append', builtin('append', ({ pos: [v] }, s) => { addAll(obj(s), [v]); return s!; }));
    a.set('extend', builtin('extend', ({ pos: [v] }, s) => {
      const items = interp().iterate(v);
      addAll(obj(s), items ?? [unknown('extended with an unknown value')]);
      return s!;
    }));
    a.set('insert', builtin('insert', ({ pos: [i, v] }, s) => {
      const o = obj(s);
      const list = [...o.modules.values()];
      const idx = i.k === 'int' ? (i.v < 0 ? i.v + list.length : i.v) : list.length;
      list.splice(idx, 0, v as ModuleLike);
      o.modules.clear();
      list.forEach((m2, j) => o.modules.set(String(j), m2));
      return NONE;
    }));
    a.set('__len__', builtin('__len__', (_a, s) => (obj(s).attrs.has('__unknown__') ? unknown('container contents are unknown') : int(obj(s).modules.size))));
    a.set('__iter__', builtin('__iter__', (_a, s) => (obj(s).attrs.has('__unknown__') ? unknown('container contents are unknown') : tuple([...obj(s).modules.values()]))));
    a.set('__getitem__', builtin('__getitem__', ({ pos: [i] }, s) => {
      const o = obj(s);
      if (o.attrs.has('__unknown__')) return unknown('container contents are unknown');
      const entries = [...o.modules];
      if (i.k === 'slice') {
        const sliced = this.interp.subscript(tuple(entries.map(([k, v]) => tuple([str(k), v]))), i);
        const out = this.newObject(cls, o.line);
        const items = sliced.k === 'tuple' ? sliced.items : [];
        items.forEach((p, j) => {
          const [k, v] = (p as { items: Py[] }).items;
          // PyTorch: a sliced Sequential keeps the original names; a sliced ModuleList renumbers
          out.modules.set(kind === 'Sequential' ? (k as { v: string }).v : String(j), v as ModuleLike);
        });
        return out;
      }
      if (i.k !== 'int') return unknown('container index is unknown');
      const j = i.v < 0 ? i.v + entries.length : i.v;
      if (j < 0 || j >= entries.length) this.interp.raise('IndexError', `index ${i.v} is out of range`);
      return entries[j][1];
    }));
    if (kind === 'Sequential') {
      a.set('forward', builtin('forward', ({ pos: [x, ...rest], kw }, s) => {
        const o = obj(s);
        if (o.attrs.has('__unknown__')) return unknown('the layers of this Sequential are unknown');
        if (rest.length > 0 || kw.size > 0) this.interp.raise('TypeError', `forward() takes 2 positional arguments but ${rest.length + 2} were given`);
        let cur = x;
        for (const child of o.modules.values()) cur = this.interp.call(child, { pos: [cur], kw: new Map() });
        return cur;
      }));
    }
    return cls;
  }

  newObject(cls: ClassVal, line: number): ObjectVal {
    return { k: 'object', cls, attrs: new Map(), modules: new Map(), isModule: cls.isModule, training: true, line, file: this.interp.file, node: this.interp.node, id: this.interp.newId() };
  }

  // ───────────────────────────── Environment

  instantiate(interp: Interpreter, cls: ClassVal, args: CallArgs): Py {
    const line = interp.line;
    if (cls.torchType) return this.newTorchModule(cls.torchType, args, line);
    const mro = interp.mro(cls);
    if (!mro.some((c) => c.node !== null || c.isModule || c.attrs.has('__init__'))) return unknown(`instances of ${cls.name} are not modelled`);
    // a user class deriving from a torch leaf class (class MyConv(nn.Conv2d)) is not modelled
    if (mro.some((c) => c.torchType)) return unknown(`subclasses of torch.nn.${mro.find((c) => c.torchType)!.torchType} are not modelled`);
    const o = this.newObject(cls, line);
    const init = interp.findClassAttr(cls, '__init__');
    if (init && init.k === 'func') interp.callFunction(init, { pos: [o, ...args.pos], kw: args.kw });
    else if (init && init.k === 'builtin') init.call(args, o);
    interp.line = line;
    return o;
  }

  private newTorchModule(type: string, args: CallArgs, line: number): Py {
    const def = this.reg.modules.get(type);
    if (!def) {
      const loose = new Map<string, Py>([...args.pos.map((v, i): [string, Py] => [`arg${i}`, v]), ...args.kw]);
      return { k: 'torchmodule', type, cfg: null, args: loose, line, file: this.interp.file, node: this.interp.node, training: true, id: this.interp.newId(), why: `torch.nn.${type} is not modelled yet` };
    }
    let bound: Map<string, Py>;
    try {
      bound = bind(`${type}.__init__`, def.signature, args, def.extraKw);
    } catch (e) {
      if (e instanceof TorchError) throw new PyException(e.pyType, e.message, line, null, this.interp.file);
      throw e;
    }
    const m: TorchModuleVal = { k: 'torchmodule', type, cfg: null, args: bound, line, file: this.interp.file, node: this.interp.node, training: true, id: this.interp.newId() };
    try {
      m.cfg = def.init(bound);
    } catch (e) {
      if (e instanceof UnknownValue) m.why = e.why;
      else if (e instanceof TorchError) throw new PyException(e.pyType, e.message, line, null, this.interp.file);
      else throw e;
    }
    return m;
  }

  callModule(interp: Interpreter, m: ModuleLike, args: CallArgs): Py {
    interp.hooks.enterModule?.(m, args);
    let result: Py | null = null;
    let error: PyException | null = null;
    try {
      result = m.k === 'torchmodule' ? this.forwardTorch(m, args) : this.forwardObject(interp, m, args);
      return result;
    } catch (e) {
      if (e instanceof PyException) error = e;
      throw e;
    } finally {
      interp.hooks.exitModule?.(m, args, result, error);
    }
  }

  private forwardTorch(m: TorchModuleVal, args: CallArgs): Py {
    const def = this.reg.modules.get(m.type);
    const input = args.pos[0];
    const unknownOut = (why: string): Py => tensor(null, input && input.k === 'tensor' ? input.dtype : 'float32', why);
    if (m.why !== undefined) return unknownOut(`${m.type}'s ${m.why ?? 'configuration is unknown'}`);
    if (!def) return unknownOut(m.why ?? `torch.nn.${m.type} is not modelled`);
    try {
      const result = def.forward(m.cfg, args, { ...this.ctx(), training: m.training });
      this.tape?.push({ kind: 'module', module: m, args, result, line: this.interp.line });
      return result;
    } catch (e) {
      if (e instanceof UnknownValue) return unknownOut(e.why);
      if (e instanceof TorchError) throw new PyException(e.pyType, e.message, m.line, m, m.file);
      throw e;
    }
  }

  private forwardObject(interp: Interpreter, o: ObjectVal, args: CallArgs): Py {
    const fwd = interp.findClassAttr(o.cls, 'forward');
    if (!fwd) interp.raise('NotImplementedError', `Module [${o.cls.name}] is missing the required "forward" function`);
    if (fwd.k === 'func') return interp.callFunction(fwd, { pos: [o, ...args.pos], kw: args.kw });
    if (fwd.k === 'builtin') return fwd.call(args, o);
    return unknown('forward is not a function');
  }

  getAttr(interp: Interpreter, obj: Py, name: string): Py | undefined {
    switch (obj.k) {
      case 'tensor': return this.tensorAttr(obj, name);
      case 'torchmodule': return this.torchModuleAttr(obj, name);
      case 'object': {
        if (name === '__class__') return obj.cls;
        if (name === 'training' && obj.isModule) return obj.training ? TRUE : FALSE;
        const a = obj.attrs.get(name);
        if (a !== undefined) return a;
        const m = obj.modules.get(name);
        if (m !== undefined) return m;
        if (name === '__dict__') return unknown('__dict__ is not modelled');
        const c = interp.findClassAttr(obj.cls, name);
        if (c !== undefined) return interp.bindMethod(obj, c);
        if (obj.attrs.has('__unknown__')) return unknown(`attribute '${name}' may have been set where it cannot be known`);
        return undefined;
      }
      case 'str': return strMethod(obj.v, name);
      case 'list': return listMethod(interp, obj, name);
      case 'dict': return dictMethod(obj, name);
      case 'tuple': {
        if (name === 'count' || name === 'index') return builtin(name, () => unknown(`tuple.${name}`));
        if (obj.size && name === 'numel') return builtin('numel', () => int(obj.items.reduce((a, b) => a * ((b as { v: number }).v ?? NaN), 1)));
        return undefined;
      }
      case 'int': case 'float': {
        if (name === 'real') return obj;
        if (name === 'is_integer') return builtin('is_integer', () => (Number.isInteger(obj.v) ? TRUE : FALSE));
        if (name === 'bit_length') return builtin('bit_length', () => int(obj.v === 0 ? 0 : Math.floor(Math.log2(Math.abs(obj.v))) + 1));
        return undefined;
      }
      case 'func': case 'builtin':
        if (name === '__name__') return str(obj.name);
        return undefined;
      case 'none':
        return undefined;
      default:
        return undefined;
    }
  }

  private tensorAttr(t: TensorVal, name: string): Py | undefined {
    const shapeTuple = (): Py => (t.shape ? { k: 'tuple', items: t.shape.map(int), size: true } : unknown(`the shape is unknown (${t.why ?? 'unknown'})`));
    switch (name) {
      case 'shape': return shapeTuple();
      case 'data': return t;
      case 'ndim': return t.shape ? int(t.shape.length) : unknown('ndim of a tensor of unknown shape');
      case 'dtype': return str(t.dtype);
      case 'device': return str('cpu');
      case 'is_cuda': case 'is_xpu': case 'is_mps': case 'is_sparse': case 'is_quantized': case 'is_meta': return FALSE;
      case 'requires_grad': return FALSE;
      case 'grad': return NONE;
      case 'T': case 'mT': case 'mH':
        return this.runTorch(() => tensorAttr(t, name) ?? t, (why) => tensor(null, t.dtype, why));
      case 'real': return t;
    }
    const fn = this.reg.methods.get(name);
    if (fn) {
      return builtin(name, ({ pos, kw }) => {
        const r = this.record('method', name, { pos: [t, ...pos], kw }, this.runTorch(() => fn({ pos: [t, ...pos], kw }, this.ctx()), (why) => tensor(null, t.dtype, why)));
        if (name === 'squeeze' && pos.length === 0 && kw.size === 0 && t.shape && t.shape.length >= 2 && t.shape[0] === 1) {
          // silent in PyTorch, and the classic batch-of-one bug: the loss later compares [] (or [C]) with [1]
          this.interp.warn(`.squeeze() on [${t.shape.join(', ')}] also removed the batch dimension (batch size 1): use .squeeze(1), .flatten() or .view(-1) to keep one value per image`);
        }
        return r;
      });
    }
    if (name === 'normal_' || name === 'uniform_' || name.endsWith('_') && !name.startsWith('_')) {
      // in-place initialisers and fills keep the tensor's shape (recorded: a trainer must refuse them in forward)
      return builtin(name, ({ pos, kw }) => this.record('method', name, { pos: [t, ...pos], kw }, t));
    }
    if (name === 'numpy' || name === 'tolist' || name === 'item') return builtin(name, () => unknown(`tensor values (.${name}()) are not known statically`));
    return unknown(`tensor method .${name}() is not modelled`);
  }

  private torchModuleAttr(m: TorchModuleVal, name: string): Py | undefined {
    if (name === '__class__') return this.torchClass(m.type);
    if (name === 'training') return m.training ? TRUE : FALSE;
    const def: ModuleDef | undefined = this.reg.modules.get(m.type);
    if (def && m.why === undefined) {
      const p = [...def.parameters(m.cfg), ...(def.buffers?.(m.cfg) ?? [])].find((x) => x.name === name);
      if (p) return tensor(p.shape, name === 'num_batches_tracked' ? 'int64' : 'float32');
      if ((name === 'bias' || name === 'weight') && def.signature.some((s) => s.name === 'bias' || s.name === 'affine' || s.name === 'elementwise_affine')) return NONE;
    } else if (name === 'weight' || name === 'bias') {
      return unknown(`${m.type}'s ${name}: ${m.why ?? 'configuration unknown'}`);
    }
    const a = m.args.get(name);
    if (a !== undefined) return a;
    const c = this.interp.findClassAttr(this.moduleClass, name);
    if (c !== undefined) return this.interp.bindMethod(m, c);
    return undefined;
  }

  tensorBinary(op: string, a: Py, b: Py): Py {
    return this.record('binary', op, { pos: [a, b], kw: new Map() }, binaryOp(op, a, b));
  }

  tensorIndex(t: TensorVal, index: Py): Py {
    return this.record('index', 'getitem', { pos: [t, index], kw: new Map() }, indexShape(t, index));
  }
}

// ───────────────────────────── helpers

export function isModuleValue(v: Py): boolean {
  return v.k === 'torchmodule' || (v.k === 'object' && v.isModule);
}

function typeNameOf(v: Py): string {
  return v.k === 'object' ? v.cls.name : v.k;
}

/**
 * PyTorch's `named_modules()`: the module itself (''), then depth-first in registration order;
 * a module reachable twice is listed once, under its first name.
 */
export function namedModules(root: ModuleLike): [string, ModuleLike][] {
  const out: [string, ModuleLike][] = [];
  const seen = new Set<ModuleLike>();
  const visit = (m: ModuleLike, prefix: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    out.push([prefix, m]);
    if (m.k === 'object') for (const [k, c] of m.modules) visit(c, prefix ? `${prefix}.${k}` : k);
  };
  visit(root, '');
  return out;
}

function strMethod(s: string, name: string): Py | undefined {
  const m: Record<string, (a: CallArgs) => Py> = {
    format: ({ pos, kw }) => {
      if ([...pos, ...kw.values()].some((x) => x.k === 'unknown')) return unknown('a format argument is unknown');
      let i = 0;
      return str(s.replace(/\{([^{}]*)\}/g, (_m, key: string) => {
        const k = key.split(/[:!]/)[0];
        const v = k === '' ? pos[i++] : /^\d+$/.test(k) ? pos[Number(k)] : kw.get(k);
        return v ? (v.k === 'str' ? v.v : v.k === 'int' || v.k === 'float' ? String(v.v) : '?') : '';
      }));
    },
    lower: () => str(s.toLowerCase()), upper: () => str(s.toUpperCase()), strip: () => str(s.trim()),
    find: ({ pos: [x] }) => (x.k === 'str' ? int(s.indexOf(x.v)) : unknown('str.find')),
    startswith: ({ pos: [x] }) => (x.k === 'str' ? (s.startsWith(x.v) ? TRUE : FALSE) : unknown('str.startswith')),
    endswith: ({ pos: [x] }) => (x.k === 'str' ? (s.endsWith(x.v) ? TRUE : FALSE) : unknown('str.endswith')),
    split: ({ pos: [x] }) => ({ k: 'list', items: (x && x.k === 'str' ? s.split(x.v) : s.trim().split(/\s+/)).map(str) }),
    join: ({ pos: [x] }) => (x.k === 'list' || x.k === 'tuple') && x.items.every((i) => i.k === 'str') ? str(x.items.map((i) => (i as { v: string }).v).join(s)) : unknown('str.join'),
    replace: ({ pos: [a, b] }) => (a.k === 'str' && b.k === 'str' ? str(s.split(a.v).join(b.v)) : unknown('str.replace')),
  };
  const f = m[name];
  return f ? builtin(name, f) : undefined;
}

function listMethod(interp: Interpreter, l: { k: 'list'; items: Py[] }, name: string): Py | undefined {
  switch (name) {
    case 'append': return builtin('append', ({ pos: [v] }) => { l.items.push(v); return NONE; });
    case 'extend': return builtin('extend', ({ pos: [v] }) => {
      const items = interp.iterate(v);
      if (items === null) l.items.push(unknown('extended with an unknown value'));
      else l.items.push(...items);
      return NONE;
    });
    case 'insert': return builtin('insert', ({ pos: [i, v] }) => {
      if (i.k !== 'int') return unknown('insert at an unknown index');
      l.items.splice(i.v < 0 ? Math.max(0, l.items.length + i.v) : i.v, 0, v);
      return NONE;
    });
    case 'pop': return builtin('pop', ({ pos: [i] }) => {
      if (l.items.length === 0) interp.raise('IndexError', 'pop from empty list');
      const idx = i ? (i.k === 'int' ? (i.v < 0 ? i.v + l.items.length : i.v) : -1) : l.items.length - 1;
      if (idx < 0) return unknown('pop at an unknown index');
      return l.items.splice(idx, 1)[0];
    });
    case 'reverse': return builtin('reverse', () => { l.items.reverse(); return NONE; });
    case 'copy': return builtin('copy', () => ({ k: 'list', items: [...l.items] }));
    case 'index': return builtin('index', () => unknown('list.index'));
    case 'count': return builtin('count', () => unknown('list.count'));
    case 'remove': return builtin('remove', () => NONE);
    case 'clear': return builtin('clear', () => { l.items.length = 0; return NONE; });
    default: return undefined;
  }
}

function dictMethod(d: { k: 'dict'; entries: Map<string, Py>; keys: Map<string, Py> }, name: string): Py | undefined {
  switch (name) {
    case 'keys': return builtin('keys', () => tuple([...d.keys.values()]));
    case 'values': return builtin('values', () => tuple([...d.entries.values()]));
    case 'items': return builtin('items', () => tuple([...d.entries].map(([k, v]) => tuple([d.keys.get(k)!, v]))));
    case 'get': return builtin('get', ({ pos: [k, dflt] }) => {
      if (k.k === 'unknown') return k;
      return d.entries.get(dictKey(k)) ?? dflt ?? NONE;
    });
    case 'update': return builtin('update', ({ pos: [o], kw }) => {
      if (o && o.k === 'dict') for (const [k, v] of o.entries) { d.entries.set(k, v); d.keys.set(k, o.keys.get(k)!); }
      for (const [k, v] of kw) { d.entries.set(dictKey(str(k)), v); d.keys.set(dictKey(str(k)), str(k)); }
      return NONE;
    });
    case 'pop': return builtin('pop', ({ pos: [k, dflt] }) => {
      if (k.k === 'unknown') return k;
      const key = dictKey(k);
      const v = d.entries.get(key);
      d.entries.delete(key);
      d.keys.delete(key);
      return v ?? dflt ?? NONE;
    });
    case 'setdefault': return builtin('setdefault', ({ pos: [k, dflt] }) => {
      if (k.k === 'unknown') return k;
      const key = dictKey(k);
      if (!d.entries.has(key)) { d.entries.set(key, dflt ?? NONE); d.keys.set(key, k); }
      return d.entries.get(key)!;
    });
    case 'copy': return builtin('copy', () => ({ k: 'dict', entries: new Map(d.entries), keys: new Map(d.keys) }));
    default: return undefined;
  }
}

