/** `dcgan-lab check`: the contract is in DESIGN.md; the table imitates torchinfo. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FileAnalysis } from '../core/analysis';
import { checkFile, checkModel, type CheckResult } from '../core/check';
import { splitArgv } from '../core/python/argv';
import { siblingModules } from '../core/imports';
import { UsageError, parseArgs } from './main';
import { renderResult as render } from '../core/report';

export async function runCheck(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'ctor', 'input', 'argv'], ['json', 'sweep']);
  if (args.positional.length !== 1) throw new UsageError(args.positional.length === 0 ? 'check needs a FILE' : `check takes one FILE, got ${args.positional.length}`);
  const file = args.positional[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`dcgan-lab: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 2;
  }
  const model = args.options.get('model')?.at(-1);
  const ctor = args.options.get('ctor')?.at(-1);
  const inputs = args.options.get('input') ?? [];
  if (!model && (ctor !== undefined || inputs.length > 0)) throw new UsageError('--ctor and --input need --model');
  const analysis = await FileAnalysis.create(text, { argv: splitArgv(args.options.get('argv')?.at(-1) ?? ''), resolveModule: siblingModules(file) });
  const json = args.flags.has('json');
  const sweep = args.flags.has('sweep');

  if (model) {
    if (!analysis.classNamed(model)) {
      process.stderr.write(`dcgan-lab: ${file}: no class '${model}' (classes: ${analysis.modelClasses().map((c) => c.name).join(', ') || 'none'})\n`);
      return 2;
    }
    const r = checkModel(analysis, { model, ctor, inputs, sweep });
    if (ctor === undefined && r.built === 'constructor' && r.error?.type === 'TypeError' && /missing \d+ required/.test(r.error.message)) {
      // not a shape problem: the class needs arguments and the file builds no instance of it
      process.stderr.write(`dcgan-lab: ${model}: ${r.error.message}; pass them with --ctor "(…)"\n`);
      return 2;
    }
    process.stdout.write(json ? `${JSON.stringify(contract(r))}\n` : render(file, r));
    return r.error ? 1 : 0;
  }
  const results = checkFile(analysis, { sweep });
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, models: results.map(contract), errors: analysis.moduleErrors.map((e) => ({ message: e.message, type: e.pyType, line: e.line + 1, ...(e.file ? { file: e.file } : {}) })) })}\n`);
  } else {
    if (results.length === 0) process.stdout.write(`${file}: no nn.Module classes or model calls found\n`);
    for (const r of results) process.stdout.write(render(file, r));
    for (const e of analysis.moduleErrors) {
      process.stdout.write(`⚠ ${e.file ? path.join(path.dirname(file), e.file) : file}:${e.line + 1}: module-level code raises ${e.pyType}: ${e.message}\n`);
    }
  }
  return results.some((r) => r.error) ? 1 : 0;
}

/** The JSON contract's field order first, extensions after. */
function contract(r: CheckResult): object {
  return {
    model: r.model, output: r.output, error: r.error ? { message: r.error.message, line: r.error.line, module: r.error.module, ...(r.error.file ? { file: r.error.file } : {}) } : null,
    modules: r.modules.map((m) => ({ path: m.path, type: m.type, line: m.line, output: m.output, params: m.params, ...(m.file ? { file: m.file } : {}) })),
    inputs: r.inputs, params: r.params, warnings: r.warnings, source: r.source, ...(r.outputWhy ? { outputWhy: r.outputWhy } : {}),
    ...(r.sweep ? { sweep: { summary: r.sweep.summary, working: compactRanges(r.sweep.working) } } : {}),
    ...(r.line ? { line: r.line } : {}),
  };
}

function compactRanges(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j;
  }
  return out.join(',');
}

