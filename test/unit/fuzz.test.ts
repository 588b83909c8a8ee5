/**
 * Robustness: seeded mutations of the example files (deleted and inserted tokens, truncated, duplicated and
 * deleted lines). The analysis of every mutant must finish without an exception escaping; the time per
 * analysis is printed (the 200 ms goal is measured by `npm run bench:check`, not asserted here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { FileAnalysis } from '../../src/core/analysis';
import { checkFile } from '../../src/core/check';
import { mutate, mulberry32 } from '../support/mutate';

const CASES = Number(process.env.DCGAN_LAB_FUZZ_CASES ?? 2000);

test(`${CASES} mutated example files analyse without an escaping exception`, async () => {
  const parser = await FileAnalysis.loadParser();
  const files = readdirSync('examples').filter((f) => f.endsWith('.py')).sort().map((f) => readFileSync(`examples/${f}`, 'utf8'));
  assert.ok(files.length > 0, 'no example files');
  const rand = mulberry32(20261123);
  const times: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const src = mutate(files[i % files.length], rand);
    const t0 = performance.now();
    try {
      const a = FileAnalysis.createSync(parser, src);
      checkFile(a);
    } catch (e) {
      failures.push(`case ${i}: ${e instanceof Error ? e.stack?.split('\n').slice(0, 3).join(' | ') : `${(e as object)?.constructor?.name} ${JSON.stringify(e)?.slice(0, 200)}`}`);
    }
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  console.log(`fuzz: ${CASES} cases, per analysis p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${times[times.length - 1].toFixed(1)} ms`);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} mutants threw`);
});
