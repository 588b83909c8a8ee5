/**
 * The words of a training toast: the reason first. VS Code shows a toast without buttons on one line, cut after
 * about 55 characters, and wraps one with buttons; either way a long path before the reason (a model file deep in
 * a project, a temporary folder) pushes the reason out of sight. The output channel keeps the whole message; the
 * toast gets it with each path shortened to its last name.
 *
 * No 'vscode' import: unit-tested in plain Node (test/unit/training/toastText.test.ts).
 */

/**
 * An absolute path (POSIX, or Windows with a drive letter) of at least two names, not part of a URL or of a
 * relative path: it ends before whitespace, a colon (`file.py:66`), quotes, brackets and list punctuation.
 */
const ABSOLUTE_PATH = /(?<![\w.:/\\-])(?:[A-Za-z]:)?[\\/](?:[^\s\\/:;,()[\]'"`]+[\\/])+[^\s\\/:;,()[\]'"`]*/g;

/** The last name of a path (`/tmp/x/upsample.py` → `upsample.py`, `/data/faces/` → `faces`). */
export function lastName(p: string): string {
  const names = p.split(/[\\/]+/).filter(Boolean);
  return names[names.length - 1] ?? p;
}

/**
 * MESSAGE as a toast says it:
 * - the first line, with the lines a first line ending in ':' introduces (`No training backend could start:`);
 * - a leading `PATH[:LINE]: ` moved to the end, as ` (NAME:LINE)`;
 * - every other absolute path shortened to its last name: first each of KNOWN (they may hold spaces), then any.
 */
export function toastReason(message: string, known: readonly (string | undefined)[] = []): string {
  const lines = message.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let text = lines[0] ?? '';
  if (text.endsWith(':') && lines.length > 1) text = `${text} ${lines.slice(1).join('; ')}`;

  // the longest first, so that a file inside a known folder is not cut at the folder
  const paths = [...new Set(known.filter((p): p is string => !!p && /[\\/]/.test(p)))].sort((a, b) => b.length - a.length);
  let lead: string | undefined;
  for (const p of paths) if (text.startsWith(p) && /^(:\d+)?:\s/.test(text.slice(p.length))) { lead = p; break; }
  lead ??= new RegExp(`^${ABSOLUTE_PATH.source}(?=(:\\d+)?:\\s)`).exec(text)?.[0];
  if (lead) {
    const rest = /^(?::(\d+))?:\s+/.exec(text.slice(lead.length))!;
    text = `${text.slice(lead.length + rest[0].length)} (${lastName(lead)}${rest[1] ? `:${rest[1]}` : ''})`;
  }
  for (const p of paths) {
    // a whole path only, not the start of a longer one (which the rule below shortens to its own last name)
    const whole = new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\/][^\\s\\/])`, 'g');
    text = text.replace(whole, () => lastName(p));
  }
  return text.replace(ABSOLUTE_PATH, (p) => lastName(p));
}
