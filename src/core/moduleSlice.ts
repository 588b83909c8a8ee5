/**
 * The part of a user's module that building their models needs.
 *
 * The torch engine builds the user's generator and discriminator by running the user's own file. Many GAN
 * scripts (argparse scripts in the style of pytorch/examples' dcgan, PyTorch-GAN) load data and train at module
 * level with no `if __name__ == "__main__":` guard, so running the file as it is would start their training.
 * This computes, from the syntax tree alone, a backward slice of the top-level statements: the imports,
 * definitions, constants and argparse values that the needed names depend on. Every other statement becomes
 * `pass` in place, so the kept code keeps its lines and columns and Python's tracebacks point at the user's lines.
 *
 * Reads are over-approximated wherever Python's scoping is not certain: an extra kept statement costs little,
 * a missing one is a NameError in the user's file.
 */
import type { SyntaxNode } from './python/parser';

export interface SlicedStatement {
  /** 0-based first and last line */
  line: number;
  endLine: number;
  /** the statement's first line, trimmed, at most 80 characters (… when cut) */
  text: string;
}

export interface ModuleSlice {
  /** the file's text with every statement that is not needed replaced by `pass`, keeping every line and column
   * of the kept code where it was (so Python tracebacks point at the user's own lines) */
  source: string;
  kept: SlicedStatement[];
  omitted: SlicedStatement[];
}

/** The statements the needed names depend on would train or load data; `line` is 0-based. */
export class SliceRefused extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = 'SliceRefused';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What one statement does at module level

/** Found in code that runs: the reason the statement must not run while building models. */
interface Training {
  kind: 'trains' | 'loads data';
  /** e.g. "it calls .backward()" */
  what: string;
}

interface Binding {
  /** an unconditional rebinding: earlier definitions of the name no longer matter */
  plain: boolean;
  imported: boolean;
}

/** What code inside function bodies does when the function is called. */
interface Deferred {
  reads: Set<string>;
  /** module names assigned through `global` */
  binds: Set<string>;
  mutates: Set<string>;
  calls: Set<string>;
  /** as in Effects */
  passes: Map<string, Set<string>>;
  training: Training | null;
  sysPath: boolean;
  /** `globals()[k] = v`, `exec(...)`: may bind any module name */
  anyName: boolean;
  /** `globals()`, `vars()`, `dir()`: may read any module name */
  allNames: boolean;
}

interface Effects {
  /** module names read when the statement runs */
  reads: Set<string>;
  /** module names it (re)binds */
  binds: Map<string, Binding>;
  /** module names whose object the statement may change in place (filtered to non-imports later) */
  mutates: Set<string>;
  /** module names called when the statement runs: a user's function may bind, mutate or train */
  calls: Set<string>;
  /** callee → bare module names passed to it in a call whose value is discarded (`add_args(parser)`) */
  passes: Map<string, Set<string>>;
  /** names called for their effect (`step()`, `net(x)`): a closure or a model may change what it holds */
  invoked: Set<string>;
  training: Training | null;
  sysPath: boolean;
  anyName: boolean;
  allNames: boolean;
  /** module names given the module's namespace (`g = globals()`): changing them may bind any name */
  namespaces: Set<string>;
  /** an import statement anywhere inside, function bodies included */
  imports: boolean;
  /** [a, b]: changing a's object may now change b's (`a = b` both ways, `cfg.model = model`, `for m in models`) */
  aliases: [string, string][];
  later: Deferred;
}

interface Scope {
  kind: 'module' | 'function' | 'class' | 'comprehension';
  /** function, comprehension: its locals; class: the names its body has bound so far */
  names: Set<string>;
  /** names a function declares `global` */
  globals: Set<string>;
  parent: Scope | null;
  /** code here runs only when a function is called */
  deferred: boolean;
}

const MODULE: Scope = { kind: 'module', names: new Set(), globals: new Set(), parent: null, deferred: false };

const TRAINING_METHODS = new Set(['backward', 'step', 'zero_grad']);

const NAMESPACE_CALLS = new Set(['globals', 'exec', 'vars', 'dir', 'locals']);

/** Methods that change their object even when the call's value is used (`x = layers.pop()`). */
const MUTATING_METHODS = new Set([
  'append', 'extend', 'insert', 'pop', 'remove', 'clear', 'update', 'setdefault', 'popitem', 'add', 'discard',
  'sort', 'reverse', 'add_argument', 'add_argument_group', 'add_mutually_exclusive_group', 'set_defaults',
  'add_module', 'register_buffer', 'register_parameter', 'apply',
]);

const PATTERNS = new Set([
  'pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list', 'parenthesized_expression',
  'list_splat_pattern', 'list_splat', 'as_pattern_target',
]);

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

function emptyDeferred(): Deferred {
  return {
    reads: new Set(), binds: new Set(), mutates: new Set(), calls: new Set(), passes: new Map(), training: null,
    sysPath: false, anyName: false, allNames: false,
  };
}

function addPass(passes: Map<string, Set<string>>, callee: string, name: string): void {
  const set = passes.get(callee);
  if (set) set.add(name); else passes.set(callee, new Set([name]));
}

/** Identifiers a target binds (`a, (b, *c)` → a, b, c); attribute and subscript targets bind none. */
function targetNames(node: SyntaxNode | null, out: Set<string>): void {
  if (!node) return;
  if (node.type === 'identifier') out.add(node.text);
  else if (PATTERNS.has(node.type)) for (const c of node.namedChildren) targetNames(c, out);
}

