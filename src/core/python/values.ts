/**
 * Values of the static Python interpreter.
 *
 * The interpreter never runs user code; it evaluates the subset model files are written in over these values.
 * `unknown` is a first-class value: anything computed from it is unknown too, and it carries the reason.
 * Tensors carry only a shape (null when unknown) and a dtype.
 */
import type { SyntaxNode as Node } from './syntax';

export type Shape = number[];
export type DType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

export interface TensorVal { k: 'tensor'; shape: Shape | null; dtype: DType; why?: string }
export interface UnknownVal { k: 'unknown'; why: string }

/** A `nn.Module` leaf from torch.nn (Conv2d, Linear, …). When a constructor argument was unknown, `why` says which and `cfg` is unusable. */
export interface TorchModuleVal {
  k: 'torchmodule';
  type: string;
  cfg: unknown;
  /** set when the configuration is unknown */
  why?: string;
  /** source line (0-based) where it was constructed */
  line: number;
  /** '' for the analysed file, else the imported file it was constructed in */
  file: string;
  /** the construction call (`nn.Conv2d(...)`), for editor ranges */
  node?: Node | null;
  /** the bound constructor arguments (`m.in_channels`, `m.kernel_size` read from here) */
  args: Map<string, Py>;
  training: boolean;
  id: number;
}

/** An instance of a user class (a subclass of nn.Module or a plain object). */
export interface ObjectVal {
  k: 'object';
  cls: ClassVal;
  attrs: Map<string, Py>;
  /** nn.Module submodules in registration order (PyTorch's `_modules`) */
  modules: Map<string, ModuleLike>;
  isModule: boolean;
  training: boolean;
  line: number;
  file: string;
  /** the construction call (`Block(64, 128)`), for editor ranges */
  node?: Node | null;
  id: number;
}

export type ModuleLike = TorchModuleVal | ObjectVal;

export interface FuncVal {
  k: 'func';
  name: string;
  node: Node;
  /** lexical scope the function was defined in */
  closure: Scope;
  /** default values evaluated at definition time */
  defaults: Map<string, Py>;
  isMethodOf?: ClassVal;
  decorators: string[];
}

export interface ClassVal {
  k: 'class';
  name: string;
  bases: Py[];
  attrs: Map<string, Py>;
  node: Node | null;
  line: number;
  /** true when the class derives (transitively) from nn.Module */
  isModule: boolean;
  /** for torch.nn leaf classes (`nn.Conv2d`): the registry name; calling the class builds a TorchModuleVal */
  torchType?: string;
}

export interface BoundMethodVal { k: 'bound'; self: Py; fn: FuncVal | BuiltinVal }

export interface CallArgs { pos: Py[]; kw: Map<string, Py> }

export interface BuiltinVal {
  k: 'builtin';
  name: string;
  call: (args: CallArgs, self?: Py) => Py;
}

/** A Python module or namespace (torch, torch.nn, math, numpy, an argparse Namespace …). */
export interface NamespaceVal { k: 'namespace'; name: string; attrs: Map<string, Py>; fallback?: (name: string) => Py | undefined }

export type Py =
  | { k: 'int'; v: number }
  | { k: 'float'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'str'; v: string }
  | { k: 'none' }
  | { k: 'tuple'; items: Py[]; size?: boolean }
  | { k: 'list'; items: Py[] }
  | { k: 'dict'; entries: Map<string, Py>; keys: Map<string, Py> }
  | { k: 'slice'; start: Py; stop: Py; step: Py }
  | { k: 'ellipsis' }
  | TensorVal
  | UnknownVal
  | TorchModuleVal
  | ObjectVal
  | FuncVal
  | ClassVal
  | BoundMethodVal
  | BuiltinVal
  | NamespaceVal;

export interface Scope {
  vars: Map<string, Py>;
  parent: Scope | null;
  /** a class body's scope: not visible from the methods defined in it */
  isClass?: boolean;
  /** a module scope where undefined names may exist unseen (`from <unknown module> import *`, or lines that did not parse) */
  opaqueNames?: boolean;
  /** names declared `global`/`nonlocal` in this scope */
  globals?: Set<string>;
}

export const NONE: Py = { k: 'none' };
export const TRUE: Py = { k: 'bool', v: true };
export const FALSE: Py = { k: 'bool', v: false };
export const int = (v: number): Py => ({ k: 'int', v });
export const float = (v: number): Py => ({ k: 'float', v });
export const str = (v: string): Py => ({ k: 'str', v });
export const tuple = (items: Py[]): Py => ({ k: 'tuple', items });
export const unknown = (why: string): UnknownVal => ({ k: 'unknown', why });
export const tensor = (shape: Shape | null, dtype: DType = 'float32', why?: string): TensorVal =>
  shape === null ? { k: 'tensor', shape: null, dtype, why: why ?? 'unknown shape' } : { k: 'tensor', shape, dtype };

export const isNum = (v: Py): v is { k: 'int'; v: number } | { k: 'float'; v: number } | { k: 'bool'; v: boolean } =>
  v.k === 'int' || v.k === 'float' || v.k === 'bool';

/** Python's repr, for messages. */
export function repr(v: Py): string {
  switch (v.k) {
    case 'int': return String(v.v);
    case 'float': return Number.isInteger(v.v) ? v.v.toFixed(1) : String(v.v);
    case 'bool': return v.v ? 'True' : 'False';
    case 'str': {
      // Python's repr: single quotes unless the text has a single quote and no double quote
      const body = v.v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
      if (body.includes("'") && !body.includes('"')) return `"${body}"`;
      return `'${body.replace(/'/g, "\\'")}'`;
    }
    case 'none': return 'None';
    case 'tuple':
      if (v.size) return `torch.Size([${v.items.map(repr).join(', ')}])`;
      return v.items.length === 1 ? `(${repr(v.items[0])},)` : `(${v.items.map(repr).join(', ')})`;
    case 'list': return `[${v.items.map(repr).join(', ')}]`;
    case 'dict': return `{${[...v.entries].map(([k, x]) => `${repr(v.keys.get(k) ?? str(k))}: ${repr(x)}`).join(', ')}}`;
    case 'tensor': return v.shape ? `tensor(shape=[${v.shape.join(', ')}])` : 'tensor(shape unknown)';
    case 'unknown': return '<unknown>';
    case 'torchmodule': return `${v.type}(...)`;
    case 'object': return `<${v.cls.name} object>`;
    case 'func': return `<function ${v.name}>`;
    case 'class': return `<class '${v.name}'>`;
    case 'bound': return `<bound method>`;
    case 'builtin': return `<built-in function ${v.name}>`;
    case 'namespace': return `<module '${v.name}'>`;
    case 'slice': return `slice(${repr(v.start)}, ${repr(v.stop)}, ${repr(v.step)})`;
    case 'ellipsis': return 'Ellipsis';
  }
}

/** Python's type name, for TypeError messages. */
export function typeName(v: Py): string {
  switch (v.k) {
    case 'int': case 'float': case 'bool': case 'str': case 'tuple': case 'list': case 'dict': case 'slice': return v.k;
    case 'none': return 'NoneType';
    case 'tensor': return 'Tensor';
    case 'unknown': return 'unknown';
    case 'torchmodule': return v.type;
    case 'object': return v.cls.name;
    case 'func': case 'bound': return 'function';
    case 'builtin': return 'builtin_function_or_method';
    case 'class': return 'type';
    case 'namespace': return 'module';
    case 'ellipsis': return 'ellipsis';
  }
}
