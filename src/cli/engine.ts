/** `dcgan-lab engine install gpu|node`: the native TensorFlow engine, into the per-user engine cache. */
import { EngineInstallError, installEngine, type EngineKind } from '../engine/install';
import { UsageError, parseArgs } from './main';

export async function runEngine(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['cache-dir'], []);
  const [action, kind] = args.positional;
  if (action !== 'install' || (kind !== 'gpu' && kind !== 'node') || args.positional.length !== 2) {
    throw new UsageError('expected: dcgan-lab engine install gpu|node');
  }
  // npm's own error report (its stack, its log's path) is not printed before the reason: the message below says
  // what failed and what to do; DCGAN_LAB_VERBOSE shows all of npm's output
  const verbose = Boolean(process.env.DCGAN_LAB_VERBOSE);
  try {
    const { dir } = await installEngine(kind as EngineKind, {
      cacheDir: args.options.get('cache-dir')?.at(-1),
      // progress only (what is installed where, what is downloaded): a failing install script's stack trace is noise
      onProgress: (line) => { if (verbose || /^(installing|installed) |^\s*\* |^added \d+ packages/i.test(line)) process.stderr.write(`  ${line}\n`); },
    });
    process.stdout.write(`installed the ${kind} engine in ${dir}; \`dcgan-lab train --backend ${kind}\` uses it (auto picks it first)\n`);
    return 0;
  } catch (e) {
    if (e instanceof EngineInstallError) {
      process.stderr.write(`dcgan-lab: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
}