/** `import a.b` binds a; `import a.b as c` and `from m import b as c` bind c. */
function importedNames(node: SyntaxNode): { name: string; aliased: boolean }[] {
  const out: { name: string; aliased: boolean }[] = [];
  const from = node.type !== 'import_statement';
  for (const n of node.childrenForFieldName('name')) {
    if (n.type === 'aliased_import') {
      const alias = n.childForFieldName('alias');
      if (alias) out.push({ name: alias.text, aliased: true });
    } else if (n.type === 'dotted_name') {
      const parts = n.namedChildren;
      const name = from ? parts[parts.length - 1] : parts[0];
      if (name) out.push({ name: name.text, aliased: from });
    }
  }
  return out;
}

/** The identifier an attribute or subscript chain starts from (`opt.a.b[0]` → opt), or null. */
function chainRoot(node: SyntaxNode | null): SyntaxNode | null {
  while (node && (node.type === 'attribute' || node.type === 'subscript')) {
    node = node.type === 'attribute' ? node.childForFieldName('object') : node.childForFieldName('value');
  }
  return node?.type === 'identifier' ? node : null;
}

function targetNamesOf(node: SyntaxNode | null): string[] {
  const out = new Set<string>();
  targetNames(node, out);
  return [...out];
}

function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** A function's locals (Python: any name bound anywhere in the body is local unless declared global/nonlocal). */
function functionScope(params: SyntaxNode | null, body: SyntaxNode | null, parent: Scope): Scope {
  const names = new Set<string>();
  const globals = new Set<string>();
  const nonlocals = new Set<string>();
  for (const p of params?.namedChildren ?? []) {
    switch (p.type) {
      case 'default_parameter': case 'typed_default_parameter':
        targetNames(p.childForFieldName('name'), names);
        break;
      case 'typed_parameter': case 'list_splat_pattern': case 'dictionary_splat_pattern':
        // `x: int`, `*args`, `**kw`, `*args: int`
        for (const c of p.namedChildren) {
          if (c.type !== 'type') targetNames(c.type === 'identifier' ? c : c.namedChildren[0] ?? null, names);
        }
        break;
      default:
        targetNames(p, names);
    }
  }
  const visit = (node: SyntaxNode): void => {
    for (const c of node.namedChildren) {
      switch (c.type) {
        case 'function_definition': case 'class_definition':
          targetNames(c.childForFieldName('name'), names);
          continue;
        case 'lambda':
          continue;
        case 'global_statement':
          for (const id of c.namedChildren) globals.add(id.text);
          continue;
        case 'nonlocal_statement':
          for (const id of c.namedChildren) nonlocals.add(id.text);
          continue;
        case 'import_statement': case 'import_from_statement': case 'future_import_statement':
          for (const n of importedNames(c)) names.add(n.name);
          continue;
        case 'assignment': case 'augmented_assignment': case 'for_statement':
          targetNames(c.childForFieldName('left'), names);
          break;
        case 'as_pattern':
          targetNames(c.childForFieldName('alias'), names);
          break;
        case 'delete_statement':
          for (const t of c.namedChildren) targetNames(t, names);
          continue;
        case 'named_expression':
          targetNames(c.childForFieldName('name'), names);
          break;
      }
      visit(c);
    }
  };
  if (body) visit(body);
  for (const g of globals) names.delete(g);
  for (const n of nonlocals) names.delete(n);
  return { kind: 'function', names, globals, parent, deferred: true };
}

/** Module (global) or local, by Python's rules: a class body's names are visible only to the body itself. */
function isGlobal(name: string, scope: Scope): boolean {
  let first = true;
  for (let s: Scope | null = scope; s; s = s.parent, first = false) {
    if (s.kind === 'module') return true;
    if (s.kind === 'class') {
      if (first && s.names.has(name)) return false;
    } else {
      if (s.globals.has(name)) return true;
      if (s.names.has(name)) return false;
    }
  }
  return true;
}

/** Walks one top-level statement (or one expression of an if/try header) and records its Effects. */
class Walker {
  readonly fx: Effects = {
    reads: new Set(), binds: new Map(), mutates: new Set(), calls: new Set(), passes: new Map(), invoked: new Set(),
    training: null, sysPath: false, anyName: false, allNames: false, namespaces: new Set(), imports: false, aliases: [],
    later: emptyDeferred(),
  };
  /** compound statements around the current code: bindings there may not happen */
  private conditional = 0;

  block(node: SyntaxNode | null, scope: Scope): void {
    for (const c of node?.namedChildren ?? []) this.stmt(c, scope);
  }

