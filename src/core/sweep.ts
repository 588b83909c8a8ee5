/**
 * The size sweep: which square input sizes an image model accepts, and what it outputs at each.
 * The model is built once; only forward() is re-traced per size.
 */
import type { FileAnalysis } from './analysis';
import { tensor, type ModuleLike, type Shape } from './python/values';
import type { ShapeOut, TraceError } from './trace';

export interface SweepPoint {
  size: number;
  ok: boolean;
  output: ShapeOut;
  error: TraceError | null;
}

export interface SweepSegment {
  from: number;
  to: number;
  ok: boolean;
  /** the output at `from` (segments group sizes with the same output shape or the same error) */
  output: ShapeOut;
  error: TraceError | null;
}

export interface Sweep {
  points: SweepPoint[];
  segments: SweepSegment[];
  /** sizes in the range that work */
  working: number[];
  summary: string;
}

export const DEFAULT_SWEEP: [number, number] = [8, 1024];

/** Sweep the last two dims of a 4-D (or last dim of a 3-D) input over [from, to]. */
export function sweepSizes(analysis: FileAnalysis, model: ModuleLike, base: Shape, range: [number, number] = DEFAULT_SWEEP, step = 1): Sweep {
  const points: SweepPoint[] = [];
  for (let s = range[0]; s <= range[1]; s += step) {
    const shape = base.length >= 4 ? [...base.slice(0, -2), s, s] : [...base.slice(0, -1), s];
    const tr = analysis.trace(model, [tensor(shape)]);
    points.push({ size: s, ok: tr.error === null, output: tr.output, error: tr.error });
  }
  const segments: SweepSegment[] = [];
  for (const p of points) {
    const last = segments[segments.length - 1];
    if (last && last.to === p.size - step && segmentKey(last) === pointKey(p)) last.to = p.size;
    else segments.push({ from: p.size, to: p.size, ok: p.ok, output: p.output, error: p.error });
  }
  const working = points.filter((p) => p.ok).map((p) => p.size);
  return { points, segments, working, summary: summarize(segments, points) };
}

function spatial(out: ShapeOut): string {
  if (!out) return 'unknown';
  if (out.length > 0 && Array.isArray(out[0])) return (out as ShapeOut[]).map(spatial).join(' + ');
  const s = out as number[];
  if (s.length >= 4) return s.slice(2).join('×');
  return `[${s.join(', ')}]`;
}

const pointKey = (p: { ok: boolean; output: ShapeOut; error: TraceError | null }): string =>
  p.ok ? `ok:${spatial(p.output)}` : `err:${p.error?.module ?? ''}:${p.error?.message.replace(/\d+/g, '#')}`;
const segmentKey = pointKey;

const range = (a: number, b: number) => (a === b ? `${a}` : `${a}–${b}`);

/** e.g. "1×1 at 64–79; 2×2 at 80–95; …; error at 8–63 in `disc.8` (Kernel size can't be greater …)" */
function summarize(segments: SweepSegment[], points: SweepPoint[]): string {
  const ok = segments.filter((s) => s.ok);
  const bad = segments.filter((s) => !s.ok);
  const parts: string[] = [];
  if (ok.length === 0) parts.push('no size works');
  else if (bad.length === 0 && ok.length === 1) parts.push(`every size works (output ${spatial(ok[0].output)})`);
  else {
    const shown = ok.slice(0, 6).map((s) => `${spatial(s.output)} at ${range(s.from, s.to)}`);
    if (ok.length > 6) shown.push(`… (${ok.length} output sizes in all)`);
    parts.push(shown.join('; '));
  }
  // errors grouped by what PyTorch says (numbers aside), each with the layer that raised it at which sizes
  const errs = new Map<string, { from: number; to: number; e: TraceError; where: string[] }>();
  for (const seg of bad) {
    const e = seg.error!;
    const k = e.message.replace(/\d+/g, '#');
    const cur = errs.get(k) ?? { from: seg.from, to: seg.to, e, where: [] };
    cur.from = Math.min(cur.from, seg.from);
    cur.to = Math.max(cur.to, seg.to);
    if (e.module) cur.where.push(`\`${e.module}\` at ${range(seg.from, seg.to)}`);
    errs.set(k, cur);
  }
  for (const { from, to, e, where } of errs.values()) {
    const msg = e.message.length > 100 ? e.message.slice(e.message.lastIndexOf('. ', e.message.length - 3) + 2) : e.message;
    parts.push(`error at ${range(from, to)}: ${msg}${where.length ? ` (${where.join(', ')})` : ''}`);
  }
  return parts.join('; ');
}
