/** Finding the user's own modules on disk, for `from models import *` (used by the CLI; the editor can pass its own). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The user's own modules next to FILE: `models` → models.py or models/__init__.py; `.layers` (relative) from
 * FILE's package; `..x` one level up. Paths in results are relative to FILE's folder.
 */
export function siblingModules(file: string): (name: string) => { file: string; text: string } | null {
  const dir = path.dirname(path.resolve(file));
  return (name) => {
    const level = name.length - name.replace(/^\.+/, '').length;
    const parts = name.slice(level).split('.').filter((p) => p !== '');
    let base = dir;
    for (let i = 1; i < level; i++) base = path.dirname(base);
    const stem = path.join(base, ...parts);
    for (const candidate of [`${stem}.py`, path.join(stem, '__init__.py')]) {
      if (path.resolve(candidate) === path.resolve(file)) continue;
      try {
        return { file: path.relative(dir, candidate), text: readFileSync(candidate, 'utf8') };
      } catch { /* try the next form */ }
    }
    return null;
  };
}

