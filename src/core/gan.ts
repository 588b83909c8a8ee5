/**
 * The generator/discriminator pair a run trains: the built-in DCGAN (PyTorch source generated for the size, so
 * it goes through the very path a user's file does), or two classes of a PyTorch file. A pair whose shapes do
 * not fit is refused with the engine's own diagnostics; no training starts on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FileAnalysis, type AnalysisOptions } from './analysis';
import { siblingModules } from './imports';
import { PyException } from './python/errors';
import type { ModuleLike } from './python/values';
import { NotTrainable, trainableSpec, type NetSpec } from './trainable';

/** One network of a pair, as the static engine resolved it. */
export interface GanNet {
  /** class name */
  name: string;
  /**
   * The Python expression that builds it in the file's module scope, exactly as the static engine did (the file's
   * own `Generator(ngpu)`, or `Generator()` for the constructor's defaults); null when the instance the static
   * engine used was built somewhere the expression cannot be evaluated again (inside a function).
   */
  build: string | null;
  inputShape: number[];
  outputShape: number[];
  /** trainable parameters (PyTorch's count) */
  params: number;
}

export interface GanPair {
  generator: GanNet;
  discriminator: GanNet;
  /**
   * The networks as the tfjs engines execute them; null when the pair uses a layer or an operation they do not
   * (`notTrainable` says which, at which line): then only the torch engine, which runs the file itself, trains it.
   */
  nets: { generator: NetSpec; discriminator: NetSpec } | null;
  notTrainable: { message: string; line: number } | null;
  /** generator input without the batch dimension, e.g. [100, 1, 1] */
  latentShape: number[];
  size: number;
  channels: number;
  /** for messages and run metadata */
  description: string;
  /** the PyTorch source the pair was built from (the built-in DCGAN's is generated) */
  source: string;
  /** the file ('' for the built-in DCGAN) */
  file: string;
  /** sys.argv[1:] the analysis ran with */
  argv: string[];
  /** lines of `file` that did not parse (the static engine blanked them); the torch engine refuses such a file */
  skippedLines: number[];
}

export class ModelRefused extends Error {
  constructor(message: string, readonly file: string, readonly line: number) { super(message); }
}

export interface BuiltinOptions {
  size: number; channels: number; nz: number; ngf: number; ndf: number;
  /** WGAN-GP's critic: D without BatchNorm (the gradient penalty is per image) and without the final Sigmoid */
  critic?: boolean;
}

/** S = b·2ⁿ with b in 4…7 and n ≥ 2: the first ConvTranspose2d makes b×b, each stage doubles. */
export function builtinGeometry(size: number): { base: number; stages: number } | null {
  if (!Number.isInteger(size) || size < 16 || size > 512) return null;
  for (let n = 2; n <= 7; n++) {
    const b = size / 2 ** n;
    if (Number.isInteger(b) && b >= 4 && b <= 7) return { base: b, stages: n };
  }
  return null;
}

export function builtinSizes(): number[] {
  const out: number[] = [];
  for (let s = 16; s <= 512; s++) if (builtinGeometry(s)) out.push(s);
  return out;
}

/** The reference DCGAN (pytorch/examples dcgan) scaled to SIZE: one more stage per doubling, widths capped at 8×. */
export function builtinDcganSource(o: BuiltinOptions): string {
  const g = builtinGeometry(o.size);
  if (!g) {
    const near = builtinSizes().filter((s) => Math.abs(s - o.size) <= o.size / 4).slice(0, 6);
    throw new ModelRefused(`the built-in DCGAN has no ${o.size}×${o.size} version: sizes are b·2ⁿ with b in 4–7 from 16 to 512 (e.g. ${near.join(', ') || '16, 32, 64, 128, 256, 512'})`, '', 0);
  }
  const mult = (i: number) => Math.min(2 ** i, 8);
  const gen: string[] = [
    `            nn.ConvTranspose2d(nz, ngf * ${mult(g.stages - 1)}, ${g.base}, 1, 0, bias=False),`,
    `            nn.BatchNorm2d(ngf * ${mult(g.stages - 1)}),`,
    '            nn.ReLU(True),',
  ];
  for (let i = g.stages - 1; i >= 1; i--) {
    gen.push(`            nn.ConvTranspose2d(ngf * ${mult(i)}, ngf * ${mult(i - 1)}, 4, 2, 1, bias=False),`,
      `            nn.BatchNorm2d(ngf * ${mult(i - 1)}),`, '            nn.ReLU(True),');
  }
  gen.push('            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),', '            nn.Tanh(),');
  const disc: string[] = ['            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),', '            nn.LeakyReLU(0.2, inplace=True),'];
  for (let i = 0; i < g.stages - 1; i++) {
    disc.push(`            nn.Conv2d(ndf * ${mult(i)}, ndf * ${mult(i + 1)}, 4, 2, 1, bias=${o.critic ? 'True' : 'False'}),`,
      ...(o.critic ? [] : [`            nn.BatchNorm2d(ndf * ${mult(i + 1)}),`]), '            nn.LeakyReLU(0.2, inplace=True),');
  }
  disc.push(`            nn.Conv2d(ndf * ${mult(g.stages - 1)}, 1, ${g.base}, 1, 0, bias=False),`, ...(o.critic ? [] : ['            nn.Sigmoid(),']));
  return `"""DCGAN Lab's built-in DCGAN for ${o.size}x${o.size} images (the reference pytorch/examples DCGAN, scaled)${o.critic
    ? ',\nwith a WGAN-GP critic: no BatchNorm and no Sigmoid in the discriminator (Gulrajani et al. 2017)' : ''}.

Load an exported run in PyTorch:
    netG = Generator(); netG.load_state_dict(safetensors_state_dict("generator.safetensors"), strict=True)
"""
import torch
import torch.nn as nn

nc, nz, ngf, ndf = ${o.channels}, ${o.nz}, ${o.ngf}, ${o.ndf}


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
${gen.join('\n')}
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
${disc.join('\n')}
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)
`;
}

