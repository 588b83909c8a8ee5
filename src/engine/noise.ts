/**
 * The fixed noise every sample grid is drawn from: tfjs's own seeded normal generator (the Marsaglia polar method
 * over seedrandom's alea, as `tf.randomNormal(shape, 0, 1, 'float32', seed)` draws it), computed without a tfjs
 * backend so that every engine, the torch engine included, samples from the same z and a run resumed on another
 * engine keeps its grids comparable.
 */
import { MPRandGauss } from '@tensorflow/tfjs-core/dist/ops/rand_util';

export function seededNormal(count: number, seed: number): Float32Array {
  // tfjs treats seed 0 as "no seed" (Math.random): a run's seeds are mixed 32-bit hashes, never 0 in practice
  const g = new MPRandGauss(0, 1, 'float32', false, seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = g.nextValue();
  return out;
}
