// `npm start`: the main job on the built-in defaults.
// 1. Check the example models that reproduce the classic DCGAN size failures (the 64×64 discriminator that
//    returns a 3×3 map at 128×128, the kernel that no longer fits at 32×32), with their size sweeps.
// 2. Train the built-in DCGAN at 32×32 on the built-in procedural dataset into a new folder under runs/,
//    about two and a half minutes on 2 CPU cores, and say where the samples are.
import { spawnSync } from 'node:child_process';

const cli = new URL('../bin/dcgan-lab.js', import.meta.url).pathname;
const run = (args) => {
  process.stdout.write(`\n$ dcgan-lab ${args.join(' ')}\n`);
  return spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' }).status;
};
let status = 0;
// exit 1 (a shape error found) is the expected result for these examples: they exist to show one
for (const args of [['check', 'examples/seed_dcgan64.py', '--sweep'], ['check', 'examples/seed_dcgan64.py', '--model', 'Discriminator64', '--ctor', '(3, 8)', '--input', 'torch.randn(1, 3, 128, 128)']]) {
  if (run(args) === 2) status = 2;
}
const steps = process.env.DCGAN_LAB_START_STEPS ?? '1000';
const t = run(['train', '--size', '32', '--ngf', '32', '--ndf', '16', '--batch', '32', '--steps', steps, '--sample-every', '100', '--seed', '1']);
if (t !== 0) status = t;
process.exitCode = status;
