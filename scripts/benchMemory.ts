/**
 * `npm run bench:memory [-- --steps N] [--backend wasm|cpu]`: does a long run hold its memory? Trains the built-in
 * DCGAN as `npm start` does (32×32, ngf 32, ndf 16, batch 32, the procedural dataset, sample grids every 100 steps,
 * a checkpoint every 500) in this process through the engine's own `train()`, and prints the process's resident
 * set size (RSS), V8's heap and tfjs's tensor count at steps 100, 250, 500, 750 and N (default 1,000).
 * The goal: RSS grows by less than 5% from step 100 to step N.
 *
 * Side by side, in the same run: PyTorch CPU (Debian's python3-torch, /usr/bin/python3, 2 threads) training the
 * same model source (the run's model.py) with the reference DCGAN loop on random batches, with its own RSS at the
 * same steps, as the figure to compare with.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBackend, type TfjsBackendName } from '../src/engine/backend';
import { train } from '../src/engine/trainer';
import { TRAIN_DEFAULTS } from '../src/engine/types';

const PYTHON = process.env.DCGAN_LAB_PYTHON ?? '/usr/bin/python3';
const option = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const STEPS = Number(option('steps') ?? 1000);
const BACKEND = (option('backend') ?? 'wasm') as TfjsBackendName;
const MARKS = [...new Set([100, 250, 500, 750, STEPS].filter((s) => s <= STEPS))];
const MB = (bytes: number) => bytes / 2 ** 20;

interface Mark { step: number; rssMB: number; heapMB?: number; tensors?: number }

async function ours(dir: string): Promise<{ marks: Mark[]; seconds: number }> {
  const { tf, info } = await loadBackend(BACKEND);
  const marks: Mark[] = [];
  const t0 = performance.now();
  await train({ kind: 'tfjs', tf, info }, {
    ...TRAIN_DEFAULTS, out: path.join(dir, 'run'), size: 32, steps: STEPS, batch: 32, ngf: 32, ndf: 16, seed: 1, backend: BACKEND,
    sampleEvery: 100, checkpointEvery: 500,
  }, {
    onStep: (m) => {
      if (!MARKS.includes(m.step)) return;
      marks.push({ step: m.step, rssMB: MB(process.memoryUsage().rss), heapMB: MB(process.memoryUsage().heapUsed), tensors: tf.memory().numTensors });
    },
  });
  return { marks, seconds: (performance.now() - t0) / 1000 };
}

const TORCH = String.raw`
import json, sys, time, types
import torch, torch.nn as nn
torch.set_num_threads(2)
torch.manual_seed(1)
cfg = json.load(sys.stdin)
mod = types.ModuleType("model")
exec(compile(open(cfg["source"]).read(), cfg["source"], "exec"), mod.__dict__)
G, D = mod.Generator(), mod.Discriminator()
crit = nn.BCELoss()
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
marks, t0 = [], time.time()
for step in range(1, cfg["steps"] + 1):
    real = torch.rand(32, 3, 32, 32) * 2 - 1
    z = torch.randn(32, 100, 1, 1)
    D.zero_grad()
    out = D(real).view(-1)
    errD_real = crit(out, torch.ones(32)); errD_real.backward()
    fake = G(z)
    out = D(fake.detach()).view(-1)
    errD_fake = crit(out, torch.zeros(32)); errD_fake.backward()
    optD.step()
    G.zero_grad()
    out = D(fake).view(-1)
    errG = crit(out, torch.ones(32)); errG.backward()
    optG.step()
    if step in cfg["marks"]:
        marks.append({"step": step, "rssMB": rss_mb()})
json.dump({"marks": marks, "seconds": time.time() - t0}, sys.stdout)
`;

function pytorch(source: string): { marks: Mark[]; seconds: number } | string {
  const r = spawnSync(PYTHON, ['-c', TORCH], { input: JSON.stringify({ source, steps: STEPS, marks: MARKS }), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return `PyTorch reference not run: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as { marks: Mark[]; seconds: number };
}

const growth = (marks: Mark[]) => {
  const first = marks[0].rssMB;
  const last = marks[marks.length - 1].rssMB;
  return (last - first) / first * 100;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dcgan-bench-memory-'));
  try {
    console.log(`memory over a ${STEPS}-step run: built-in DCGAN 32×32, ngf 32, ndf 16, batch 32 (npm start's run)\n`);
    const a = await ours(dir);
    const b = pytorch(path.join(dir, 'run', 'model.py'));
    const torchMarks = typeof b === 'string' ? [] : b.marks;
    console.log(`step    DCGAN Lab (${BACKEND}) RSS   V8 heap   tensors   PyTorch CPU RSS`);
    for (const m of a.marks) {
      const t = torchMarks.find((x) => x.step === m.step);
      console.log(`${String(m.step).padStart(5)}   ${m.rssMB.toFixed(1).padStart(12)} MB  ${m.heapMB!.toFixed(1).padStart(6)} MB  ${String(m.tensors).padStart(7)}   ${t ? `${t.rssMB.toFixed(1).padStart(9)} MB` : ''}`);
    }
    const g = growth(a.marks);
    console.log(`\nRSS growth, step ${MARKS[0]} → ${STEPS}: DCGAN Lab ${g >= 0 ? '+' : ''}${g.toFixed(2)}% (goal < 5%: ${g < 5 ? 'met' : 'NOT met'})` +
      (typeof b === 'string' ? '' : `, PyTorch ${growth(b.marks) >= 0 ? '+' : ''}${growth(b.marks).toFixed(2)}%`));
    console.log(`time: DCGAN Lab ${a.seconds.toFixed(1)} s (data, samples, checkpoints included)${typeof b === 'string' ? '' : `, PyTorch ${b.seconds.toFixed(1)} s (training steps only)`}`);
    if (typeof b === 'string') console.log(b);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
