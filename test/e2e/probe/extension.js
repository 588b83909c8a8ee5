// Test-only extension (plain JS, no build) installed next to DCGAN Lab by scripts/benchEditor.ts.
// It measures, from inside VS Code's extension host:
//  - activation: require + activate() of DCGAN Lab, timed around VS Code's own Extension.activate();
//  - the first hover on bench.py (includes loading tree-sitter's wasm and the first analysis);
//  - 200 hovers on layer constructions through vscode.executeHoverProvider, the same request path the editor's
//    hover uses (extension host → workbench → every hover provider → back).
// It writes the numbers to probe-result.json in the workspace, where the benchmark reads them.
const vscode = require('vscode');

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const hoverText = (hs) => hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

async function measure() {
  const folder = vscode.workspace.workspaceFolders[0].uri;
  const out = vscode.Uri.joinPath(folder, 'probe-result.json');
  try {
    const ext = vscode.extensions.getExtension('dcgan-lab.dcgan-lab');
    if (!ext) throw new Error('DCGAN Lab is not installed');
    const wasActive = ext.isActive;
    let t = performance.now();
    await ext.activate();
    const activationMs = performance.now() - t;

    const uri = vscode.Uri.joinPath(folder, 'bench.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const positions = [];
    for (const m of text.matchAll(/nn\.(Conv2d|ConvTranspose2d|BatchNorm2d|Linear|LeakyReLU|ReLU)\(/g)) positions.push(doc.positionAt(m.index + 3));
    if (positions.length === 0) throw new Error('bench.py has no layers');
    // The first analysis (wasm load included) starts when the document opens; poll until a hover has shapes.
    t = performance.now();
    let shaped = [];
    while (shaped.length === 0 && performance.now() - t < 60000) {
      for (const p of positions) {
        if (hoverText(await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, p)).includes('→')) { shaped.push(p); break; }
      }
    }
    const firstHoverMs = performance.now() - t;
    // Layers of classes that are never traced (constructor arguments unknown) have no shapes: measure the others.
    shaped = [];
    for (const p of positions) {
      if (hoverText(await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, p)).includes('→')) shaped.push(p);
    }
    if (shaped.length === 0) throw new Error('no hover on bench.py shows shapes');
    const times = [];
    let withShapes = 0;
    for (let i = 0; i < 200; i++) {
      const p = shaped[i % shaped.length];
      const s = performance.now();
      const hs = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, p);
      times.push(performance.now() - s);
      if (hoverText(hs).includes('→')) withShapes++;
    }
    const result = {
      lines: doc.lineCount, layers: positions.length, shapedLayers: shaped.length, wasActive, activationMs, firstHoverMs,
      hovers: times.length, withShapes, p50: pct(times, 0.5), p99: pct(times, 0.99), max: Math.max(...times),
    };
    await vscode.workspace.fs.writeFile(out, Buffer.from(JSON.stringify(result)));
  } catch (e) {
    await vscode.workspace.fs.writeFile(out, Buffer.from(JSON.stringify({ error: String(e && e.stack || e) })));
  }
}

exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('dcganLabProbe.measure', measure));
};
exports.deactivate = () => {};
