/**
 * The analysis of one Python file: it is parsed once, its module-level code is interpreted once (statically),
 * and the result answers every question the editor, the diagram, the CLI and the trainer ask:
 * which nn.Module classes exist, which example calls the file makes, and the trace of any model call.
 */
import { loadParser, parsePython, type ParseResult } from './python/parser';
import { BreakSignal, BudgetExceeded, ContinueSignal, PyException, ReturnSignal } from './python/errors';
import { Interpreter, STEP_BUDGET } from './python/interpreter';
import type { SyntaxNode } from './python/parser';
import type { StatementCache } from './python/syntax';
import { str, tensor, type ClassVal, type ModuleLike, type NamespaceVal, type ObjectVal, type Py, type Scope, type Shape } from './python/values';
import { TorchEnvironment, isModuleValue, namedModules, type TapeOp } from './torchEnv';
import { TraceRecorder, isLeaf, paramCount, shapeOf, traceCall, typeOf, whyUnknown, type Trace, type TraceError } from './trace';
import { registry } from './torch/registry';

export interface AnalysisOptions {
  /** sys.argv[1:] for argparse */
  argv?: string[];
  /** reuse the syntax of unchanged statements from the previous analysis of the same document */
  cache?: StatementCache;
  /**
   * Find the source of one of the user's own modules (`from models import *`, `from .layers import Block`):
   * `name` is the dotted name as written (with leading dots for relative imports). Returns the file's path
   * (shown in results) and text, or null. Without it, such imports are unknown.
   */
  resolveModule?: (name: string) => { file: string; text: string } | null;
}

export interface ModelClass {
  name: string;
  /** 0-based line of `class X(...)` */
  line: number;
  node: SyntaxNode;
}

/** A model call made by the file's own module-level code, e.g. `netD(torch.randn(2, 3, 64, 64))`. */
export interface ExampleCall {
  /** 0-based line of the call */
  line: number;
  className: string;
  model: ModuleLike;
  trace: Trace;
}

export interface InferredInput {
  inputs: Py[];
  /** how the input was chosen, for display (e.g. "first layer Conv2d(3, …) → [2, 3, 64, 64]") */
  how: string;
}

type Parser = Awaited<ReturnType<typeof loadParser>>;

/** a training loop at module level must not stall the editor */
const STATEMENT_BUDGET = STEP_BUDGET;

export class FileAnalysis {
  readonly env = new TorchEnvironment(registry);
  readonly interp: Interpreter;
  readonly parsed: ParseResult;
  /** errors raised by module-level statements (each statement is analysed even after an earlier one raised) */
  readonly moduleErrors: TraceError[] = [];
  readonly examples: ExampleCall[] = [];
  readonly warnings: { message: string; line: number }[] = [];

  private constructor(private readonly parser: Parser, readonly text: string, readonly options: AnalysisOptions) {
    this.parsed = parsePython(parser, text, options.cache);
    this.interp = new Interpreter(this.env, (src) => parsePython(parser, src), { argv: options.argv });
    this.env.attach(this.interp);
    // a name defined on a line that did not parse is not a NameError
    if (this.parsed.skippedLines.length > 0) this.interp.globals.opaqueNames = true;
    if (options.resolveModule) this.env.userImport = (name) => this.importUserModule(name, options.resolveModule!);
    this.runModuleLevel();
  }

  static async create(text: string, options: AnalysisOptions = {}): Promise<FileAnalysis> {
    return FileAnalysis.createSync(await loadParser(), text, options);
  }

  /** For callers that already hold the loaded parser (the sweep, the fuzzer, the language server). */
  static createSync(parser: Parser, text: string, options: AnalysisOptions = {}): FileAnalysis {
    return new FileAnalysis(parser, text, options);
  }

  static loadParser(): Promise<Parser> {
    return loadParser();
  }

  /** The same analysis of another text (an edited version of this document), with the same options. */
  reanalyse(text: string): FileAnalysis {
    return new FileAnalysis(this.parser, text, { ...this.options, cache: undefined });
  }

