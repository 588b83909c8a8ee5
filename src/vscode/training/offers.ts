/**
 * What "Train DCGAN" offers and how it turns the answers into a run: the model pair's sizes (a size sweep over the
 * pair, through the shape engine), the quick picks' labels, which engine would train a pair here, the run folder,
 * the TrainConfig, and where in the file a refused pair points.
 *
 * No 'vscode' import (core only, no tfjs): unit-tested in plain Node (test/unit/training/offers.test.ts).
 */
import path from 'node:path';
import { builtinSizes, filePair, ModelRefused, type GanPair } from '../../core/gan';
import { siblingModules } from '../../core/imports';
import type { Range0 } from '../../core/documentShapes';
import type { TorchProbe } from '../../engine/torch/discover';
import { TRAIN_DEFAULTS, type BackendChoice, type BackendName, type TrainConfig } from '../../engine/types';

// ── labels (stable: test/e2e/training.ts picks by them) ─────────────────────────────────────────────────────

export const BUILTIN_MODEL_LABEL = 'Built-in DCGAN';
export const OTHER_SIZE_LABEL = 'Other size…';
export const BUILTIN_DATA_LABEL = 'Built-in procedural dataset';
export const CHOOSE_FOLDER_LABEL = 'Choose folder…';
export const OTHER_LENGTH_LABEL = 'Other length…';
export const STEP_OFFERS = [200, 1000, 5000, 20000];
export const DEFAULT_SIZE = 64;
/** sizes tried for a file whose image size is an argparse option (plus the option's own default) */
export const SIZE_CANDIDATES = [16, 28, 32, 48, 64, 96, 128, 256];

export const sizeLabel = (s: number): string => `${s} × ${s}`;
export const stepsLabel = (n: number): string => `${n.toLocaleString('en-US')} steps`;
export const pairLabel = (generator: string, discriminator: string, file: string): string => `${generator} / ${discriminator} from ${path.basename(file)}`;

/** The built-in DCGAN's sizes to offer: b·2ⁿ (b in 4–7) up to 256, the default first. */
export function builtinSizeOffers(max = 256): number[] {
  const all = builtinSizes().filter((s) => s <= max);
  return [DEFAULT_SIZE, ...all.filter((s) => s !== DEFAULT_SIZE)];
}

// ── a file's pair at each size ──────────────────────────────────────────────────────────────────────────────

export interface SizeOutcome {
  size: number;
  /** set when the pair cannot be trained at this size */
  refused?: ModelRefused;
  /** the pair's description at this size ("Generator / Discriminator from m.py") */
  description?: string;
  channels?: number;
  /** why the tfjs engines cannot execute the pair at this size (only the torch engine trains it); absent when they can */
  tfjsCannot?: string;
}

export interface FilePairOffer {
  file: string;
  /** the classes, when found (null when the file has no generator/discriminator pair) */
  generator: string | null;
  discriminator: string | null;
  /** `--img_size`-like argparse option that sets the image size, when the file has one */
  sizeFlag: string | null;
  /** the size the file makes with no arguments (null when it cannot be built) */
  ownSize: number | null;
  /** every size tried, in ascending order */
  outcomes: SizeOutcome[];
  /** sizes it trains at, the default first */
  sizes: number[];
  /** why it cannot be trained at all (no size works): the refusal at its own size */
  refused: ModelRefused | null;
  /** at the first size offered: why the tfjs engines cannot execute the pair (null when they can) */
  tfjsCannot: string | null;
}

/**
 * The argparse option that sets the image size (`--img_size`, `--imageSize`, `--image-size` …), found in the
 * source: analysis keeps argparse's parsed values, not the flags, and a flag is what a run passes in `argv`.
 */
