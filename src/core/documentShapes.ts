/**
 * What the editor shows for one Python document, as plain data with 0-based ranges: the shapes of every layer
 * (for hovers and inlay hints), of every module call written in `forward` (hovers), the diagnostics, and the code
 * lenses. src/vscode/ converts these to VS Code's types in one small place.
 *
 * Which calls are traced: the file's own example calls (`netD(torch.randn(1, 3, 64, 64))`); for a model class
 * without one, its module-level instance or its defaults, on an inferred input at each size of
 * `dcganLab.inputSizes` (image inputs) — the same inputs `dcgan-lab check` would use.
 */
import type { FileAnalysis } from './analysis';
import type { Point, SyntaxNode } from './python/syntax';
import { tensor, type ModuleLike, type Py, type Shape } from './python/values';
import { registry } from './torch/registry';
import type { ShapeOut, Trace, TraceError } from './trace';
import { PyException } from './python/errors';

export interface Range0 { start: Point; end: Point }

/** One traced run of a model: what the rows below are "at". */
export interface RunLabel {
  model: string;
  /** e.g. "64×64", "example call (line 31)" */
  label: string;
  size: number | null;
}

export interface LayerRow {
  run: RunLabel;
  path: string;
  inputs: (Shape | null)[];
  output: ShapeOut;
  /** the layer raised here */
  error: string | null;
}

export interface LayerView {
  /** the construction call, `nn.Conv2d(...)` */
  range: Range0;
  type: string;
  params: number | null;
  rows: LayerRow[];
  /** the size formula of the first run with known shapes, numbers substituted */
  formula: string[];
}

export interface SiteView {
  /** the call in forward, `self.conv(x)` */
  range: Range0;
  type: string;
  rows: LayerRow[];
}

/** 'hint': shown in the editor as faint dots, not listed in the Problems panel (DL007, one per resizing layer) */
export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface DiagnosticView {
  range: Range0;
  severity: Severity;
  /** stable code (also the README section: `#dl001-…`) */
  code: DiagnosticCode;
  message: string;
  /** for quick fixes: the model, the run and the error it is about */
  data?: { model: string; size: number | null; module: string | null; errorMessage?: string };
}

export type DiagnosticCode = 'DL001' | 'DL002' | 'DL003' | 'DL004' | 'DL005' | 'DL006' | 'DL007';

export const DIAGNOSTIC_TITLES: Record<DiagnosticCode, string> = {
  DL001: 'shape error (PyTorch raises)',
  DL002: 'discriminator returns a map, not one score per image',
  DL003: 'generator output the discriminator does not accept',
  DL004: 'batch dimension lost at batch size 1',
  DL005: 'PyTorch warning',
  DL006: 'model works only for some input sizes',
  DL007: 'layer resizes its input',
};

export interface LensView {
  range: Range0;
  model: string;
  /** per size: ok, and what it gives */
  sizes: { size: number; ok: boolean; detail: string }[];
}

export interface DocumentShapes {
  layers: LayerView[];
  sites: SiteView[];
  diagnostics: DiagnosticView[];
  lenses: LensView[];
  runs: { run: RunLabel; trace: Trace; model: ModuleLike }[];
}

export interface ShapeSettings {
  /** image sizes to trace models at (`dcganLab.inputSizes`) */
  inputSizes: number[];
  /** sizes shown in the code lens */
  lensSizes?: number[];
  /** hint-level diagnostics on layers that resize their input */
  resizeInfo?: boolean;
}

export const DEFAULT_LENS_SIZES = [32, 64, 96, 128, 256];

const rangeOf = (n: SyntaxNode): Range0 => ({ start: n.startPosition, end: n.endPosition });
const lineRange = (line: number): Range0 => ({ start: { row: line, column: 0 }, end: { row: line, column: 10_000 } });
const key = (r: Range0) => `${r.start.row}:${r.start.column}`;

const isDiscriminatorName = (name: string) => /disc|critic|^d$|netd|patch/i.test(name);
const isGeneratorName = (name: string) => /gen|^g$|netg|decoder/i.test(name);