  /** Interpret module-level code; every top-level call of a model becomes an example call with its trace. */
  private runModuleLevel(): void {
    const interp = this.interp;
    let root: { m: ModuleLike; line: number; rec: TraceRecorder } | null = null;
    let depth = 0;
    interp.hooks = {
      enterModule: (m, args) => {
        if (depth++ === 0) {
          const paths = new Map<ModuleLike, string>(namedModules(m).map(([p, x]) => [x, p]));
          root = { m, line: interp.line, rec: new TraceRecorder(registry, paths, interp) };
        }
        root!.rec.hooks().enterModule!(m, args);
      },
      exitModule: (m, args, result, error) => {
        const r = root!;
        r.rec.hooks().exitModule!(m, args, result, error);
        if (--depth === 0) {
          if (error) r.rec.recordError(error);
          root = null;
          // a call site inside a loop is one example, not one per iteration
          if (this.examples.some((x) => x.line === r.line && x.model === r.m)) return;
          this.examples.push({
            line: r.line, className: typeOf(r.m), model: r.m,
            trace: {
              inputs: args.pos.map((a) => shapeOf(a) as Shape | null),
              output: error ? null : shapeOf(result), outputWhy: error ? undefined : whyUnknown(result),
              error: r.rec.error, calls: r.rec.calls, warnings: r.rec.warnings, sites: r.rec.sites,
              errorModule: r.rec.error ? r.rec.errorModule : null,
            },
          });
        }
      },
      warn: (message, line) => {
        if (root) root.rec.warnings.push({ message, line });
        else this.warnings.push({ message, line });
      },
    };
    // TraceRecorder.hooks() makes a fresh closure over the same recorder state, so calling it per event is fine
    for (const stmt of topLevelStatements(this.parsed.root)) {
      depth = 0;
      root = null;
      interp.resetBudget(STATEMENT_BUDGET);
      try {
        interp.exec(stmt, interp.globals);
      } catch (e) {
        if (e instanceof PyException) {
          if (e.pyType !== 'SystemExit') this.moduleErrors.push({ message: e.message.split('\n')[0], pyType: e.pyType, line: e.line, file: e.file, module: null, moduleType: null });
          // the analysis goes on past the error (Python would stop): what the statement assigns is unknown from here on
          interp.resetBudget(STATEMENT_BUDGET);
          try {
            interp.unknownAssignments(stmt, interp.globals, `line ${stmt.startPosition.row + 1} raised ${e.pyType}: ${e.message.split('\n')[0]}`);
          } catch { /* nothing more to forget */ }
        } else if (e instanceof BudgetExceeded) {
          // a statement cut short may have left names half-updated: they become unknown rather than wrong
          interp.resetBudget(STATEMENT_BUDGET);
          try {
            interp.unknownAssignments(stmt, interp.globals, `line ${stmt.startPosition.row + 1} is too long to evaluate statically`);
          } catch { /* nothing more to forget */ }
        } else if (!(e instanceof ReturnSignal || e instanceof BreakSignal || e instanceof ContinueSignal)) {
          throw e;
        }
      }
    }
    interp.hooks = {};
  }

  private readonly userModules = new Map<string, NamespaceVal>();
  private importing = 0;

  /**
   * Execute one of the user's own modules statically, once, in a fresh global scope named for it
   * (its `if __name__ == "__main__":` block does not run). A failing statement leaves its names unknown.
   */
  private importUserModule(name: string, resolve: NonNullable<AnalysisOptions['resolveModule']>): Py | undefined {
    const cached = this.userModules.get(name);
    if (cached) return cached;
    if (this.importing > 8) return undefined;
    const found = resolve(name);
    if (!found) return undefined;
    const scope: Scope = { vars: new Map([['__name__', str(name.replace(/^\.+/, ''))]]), parent: null };
    const ns: NamespaceVal = { k: 'namespace', name, attrs: scope.vars };
    this.userModules.set(name, ns); // before executing: import cycles see the partial module, as in Python
    const parsed = parsePython(this.parser, found.text, undefined, found.file);
    if (parsed.skippedLines.length > 0) scope.opaqueNames = true;
    const interp = this.interp;
    const saved = { line: interp.line, file: interp.file, hooks: interp.hooks };
    interp.hooks = { ...saved.hooks, enterModule: undefined, exitModule: undefined };
    this.importing++;
    try {
      for (const stmt of parsed.root.namedChildren) {
        interp.resetBudget(STATEMENT_BUDGET);
        try {
          interp.exec(stmt, scope);
        } catch (e) {
          if (!(e instanceof PyException || e instanceof BudgetExceeded || e instanceof ReturnSignal || e instanceof BreakSignal || e instanceof ContinueSignal)) throw e;
        }
      }
    } finally {
      this.importing--;
      interp.line = saved.line;
      interp.file = saved.file;
      interp.hooks = saved.hooks;
    }
    return ns;
  }

