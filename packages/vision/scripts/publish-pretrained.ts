// Publishes the best checkpoint of a finished `ait train` run as a pretrained model of @ait/vision:
// evaluates it again on the run's test split (`ait eval`), exports its weights as safetensors with
// AiT.js names (`ait export --format safetensors`), checks the accuracy against the target of the
// manifest's target table, and writes pretrained/<name>.safetensors, its entry in
// pretrained/manifest.json and src/pretrained/shipped-weight-modules.ts. Build the CLI first:
//   pnpm build --filter=@ait/cli...
//   pnpm --filter @ait/vision run publish-pretrained -- <run dir> --name <name> [--allow-below-target]
//     [--replace] [--backend <name>] [--out-dir <dir>] [--commit <sha>]
// --commit records the commit of the code that trained the run (default: the current HEAD).
// Relative paths are taken from the folder pnpm was started in.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { decodeSafetensors } from '@ait/core';
import {
  modelFromPretrainedWeights,
  parsePretrainedManifest,
  PRETRAINED_NAME_PATTERN,
  type PretrainedInput,
  type PretrainedManifest,
  type PretrainedModelInfo,
} from '@ait/vision';
import { questionTypeAccuracy, targetShortfalls, type EvalReport } from './pretrained-targets';
import { shippedWeightModulesSource } from './pretrained-weight-modules';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Where the shipped pretrained models live: `packages/vision/pretrained/`. */
export const SHIPPED_PRETRAINED_DIR = join(PACKAGE_DIR, 'pretrained');
const SHIPPED_MODULES_FILE = join(PACKAGE_DIR, 'src', 'pretrained', 'shipped-weight-modules.ts');
const MANIFEST = 'manifest.json';

/**
 * Runs the `ait` command line in-process (`runCli` of `@ait/cli`: its built entry, or its sources in
 * tests) and gives its exit code and output.
 */
export type RunAit = (argv: readonly string[]) => Promise<{ readonly code: number; readonly out: string; readonly err: string }>;

/** Options of {@link publishPretrained}. */
export interface PublishOptions {
  /** The folder of a finished `ait train` run (its `checkpoints/best.ckpt` is published). */
  readonly runDir: string;
  /** Name to load the model by, e.g. `ait-tiny-conv-triangle`. */
  readonly name: string;
  /** How to run `ait eval` and `ait export`. */
  readonly ait: RunAit;
  /** Folder of the manifest and weights; default `packages/vision/pretrained` (then the shipped module map is rewritten too). */
  readonly outDir?: string;
  /** Publish even when the accuracy misses the data set's target (the entry says so). */
  readonly allowBelowTarget?: boolean;
  /** Replace an entry of the same name. */
  readonly replace?: boolean;
  /** Backend of `ait eval` and `ait export` (default: the CLI's `auto`). */
  readonly backend?: string;
  /** The code commit to record; default `git rev-parse HEAD`. */
  readonly commit?: string;
}

/** What {@link publishPretrained} wrote. */
export interface PublishResult {
  readonly entry: PretrainedModelInfo;
  readonly weightsPath: string;
  readonly manifestPath: string;
  /** The rewritten src/pretrained/shipped-weight-modules.ts, when publishing into the package. */
  readonly modulesFile?: string;
}

/** What `ait export --format safetensors --json` reports that publishing reads. */
interface ExportReport {
  readonly files: readonly string[];
  readonly imageShape: [number, number, number];
  readonly normalization: PretrainedInput['normalization'];
  readonly extraInputs: PretrainedInput['extraInputs'];
  readonly labelNames: readonly string[];
  readonly source: { readonly epoch: number; readonly step: number };
  readonly family: string;
  readonly parameters: number;
  readonly config: Record<string, unknown>;
  readonly run: {
    readonly model: string;
    readonly dataset: { readonly test: { readonly name: string } } & Record<string, unknown>;
    readonly recipe: Record<string, unknown>;
    readonly recipeName?: string;
    readonly seed: number;
    readonly backend?: string;
  };
}