/** `[N, 128, 16, 16]`: the batch dimension is shown as N. */
export function fmtShape(s: ShapeOut, batchAsN = true): string {
  if (s === null) return '?';
  if (s.some((d) => d === null || Array.isArray(d))) return `(${(s as ShapeOut[]).map((x) => fmtShape(x, batchAsN)).join(', ')})`;
  const dims = (s as number[]).map(String);
  if (batchAsN && dims.length >= 2) dims[0] = 'N';
  return `[${dims.join(', ')}]`;
}

function spatial(s: ShapeOut): string | null {
  if (!s || s.some((d) => d === null || Array.isArray(d)) || s.length < 3) return null;
  return (s as number[]).slice(2).join('×');
}

function withSize(shape: Shape, size: number): Shape {
  return isImage(shape) ? [shape[0], shape[1], size, size] : shape;
}

/** An image batch [N, C, H, W] (a latent [N, nz, 1, 1] is not one: its "size" is not an image size). */
export function isImage(shape: Shape | null): shape is Shape {
  return shape !== null && shape.length === 4 && shape[2] > 1 && shape[3] > 1;
}

/** The runs of one model class: example calls, or its instance on inferred inputs at each size. */
function runsFor(analysis: FileAnalysis, cls: string, sizes: number[]): { run: RunLabel; trace: Trace; model: ModuleLike; inputs: Py[] | null }[] {
  const examples = analysis.examples.filter((e) => e.className === cls);
  if (examples.length > 0) {
    return examples.map((e) => {
      const s = e.trace.inputs[0];
      const size = s && s.length === 4 && s[2] === s[3] ? s[2] : null;
      return { run: { model: cls, label: `example call (line ${e.line + 1})`, size }, trace: e.trace, model: e.model, inputs: null };
    });
  }
  let model: ModuleLike;
  try {
    model = analysis.instantiate(cls).model;
  } catch (e) {
    if (e instanceof PyException) return [];
    throw e;
  }
  const inferred = analysis.inferInput(model);
  if (!inferred) return [];
  const base = inferred.inputs[0];
  const list = base.k === 'tensor' && isImage(base.shape) ? sizes : [null];
  return list.map((size) => {
    const inputs = size === null ? inferred.inputs : inferred.inputs.map((t) => (t.k === 'tensor' && isImage(t.shape) ? tensor(withSize(t.shape, size), t.dtype) : t));
    const trace = analysis.trace(model, inputs);
    return { run: { model: cls, label: size === null ? 'inferred input' : `${size}×${size}`, size }, trace, model, inputs };
  });
}

