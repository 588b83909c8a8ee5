// `npm start`: the main job on the built-in defaults. Until the trainer lands, it checks the example models
// that reproduce the classic DCGAN size failures, with their layer tables and size sweeps.
import { spawnSync } from 'node:child_process';

const cli = new URL('../bin/dcgan-lab.js', import.meta.url).pathname;
const runs = [
  ['examples/seed_dcgan64.py', '--sweep'],
  ['examples/seed_dcgan256.py', '--sweep'],
];
let worst = 0;
for (const args of runs) {
  process.stdout.write(`$ dcgan-lab check ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, 'check', ...args], { stdio: 'inherit' });
  if (r.status === 2) worst = 2;
}
// exit 1 (a shape error found) is the expected result for these examples: they exist to show one
process.exitCode = worst;
