/**
 * The shape diagram's data and the messages between the extension host and the diagram webview.
 * DOM-safe (the webview imports it): no node or vscode imports. src/core/diagram.ts builds `DiagramData`;
 * the host sends it; the webview renders it and posts user intents back, each checked by `parseDiagramRequest`
 * before the host acts on it.
 */
import { ProtocolError, fields, num, oneOf, record, str } from './validate';

/** 0-based position, as tree-sitter gives it */
export interface Pos0 { row: number; column: number }
export interface Range0 { start: Pos0; end: Pos0 }

/** A tensor shape; a nested list for a tuple output; null when unknown. */
export type ShapeData = number[] | ShapeData[] | null;

/** One leaf-module call, in execution order. */
export interface DiagramLayer {
  /** `named_modules()` path relative to the model (`main.3`); for an error outside a layer, `line N` */
  path: string;
  /** `Conv2d`, or the exception type for an error raised outside a layer */
  type: string;
  /** 0-based line of the layer's construction (or of the failing operation) */
  line: number;
  /** where clicking reveals: the construction call in this file; null when it is in another file */
  range: Range0 | null;
  /** the first tensor argument */
  input: ShapeData;
  /** null when unknown or when the call raised */
  output: ShapeData;
  /** PyTorch's message when this call raised (the same words as the DL001 diagnostic) */
  error: string | null;
}

export type NetRole = 'generator' | 'discriminator' | 'model';

export interface DiagramNet {
  name: string;
  role: NetRole;
  /** 0-based line of `class X` */
  classLine: number;
  /** what it was called on: "latent [N, 100, 1, 1]", "128×128 images [N, 3, 128, 128]" */
  inputLabel: string;
  input: ShapeData;
  output: ShapeData;
  layers: DiagramLayer[];
  /** PyTorch's error when the model raises, with its exception type */
  error: { message: string; pyType: string; line: number } | null;
  /** the output is not what the role needs, e.g. "a 3×3 map per image, not one score" */
  outputFlag: string | null;
}

/** The generator's output given to the discriminator. */
export interface DiagramJoin {
  from: string;
  to: string;
  /** the generator's output */
  shape: ShapeData;
  /** the discriminator's input at the chosen size */
  expected: ShapeData;
  /** why they do not fit (size or channels), null when they do */
  mismatch: string | null;
}

export interface SizeOption {
  size: number;
  /** the model(s) run at this size and the discriminator gives one score per image */
  ok: boolean;
  /** "[N, 1, 1, 1]", "3×3 map", "Kernel size can't be greater than actual input size" */
  detail: string;
  /** the file's own size (its image-size constant, an example call, the generator's output) */
  own: boolean;
}

export interface ViewOption {
  /** 'pair' or 'model:ClassName' */
  id: string;
  label: string;
}

export interface DiagramData {
  /** the file name shown in the title */
  file: string;
  view: string;
  views: ViewOption[];
  /** the discriminator's (or the image model's) input size; null for a model without an image input */
  size: number | null;
  sizes: SizeOption[];
  /** one net, or the generator then the discriminator */
  nets: DiagramNet[];
  join: DiagramJoin | null;
  /** why there is nothing to draw, when nets is empty */
  empty: string | null;
}

// ───────────── host → webview ─────────────

/** Sent by the host after the webview said 'ready', after each re-analysis of the document, on a new size or view, and on a theme change. */
export interface ShowDiagramMessage { type: 'diagram'; data: DiagramData }

/** Sent by the host while the document is being analysed for the first time. */
export interface LoadingMessage { type: 'loading'; file: string }

export type HostToDiagram = ShowDiagramMessage | LoadingMessage;

// ───────────── webview → host ─────────────

/** Sent once the webview's script runs: the host replies with the current diagram. */
export interface ReadyRequest { type: 'ready' }
/** The user chose an input size in the size selector. */
export interface SelectSizeRequest { type: 'selectSize'; size: number }
/** The user chose which model (or the generator/discriminator pair) to draw. */
export interface SelectViewRequest { type: 'selectView'; view: string }
/** The user clicked a layer: reveal its source in the editor. */
export interface RevealRequest { type: 'reveal'; range: Range0 }

export type DiagramToHost = ReadyRequest | SelectSizeRequest | SelectViewRequest | RevealRequest;

export const MAX_SIZE = 4096;

function wholeNumber(min: number, max: number) {
  return (x: unknown, p: string): void => {
    num(x, p);
    if (!Number.isInteger(x) || (x as number) < min || (x as number) > max) throw new ProtocolError(p, `a whole number from ${min} to ${max}`, x);
  };
}

function pos(x: unknown, p: string): void {
  fields(x, p, { row: wholeNumber(0, 10_000_000), column: wholeNumber(0, 10_000_000) });
}

function range(x: unknown, p: string): void {
  const r = fields(x, p, { start: pos, end: pos });
  const s = r.start as Pos0;
  const e = r.end as Pos0;
  if (e.row < s.row || (e.row === s.row && e.column < s.column)) throw new ProtocolError(`${p}.end`, 'a position after start', x);
}

/** Checks a message from the webview; throws ProtocolError naming the first bad field. */
export function parseDiagramRequest(x: unknown): DiagramToHost {
  const m = record(x, 'message');
  oneOf(m.type, ['ready', 'selectSize', 'selectView', 'reveal'], 'message.type');
  if (m.type === 'ready') return { type: 'ready' };
  if (m.type === 'selectSize') {
    fields(m, 'message', { size: wholeNumber(1, MAX_SIZE) });
    return { type: 'selectSize', size: m.size as number };
  }
  if (m.type === 'selectView') {
    fields(m, 'message', { view: str });
    return { type: 'selectView', view: m.view as string };
  }
  fields(m, 'message', { range });
  const r = m.range as Range0;
  // a fresh object: nothing the webview added rides along
  return { type: 'reveal', range: { start: { row: r.start.row, column: r.start.column }, end: { row: r.end.row, column: r.end.column } } };
}

/** `[N, 128, 16, 16]`: the batch dimension is shown as N (the same words as the hovers). */
export function formatShape(s: ShapeData): string {
  if (s === null) return '?';
  if (s.some((d) => d === null || Array.isArray(d))) return `(${(s as ShapeData[]).map(formatShape).join(', ')})`;
  const dims = (s as number[]).map(String);
  if (dims.length >= 2) dims[0] = 'N';
  return `[${dims.join(', ')}]`;
}