async function runJson<T>(ait: RunAit, argv: string[]): Promise<T> {
  const { code, out, err } = await ait([...argv, '--json']);
  if (code !== 0) throw new Error(`\`ait ${argv.join(' ')}\` failed (exit ${code}): ${err.trim() || out.trim()}`);
  return JSON.parse(out) as T;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_DIR, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The manifest in `dir`, or a new empty one with the shipped manifest's target table. */
async function readManifest(dir: string): Promise<PretrainedManifest> {
  const path = join(dir, MANIFEST);
  const from = existsSync(path) ? path : join(SHIPPED_PRETRAINED_DIR, MANIFEST);
  const manifest = parsePretrainedManifest(JSON.parse(await readFile(from, 'utf8')), from);
  return from === path ? manifest : { ...manifest, models: [] };
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, data);
  await rename(temp, path);
}

function bestCheckpoint(runDir: string): string {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory())
    throw new Error(`${runDir} is not a folder; give the run directory of an \`ait train\` run.`);
  if (!existsSync(join(runDir, 'run.json')))
    throw new Error(`${runDir} has no run.json: it is not the run directory of an \`ait train\` run.`);
  const best = [join(runDir, 'checkpoints', 'best.ckpt'), join(runDir, 'best.ckpt')].find((p) => existsSync(p));
  if (best === undefined) {
    throw new Error(`${runDir} has no checkpoints/best.ckpt (written after the first evaluated epoch); train the run to the end first.`);
  }
  return best;
}

/** The recipe the run trained with: run.json's recipe, its name and the settings changed on resume. */
async function recipeOf(runDir: string, run: ExportReport['run']): Promise<Record<string, unknown>> {
  const stored = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { changes?: unknown };
  return {
    ...run.recipe,
    ...(run.recipeName !== undefined ? { recipeName: run.recipeName } : {}),
    ...(stored.changes !== undefined ? { changes: stored.changes } : {}),
  };
}

/**
 * Publishes the best checkpoint of `runDir` as the pretrained model `name` (see the file comment).
 * Refuses (an Error naming the problem and the fix, nothing written) a run without a best
 * checkpoint, a name in use (unless `replace`), non-float32 weights, and a run whose accuracy misses
 * its data set's target, or whose data set has no target (unless `allowBelowTarget`). The weights
 * are loaded back through `modelFromPretrainedWeights` before anything is written.
 */
