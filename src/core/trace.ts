/**
 * A trace of one model call: every leaf-module call in execution order with its `named_modules()` path,
 * type, construction line, input and output shapes and parameter count; the first error with its culprit.
 * "Leaf" is PyTorch's meaning: a module with no children (what forward hooks on leaves would see).
 */
import { BudgetExceeded, PyException } from './python/errors';
import { STEP_BUDGET, type Interpreter, type InterpreterHooks } from './python/interpreter';
import type { CallArgs, ModuleLike, Py, Shape } from './python/values';
import type { SyntaxNode } from './python/syntax';
import { namedModules } from './torchEnv';
import type { TorchRegistry } from './torch/types';

export type ShapeOut = Shape | ShapeOut[] | null;

export interface ModuleCall {
  path: string;
  type: string;
  /** 0-based line of the module's construction */
  line: number;
  /** '' for the analysed file, else the imported file the module was constructed in */
  file: string;
  inputs: (Shape | null)[];
  output: ShapeOut;
  /** why the output is unknown */
  why?: string;
  params: number | null;
  module: ModuleLike;
  /** this call raised */
  failed?: boolean;
}

export interface TraceError {
  message: string;
  pyType: string;
  /** 0-based: the culprit layer's construction line, or the line of the failing operation */
  line: number;
  /** '' for the analysed file, else the imported file of that line */
  file: string;
  /** `named_modules()` path of the leaf module that raised; null when raised outside a leaf */
  module: string | null;
  moduleType: string | null;
}

export interface Warning { message: string; line: number }

/** A module called directly from source (`x = self.conv(x)`, `self.main(x)`), for hovers at the call. */
export interface CallSite {
  node: SyntaxNode;
  path: string;
  type: string;
  inputs: (Shape | null)[];
  output: ShapeOut;
  failed: boolean;
}

export interface Trace {
  inputs: (Shape | null)[];
  output: ShapeOut;
  outputWhy?: string;
  error: TraceError | null;
  calls: ModuleCall[];
  warnings: Warning[];
  sites: CallSite[];
  /** the leaf module that raised `error`, if any */
  errorModule: ModuleLike | null;
}

export function isLeaf(m: ModuleLike): boolean {
  return m.k === 'torchmodule' || m.modules.size === 0;
}

export function typeOf(m: ModuleLike): string {
  return m.k === 'torchmodule' ? m.type : m.cls.name;
}

/**
 * `sum(p.numel() for p in m.parameters())`: over namedModules(), which visits a shared (or self-containing)
 * submodule once, as PyTorch's parameters() does.
 */
export function paramCount(reg: TorchRegistry, m: ModuleLike): number | null {
  let total = 0;
  for (const [, leaf] of namedModules(m)) {
    if (leaf.k === 'object') continue;
    const def = reg.modules.get(leaf.type);
    if (leaf.why !== undefined || !def) return null;
    total += def.parameters(leaf.cfg).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  }
  return total;
}

export function shapeOf(v: Py | null): ShapeOut {
  if (!v) return null;
  if (v.k === 'tensor') return v.shape ? [...v.shape] : null;
  if (v.k === 'tuple' || v.k === 'list') {
    if (v.items.length > 0 && v.items.every((x) => x.k === 'tensor' || x.k === 'tuple' || x.k === 'list')) return v.items.map(shapeOf);
    return null;
  }
  return null;
}

export function whyUnknown(v: Py | null): string | undefined {
  if (!v) return undefined;
  if (v.k === 'tensor') return v.shape ? undefined : v.why;
  if (v.k === 'unknown') return v.why;
  if (v.k === 'tuple' || v.k === 'list') return v.items.map(whyUnknown).find((w) => w !== undefined);
  return `the result is a ${v.k}, not a tensor`;
}

/**
 * Records the leaf calls made while `run` executes; used for one model call, or for every top-level
 * (example) call made while a file's module-level code runs.
 */
export class TraceRecorder {
  calls: ModuleCall[] = [];
  warnings: Warning[] = [];
  sites: CallSite[] = [];
  error: TraceError | null = null;
  private stack: { m: ModuleLike; site: SyntaxNode | null }[] = [];
  errorModule: ModuleLike | null = null;

  constructor(private readonly reg: TorchRegistry, private readonly paths: Map<ModuleLike, string>, private readonly interp: Interpreter) {}

  hooks(): InterpreterHooks {
    return {
      enterModule: (m) => {
        // a call written in the source, not a container dispatching to its children from the same call
        const node = this.interp.node;
        const outer = this.stack[this.stack.length - 1];
        const site = node && node.type === 'call' && (!outer || outer.site !== node) ? node : null;
        this.stack.push({ m, site });
      },
      exitModule: (m: ModuleLike, args: CallArgs, result: Py | null, error: PyException | null) => {
        const frame = this.stack.pop();
        const path = this.paths.get(m);
        if (frame?.site && path !== undefined) {
          this.sites.push({
            node: frame.site, path, type: typeOf(m), failed: error !== null,
            inputs: args.pos.filter((a) => a.k === 'tensor').map((a) => shapeOf(a) as Shape | null), output: shapeOf(result),
          });
        }
        if (error && !this.errorModule && isLeaf(m) && this.paths.has(m)) this.errorModule = m;
        if (!isLeaf(m)) return;
        if (path === undefined) return;
        if (error) return; // PyTorch's forward hook does not run for a call that raised
        this.calls.push({
          path, type: typeOf(m), line: m.line, file: m.file,
          inputs: args.pos.filter((a) => a.k === 'tensor').map((a) => shapeOf(a) as Shape | null),
          output: shapeOf(result), why: whyUnknown(result),
          params: paramCount(this.reg, m), module: m,
        });
      },
      warn: (message, line) => { this.warnings.push({ message, line }); },
    };
  }

  recordError(e: PyException): void {
    const m = this.errorModule ?? e.module;
    const path = m ? this.paths.get(m) ?? null : null;
    const atLayer = m !== null && path !== null && m.k === 'torchmodule';
    this.error = {
      message: e.message.split('\n')[0], pyType: e.pyType, line: atLayer ? m.line : e.line, file: atLayer ? m.file : e.file,
      module: path, moduleType: m ? typeOf(m) : null,
    };
  }
}

/** Call `model(*inputs)` and trace it. */
export function traceCall(interp: Interpreter, reg: TorchRegistry, model: ModuleLike, inputs: Py[], kw: Map<string, Py> = new Map()): Trace {
  const paths = new Map<ModuleLike, string>(namedModules(model).map(([p, m]) => [m, p]));
  const rec = new TraceRecorder(reg, paths, interp);
  const saved = interp.hooks;
  interp.hooks = rec.hooks();
  interp.resetBudget(STEP_BUDGET);
  let result: Py | null = null;
  try {
    result = interp.call(model, { pos: inputs, kw });
  } catch (e) {
    if (e instanceof PyException) rec.recordError(e);
    else if (e instanceof BudgetExceeded) result = null;
    else throw e;
  } finally {
    interp.hooks = saved;
  }
  return {
    inputs: inputs.map((i) => shapeOf(i) as Shape | null),
    output: rec.error ? null : shapeOf(result),
    outputWhy: rec.error ? undefined : whyUnknown(result),
    error: rec.error,
    calls: rec.calls,
    warnings: rec.warnings,
    sites: rec.sites,
    errorModule: rec.error ? rec.errorModule : null,
  };
}
