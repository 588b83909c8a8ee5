/**
 * `dcgan-lab train` end to end (CLI → worker → engine → run folder), checked against PyTorch:
 * generator.safetensors and discriminator.safetensors load into the run's model.py classes with
 * `load_state_dict(..., strict=True)`, and G in eval mode on fixed_noise.safetensors reproduces
 * fixed_samples.safetensors. Also: a model that does not fit is refused before training (exit 1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cliCommand } from '../support/cli';
import { requireTorch, runPython, withSafetensorsReader } from '../support/oracle';

const ROOT = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dcgan-run-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function train(args: string[]) {
  const [cmd, ...pre] = cliCommand();
  return spawnSync(cmd, [...pre, 'train', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
}

const LOAD = `
import json, sys, types, torch
torch.set_num_threads(1)
cfg = json.load(sys.stdin)
ns = {"__name__": "model"}
exec(open(cfg["model"]).read(), ns)
def build(name):
    cls = ns[name]
    inst = [v for v in ns.values() if isinstance(v, cls)]
    return inst[0] if inst else cls()
G = build(cfg["gen"]); D = build(cfg["disc"])
G.load_state_dict(read_st(cfg["run"] + "/generator.safetensors"), strict=True)
D.load_state_dict(read_st(cfg["run"] + "/discriminator.safetensors"), strict=True)
G.eval(); D.eval()
z = read_st(cfg["run"] + "/fixed_noise.safetensors")["z"]
ours = read_st(cfg["run"] + "/fixed_samples.safetensors")["images"]
with torch.no_grad():
    ref = G(z)
print(json.dumps({"maxDiff": (ref - ours).abs().max().item(), "shape": list(ref.shape),
                  "tracked": int(G.state_dict()[[k for k in G.state_dict() if k.endswith("num_batches_tracked")][0]])}))
`;

describe('dcgan-lab train, end to end', () => {
  it('trains the built-in DCGAN and its export loads strictly in PyTorch with the same eval-mode samples', (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'builtin');
    const r = train(['--size', '16', '--steps', '4', '--batch', '4', '--ngf', '8', '--ndf', '8', '--backend', 'wasm', '--out', out]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /done: 4 steps/);
    assert.deepEqual(readdirSync(path.join(out, 'samples')).sort(), ['step_000001.png', 'step_000002.png', 'step_000003.png', 'step_000004.png']);
    const lines = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; lossD: number });
    assert.deepEqual(lines.map((l) => l.step), [1, 2, 3, 4]);
    const res = runPython<{ maxDiff: number; shape: number[]; tracked: number }>(withSafetensorsReader(LOAD), { model: path.join(out, 'model.py'), gen: 'Generator', disc: 'Discriminator', run: out });
    assert.deepEqual(res.shape, [64, 3, 16, 16]);
    assert.equal(res.tracked, 4, 'BatchNorm num_batches_tracked: one G forward per step');
    assert.ok(res.maxDiff < 1e-4, `PyTorch's G(z) differs from fixed_samples by ${res.maxDiff}`);
  });

  it('trains a pair from a .py file (examples/tiny_gan16.py) and exports it under its own state_dict keys', (t) => {
    if (!requireTorch(t)) return;
    const out = path.join(tmp, 'tiny');
    const r = train(['--model', 'examples/tiny_gan16.py', '--steps', '3', '--batch', '4', '--backend', 'cpu', '--out', out]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /TinyGenerator \/ TinyDiscriminator/);
    const res = runPython<{ maxDiff: number; shape: number[] }>(withSafetensorsReader(LOAD), { model: path.join(out, 'model.py'), gen: 'TinyGenerator', disc: 'TinyDiscriminator', run: out });
    assert.deepEqual(res.shape, [64, 1, 16, 16]);
    assert.ok(res.maxDiff < 1e-4, `PyTorch's G(z) differs from fixed_samples by ${res.maxDiff}`);
  });
});

describe('dcgan-lab train refuses a model whose shapes do not fit', () => {
  it('exits 1 with PyTorch\'s error at the culprit line and starts no run', () => {
    const out = path.join(tmp, 'refused');
    const r = train(['--model', 'examples/seed_dcgan64.py', '--generator', 'Generator64', '--discriminator', 'Discriminator64', '--size', '128', '--steps', '2', '--out', out]);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /cannot be trained/);
    assert.ok(!existsSync(out), 'no run folder for a refused model');
  });
});
