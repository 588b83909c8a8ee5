/**
 * The HTML shell of DCGAN Lab's webviews (the monitor and the diagram): one bundle and one stylesheet from
 * dist/webview, under a strict Content-Security-Policy: nothing by default, scripts only with this page's nonce,
 * styles and images only from the extension's webview origin (vscode-elements style their shadow roots with
 * constructed stylesheets; uPlot sets element.style), no remote resources.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface PageOptions {
  /** the bundle's name: dist/webview/<name>.js and .css */
  name: string;
  title: string;
  /** the body's markup before the script, given the page's nonce (Lit reads it for its own style elements) */
  body: (nonce: string) => string;
}

export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, o: PageOptions): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', f)).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset(`${o.name}.css`)}">
<title>${o.title}</title>
</head>
<body>
${o.body(nonce)}
<script nonce="${nonce}" src="${asset(`${o.name}.js`)}"></script>
</body>
</html>`;
}