/** Compute everything the editor shows for a document. */
export function documentShapes(analysis: FileAnalysis, settings: ShapeSettings): DocumentShapes {
  const layers = new Map<string, LayerView>();
  const sites = new Map<string, SiteView>();
  const diagnostics: DiagnosticView[] = [];
  const lenses: LensView[] = [];
  const allRuns: DocumentShapes['runs'] = [];
  const seenDiag = new Set<string>();
  const addDiag = (d: DiagnosticView) => {
    const k = `${key(d.range)}|${d.code}|${d.message}`;
    if (!seenDiag.has(k)) { seenDiag.add(k); diagnostics.push(d); }
  };
  const classes = analysis.modelClasses();
  const outputs = new Map<string, { trace: Trace; model: ModuleLike }>();

  for (const cls of classes) {
    const runs = runsFor(analysis, cls.name, settings.inputSizes);
    for (const { run, trace, model } of runs) {
      allRuns.push({ run, trace, model });
      if (!outputs.has(cls.name) && !trace.error) outputs.set(cls.name, { trace, model });
      collectLayers(trace, run, layers);
      for (const s of trace.sites) {
        if (s.node.file !== '') continue;
        const r = rangeOf(s.node);
        const view = sites.get(key(r)) ?? { range: r, type: s.type, rows: [] };
        view.rows.push({ run, path: s.path, inputs: s.inputs, output: s.output, error: s.failed ? 'raises' : null });
        sites.set(key(r), view);
      }
      if (trace.error) addDiag(errorDiagnostic(trace.error, trace, run));
      for (const w of trace.warnings) {
        const squeeze = w.message.startsWith('.squeeze()');
        addDiag({ range: lineRange(w.line), severity: 'warning', code: squeeze ? 'DL004' : 'DL005', message: squeeze ? w.message : `PyTorch warns: ${w.message}`, data: { model: cls.name, size: run.size, module: null } });
      }
    }
    const discMap = runs.find((r) => isDiscriminatorName(cls.name) && !r.trace.error && isScoreMap(r.trace.output));
    const lensSizes = [...new Set([...(settings.lensSizes ?? DEFAULT_LENS_SIZES), ...settings.inputSizes])].sort((a, b) => a - b);
    const lens = lensFor(analysis, cls.name, lensSizes, runs.map((r) => r.model)[0] ?? null, runs.find((r) => r.inputs)?.inputs ?? runInputs(runs[0]?.trace));
    if (lens) lenses.push({ ...lens, range: rangeOf(cls.node) });
    if (discMap) {
      const out = discMap.trace.output as number[];
      const one = lens?.sizes.filter((s) => s.ok).map((s) => s.size) ?? [];
      const nameNode = cls.node.childForFieldName('name') ?? cls.node;
      addDiag({
        range: rangeOf(nameNode), severity: 'warning', code: 'DL002',
        message: `${cls.name} returns a ${out.slice(2).join('×')} map per image at ${discMap.run.label}, not one score: a loss that compares it with one label per image fails or broadcasts.${one.length ? ` It gives one score per image at ${one.join(', ')}.` : ''}`,
        data: { model: cls.name, size: discMap.run.size, module: null },
      });
    }
    if (lens && lens.sizes.some((s) => !s.ok) && lens.sizes.some((s) => s.ok)) {
      const nameNode = cls.node.childForFieldName('name') ?? cls.node;
      addDiag({
        range: rangeOf(nameNode), severity: 'information', code: 'DL006',
        message: `${cls.name} works at ${lens.sizes.filter((s) => s.ok).map((s) => s.size).join(', ')} but not at ${lens.sizes.filter((s) => !s.ok).map((s) => `${s.size} (${s.detail})`).join(', ')}.`,
        data: { model: cls.name, size: null, module: null },
      });
    }
  }
  generatorFeedsDiscriminator(analysis, classes.map((c) => c.name), outputs, addDiag, classes);
  if (settings.resizeInfo !== false) {
    for (const l of layers.values()) {
      const row = l.rows.find((r) => r.output && r.inputs[0]);
      if (!row || !registry.modules.get(l.type)?.resizes) continue;
      const a = spatial(row.inputs[0]);
      const b = spatial(row.output);
      if (a && b && a !== b) addDiag({ range: l.range, severity: 'hint', code: 'DL007', message: `${l.type} resizes ${a} → ${b} (at ${row.run.label})` });
    }
  }
  return { layers: [...layers.values()], sites: [...sites.values()], diagnostics, lenses, runs: allRuns };
}

function runInputs(trace: Trace | undefined): Py[] | null {
  if (!trace || trace.inputs.some((s) => s === null)) return null;
  return trace.inputs.map((s) => tensor(s as Shape));
}

/** A [N, 1, h, w] output with h·w > 1: one map per image where one score is usual. */
function isScoreMap(out: ShapeOut): boolean {
  if (!out || out.length !== 4 || out.some((d) => typeof d !== 'number')) return false;
  const s = out as number[];
  return s[1] === 1 && s[2] * s[3] > 1;
}

