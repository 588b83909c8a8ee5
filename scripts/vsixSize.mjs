// Prints what went into the .vsix and its size (`npm run package`).
import { statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const file = process.argv[2];
const list = execFileSync('unzip', ['-l', file], { encoding: 'utf8' });
console.log(list.split('\n').filter((l) => /extension\//.test(l)).map((l) => l.trim().split(/\s+/).slice(-1)[0]).join('\n'));
console.log(`${file}: ${(statSync(file).size / 1024).toFixed(0)} KiB`);
