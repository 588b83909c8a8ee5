/**
 * Acceptance scenarios (examples/seed_dcgan64.py, examples/seed_dcgan256.py), each checked twice:
 * 1. PyTorch itself (test/oracle/torchTrace.py) gives the stated answer -- the facts are written out below;
 * 2. `dcgan-lab check --json` gives exactly PyTorch's answer: output shape, error message and module, and every
 *    leaf module's path, type and output shape (no unknowns allowed in these scenarios).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cliCommand } from '../support/cli';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { requireTorch, runPython } from '../support/oracle';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'src/cli/main.ts');
const ORACLE = readFileSync(path.join(__dirname, 'torchTrace.py'), 'utf8');

const SEED64 = 'examples/seed_dcgan64.py';
const SEED256 = 'examples/seed_dcgan256.py';
const KERNEL_TOO_BIG =
  "Calculated padded input size per channel: (2 x 2). Kernel size: (4 x 4). Kernel size can't be greater than actual input size";

type Shape = number[];
type ShapeOut = Shape | ShapeOut[] | null;
interface Case {
  file: string;
  model: string;
  ctor: string;
  inputs: string[];
  argv?: string;
}
interface CheckJson {
  model: string;
  output: ShapeOut;
  error: { message: string; line: number | null; module: string | null } | null;
  modules: { path: string; type: string; line: number | null; output: ShapeOut }[];
}

/** The scenarios, with the facts a reader should know about each. */
const scenarios: { name: string; c: Case; expect: { output: ShapeOut; error?: { message: string; module: string } } }[] = [
  {
    name: '64x64 discriminator scores a 64x64 image with one number: (1, 1, 1, 1)',
    c: { file: SEED64, model: 'Discriminator64', ctor: '(3, 64)', inputs: ['torch.randn(1, 3, 64, 64)'] },
    expect: { output: [1, 1, 1, 1] },
  },
  {
    name: 'the same discriminator at 128x128 raises nothing but returns a 3x3 map: (1, 1, 3, 3)',
    c: { file: SEED64, model: 'Discriminator64', ctor: '(3, 64)', inputs: ['torch.randn(1, 3, 128, 128)'] },
    expect: { output: [1, 1, 3, 3] },
  },
  {
    name: 'the same discriminator at 32x32 fails in its last convolution (main.11): kernel 4x4 > input 2x2',
    c: { file: SEED64, model: 'Discriminator64', ctor: '(3, 64)', inputs: ['torch.randn(1, 3, 32, 32)'] },
    expect: { output: null, error: { message: KERNEL_TOO_BIG, module: 'main.11' } },
  },
  {
    name: 'its generator turns (1, 100, 1, 1) noise into a (1, 3, 64, 64) image',
    c: { file: SEED64, model: 'Generator64', ctor: '(3, 64, 100)', inputs: ['torch.randn(1, 100, 1, 1)'] },
    expect: { output: [1, 3, 64, 64] },
  },
  ...([
    [1, 64, 64],
    [2, 128, 128],
    [3, 32, 32],
    [2, 100, 75],
  ] as const).map(([n, h, w]) => ({
    name: `the resizing discriminator (F.interpolate to 64x64) gives (${n}, 1, 1, 1) for ${n}x3x${h}x${w}`,
    c: { file: SEED64, model: 'ResizingDiscriminator64', ctor: '(3, 64)', inputs: [`torch.randn(${n}, 3, ${h}, ${w})`] },
    expect: { output: [n, 1, 1, 1] },
  })),
  {
    name: '256 generator: Linear + reshape to (N, 512, 4, 4), six transposed convs -> (2, 3, 256, 256)',
    c: { file: SEED256, model: 'Generator256', ctor: '(latent_dim=100, channels=3)', inputs: ['torch.randn(2, 100)'] },
    expect: { output: [2, 3, 256, 256] },
  },
  {
    name: '256 discriminator: .view(-1, 1).squeeze() gives (N,) = (4,) at 256x256',
    c: { file: SEED256, model: 'Discriminator256', ctor: '(channels=3)', inputs: ['torch.randn(4, 3, 256, 256)'] },
    expect: { output: [4] },
  },
  {
    name: '256 discriminator at 128x128 fails in its last convolution (main.17): kernel 4x4 > input 2x2',
    c: { file: SEED256, model: 'Discriminator256', ctor: '(channels=3)', inputs: ['torch.randn(2, 3, 128, 128)'] },
    expect: { output: null, error: { message: KERNEL_TOO_BIG, module: 'main.17' } },
  },
  {
    name: '256 discriminator with a batch of one: squeeze() leaves a 0-d tensor, shape ()',
    c: { file: SEED256, model: 'Discriminator256', ctor: '(channels=3)', inputs: ['torch.randn(1, 3, 256, 256)'] },
    expect: { output: [] },
  },
];

