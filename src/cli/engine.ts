/** `dcgan-lab engine install gpu|node`: the native TensorFlow engine, into the per-user engine cache. */
import { EngineInstallError, installEngine, type EngineKind } from '../engine/install';
import { UsageError, parseArgs } from './main';

export async function runEngine(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['cache-dir'], []);
  const [action, kind] = args.positional;
  if (action !== 'install' || (kind !== 'gpu' && kind !== 'node') || args.positional.length !== 2) {
    throw new UsageError('usage: dcgan-lab engine install gpu|node');
  }
  try {
    const { dir } = await installEngine(kind as EngineKind, {
      cacheDir: args.options.get('cache-dir')?.at(-1),
      onProgress: (line) => process.stderr.write(`  ${line}\n`),
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
