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

/**
 * The stages of an `nn.Sequential(...)` literal around its final conv: a stage is a stride-2 conv of the given
 * type and the layers after it up to the next conv. Returns null when the layers are not written out in one call.
 */
function stagesBefore(final: SyntaxNode, convType: string): { list: SyntaxNode[]; stages: SyntaxNode[][] } | null {
  const list = final.parent;
  if (!list || list.type !== 'argument_list') return null;
  const items = list.namedChildren;
  const end = items.indexOf(final);
  const isConv = (n: SyntaxNode) => n.type === 'call' && /(^|\.)(Conv\d?d|ConvTranspose\dd)$/.test(n.childForFieldName('function')?.text ?? '');
  const stages: SyntaxNode[][] = [];
  for (let i = 0; i < end; i++) {
    const n = items[i];
    if (isConv(n)) {
      const fnName = n.childForFieldName('function')!.text;
      stages.push(fnName.endsWith(convType) ? [n] : []);
    } else if (stages.length) {
      stages[stages.length - 1].push(n);
    }
  }
  return { list: items, stages: stages.filter((s) => s.length > 0 && strideOf(s[0]) === '2') };
}

function positionalArgs(call: SyntaxNode): SyntaxNode[] {
  return call.childForFieldName('arguments')?.namedChildren ?? [];
}

function strideOf(call: SyntaxNode): string | null {
  const args = positionalArgs(call);
  const kw = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'stride');
  if (kw) return kw.childForFieldName('value')!.text;
  const pos = args.filter((a) => a.type !== 'keyword_argument');
  return pos[3]?.text ?? null;
}

/** Text of the line a node starts on, up to the node: its indentation when the node starts the line. */
function indentBefore(text: string, n: SyntaxNode): string | null {
  const line = text.split('\n')[n.startPosition.row] ?? '';
  const before = line.slice(0, n.startPosition.column);
  return /^\s*$/.test(before) ? before : null;
}

/** Add a copy of the last stride-2 stage before the final conv (channels kept), or remove the last one. */
function stageFixes(text: string, final: SyntaxNode, convType: string, label: string, noun: string): Candidate[] {
  const found = stagesBefore(final, convType);
  if (!found || found.stages.length === 0) return [];
  const last = found.stages[found.stages.length - 1];
  const conv = last[0];
  const args = positionalArgs(conv);
  const pos = args.filter((a) => a.type !== 'keyword_argument');
  if (pos.length < 2) return [];
  const out: Candidate[] = [];
  const outText = pos[1].text;
  const rest = args.filter((a) => a !== pos[0] && a !== pos[1]).map((a) => a.text);
  const copy = [`${conv.childForFieldName('function')!.text}(${[outText, outText, ...rest].join(', ')})`, ...last.slice(1).map((n) => n.text)];
  const indent = indentBefore(text, final);
  const at = { row: final.startPosition.row, column: indent !== null ? 0 : final.startPosition.column };
  out.push({
    title: `Add ${noun === 'upsampling' ? 'an' : 'a'} ${noun} stage before the final ${convType} (${label})`,
    edits: [{ range: { start: at, end: at }, newText: indent !== null ? copy.map((c) => `${indent}${c},\n`).join('') : `${copy.join(', ')}, ` }],
  });
  // removing the last stage: the final conv then takes that stage's input channels
  const finalIn = positionalArgs(final).filter((a) => a.type !== 'keyword_argument')[0];
  if (finalIn) {
    const startIndent = indentBefore(text, conv);
    const from = startIndent !== null ? { row: conv.startPosition.row, column: 0 } : conv.startPosition;
    const to = indent !== null && startIndent !== null ? { row: final.startPosition.row, column: 0 } : final.startPosition;
    out.push({
      title: `Remove the last ${noun} stage (${label})`,
      edits: [{ range: { start: from, end: to }, newText: '' }, { range: rangeOf(finalIn), newText: pos[0].text }],
    });
  }
  return out;
}

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
        // the input is too small for this many halvings: one fewer
        out.push(...stageFixes(analysis.text, call, type, `for ${run.run.label} input`, 'downsampling').filter((c) => c.title.startsWith('Remove')));
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
      out.push(...stageFixes(analysis.text, node, 'Conv2d', `one score per image at ${run.run.label}`, 'downsampling').filter((c) => c.title.startsWith('Add')));
      if (node.parent && (node.parent.type === 'argument_list' || node.parent.type === 'list')) {
        out.push({
          title: 'Insert nn.AdaptiveAvgPool2d(1) after the final Conv2d (one score per image at any size)',
          edits: [{ range: { start: node.endPosition, end: node.endPosition }, newText: `, ${nnPrefix(node)}AdaptiveAvgPool2d(1)` }],
        });
      }
    }
  }
  if (d.code === 'DL003') {
    // the generator's image does not fit the discriminator: one more or one fewer upsampling stage
    const ups = tr.calls.filter((c) => c.type === 'ConvTranspose2d' && layerNodeOf(c.module));
    const lastUp = ups[ups.length - 1];
    if (lastUp) out.push(...stageFixes(analysis.text, lastUp.module.node!, 'ConvTranspose2d', 'to match the discriminator', 'upsampling'));
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