export function sizeFlag(text: string): string | null {
  const re = /add_argument\(\s*(?:['"]-\w['"]\s*,\s*)?['"](--[\w-]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const name = m[1].replace(/^--/, '').replace(/-/g, '_');
    if (/^(img_?size|image_?size|imagesize|imsize|resolution|img_?res)$/i.test(name)) return m[1];
  }
  return null;
}

/** The generator/discriminator classes filePair would pick, by name (null when missing). */
export function pairNames(classes: string[]): { generator: string | null; discriminator: string | null } {
  return { generator: classes.find((c) => /gen|netg|^g$/i.test(c)) ?? null, discriminator: classes.find((c) => /disc|critic|netd|^d$/i.test(c)) ?? null };
}

async function tryPair(file: string, text: string, batch: number, argv: string[]): Promise<GanPair | ModelRefused> {
  try {
    return await filePair(file, text, { batch, argv, resolveModule: siblingModules(file) });
  } catch (e) {
    if (e instanceof ModelRefused) return e;
    // an interpreter bug must not read as the user's mistake, but it must not start a run either
    return new ModelRefused(`${path.basename(file)}: the shape check failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, file, 0);
  }
}

/**
 * The pair in FILE at each size it could train at: with an image-size option, the pair re-analysed with
 * `--img_size S` for each candidate (both networks are built from it); without one, the one size its generator
 * makes. The sizes that pass the same check `dcgan-lab train` runs are offered.
 */
export async function filePairOffer(file: string, text: string, batch: number, candidates = SIZE_CANDIDATES): Promise<FilePairOffer> {
  const flag = sizeFlag(text);
  const own = await tryPair(file, text, batch, []);
  const ownSize = own instanceof ModelRefused ? null : own.size;
  const outcomes: SizeOutcome[] = [];
  const record = (size: number, r: GanPair | ModelRefused) => outcomes.push(r instanceof ModelRefused ? { size, refused: r }
    : { size, description: r.description, channels: r.channels, ...(r.nets ? {} : { tfjsCannot: r.notTrainable?.message ?? `${r.description} uses something the tfjs engines do not execute` }) });
  if (flag) {
    const tried = new Set([...candidates, ...(ownSize ? [ownSize] : [])]);
    for (const s of [...tried].sort((a, b) => a - b)) {
      const r = await tryPair(file, text, batch, [flag, String(s)]);
      // the option must really set the size: a generator that ignores it makes another size
      record(s, r instanceof ModelRefused || r.size === s ? r : new ModelRefused(`${r.description} makes ${r.size}×${r.size} images with ${flag} ${s}`, file, 0));
    }
  } else if (ownSize !== null) {
    record(ownSize, own);
  }
  const ok = outcomes.filter((o) => !o.refused).map((o) => o.size);
  const preferred = ok.includes(DEFAULT_SIZE) ? DEFAULT_SIZE : ownSize !== null && ok.includes(ownSize) ? ownSize : ok[0];
  const sizes = preferred === undefined ? [] : [preferred, ...ok.filter((s) => s !== preferred)];
  const description = own instanceof ModelRefused ? outcomes.find((o) => o.description)?.description : own.description;
  const names = description?.match(/^(\S+) \/ (\S+) from /);
  return {
    file, sizeFlag: flag, ownSize, outcomes, sizes,
    generator: names?.[1] ?? null, discriminator: names?.[2] ?? null,
    refused: sizes.length ? null : own instanceof ModelRefused ? own : outcomes.find((o) => o.refused)?.refused ?? null,
    tfjsCannot: outcomes.find((o) => o.size === preferred)?.tfjsCannot ?? null,
  };
}

/** The file pair at SIZE (one the offer lacks, from "Other size…"): null when it trains, else why not. */
export async function checkFileSize(offer: FilePairOffer, text: string, size: number, batch: number): Promise<ModelRefused | null> {
  const known = offer.outcomes.find((o) => o.size === size);
  if (known) return known.refused ?? null;
  if (offer.sizeFlag) {
    const r = await tryPair(offer.file, text, batch, [offer.sizeFlag, String(size)]);
    if (r instanceof ModelRefused) return r;
    return r.size === size ? null : new ModelRefused(`${r.description} makes ${r.size}×${r.size} images with ${offer.sizeFlag} ${size}`, offer.file, 0);
  }
  if (offer.refused) return offer.refused;
  const name = path.basename(offer.file);
  return new ModelRefused(`${offer.generator} / ${offer.discriminator} from ${name} makes ${offer.ownSize}×${offer.ownSize} images, not ${size}×${size}: ` +
    `the file has no image-size option (e.g. \`parser.add_argument("--img_size", type=int, default=${offer.ownSize})\`) to change it`, offer.file, 0);
}

// ── where a refusal points ──────────────────────────────────────────────────────────────────────────────────

export interface DiagnosticLike { range: Range0; severity: string; code?: string }

/**
 * The range to select for a refused pair: the file's error diagnostic on the culprit line when there is one;
 * for a refusal without a line (line 0 and not about line 1: "returns a map, not one score per image"), the
 * file's first DL002/DL003/DL001 error; otherwise the culprit line's text without its indentation.
 */
export function refusalRange(line: number, diagnostics: DiagnosticLike[], lineText: (line: number) => string): Range0 {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const onLine = errors.find((d) => d.range.start.row === line);
  if (onLine) return onLine.range;
  if (line === 0) {
    for (const code of ['DL002', 'DL003', 'DL001']) {
      const d = errors.find((e) => e.code === code);
      if (d) return d.range;
    }
  }
  const text = lineText(line);
  const start = text.length - text.trimStart().length;
  return { start: { row: line, column: start }, end: { row: line, column: text.trimEnd().length } };
}

// ── settings, run folder, config ────────────────────────────────────────────────────────────────────────────

/** `dcganLab.training.*` (package.json "configuration"). */
export interface TrainingSettings {
  backend: BackendChoice;
  runsFolder: string;
  batch: number;
  ngf: number;
  ndf: number;
  sampleEvery: number;
  checkpointEvery: number;
  swdEvery: number;
  /** torch engine: the interpreter ('' : found as discover.ts says) */
  python: string;
  /** torch engine: 'auto', 'cuda', 'cuda:N', 'mps' or 'cpu' */
  device: string;
  amp: 'off' | 'bf16' | 'fp16';
}

export const TRAINING_SETTING_DEFAULTS: TrainingSettings = {
  backend: 'auto', runsFolder: 'runs', batch: TRAIN_DEFAULTS.batch, ngf: TRAIN_DEFAULTS.ngf, ndf: TRAIN_DEFAULTS.ndf,
  sampleEvery: TRAIN_DEFAULTS.sampleEvery, checkpointEvery: TRAIN_DEFAULTS.checkpointEvery, swdEvery: TRAIN_DEFAULTS.swdEvery,
  python: '', device: 'auto', amp: 'off',
};

const BACKENDS: BackendChoice[] = ['auto', 'torch', 'gpu', 'node', 'wasm', 'cpu'];
const AMPS: TrainingSettings['amp'][] = ['off', 'bf16', 'fp16'];

/** Reads the settings through GET (VS Code's configuration, or a plain object in tests); bad values fall back to defaults. */
export function readTrainingSettings(get: <K extends keyof TrainingSettings>(key: K) => unknown): TrainingSettings {
  const int = (k: 'batch' | 'ngf' | 'ndf' | 'sampleEvery' | 'checkpointEvery' | 'swdEvery', min: number, max: number) => {
    const v = get(k);
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : TRAINING_SETTING_DEFAULTS[k];
  };
  const backend = get('backend');
  const folder = get('runsFolder');
  const python = get('python');
  const device = get('device');
  const amp = get('amp');
  return {
    backend: BACKENDS.includes(backend as BackendChoice) ? (backend as BackendChoice) : 'auto',
    runsFolder: typeof folder === 'string' && folder.trim() ? folder.trim() : 'runs',
    batch: int('batch', 1, 4096), ngf: int('ngf', 1, 1024), ndf: int('ndf', 1, 1024),
    sampleEvery: int('sampleEvery', 1, 1e9), checkpointEvery: int('checkpointEvery', 1, 1e9), swdEvery: int('swdEvery', 0, 1e9),
    python: typeof python === 'string' ? python.trim() : '',
    // 'cuda:N' is not in the setting's enum but the engine takes it (a hand-edited settings.json)
    device: typeof device === 'string' && /^(auto|cuda(:\d+)?|mps|cpu)$/.test(device) ? device : 'auto',
    amp: AMPS.includes(amp as TrainingSettings['amp']) ? (amp as TrainingSettings['amp']) : 'off',
  };
}

/** `run-YYYYMMDD-HHMMSS` (UTC), the CLI's name (src/cli/train.ts defaultRunDir). */
export function runName(now: Date): string {
  return `run-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

/** The runs folder: the `dcganLab.training.runsFolder` setting, relative to BASE (the workspace folder) unless absolute. */
export function resolveRunsRoot(base: string, runsFolder: string): string {
  return path.isAbsolute(runsFolder) ? runsFolder : path.join(base, runsFolder);
}

/** `<root>/run-<stamp>`; a second run in the same second gets `-2`, `-3` … (EXISTS says which names are taken). */
export function runFolder(root: string, now: Date, exists: (p: string) => boolean): string {
  const name = runName(now);
  let out = path.join(root, name);
  for (let k = 2; exists(out); k++) out = path.join(root, `${name}-${k}`);
  return out;
}

export interface TrainChoice {
  /** absent: the built-in DCGAN */
  model?: { file: string; sizeFlag: string | null };
  size: number;
  /** absent: the built-in procedural dataset */
  data?: string;
  steps: number;
}

/** What only the editor knows about the torch engine: the Python extension's interpreter, and Restricted Mode. */
export interface TorchContext {
  pythonHint?: string;
  /** why the torch engine may not run (TORCH_UNTRUSTED) */
  torchBlocked?: string;
}

/**
 * The run's TrainConfig: the choice, the settings, the engine's defaults for the rest (as `dcgan-lab train`).
 * The torch options are left out when they say "the default", as the CLI leaves them out.
 */
export function buildTrainConfig(choice: TrainChoice, settings: TrainingSettings, out: string, torch: TorchContext = {}): TrainConfig {
  const m = choice.model;
  return {
    ...TRAIN_DEFAULTS,
    model: m ? { file: m.file, argv: m.sizeFlag ? [m.sizeFlag, String(choice.size)] : [] } : undefined,
    data: choice.data,
    size: choice.size,
    steps: choice.steps,
    batch: settings.batch,
    out,
    backend: settings.backend,
    ngf: settings.ngf,
    ndf: settings.ndf,
    // a short run still gets about ten sample grids, as the CLI does
    sampleEvery: Math.min(settings.sampleEvery, Math.max(1, Math.floor(choice.steps / 10))),
    checkpointEvery: settings.checkpointEvery,
    swdEvery: settings.swdEvery,
    ...(settings.python ? { python: settings.python } : {}),
    ...(settings.device !== 'auto' ? { device: settings.device } : {}),
    ...(settings.amp !== 'off' ? { amp: settings.amp } : {}),
    ...(torch.pythonHint ? { pythonHint: torch.pythonHint } : {}),
    ...(torch.torchBlocked ? { torchBlocked: torch.torchBlocked } : {}),
  };
}

// ── which engine would train a pair ─────────────────────────────────────────────────────────────────────────

/** Why the torch engine is off in Restricted Mode (the run's `torchBlocked`, and what the editor says). */
export const TORCH_UNTRUSTED = "the workspace is not trusted (Restricted Mode): the torch engine runs your model file's Python code; trust the workspace to use it";

/** What probeTorch answered; null when it was not asked (or has not answered yet). */
export type TorchSeen = TorchProbe | { why: string } | null;

export interface TrainerOutlook {
  /** the engine that would train the pair; null when none here can (`refused`), or before PyTorch was checked */
  backend: BackendName | null;
  /** for the model pick's detail, e.g. "torch · NVIDIA H200 (CUDA 13.0, torch 2.11.0)", "wasm (built in; torch: CPU only)" */
  label: string;
  /** when nothing here can train the pair: why, and what to do */
  refused?: string;
  /** the refusal is Restricted Mode's: trusting the workspace lifts it */
  untrusted?: boolean;
}

export interface OutlookInput {
  backend: BackendChoice;
  /** the device setting ('auto' unless the user chose one) */
  device: string;
  torch: TorchSeen;
  /** why the tfjs engines cannot execute the pair (GanPair.notTrainable); null when they can */
  tfjsCannot: string | null;
  trusted: boolean;
  /** the native tfjs engines installed ("DCGAN: Install GPU Engine"), for `auto`'s fallback order */
  nativeEngines?: ('gpu' | 'node')[];
}

const TFJS_LABELS: Record<Exclude<BackendName, 'torch'>, string> = {
  gpu: 'gpu (TensorFlow, CUDA)', node: 'node (TensorFlow, CPU)', wasm: 'wasm (built in)', cpu: 'cpu (built in, JavaScript)',
};

/**
 * Which engine a run would use, by src/engine/select.ts's rule: `torch` only torch; `auto` torch when its torch
 * sees a GPU, or when a device other than auto was chosen, or when the tfjs engines cannot execute the pair;
 * otherwise the tfjs order gpu → node → wasm (the native engines only when installed). Restricted Mode blocks
 * torch as `torchBlocked` does in the worker. A forced backend that cannot train the pair is a refusal, never a
 * fallback.
 */
export function trainerOutlook(o: OutlookInput): TrainerOutlook {
  const wantsTorch = o.backend === 'torch' || o.backend === 'auto';
  let torchNote: string | null = null;
  let torchWhy: string | null = null;
  if (wantsTorch) {
    const t: TorchSeen = o.trusted ? o.torch : { why: TORCH_UNTRUSTED };
    if (t === null) {
      // not known yet: say what the rule will decide
      if (o.backend === 'torch' || o.tfjsCannot || o.device !== 'auto') return { backend: 'torch', label: 'torch (PyTorch not checked yet)' };
      return { backend: null, label: `torch if your PyTorch sees a GPU, else ${tfjsLabel('auto', o.nativeEngines ?? [], null)}` };
    }
    if ('python' in t) {
      if (o.backend === 'torch' || t.kind !== 'cpu' || o.tfjsCannot || o.device !== 'auto') return { backend: 'torch', label: `torch · ${t.device}` };
      torchNote = 'torch: CPU only';
    } else if (o.backend === 'torch') {
      return refusal(`the torch backend is not available: ${t.why}`, !o.trusted);
    } else {
      torchWhy = t.why;
      torchNote = o.trusted ? 'torch: not available' : 'torch: off in Restricted Mode';
    }
  }
  if (o.tfjsCannot) {
    if (o.backend === 'auto') {
      return refusal(`${o.tfjsCannot}. Only the torch engine (your own PyTorch) trains this pair, and it is not available here: ${torchWhy}`, !o.trusted);
    }
    return refusal(`${o.tfjsCannot}. The ${o.backend} backend cannot train this pair; the torch engine (your own PyTorch) can: ` +
      'set dcganLab.training.backend to "torch" or "auto"', false);
  }
  const native = o.backend === 'auto' ? (['gpu', 'node'] as const).filter((k) => o.nativeEngines?.includes(k)) : [];
  const name = o.backend === 'auto' ? native[0] ?? 'wasm' : (o.backend as Exclude<BackendName, 'torch'>);
  return { backend: name, label: tfjsLabel(o.backend as Exclude<BackendChoice, 'torch'>, o.nativeEngines ?? [], torchNote) };
}

function refusal(why: string, untrusted: boolean): TrainerOutlook {
  return { backend: null, label: `cannot be trained here: ${why}`, refused: why, ...(untrusted ? { untrusted } : {}) };
}

/** "wasm (built in; torch: CPU only)", "gpu (TensorFlow, CUDA; else node, else wasm)", "cpu (built in, JavaScript)" */
function tfjsLabel(backend: Exclude<BackendChoice, 'torch'>, nativeEngines: ('gpu' | 'node')[], note: string | null): string {
  const add = (label: string, extra: string[]) => extra.length ? label.replace(/\)$/, `; ${extra.join('; ')})`) : label;
  if (backend !== 'auto') return TFJS_LABELS[backend];
  // loadBackend's order; a native engine that is installed may still find no GPU, so the next ones are named
  const order = [...(['gpu', 'node'] as const).filter((k) => nativeEngines.includes(k)), 'wasm' as const];
  const rest = order.slice(1).map((k) => `else ${k}`).join(', ');
  return add(TFJS_LABELS[order[0]], [rest, note ?? ''].filter(Boolean));
}

/** The input boxes' checks: a whole number in [min, max], else what to type. */
export function wholeNumberError(v: string, min: number, max: number): string | null {
  const t = v.trim().replace(/[,_]/g, '');
  return /^\d+$/.test(t) && Number(t) >= min && Number(t) <= max ? null : `a whole number from ${min} to ${max.toLocaleString('en-US')}`;
}
