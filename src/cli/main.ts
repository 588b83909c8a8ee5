/**
 * `dcgan-lab check | train | bench`. This file parses the command line and dispatches; each command lives in
 * its own file. Exit codes: 0 all fits, 1 a shape error was found, 2 usage or file errors.
 */
import pkg from '../../package.json';
import { ModelRefused } from '../core/gan';
import { BackendUnavailableError } from '../engine/backend';
import { RunRefused } from '../engine/resume';
import { EngineFailure } from '../engine/torch/process';
import { TRAIN_DEFAULTS, type BackendChoice } from '../engine/types';
import { runBench } from './bench';
import { runCheck } from './check';
import { runEngine } from './engine';
import { runTrain } from './train';

/** Each command's page (`dcgan-lab COMMAND --help`), with its defaults. */
export const COMMAND_USAGE: Record<'check' | 'train' | 'bench' | 'engine', string> = {
  check: `Usage: dcgan-lab check FILE [--model CLASS] [--ctor "(args)"] [--input "EXPR"]... [--argv "ARGS"] [--sweep] [--json]

Statically trace a PyTorch model file (the file is never executed) and say which layer stops fitting, in PyTorch's words.

  --model CLASS   the nn.Module class to check (default: every example call in the file, then every nn.Module
                  class with an inferred input)
  --ctor "(…)"    constructor arguments, a Python expression in the file's module scope (default: the file's own
                  instance of the class, else the constructor's defaults)
  --input "EXPR"  an input, e.g. "torch.randn(8, 3, 64, 64)" (repeat for several forward() arguments; default:
                  inferred from the first layer and the file's constants)
  --argv "…"      what sys.argv[1:] would be, for argparse defaults and overrides (default: none)
  --sweep         also sweep square input sizes 8…1024 and say which work
  --json          machine-readable output

Exit status: 0 everything fits, 1 a shape error was found, 2 usage or file errors.`,
  train: `Usage: dcgan-lab train [options]

Train the generator/discriminator of a PyTorch file (or the built-in DCGAN, any size 16–512) on a folder of images
of any sizes (or the built-in procedural dataset), in a worker process. Ctrl+C stops after the current step with a
final checkpoint (twice: abort at once).

  --model FILE.py          the file's generator and discriminator classes (default: the built-in DCGAN)
  --generator CLASS, --discriminator CLASS   which classes (default: found by name)
  --argv "…"               sys.argv[1:] for the file's argparse (default: none)
  --data DIR               a folder of images (default: the built-in procedural dataset)
  --fit crop|pad           how other sizes and aspect ratios are fitted (default: crop)
  --size S                 the built-in DCGAN's size, b·2ⁿ with b in 4–7 (default: 64; a file decides its own)
  --steps N                (default: ${TRAIN_DEFAULTS.steps})
  --batch B                (default: ${TRAIN_DEFAULTS.batch})
  --seed K                 (default: ${TRAIN_DEFAULTS.seed})
  --ngf F, --ndf F, --nz Z the built-in DCGAN's widths and latent size (default: ${TRAIN_DEFAULTS.ngf}, ${TRAIN_DEFAULTS.ndf}, ${TRAIN_DEFAULTS.nz})
  --lr LR                  Adam's learning rate, β1 ${TRAIN_DEFAULTS.beta1}, β2 ${TRAIN_DEFAULTS.beta2} (default: ${TRAIN_DEFAULTS.lr})
  --loss bce|wgan-gp       (default: ${TRAIN_DEFAULTS.loss})
  --out DIR                the run folder (default: runs/run-DATE); it receives run.json, model.py, metrics.jsonl,
                           alerts.jsonl, samples/*.png, checkpoint.safetensors and the safetensors exports
  --resume                 continue the run in --out from its checkpoint, with its own settings (--steps may extend it)
  --sample-every N         a fixed-noise sample grid every N steps (default: ${TRAIN_DEFAULTS.sampleEvery}, about ten per run)
  --checkpoint-every N     (default: ${TRAIN_DEFAULTS.checkpointEvery})
  --swd-every K            sliced Wasserstein distance every K steps (default: 0, off)
  --backend B              auto|torch|gpu|node|wasm|cpu (default: auto: torch when your PyTorch sees a GPU or the
                           model needs it, else gpu, node, wasm, cpu)
  --python PATH            the Python with PyTorch for the torch backend (default: the first that imports torch)
  --device D               auto|cuda|cuda:N|mps|cpu for the torch backend (default: auto)
  --amp bf16|fp16          mixed precision for the torch backend (default: off)

Exit status: 0 done or stopped, 1 the model does not fit (shape check), 2 usage errors, 3 the run failed,
130/143 aborted by a second Ctrl+C / SIGTERM.`,
  bench: `Usage: dcgan-lab bench [--size S] [--batch B] [--ngf F] [--steps N] [--warmup W] [--backend B] [--python PATH] [--device D] [--amp bf16|fp16] [--json]

Time the built-in DCGAN's full training step (defaults: --size 64 --batch 16 --ngf 32 --steps 10 --warmup 2
--backend auto). --json prints {"backend", "size", "batch", "ngf", "imgPerSec", "device", "msPerStep"}; with the
torch backend also a plain PyTorch loop of the same step, "reference" (img/s), and "ratio".

Exit status: 0 measured, 2 usage errors, 3 the backend cannot run here.`,
  engine: `Usage: dcgan-lab engine install gpu|node [--cache-dir DIR]

Install @tensorflow/tfjs-node-gpu (gpu) or @tensorflow/tfjs-node (node) into the per-user engine cache
(default: ~/.cache/dcgan-lab/engines/); --backend auto then tries it first among the tfjs engines.

Exit status: 0 installed, 2 usage errors, 3 the install failed (nothing is installed).`,
};

export const USAGE = `Usage: dcgan-lab COMMAND [options]

  check FILE   statically trace a PyTorch model file and say which layer stops fitting (nothing is executed)
  train        train a generator/discriminator pair (a file's, or the built-in DCGAN) on images
  bench        time the built-in DCGAN's training step on a backend
  engine install gpu|node   install a native TensorFlow engine

dcgan-lab COMMAND --help shows a command's options and defaults; dcgan-lab --version its version.`;

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
  const known = (c: string | undefined): c is keyof typeof COMMAND_USAGE => c !== undefined && c in COMMAND_USAGE;
  try {
    if (command === '--version' || command === '-V' || command === 'version') {
      process.stdout.write(`dcgan-lab ${pkg.version}\n`);
      return 0;
    }
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      // `help COMMAND` is a command's page too
      process.stdout.write(`${known(rest[0]) ? COMMAND_USAGE[rest[0]] : USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (known(command) && rest.some((a) => a === '--help' || a === '-h')) {
      process.stdout.write(`${COMMAND_USAGE[command]}\n`);
      return 0;
    }
    switch (command) {
      case 'check': return await runCheck(rest);
      case 'train': return await runTrain(rest);
      case 'bench': return await runBench(rest);
      case 'engine': return await runEngine(rest);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      // one line, and where the options are: the whole page would bury the message
      process.stderr.write(`dcgan-lab: ${e.message}\nRun 'dcgan-lab ${known(command) ? `${command} ` : ''}--help' for the options.\n`);
      return 2;
    }
    // what a user can fix is said in its own words, without a stack trace
    if (e instanceof BackendUnavailableError || e instanceof ModelRefused || e instanceof EngineFailure || e instanceof RunRefused) {
      process.stderr.write(`dcgan-lab: ${e.message}\n`);
      return e instanceof ModelRefused ? 1 : 3;
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
