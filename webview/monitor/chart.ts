/**
 * One uPlot line chart in the monitor, themed from VS Code's CSS variables and rebuilt when the theme or the
 * scale changes (uPlot fixes colours and scale distribution at creation). Above DECIMATE_FACTOR points per pixel
 * column the data is thinned by min/max per column (webview/common/decimate.ts) before it is handed to uPlot:
 * the drawn envelope is the same, the work is proportional to the width.
 */
import uPlot from 'uplot';
import { decimateIndices, pick } from '../common/decimate';
import { cssVar, isHighContrast, withAlpha } from '../common/theme';

export interface SeriesSpec {
  label: string;
  /** a CSS variable, e.g. '--vscode-charts-blue', and its fallback */
  color: [string, string];
  /** 0..1; raw series under their smoothed line are faint */
  alpha?: number;
  width?: number;
  dash?: number[];
  /** draw a dot per point (sparse series, e.g. SWD) */
  points?: boolean;
  /** join across null gaps (overlaid runs aligned to other steps) */
  spanGaps?: boolean;
  /** left out of the cursor readout */
  quiet?: boolean;
}

export type YScale = 'linear' | 'log' | 'asinh';

export interface ChartOptions {
  height: number;
  series: SeriesSpec[];
  yScale?: YScale;
  /** a fixed y range, e.g. [0, 1] for probabilities */
  yRange?: [number, number];
  /** where the cursor readout is written */
  readout?: HTMLElement;
  /** label of the x value in the readout */
  xLabel?: string;
}

/** Points per pixel column above which the chart draws min/max-decimated data. */
export const DECIMATE_FACTOR = 2;

export class Chart {
  private plot: uPlot | undefined;
  private xs: ArrayLike<number> = [];
  private ys: ArrayLike<number | null>[] = [];
  /** the user dragged a zoom box: new data keeps the x range */
  private zoomed = false;
  decimate = true;

  constructor(private readonly host: HTMLElement, private opts: ChartOptions) {
    this.build();
  }

  /** Replaces the data (arrays are read, not copied; pass the same arrays after appending to them). */
  setData(xs: ArrayLike<number>, ys: ArrayLike<number | null>[]): void {
    this.xs = xs;
    this.ys = ys;
    this.draw();
  }

  /** New series or scale: rebuilt, data kept. */
  configure(patch: Partial<ChartOptions>): void {
    this.opts = { ...this.opts, ...patch };
    this.build();
  }

  /** The theme changed: rebuilt with the new colours. */
  retheme(): void {
    this.build();
  }

  resize(): void {
    const w = this.width();
    if (this.plot && Math.abs(this.plot.width - w) >= 1) {
      this.plot.setSize({ width: w, height: this.opts.height });
      this.draw();
    }
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  /** how many points uPlot was last given (after decimation) */
  drawnPoints = 0;

  private width(): number {
    return Math.max(120, Math.floor(this.host.clientWidth || 300));
  }

  private draw(): void {
    if (!this.plot) return;
    let data: uPlot.AlignedData;
    const n = this.xs.length;
    const cols = this.plot.bbox.width / (devicePixelRatio || 1);
    if (this.decimate && n > cols * DECIMATE_FACTOR * 4) {
      const idx = decimateIndices(this.xs, this.ys, Math.max(1, Math.round(cols * DECIMATE_FACTOR)));
      data = [pick(this.xs, idx), ...this.ys.map((y) => pick(y, idx))] as uPlot.AlignedData;
    } else {
      data = [this.xs, ...this.ys] as unknown as uPlot.AlignedData;
    }
    this.drawnPoints = data[0].length;
    this.plot.setData(data, !this.zoomed);
    if (this.plot.cursor.idx === null || this.plot.cursor.idx === undefined) this.readout(this.plot);
  }

  private build(): void {
    this.plot?.destroy();
    this.host.replaceChildren();
    const fg = cssVar('--vscode-descriptionForeground', cssVar('--vscode-foreground', '#888'));
    const hc = isHighContrast();
    const grid = hc ? withAlpha(cssVar('--vscode-contrastBorder', fg), 0.5) : withAlpha(cssVar('--vscode-foreground', '#888'), 0.1);
    const family = cssVar('--vscode-font-family', 'sans-serif');
    const font = `11px ${family}`;
    const axis = (side: 'x' | 'y'): uPlot.Axis => ({
      stroke: fg, font, labelFont: font,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1, size: 3 },
      size: side === 'x' ? 24 : 44,
      gap: 3,
      ...(side === 'y' ? { values: (_u: uPlot, vs: number[]) => vs.map(fmtTick) } : {}),
    });
    const yScale = this.opts.yScale ?? 'linear';
    const scaleY: uPlot.Scale = yScale === 'log' ? { distr: 3, log: 10 } : yScale === 'asinh' ? { distr: 4, asinh: 1 } : {};
    if (this.opts.yRange) scaleY.range = this.opts.yRange;
    const series: uPlot.Series[] = [{ label: this.opts.xLabel ?? 'step' }, ...this.opts.series.map((s): uPlot.Series => {
      const c = cssVar(s.color[0], s.color[1]);
      return {
        label: s.label,
        stroke: s.alpha !== undefined && !hc ? withAlpha(c, s.alpha) : c,
        width: (s.width ?? 1.5) * (hc ? 1.3 : 1),
        ...(s.dash ? { dash: s.dash } : {}),
        spanGaps: !!s.spanGaps,
        points: s.points ? { show: true, size: 5, fill: c, stroke: c } : { show: false },
      };
    })];
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.opts.height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      scales: { x: { time: false }, y: scaleY },
      axes: [axis('x'), axis('y')],
      series,
      hooks: {
        setCursor: [(u) => this.readout(u)],
        setScale: [(u, key) => {
          if (key !== 'x') return;
          const d = u.data[0];
          const min = u.scales.x.min; const max = u.scales.x.max;
          this.zoomed = d.length > 1 && min !== undefined && max !== undefined && (min > d[0] || max < d[d.length - 1]);
        }],
      },
    };
    this.plot = new uPlot(opts, [[]] as unknown as uPlot.AlignedData, this.host);
    // double-click: back to the whole run (uPlot's own reset), and follow new data again
    this.plot.over.addEventListener('dblclick', () => { this.zoomed = false; this.draw(); });
    if (this.xs.length) this.draw();
  }

  /**
   * The readout under the chart, which is also its legend: each series' name in its colour with its value at the
   * cursor, or at the last step when the cursor is elsewhere.
   */
  private readout(u: uPlot): void {
    const el = this.opts.readout;
    if (!el) return;
    const n = u.data[0].length;
    const i = u.cursor.idx ?? (n ? n - 1 : null);
    el.replaceChildren();
    if (i === null) return;
    el.append(`${this.opts.xLabel ?? 'step'} ${u.data[0][i]}`);
    this.opts.series.forEach((s, k) => {
      if (s.quiet) return;
      const v = u.data[k + 1][i];
      const key = document.createElement('span');
      key.className = 'key';
      key.style.color = cssVar(s.color[0], s.color[1]);
      key.textContent = `■ ${s.label}`;
      el.append(' · ', key, ` ${v === null || v === undefined ? '–' : fmtValue(v)}`);
    });
  }
}

export function fmtValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toPrecision(4).replace(/\.?0+$/, '');
}

function fmtTick(v: number | null): string {
  if (v === null) return '';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}