  /** The user's nn.Module classes, in source order. */
  modelClasses(): ModelClass[] {
    const out: ModelClass[] = [];
    for (const v of this.interp.globals.vars.values()) {
      // classes defined in this file (imported ones are checked in their own file, or named with --model)
      if (v.k === 'class' && v.isModule && v.node && v.node.file === '') out.push({ name: v.name, line: v.line, node: v.node });
    }
    return out.sort((a, b) => a.line - b.line);
  }

  classNamed(name: string): ClassVal | null {
    const v = this.interp.globals.vars.get(name);
    return v && v.k === 'class' ? v : null;
  }

  /**
   * An instance of a model class: built with `ctor` (a Python expression of the constructor's arguments,
   * evaluated in module scope) or else the file's own module-level instance, or else the constructor's defaults.
   */
  instantiate(className: string, ctor?: string): { model: ModuleLike; how: string } {
    const cls = this.classNamed(className);
    if (!cls) throw new PyException('NameError', `name '${className}' is not defined`, 0);
    if (ctor === undefined) {
      const existing = [...this.interp.globals.vars.entries()].find(([, v]) => v.k === 'object' && v.cls === cls);
      if (existing) return { model: existing[1] as ObjectVal, how: `the file's instance \`${existing[0]}\`` };
    }
    const argsText = ctor === undefined ? '()' : ctor.trim();
    const src = `${className}${argsText.startsWith('(') ? argsText : `(${argsText})`}`;
    this.interp.resetBudget(STEP_BUDGET);
    const v = this.interp.evalExpression(src, this.commandLineScope());
    if (!isModuleValue(v)) {
      const why = v.k === 'unknown' ? v.why : `it is a ${v.k}`;
      throw new PyException('TypeError', `${src} did not build an nn.Module: ${why}`, cls.line);
    }
    return { model: v as ModuleLike, how: ctor === undefined ? 'the constructor defaults' : src };
  }

  /** Evaluate Python expressions (inputs) in module scope. */
  evaluate(expr: string): Py {
    this.interp.resetBudget(STEP_BUDGET);
    return this.interp.evalExpression(expr, this.commandLineScope());
  }

  /** The module scope, plus `torch`, `nn` and `F` where the file does not define them (for --ctor/--input). */
  private commandLineScope(): Scope {
    const vars = new Map<string, Py>();
    const g = this.interp.globals.vars;
    const add = (name: string, mod: string) => {
      const m = this.env.importModule(mod);
      if (!g.has(name) && m) vars.set(name, m);
    };
    add('torch', 'torch');
    add('nn', 'torch.nn');
    add('F', 'torch.nn.functional');
    return { vars, parent: this.interp.globals };
  }

  /**
   * Call `model(*inputs)` recording every tensor operation in execution order (the trainer compiles the tape).
   * Throws the PyException PyTorch would raise.
   */
  record(model: ModuleLike, inputs: Py[]): { result: Py; tape: TapeOp[] } {
    const tape: TapeOp[] = [];
    this.env.tape = tape;
    this.interp.resetBudget(STEP_BUDGET);
    try {
      return { result: this.interp.call(model, { pos: inputs, kw: new Map() }), tape };
    } finally {
      this.env.tape = null;
    }
  }

  /** Trace `model(*inputs)`. */
  trace(model: ModuleLike, inputs: Py[]): Trace {
    return traceCall(this.interp, registry, model, inputs);
  }

