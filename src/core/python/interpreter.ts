/**
 * A static interpreter for the Python that model files are written in.
 *
 * It evaluates the syntax tree over `Py` values: numbers, strings and containers exactly; tensors as shapes;
 * anything it cannot know (file contents, data loaders, tensor values) as `unknown` with the reason.
 * It never runs the user's code: imports resolve to built-in models of torch, math, numpy and argparse, and
 * everything else is unknown. A statement it cannot evaluate makes the names it assigns unknown; it never guesses.
 */
import type { SyntaxNode, ParseResult } from './parser';
import { BreakSignal, BudgetExceeded, ContinueSignal, PyException, ReturnSignal } from './errors';
import {
  FALSE, NONE, TRUE, float, int, repr, str, tuple, typeName, unknown,
  type BuiltinVal, type CallArgs, type ClassVal, type FuncVal, type ModuleLike, type NamespaceVal, type ObjectVal,
  type Py, type Scope, type TensorVal, type TorchModuleVal,
} from './values';
import { TorchError, UnknownValue } from '../torch/types';

export interface InterpreterHooks {
  /** Called around every nn.Module call (torch leaf, container or user module). */
  enterModule?(m: ModuleLike, args: CallArgs): void;
  exitModule?(m: ModuleLike, args: CallArgs, result: Py | null, error: PyException | null): void;
  /** A warning PyTorch would print, at a 0-based line. */
  warn?(message: string, line: number): void;
}

export interface InterpreterOptions {
  /** sys.argv[1:] */
  argv?: string[];
  /** evaluation steps before giving up (the result is then unknown) */
  maxSteps?: number;
}

/** The environment an interpreter needs from outside: modules it can import, builtins. */
export interface Environment {
  builtins: Map<string, Py>;
  /** resolve `import NAME` (dotted); undefined when unknown to us */
  importModule(name: string): Py | undefined;
  /** call a module object (nn.Module semantics): implemented by the torch environment */
  callModule(interp: Interpreter, m: ModuleLike, args: CallArgs): Py;
  /** instantiate a class (user class or torch class) */
  instantiate(interp: Interpreter, cls: ClassVal, args: CallArgs): Py;
  /** attribute lookup on values whose attributes the environment defines (tensors, torch modules, objects) */
  getAttr(interp: Interpreter, obj: Py, name: string): Py | undefined;
  /** binary operator involving tensors */
  tensorBinary(op: string, a: Py, b: Py): Py;
  /** subscript on a tensor */
  tensorIndex(t: TensorVal, index: Py): Py;
}

const MAX_DEPTH = 120;

/**
 * Evaluation steps allowed for one unit of work (a top-level statement, building a model, one traced call).
 * Real model files need a few thousand; a half-typed file that loops forever is cut off in well under 200 ms.
 */
export const STEP_BUDGET = 300_000;

export class Interpreter {
  readonly globals: Scope = { vars: new Map(), parent: null };
  line = 0;
  /** '' while executing the analysed file, else the imported file being executed */
  file = '';
  private steps = 0;
  private readonly maxSteps: number;
  private depth = 0;
  private nextId = 1;
  hooks: InterpreterHooks = {};
  readonly argv: string[];

  constructor(
    readonly env: Environment,
    private readonly parse: (src: string) => ParseResult,
    opts: InterpreterOptions = {},
  ) {
    this.argv = opts.argv ?? [];
    this.maxSteps = opts.maxSteps ?? STEP_BUDGET;
    this.globals.vars.set('__name__', str('__main__'));
    this.globals.vars.set('__file__', unknown('the file path is not modelled'));
  }

  newId(): number {
    return this.nextId++;
  }

  /** Reset the step budget (before each independent evaluation such as one sweep size). */
  resetBudget(maxSteps = this.maxSteps): void {
    this.steps = this.maxSteps - maxSteps;
  }

  private tick(): void {
    if (++this.steps > this.maxSteps) throw new BudgetExceeded('evaluation step budget exceeded');
  }

  // ───────────────────────────── errors

  raise(pyType: string, message: string, line = this.line): never {
    throw new PyException(pyType, message, line, null, this.file);
  }

  /** The statement or call being evaluated (for errors, construction ranges of modules and call sites). */
  node: SyntaxNode | null = null;

  /** Where evaluation is now (for errors and for the construction line of modules). */
  at(node: SyntaxNode): void {
    this.line = node.startPosition.row;
    this.file = node.file;
    this.node = node;
  }

