/** The readable report of a check (a torchinfo-like table), shared by the CLI and the editor's output channel. */
import path from 'node:path';
import type { CheckResult } from './check';
import { fmtShape } from './documentShapes';

export function renderResult(file: string, r: CheckResult): string {
  const lines: string[] = [];
  const where = r.line ? `${file}:${r.line}` : file;
  lines.push(`${r.model}  (${where}; input ${r.inputs.map((x) => fmtShape(x, false)).join(', ') || '?'} from ${r.source})`);
  const at = (line: number, f?: string) => (f ? `${f}:${line}` : `${line}`);
  const rows = r.modules.map((m) => [`${m.path}`, m.type, fmtShape(m.output, false), m.params === null ? '?' : m.params.toLocaleString('en-US'), at(m.line, m.file)]);
  if (r.error && r.error.module) rows.push([r.error.module, r.error.moduleType ?? '', `✗ ${r.error.type}`, '', at(r.error.line, r.error.file)]);
  const head = ['Layer', 'Type', 'Output shape', 'Params', 'Line'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  lines.push(rule, line(head), rule, ...rows.map(line), rule);
  lines.push(`Parameters: ${r.params === null ? 'unknown (a layer\'s configuration is unknown)' : r.params.toLocaleString('en-US')}`);
  if (r.error) lines.push(`✗ ${r.error.type}: ${r.error.message}`, `  at ${r.error.file ? path.join(path.dirname(file), r.error.file) : file}:${r.error.line}${r.error.module ? ` (${r.error.module})` : ''}`);
  else lines.push(`Output: ${fmtShape(r.output, false)}${r.output === null && r.outputWhy ? ` (unknown: ${r.outputWhy})` : ''}`);
  for (const w of r.warnings) lines.push(`⚠ ${file}:${w.line}: ${w.message}`);
  if (r.sweep) lines.push(`Sweep 8–1024: ${r.sweep.summary}`);
  return `${lines.join('\n')}\n\n`;
}
