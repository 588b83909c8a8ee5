/**
 * The shape diagram of a document: the generator and the discriminator layer by layer at a chosen input size,
 * the generator's output joined to the discriminator's input, and the sizes worth choosing. Pure data for the
 * diagram webview (src/protocol/diagram.ts), built from the document's analysis and its traced runs
 * (documentShapes); every shape and every error comes from the same trace the hovers and diagnostics use.
 *
 * The pair is found as training finds it (gan.ts filePair): the first class named like a generator and the first
 * named like a discriminator. A file without such a pair shows each model alone.
 */
import type { FileAnalysis } from './analysis';
import { DEFAULT_LENS_SIZES, isImage, type DocumentShapes, type ShapeSettings } from './documentShapes';
import { BudgetExceeded, PyException } from './python/errors';
import { STEP_BUDGET } from './python/interpreter';
import type { SyntaxNode } from './python/syntax';
import { tensor, type ModuleLike, type Py, type Shape } from './python/values';
import { registry } from './torch/registry';
import { namedModules } from './torchEnv';
import { TraceRecorder, isLeaf, shapeOf, whyUnknown, type Trace } from './trace';
import {
  formatShape, type DiagramData, type DiagramJoin, type DiagramLayer, type DiagramNet, type NetRole, type Range0, type ShapeData,
  type SizeOption, type ViewOption,
} from '../protocol/diagram';

/** the names gan.ts filePair picks a training pair by */
const GENERATOR = /gen|netg|^g$/i;
const DISCRIMINATOR = /disc|critic|netd|^d$/i;

export const PAIR_VIEW = 'pair';
export const modelView = (name: string): string => `model:${name}`;

export interface DiagramRequest {
  /** PAIR_VIEW or modelView(name); absent: the pair, else the first model */
  view?: string;
  /** the discriminator's (image model's) input size; absent: the file's own size */
  size?: number;
}

/** A model class the diagram can draw: its instance and the inputs it is called on. */
interface Subject {
  name: string;
  classLine: number;
  model: ModuleLike;
  inputs: Py[];
}

const rangeOf = (n: SyntaxNode): Range0 => ({ start: n.startPosition, end: n.endPosition });

/** The model classes of the document that have a traced run, with their inputs (the ones `check` would use). */
function subjects(analysis: FileAnalysis, shapes: DocumentShapes): Subject[] {
  const out: Subject[] = [];
  for (const cls of analysis.modelClasses()) {
    const run = shapes.runs.find((r) => r.run.model === cls.name && r.trace.inputs.every((s) => s !== null))
      ?? shapes.runs.find((r) => r.run.model === cls.name);
    if (!run) continue;
    // inferInput keeps dtypes (labels are int64); an example call's shapes are the fallback
    const inferred = analysis.inferInput(run.model);
    const inputs = inferred?.inputs ?? (run.trace.inputs.every((s) => s !== null) ? run.trace.inputs.map((s) => tensor(s as Shape)) : null);
    if (!inputs) continue;
    out.push({ name: cls.name, classLine: cls.line, model: run.model, inputs });
  }
  return out;
}

function findPair(list: Subject[]): { g: Subject; d: Subject } | null {
  const g = list.find((s) => GENERATOR.test(s.name) && !DISCRIMINATOR.test(s.name));
  const d = list.find((s) => DISCRIMINATOR.test(s.name));
  return g && d ? { g, d } : null;
}

/** The views the diagram offers: the pair first, then each other model alone. */
function viewsOf(list: Subject[]): ViewOption[] {
  const pair = findPair(list);
  const views: ViewOption[] = pair ? [{ id: PAIR_VIEW, label: `${pair.g.name} → ${pair.d.name}` }] : [];
  for (const s of list) if (!pair || (s !== pair.g && s !== pair.d)) views.push({ id: modelView(s.name), label: s.name });
  return views;
}

/** The view that shows CLASSNAME (the pair when it is the generator or the discriminator). */
export function viewFor(analysis: FileAnalysis, shapes: DocumentShapes, className: string): string {
  const pair = findPair(subjects(analysis, shapes));
  return pair && (pair.g.name === className || pair.d.name === className) ? PAIR_VIEW : modelView(className);
}