  /** Convert an error from the torch semantics into a Python exception at the current line. */
  wrapTorch<T>(f: () => T, onUnknown: (why: string) => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof UnknownValue) return onUnknown(e.why);
      if (e instanceof TorchError) throw new PyException(e.pyType, e.message, this.line, null, this.file);
      throw e;
    }
  }

  warn(message: string): void {
    this.hooks.warn?.(message, this.line);
  }

  // ───────────────────────────── entry points

  /** Execute a whole module. Exceptions escaping module level end execution (like Python). */
  runModule(root: SyntaxNode): PyException | null {
    try {
      this.execBlock(root, this.globals);
      return null;
    } catch (e) {
      if (e instanceof PyException) return e;
      if (e instanceof BudgetExceeded) return null;
      if (e instanceof ReturnSignal || e instanceof BreakSignal || e instanceof ContinueSignal) return null;
      throw e;
    }
  }

  /** Evaluate a Python expression (given as text) in the module's global scope (or a scope above it). */
  evalExpression(source: string, scope: Scope = this.globals): Py {
    const { root, skippedLines } = this.parse(`(${source}\n)`);
    if (skippedLines.length > 0) this.raise('SyntaxError', `invalid syntax in expression: ${source}`);
    const stmt = root.namedChildren[0];
    const expr = stmt?.namedChildren[0];
    if (!stmt || stmt.type !== 'expression_statement' || !expr) this.raise('SyntaxError', `not an expression: ${source}`);
    return this.eval(expr, scope);
  }

  // ───────────────────────────── scopes

  lookup(name: string, scope: Scope): Py | undefined {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
      // class scopes are not visible from nested functions, but are from their own body
      while (s.parent && s.parent.isClass && s !== scope) s = s.parent;
    }
    return this.env.builtins.get(name);
  }

  private assignName(name: string, value: Py, scope: Scope): void {
    if (scope.globals?.has(name)) {
      // `nonlocal`/`global`: write to the nearest enclosing scope that has it, else the module
      for (let s = scope.parent; s; s = s.parent) {
        if (s.vars.has(name) || s.parent === null) { s.vars.set(name, value); return; }
      }
    }
    scope.vars.set(name, value);
  }

  // ───────────────────────────── statements

  execBlock(block: SyntaxNode, scope: Scope): void {
    for (const stmt of block.namedChildren) {
      if (stmt) this.exec(stmt, scope);
    }
  }

  exec(node: SyntaxNode, scope: Scope): void {
    this.tick();
    this.at(node);
    switch (node.type) {
      case 'expression_statement': {
        for (const child of node.namedChildren) if (child) this.eval(child, scope);
        return;
      }
      case 'import_statement': return this.execImport(node, scope);
      case 'import_from_statement': return this.execImportFrom(node, scope);
      case 'future_import_statement': return;
      case 'function_definition': {
        const fn = this.makeFunction(node, scope, []);
        this.assignName(fn.name, fn, scope);
        return;
      }
      case 'class_definition': {
        const cls = this.makeClass(node, scope);
        this.assignName(cls.name, cls, scope);
        return;
      }
      case 'decorated_definition': return this.execDecorated(node, scope);
      case 'return_statement': {
        const e = node.namedChildren[0];
        throw new ReturnSignal(e ? this.eval(e, scope) : NONE);
      }
      case 'pass_statement': return;
      case 'break_statement': throw new BreakSignal();
      case 'continue_statement': throw new ContinueSignal();
      case 'if_statement': return this.execIf(node, scope);
      case 'for_statement': return this.execFor(node, scope);
      case 'while_statement': return this.execWhile(node, scope);
      case 'try_statement': return this.execTry(node, scope);
      case 'with_statement': return this.execWith(node, scope);
      case 'global_statement':
      case 'nonlocal_statement': {
        scope.globals ??= new Set();
        for (const id of node.namedChildren) if (id) scope.globals.add(id.text);
        return;
      }
      case 'raise_statement': {
        const e = node.namedChildren[0];
        const v = e ? this.eval(e, scope) : NONE;
        if (v.k === 'unknown') throw new BudgetExceeded('raise of an unknown exception');
        const msg = exceptionMessage(v);
        this.raise(msg.type, msg.message);
      }
      // falls through (raise never returns)
      case 'assert_statement': {
        const cond = node.namedChildren[0];
        if (cond) {
          const t = this.truthy(this.eval(cond, scope));
          if (t === false) {
            const m = node.namedChildren[1];
            this.raise('AssertionError', m ? toStr(this.eval(m, scope)) : '');
          }
        }
        return;
      }
      case 'delete_statement': return;
      case 'print_statement': case 'exec_statement': return;
      case 'comment': return;
      case 'type_alias_statement': return;
      case 'match_statement': return this.unknownAssignments(node, scope, 'match statements are not modelled');
      case 'block': return this.execBlock(node, scope);
      default:
        return;
    }
  }

  private execImport(node: SyntaxNode, scope: Scope): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        const full = child.text;
        const top = full.split('.')[0];
        this.assignName(top, this.env.importModule(top) ?? unknown(`module '${top}' is not modelled`), scope);
      } else if (child.type === 'aliased_import') {
        const name = child.childForFieldName('name')!.text;
        const alias = child.childForFieldName('alias')!.text;
        this.assignName(alias, this.env.importModule(name) ?? unknown(`module '${name}' is not modelled`), scope);
      }
    }
  }

  private execImportFrom(node: SyntaxNode, scope: Scope): void {
    const modName = node.childForFieldName('module_name')?.text ?? '';
    const mod = this.env.importModule(modName);
    const names = node.childrenForFieldName('name');
    if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
      if (mod && mod.k === 'namespace') for (const [k, v] of mod.attrs) this.assignName(k, v, scope);
      else scope.opaqueNames = true; // any name may come from there
      return;
    }
    for (const n of names) {
      if (!n) continue;
      const [name, alias] = n.type === 'aliased_import'
        ? [n.childForFieldName('name')!.text, n.childForFieldName('alias')!.text]
        : [n.text, n.text];
      let v: Py | undefined = this.env.importModule(`${modName}.${name}`);
      if (!v && mod) v = this.getAttrOrUndefined(mod, name);
      this.assignName(alias, v ?? unknown(`'${name}' from module '${modName}' is not modelled`), scope);
    }
  }

  private execDecorated(node: SyntaxNode, scope: Scope): void {
    const def = node.childForFieldName('definition')!;
    const decorators = node.namedChildren.filter((c) => c?.type === 'decorator').map((d) => d!.text.slice(1).trim());
    if (def.type === 'function_definition') {
      const fn = this.makeFunction(def, scope, decorators);
      let v: Py = fn;
      if (decorators.some((d) => d !== 'staticmethod' && d !== 'classmethod' && d !== 'property' && !d.startsWith('torch.no_grad')
        && !d.startsWith('torch.jit') && !d.endsWith('.setter') && d !== 'abstractmethod' && d !== 'abc.abstractmethod')) {
        v = unknown(`function '${fn.name}' has a decorator that is not modelled (@${decorators[0]})`);
      }
      this.assignName(fn.name, v, scope);
    } else if (def.type === 'class_definition') {
      const cls = this.makeClass(def, scope);
      this.assignName(cls.name, cls, scope);
    }
  }

  private execIf(node: SyntaxNode, scope: Scope): void {
    const cond = node.childForFieldName('condition')!;
    const t = this.truthy(this.eval(cond, scope));
    const consequence = node.childForFieldName('consequence')!;
    const alternatives = node.childrenForFieldName('alternative').filter((a): a is SyntaxNode => !!a);
    if (t === true) return this.execBlock(consequence, scope);
    if (t === null) {
      const why = `it depends on \`${cond.text}\`, which cannot be known statically`;
      return this.unknownAssignments(node, scope, why);
    }
    for (const alt of alternatives) {
      if (alt.type === 'else_clause') return this.execBlock(alt.childForFieldName('body')!, scope);
      const c = alt.childForFieldName('condition')!;
      const ct = this.truthy(this.eval(c, scope));
      if (ct === true) return this.execBlock(alt.childForFieldName('consequence')!, scope);
      if (ct === null) return this.unknownAssignments(node, scope, `it depends on \`${c.text}\`, which cannot be known statically`);
    }
  }

  /**
   * A statement whose effect cannot be known: every name it could assign becomes unknown, and a `return` inside
   * it makes the function's result unknown.
   */
  unknownAssignments(node: SyntaxNode, scope: Scope, why: string): void {
    const names = new Set<string>();
    const attrs: { obj: SyntaxNode; name: string }[] = [];
    let returns = false;
    const visit = (n: SyntaxNode): void => {
      if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') {
        const nm = n.childForFieldName('name');
        if (nm) names.add(nm.text);
        return;
      }
      if (n.type === 'return_statement') returns = true;
      if (n.type === 'assignment' || n.type === 'augmented_assignment' || n.type === 'for_statement' || n.type === 'for_in_clause' || n.type === 'as_pattern_target' || n.type === 'named_expression') {
        const left = n.childForFieldName('left') ?? n.childForFieldName('name') ?? (n.type === 'as_pattern_target' ? n : null);
        if (left) collectTargets(left, names, attrs);
      }
      if (n.type === 'call') {
        // `layers.append(x)`, `self.add_module(...)`: the receiver's contents become unknown
        const f = n.childForFieldName('function');
        if (f?.type === 'attribute') {
          const obj = f.childForFieldName('object')!;
          const m = f.childForFieldName('attribute')!.text;
          if (MUTATORS.has(m)) collectTargets(obj, names, attrs);
        }
      }
      for (const c of n.namedChildren) if (c) visit(c);
    };
    for (const c of node.namedChildren) if (c && c !== node.childForFieldName('condition')) visit(c);
    const u = unknown(why);
    for (const n of names) this.assignName(n, u, scope);
    for (const { obj, name } of attrs) {
      try {
        const o = this.eval(obj, scope);
        if (o.k === 'object') {
          o.attrs.set(name, u);
          o.modules.delete(name);
        }
      } catch { /* the receiver itself is not evaluable: nothing to mark */ }
    }
    if (returns) throw new ReturnSignal(u);
  }

  private execFor(node: SyntaxNode, scope: Scope): void {
    const left = node.childForFieldName('left')!;
    const right = node.childForFieldName('right')!;
    const body = node.childForFieldName('body')!;
    const alt = node.childForFieldName('alternative');
    const iterable = this.eval(right, scope);
    const items = this.iterate(iterable);
    if (items === null) {
      return this.unknownAssignments(node, scope, `it depends on iterating \`${right.text}\`, which cannot be known statically`);
    }
    for (const item of items) {
      this.assign(left, item, scope);
      try {
        this.execBlock(body, scope);
      } catch (e) {
        if (e instanceof BreakSignal) return;
        if (e instanceof ContinueSignal) continue;
        throw e;
      }
    }
    if (alt) this.execBlock(alt.childForFieldName('body')!, scope);
  }

  private execWhile(node: SyntaxNode, scope: Scope): void {
    const cond = node.childForFieldName('condition')!;
    const body = node.childForFieldName('body')!;
    for (let i = 0; ; i++) {
      const t = this.truthy(this.eval(cond, scope));
      if (t === null || i > 1_000) {
        return this.unknownAssignments(node, scope, `it depends on the loop condition \`${cond.text}\`, which cannot be known statically`);
      }
      if (!t) break;
      try {
        this.execBlock(body, scope);
      } catch (e) {
        if (e instanceof BreakSignal) return;
        if (e instanceof ContinueSignal) continue;
        throw e;
      }
    }
  }

  private execTry(node: SyntaxNode, scope: Scope): void {
    const body = node.childForFieldName('body')!;
    const handlers = node.namedChildren.filter((c) => c?.type === 'except_clause' || c?.type === 'except_group_clause') as SyntaxNode[];
    const elseClause = node.namedChildren.find((c) => c?.type === 'else_clause');
    const finallyClause = node.namedChildren.find((c) => c?.type === 'finally_clause');
    try {
      try {
        this.execBlock(body, scope);
      } catch (e) {
        if (!(e instanceof PyException)) throw e;
        const handler = handlers.find((h) => this.handlerMatches(h, e, scope));
        if (!handler) throw e;
        const asTarget = handler.descendantsOfType('as_pattern_target')[0];
        if (asTarget) this.assign(asTarget.namedChildren[0] ?? asTarget, exceptionValue(e), scope);
        const block = handler.namedChildren.find((c) => c?.type === 'block');
        if (block) this.execBlock(block, scope);
        return;
      }
      if (elseClause) this.execBlock(elseClause.childForFieldName('body') ?? elseClause.namedChildren[0]!, scope);
    } finally {
      if (finallyClause) {
        const block = finallyClause.namedChildren.find((c) => c?.type === 'block');
        if (block) this.execBlock(block, scope);
      }
    }
  }

  private handlerMatches(handler: SyntaxNode, e: PyException, scope: Scope): boolean {
    const first = handler.namedChildren[0];
    if (!first || first.type === 'block') return true;
    const typeNode = first.type === 'as_pattern' ? first.namedChildren[0]! : first;
    const names = typeNode.type === 'tuple' || typeNode.type === 'parenthesized_expression'
      ? typeNode.descendantsOfType('identifier').map((n) => n!.text)
      : [typeNode.text.split('.').pop()!];
    void scope;
    return names.some((n) => exceptionCatches(n, e.pyType));
  }

  private execWith(node: SyntaxNode, scope: Scope): void {
    // `with torch.no_grad():`, `with open(...) as f:` — context managers do not change shapes.
    for (const item of node.descendantsOfType('with_item')) {
      const value = item!.childForFieldName('value')!;
      if (value.type === 'as_pattern') {
        const v = this.eval(value.namedChildren[0]!, scope);
        const target = value.childForFieldName('alias');
        if (target) this.assign(target.namedChildren[0] ?? target, v.k === 'unknown' ? v : unknown(`the value of the context manager \`${value.text}\` is not modelled`), scope);
      } else {
        this.eval(value, scope);
      }
    }
    this.execBlock(node.childForFieldName('body')!, scope);
  }

  // ───────────────────────────── definitions

  makeFunction(node: SyntaxNode, scope: Scope, decorators: string[]): FuncVal {
    const name = node.childForFieldName('name')?.text ?? '<lambda>';
    const defaults = new Map<string, Py>();
    const params = node.childForFieldName('parameters');
    for (const p of params?.namedChildren ?? []) {
      if (!p) continue;
      if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
        defaults.set(p.childForFieldName('name')!.text, this.eval(p.childForFieldName('value')!, scope));
      }
    }
    let closure = scope;
    while (closure.isClass && closure.parent) closure = closure.parent;
    return { k: 'func', name, node, closure, defaults, decorators };
  }

  private makeClass(node: SyntaxNode, scope: Scope): ClassVal {
    const name = node.childForFieldName('name')!.text;
    const bases: Py[] = [];
    for (const b of node.childForFieldName('superclasses')?.namedChildren ?? []) {
      if (b && b.type !== 'keyword_argument') bases.push(this.eval(b, scope));
    }
    const cls: ClassVal = {
      k: 'class', name, bases, attrs: new Map(), node, line: node.startPosition.row,
      isModule: bases.some((b) => b.k === 'class' && b.isModule),
    };
    const classScope: Scope = { vars: cls.attrs, parent: scope, isClass: true };
    const body = node.childForFieldName('body');
    if (body) {
      for (const stmt of body.namedChildren) {
        if (!stmt) continue;
        if (stmt.type === 'function_definition' || stmt.type === 'decorated_definition') {
          const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition')! : stmt;
          if (def.type !== 'function_definition') { this.exec(stmt, classScope); continue; }
          const decorators = stmt.type === 'decorated_definition'
            ? stmt.namedChildren.filter((c) => c?.type === 'decorator').map((d) => d!.text.slice(1).trim()) : [];
          const fn = this.makeFunction(def, classScope, decorators);
          fn.isMethodOf = cls;
          const setter = decorators.find((d) => d.endsWith('.setter'));
          if (!setter) cls.attrs.set(fn.name, fn);
        } else {
          try {
            this.exec(stmt, classScope);
          } catch (e) {
            if (!(e instanceof PyException)) throw e;
          }
        }
      }
    }
    return cls;
  }

  // ───────────────────────────── calls

  /** Bind arguments to a user function's parameters and run it. */
  callFunction(fn: FuncVal, args: CallArgs): Py {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      throw new BudgetExceeded('recursion too deep');
    }
    const savedLine = this.line;
    const savedFile = this.file;
    const savedNode = this.node;
    try {
      const scope: Scope = { vars: new Map(), parent: fn.closure };
      this.bindParams(fn, args, scope);
      if (fn.isMethodOf && args.pos.length > 0) {
        scope.vars.set('__method_class__', fn.isMethodOf);
        scope.vars.set('__method_self__', args.pos[0]);
      }
      const body = fn.node.childForFieldName('body')!;
      if (fn.node.type === 'lambda') return this.eval(body, scope);
      try {
        this.execBlock(body, scope);
      } catch (e) {
        if (e instanceof ReturnSignal) return e.value;
        throw e;
      }
      return NONE;
    } finally {
      this.depth--;
      this.line = savedLine;
      this.file = savedFile;
      this.node = savedNode;
    }
  }

  private bindParams(fn: FuncVal, args: CallArgs, scope: Scope): void {
    const params = fn.node.childForFieldName('parameters');
    const pos = [...args.pos];
    const kw = new Map(args.kw);
    let starSeen = false;
    let varKw: string | null = null;
    let hasVarArgs = false;
    let nPos = 0;
    let nPosDefaults = 0;
    let kwOnlyGiven = 0;
    const given = args.pos.length;
    const missing: string[] = [];
    const missingKwOnly: string[] = [];
    for (const p of params?.namedChildren ?? []) {
      if (!p) continue;
      switch (p.type) {
        case 'identifier':
        case 'typed_parameter':
        case 'default_parameter':
        case 'typed_default_parameter': {
          const nameNode = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChildren[0]!);
          if (nameNode.type === 'list_splat_pattern') {
            scope.vars.set(nameNode.namedChildren[0]!.text, tuple(pos.splice(0)));
            starSeen = true;
            hasVarArgs = true;
            break;
          }
          if (nameNode.type === 'dictionary_splat_pattern') { varKw = nameNode.namedChildren[0]!.text; break; }
          const name = nameNode.text;
          if (!starSeen) {
            nPos++;
            if (fn.defaults.has(name)) nPosDefaults++;
          } else if (args.kw.has(name)) {
            kwOnlyGiven++;
          }
          if (!starSeen && pos.length > 0) {
            scope.vars.set(name, pos.shift()!);
          } else if (kw.has(name)) {
            scope.vars.set(name, kw.get(name)!);
            kw.delete(name);
          } else if (fn.defaults.has(name)) {
            scope.vars.set(name, fn.defaults.get(name)!);
          } else {
            (starSeen ? missingKwOnly : missing).push(name);
          }
          break;
        }
        case 'list_splat_pattern':
          scope.vars.set(p.namedChildren[0]!.text, tuple(pos.splice(0)));
          starSeen = true;
          hasVarArgs = true;
          break;
        case 'keyword_separator':
          starSeen = true;
          break;
        case 'positional_separator':
          break;
        case 'dictionary_splat_pattern':
          varKw = p.namedChildren[0]!.text;
          break;
      }
    }
    // CPython 3.11's wording, with the qualified name (`Generator.__init__()`)
    const qual = fn.isMethodOf ? `${fn.isMethodOf.name}.${fn.name}` : fn.name;
    if (!hasVarArgs && given > nPos) {
      const takes = nPosDefaults > 0 ? `from ${nPos - nPosDefaults} to ${nPos} positional arguments` : `${nPos} positional argument${nPos === 1 ? '' : 's'}`;
      const extra = kwOnlyGiven > 0 ? ` positional argument${given === 1 ? '' : 's'} (and ${kwOnlyGiven} keyword-only argument${kwOnlyGiven === 1 ? '' : 's'})` : '';
      this.raise('TypeError', `${qual}() takes ${takes} but ${given}${extra} ${given === 1 && !extra ? 'was' : 'were'} given`);
    }
    const list = (xs: string[]) => {
      const q = xs.map((m) => `'${m}'`);
      return q.length === 1 ? q[0] : q.length === 2 ? `${q[0]} and ${q[1]}` : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
    };
    if (missing.length > 0) {
      this.raise('TypeError', `${qual}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list(missing)}`);
    }
    if (missingKwOnly.length > 0) {
      this.raise('TypeError', `${qual}() missing ${missingKwOnly.length} required keyword-only argument${missingKwOnly.length > 1 ? 's' : ''}: ${list(missingKwOnly)}`);
    }
    if (varKw !== null) {
      const d: Py = { k: 'dict', entries: new Map(), keys: new Map() };
      for (const [k, v] of kw) { d.entries.set(dictKey(str(k)), v); d.keys.set(dictKey(str(k)), str(k)); }
      scope.vars.set(varKw, d);
    } else if (kw.size > 0) {
      this.raise('TypeError', `${fn.isMethodOf ? `${fn.isMethodOf.name}.` : ''}${fn.name}() got an unexpected keyword argument '${[...kw.keys()][0]}'`);
    }
  }

  /** Call any callable value. */
  call(f: Py, args: CallArgs): Py {
    this.tick();
    switch (f.k) {
      case 'func': return this.callFunction(f, args);
      case 'builtin': return f.call(args);
      case 'bound':
        if (f.fn.k === 'builtin') return f.fn.call(args, f.self);
        return this.callFunction(f.fn, { pos: [f.self, ...args.pos], kw: args.kw });
      case 'class': return this.env.instantiate(this, f, args);
      case 'object':
        if (f.isModule) return this.env.callModule(this, f, args);
        {
          const c = this.findClassAttr(f.cls, '__call__');
          if (c && c.k === 'func') return this.callFunction(c, { pos: [f, ...args.pos], kw: args.kw });
        }
        return this.raise('TypeError', `'${f.cls.name}' object is not callable`);
      case 'torchmodule': return this.env.callModule(this, f, args);
      case 'unknown': return f;
      default:
        return this.raise('TypeError', `'${typeName(f)}' object is not callable`);
    }
  }

  /** Look up an attribute in a class and its bases (depth-first, left to right). */
  findClassAttr(cls: ClassVal, name: string): Py | undefined {
    const seen = new Set<ClassVal>();
    const visit = (c: ClassVal): Py | undefined => {
      if (seen.has(c)) return undefined;
      seen.add(c);
      const v = c.attrs.get(name);
      if (v !== undefined) return v;
      for (const b of c.bases) if (b.k === 'class') { const r = visit(b); if (r !== undefined) return r; }
      return undefined;
    };
    return visit(cls);
  }

  /** The class after `after` in cls's method resolution order, for `super()`. */
  mro(cls: ClassVal): ClassVal[] {
    const out: ClassVal[] = [];
    const visit = (c: ClassVal): void => {
      const i = out.indexOf(c);
      if (i >= 0) out.splice(i, 1);
      out.push(c);
      for (const b of c.bases) if (b.k === 'class') visit(b);
    };
    visit(cls);
    return out;
  }

  // ───────────────────────────── expressions

  eval(node: SyntaxNode, scope: Scope): Py {
    this.tick();
    switch (node.type) {
      case 'integer': return parseIntLiteral(node.text);
      case 'float': {
        const t = node.text.replace(/_/g, '');
        if (/[jJ]$/.test(t)) return unknown('complex numbers are not modelled');
        return float(Number(t));
      }
      case 'true': return TRUE;
      case 'false': return FALSE;
      case 'none': return NONE;
      case 'ellipsis': return { k: 'ellipsis' };
      case 'string': return this.evalString(node, scope);
      case 'concatenated_string': {
        let s = '';
        for (const c of node.namedChildren) {
          const v = this.evalString(c!, scope);
          if (v.k !== 'str') return v;
          s += v.v;
        }
        return str(s);
      }
      case 'identifier': {
        const v = this.lookup(node.text, scope);
        if (v === undefined) return this.undefinedName(node.text, scope);
        return v;
      }
      case 'parenthesized_expression': return this.eval(node.namedChildren.find((c) => c?.type !== 'comment')!, scope);
      case 'tuple': case 'expression_list': return tuple(this.evalSeq(node.namedChildren, scope));
      case 'list': return { k: 'list', items: this.evalSeq(node.namedChildren, scope) };
      case 'set': return { k: 'list', items: this.evalSeq(node.namedChildren, scope) };
      case 'dictionary': return this.evalDict(node, scope);
      case 'attribute': {
        const obj = this.eval(node.childForFieldName('object')!, scope);
        const name = node.childForFieldName('attribute')!.text;
        return this.getAttr(obj, name);
      }
      case 'subscript': return this.evalSubscript(node, scope);
      case 'call': return this.evalCall(node, scope);
      case 'binary_operator': {
        const op = node.childForFieldName('operator')!.text;
        const a = this.eval(node.childForFieldName('left')!, scope);
        const b = this.eval(node.childForFieldName('right')!, scope);
        this.at(node);
        return this.binary(op, a, b);
      }
      case 'unary_operator': {
        const op = node.childForFieldName('operator')!.text;
        const v = this.eval(node.childForFieldName('argument')!, scope);
        return this.unary(op, v);
      }
      case 'not_operator': {
        const t = this.truthy(this.eval(node.childForFieldName('argument')!, scope));
        return t === null ? unknown(`the truth of \`${node.text}\` cannot be known statically`) : (t ? FALSE : TRUE);
      }
      case 'boolean_operator': {
        const op = node.childForFieldName('operator')!.text;
        const a = this.eval(node.childForFieldName('left')!, scope);
        const t = this.truthy(a);
        if (t === null) return unknown(`the truth of \`${node.childForFieldName('left')!.text}\` cannot be known statically`);
        if (op === 'and') return t ? this.eval(node.childForFieldName('right')!, scope) : a;
        return t ? a : this.eval(node.childForFieldName('right')!, scope);
      }
      case 'comparison_operator': return this.evalComparison(node, scope);
      case 'conditional_expression': {
        const [a, cond, b] = node.namedChildren as SyntaxNode[];
        const t = this.truthy(this.eval(cond, scope));
        if (t === null) return unknown(`it depends on \`${cond.text}\`, which cannot be known statically`);
        return this.eval(t ? a : b, scope);
      }
      case 'lambda': {
        return { k: 'func', name: '<lambda>', node, closure: scope, defaults: this.lambdaDefaults(node, scope), decorators: [] };
      }
      case 'list_comprehension': return this.listComp(node, scope);
      case 'set_comprehension': return this.listComp(node, scope);
      case 'generator_expression': {
        const items = this.comprehension(node, scope);
        return items === null ? unknown(`it iterates over a value that cannot be known statically: \`${node.text}\``) : tuple(items);
      }
      case 'dictionary_comprehension': return this.dictComp(node, scope);
      case 'named_expression': {
        const v = this.eval(node.childForFieldName('value')!, scope);
        this.assignName(node.childForFieldName('name')!.text, v, scope);
        return v;
      }
      case 'assignment': {
        const right = node.childForFieldName('right');
        if (!right) return NONE; // annotation only: `x: int`
        const v = this.eval(right, scope);
        this.at(node);
        // chained `a = b = v` nests assignments in the right side
        this.assign(node.childForFieldName('left')!, v, scope);
        return v;
      }
      case 'augmented_assignment': return this.evalAugmented(node, scope);
      case 'await': return unknown('await is not modelled');
      case 'yield': return unknown('generators are not modelled');
      case 'keyword_argument': return this.eval(node.childForFieldName('value')!, scope);
      case 'slice': return this.evalSlice(node, scope);
      case 'list_splat': case 'dictionary_splat': return this.eval(node.namedChildren[0]!, scope);
      case 'comment': return NONE;
      default:
        return unknown(`the expression \`${node.text.slice(0, 40)}\` (${node.type}) is not modelled`);
    }
  }

  /**
   * Python raises NameError for a name defined nowhere. We do too, unless the name may exist where we cannot
   * see: a builtin we do not model, or a `from unknown_module import *` in that module.
   */
  private undefinedName(name: string, scope: Scope): Py {
    let root = scope;
    while (root.parent) root = root.parent;
    if (PY_BUILTIN_NAMES.has(name) || /(Error|Exception|Warning)$/.test(name) || name.startsWith('__') || root.opaqueNames) {
      return unknown(`name '${name}' is not modelled`);
    }
    return this.raise('NameError', `name '${name}' is not defined`);
  }

  private lambdaDefaults(node: SyntaxNode, scope: Scope): Map<string, Py> {
    const d = new Map<string, Py>();
    for (const p of node.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p && (p.type === 'default_parameter')) d.set(p.childForFieldName('name')!.text, this.eval(p.childForFieldName('value')!, scope));
    }
    return d;
  }

  private evalString(node: SyntaxNode, scope: Scope): Py {
    if (node.type !== 'string') return this.eval(node, scope);
    const start = node.namedChildren.find((c) => c?.type === 'string_start')?.text ?? '"';
    const prefix = start.replace(/['"]/g, '').toLowerCase();
    const raw = prefix.includes('r');
    let s = '';
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'string_content') s += raw ? c.text : unescape(c.text);
      else if (c.type === 'escape_sequence') s += raw ? c.text : unescape(c.text);
      else if (c.type === 'interpolation') {
        const e = c.childForFieldName('expression') ?? c.namedChildren[0];
        if (!e) continue;
        const v = this.eval(e, scope);
        if (v.k === 'unknown') return v;
        s += toStr(v);
      }
    }
    if (prefix.includes('b')) return unknown('bytes are not modelled');
    return str(s);
  }

  private evalSeq(nodes: (SyntaxNode | null)[], scope: Scope): Py[] {
    const out: Py[] = [];
    for (const n of nodes) {
      if (!n || n.type === 'comment') continue;
      if (n.type === 'list_splat') {
        const v = this.eval(n.namedChildren[0]!, scope);
        const items = this.iterate(v);
        if (items === null) return [unknownStar(n, v)];
        out.push(...items);
      } else out.push(this.eval(n, scope));
    }
    if (out.some((x) => x.k === 'unknown' && (x as { star?: boolean }).star)) {
      const u = out.find((x) => x.k === 'unknown')!;
      return [u];
    }
    return out;
  }

  private evalDict(node: SyntaxNode, scope: Scope): Py {
    const d = { k: 'dict' as const, entries: new Map<string, Py>(), keys: new Map<string, Py>() };
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'pair') {
        const k = this.eval(c.childForFieldName('key')!, scope);
        const v = this.eval(c.childForFieldName('value')!, scope);
        if (k.k === 'unknown') return unknown(`a dict key is unknown (${k.why})`);
        d.entries.set(dictKey(k), v);
        d.keys.set(dictKey(k), k);
      } else if (c.type === 'dictionary_splat') {
        const v = this.eval(c.namedChildren[0]!, scope);
        if (v.k !== 'dict') return unknown(`a ** dict is unknown`);
        for (const [k, x] of v.entries) { d.entries.set(k, x); d.keys.set(k, v.keys.get(k)!); }
      }
    }
    return d;
  }

  private evalSlice(node: SyntaxNode, scope: Scope): Py {
    // children: [start] ':' [stop] [':' [step]]
    const parts: (Py | null)[] = [null, null, null];
    let i = 0;
    for (const c of node.children) {
      if (!c) continue;
      if (c.type === ':') { i++; continue; }
      parts[i] = this.eval(c, scope);
    }
    return { k: 'slice', start: parts[0] ?? NONE, stop: parts[1] ?? NONE, step: parts[2] ?? NONE };
  }

  private evalSubscript(node: SyntaxNode, scope: Scope): Py {
    const obj = this.eval(node.childForFieldName('value')!, scope);
    const subs = node.childrenForFieldName('subscript').filter((s): s is SyntaxNode => !!s && s.type !== 'comment');
    const idxs = subs.map((s) => this.eval(s, scope));
    const index = idxs.length === 1 ? idxs[0] : tuple(idxs);
    this.at(node);
    return this.subscript(obj, index);
  }

  subscript(obj: Py, index: Py): Py {
    if (obj.k === 'unknown') return obj;
    if (obj.k === 'tensor') {
      if (obj.shape === null) return { k: 'tensor', shape: null, dtype: obj.dtype, why: obj.why };
      return this.wrapTorch(() => this.env.tensorIndex(obj, index), (why) => ({ k: 'tensor', shape: null, dtype: obj.dtype, why }));
    }
    if (index.k === 'unknown') return unknown(`the index is unknown (${index.why})`);
    if (obj.k === 'tuple' || obj.k === 'list' || obj.k === 'str') {
      const items: Py[] = obj.k === 'str' ? [...obj.v].map(str) : obj.items;
      if (index.k === 'slice') {
        const sliced = sliceItems(items, index);
        if (sliced === null) return unknown('a slice bound is unknown');
        if (obj.k === 'str') return str(sliced.map((x) => (x as { v: string }).v).join(''));
        return obj.k === 'list' ? { k: 'list', items: sliced } : { k: 'tuple', items: sliced, size: obj.size };
      }
      const i = asIndex(index);
      if (i === null) return this.raise('TypeError', `${obj.k} indices must be integers or slices, not ${typeName(index)}`);
      const j = i < 0 ? i + items.length : i;
      if (j < 0 || j >= items.length) return this.raise('IndexError', `${obj.k} index out of range`);
      return items[j];
    }
    if (obj.k === 'dict') {
      const v = obj.entries.get(dictKey(index));
      if (v === undefined) return this.raise('KeyError', repr(index));
      return v;
    }
    const getitem = this.getAttrOrUndefined(obj, '__getitem__');
    if (getitem) return this.call(getitem, { pos: [index], kw: new Map() });
    return unknown(`indexing a ${typeName(obj)} is not modelled`);
  }

  private evalCall(node: SyntaxNode, scope: Scope): Py {
    const fnNode = node.childForFieldName('function')!;
    const argsNode = node.childForFieldName('arguments')!;
    // super() needs the enclosing method's class and self
    if (fnNode.type === 'identifier' && fnNode.text === 'super') return this.evalSuper(argsNode, scope);
    const f = this.eval(fnNode, scope);
    const args = this.evalArgs(argsNode, scope);
    this.at(node);
    if (args === null) {
      if (f.k === 'class' && f.torchType) this.raise('TypeError', 'unknown arguments');
      return unknown(`an argument of \`${fnNode.text}(…)\` cannot be known statically`);
    }
    return this.call(f, args);
  }

  /** Arguments of a call; null when a *args/**kwargs cannot be expanded. */
  evalArgs(argsNode: SyntaxNode, scope: Scope): CallArgs | null {
    const pos: Py[] = [];
    const kw = new Map<string, Py>();
    if (argsNode.type === 'generator_expression') {
      pos.push(this.eval(argsNode, scope));
      return { pos, kw };
    }
    for (const a of argsNode.namedChildren) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        kw.set(a.childForFieldName('name')!.text, this.eval(a.childForFieldName('value')!, scope));
      } else if (a.type === 'list_splat') {
        const v = this.eval(a.namedChildren[0]!, scope);
        const items = this.iterate(v);
        if (items === null) return null;
        pos.push(...items);
      } else if (a.type === 'dictionary_splat') {
        const v = this.eval(a.namedChildren[0]!, scope);
        if (v.k !== 'dict') return null;
        for (const [k, x] of v.entries) {
          const key = v.keys.get(k);
          if (!key || key.k !== 'str') return null;
          kw.set(key.v, x);
        }
      } else {
        pos.push(this.eval(a, scope));
      }
    }
    return { pos, kw };
  }

  private evalSuper(argsNode: SyntaxNode, scope: Scope): Py {
    const args = argsNode.namedChildren.filter((a) => a && a.type !== 'comment') as SyntaxNode[];
    let cls: Py | undefined;
    let self: Py | undefined;
    if (args.length >= 2) {
      cls = this.eval(args[0], scope);
      self = this.eval(args[1], scope);
    } else {
      // zero-argument super(): the class of the method being executed and its first argument
      for (let s: Scope | null = scope; s; s = s.parent) {
        const m = s.vars.get('__method_class__');
        if (m) { cls = m; self = s.vars.get('__method_self__'); break; }
      }
    }
    if (!cls || cls.k !== 'class' || !self) return unknown('super() outside a method is not modelled');
    const order = this.mro(self.k === 'object' ? self.cls : cls);
    const after = order.slice(order.indexOf(cls) + 1);
    const target = self;
    const proxy: NamespaceVal = {
      k: 'namespace', name: 'super', attrs: new Map(),
      fallback: (name) => {
        for (const c of after) {
          const v = c.attrs.get(name);
          if (v === undefined) continue;
          if (v.k === 'func') return { k: 'bound', self: target, fn: v };
          if (v.k === 'builtin') return { k: 'bound', self: target, fn: v };
          return v;
        }
        return undefined;
      },
    };
    return proxy;
  }

  private evalAugmented(node: SyntaxNode, scope: Scope): Py {
    const left = node.childForFieldName('left')!;
    const op = node.childForFieldName('operator')!.text.slice(0, -1);
    const cur = this.eval(left, scope);
    const r = this.eval(node.childForFieldName('right')!, scope);
    this.at(node);
    // list += iterable mutates in place (matters for layer lists built by helpers)
    if (op === '+' && cur.k === 'list') {
      const items = this.iterate(r);
      if (items === null) { this.assign(left, unknown(`extended with an unknown value (\`${node.text}\`)`), scope); return NONE; }
      cur.items.push(...items);
      return NONE;
    }
    if (op === '+' && cur.k === 'object' && cur.isModule) {
      const extend = this.getAttrOrUndefined(cur, 'extend');
      if (extend) { this.call(extend, { pos: [r], kw: new Map() }); return NONE; }
    }
    this.assign(left, this.binary(op, cur, r), scope);
    return NONE;
  }

  private evalComparison(node: SyntaxNode, scope: Scope): Py {
    const operands = node.namedChildren.filter((c) => c && c.type !== 'comment') as SyntaxNode[];
    const ops: string[] = [];
    for (const c of node.children) {
      if (c && !c.isNamed) ops.push(c.type);
    }
    // `not in` / `is not` arrive as two tokens
    const merged: string[] = [];
    for (let i = 0; i < ops.length; i++) {
      if ((ops[i] === 'not' && ops[i + 1] === 'in') || (ops[i] === 'is' && ops[i + 1] === 'not')) { merged.push(`${ops[i]} ${ops[i + 1]}`); i++; }
      else if (ops[i] !== '(' && ops[i] !== ')') merged.push(ops[i]);
    }
    let left = this.eval(operands[0], scope);
    let result: Py = TRUE;
    for (let i = 0; i < merged.length; i++) {
      const right = this.eval(operands[i + 1], scope);
      const r = this.compare(merged[i], left, right);
      if (r.k === 'unknown' || r.k === 'tensor') return r;
      if (!(r as { v: boolean }).v) return FALSE;
      result = r;
      left = right;
    }
    return result;
  }

  // ───────────────────────────── comprehensions

  private listComp(node: SyntaxNode, scope: Scope): Py {
    const items = this.comprehension(node, scope);
    return items === null ? unknown(`it iterates over a value that cannot be known statically: \`${node.text.slice(0, 60)}\``) : { k: 'list', items };
  }

  private dictComp(node: SyntaxNode, scope: Scope): Py {
    const d = { k: 'dict' as const, entries: new Map<string, Py>(), keys: new Map<string, Py>() };
    const body = node.childForFieldName('body')!;
    const ok = this.runClauses(node, { vars: new Map(), parent: scope }, (s) => {
      const k = this.eval(body.childForFieldName('key')!, s);
      d.entries.set(dictKey(k), this.eval(body.childForFieldName('value')!, s));
      d.keys.set(dictKey(k), k);
    });
    return ok ? d : unknown('a dict comprehension over an unknown value');
  }

  private comprehension(node: SyntaxNode, scope: Scope): Py[] | null {
    const body = node.childForFieldName('body')!;
    const out: Py[] = [];
    const ok = this.runClauses(node, { vars: new Map(), parent: scope }, (s) => out.push(this.eval(body, s)));
    return ok ? out : null;
  }

  private runClauses(node: SyntaxNode, scope: Scope, emit: (s: Scope) => void): boolean {
    const clauses = node.namedChildren.filter((c) => c && (c.type === 'for_in_clause' || c.type === 'if_clause')) as SyntaxNode[];
    const step = (i: number): boolean => {
      if (i === clauses.length) { emit(scope); return true; }
      const c = clauses[i];
      if (c.type === 'if_clause') {
        const t = this.truthy(this.eval(c.namedChildren[0]!, scope));
        if (t === null) return false;
        return t ? step(i + 1) : true;
      }
      const items = this.iterate(this.eval(c.childForFieldName('right')!, scope));
      if (items === null) return false;
      for (const item of items) {
        this.assign(c.childForFieldName('left')!, item, scope);
        if (!step(i + 1)) return false;
      }
      return true;
    };
    return step(0);
  }

  // ───────────────────────────── assignment

  assign(target: SyntaxNode, value: Py, scope: Scope): void {
    switch (target.type) {
      case 'identifier':
        this.assignName(target.text, value, scope);
        return;
      case 'attribute': {
        const obj = this.eval(target.childForFieldName('object')!, scope);
        this.setAttr(obj, target.childForFieldName('attribute')!.text, value);
        return;
      }
      case 'subscript': {
        const obj = this.eval(target.childForFieldName('value')!, scope);
        const subs = target.childrenForFieldName('subscript').filter((s): s is SyntaxNode => !!s);
        const idx = subs.length === 1 ? this.eval(subs[0], scope) : tuple(subs.map((s) => this.eval(s, scope)));
        this.setItem(obj, idx, value);
        return;
      }
      case 'pattern_list': case 'tuple_pattern': case 'list_pattern': case 'tuple': case 'list': case 'expression_list': {
        const targets = target.namedChildren.filter((c) => c && c.type !== 'comment') as SyntaxNode[];
        const items = this.iterate(value);
        const starIdx = targets.findIndex((t) => t.type === 'list_splat_pattern' || t.type === 'list_splat');
        if (items === null) {
          const u = value.k === 'unknown' ? value : unknown(`unpacking a value that cannot be known statically`);
          for (const t of targets) this.assign(t.type === 'list_splat_pattern' || t.type === 'list_splat' ? t.namedChildren[0]! : t, u, scope);
          return;
        }
        if (starIdx < 0) {
          if (items.length !== targets.length) {
            this.raise('ValueError', items.length > targets.length
              ? `too many values to unpack (expected ${targets.length})`
              : `not enough values to unpack (expected ${targets.length}, got ${items.length})`);
          }
          targets.forEach((t, i) => this.assign(t, items[i], scope));
          return;
        }
        const after = targets.length - starIdx - 1;
        targets.slice(0, starIdx).forEach((t, i) => this.assign(t, items[i], scope));
        this.assign(targets[starIdx].namedChildren[0]!, { k: 'list', items: items.slice(starIdx, items.length - after) }, scope);
        targets.slice(starIdx + 1).forEach((t, i) => this.assign(t, items[items.length - after + i], scope));
        return;
      }
      case 'parenthesized_expression':
        return this.assign(target.namedChildren[0]!, value, scope);
      case 'list_splat_pattern':
        return this.assign(target.namedChildren[0]!, value, scope);
      default:
        return;
    }
  }

  setAttr(obj: Py, name: string, value: Py): void {
    const setattr = obj.k === 'object' ? this.findClassAttr(obj.cls, '__setattr__') : undefined;
    if (setattr && setattr.k === 'builtin') { setattr.call({ pos: [str(name), value], kw: new Map() }, obj); return; }
    if (obj.k === 'object') { obj.attrs.set(name, value); return; }
    if (obj.k === 'namespace') { obj.attrs.set(name, value); return; }
    if (obj.k === 'class') { obj.attrs.set(name, value); return; }
    if (obj.k === 'torchmodule') { obj.args.set(name, value); return; }
  }

  setItem(obj: Py, index: Py, value: Py): void {
    if (obj.k === 'list') {
      const i = asIndex(index);
      if (i === null) { obj.items.splice(0, obj.items.length, unknown('a list item was set at an unknown index')); return; }
      const j = i < 0 ? i + obj.items.length : i;
      if (j < 0 || j >= obj.items.length) this.raise('IndexError', 'list assignment index out of range');
      obj.items[j] = value;
    } else if (obj.k === 'dict') {
      if (index.k === 'unknown') return;
      obj.entries.set(dictKey(index), value);
      obj.keys.set(dictKey(index), index);
    } else if (obj.k === 'object') {
      const setitem = this.getAttrOrUndefined(obj, '__setitem__');
      if (setitem) this.call(setitem, { pos: [index, value], kw: new Map() });
    }
    // tensor item assignment (`x[:, 0] = …`) does not change shapes
  }

  // ───────────────────────────── attributes

  getAttr(obj: Py, name: string): Py {
    const v = this.getAttrOrUndefined(obj, name);
    if (v !== undefined) return v;
    if (obj.k === 'unknown') return obj;
    if (obj.k === 'object') {
      if (obj.isModule) this.raise('AttributeError', `'${obj.cls.name}' object has no attribute '${name}'`);
      return unknown(`attribute '${name}' of a ${obj.cls.name} object is not known`);
    }
    if (obj.k === 'namespace') return unknown(`'${obj.name}.${name}' is not modelled`);
    return unknown(`attribute '${name}' of ${typeName(obj)} is not modelled`);
  }

  getAttrOrUndefined(obj: Py, name: string): Py | undefined {
    switch (obj.k) {
      case 'namespace': return obj.attrs.get(name) ?? obj.fallback?.(name);
      case 'class': {
        if (name === '__name__') return str(obj.name);
        const v = this.findClassAttr(obj, name);
        if (v !== undefined) return v;
        return this.env.getAttr(this, obj, name);
      }
      case 'unknown': return obj;
      default: return this.env.getAttr(this, obj, name);
    }
  }

  /** Bind a class attribute for an instance: functions become bound methods. */
  bindMethod(self: Py, v: Py): Py {
    if (v.k === 'func') {
      if (v.decorators.includes('staticmethod')) return v;
      if (v.decorators.includes('property')) return this.callFunction(v, { pos: [self], kw: new Map() });
      return { k: 'bound', self, fn: v };
    }
    if (v.k === 'builtin') return { k: 'bound', self, fn: v };
    return v;
  }

  // ───────────────────────────── operators

  truthy(v: Py): boolean | null {
    switch (v.k) {
      case 'bool': return v.v;
      case 'int': case 'float': return v.v !== 0;
      case 'str': return v.v.length > 0;
      case 'none': return false;
      case 'tuple': case 'list': return v.items.length > 0;
      case 'dict': return v.entries.size > 0;
      case 'unknown': return null;
      case 'tensor': return null;
      case 'object': {
        if (v.isModule) return true;
        const len = this.findClassAttr(v.cls, '__len__');
        return len ? null : true;
      }
      default: return true;
    }
  }

  binary(op: string, a: Py, b: Py): Py {
    if (a.k === 'tensor' || b.k === 'tensor') {
      if (a.k === 'unknown' || b.k === 'unknown') {
        const t = a.k === 'tensor' ? a : (b as TensorVal);
        return { k: 'tensor', shape: null, dtype: t.dtype, why: `an operand of ${op} is unknown` };
      }
      return this.wrapTorch(() => this.env.tensorBinary(op, a, b), (why) => ({ k: 'tensor', shape: null, dtype: 'float32', why }));
    }
    if (a.k === 'unknown') return a;
    if (b.k === 'unknown') return b;
    const r = pyBinary(op, a, b);
    if (r === undefined) {
      if (a.k === 'object' || b.k === 'object') return unknown(`operator ${op} on ${typeName(a)} and ${typeName(b)} is not modelled`);
      return this.raise('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
    }
    if (typeof r === 'string') return this.raise('ZeroDivisionError', r);
    return r;
  }

  unary(op: string, v: Py): Py {
    if (v.k === 'unknown') return v;
    if (v.k === 'tensor') return op === '~' && v.dtype !== 'bool' ? { ...v } : { ...v };
    const n = v.k === 'bool' ? int(v.v ? 1 : 0) : v;
    if (n.k === 'int') return op === '-' ? int(-n.v) : op === '~' ? int(~n.v) : n;
    if (n.k === 'float') return op === '-' ? float(-n.v) : n;
    return this.raise('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`);
  }

  compare(op: string, a: Py, b: Py): Py {
    if (op === 'is' || op === 'is not') {
      if (a.k === 'unknown' || b.k === 'unknown') {
        if ((a.k === 'none' || b.k === 'none') && (a.k === 'unknown' ? b : a).k === 'none') return unknown('compared an unknown value with None');
        return unknown('identity of an unknown value');
      }
      const same = a === b || (a.k === 'none' && b.k === 'none') || (a.k === 'bool' && b.k === 'bool' && a.v === b.v);
      return (op === 'is') === same ? TRUE : FALSE;
    }
    if (op === 'in' || op === 'not in') {
      if (a.k === 'unknown' || b.k === 'unknown') return unknown('membership of an unknown value');
      let found: boolean | null;
      if (b.k === 'str' && a.k === 'str') found = b.v.includes(a.v);
      else if (b.k === 'dict') found = b.entries.has(dictKey(a));
      else {
        const items = this.iterate(b);
        if (items === null) return unknown('membership in an unknown container');
        found = false;
        for (const x of items) {
          const eq = pyEquals(a, x);
          if (eq === null) { found = null; break; }
          if (eq) { found = true; break; }
        }
      }
      if (found === null) return unknown('membership cannot be decided statically');
      return (op === 'in') === found ? TRUE : FALSE;
    }
    if (a.k === 'tensor' || b.k === 'tensor') {
      if (a.k === 'unknown' || b.k === 'unknown') return { k: 'tensor', shape: null, dtype: 'bool', why: 'comparison with an unknown value' };
      return this.wrapTorch(() => this.env.tensorBinary(op, a, b), (why) => ({ k: 'tensor', shape: null, dtype: 'bool', why }));
    }
    if (a.k === 'unknown') return a;
    if (b.k === 'unknown') return b;
    if (op === '==' || op === '!=') {
      const eq = pyEquals(a, b);
      if (eq === null) return unknown('equality cannot be decided statically');
      return (op === '==') === eq ? TRUE : FALSE;
    }
    const c = pyCompare(a, b);
    if (c === null) return unknown(`ordering of ${typeName(a)} and ${typeName(b)} is not modelled`);
    if (c === 'type') return this.raise('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
    const r = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : false;
    return r ? TRUE : FALSE;
  }

  /** The items of an iterable value, or null when they cannot be known. */
  iterate(v: Py): Py[] | null {
    switch (v.k) {
      case 'tuple': case 'list': return [...v.items];
      case 'str': return [...v.v].map(str);
      case 'dict': return [...v.entries.keys()].map((k) => v.keys.get(k)!);
      case 'tensor': {
        if (!v.shape || v.shape.length === 0) return null;
        const n = v.shape[0];
        if (n > 10_000) return null;
        const inner: Py = { k: 'tensor', shape: v.shape.slice(1), dtype: v.dtype };
        return new Array(n).fill(inner);
      }
      case 'object': {
        const it = this.getAttrOrUndefined(v, '__iter__');
        if (!it) return null;
        const r = this.call(it, { pos: [], kw: new Map() });
        return r.k === 'unknown' ? null : this.iterate(r);
      }
      default: return null;
    }
  }
}

// ───────────────────────────── helpers (pure)

const PY_BUILTIN_NAMES = new Set(['abs', 'aiter', 'all', 'anext', 'any', 'ascii', 'bin', 'bool', 'breakpoint', 'bytearray', 'bytes',
  'callable', 'chr', 'classmethod', 'compile', 'complex', 'copyright', 'credits', 'delattr', 'dict', 'dir', 'divmod', 'enumerate',
  'eval', 'exec', 'exit', 'filter', 'float', 'format', 'frozenset', 'getattr', 'globals', 'hasattr', 'hash', 'help', 'hex', 'id',
  'input', 'int', 'isinstance', 'issubclass', 'iter', 'len', 'license', 'list', 'locals', 'map', 'max', 'memoryview', 'min', 'next',
  'object', 'oct', 'open', 'ord', 'pow', 'print', 'property', 'quit', 'range', 'repr', 'reversed', 'round', 'set', 'setattr', 'slice',
  'sorted', 'staticmethod', 'str', 'sum', 'super', 'tuple', 'type', 'vars', 'zip', 'NotImplemented', 'Ellipsis', 'reveal_type']);

const MUTATORS = new Set(['append', 'extend', 'insert', 'add_module', 'register_module', 'update', 'pop', 'remove', 'register_buffer', 'register_parameter', '__setitem__']);

function collectTargets(n: SyntaxNode, names: Set<string>, attrs: { obj: SyntaxNode; name: string }[]): void {
  switch (n.type) {
    case 'identifier': names.add(n.text); return;
    case 'attribute': {
      const obj = n.childForFieldName('object')!;
      attrs.push({ obj, name: n.childForFieldName('attribute')!.text });
      return;
    }
    case 'subscript': collectTargets(n.childForFieldName('value')!, names, attrs); return;
    default:
      for (const c of n.namedChildren) if (c) collectTargets(c, names, attrs);
  }
}

function unknownStar(n: SyntaxNode, v: Py): Py {
  const why = v.k === 'unknown' ? v.why : `\`${n.text}\` cannot be unpacked statically`;
  return { k: 'unknown', why, star: true } as Py;
}

export function parseIntLiteral(text: string): Py {
  const t = text.replace(/_/g, '').toLowerCase();
  if (t.endsWith('j')) return unknown('complex numbers are not modelled');
  let n: number;
  if (t.startsWith('0x')) n = parseInt(t.slice(2), 16);
  else if (t.startsWith('0o')) n = parseInt(t.slice(2), 8);
  else if (t.startsWith('0b')) n = parseInt(t.slice(2), 2);
  else n = Number(t.replace(/l$/, ''));
  return int(n);
}

function unescape(s: string): string {
  return s.replace(/\\(n|t|r|\\|'|"|0|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|\n)/g, (_m, c: string) => {
    switch (c[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '0': return '\0';
      case 'x': case 'u': return String.fromCharCode(parseInt(c.slice(1), 16));
      case '\n': return '';
      default: return c;
    }
  });
}

/** str(v), as Python prints it */
export function toStr(v: Py): string {
  if (v.k === 'str') return v.v;
  if (v.k === 'tensor') return v.shape ? `tensor(<shape [${v.shape.join(', ')}]>)` : 'tensor(<unknown>)';
  return repr(v);
}

export function dictKey(k: Py): string {
  switch (k.k) {
    case 'str': return `s:${k.v}`;
    case 'int': return `n:${k.v}`;
    case 'float': return `n:${k.v}`;
    case 'bool': return `n:${k.v ? 1 : 0}`;
    case 'none': return 'None';
    case 'tuple': return `t:(${k.items.map(dictKey).join(',')})`;
    default: return `o:${repr(k)}`;
  }
}

function asIndex(v: Py): number | null {
  if (v.k === 'int') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  return null;
}

function sliceItems<T>(items: T[], s: { start: Py; stop: Py; step: Py }): T[] | null {
  const get = (p: Py): number | null | undefined => (p.k === 'none' ? undefined : asIndex(p));
  const step = get(s.step) ?? 1;
  const start = get(s.start);
  const stop = get(s.stop);
  if (start === null || stop === null || step === null || step === 0) return null;
  const n = items.length;
  const norm = (i: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (i === undefined) return dflt;
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: T[] = [];
  if (step > 0) {
    const a = norm(start, 0, 0, n), b = norm(stop, n, 0, n);
    for (let i = a; i < b; i += step) out.push(items[i]);
  } else {
    const a = norm(start, n - 1, -1, n - 1), b = norm(stop, -1, -1, n - 1);
    for (let i = a; i > b; i += step) out.push(items[i]);
  }
  return out;
}

function num(v: Py): number | null {
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  return null;
}

const isIntLike = (v: Py): boolean => v.k === 'int' || v.k === 'bool';

/** Python's binary operators on non-tensor values; undefined when unsupported, a string for ZeroDivisionError. */
export function pyBinary(op: string, a: Py, b: Py): Py | string | undefined {
  const x = num(a), y = num(b);
  if (x !== null && y !== null) {
    const ints = isIntLike(a) && isIntLike(b);
    switch (op) {
      case '+': return ints ? int(x + y) : float(x + y);
      case '-': return ints ? int(x - y) : float(x - y);
      case '*': return ints ? int(x * y) : float(x * y);
      case '/': if (y === 0) return 'division by zero'; return float(x / y);
      case '//': if (y === 0) return ints ? 'integer division or modulo by zero' : 'float floor division by zero'; return ints ? int(Math.floor(x / y)) : float(Math.floor(x / y));
      case '%': {
        if (y === 0) return ints ? 'integer division or modulo by zero' : 'float modulo';
        const m = x - y * Math.floor(x / y);
        return ints ? int(m) : float(m);
      }
      case '**': {
        if (ints && y >= 0) return int(x ** y);
        if (x === 0 && y < 0) return '0.0 cannot be raised to a negative power';
        return float(x ** y);
      }
      case '<<': return ints ? int(x * 2 ** y) : undefined;
      case '>>': return ints ? int(Math.floor(x / 2 ** y)) : undefined;
      case '&': return ints ? int(x & y) : undefined;
      case '|': return ints ? int(x | y) : undefined;
      case '^': return ints ? int(x ^ y) : undefined;
      default: return undefined;
    }
  }
  if (op === '+') {
    if (a.k === 'str' && b.k === 'str') return str(a.v + b.v);
    if (a.k === 'list' && b.k === 'list') return { k: 'list', items: [...a.items, ...b.items] };
    if (a.k === 'tuple' && b.k === 'tuple') return { k: 'tuple', items: [...a.items, ...b.items], size: a.size && b.size };
  }
  if (op === '*') {
    const [seq, n] = isIntLike(b) ? [a, num(b)!] : isIntLike(a) ? [b, num(a)!] : [null, 0];
    if (seq && (seq.k === 'list' || seq.k === 'tuple')) {
      const items: Py[] = [];
      for (let i = 0; i < n; i++) items.push(...seq.items);
      return seq.k === 'list' ? { k: 'list', items } : tuple(items);
    }
    if (seq && seq.k === 'str') return str(seq.v.repeat(Math.max(0, n)));
  }
  if (op === '%' && a.k === 'str') return pyFormat(a.v, b);
  if (op === '|' && a.k === 'dict' && b.k === 'dict') {
    return { k: 'dict', entries: new Map([...a.entries, ...b.entries]), keys: new Map([...a.keys, ...b.keys]) };
  }
  return undefined;
}

function pyFormat(fmt: string, args: Py): Py {
  const items = args.k === 'tuple' ? args.items : [args];
  if (items.some((x) => x.k === 'unknown')) return unknown('a %-format argument is unknown');
  let i = 0;
  return str(fmt.replace(/%[-+ 0#]*\d*(?:\.\d+)?[sdrfgi%]/g, (m) => (m === '%%' ? '%' : toStr(items[i++] ?? NONE))));
}

/** Python ==; null when it cannot be decided */
export function pyEquals(a: Py, b: Py): boolean | null {
  if (a.k === 'unknown' || b.k === 'unknown') return null;
  const x = num(a), y = num(b);
  if (x !== null && y !== null) return x === y;
  if (a.k === 'str' && b.k === 'str') return a.v === b.v;
  if (a.k === 'none' || b.k === 'none') return a.k === b.k;
  if ((a.k === 'tuple' || a.k === 'list') && (b.k === 'tuple' || b.k === 'list')) {
    if (a.k !== b.k && !(a.k === 'tuple' && b.k === 'tuple')) return false;
    if (a.items.length !== b.items.length) return false;
    for (let i = 0; i < a.items.length; i++) {
      const e = pyEquals(a.items[i], b.items[i]);
      if (e !== true) return e;
    }
    return true;
  }
  if (a.k === 'tensor' || b.k === 'tensor') return null;
  if (a.k !== b.k) return false;
  return a === b;
}

export function pyCompare(a: Py, b: Py): number | null | 'type' {
  const x = num(a), y = num(b);
  if (x !== null && y !== null) return x - y;
  if (a.k === 'str' && b.k === 'str') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if ((a.k === 'tuple' && b.k === 'tuple') || (a.k === 'list' && b.k === 'list')) {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      const e = pyEquals(a.items[i], b.items[i]);
      if (e === null) return null;
      if (!e) return pyCompare(a.items[i], b.items[i]);
    }
    return a.items.length - b.items.length;
  }
  if (a.k === 'object' || b.k === 'object') return null;
  return 'type';
}

/** Message and type of a raised value: `raise ValueError("…")` */
function exceptionMessage(v: Py): { type: string; message: string } {
  if (v.k === 'object') {
    const args = v.attrs.get('args');
    const msg = args && args.k === 'tuple' && args.items[0] ? toStr(args.items[0]) : '';
    return { type: v.cls.name, message: msg };
  }
  if (v.k === 'class') return { type: v.name, message: '' };
  return { type: 'Exception', message: toStr(v) };
}

function exceptionValue(e: PyException): Py {
  const cls: ClassVal = { k: 'class', name: e.pyType, bases: [], attrs: new Map(), node: null, line: 0, isModule: false };
  return { k: 'object', cls, attrs: new Map([['args', tuple([str(e.message)])]]), modules: new Map(), isModule: false, training: false, line: e.line, file: e.file, id: 0 };
}

const EXCEPTION_PARENTS: Record<string, string[]> = {
  RuntimeError: ['Exception', 'BaseException'], ValueError: ['Exception', 'BaseException'], TypeError: ['Exception', 'BaseException'],
  IndexError: ['LookupError', 'Exception', 'BaseException'], KeyError: ['LookupError', 'Exception', 'BaseException'],
  AttributeError: ['Exception', 'BaseException'], ZeroDivisionError: ['ArithmeticError', 'Exception', 'BaseException'],
  AssertionError: ['Exception', 'BaseException'], NotImplementedError: ['RuntimeError', 'Exception', 'BaseException'],
  NameError: ['Exception', 'BaseException'], SyntaxError: ['Exception', 'BaseException'],
};

function exceptionCatches(handlerName: string, raised: string): boolean {
  if (handlerName === raised || handlerName === 'BaseException') return true;
  return (EXCEPTION_PARENTS[raised] ?? ['Exception', 'BaseException']).includes(handlerName);
}

export type { BuiltinVal, ObjectVal, TorchModuleVal };
