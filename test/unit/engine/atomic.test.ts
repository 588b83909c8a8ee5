/**
 * writeFileAtomic under real crashes: a child process (this file, re-run with ATOMIC_CHILD set) writes a 200 MB
 * file atomically over a 1 MB one and is SIGKILLed part-way, at several points of the write. Afterwards the target
 * must hold the old content or the new content, entire; the temp file the child left is removed by the next write.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/engine/atomic';

const BIG = 200 * 1024 * 1024;

/** Deterministic content: every 32-bit word depends on its index and the seed. */
function content(bytes: number, seed: number): Buffer {
  const words = new Uint32Array(bytes / 4);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i ^ seed, 0x9e3779b1) ^ seed;
  return Buffer.from(words.buffer);
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

if (process.env.ATOMIC_CHILD) {
  // Child: announce, then write the big file; the parent kills us somewhere in between.
  const [target, mode] = process.env.ATOMIC_CHILD.split('|');
  const data = content(BIG, 2);
  process.stdout.write('ready\n');
  if (mode === 'sync') {
    writeFileAtomicSync(target, data);
    process.stdout.write('done\n');
  } else {
    void writeFileAtomic(target, data).then(() => process.stdout.write('done\n'));
  }
} else {
  const temps = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

  test('SIGKILL at any point of a 200 MB atomic write leaves the old or the new file, never a torn one', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
    try {
      const target = path.join(dir, 'checkpoint.bin');
      const oldData = content(1024 * 1024, 1);
      const hashes = { old: sha(oldData), new: sha(content(BIG, 2)) };
      // kill points: fraction of the temp file written (0 = as soon as it exists), or after 'done' (-1)
      const plan: { mode: 'async' | 'sync'; at: number }[] = [
        { mode: 'async', at: 0 }, { mode: 'async', at: 0.1 }, { mode: 'async', at: 0.5 }, { mode: 'async', at: 0.99 },
        { mode: 'async', at: 1 }, { mode: 'sync', at: 0.3 }, { mode: 'sync', at: 1 }, { mode: 'async', at: -1 },
      ];
      const seen: string[] = [];
      for (const { mode, at } of plan) {
        await writeFileAtomic(target, oldData);
        assert.deepEqual(temps(dir), [], 'stale temp files are removed by the next write');
        const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
          env: { ...process.env, ATOMIC_CHILD: `${target}|${mode}` }, stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
        let killedWith = '';
        for (let polls = 0; polls < 20_000 && child.exitCode === null; polls++) {
          await new Promise((r) => setTimeout(r, 2));
          if (at === -1) {
            if (out.includes('done')) { killedWith = 'after done'; break; }
            continue;
          }
          const tmp = temps(dir)[0];
          let size = -1;
          try { size = tmp ? statSync(path.join(dir, tmp)).size : -1; } catch { /* renamed meanwhile */ }
          if (size >= at * BIG && size >= 0) { killedWith = `temp file at ${(size / BIG * 100).toFixed(0)}%`; break; }
          if (at === 1 && out.includes('done')) { killedWith = 'after done'; break; }
        }
        child.kill('SIGKILL');
        const sig = await exited;
        const got = sha(readFileSync(target));
        assert.ok(got === hashes.old || got === hashes.new, `${mode} write killed at ${killedWith || '?'} (${sig}): the target is torn`);
        seen.push(`${mode}@${at}: ${killedWith} → ${got === hashes.old ? 'old' : 'new'}${temps(dir).length ? ' (temp left)' : ''}`);
        if (at === -1) assert.equal(got, hashes.new);
      }
      // At least one kill landed mid-write (old content + a temp file left behind) for the test to mean anything.
      assert.ok(seen.some((s) => s.endsWith('old (temp left)')), seen.join('\n'));
      await writeFileAtomic(target, 'final');
      assert.deepEqual(temps(dir), []);
      assert.equal(readFileSync(target, 'utf8'), 'final');
      console.log(seen.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('temp files of live processes are left alone; those of dead ones are removed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
    try {
      const target = path.join(dir, 'G.safetensors');
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      const live = `.G.safetensors.${process.ppid}.0123456789ab.tmp`;
      const own = `.G.safetensors.${process.pid}.0123456789ab.tmp`;
      const stale = `.G.safetensors.${dead}.abcdefabcdef.tmp`;
      const other = `.D.safetensors.${dead}.abcdefabcdef.tmp`;
      for (const n of [live, own, stale, other]) writeFileSync(path.join(dir, n), 'x');
      await writeFileAtomic(target, 'a');
      assert.deepEqual(readdirSync(dir).sort(), [other, live, own, 'G.safetensors'].sort());
      writeFileSync(path.join(dir, stale), 'x');
      writeFileAtomicSync(target, 'b');
      assert.equal(existsSync(path.join(dir, stale)), false);
      assert.equal(readFileSync(target, 'utf8'), 'b');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('replaces content, keeps the file mode, writes through symlinks, survives concurrent writers', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
    try {
      const f = path.join(dir, 'metrics.json');
      await writeFileAtomic(f, 'one');
      if (process.platform !== 'win32') {
        chmodSync(f, 0o666);
        await writeFileAtomic(f, Buffer.from('two'));
        assert.equal(statSync(f).mode & 0o777, 0o666);
        writeFileAtomicSync(f, new Uint8Array([116, 104, 114, 101, 101]));
        assert.equal(statSync(f).mode & 0o777, 0o666, 'the mode survives a umask of 022');
        const link = path.join(dir, 'latest.json');
        symlinkSync('metrics.json', link);
        await writeFileAtomic(link, 'via link');
        assert.equal(lstatSync(link).isSymbolicLink(), true);
        assert.equal(readFileSync(f, 'utf8'), 'via link');
        writeFileAtomicSync(link, 'via link, sync');
        assert.equal(readFileSync(f, 'utf8'), 'via link, sync');
        rmSync(link);
      }
      await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(f, `writer ${i} `.repeat(10_000))));
      assert.match(readFileSync(f, 'utf8'), /^(writer \d+ )\1*$/);
      assert.deepEqual(temps(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('errors say which file, why, and that the old file is unchanged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
    try {
      const missing = path.join(dir, 'no', 'such', 'G.safetensors');
      await assert.rejects(writeFileAtomic(missing, 'x'), (e: Error) =>
        e.message === `could not write ${missing}: the folder does not exist (ENOENT); the previous file, if any, is unchanged`);
      assert.throws(() => writeFileAtomicSync(missing, 'x'), /could not write .*G\.safetensors: the folder does not exist/);
      // the target is a directory: rename fails after the temp file was written; the temp file is removed
      const asDir = path.join(dir, 'taken');
      mkdirSync(asDir);
      writeFileSync(path.join(asDir, 'inside'), '');
      await assert.rejects(writeFileAtomic(asDir, 'x'), /could not write .*taken/);
      assert.deepEqual(temps(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