/** Where the "Show diagram" code lens goes: above each model class the diagram can draw. */
export function diagramLensTargets(analysis: FileAnalysis, shapes: DocumentShapes): { model: string; range: Range0 }[] {
  return analysis.modelClasses()
    .filter((c) => shapes.runs.some((r) => r.run.model === c.name))
    .map((c) => ({ model: c.name, range: { start: c.node.startPosition, end: c.node.startPosition } }));
}

/**
 * `model(*inputs)` traced as traceCall does, also keeping the input of the leaf that raised: PyTorch's forward
 * hooks do not run for a call that raises, so the trace has no row for it, but the diagram draws its box.
 */
function traceWithCulprit(analysis: FileAnalysis, model: ModuleLike, inputs: Py[]): { trace: Trace; culpritInput: ShapeData } {
  const interp = analysis.interp;
  const paths = new Map<ModuleLike, string>(namedModules(model).map(([p, m]) => [m, p]));
  const rec = new TraceRecorder(registry, paths, interp);
  const hooks = rec.hooks();
  let culprit: ModuleLike | null = null;
  let culpritInput: ShapeData = null;
  const saved = interp.hooks;
  interp.hooks = {
    ...hooks,
    exitModule: (m, args, result, error) => {
      if (error && !culprit && isLeaf(m) && paths.has(m)) {
        culprit = m;
        culpritInput = shapeOf(args.pos.find((a) => a.k === 'tensor') ?? null);
      }
      hooks.exitModule!(m, args, result, error);
    },
  };
  interp.resetBudget(STEP_BUDGET);
  let result: Py | null = null;
  try {
    result = interp.call(model, { pos: inputs, kw: new Map() });
  } catch (e) {
    if (e instanceof PyException) rec.recordError(e);
    else if (!(e instanceof BudgetExceeded)) throw e;
  } finally {
    interp.hooks = saved;
  }
  const trace: Trace = {
    inputs: inputs.map((i) => shapeOf(i) as Shape | null),
    output: rec.error ? null : shapeOf(result),
    outputWhy: rec.error ? undefined : whyUnknown(result),
    error: rec.error, calls: rec.calls, warnings: rec.warnings, sites: rec.sites,
    errorModule: rec.error ? rec.errorModule : null,
  };
  return { trace, culpritInput: rec.error && rec.errorModule === culprit ? culpritInput : null };
}

const plainShape = (s: ShapeData): Shape | null => (s && s.every((d) => typeof d === 'number') ? (s as Shape) : null);

/** The subject's inputs with every image input resized to SIZE×SIZE. */
function atSize(inputs: Py[], size: number | null): Py[] {
  if (size === null) return inputs;
  return inputs.map((t) => (t.k === 'tensor' && isImage(t.shape) ? tensor([t.shape[0], t.shape[1], size, size], t.dtype) : t));
}

const takesImages = (s: Subject): boolean => s.inputs[0]?.k === 'tensor' && isImage(s.inputs[0].shape);

function layersOf(trace: Trace, culpritInput: ShapeData): DiagramLayer[] {
  const layers: DiagramLayer[] = trace.calls.map((c) => ({
    path: c.path, type: c.type, line: c.line,
    range: c.module.node && c.module.node.file === '' ? rangeOf(c.module.node) : null,
    input: c.inputs[0] ?? null, output: c.output, error: null,
  }));
  const e = trace.error;
  if (e) {
    const node = trace.errorModule?.node;
    const lineRange: Range0 = { start: { row: e.line, column: 0 }, end: { row: e.line, column: 0 } };
    layers.push({
      path: e.module ?? `line ${e.line + 1}`,
      type: e.module !== null && e.moduleType ? e.moduleType : e.pyType,
      line: e.line,
      range: node && node.file === '' ? rangeOf(node) : e.file === '' ? lineRange : null,
      input: e.module !== null ? culpritInput : null,
      output: null,
      error: e.message,
    });
  }
  return layers;
}

/**
 * Why OUT is not one score per image for a batch of BATCH (e.g. "a 3×3 map per image, not one score"), or null.
 * Unknown and tuple outputs are not judged.
 */
export function scoreFlag(out: ShapeData, batch: number): string | null {
  if (!out || out.some((d) => typeof d !== 'number')) return null;
  const s = out as number[];
  if (s.length === 0) return null;
  if (s[0] === batch && s.slice(1).every((d) => d === 1)) return null;
  if (s.length === 4 && s[0] === batch && s[1] === 1) return `a ${s[2]}×${s[3]} map per image, not one score`;
  const total = s.reduce((x, y) => x * y, 1);
  const shown = `[${s.join(', ')}]`;
  // `.view(-1, 1).squeeze(1)` on a map: N·h·w values in a row
  if (total % batch === 0) return `${total / batch} values per image (${shown} for a batch of ${batch}), not one score`;
  return `${shown} for a batch of ${batch}, not one score per image`;
}

