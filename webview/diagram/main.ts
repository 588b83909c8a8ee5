/**
 * The shape diagram webview: draws what the host sends (src/protocol/diagram.ts) and posts the user's intents
 * back (a size, a view, a layer to reveal). It keeps no model state: a reload asks the host again ('ready').
 *
 * Each layer is a box: its height grows with the spatial size and its width with the channel count (both on a
 * log scale, clamped), so a generator widens-and-grows and a discriminator shrinks as data flows down.
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import './style.css';
import { onThemeChange } from '../common/theme';
import { formatShape, type DiagramData, type DiagramLayer, type DiagramNet, type DiagramToHost, type HostToDiagram, type ShapeData } from '../../src/protocol/diagram';

declare function acquireVsCodeApi(): { postMessage(m: DiagramToHost): void; getState(): unknown; setState(s: unknown): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;
let current: DiagramData | null = null;

/** Box height from the spatial size H (1 → 6 px, 64 → 36 px, 256 → 46 px). */
function boxHeight(shape: number[]): number {
  const h = shape.length >= 3 ? Math.max(...shape.slice(2)) : 1;
  return clamp(6 + 5 * Math.log2(Math.max(h, 1)), 6, 48);
}

/** Box width from the channel (or feature) count C (1 → 10 px, 512 → 91 px, 1024 and more → 100 px). */
function boxWidth(shape: number[]): number {
  const c = shape.length >= 2 ? shape[1] : 1;
  return clamp(10 + 9 * Math.log2(Math.max(c, 1)), 10, 104);
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

const plain = (s: ShapeData): number[] | null => (s && s.every((d) => typeof d === 'number') ? (s as number[]) : null);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function layerRow(layer: DiagramLayer, net: DiagramNet): HTMLElement {
  const row = el('div', `layer${layer.error ? ' failing' : ''}${samePlain(layer.input, layer.output) ? ' keeps' : ''}`);
  row.dataset.path = layer.path;
  row.dataset.line = String(layer.line + 1);
  const area = el('div', 'box-area');
  const box = el('div', 'box');
  const shape = plain(layer.output) ?? plain(layer.input);
  if (shape) {
    box.style.width = `${boxWidth(shape)}px`;
    box.style.height = `${boxHeight(shape)}px`;
  } else {
    box.classList.add('unknown');
  }
  area.append(box);
  const text = el('div', 'text');
  const title = el('div', 'title');
  title.append(el('span', 'type', layer.type), el('span', 'path', layer.path));
  const io = layer.error
    ? `${formatShape(layer.input)} → ✗`
    : formatShape(layer.output);
  text.append(title, el('div', 'shape', io));
  if (layer.error) text.append(el('div', 'message', layer.error));
  row.append(area, text);
  row.title = `${net.name}.${layer.path} (${layer.type}), line ${layer.line + 1}\n${formatShape(layer.input)} → ${layer.error ? `✗ ${layer.error}` : formatShape(layer.output)}`;
  const range = layer.range;
  if (range) {
    row.tabIndex = 0;
    row.setAttribute('role', 'button');
    row.classList.add('clickable');
    const reveal = () => vscode.postMessage({ type: 'reveal', range });
    row.addEventListener('click', reveal);
    row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); reveal(); } });
  }
  return row;
}

const samePlain = (a: ShapeData, b: ShapeData) => plain(a) !== null && JSON.stringify(a) === JSON.stringify(b);

function netColumn(net: DiagramNet, data: DiagramData): HTMLElement {
  const col = el('section', `net ${net.role}`);
  col.dataset.name = net.name;
  const head = el('header');
  head.append(el('span', 'role', net.role === 'model' ? 'model' : net.role), el('h2', undefined, net.name));
  col.append(head);
  const input = el('div', 'port input', `in: ${net.inputLabel}`);
  if (net.role === 'discriminator' && data.join?.mismatch) input.classList.add('bad');
  col.append(input);
  const list = el('div', 'layers');
  for (const l of net.layers) list.append(layerRow(l, net));
  col.append(list);
  if (net.error) {
    const stop = el('div', 'port output bad');
    stop.append(el('strong', undefined, `${net.error.pyType}: `), document.createTextNode('PyTorch raises here; nothing reaches the output.'));
    col.append(stop);
  } else {
    const out = el('div', `port output${net.outputFlag ? ' bad' : ''}`, `out: ${formatShape(net.output)}`);
    if (net.outputFlag) out.append(el('div', 'message', net.outputFlag));
    col.append(out);
  }
  if (net.layers.length === 0 && !net.error) col.append(el('p', 'note', 'No layer was called.'));
  return col;
}

function sizeSelect(data: DiagramData): HTMLElement | null {
  if (data.size === null || data.sizes.length === 0) return null;
  const label = el('label', 'control');
  label.append(el('span', undefined, 'Input size'));
  const select = document.createElement('vscode-single-select');
  select.id = 'size';
  for (const s of data.sizes) {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', String(s.size));
    o.textContent = `${s.size}×${s.size}  ${s.ok ? '✓' : '✗'} ${s.detail}${s.own ? ' · this file' : ''}`;
    if (s.size === data.size) o.setAttribute('selected', '');
    select.append(o);
  }
  select.addEventListener('change', () => {
    const n = Number(select.value);
    if (Number.isInteger(n) && n !== current?.size) vscode.postMessage({ type: 'selectSize', size: n });
  });
  label.append(select);
  return label;
}

function viewSelect(data: DiagramData): HTMLElement | null {
  if (data.views.length < 2) return null;
  const label = el('label', 'control');
  label.append(el('span', undefined, 'Model'));
  const select = document.createElement('vscode-single-select');
  select.id = 'view';
  for (const v of data.views) {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', v.id);
    o.textContent = v.label;
    if (v.id === data.view) o.setAttribute('selected', '');
    select.append(o);
  }
  select.addEventListener('change', () => { if (select.value !== current?.view) vscode.postMessage({ type: 'selectView', view: select.value }); });
  label.append(select);
  return label;
}