function collectLayers(trace: Trace, run: RunLabel, layers: Map<string, LayerView>): void {
  for (const c of trace.calls) {
    const node = c.module.node;
    if (!node || node.file !== '') continue;
    const r = rangeOf(node);
    let view = layers.get(key(r));
    if (!view) {
      view = { range: r, type: c.type, params: c.params, rows: [], formula: [] };
      layers.set(key(r), view);
    }
    view.rows.push({ run, path: c.path, inputs: c.inputs, output: c.output, error: null });
    if (view.formula.length === 0 && c.module.k === 'torchmodule' && c.inputs[0] && Array.isArray(c.output) && c.output.every((d) => typeof d === 'number')) {
      const def = registry.modules.get(c.module.type);
      if (def?.formula && c.module.why === undefined) {
        try {
          view.formula = def.formula(c.module.cfg, c.inputs[0], c.output as number[]);
        } catch { /* a formula is a nicety */ }
      }
    }
  }
}

function errorDiagnostic(e: TraceError, trace: Trace, run: RunLabel): DiagnosticView {
  const culprit = e.module !== null ? findModuleNode(trace, e) : null;
  const range = culprit ?? lineRange(e.line);
  const at = run.size !== null ? `at ${run.label} input` : `in the ${run.label}`;
  return {
    range, severity: 'error', code: 'DL001',
    message: `${e.message}\n${e.pyType} in ${e.module ? `\`${e.module}\` (${e.moduleType})` : run.model} ${at} ${fmtShape(trace.inputs[0] ?? null)}`,
    data: { model: run.model, size: run.size, module: e.module, errorMessage: e.message },
  };
}

/** The construction range of the layer that raised (TraceError keeps its line; the module keeps its node). */
function findModuleNode(trace: Trace, e: TraceError): Range0 | null {
  const m = trace.errorModule;
  if (m && m.node && m.node.file === '') return rangeOf(m.node);
  return e.file === '' ? lineRange(e.line) : null;
}

/** Lens statuses: ok means PyTorch runs it, and for a discriminator that it gives one score per image. */
function lensFor(analysis: FileAnalysis, cls: string, sizes: number[], model: ModuleLike | null, inputs: Py[] | null): Omit<LensView, 'range'> | null {
  if (!model || !inputs) return null;
  const base = inputs[0];
  if (base.k !== 'tensor' || !isImage(base.shape)) return null;
  const disc = isDiscriminatorName(cls);
  const out = sizes.map((size) => {
    const tr = analysis.trace(model, inputs.map((t) => (t.k === 'tensor' && isImage(t.shape) ? tensor(withSize(t.shape, size), t.dtype) : t)));
    if (tr.error) return { size, ok: false, detail: tr.error.message.split('. ').pop() ?? tr.error.message };
    if (disc && isScoreMap(tr.output)) return { size, ok: false, detail: `${spatial(tr.output)} map` };
    return { size, ok: true, detail: fmtShape(tr.output) };
  });
  return { model: cls, sizes: out };
}

/** A generator whose output the file's discriminator rejects (or turns into a map). */
function generatorFeedsDiscriminator(
  analysis: FileAnalysis, names: string[], outputs: Map<string, { trace: Trace; model: ModuleLike }>,
  addDiag: (d: DiagnosticView) => void, classes: { name: string; node: SyntaxNode }[],
): void {
  const gens = names.filter((n) => isGeneratorName(n) && !isDiscriminatorName(n) && outputs.has(n));
  const discs = names.filter((n) => isDiscriminatorName(n) && outputs.has(n));
  if (gens.length !== 1 || discs.length !== 1) return;
  const g = outputs.get(gens[0])!;
  const d = outputs.get(discs[0])!;
  const out = g.trace.output;
  if (!out || out.some((x) => typeof x !== 'number') || out.length !== 4) return;
  const dIn = d.trace.inputs;
  if (dIn.length !== 1) return;
  const tr = analysis.trace(d.model, [tensor(out as number[])]);
  if (!tr.error) return;
  const cls = classes.find((c) => c.name === gens[0])!;
  addDiag({
    range: rangeOf(cls.node.childForFieldName('name') ?? cls.node), severity: 'warning', code: 'DL003',
    message: `${gens[0]} outputs ${fmtShape(out)}, which ${discs[0]} rejects: ${tr.error.message}`,
    data: { model: gens[0], size: null, module: null },
  });
}
