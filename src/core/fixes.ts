/**
 * Quick fixes computed from the size formulas. Each candidate edit is applied to the text and the result is
 * analysed again: a fix is offered only when the model it is about then checks clean at the diagnosed size.
 */
import type { FileAnalysis } from './analysis';
import { documentShapes, type DiagnosticView, type Range0, type ShapeSettings } from './documentShapes';
import type { Point, SyntaxNode } from './python/syntax';
import type { ModuleLike } from './python/values';
import { registry } from './torch/registry';

export interface TextEdit { range: Range0; newText: string }

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** the diagnostic it resolves */
  diagnostic: DiagnosticView;
  /** the preferred fix for its diagnostic (VS Code's isPreferred) */
  preferred: boolean;
}

/** Apply edits given in 0-based row/column (UTF-16) to text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const offset = (p: Point) => Math.min(text.length, (starts[p.row] ?? text.length) + p.column);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

const rangeOf = (n: SyntaxNode): Range0 => ({ start: n.startPosition, end: n.endPosition });

/** Replace (or add as a keyword) one constructor argument of a layer call such as `nn.Conv2d(3, 64, 4, 2, 1)`. */
export function setArgument(call: SyntaxNode, type: string, param: string, value: string): TextEdit | null {
  const def = registry.modules.get(type);
  const args = call.childForFieldName('arguments');
  if (!def || !args || args.type !== 'argument_list') return null;
  const index = def.signature.findIndex((p) => p.name === param);
  const kw = args.namedChildren.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === param);
  if (kw) return { range: rangeOf(kw.childForFieldName('value')!), newText: value };
  const positional = args.namedChildren.filter((a) => a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat');
  if (args.namedChildren.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return null;
  if (index >= 0 && index < positional.length) return { range: rangeOf(positional[index]), newText: value };
  // not written: add it as a keyword before the closing parenthesis
  const close = args.endPosition;
  const at = { row: close.row, column: close.column - 1 };
  return { range: { start: at, end: at }, newText: `${args.namedChildren.length ? ', ' : ''}${param}=${value}` };
}

/** The `nn.` prefix a call uses for torch.nn classes (`nn.`, `torch.nn.`, or none). */
function nnPrefix(call: SyntaxNode): string {
  const f = call.childForFieldName('function')?.text ?? '';
  const dot = f.lastIndexOf('.');
  return dot >= 0 ? f.slice(0, dot + 1) : '';
}

interface Candidate { title: string; edits: TextEdit[]; preferred?: boolean }

function layerNodeOf(m: ModuleLike | null | undefined): SyntaxNode | null {
  return m && m.node && m.node.file === '' ? m.node : null;
}

/** Candidate fixes for one diagnostic, before verification. */
function candidates(analysis: FileAnalysis, d: DiagnosticView, settings: ShapeSettings): Candidate[] {
  const shapes = documentShapes(analysis, { ...settings, resizeInfo: false });
  const run = shapes.runs.find((r) => r.run.model === d.data?.model && (d.data?.size === null || r.run.size === d.data?.size));
  if (!run) return [];
  const tr = run.trace;
  const out: Candidate[] = [];
  if (d.code === 'DL001' && tr.error && tr.errorModule) {
    const m = tr.errorModule;
    const call = layerNodeOf(m);
    const type = m.k === 'torchmodule' ? m.type : '';
    const msg = tr.error.message;
    if (call && type) {
      let r: RegExpMatchArray | null;
      if ((r = msg.match(/mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)/)) && type === 'Linear') {
        const e = setArgument(call, type, 'in_features', r[2]);
        if (e) out.push({ title: `Set in_features of ${type} to ${r[2]} (the features it receives)`, edits: [e], preferred: true });
      }
      if ((r = msg.match(/running_mean should contain (\d+) elements not (\d+)/)) && /Norm/.test(type)) {
        const e = setArgument(call, type, 'num_features', r[1]);
        if (e) out.push({ title: `Set num_features of ${type} to ${r[1]} (the channels it receives)`, edits: [e], preferred: true });
      }
      if ((r = msg.match(/to have (\d+) channels, but got (\d+) channels instead/)) && /^Conv/.test(type)) {
        const e = setArgument(call, type, 'in_channels', r[2]);
        if (e) out.push({ title: `Set in_channels of ${type} to ${r[2]} (the channels it receives)`, edits: [e], preferred: true });
      }
      if ((r = msg.match(/Calculated padded input size per channel: \((\d+) x (\d+)\)\. Kernel size: \((\d+) x (\d+)\)/)) && /^Conv\dd$/.test(type) && r[1] === r[2]) {
        // PyTorch: H_out = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 = 1 when k equals the padded size (dilation 1)
        const e = setArgument(call, type, 'kernel_size', r[1]);
        if (e) out.push({ title: `Set kernel_size of ${type} to ${r[1]} so it fits its ${r[1]}×${r[1]} padded input`, edits: [e], preferred: true });
      }
    }
  }
  if (d.code === 'DL002') {
    const convs = tr.calls.filter((c) => c.type === 'Conv2d' && layerNodeOf(c.module));
    const last = convs[convs.length - 1];
    if (last && last.inputs[0] && last.inputs[0].length === 4 && last.module.k === 'torchmodule') {
      const h = last.inputs[0][2];
      const w = last.inputs[0][3];
      const pad = last.module.args.get('padding');
      const p = pad && pad.k === 'int' ? pad.v : 0;
      if (h === w) {
        const e = setArgument(last.module.node!, 'Conv2d', 'kernel_size', String(h + 2 * p));
        if (e) out.push({ title: `Set the final Conv2d's kernel_size to ${h + 2 * p} so the output is 1×1 at ${run.run.label}`, edits: [e], preferred: true });
      }
      const node = last.module.node!;
      if (node.parent && (node.parent.type === 'argument_list' || node.parent.type === 'list')) {
        out.push({
          title: 'Insert nn.AdaptiveAvgPool2d(1) after the final Conv2d (one score per image at any size)',
          edits: [{ range: { start: node.endPosition, end: node.endPosition }, newText: `, ${nnPrefix(node)}AdaptiveAvgPool2d(1)` }],
        });
      }
    }
  }
  return out;
}

/** Fixes for a diagnostic, each verified: the edited file must check clean for the diagnosed model and size. */
export function fixesFor(analysis: FileAnalysis, d: DiagnosticView, settings: ShapeSettings): Fix[] {
  if (!d.data) return [];
  const fixes: Fix[] = [];
  for (const c of candidates(analysis, d, settings)) {
    const text = applyEdits(analysis.text, c.edits);
    const after = analysis.reanalyse(text);
    const shapes = documentShapes(after, { ...settings, inputSizes: d.data.size ? [d.data.size] : settings.inputSizes, resizeInfo: false });
    const still = shapes.diagnostics.some((x) => x.data?.model === d.data!.model && (x.code === 'DL001' || x.code === 'DL002' || x.code === 'DL003')
      && (d.data!.size === null || x.data?.size === d.data!.size || x.data?.size === null));
    const traced = shapes.runs.some((r) => r.run.model === d.data!.model && !r.trace.error);
    if (!still && traced) fixes.push({ title: c.title, edits: c.edits, diagnostic: d, preferred: c.preferred ?? false });
  }
  return fixes;
}