  stmt(node: SyntaxNode, scope: Scope): void {
    switch (node.type) {
      case 'expression_statement': {
        for (const c of node.namedChildren) this.expr(c, scope);
        const only = node.namedChildren.length === 1 ? node.namedChildren[0] : null;
        const call = only?.type === 'await' ? only.namedChildren[0] : only;
        if (call?.type === 'call') this.discardedCall(call, scope);
        return;
      }
      case 'import_statement': case 'import_from_statement': case 'future_import_statement':
        this.fx.imports = true;
        for (const n of importedNames(node)) this.bind(n.name, scope, n.aliased, true);
        return;
      case 'decorated_definition': {
        for (const d of node.namedChildren) if (d.type === 'decorator') this.expr(d, scope);
        const definition = node.childForFieldName('definition');
        if (definition) this.stmt(definition, scope);
        return;
      }
      case 'function_definition':
        this.functionDef(node, scope);
        return;
      case 'class_definition':
        this.classDef(node, scope);
        return;
      case 'delete_statement':
        // `del x` fails unless x exists: it reads x
        for (const c of node.namedChildren) this.target(c, scope, 'update');
        return;
      case 'for_statement': {
        this.conditional++;
        const right = node.childForFieldName('right');
        if (right) { this.expr(right, scope); this.loopOver(right, scope); }
        this.target(node.childForFieldName('left'), scope, 'weak');
        // changing a loop variable's object changes the collection it came from
        const collection = chainRoot(right);
        if (collection && scope.kind === 'module') {
          for (const n of targetNamesOf(node.childForFieldName('left'))) this.fx.aliases.push([n, collection.text]);
        }
        this.compoundRest(node, scope, new Set(['left', 'right']));
        this.conditional--;
        return;
      }
      case 'if_statement': case 'while_statement': case 'with_statement': case 'try_statement': case 'match_statement':
      case 'case_clause':
        this.conditional++;
        this.compoundRest(node, scope, new Set());
        this.conditional--;
        return;
      case 'global_statement': case 'nonlocal_statement': case 'pass_statement': case 'break_statement':
      case 'continue_statement':
        return;
      default:
        for (const c of node.namedChildren) this.expr(c, scope);
    }
  }

  /** A compound statement's parts other than `skip`: blocks are statements, clauses recurse, the rest is read. */
  private compoundRest(node: SyntaxNode, scope: Scope, skip: Set<string>): void {
    const skipped = new Set(skip.size ? [...skip].flatMap((f) => node.childrenForFieldName(f)) : []);
    for (const c of node.namedChildren) {
      if (skipped.has(c)) continue;
      if (c.type === 'block') this.block(c, scope);
      else if (c.type.endsWith('_clause') && c.type !== 'with_clause') this.compoundRest(c, scope, new Set());
      else this.expr(c, scope);
    }
  }

  expr(node: SyntaxNode | null, scope: Scope): void {
    if (!node) return;
    switch (node.type) {
      case 'identifier':
        this.read(node.text, scope);
        return;
      case 'attribute':
        this.expr(node.childForFieldName('object'), scope);
        return;
      case 'keyword_argument':
        this.expr(node.childForFieldName('value'), scope);
        return;
      case 'call':
        this.call(node, scope);
        return;
      case 'lambda': {
        const params = node.childForFieldName('parameters');
        this.parameterParts(params, scope);
        this.expr(node.childForFieldName('body'), functionScope(params, node.childForFieldName('body'), scope));
        return;
      }
      case 'named_expression': {
        this.expr(node.childForFieldName('value'), scope);
        let s = scope;
        while (s.kind === 'comprehension' && s.parent) s = s.parent;
        this.target(node.childForFieldName('name'), s, 'weak');
        return;
      }
      case 'as_pattern':
        this.expr(node.namedChildren[0] ?? null, scope);
        this.target(node.childForFieldName('alias'), scope, 'weak');
        return;
      case 'assignment': case 'augmented_assignment':
        this.assignment(node, scope);
        return;
      case 'case_pattern':
        // capture patterns bind and value patterns read; both is the safe reading
        for (const id of node.descendantsOfType('identifier')) {
          this.read(id.text, scope);
          this.bind(id.text, scope, false, false);
        }
        return;
      case 'dotted_name':
        this.expr(node.namedChildren[0] ?? null, scope);
        return;
      default:
        if (COMPREHENSIONS.has(node.type)) this.comprehension(node, scope);
        else for (const c of node.namedChildren) this.expr(c, scope);
    }
  }

  private assignment(node: SyntaxNode, scope: Scope): void {
    const right = node.childForFieldName('right');
    if (node.type === 'augmented_assignment') {
      this.expr(right, scope);
      this.target(node.childForFieldName('left'), scope, 'update');
      return;
    }
    this.expr(node.childForFieldName('type'), scope);
    this.expr(right, scope);
    // a bare annotation (`x: int`) binds nothing at module level
    if (right) this.target(node.childForFieldName('left'), scope, 'plain');
    if (scope.kind === 'module') {
      this.alias(node.childForFieldName('left'), right);
      if (right?.type === 'call' && right.childForFieldName('function')?.text === 'globals') {
        for (const n of targetNamesOf(node.childForFieldName('left'))) this.fx.namespaces.add(n);
      }
    }
  }

  /**
   * Only bare names are followed: `x = opt.lr` shares nothing worth tracking, while following it would tie every
   * option to every name derived from one.
   */
  private alias(target: SyntaxNode | null, value: SyntaxNode | null): void {
    if (!target || !value) return;
    const same = value.type === 'identifier' || value.type === 'assignment';
    const sources = value.type === 'assignment' ? targetNamesOf(value.childForFieldName('left')) : targetNamesOf(value);
    if (target.type === 'attribute' || target.type === 'subscript') {
      const holder = chainRoot(target);
      if (holder) for (const v of sources) this.fx.aliases.push([v, holder.text]);
      return;
    }
    for (const t of targetNamesOf(target)) {
      for (const v of sources) {
        this.fx.aliases.push([v, t]);
        // the same object under two names (a container display only holds it)
        if (same || target.type !== 'identifier') this.fx.aliases.push([t, v]);
      }
    }
  }