function cliArgs(c: Case): string[] {
  const args = ['check', c.file, '--model', c.model, '--ctor', c.ctor];
  for (const input of c.inputs) args.push('--input', input);
  if (c.argv) args.push('--argv', c.argv);
  return [...args, '--json'];
}

function runCli(c: Case): Promise<CheckJson | string> {
  return new Promise((resolve) => {
    const child = spawn(cliCommand()[0], [...cliCommand().slice(1), ...cliArgs(c)], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(`could not start the CLI: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout) as CheckJson);
      } catch {
        resolve(`CLI exit ${signal ?? code}, no JSON on stdout (${JSON.stringify(stdout.slice(0, 200))}); stderr: ${stderr.trim().split('\n').slice(-6).join(' | ')}`);
      }
    });
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

const strip = (r: CheckJson) => ({
  output: r.output,
  error: r.error ? { message: r.error.message, module: r.error.module ?? null } : null,
  modules: r.modules.map((m) => ({ path: m.path, type: m.type, output: m.output })),
});

test('seed scenarios: PyTorch facts, and dcgan-lab check matches them', async (t) => {
  if (!requireTorch(t)) return;
  const oracle = runPython<CheckJson[]>(
    ORACLE,
    scenarios.map((s) => ({ ...s.c, file: path.resolve(ROOT, s.c.file) })),
  );
  const cliExists = existsSync(CLI);
  const cli = cliExists ? await mapLimit(scenarios, 2, (s) => runCli(s.c)) : [];

  for (let i = 0; i < scenarios.length; i++) {
    const { name, c, expect } = scenarios[i];
    const torch = oracle[i];
    await t.test(name, async (st) => {
      await st.test('PyTorch', () => {
        assert.deepEqual(torch.output, expect.output, `PyTorch output of ${c.model}${c.ctor}(${c.inputs.join(', ')})`);
        if (expect.error) {
          assert.ok(torch.error, 'PyTorch raises');
          assert.equal(torch.error.message, expect.error.message);
          assert.equal(torch.error.module, expect.error.module);
        } else {
          assert.equal(torch.error, null, `PyTorch raises nothing (got ${JSON.stringify(torch.error)})`);
        }
      });
      await st.test('dcgan-lab check', () => {
        assert.ok(cliExists, `the CLI ${path.relative(ROOT, CLI)} does not exist yet`);
        const ours = cli[i];
        if (typeof ours === 'string') assert.fail(ours);
        assert.equal(ours.model, c.model);
        const a = strip(ours);
        const b = strip(torch);
        assert.deepEqual(a.output, b.output, 'model output shape');
        assert.deepEqual(a.error, b.error, 'error message and module');
        assert.deepEqual(
          a.modules.map((m) => `${m.path} ${m.type} ${JSON.stringify(m.output)}`),
          b.modules.map((m) => `${m.path} ${m.type} ${JSON.stringify(m.output)}`),
          'leaf modules: path, type, output shape (CLI vs PyTorch)',
        );
        if (expect.error) assert.equal(typeof ours.error?.line, 'number', 'the error carries a source line');
      });
    });
  }
});
