/**
 * `npm run bench:check`: prints numbers, side by side with PyTorch in the same run.
 *  1. warm in-process analysis of a 1,000-line model file (goal: under 50 ms);
 *  2. the whole `dcgan-lab check` process against PyTorch importing, building and tracing the same model
 *     (goal: at most a quarter of PyTorch's time);
 *  3. the analysis time of fuzzed (half-typed) files (goal: each under 200 ms);
 *  4. a full size sweep 8…1024.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FileAnalysis } from '../src/core/analysis';
import { checkFile } from '../src/core/check';
import { StatementCache } from '../src/core/python/syntax';
import { sweepSizes } from '../src/core/sweep';
import { tensor } from '../src/core/python/values';
import { mutate, mulberry32 } from '../test/support/mutate';
import { PYTHON, torchUnavailable } from '../test/support/oracle';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** A 1,000-line file: example models concatenated, classes renamed apart so all stay distinct. */
function thousandLineFile(): string {
  const files = readdirSync('examples').filter((f) => f.endsWith('.py')).sort();
  const parts: string[] = [];
  let lines = 0;
  for (let i = 0; lines < 1000; i++) {
    const f = files[i % files.length];
    const src = readFileSync(path.join('examples', f), 'utf8').replace(/^if __name__ == .__main__.:[\s\S]*$/m, '');
    const renamed = src.replace(/\bclass (\w+)/g, `class $1_${i}`);
    parts.push(renamed);
    lines += renamed.split('\n').length;
  }
  return parts.join('\n');
}

async function main(): Promise<void> {
  const parser = await FileAnalysis.loadParser();
  const big = thousandLineFile();
  const nLines = big.split('\n').length;
  // "warm" as in the editor: the parser is loaded, the JIT has seen analyses, and the document's previous
  // analysis left its statement cache (re-analysis after an edit reuses unchanged statements)
  const cache = new StatementCache();
  for (let i = 0; i < 30; i++) checkFile(FileAnalysis.createSync(parser, big, { cache }));
  const timed = (label: string, f: () => unknown) => {
    const xs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      f();
      xs.push(performance.now() - t0);
    }
    return `${label} median ${median(xs).toFixed(1)} ms (max ${Math.max(...xs).toFixed(1)})`;
  };
  const models = checkFile(FileAnalysis.createSync(parser, big)).length;
  const edited = big.replace('nn.LeakyReLU(0.2', 'nn.LeakyReLU(0.21');
  let flip = false;
  console.log(`1. warm analysis of a ${nLines}-line file with ${models} models (goal < 50 ms):`);
  console.log(`   ${timed('parse + module level + example traces (the file edited between runs):', () => FileAnalysis.createSync(parser, (flip = !flip) ? edited : big, { cache }))}`);
  console.log(`   ${timed('the same plus a trace of every model class (inferred inputs):', () => checkFile(FileAnalysis.createSync(parser, (flip = !flip) ? edited : big, { cache })))}`);
  console.log(`   ${timed('cold (no statement cache), everything:', () => checkFile(FileAnalysis.createSync(parser, big)))}`);

  const file = 'examples/seed_dcgan64.py';
  const model = 'Discriminator64';
  const ctor = '(3, 64)';
  const input = 'torch.randn(8, 3, 64, 64)';
  const cli = path.resolve('bin/dcgan-lab.js');
  const ours: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, 'check', file, '--model', model, '--ctor', ctor, '--input', input, '--json'], { encoding: 'utf8' });
    ours.push(performance.now() - t0);
    if (r.status !== 0 && r.status !== 1) throw new Error(`dcgan-lab check failed: ${r.stderr}`);
  }
  const why = torchUnavailable();
  if (why) {
    console.log(`2. dcgan-lab check process: median ${median(ours).toFixed(0)} ms; PyTorch reference skipped: ${why}`);
  } else {
    mkdirSync('.bench', { recursive: true });
    const script = path.resolve('.bench/torch_check.py');
    writeFileSync(script, `import runpy, sys\nimport torch\nns = runpy.run_path(${JSON.stringify(path.resolve(file))}, run_name="__bench__")\nm = eval("${model}${ctor}", ns)\nwith torch.no_grad():\n    out = m(eval(${JSON.stringify(input)}, ns))\nprint(tuple(out.shape))\n`);
    const torchTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = spawnSync(PYTHON, [script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
      torchTimes.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr}`);
    }
    const a = median(ours), b = median(torchTimes);
    console.log(`2. ${file} ${model}${ctor} on ${input}: dcgan-lab check process median ${a.toFixed(0)} ms; PyTorch import+build+trace median ${b.toFixed(0)} ms; ratio ${(a / b).toFixed(2)} (goal ≤ 0.25)`);
  }

  const files = readdirSync('examples').filter((f) => f.endsWith('.py')).sort().map((f) => readFileSync(path.join('examples', f), 'utf8'));
  const rand = mulberry32(7);
  const fuzz: number[] = [];
  for (let i = 0; i < 500; i++) {
    const src = mutate(files[i % files.length], rand);
    const t0 = performance.now();
    checkFile(FileAnalysis.createSync(parser, src));
    fuzz.push(performance.now() - t0);
  }
  console.log(`3. 500 fuzzed files: p50 ${pct(fuzz, 0.5).toFixed(1)} ms, p99 ${pct(fuzz, 0.99).toFixed(1)} ms, max ${Math.max(...fuzz).toFixed(1)} ms (goal: each < 200 ms)`);

  const a = FileAnalysis.createSync(parser, readFileSync(file, 'utf8'));
  const { model: m } = a.instantiate(model, ctor);
  const t0 = performance.now();
  const s = sweepSizes(a, m, [1, 3, 64, 64]);
  console.log(`4. sweep of ${s.points.length} sizes: ${(performance.now() - t0).toFixed(0)} ms — ${s.summary}`);
  void tensor;
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