export async function builtinPair(o: BuiltinOptions, batch: number): Promise<GanPair> {
  const source = builtinDcganSource(o);
  const analysis = await FileAnalysis.create(source);
  const pair = pairFrom(analysis, 'Generator', 'Discriminator', [o.nz, 1, 1], batch, '');
  return { ...pair, source, file: '', argv: [], skippedLines: [],
    description: `built-in DCGAN ${o.size}×${o.size} (ngf ${o.ngf}, ndf ${o.ndf}, nz ${o.nz}${o.critic ? ', WGAN-GP critic' : ''})` };
}

export interface FilePairOptions extends AnalysisOptions { generator?: string; discriminator?: string; batch: number }

/** The generator and discriminator classes of a PyTorch file (named, or found by name and by shape). */
export async function filePair(file: string, text: string, o: FilePairOptions): Promise<GanPair> {
  const analysis = await FileAnalysis.create(text, o);
  const classes = analysis.modelClasses().map((c) => c.name);
  const pick = (given: string | undefined, re: RegExp, role: string): string => {
    if (given) {
      if (!classes.includes(given) && !analysis.classNamed(given)) throw new ModelRefused(`${file}: no class ${given} (classes: ${classes.join(', ') || 'none'})`, file, 0);
      return given;
    }
    const found = classes.filter((c) => re.test(c));
    if (found.length === 0) throw new ModelRefused(`${file}: no ${role} class found (classes: ${classes.join(', ') || 'none'}); name it with --${role} CLASS`, file, 0);
    return found[0];
  };
  const gName = pick(o.generator, /gen|netg|^g$/i, 'generator');
  const dName = pick(o.discriminator, /disc|critic|netd|^d$/i, 'discriminator');
  const gModel = build(analysis, gName, file).model;
  const inferred = analysis.inferInput(gModel);
  const first = inferred?.inputs[0];
  if (!inferred || inferred.inputs.length !== 1 || !first || first.k !== 'tensor' || !first.shape) {
    throw new ModelRefused(`${file}: cannot tell the input of ${gName}.forward() (it must take one latent tensor, e.g. [N, nz, 1, 1] or [N, nz])`, file, 0);
  }
  const pair = pairFrom(analysis, gName, dName, first.shape.slice(1), o.batch, file);
  return { ...pair, source: text, file, description: `${gName} / ${dName} from ${file}`, argv: o.argv ?? [], skippedLines: analysis.parsed.skippedLines };
}

function build(analysis: FileAnalysis, name: string, file: string): { model: ModuleLike; build: string | null } {
  try {
    const { model, how } = analysis.instantiate(name);
    return { model, build: how.startsWith("the file's instance") ? moduleLevelCall(model) : `${name}()` };
  } catch (e) {
    if (e instanceof PyException) throw new ModelRefused(`${file || 'built-in'}: ${name}(...) could not be built: ${e.pyType}: ${e.message}`, file, e.line);
    throw e;
  }
}

/**
 * The text of the call that built a module-level instance (`Generator(ngpu)` of `netG = Generator(ngpu).to(device)`),
 * which the torch engine evaluates again in the file's module scope; null when the call is inside a function or a
 * class (its names are not module names) or in another file.
 */
function moduleLevelCall(model: ModuleLike): string | null {
  const node = model.node;
  if (!node || node.type !== 'call' || node.file !== '') return null;
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return null;
  }
  return node.text;
}