  /** HOW: `plain` an assignment, `weak` a binding that may not happen, `update` one that reads the name first
   * (`x += 1`, `del x`). */
  private target(node: SyntaxNode | null, scope: Scope, how: 'plain' | 'weak' | 'update'): void {
    if (!node) return;
    if (node.type === 'identifier') {
      if (how === 'update') this.read(node.text, scope);
      this.bind(node.text, scope, how === 'plain', false);
    } else if (PATTERNS.has(node.type)) {
      for (const c of node.namedChildren) this.target(c, scope, how);
    } else if (node.type === 'attribute' || node.type === 'subscript') {
      if (node.type === 'attribute') this.expr(node.childForFieldName('object'), scope);
      else for (const c of node.namedChildren) this.expr(c, scope);
      if (squash(node.text) === 'sys.path') this.changesSysPath(scope);
      this.mutate(chainRoot(node), scope);
    } else {
      this.expr(node, scope);
    }
  }

  private read(name: string, scope: Scope): void {
    if (!isGlobal(name, scope)) return;
    (scope.deferred ? this.fx.later.reads : this.fx.reads).add(name);
  }

  private bind(name: string, scope: Scope, plain: boolean, imported: boolean): void {
    if (scope.kind === 'class' || scope.kind === 'comprehension') {
      scope.names.add(name);
    } else if (scope.kind === 'function') {
      if (scope.globals.has(name)) this.fx.later.binds.add(name);
    } else {
      const was = this.fx.binds.get(name);
      const now = plain && this.conditional === 0;
      this.fx.binds.set(name, { plain: (was?.plain ?? false) || now, imported: (was?.imported ?? true) && imported });
    }
  }

  private mutate(root: SyntaxNode | null, scope: Scope): void {
    if (!root || !isGlobal(root.text, scope)) return;
    (scope.deferred ? this.fx.later.mutates : this.fx.mutates).add(root.text);
  }

  private changesSysPath(scope: Scope): void {
    if (scope.deferred) this.fx.later.sysPath = true;
    else this.fx.sysPath = true;
  }

  /** The first training construct, else the first data loading one: "trains" is the stronger reason. */
  private found(t: Training, scope: Scope): void {
    const holder = scope.deferred ? this.fx.later : this.fx;
    if (!holder.training || (holder.training.kind === 'loads data' && t.kind === 'trains')) holder.training = t;
  }

  private call(node: SyntaxNode, scope: Scope): void {
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    this.expr(fn, scope);
    this.expr(args, scope);
    const download = args?.namedChildren.some((a) => a.type === 'keyword_argument'
      && a.childForFieldName('name')?.text === 'download' && a.childForFieldName('value')?.text === 'True');
    if (download) this.found({ kind: 'loads data', what: 'it downloads a dataset' }, scope);
    if (fn?.type === 'identifier') {
      const name = fn.text;
      if (isGlobal(name, scope)) (scope.deferred ? this.fx.later.calls : this.fx.calls).add(name);
      if (name === 'setattr') this.mutate(chainRoot(args?.namedChildren[0] ?? null), scope);
      if (NAMESPACE_CALLS.has(name) && isGlobal(name, scope)) {
        const holder = scope.deferred ? this.fx.later : this.fx;
        if (name === 'globals' || name === 'exec') holder.anyName = true;
        // vars(), dir() and locals() without an argument read the namespace only at module level
        if (name === 'globals' || name === 'exec' || (!args?.namedChildren.length && scope.kind === 'module')) holder.allNames = true;
      }
      if (name === 'DataLoader') this.found({ kind: 'loads data', what: 'it creates a DataLoader' }, scope);
    } else if (fn?.type === 'attribute') {
      const method = fn.childForFieldName('attribute')?.text ?? '';
      const object = fn.childForFieldName('object');
      const owner = object ? squash(object.text) : '';
      if (TRAINING_METHODS.has(method)) this.found({ kind: 'trains', what: `it calls .${method}()` }, scope);
      else if (method === 'save' && owner === 'torch') this.found({ kind: 'trains', what: 'it calls torch.save()' }, scope);
      else if (method === 'DataLoader') this.found({ kind: 'loads data', what: 'it creates a DataLoader' }, scope);
      if (MUTATING_METHODS.has(method)) this.mutate(chainRoot(object), scope);
      if ((owner === 'sys.path' && ['append', 'insert', 'extend'].includes(method)) || squash(fn.text) === 'site.addsitedir') {
        this.changesSysPath(scope);
      }
    }
  }

  /** A call whose value is thrown away is called for what it does: to its object, or to the names passed to it. */
  private discardedCall(node: SyntaxNode, scope: Scope): void {
    const fn = node.childForFieldName('function');
    if (fn?.type === 'attribute') {
      this.mutate(chainRoot(fn.childForFieldName('object')), scope);
    } else if (fn?.type === 'identifier' && isGlobal(fn.text, scope)) {
      if (!scope.deferred) this.fx.invoked.add(fn.text);
      for (const a of node.childForFieldName('arguments')?.namedChildren ?? []) {
        const value = a.type === 'keyword_argument' ? a.childForFieldName('value') : a;
        if (value?.type === 'identifier' && isGlobal(value.text, scope)) {
          addPass(scope.deferred ? this.fx.later.passes : this.fx.passes, fn.text, value.text);
        }
      }
    }
  }

