/**
 * Crash-safe file replacement: write a temp file in the target's directory, fsync it, rename it over the
 * target, fsync the directory. rename(2) within one filesystem is atomic, so a reader (or the next run after a
 * crash) sees either the old file or the new one, never a torn mix. The fsyncs order the data before the
 * rename on disk, so the same holds after a power loss on filesystems that honour them (ext4, xfs, apfs, ntfs).
 *
 * Temp files are named `.<target>.<pid>.<random>.tmp`. A process killed mid-write leaves one behind; the next
 * write to the same target removes those whose pid is no longer running (a live pid's temp file is left alone:
 * it may be a concurrent writer).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';

export type FileData = string | Uint8Array;

/** Replace `file` with `data` atomically (see the module comment). Creates no directories. */
export async function writeFileAtomic(file: string, data: FileData): Promise<void> {
  // through a symlink: replace the file it points to, not the link
  const target = await fsp.realpath(file).catch(() => file);
  const { dir, tmp, staleMatch } = names(target);
  await removeStaleTemps(dir, staleMatch);
  const mode = await fsp.stat(target).then((s) => s.mode & 0o7777, () => undefined);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx', mode ?? 0o666);
    if (mode !== undefined) await handle.chmod(mode); // the umask applied to open() must not change it
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await renameWithRetry(tmp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw writeError(file, e);
  }
  await fsp.open(dir, 'r').then(
    (d) => d.sync().catch(ignoreDirSyncError).finally(() => d.close()),
    ignoreDirSyncError,
  );
}

/** Synchronous twin of writeFileAtomic, for exit paths that cannot await. */
export function writeFileAtomicSync(file: string, data: FileData): void {
  let target = file;
  try { target = fs.realpathSync(file); } catch { /* new file */ }
  const { dir, tmp, staleMatch } = names(target);
  removeStaleTempsSync(dir, staleMatch);
  let mode: number | undefined;
  try { mode = fs.statSync(target).mode & 0o7777; } catch { /* new file */ }
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode ?? 0o666);
    if (mode !== undefined) fs.fchmodSync(fd, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < bytes.byteLength;) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    renameWithRetrySync(tmp, target);
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already failing */ }
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw writeError(file, e);
  }
  try {
    const d = fs.openSync(dir, 'r');
    try { fs.fsyncSync(d); } catch (e) { ignoreDirSyncError(e); } finally { fs.closeSync(d); }
  } catch (e) { ignoreDirSyncError(e); }
}

/** Temp-file name for `file`, and a pattern matching the temp files of any process writing `file`. */
function names(file: string): { dir: string; tmp: string; staleMatch: RegExp } {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  const tmp = path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const staleMatch = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
  return { dir, tmp, staleMatch };
}

/** Temp files whose writer has died. Our own pid's are skipped: they may belong to a write still in flight. */
function staleTemps(entries: string[], staleMatch: RegExp): string[] {
  return entries.filter((name) => {
    const m = staleMatch.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    return pid !== process.pid && !processAlive(pid);
  });
}

async function removeStaleTemps(dir: string, staleMatch: RegExp): Promise<void> {
  const entries = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const name of staleTemps(entries, staleMatch)) await fsp.unlink(path.join(dir, name)).catch(() => undefined);
}

function removeStaleTempsSync(dir: string, staleMatch: RegExp): void {
  let entries: string[] = [];
  try { entries = fs.readdirSync(dir); } catch { return; }
  for (const name of staleTemps(entries, staleMatch)) {
    try { fs.unlinkSync(path.join(dir, name)); } catch { /* another writer removed it */ }
  }
}

/** Whether process `pid` exists (EPERM: it does, but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Windows: a virus scanner or indexer holding the target open makes rename fail for a moment.
const RENAME_RETRIES = process.platform === 'win32' ? 10 : 0;
const retryable = (e: unknown) => ['EPERM', 'EACCES', 'EBUSY'].includes((e as NodeJS.ErrnoException).code ?? '');

async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fsp.rename(from, to);
    } catch (e) {
      if (attempt >= RENAME_RETRIES || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

function renameWithRetrySync(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      return fs.renameSync(from, to);
    } catch (e) {
      if (attempt >= RENAME_RETRIES || !retryable(e)) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * (attempt + 1));
    }
  }
}

/** Directories cannot be opened or fsynced on Windows and on some filesystems; the rename is still atomic. */
function ignoreDirSyncError(e: unknown): void {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP'].includes(code)) throw e;
}

function writeError(file: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const hint = err.code === 'ENOSPC' ? ': the disk is full; free space and try again'
    : err.code === 'ENOENT' ? ': the folder does not exist'
    : err.code === 'EACCES' || err.code === 'EPERM' ? ': permission denied (is the file open elsewhere or read-only?)'
    : '';
  return new Error(`could not write ${file}${hint} (${err.code ?? err.message}); the previous file, if any, is unchanged`, { cause: e });
}
