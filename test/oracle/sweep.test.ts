/**
 * The size sweep against PyTorch: at every size, "works" means PyTorch runs the model, and the output shape
 * (or the error message and culprit) is PyTorch's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FileAnalysis } from '../../src/core/analysis';
import { sweepSizes } from '../../src/core/sweep';
import { requireTorch, runPython } from '../support/oracle';

const CASES = [
  { file: 'examples/seed_dcgan64.py', model: 'Discriminator64', ctor: '(3, 8)', base: [2, 3, 64, 64] },
  { file: 'examples/seed_dcgan256.py', model: 'Discriminator256', ctor: '(3, 8)', base: [2, 3, 256, 256] },
];

const ORACLE = `
import json, sys, runpy, torch
req = json.load(sys.stdin)
ns = runpy.run_path(req["file"], run_name="__sweep__")
m = eval(req["model"] + req["ctor"], ns)
names = {mod: n for n, mod in reversed(list(m.named_modules()))}
out = []
cur = [None]
for mod in m.modules():
    if len(list(mod.children())) == 0:
        mod.register_forward_pre_hook(lambda mod, i: cur.__setitem__(0, names[mod]))
torch.manual_seed(0)
with torch.no_grad():
    for s in req["sizes"]:
        shape = req["base"][:-2] + [s, s]
        try:
            y = m(torch.randn(*shape))
            out.append({"ok": True, "output": list(y.shape)})
        except Exception as e:
            out.append({"ok": False, "message": str(e).split("\\n")[0], "module": cur[0]})
print(json.dumps(out))
`;

for (const c of CASES) {
  test(`sweep of ${c.model} agrees with PyTorch at every size 8…300`, async (t) => {
    if (!requireTorch(t)) return;
    const a = await FileAnalysis.create(readFileSync(c.file, 'utf8'));
    const { model } = a.instantiate(c.model, c.ctor);
    const sweep = sweepSizes(a, model, c.base, [8, 300]);
    const sizes = sweep.points.map((p) => p.size);
    const torch = runPython<{ ok: boolean; output?: number[]; message?: string; module?: string }[]>(ORACLE, { ...c, file: path.resolve(c.file), sizes });
    const diffs: string[] = [];
    sweep.points.forEach((p, i) => {
      const o = torch[i];
      if (p.ok !== o.ok) diffs.push(`${p.size}: ours ${p.ok ? 'works' : 'error'}, PyTorch ${o.ok ? 'works' : 'error'}`);
      else if (o.ok && JSON.stringify(p.output) !== JSON.stringify(o.output)) diffs.push(`${p.size}: ours ${JSON.stringify(p.output)}, PyTorch ${JSON.stringify(o.output)}`);
      else if (!o.ok && (p.error?.message !== o.message || p.error?.module !== o.module)) diffs.push(`${p.size}: ours ${p.error?.module} ${p.error?.message}, PyTorch ${o.module} ${o.message}`);
    });
    assert.deepEqual(diffs.slice(0, 10), [], `${diffs.length} sizes disagree`);
    assert.ok(sweep.working.length > 0 && sweep.working.length < sizes.length, 'the sweep separates working from failing sizes');
  });
}