  /** `for … in dataloader`, `enumerate(train_loader)`: iterating a loader loads data (and usually trains). */
  private loopOver(iterable: SyntaxNode, scope: Scope): void {
    const names = [iterable, ...iterable.descendantsOfType('identifier')].filter((n) => n.type === 'identifier');
    const loader = names.find((n) => /loader/i.test(n.text));
    if (loader) this.found({ kind: 'loads data', what: `it iterates over ${loader.text}` }, scope);
  }

  private comprehension(node: SyntaxNode, scope: Scope): void {
    const clauses = node.namedChildren.filter((c) => c.type === 'for_in_clause' || c.type === 'if_clause');
    const inner: Scope = { kind: 'comprehension', names: new Set(), globals: new Set(), parent: scope, deferred: scope.deferred };
    for (const c of clauses) if (c.type === 'for_in_clause') targetNames(c.childForFieldName('left'), inner.names);
    clauses.forEach((c, i) => {
      if (c.type === 'if_clause') {
        for (const e of c.namedChildren) this.expr(e, inner);
        return;
      }
      // Python evaluates the first iterable in the enclosing scope
      for (const right of c.childrenForFieldName('right')) {
        this.expr(right, i === 0 ? scope : inner);
        this.loopOver(right, scope);
      }
    });
    this.expr(node.childForFieldName('body'), inner);
  }

  /** Defaults and annotations are evaluated where the function is defined. */
  private parameterParts(params: SyntaxNode | null, scope: Scope): void {
    for (const p of params?.namedChildren ?? []) {
      this.expr(p.childForFieldName('value'), scope);
      this.expr(p.childForFieldName('type'), scope);
    }
  }

  private functionDef(node: SyntaxNode, scope: Scope): void {
    const params = node.childForFieldName('parameters');
    const body = node.childForFieldName('body');
    this.parameterParts(params, scope);
    this.expr(node.childForFieldName('return_type'), scope);
    const name = node.childForFieldName('name');
    // a function's __module__ (and a class's) is the module's __name__ when it is defined
    this.read('__name__', scope);
    if (name) this.bind(name.text, scope, true, false);
    this.block(body, functionScope(params, body, scope));
  }