  /**
   * Infer an input for a model. Candidates for each forward() argument come from the first layer that consumes
   * it (Conv2d(3, …) → [2, 3, S, S]; Linear(100, …) → [2, 100]; Embedding → int64 [2]) and from the file's
   * constants (`img_shape`, `channels`, `img_size`, `latent_dim`/`nz`, `n_classes`, also as argparse options);
   * the first combination that traces without error and with a known output wins.
   */
  inferInput(model: ModuleLike): InferredInput | null {
    const fwd = model.k === 'object' ? this.interp.findClassAttr(model.cls, 'forward') : undefined;
    let names = ['input'];
    if (fwd && fwd.k === 'func') {
      const params = fwd.node.childForFieldName('parameters')?.namedChildren ?? [];
      if (params.some((p) => p.type === 'list_splat_pattern')) return null;
      const positional = params.filter((p) => p.type === 'identifier' || p.type === 'typed_parameter');
      names = positional.slice(1).map((p) => (p.type === 'identifier' ? p.text : p.namedChildren[0]?.text ?? 'x'));
      if (names.length === 0) return null;
    }
    const probes = names.map((_, i) => tensor(null, 'float32', `probe ${i}`));
    const firstUse = new Map<number, ModuleLike>();
    const saved = this.interp.hooks;
    this.interp.hooks = {
      enterModule: (m, args) => {
        if (!isLeaf(m)) return;
        const i = probes.indexOf(args.pos[0] as never);
        if (i >= 0 && !firstUse.has(i)) firstUse.set(i, m);
      },
    };
    this.interp.resetBudget(STEP_BUDGET);
    try {
      this.interp.call(model, { pos: probes, kw: new Map() });
    } catch (e) {
      if (!(e instanceof PyException || e instanceof BudgetExceeded)) throw e;
    } finally {
      this.interp.hooks = saved;
    }
    const consts = this.fileConstants();
    const size = consts.imageSize ?? 64;
    const candidates = names.map((name, i): Candidate[] => {
      const out: Candidate[] = [];
      const m = firstUse.get(i);
      const fromLayer = m ? inputShapeFor(m, size) : null;
      if (fromLayer) out.push({ ...fromLayer, how: `${typeOf(m!)} consumes \`${name}\``, fromLayer: true });
      const labelish = /^(y|c|labels?|class(es)?|cls|target|cond(ition)?|gen_labels|idx)$/i.test(name);
      if (labelish && consts.nClasses !== null) out.push({ shape: [BATCH], dtype: 'int64', how: `n_classes = ${consts.nClasses}` });
      if (consts.imgShape) out.push({ shape: [BATCH, ...consts.imgShape], dtype: 'float32', how: 'the file\'s image shape' });
      out.push({ shape: [BATCH, consts.channels ?? 3, size, size], dtype: 'float32', how: `${consts.channels ?? 3} channels, ${size}×${size}` });
      if (consts.latent !== null) {
        out.push({ shape: [BATCH, consts.latent], dtype: 'float32', how: `latent size ${consts.latent}` });
        out.push({ shape: [BATCH, consts.latent, 1, 1], dtype: 'float32', how: `latent size ${consts.latent}` });
      }
      if (!labelish && consts.nClasses !== null) out.push({ shape: [BATCH], dtype: 'int64', how: `n_classes = ${consts.nClasses}` });
      const seen = new Set<string>();
      return out.filter((c) => { const k = `${c.dtype}${c.shape}`; if (seen.has(k)) return false; seen.add(k); return true; });
    });
    let fallback: InferredInput | null = null;
    let failing: InferredInput | null = null;
    let tries = 0;
    const search = (i: number, chosen: Candidate[]): InferredInput | null => {
      if (tries > 48) return null;
      if (i === names.length) {
        tries++;
        const inputs = chosen.map((c) => tensor(c.shape, c.dtype));
        const tr = this.trace(model, inputs);
        const how = `inferred: ${chosen.map((c, k) => `${names[k]} = [${c.shape.join(', ')}] (${c.how})`).join('; ')}`;
        if (!tr.error && tr.output !== null) return { inputs, how };
        if (!tr.error && !fallback) fallback = { inputs, how };
        // an input the first layer itself asks for, that still fails: the model is broken at every size tried
        if (tr.error && !failing && chosen.every((c) => c.fromLayer)) failing = { inputs, how: `${how}; it fails at every size tried` };
        return null;
      }
      for (const c of candidates[i]) {
        const r = search(i + 1, [...chosen, c]);
        if (r) return r;
      }
      return null;
    };
    const found = search(0, []) ?? fallback;
    if (found) return found;
    // every candidate failed: image models often fit only other sizes (a U-Net needs 256): try those
    for (const s of [256, 128, 32, 512, 16]) {
      if (s === size) continue;
      tries = 0;
      candidates.forEach((cs) => cs.forEach((c) => {
        if (c.shape.length === 4 && c.shape[2] === c.shape[3] && c.shape[2] > 1) { c.shape = [c.shape[0], c.shape[1], s, s]; c.how = `${c.how.replace(/, \d+×\d+$/, '')}, ${s}×${s}`; }
      }));
      const r = search(0, []) ?? fallback;
      if (r) return r;
    }
    return failing;
  }

  private constants: FileConstants | null = null;

  /** Constants a model file commonly defines, directly or as argparse options (read once, after module level ran). */
  fileConstants(): FileConstants {
    this.constants ??= this.readConstants();
    return this.constants;
  }