function pairFrom(analysis: FileAnalysis, gName: string, dName: string, latent: number[], batch: number, file: string):
  Omit<GanPair, 'source' | 'file' | 'description' | 'argv' | 'skippedLines'> {
  const where = file || 'built-in DCGAN';
  const g = build(analysis, gName, file);
  const d = build(analysis, dName, file);
  let notTrainable: GanPair['notTrainable'] = null;
  /** PyTorch's verdict (the trace), then the tfjs engines' network when they can execute it */
  const check = (model: ModuleLike, name: string, input: number[], how: string | null): { net: GanNet; spec: NetSpec | null } => {
    const trace = analysis.trace(model, [{ k: 'tensor', shape: input, dtype: 'float32' }]);
    if (trace.error) {
      const e = trace.error;
      throw new ModelRefused(`${where}:${e.line + 1}: ${name} on [${input.join(', ')}]: ${e.pyType}: ${e.message}${e.module ? ` (${e.module}, ${e.moduleType})` : ''}`, file, e.line);
    }
    const output = trace.output;
    if (!Array.isArray(output) || Array.isArray(output[0])) {
      const why = trace.outputWhy ? ` (${trace.outputWhy})` : '';
      throw new ModelRefused(`${where}: ${name}.forward() on [${input.join(', ')}] must return one tensor of known shape${why}`, file, 0);
    }
    const net: GanNet = { name, build: how, inputShape: [...input], outputShape: output as number[], params: analysis.paramCount(model) ?? 0 };
    try {
      return { net, spec: trainableSpec(analysis, model, name, input) };
    } catch (err) {
      if (err instanceof NotTrainable) {
        notTrainable ??= { message: `${where}:${err.line + 1}: ${err.message.replace(/^(?:(\w+): )?line \d+:? /, (_m, n?: string) => (n ? `${n}: ` : ''))}`, line: err.line };
        return { net, spec: null };
      }
      if (err instanceof PyException) throw new ModelRefused(`${where}:${err.line + 1}: ${name}: ${err.pyType}: ${err.message}`, file, err.line);
      throw err;
    }
  };
  const gen = check(g.model, gName, [batch, ...latent], g.build);
  const img = gen.net.outputShape;
  if (img.length !== 4 || img[2] !== img[3]) {
    throw new ModelRefused(`${where}: ${gName} returns [${img.join(', ')}], not a batch of square images [N, C, S, S]`, file, 0);
  }
  const disc = check(d.model, dName, img, d.build);
  const out = disc.net.outputShape;
  const perImage = out.length >= 1 && out[0] === batch && out.slice(1).every((x) => x === 1);
  if (!perImage) {
    const map = out.length === 4 ? `a ${out[2]}×${out[3]} map per image` : `[${out.join(', ')}]`;
    throw new ModelRefused(`${where}: ${dName} on ${gName}'s ${img[2]}×${img[3]} images returns ${map}, not one score per image: fix the discriminator (e.g. its last conv's kernel, or nn.AdaptiveAvgPool2d(1) before the head)`, file, 0);
  }
  const nets = gen.spec && disc.spec ? { generator: gen.spec, discriminator: disc.spec } : null;
  return { generator: gen.net, discriminator: disc.net, nets, notTrainable: nets ? null : notTrainable, latentShape: latent, size: img[2], channels: img[1] };
}

export interface PairRequest {
  /** absent: the built-in DCGAN */
  model?: { file: string; generator?: string; discriminator?: string; argv?: string[] };
  /** 0: the model's own size (a file); the built-in DCGAN's size */
  size: number;
  batch: number;
  nz: number;
  ngf: number;
  ndf: number;
  /** 'wgan-gp': the built-in DCGAN's D is a critic (see BuiltinOptions.critic); a file's D is trained as written */
  loss?: 'bce' | 'wgan-gp';
}

/** The pair a run asks for; throws ModelRefused (with the engine's diagnostics) when it cannot be trained. */
export async function loadPair(r: PairRequest): Promise<GanPair> {
  if (!r.model) return builtinPair({ size: r.size || 64, channels: 3, nz: r.nz, ngf: r.ngf, ndf: r.ndf, critic: r.loss === 'wgan-gp' }, r.batch);
  const file = path.resolve(r.model.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelRefused(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file, 0);
  }
  const pair = await filePair(file, text, {
    batch: r.batch, generator: r.model.generator, discriminator: r.model.discriminator, argv: r.model.argv,
    resolveModule: siblingModules(file),
  });
  if (r.size && r.size !== pair.size) {
    throw new ModelRefused(`${pair.description} makes ${pair.size}×${pair.size} images: size ${r.size} does not fit (leave the size out, or change the model)`, file, 0);
  }
  return pair;
}