  private classDef(node: SyntaxNode, scope: Scope): void {
    this.expr(node.childForFieldName('superclasses'), scope);
    this.read('__name__', scope);
    const inner: Scope = { kind: 'class', names: new Set(), globals: new Set(), parent: scope, deferred: scope.deferred };
    this.block(node.childForFieldName('body'), inner);
    const name = node.childForFieldName('name');
    if (name) this.bind(name.text, scope, true, false);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Units: top-level statements, and the statements inside top-level if/try

interface Unit {
  kind: 'unit';
  node: SyntaxNode;
  /** inside an if/try branch: it may not run, so it never makes earlier definitions unneeded */
  branch: boolean;
  headers: Header[];
  fx: Effects;
  /** kept whatever is needed: `from __future__`, star imports, the module docstring */
  always: boolean;
  /** in an except or else clause: the try bodies' statements, which decide whether it runs */
  raisers: Unit[];
  kept: boolean;
}

/** An if/try statement: kept when any statement inside it is. */
interface Header {
  kind: 'header';
  node: SyntaxNode;
  /** what its conditions or except types do */
  fx: Effects;
  /** what they read, the reads of the user's functions they call included */
  reads: Set<string>;
  items: Item[];
  kept: boolean;
}

type Item = Unit | Header;

function collect(statements: SyntaxNode[], headers: Header[], branch: boolean, units: Unit[]): Item[] {
  const items: Item[] = [];
  for (const node of statements) {
    // a backslash at the end of a statement's last line is a node of its own, not a statement
    if (node.type === 'line_continuation') continue;
    if (node.type === 'if_statement' || node.type === 'try_statement') {
      const walker = new Walker();
      const header: Header = { kind: 'header', node, fx: walker.fx, reads: walker.fx.reads, items: [], kept: false };
      const inner = [...headers, header];
      if (node.type === 'if_statement') {
        const blocks: SyntaxNode[] = [];
        walker.expr(node.childForFieldName('condition'), MODULE);
        blocks.push(...node.childrenForFieldName('consequence'));
        for (const alt of node.childrenForFieldName('alternative')) {
          walker.expr(alt.childForFieldName('condition'), MODULE);
          blocks.push(...alt.childrenForFieldName('consequence'), ...alt.childrenForFieldName('body'));
        }
        for (const b of blocks) header.items.push(...collect(b.namedChildren, inner, true, units));
      } else {
        let body: Unit[] = [];
        for (const c of node.namedChildren) {
          const first = units.length;
          if (c.type === 'block') {
            header.items.push(...collect(c.namedChildren, inner, true, units));
            body = units.slice(first);
            continue;
          }
          if (c.type === 'except_clause' || c.type === 'except_group_clause') {
            const value = c.childForFieldName('value');
            walker.expr(value?.type === 'as_pattern' ? value.namedChildren[0] ?? null : value, MODULE);
          }
          for (const b of c.namedChildren) if (b.type === 'block') header.items.push(...collect(b.namedChildren, inner, true, units));
          // an except clause runs when the body raises, an else clause when it does not: the body decides
          if (c.type !== 'finally_clause') for (const u of units.slice(first)) u.raisers.push(...body);
        }
      }
      items.push(header);
    } else {
      const walker = new Walker();
      walker.stmt(node, MODULE);
      const isDocstring = units.length === 0 && items.length === 0 && headers.length === 0
        && node.type === 'expression_statement' && node.namedChildren.length === 1
        && (node.namedChildren[0].type === 'string' || node.namedChildren[0].type === 'concatenated_string');
      const always = isDocstring || node.type === 'future_import_statement'
        || (node.type === 'import_from_statement' && node.namedChildren.some((c) => c.type === 'wildcard_import'));
      const unit: Unit = { kind: 'unit', node, branch, headers, fx: walker.fx, always, raisers: [], kept: false };
      units.push(unit);
      items.push(unit);
    }
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// What calling a user's function or class does, transitively

/** The function or class a statement defines (decorated or not), else null. */
function definitionOf(node: SyntaxNode): SyntaxNode | null {
  const def = node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
  return def?.type === 'function_definition' || def?.type === 'class_definition' ? def : null;
}

interface Summary extends Deferred {
  isClass: boolean;
  /** the callee a training construct was found in, when it was found in a function this one calls */
  via: string | null;
}

/** Summaries only grow while they are folded together, so an unchanged size means nothing was added. */
function size(s: Summary): number {
  let passes = 0;
  s.passes.forEach((names) => { passes += names.size; });
  return s.reads.size + s.calls.size + s.binds.size + s.mutates.size + passes + (s.training ? 1 : 0) + (s.sysPath ? 1 : 0)
    + (s.anyName ? 1 : 0) + (s.allNames ? 1 : 0);
}

function summarize(units: Unit[]): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const u of units) {
    const def = definitionOf(u.node);
    const name = def?.childForFieldName('name')?.text;
    if (!def || !name) continue;
    const l = u.fx.later;
    const s = out.get(name) ?? { ...emptyDeferred(), isClass: def.type === 'class_definition', via: null };
    // a name defined twice is summarized as both, whichever runs
    l.reads.forEach((n) => s.reads.add(n));
    l.binds.forEach((n) => s.binds.add(n));
    l.mutates.forEach((n) => s.mutates.add(n));
    l.calls.forEach((n) => s.calls.add(n));
    l.passes.forEach((names, callee) => names.forEach((n) => addPass(s.passes, callee, n)));
    if (!s.training || (s.training.kind === 'loads data' && l.training?.kind === 'trains')) s.training = l.training;
    s.sysPath ||= l.sysPath;
    s.anyName ||= l.anyName;
    s.allNames ||= l.allNames;
    out.set(name, s);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const s of out.values()) {
      for (const callee of [...s.calls]) {
        const c = out.get(callee);
        if (!c || c === s) continue;
        const before = size(s);
        fold(s, c, callee);
        if (size(s) !== before) changed = true;
      }
    }
  }
  return out;
}

/**
 * What calling CALLEE (summarized as C) adds to S. A class's summary is all its methods together: calling the class
 * runs __init__, which may change module names, but a model class may well have a training method too, which
 * building the model does not run, so a class passes on no training.
 */
function fold(s: Deferred & { via?: string | null }, c: Summary, callee: string): void {
  c.reads.forEach((n) => s.reads.add(n));
  c.calls.forEach((n) => s.calls.add(n));
  c.binds.forEach((n) => s.binds.add(n));
  c.mutates.forEach((n) => s.mutates.add(n));
  c.passes.forEach((names, k) => names.forEach((n) => addPass(s.passes, k, n)));
  s.sysPath ||= c.sysPath;
  s.anyName ||= c.anyName;
  s.allNames ||= c.allNames;
  if (!s.training && c.training && !c.isClass) {
    s.training = c.training;
    s.via = c.via ?? callee;
  }
}

/** A unit's effects with the effects of the user's functions it calls folded in. */
interface Resolved {
  reads: Set<string>;
  later: Set<string>;
  binds: Map<string, Binding>;
  /** non-import module names it may change */
  mutates: Set<string>;
  training: (Training & { via: string | null }) | null;
  sysPath: boolean;
  anyName: boolean;
  /** it reads every module name now */
  allNames: boolean;
  /** the functions it defines read every module name when called */
  allNamesLater: boolean;
}

/** name → the names whose objects change when its object changes (all units' aliases, not closed). */
function aliasEdges(units: Unit[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const u of units) {
    for (const [from, to] of u.fx.aliases) {
      const list = out.get(from);
      if (list) list.push(to); else out.set(from, [to]);
    }
  }
  return out;
}

interface Context {
  summaries: Map<string, Summary>;
  /** module names bound by something other than an import */
  userBound: Set<string>;
  aliases: Map<string, string[]>;
  namespaces: Set<string>;
}

function resolve(fx: Effects, { summaries, userBound, aliases, namespaces }: Context): Resolved {
  const reads = new Set(fx.reads);
  const binds = new Map(fx.binds);
  const mutates = new Set(fx.mutates);
  let training: Resolved['training'] = fx.training ? { ...fx.training, via: null } : null;
  let sysPath = fx.sysPath;
  let anyName = fx.anyName;
  let allNames = fx.allNames;
  const addPasses = (passes: Map<string, Set<string>>): void => {
    for (const [callee, names] of passes) if (userBound.has(callee)) names.forEach((n) => mutates.add(n));
  };
  addPasses(fx.passes);
  // a def'd function is not changed by being called (what it changes is in its summary); other callables may be
  for (const n of fx.invoked) if (!summaries.has(n)) mutates.add(n);
  // a function passed along (`net.apply(weights_init)`) may be called now: what it reads must exist now
  for (const name of fx.reads) {
    const s = summaries.get(name);
    if (s) s.reads.forEach((n) => reads.add(n));
  }
  const called: Deferred & { via: string | null } = { ...emptyDeferred(), via: null };
  for (const callee of fx.calls) {
    const s = summaries.get(callee);
    if (s) fold(called, s, callee);
  }
  called.binds.forEach((n) => { if (!binds.has(n)) binds.set(n, { plain: false, imported: false }); });
  called.mutates.forEach((n) => mutates.add(n));
  addPasses(called.passes);
  if (!training && called.training) training = { ...called.training, via: called.via };
  sysPath ||= called.sysPath;
  anyName ||= called.anyName;
  allNames ||= called.allNames;
  const pending = [...mutates];
  while (pending.length) {
    for (const other of aliases.get(pending.pop()!) ?? []) if (!mutates.has(other)) { mutates.add(other); pending.push(other); }
  }
  for (const n of mutates) if (namespaces.has(n)) anyName = true;
  for (const n of [...mutates]) if (!userBound.has(n)) mutates.delete(n);
  return { reads, later: fx.later.reads, binds, mutates, training, sysPath, anyName, allNames, allNamesLater: fx.later.allNames };
}

// ---------------------------------------------------------------------------------------------------------------
// The slice

function quoted(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

/**
 * SETS: the needed names the unit binds or changes; BOUND: whether it binds any (else it only changes them);
 * READER: the 0-based line of the kept statement that made the first of them needed, if any; WHY: the reason it
 * is kept when SETS is empty.
 */
function refusal(
  u: Unit, t: Training & { via: string | null }, sets: string[], bound: boolean, reader: number | null, why: string,
): SliceRefused {
  const line = u.node.startPosition.row;
  const loop = u.node.type === 'for_statement' || u.node.type === 'while_statement';
  const noun = loop ? 'loop' : u.node.type === 'with_statement' ? 'with block' : 'statement';
  const what = t.via ? `it calls ${t.via}(), which ${t.what.replace(/^it /, '')}` : t.what;
  const work = t.kind === 'trains' ? 'training' : 'data loading';
  const head = `line ${line + 1}: this ${noun} ${t.kind} at module level (${what})`;
  // Not "put it under if __name__ == '__main__':": the slice looks inside that guard too (argparse often lives
  // there), so a loop there that sets a needed name is kept all the same.
  const away = `move the ${work} into a function`;
  if (sets.length === 0) return new SliceRefused(`${head}, and building the models needs it: ${why}; ${away}`, line);
  const names = quoted(sets);
  const [verb, imperative] = bound ? ['sets', 'set'] : ['changes', 'change'];
  const needs = `which building the models needs${reader === null ? '' : ` (through line ${reader + 1})`}`;
  if (t.via) {
    return new SliceRefused(`${head} and ${verb} ${names}, ${needs}; ${imperative} ${names} at module level instead of `
      + `in ${t.via}(), or do not call ${t.via}() at module level`, line);
  }
  if (loop || noun === 'with block') {
    return new SliceRefused(`${head} and also ${verb} ${names}, ${needs}; ${imperative} ${names} before the ${noun} `
      + `instead of inside it, or ${away}`, line);
  }
  return new SliceRefused(`${head} and ${verb} ${names}, ${needs}; give ${names} a value that needs no ${work} `
    + `(a constant or an argparse option), or ${away}`, line);
}

function describe(node: SyntaxNode, text: string): SlicedStatement {
  const lineEnd = text.indexOf('\n', node.startIndex);
  const first = text.slice(node.startIndex, lineEnd < 0 || lineEnd > node.endIndex ? node.endIndex : lineEnd).trim();
  return {
    line: node.startPosition.row,
    endLine: node.endPosition.row,
    text: first.length > 80 ? `${first.slice(0, 79)}…` : first,
  };
}

/**
 * `root`: the module node of parsePython(parser, text).root; `text`: that parse's text; `needed`: the names the
 * caller reads after the module ran (e.g. ['Generator', 'Discriminator', 'ngpu', 'opt']).
 * Throws SliceRefused when a statement the needed names depend on trains or loads data.
 *
 * The body of `if __name__ == "__main__":` is sliced like any other branch (argparse often lives there), so run the
 * slice as the script would run: `__name__ == "__main__"`, `__file__` and `sys.argv` set.
 */
export function sliceModule(root: SyntaxNode, text: string, needed: string[]): ModuleSlice {
  const units: Unit[] = [];
  const items = collect(root.namedChildren, [], false, units);
  const summaries = summarize(units);
  const userBound = new Set<string>();
  for (const u of units) for (const [n, b] of u.fx.binds) if (!b.imported) userBound.add(n);
  for (const s of summaries.values()) s.binds.forEach((n) => userBound.add(n));
  const namespaces = new Set(units.flatMap((u) => [...u.fx.namespaces]));
  const context: Context = { summaries, userBound, aliases: aliasEdges(units), namespaces };
  const resolved = new Map(units.map((u) => [u, resolve(u.fx, context)]));
  for (const h of new Set(units.flatMap((u) => u.headers))) h.reads = resolve(h.fx, context).reads;

  // Function bodies read globals when called, after the module ran: those names are needed at the end, like
  // `needed` itself, and finding them may keep more definitions, so walk again until none are new.
  const atEnd = new Set(needed);
  for (;;) {
    const late = walkBack(units, resolved, new Map([...atEnd].map((n) => [n, null])));
    const before = atEnd.size;
    late.forEach((n) => atEnd.add(n));
    if (atEnd.size === before) break;
  }

  const kept: SlicedStatement[] = [];
  const omitted: SlicedStatement[] = [];
  const cuts: SyntaxNode[] = [];
  const emit = (list: Item[]): void => {
    for (const item of list) {
      if (item.kind === 'header' && item.kept) {
        emit(item.items);
      } else if (item.kept) {
        kept.push(describe(item.node, text));
      } else {
        omitted.push(describe(item.node, text));
        cuts.push(item.node);
      }
    }
  };
  emit(items);

  let source = '';
  let at = 0;
  for (const node of cuts) {
    source += text.slice(at, node.startIndex) + stub(text, node.startIndex, node.endIndex);
    at = node.endIndex;
  }
  source += text.slice(at);
  return { source, kept, omitted };
}

/**
 * `pass` and the removed range's line breaks, so every later line stays where it was. When code follows on the
 * range's last line (`print(x); nz = 8`), spaces keep that code's column, and a range over several lines is joined
 * with backslashes: a line starting with `; nz = 8` would not parse.
 */
function stub(text: string, start: number, end: number): string {
  const breaks = text.slice(start, end).match(/\r\n|\r|\n/g) ?? [];
  let stop = end;
  while (stop < text.length && text[stop] !== '\n' && text[stop] !== '\r') stop++;
  const rest = text.slice(end, stop).trim();
  if (rest === '' || rest.startsWith('#')) return `pass${breaks.join('')}`;
  const lastLine = end - 1 - Math.max(text.lastIndexOf('\n', end - 1), text.lastIndexOf('\r', end - 1));
  if (breaks.length === 0) return 'pass'.padEnd(end - start);
  return `pass \\${breaks.map((b, i) => (i === 0 ? b : `\\${b}`)).join('')}${' '.repeat(lastLine)}`;
}

/**
 * One backward pass: marks kept units and headers; returns the names kept function bodies read later.
 * `needed` maps each name to the 0-based line of the kept statement that reads it (null: needed at the end).
 */
function walkBack(units: Unit[], resolved: Map<Unit, Resolved>, needed: Map<string, number | null>): Set<string> {
  const late = new Set<string>();
  for (const u of units) u.kept = false;
  for (const u of units) for (const h of u.headers) h.kept = false;
  const need = (names: Set<string>, line: number): void => {
    for (const n of names) if (!needed.has(n)) needed.set(n, line);
  };
  let importAfter = false;
  /** try-body statements a kept except/else clause depends on → the 0-based line of that clause's statement */
  const raisers = new Map<Unit, number>();
  /** the 0-based line of a kept statement that reads every module name (`globals()`), if any */
  let readsAll: number | null = null;
  for (let i = units.length - 1; i >= 0; i--) {
    const u = units[i];
    const r = resolved.get(u)!;
    const sets = [...new Set([...r.binds.keys(), ...r.mutates])].filter((n) => needed.has(n));
    // why it is kept when it sets no needed name
    let why = '';
    if (sets.length === 0) {
      if (u.always) why = 'it is always kept';
      else if (raisers.has(u)) why = `it decides whether the except or else clause at line ${raisers.get(u)! + 1} runs`;
      else if (r.anyName && needed.size > 0) why = 'it may set any name (it calls globals() or exec())';
      else if (readsAll !== null && r.binds.size > 0) why = `line ${readsAll + 1} reads every module name (globals(), vars(), dir())`;
      // sys.path changes decide where the imports after them come from
      else if (r.sysPath && importAfter) why = 'the imports after it need its change to sys.path';
      else continue;
    }
    if (r.training) {
      const reader = sets.map((n) => needed.get(n) ?? null).find((l) => l !== null) ?? null;
      throw refusal(u, r.training, sets, sets.some((n) => r.binds.has(n)), reader, why);
    }
    u.kept = true;
    for (const b of u.raisers) if (!raisers.has(b)) raisers.set(b, u.node.startPosition.row);
    if (!u.branch) for (const [n, b] of r.binds) if (b.plain) needed.delete(n);
    need(r.reads, u.node.startPosition.row);
    r.later.forEach((n) => late.add(n));
    for (const h of u.headers) {
      h.kept = true;
      need(h.reads, h.node.startPosition.row);
      h.fx.later.reads.forEach((n) => late.add(n));
    }
    if (u.fx.imports) importAfter = true;
    if (r.allNames) readsAll ??= u.node.startPosition.row;
    // a kept function that looks names up in globals() reads, when called, any function or class defined
    if (r.allNamesLater) for (const v of units) if (definitionOf(v.node)) v.fx.binds.forEach((_, n) => late.add(n));
  }
  return late;
}
