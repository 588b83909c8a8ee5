/**
 * `dcgan-lab check | train | bench`. This file parses the command line and dispatches; each command lives in
 * its own file. Exit codes: 0 all fits, 1 a shape error was found, 2 usage or file errors.
 */
import type { BackendChoice } from '../engine/types';
import { runBench } from './bench';
import { runCheck } from './check';
import { runEngine } from './engine';
import { runTrain } from './train';

export const USAGE = `Usage:
  dcgan-lab check FILE [--model CLASS] [--ctor "(args)"] [--input "EXPR"]... [--argv "ARGS"] [--sweep] [--json]

  check   Statically trace a PyTorch model file (the file is never executed).
          --model CLASS   the nn.Module class to check (default: every example call in the file,
                          then every nn.Module class with an inferred input)
          --ctor "(…)"    constructor arguments, a Python expression in the file's module scope
          --input "EXPR"  an input, e.g. "torch.randn(8, 3, 64, 64)" (repeat for several forward() arguments)
          --argv "…"      what sys.argv[1:] would be, for argparse defaults and overrides
          --sweep         also sweep square input sizes 8…1024 and say which work
          --json          machine-readable output

  dcgan-lab train [--model FILE.py [--generator CLASS --discriminator CLASS] [--argv "…"]] [--data DIR]
                  [--size S] [--steps N] [--batch B] [--seed K] [--out DIR] [--backend auto|torch|gpu|node|wasm|cpu]
                  [--python PATH] [--device auto|cuda|cuda:N|mps|cpu] [--amp bf16|fp16]
                  [--ngf F --ndf F --nz Z] [--lr LR] [--loss bce|wgan-gp] [--fit crop|pad]
                  [--sample-every N] [--swd-every K] [--checkpoint-every N] [--resume]

  train   Train the generator/discriminator of FILE.py (or the built-in DCGAN, any size 16–512) on a folder of
          images of any sizes (or the built-in procedural dataset), in a worker process. --out DIR (default
          runs/run-DATE) receives metrics.jsonl, samples/*.png, checkpoint.safetensors, generator.safetensors,
          discriminator.safetensors, fixed_noise.safetensors, fixed_samples.safetensors, model.py and run.json.
          --backend torch trains in your own PyTorch (CUDA, MPS or CPU; --python picks the interpreter).
          Exit status: 0 done, 1 the model does not fit (shape check), 2 usage errors, 3 the run failed.

  dcgan-lab bench [--size S] [--batch B] [--ngf F] [--steps N] [--backend …] [--python PATH] [--amp bf16|fp16] [--json]

  bench   Time the built-in DCGAN's training step; --json prints {"backend", "size", "batch", "ngf", "imgPerSec"}.
          With --backend torch also a plain PyTorch loop of the same step: "reference" (img/s) and "ratio".

  dcgan-lab engine install gpu|node

  engine  Install @tensorflow/tfjs-node-gpu (or tfjs-node) into the per-user engine cache.

Exit status (check): 0 when everything fits, 1 when a shape error is found, 2 on usage or file errors.`;

export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

/** `--name value`, `--name=value`, repeated options collected in order; `flags` lists valueless ones. */
export function parseArgs(argv: string[], valued: string[], flagNames: string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (flagNames.includes(name)) { flags.add(name); continue; }
      if (!valued.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, [...(options.get(name) ?? []), value]);
    } else {
      positional.push(a);
    }
  }
  return { positional, options, flags };
}

const BACKENDS = ['auto', 'torch', 'gpu', 'node', 'wasm', 'cpu'];

/** A whole-number option within [min, max], or its default. */
export function intOption(args: ReturnType<typeof parseArgs>, name: string, dflt: number, min = 1, max = 1e9): number {
  const v = args.options.get(name)?.at(-1);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

/** `--backend auto|torch|gpu|node|wasm|cpu` (train, bench). */
export function backendOption(args: ReturnType<typeof parseArgs>): BackendChoice {
  const b = args.options.get('backend')?.at(-1) ?? 'auto';
  if (!BACKENDS.includes(b)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${b}'`);
  return b as BackendChoice;
}

/** `--amp bf16|fp16` (torch engine): absent means off. */
export function ampOption(args: ReturnType<typeof parseArgs>): 'bf16' | 'fp16' | undefined {
  const a = args.options.get('amp')?.at(-1);
  if (a === undefined) return undefined;
  if (a !== 'bf16' && a !== 'fp16') throw new UsageError(`--amp must be bf16 or fp16, got '${a}'`);
  return a;
}

/** `--device auto|cuda|cuda:N|mps|cpu` (torch engine). */
export function deviceOption(args: ReturnType<typeof parseArgs>): string | undefined {
  const d = args.options.get('device')?.at(-1);
  if (d !== undefined && !/^(auto|cpu|mps|cuda(:\d+)?)$/.test(d)) throw new UsageError(`--device must be auto, cuda, cuda:N, mps or cpu, got '${d}'`);
  return d;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check': return await runCheck(rest);
      case 'train': return await runTrain(rest);
      case 'bench': return await runBench(rest);
      case 'engine': return await runEngine(rest);
      case undefined: case '-h': case '--help': case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dcgan-lab: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      process.stderr.write(`dcgan-lab: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