function inputLabel(shapes: ShapeData[], role: NetRole, size: number | null): string {
  const text = shapes.map((s) => formatShape(s)).join(', ');
  if (size !== null) return `${size}×${size} images ${text}`;
  return role === 'generator' ? `latent ${text}` : `input ${text}`;
}

function netOf(analysis: FileAnalysis, s: Subject, role: NetRole, size: number | null): DiagramNet {
  const inputs = atSize(s.inputs, takesImages(s) ? size : null);
  const { trace, culpritInput } = traceWithCulprit(analysis, s.model, inputs);
  const batch = trace.inputs[0]?.[0] ?? 1;
  const judge = role === 'discriminator' || (role === 'model' && DISCRIMINATOR.test(s.name));
  return {
    name: s.name, role, classLine: s.classLine,
    inputLabel: inputLabel(trace.inputs, role, takesImages(s) ? size : null),
    input: trace.inputs[0] ?? null,
    output: trace.output,
    layers: layersOf(trace, culpritInput),
    error: trace.error ? { message: trace.error.message, pyType: trace.error.pyType, line: trace.error.line } : null,
    outputFlag: judge && !trace.error ? scoreFlag(trace.output, batch) : null,
  };
}

function joinOf(g: DiagramNet, d: DiagramNet): DiagramJoin {
  const join: DiagramJoin = { from: g.name, to: d.name, shape: g.output, expected: d.input, mismatch: null };
  const out = g.output;
  const inp = d.input;
  if (!out || !inp || out.some((x) => typeof x !== 'number') || inp.some((x) => typeof x !== 'number')) return join;
  const o = out as number[];
  const i = inp as number[];
  const why: string[] = [];
  if (o.length === 4 && i.length === 4) {
    if (o[1] !== i[1]) why.push(`${g.name} makes ${o[1]}-channel images; ${d.name} takes ${i[1]} channel${i[1] === 1 ? '' : 's'}`);
    if (o[2] !== i[2] || o[3] !== i[3]) why.push(`${g.name} makes ${o[2]}×${o[3]} images; ${d.name} is shown at ${i[2]}×${i[3]}`);
  } else if (o.length !== i.length || o.slice(1).some((x, k) => x !== i[k + 1])) {
    why.push(`${g.name} outputs ${formatShape(o)}; ${d.name} takes ${formatShape(i)}`);
  }
  join.mismatch = why.length ? why.join('; ') : null;
  return join;
}

/** Whether SUBJECT runs at SIZE, and (for a discriminator) gives one score per image; the words of the code lens. */
function statusAt(analysis: FileAnalysis, s: Subject, size: number, judge: boolean): { ok: boolean; detail: string; output: ShapeData } {
  const inputs = atSize(s.inputs, size);
  const tr = analysis.trace(s.model, inputs);
  if (tr.error) return { ok: false, detail: tr.error.message.split('. ').pop() ?? tr.error.message, output: null };
  const flag = judge ? scoreFlag(tr.output, tr.inputs[0]?.[0] ?? 1) : null;
  if (flag) {
    const o = tr.output as number[];
    return { ok: false, detail: o.length === 4 && o[1] === 1 ? `${o[2]}×${o[3]} map` : flag.replace(/ \(.*\)/, '').replace(/, not one score.*/, ''), output: tr.output };
  }
  return { ok: true, detail: formatShape(tr.output), output: tr.output };
}

/** a coarse sweep (every 8 pixels up to 512) for the sizes that work, beside the code lens's sizes */
const SCAN: number[] = Array.from({ length: 64 }, (_, i) => 8 * (i + 1));
/** the scan is a nicety: a big model (a U-Net) gets fewer suggestions rather than a slow diagram */
const SCAN_MS = 150;

/**
 * Sizes to offer: the code lens's sizes, the configured ones, the file's own, and from a coarse sweep the first
 * size of each run of working sizes with the same output (at most four).
 */