/** One sentence of what is wrong at this size (or that it all fits). */
function summary(data: DiagramData): HTMLElement {
  const problems: string[] = [];
  for (const n of data.nets) {
    const culprit = n.layers[n.layers.length - 1];
    if (n.error) problems.push(`${n.name} fails at ${culprit ? `${culprit.path} (${culprit.type})` : 'its input'}: ${n.error.message}`);
    else if (n.outputFlag) problems.push(`${n.name} returns ${n.outputFlag}`);
  }
  if (data.join?.mismatch) problems.push(data.join.mismatch);
  const p = el('p', `summary${problems.length ? ' bad' : ' good'}`);
  const at = data.size !== null ? `At ${data.size}×${data.size}: ` : '';
  p.textContent = problems.length ? `${at}${problems.join('. ')}.` : `${at}every layer fits${data.join ? `, and ${data.join.to} accepts what ${data.join.from} makes` : ''}.`;
  return p;
}

function render(data: DiagramData): void {
  current = data;
  const scroll = window.scrollY;
  root.replaceChildren();
  const bar = el('div', 'toolbar');
  const controls = el('div', 'controls');
  for (const c of [viewSelect(data), sizeSelect(data)]) if (c) controls.append(c);
  bar.append(controls);
  root.append(bar);
  if (data.empty) {
    root.append(el('p', 'note', `${data.file}: ${data.empty}`));
    return;
  }
  root.append(summary(data));
  const stage = el('div', 'stage');
  const cols = data.nets.map((n) => netColumn(n, data));
  stage.append(...cols);
  if (data.join && cols.length === 2) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.classList.add('wire');
    if (data.join.mismatch) svg.classList.add('bad');
    stage.prepend(svg);
    const join = el('div', `join${data.join.mismatch ? ' bad' : ''}`);
    join.append(el('div', 'join-title', `from ${data.join.from}: ${formatShape(data.join.shape)}`));
    if (data.join.mismatch) join.append(el('div', 'message', data.join.mismatch));
    cols[1].insertBefore(join, cols[1].querySelector('.port.input'));
    requestAnimationFrame(() => drawWire(stage, svg, cols[0], cols[1]));
  }
  root.append(stage);
  root.append(el('p', 'legend', 'Box height: spatial size; box width: channels (log scales). Click a layer to show its line.'));
  window.scrollTo(0, scroll);
}

/** The wire from the generator's output to the discriminator's input: through the gutter, or straight down when stacked. */
function drawWire(stage: HTMLElement, svg: SVGSVGElement, g: HTMLElement, d: HTMLElement): void {
  const from = g.querySelector('.port.output');
  const to = d.querySelector('.join');
  if (!from || !to) return;
  const s = stage.getBoundingClientRect();
  const a = from.getBoundingClientRect();
  const b = to.getBoundingClientRect();
  svg.setAttribute('width', String(s.width));
  svg.setAttribute('height', String(s.height));
  let path: string;
  if (b.left > a.right) {
    const x1 = a.right - s.left;
    const y1 = a.top + a.height / 2 - s.top;
    const x2 = b.left - s.left;
    const y2 = b.top + b.height / 2 - s.top;
    // the middle of the gap between the two columns, clear of the generator's labels
    const gx = (g.getBoundingClientRect().right + d.getBoundingClientRect().left) / 2 - s.left;
    const r = Math.max(0, Math.min(10, Math.abs(y1 - y2) / 2, gx - x1, x2 - gx));
    const up = y2 < y1 ? -1 : 1;
    path = `M ${x1} ${y1} H ${gx - r} Q ${gx} ${y1} ${gx} ${y1 + up * r} V ${y2 - up * r} Q ${gx} ${y2} ${gx + r} ${y2} H ${x2 - 6}`;
  } else {
    const x = a.left + Math.min(a.width, b.width) / 2 - s.left;
    path = `M ${x} ${a.bottom - s.top} V ${b.top - s.top - 6}`;
  }
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', path);
  p.setAttribute('marker-end', 'url(#arrow)');
  const defs = document.createElementNS('http://www.w3.org/2000/svg', 'defs');
  const marker = document.createElementNS('http://www.w3.org/2000/svg', 'marker');
  marker.id = 'arrow';
  for (const [k, v] of [['viewBox', '0 0 10 10'], ['refX', '2'], ['refY', '5'], ['markerWidth', '6'], ['markerHeight', '6'], ['orient', 'auto-start-reverse']]) marker.setAttribute(k, v);
  const head = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  head.setAttribute('d', 'M 0 0 L 10 5 L 0 10 z');
  marker.append(head);
  defs.append(marker);
  svg.replaceChildren(defs, p);
}

function redraw(): void {
  if (current) render(current);
}

window.addEventListener('message', (e: MessageEvent<HostToDiagram>) => {
  const m = e.data;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'diagram') render(m.data);
  else if (m.type === 'loading') {
    root.replaceChildren(el('p', 'note', `Analysing ${m.file}…`));
  }
});

let resizeQueued = false;
new ResizeObserver(() => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    const stage = root.querySelector<HTMLElement>('.stage');
    const svg = stage?.querySelector<SVGSVGElement>('svg.wire');
    const cols = stage ? [...stage.querySelectorAll<HTMLElement>('section.net')] : [];
    if (stage && svg && cols.length === 2) drawWire(stage, svg, cols[0], cols[1]);
  });
}).observe(document.body);
onThemeChange(redraw);

vscode.postMessage({ type: 'ready' });
