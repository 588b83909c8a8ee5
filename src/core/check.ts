/**
 * `check`: the answer for one model call, as plain data (the CLI's JSON contract is built from it).
 * Lines in this module's results are 1-based, as users read them; the rest of core/ is 0-based.
 */
import { FileAnalysis, type ExampleCall } from './analysis';
import { BudgetExceeded, PyException } from './python/errors';
import type { ModuleLike, Py, Shape } from './python/values';
import { sweepSizes, type Sweep } from './sweep';
import type { ShapeOut, Trace } from './trace';

export interface CheckModuleRow {
  path: string;
  type: string;
  line: number;
  /** set when the module was constructed in another (imported) file */
  file?: string;
  output: ShapeOut;
  /** extension: input shapes, parameter count, why the output is unknown */
  inputs: (Shape | null)[];
  params: number | null;
  why?: string;
}

export interface CheckResult {
  model: string;
  output: ShapeOut;
  error: { message: string; line: number; module: string | null; type: string; moduleType?: string | null; file?: string } | null;
  modules: CheckModuleRow[];
  /** extensions to the contract */
  inputs: (Shape | null)[];
  warnings: { message: string; line: number }[];
  /** where the input came from: "example call at line 31", "--input", "inferred: …" */
  source: string;
  /** where the constructor arguments came from */
  built: string;
  /** parameters of the whole model (null when a layer's configuration is unknown) */
  params: number | null;
  outputWhy?: string;
  sweep?: { summary: string; working: number[]; segments: Sweep['segments'] };
  line?: number;
}

export function resultFromTrace(model: string, trace: Trace, source: string, built: string, params: number | null): CheckResult {
  return {
    model,
    params,
    output: trace.output,
    error: trace.error ? { message: trace.error.message, line: trace.error.line + 1, module: trace.error.module, type: trace.error.pyType, moduleType: trace.error.moduleType, ...(trace.error.file ? { file: trace.error.file } : {}) } : null,
    modules: trace.calls.map((c) => ({ path: c.path, type: c.type, line: c.line + 1, ...(c.file ? { file: c.file } : {}), output: c.output, inputs: c.inputs, params: c.params, ...(c.why && c.output === null ? { why: c.why } : {}) })),
    inputs: trace.inputs,
    warnings: trace.warnings.map((w) => ({ message: w.message, line: w.line + 1 })),
    source,
    built,
    ...(trace.outputWhy && trace.output === null && !trace.error ? { outputWhy: trace.outputWhy } : {}),
  };
}

export interface CheckRequest {
  model: string;
  ctor?: string;
  /** an instance to check instead of building one */
  instance?: ModuleLike;
  inputs: string[];
  sweep?: boolean;
}

/** Build the model, evaluate the inputs, trace the call. Python errors while building are reported as the result's error. */
export function checkModel(analysis: FileAnalysis, req: CheckRequest): CheckResult {
  try {
    return checkModelUnguarded(analysis, req);
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    // too deep or too long to evaluate statically (runaway recursion in a half-typed file): unknown, not an error
    return { ...errorResult(req.model, new PyException('RecursionError', e.why, 0), 'constructor'), error: null, outputWhy: `${e.why}: not evaluated statically` };
  }
}

function checkModelUnguarded(analysis: FileAnalysis, req: CheckRequest): CheckResult {
  let model: ModuleLike;
  let built: string;
  try {
    ({ model, how: built } = req.instance ? { model: req.instance, how: 'the file' } : analysis.instantiate(req.model, req.ctor));
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
    return errorResult(req.model, e, 'constructor');
  }
  let inputs: Py[];
  let source: string;
  if (req.inputs.length > 0) {
    try {
      inputs = req.inputs.map((i) => analysis.evaluate(i));
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      return errorResult(req.model, e, 'input');
    }
    source = '--input';
  } else {
    const inferred = analysis.inferInput(model);
    if (!inferred) {
      return { ...errorResult(req.model, new PyException('ValueError', `cannot infer an input for ${req.model}: pass --input "torch.randn(…)"`, 0), 'input'), error: null, output: null, outputWhy: 'no input given and none could be inferred' };
    }
    inputs = inferred.inputs;
    source = inferred.how;
  }
  const result = resultFromTrace(req.model, analysis.trace(model, inputs), source, built, analysis.paramCount(model));
  if (req.sweep) attachSweep(analysis, model, result);
  return result;
}

export function attachSweep(analysis: FileAnalysis, model: ModuleLike, result: CheckResult): void {
  const base = result.inputs[0];
  // only image-like inputs have a size to sweep: a latent [N, nz, 1, 1] does not
  const image = base && ((base.length === 4 && base[2] > 1 && base[3] > 1) || (base.length === 3 && base[2] > 1));
  if (!image || result.inputs.length !== 1) return;
  const s = sweepSizes(analysis, model, base);
  result.sweep = { summary: s.summary, working: s.working, segments: s.segments };
}

function errorResult(model: string, e: PyException, stage: string): CheckResult {
  return {
    model, output: null,
    error: { message: e.message.split('\n')[0], line: e.line + 1, module: null, type: e.pyType, ...(e.file ? { file: e.file } : {}) },
    modules: [], inputs: [], warnings: [], source: stage, built: stage, params: null,
  };
}

/** Every analysis the file offers without being told a model: its example calls, then each class with an inferred input. */
export function checkFile(analysis: FileAnalysis, opts: { sweep?: boolean } = {}): CheckResult[] {
  const out: CheckResult[] = [];
  const exampleClasses = new Set<string>();
  const swept = new Set<ModuleLike>();
  for (const ex of analysis.examples) {
    exampleClasses.add(ex.className);
    const r = resultFromTrace(ex.className, ex.trace, `example call at line ${ex.line + 1}`, 'the file', analysis.paramCount(ex.model));
    r.line = ex.line + 1;
    // one sweep per model: its other example calls would repeat it
    if (opts.sweep && !swept.has(ex.model)) { attachSweep(analysis, ex.model, r); if (r.sweep) swept.add(ex.model); }
    out.push(r);
  }
  // models the file builds at module level (a training script's `generator = GeneratorUNet()`, classes often imported)
  for (const [name, v] of analysis.interp.globals.vars) {
    if (v.k !== 'object' || !v.isModule || v.cls.node === null || exampleClasses.has(v.cls.name)) continue;
    exampleClasses.add(v.cls.name);
    const r = checkModel(analysis, { model: v.cls.name, inputs: [], sweep: opts.sweep, instance: v });
    r.built = `the file's instance \`${name}\``;
    r.line = v.line + 1;
    out.push(r);
  }
  for (const cls of analysis.modelClasses()) {
    if (exampleClasses.has(cls.name)) continue;
    let r = checkModel(analysis, { model: cls.name, inputs: [], sweep: opts.sweep });
    if (r.built === 'constructor' && r.error?.type === 'TypeError' && /missing \d+ required/.test(r.error.message)) {
      // not a shape problem: the class needs arguments the file never gives it
      r = { ...r, error: null, outputWhy: `not built: ${r.error.message}; check it with --model ${cls.name} --ctor "(…)"` };
    }
    r.line = cls.line + 1;
    out.push(r);
  }
  return out;
}

export type { ExampleCall };