function sizeOptions(analysis: FileAnalysis, s: Subject, judge: boolean, own: number[], settings: ShapeSettings, extra: number | undefined): SizeOption[] {
  const wanted = new Set<number>([...(settings.lensSizes ?? DEFAULT_LENS_SIZES), ...settings.inputSizes, ...own]);
  if (extra !== undefined) wanted.add(extra);
  let last: string | null = null;
  let found = 0;
  const deadline = performance.now() + SCAN_MS;
  for (const size of SCAN) {
    if (found >= 4 || performance.now() > deadline) break;
    const st = statusAt(analysis, s, size, judge);
    const key = st.ok ? JSON.stringify(st.output) : null;
    if (key !== null && key !== last && !wanted.has(size)) { wanted.add(size); found++; }
    last = key;
  }
  return [...wanted].filter((n) => Number.isInteger(n) && n >= 1 && n <= 4096).sort((a, b) => a - b)
    .map((size) => ({ size, ...omitOutput(statusAt(analysis, s, size, judge)), own: own.includes(size) }));
}

const omitOutput = ({ ok, detail }: { ok: boolean; detail: string }) => ({ ok, detail });

/** The sizes the file itself uses for SUBJECT: its image-size constant and the sizes of its example calls. */
function ownSizes(analysis: FileAnalysis, s: Subject): number[] {
  const out = new Set<number>();
  const c = analysis.imageSizeConstant();
  if (c !== null) out.add(c);
  for (const e of analysis.examples) {
    const shape = e.trace.inputs[0];
    if (e.className === s.name && shape && isImage(shape) && shape[2] === shape[3]) out.add(shape[2]);
  }
  return [...out];
}

/** Build the diagram of VIEW at SIZE (defaults: the pair, at the size its generator makes). */
export function buildDiagram(analysis: FileAnalysis, shapes: DocumentShapes, settings: ShapeSettings, req: DiagramRequest, file: string): DiagramData {
  const list = subjects(analysis, shapes);
  const views = viewsOf(list);
  const empty = (why: string): DiagramData => ({ file, view: '', views, size: null, sizes: [], nets: [], join: null, empty: why });
  if (list.length === 0) {
    const classes = analysis.modelClasses();
    return empty(classes.length === 0
      ? 'No nn.Module class in this file.'
      : `None of ${classes.map((c) => c.name).join(', ')} could be built and traced (see the Problems panel).`);
  }
  const view = views.some((v) => v.id === req.view) ? req.view! : views[0].id;
  const pair = view === PAIR_VIEW ? findPair(list) : null;
  if (pair) {
    const g0 = netOf(analysis, pair.g, 'generator', null);
    const gOut = g0.output;
    const gSize = gOut && gOut.length === 4 && gOut.every((x) => typeof x === 'number') && gOut[2] === gOut[3] ? gOut[2] as number : null;
    const own = [...new Set([...(gSize !== null ? [gSize] : []), ...ownSizes(analysis, pair.d)])];
    const dImages = takesImages(pair.d);
    const size = dImages ? req.size ?? own[0] ?? settings.inputSizes[0] : null;
    // a generator that takes images (pix2pix) is drawn at the chosen size too
    const g = takesImages(pair.g) ? netOf(analysis, pair.g, 'generator', size) : g0;
    // a discriminator without image inputs (audio, flat vectors) is drawn on what the generator makes
    const gShape = plainShape(g.output);
    const dSubject = !dImages && gShape && pair.d.inputs[0]?.k === 'tensor'
      ? { ...pair.d, inputs: [tensor(gShape, pair.d.inputs[0].dtype), ...pair.d.inputs.slice(1)] } : pair.d;
    const d = netOf(analysis, dSubject, 'discriminator', size);
    const sizes = dImages ? sizeOptions(analysis, pair.d, true, own, settings, size ?? undefined) : [];
    return { file, view, views, size, sizes, nets: [g, d], join: joinOf(g, d), empty: null };
  }
  const name = view.startsWith('model:') ? view.slice('model:'.length) : list[0].name;
  const s = list.find((x) => x.name === name) ?? list[0];
  const images = takesImages(s);
  const own = ownSizes(analysis, s);
  const size = images ? req.size ?? own[0] ?? settings.inputSizes[0] : null;
  const role: NetRole = 'model';
  const sizes = images ? sizeOptions(analysis, s, DISCRIMINATOR.test(s.name), own, settings, size ?? undefined) : [];
  return { file, view: modelView(s.name), views, size, sizes, nets: [netOf(analysis, s, role, size)], join: null, empty: null };
}