  private readConstants(): FileConstants {
    const vars: [string, Py][] = [...this.interp.globals.vars.entries()];
    for (const v of this.interp.globals.vars.values()) if (v.k === 'namespace' && v.name === 'Namespace') vars.push(...v.attrs.entries());
    const intNamed = (re: RegExp): number | null => {
      for (const [k, v] of vars) if (re.test(k) && v.k === 'int' && v.v > 0) return v.v;
      return null;
    };
    let imgShape: number[] | null = null;
    for (const [k, v] of vars) {
      if (/^(img_?shape|image_?shape|input_?shape|x_?shape|data_?shape)$/i.test(k) && v.k === 'tuple' && v.items.length >= 1 && v.items.every((x) => x.k === 'int')) {
        imgShape = v.items.map((x) => (x as { v: number }).v);
        break;
      }
    }
    return {
      imageSize: this.imageSizeConstant(),
      channels: intNamed(/^(channels|nc|n_?channels|img_?channels|image_?channels|num_?channels|in_?channels|input_?nc)$/i),
      latent: intNamed(/^(latent_?dim|nz|z_?dim|noise_?dim|dim_?z|latent_?size|z_?size|nlatent|code_?dim|latent)$/i),
      nClasses: intNamed(/^(n_?classes|num_?classes|nclasses|n_?class|num_?labels|n_?labels)$/i),
      imgShape,
    };
  }

  /** The file's image size (`img_size`, `image_size`, `imageSize`, `opt.img_size` …), if it has one. */
  imageSizeConstant(): number | null {
    const pick = (vars: Iterable<[string, Py]>): number | null => {
      for (const [k, v] of vars) {
        if (/^(img_?size|image_?size|imagesize|imsize|resolution|img_?res|img_?height|image_?height|img_?h)$/i.test(k) && v.k === 'int' && v.v >= 4) return v.v;
      }
      return null;
    };
    const direct = pick(this.interp.globals.vars.entries());
    if (direct !== null) return direct;
    for (const v of this.interp.globals.vars.values()) {
      if (v.k === 'namespace' && v.name === 'Namespace') {
        const r = pick(v.attrs.entries());
        if (r !== null) return r;
      }
    }
    return null;
  }

  paramCount(m: ModuleLike): number | null {
    return paramCount(registry, m);
  }
}

/** Top-level statements, with the body of `if __name__ == "__main__":` flattened so one failing call does not hide the rest. */
function topLevelStatements(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const s of root.namedChildren) {
    if (!s) continue;
    const cond = s.type === 'if_statement' ? s.childForFieldName('condition') : null;
    if (cond && /^__name__\s*==\s*['"]__main__['"]$/.test(cond.text) && s.childrenForFieldName('alternative').length === 0) {
      out.push(...(s.childForFieldName('consequence')!.namedChildren.filter((c): c is SyntaxNode => !!c)));
    } else {
      out.push(s);
    }
  }
  return out;
}

interface Candidate { shape: Shape; dtype: 'float32' | 'int64'; how: string; fromLayer?: boolean }

export interface FileConstants {
  imageSize: number | null;
  channels: number | null;
  latent: number | null;
  nClasses: number | null;
  imgShape: number[] | null;
}

function argInt(m: ModuleLike, name: string, index: number): number | null {
  if (m.k !== 'torchmodule') return null;
  const v = m.args.get(name) ?? [...m.args.values()][index];
  return v && v.k === 'int' ? v.v : null;
}

const BATCH = 2;

function inputShapeFor(m: ModuleLike, size: number): { shape: Shape; dtype: 'float32' | 'int64' } | null {
  if (m.k !== 'torchmodule') return null;
  const t = m.type;
  if (/^Conv2d$|^BatchNorm2d$|^InstanceNorm2d$|^MaxPool2d$|^AvgPool2d$/.test(t)) {
    const c = argInt(m, t.startsWith('Conv') ? 'in_channels' : 'num_features', 0);
    return c === null ? null : { shape: [BATCH, c, size, size], dtype: 'float32' };
  }
  if (t === 'ConvTranspose2d') {
    const c = argInt(m, 'in_channels', 0);
    return c === null ? null : { shape: [BATCH, c, 1, 1], dtype: 'float32' };
  }
  if (t === 'Conv1d' || t === 'BatchNorm1d') {
    const c = argInt(m, t === 'Conv1d' ? 'in_channels' : 'num_features', 0);
    return c === null ? null : { shape: t === 'Conv1d' ? [BATCH, c, size] : [BATCH, c], dtype: 'float32' };
  }
  if (t === 'Linear') {
    const c = argInt(m, 'in_features', 0);
    return c === null ? null : { shape: [BATCH, c], dtype: 'float32' };
  }
  if (t === 'Embedding') return { shape: [BATCH], dtype: 'int64' };
  return null;
}