export async function publishPretrained(options: PublishOptions): Promise<PublishResult> {
  const { name, ait } = options;
  if (!PRETRAINED_NAME_PATTERN.test(name)) throw new Error(`--name "${name}": use lower-case words and digits joined by dashes.`);
  const runDir = resolve(options.runDir);
  const outDir = resolve(options.outDir ?? SHIPPED_PRETRAINED_DIR);
  const best = bestCheckpoint(runDir);
  const manifest = await readManifest(outDir);
  if (!options.replace && manifest.models.some((m) => m.name === name)) {
    throw new Error(`${join(outDir, MANIFEST)} already has a pretrained model "${name}"; give another --name, or --replace it.`);
  }
  const backend = options.backend !== undefined ? ['--backend', options.backend] : [];
  const report = await runJson<EvalReport>(ait, ['eval', best, ...backend]);
  const exportDir = await mkdtemp(join(tmpdir(), 'ait-publish-'));
  try {
    const exported = await runJson<ExportReport>(ait, ['export', best, '--format', 'safetensors', '--out', exportDir, ...backend]);
    const bytes = new Uint8Array(await readFile(join(exportDir, 'model.safetensors')));
    const notFloat = [...decodeSafetensors(bytes, 'the exported weights').tensors].filter(([, t]) => t.dtype !== 'float32').map(([n]) => n);
    if (notFloat.length > 0) throw new Error(`The weights must all be float32; these are not: ${notFloat.join(', ')}.`);

    const run = exported.run;
    const dataset = run.dataset.test.name;
    const target = manifest.targets[dataset] ?? null;
    const perType = questionTypeAccuracy(report);
    const shortfalls =
      target === null
        ? [`the target table of ${MANIFEST} has no target for ${dataset}`]
        : targetShortfalls(target, report.accuracy, perType);
    if (shortfalls.length > 0 && !options.allowBelowTarget) {
      throw new Error(
        `${runDir} misses the target on ${dataset} (${report.examples} test examples): ${shortfalls.join('; ')}. ` +
          'Train further or publish another run; --allow-below-target publishes it anyway, marked as below target.',
      );
    }
    const file = `${name}.safetensors`;
    const entry: PretrainedModelInfo = {
      name,
      preset: run.model,
      family: exported.family,
      modelConfig: exported.config,
      parameters: exported.parameters,
      input: {
        imageShape: exported.imageShape,
        normalization: exported.normalization,
        extraInputs: exported.extraInputs,
        classes: exported.labelNames.length,
        labelNames: exported.labelNames,
      },
      dataset: { name: dataset, split: 'test', testSize: report.examples, plan: run.dataset },
      accuracy: report.accuracy,
      ...(perType !== undefined ? { questionTypeAccuracy: perType } : {}),
      target,
      meetsTarget: shortfalls.length === 0,
      recipe: await recipeOf(runDir, run),
      seed: run.seed,
      ...(run.backend !== undefined ? { backend: run.backend } : {}),
      checkpoint: { epoch: exported.source.epoch, step: exported.source.step },
      commit: options.commit ?? gitCommit(),
      file,
      bytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    const models = [...manifest.models.filter((m) => m.name !== name), entry].sort((a, b) => a.name.localeCompare(b.name));
    const updated = parsePretrainedManifest({ ...manifest, models }, `the updated ${MANIFEST}`);
    modelFromPretrainedWeights(entry, bytes, `the exported weights of ${best}`).dispose();

    await mkdir(outDir, { recursive: true });
    const weightsPath = join(outDir, file);
    const manifestPath = join(outDir, MANIFEST);
    await writeAtomic(weightsPath, bytes);
    await writeAtomic(manifestPath, `${JSON.stringify(updated, null, 2)}\n`);
    if (outDir !== resolve(SHIPPED_PRETRAINED_DIR)) return { entry, weightsPath, manifestPath };
    await writeShippedModules(updated.models.map((m) => m.name));
    return { entry, weightsPath, manifestPath, modulesFile: SHIPPED_MODULES_FILE };
  } finally {
    await rm(exportDir, { recursive: true, force: true });
  }
}

/** Rewrites src/pretrained/shipped-weight-modules.ts for these names, formatted as the repository formats TypeScript. */
export async function writeShippedModules(names: readonly string[], path: string = SHIPPED_MODULES_FILE): Promise<void> {
  const options = (await resolveConfig(path)) ?? {};
  await writeAtomic(path, await format(shippedWeightModulesSource(names), { ...options, filepath: path }));
}

async function main(argv: string[]): Promise<void> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'allow-below-target': { type: 'boolean' },
      replace: { type: 'boolean' },
      backend: { type: 'string' },
      'out-dir': { type: 'string' },
      commit: { type: 'string' },
    },
  });
  const [runArg] = positionals;
  if (positionals.length !== 1 || runArg === undefined || values.name === undefined) {
    throw new Error(
      'usage: publish-pretrained <run dir> --name <name> [--allow-below-target] [--replace] [--backend <name>] [--out-dir <dir>] [--commit <sha>]',
    );
  }
  const base = process.env.INIT_CWD ?? process.cwd();
  const cliEntry = join(PACKAGE_DIR, '..', 'cli', 'dist', 'index.js');
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: build the CLI first with \`pnpm build --filter=@ait/cli...\`.`);
  const cli = (await import(pathToFileURL(cliEntry).href)) as {
    captureIo(): { readonly out: string[]; readonly err: string[] };
    runCli(argv: readonly string[], io: { readonly out: string[]; readonly err: string[] }): Promise<number>;
  };
  const ait: RunAit = async (argv) => {
    const io = cli.captureIo();
    const code = await cli.runCli(argv, io);
    return { code, out: io.out.join(''), err: io.err.join('') };
  };
  const result = await publishPretrained({
    runDir: resolve(base, runArg),
    name: values.name,
    ait,
    ...(values['out-dir'] !== undefined ? { outDir: resolve(base, values['out-dir']) } : {}),
    ...(values['allow-below-target'] ? { allowBelowTarget: true } : {}),
    ...(values.replace ? { replace: true } : {}),
    ...(values.backend !== undefined ? { backend: values.backend } : {}),
    ...(values.commit !== undefined ? { commit: values.commit } : {}),
  });
  const e = result.entry;
  console.log(
    `Published ${e.name} (${e.preset} on ${e.dataset.name}): test accuracy ${(100 * e.accuracy).toFixed(2)} % on ${e.dataset.testSize} examples` +
      `${e.meetsTarget ? '' : ' (BELOW TARGET)'}\n  weights   ${result.weightsPath} (${e.bytes} bytes, sha256 ${e.sha256})\n` +
      `  manifest  ${result.manifestPath}\n${result.modulesFile !== undefined ? `  modules   ${result.modulesFile}\nRebuild @ait/vision to ship it.\n` : ''}`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
