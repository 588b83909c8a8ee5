/**
 * The words and positions of what the editor shows, from `documentShapes` (pure: no 'vscode').
 * src/vscode/ wraps these in VS Code's types; unit tests read them directly.
 */
import { DIAGNOSTIC_TITLES, fmtShape, type DiagnosticView, type DocumentShapes, type LayerRow, type LayerView, type LensView, type Range0, type SiteView } from './documentShapes';
import type { Point } from './python/syntax';

const contains = (r: Range0, p: Point): boolean =>
  (p.row > r.start.row || (p.row === r.start.row && p.column >= r.start.column)) &&
  (p.row < r.end.row || (p.row === r.end.row && p.column <= r.end.column));

const size = (r: Range0) => (r.end.row - r.start.row) * 100_000 + (r.end.column - r.start.column);

/** The innermost layer construction or call site under a position. */
export function itemAt(shapes: DocumentShapes, p: Point): { kind: 'layer'; view: LayerView } | { kind: 'site'; view: SiteView } | null {
  const hits: ({ kind: 'layer'; view: LayerView } | { kind: 'site'; view: SiteView })[] = [
    ...shapes.layers.filter((l) => contains(l.range, p)).map((view) => ({ kind: 'layer' as const, view })),
    ...shapes.sites.filter((s) => contains(s.range, p)).map((view) => ({ kind: 'site' as const, view })),
  ];
  hits.sort((a, b) => size(a.view.range) - size(b.view.range));
  return hits[0] ?? null;
}

function rowLine(r: LayerRow, showRun: boolean): string {
  const io = `${r.inputs.map((s) => fmtShape(s)).join(', ') || '?'} → ${r.error ? `✗ ${r.error}` : fmtShape(r.output)}`;
  return `${showRun ? `*${r.run.model} at ${r.run.label}*: ` : ''}\`${r.path}\` ${io}`;
}

/** Markdown for a hover over a layer (its construction) or a call in forward. */
export function hoverMarkdown(item: { kind: 'layer'; view: LayerView } | { kind: 'site'; view: SiteView }): string {
  const v = item.view;
  const rows = dedupeRows(v.rows);
  const runs = new Set(rows.map((r) => `${r.run.model}|${r.run.label}`));
  const lines: string[] = [];
  const params = item.kind === 'layer' ? item.view.params : null;
  lines.push(`**${v.type}**${params !== null ? ` · ${params.toLocaleString('en-US')} parameters` : ''}`);
  lines.push('');
  for (const r of rows.slice(0, 12)) lines.push(`- ${rowLine(r, runs.size > 1 || rows.length > 1)}`);
  if (rows.length > 12) lines.push(`- … ${rows.length - 12} more`);
  if (item.kind === 'layer' && item.view.formula.length) {
    // one formula per line (a Markdown hard break), not one paragraph
    lines.push('', item.view.formula.map((f) => `\`${f}\``).join('  \n'));
  }
  return lines.join('\n');
}

function dedupeRows(rows: LayerRow[]): LayerRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = `${r.run.model}|${r.run.label}|${r.path}|${JSON.stringify(r.inputs)}|${JSON.stringify(r.output)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export interface InlayHintView { position: Point; label: string; tooltip: string }

/**
 * `→ [N, 128, 16, 16]` at the end of each layer's line (the end of its construction call), at the primary traced
 * size only: the model's first run (the file's first example call, else the first of `dcganLab.inputSizes`), its
 * first use for a layer called in a loop; when that run raised before the layer, the first run that reached it,
 * named. One shape per line keeps the hints inside the editor; every size stays in the hover and the tooltip.
 */
export function inlayHints(shapes: DocumentShapes, lineLength: (row: number) => number): InlayHintView[] {
  const byLine = new Map<number, LayerView[]>();
  for (const l of shapes.layers) {
    const row = l.range.end.row;
    byLine.set(row, [...(byLine.get(row) ?? []), l]);
  }
  const out: InlayHintView[] = [];
  for (const [row, views] of byLine) {
    if (views.length !== 1) continue; // several layers on one line: the hover tells them apart
    const v = views[0];
    const first = v.rows[0];
    if (!first) continue;
    // the model's primary run did not reach this layer (it raised before): the shape says which run it is from
    const primary = shapes.runs.find((r) => r.run.model === first.run.model)?.run;
    out.push({
      position: { row, column: lineLength(row) },
      label: ` → ${fmtShape(first.output)}${primary && primary !== first.run ? ` at ${first.run.label}` : ''}`,
      tooltip: dedupeRows(v.rows).slice(0, 6).map((r) => rowLine(r, true)).join('\n'),
    });
  }
  return out.sort((a, b) => a.position.row - b.position.row);
}

/** "64 ✓ · 96 ✗ · 128 ✗" */
export function lensTitle(lens: LensView): string {
  return lens.sizes.map((s) => `${s.size} ${s.ok ? '✓' : '✗'}`).join(' · ');
}

export function lensTooltip(lens: LensView): string {
  return lens.sizes.map((s) => `${s.size}×${s.size}: ${s.ok ? s.detail : `✗ ${s.detail}`}`).join('\n');
}

/** The README section a diagnostic code links to. */
export function diagnosticAnchor(d: DiagnosticView): string {
  return `#${d.code.toLowerCase()}-${DIAGNOSTIC_TITLES[d.code].toLowerCase().replace(/[^a-z0-9 ]/g, '').replace(/ +/g, '-')}`;
}
