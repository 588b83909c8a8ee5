/**
 * VS Code's theme in a webview: the workbench sets --vscode-* CSS variables on <html> and a class on <body>
 * (vscode-light, vscode-dark, vscode-high-contrast, vscode-high-contrast-light). Canvas charts cannot use CSS
 * variables, so they read the computed colours and redraw when the class changes.
 */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

let probe: CanvasRenderingContext2D | null = null;

/** COLOR (any CSS colour) at opacity ALPHA, as rgba() a canvas understands. */
export function withAlpha(color: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000';
  probe.fillStyle = color;
  const c = probe.fillStyle; // normalised: '#rrggbb' or 'rgba(r, g, b, a)'
  if (c.startsWith('#') && c.length === 7) {
    const n = parseInt(c.slice(1), 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const m = /rgba?\(([^)]+)\)/.exec(c);
  if (!m) return color;
  const [r, g, b, a = '1'] = m[1].split(',').map((s) => s.trim());
  return `rgba(${r}, ${g}, ${b}, ${Number(a) * alpha})`;
}

export function isHighContrast(): boolean {
  return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}

/**
 * Calls FN (once per frame at most) when the theme changes: the body class for the theme kind, the <html> style
 * for the colours (switching between two dark themes changes only the variables).
 */
export function onThemeChange(fn: () => void): () => void {
  let key = themeKey();
  let queued = false;
  const obs = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const k = themeKey();
      if (k === key) return;
      key = k;
      fn();
    });
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => obs.disconnect();
}

function themeKey(): string {
  return `${document.body.className}|${document.documentElement.getAttribute('style') ?? ''}`;
}
