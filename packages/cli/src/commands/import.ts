import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { countParameters, initBackend, latestCheckpoint, setGlobalSeed, type BackendChoice } from '@ait/core';
import type { DatasetInfo } from '@ait/datasets';
import type { VisionModel } from '@ait/vision';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { readConfigFile } from '../util/config-file';
import { openSplit, planDataset } from '../util/dataset-choice';
import { EXPORT_INFO_FILE } from '../util/exported-model-info';
import { IMPORT_RECORD_FILE, writeImportedRun, type ImportRecord } from '../util/imported-run';
import { buildForData, createPreset, findPreset, fitPresetToData } from '../util/model-for-data';
import { printJson } from '../util/output';
import { RUN_FILES, type RunConfig } from '../util/run-config';
import { prepareRunDirectory, removeIfEmpty } from '../util/run-directory';
import { readSafetensorsExportInfo, WEIGHT_LAYOUTS, type SafetensorsExportInfo, type WeightLayout } from '../util/safetensors-export-info';
import { detectWeightLayout, loadWeights, readWeightsFile } from '../util/safetensors-weights';
import { resolveRun } from '../util/train-plan';
import { trainConfigFileSchema } from '../util/train-options';

/** Options of `ait import`. */
export interface ImportCommandOptions {
  /** The run directory to write (new or empty). */
  out: string;
  /** Registered preset of the weights (fitted to the data set as `ait train` fits it). */
  model?: string;
  /** An `ait train` config file (JSON or YAML): `model`, `modelConfig`, `dataset` and the recipe for fine-tuning. */
  config?: string;
  /** Data set the model is for (its test split for `ait eval`, its normalisation for `ait predict`). */
  dataset?: string;
  /** Tensor names of the file; default the `ait-model.json` beside it, else guessed from the names. */
  layout?: WeightLayout;
  backend?: BackendChoice;
  json?: boolean;
}

/** The run an import writes, and where its model came from. */
interface ImportPlan {
  readonly run: RunConfig;
  /** `--model`, `--config <file>` or the `ait-model.json` beside the file. */
  readonly modelFrom: string;
  /** The model config is complete (from `ait-model.json`) and must not be fitted to the data again. */
  readonly fitted: boolean;
}

/**
 * The `ait-model.json` beside `file` when it describes that file; `undefined` otherwise. A corrupt
 * one is an error only when it is needed (`needed`: no `--model` or `--config` was given).
 */
async function exportInfoFor(file: string, needed: boolean): Promise<SafetensorsExportInfo | undefined> {
  let info: SafetensorsExportInfo | undefined;
  try {
    info = await readSafetensorsExportInfo(join(dirname(file), EXPORT_INFO_FILE));
  } catch (err) {
    if (needed) throw err;
    return undefined;
  }
  return info !== undefined && info.weights === basename(file) ? info : undefined;
}

/**
 * Which model, data set and recipe the weights get: `--model` / `--config` (the same file `ait
 * train --config` takes) when given, with the data set from `--dataset`, the config file or the
 * `ait-model.json` beside the file; otherwise the run stored in that `ait-model.json` (with
 * `--dataset` replacing its data set). Usage errors (exit 2) when the model or the data set is
 * unknown.
 */
async function planImport(file: string, options: ImportCommandOptions, beside: SafetensorsExportInfo | undefined): Promise<ImportPlan> {
  if (options.model === undefined && options.config === undefined) {
    if (beside === undefined) {
      throw new CliError(
        `Say which model the weights in ${file} are for: --model <preset> (see \`ait models\`), or --config <file> with model and modelConfig ` +
          `(there is no ${EXPORT_INFO_FILE} of \`ait export\` beside the file to read them from).`,
        2,
      );
    }
    const run = options.dataset !== undefined ? { ...beside.run, dataset: planDataset(options.dataset) } : beside.run;
    return { run, modelFrom: join(dirname(file), EXPORT_INFO_FILE), fitted: true };
  }
  const settings = options.config !== undefined ? await readConfigFile(options.config, trainConfigFileSchema) : {};
  if (options.model === undefined && settings.model === undefined) {
    throw new CliError(
      `--config ${options.config} names no model: add \`model: <preset>\` to it (see \`ait models\`), or give --model.`,
      2,
    );
  }
  const datasetGiven = options.dataset ?? settings.dataset;
  if (datasetGiven === undefined && beside === undefined) {
    throw new CliError(
      'Say which data set the model is for with --dataset <name|dir> (or `dataset` in --config): `ait eval` uses its test split, ' +
        '`ait predict` and `ait visualize` its normalisation, `ait train --resume` its training split.',
      2,
    );
  }
  const plan = await resolveRun({
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
    dataset: datasetGiven ?? (beside as SafetensorsExportInfo).run.dataset.choice,
    out: options.out,
  });
  // the data set of ait-model.json keeps its sizes
  const run = datasetGiven === undefined && beside !== undefined ? { ...plan.run, dataset: beside.run.dataset } : plan.run;
  return { run, modelFrom: options.config !== undefined ? `--config ${options.config}` : '--model', fitted: false };
}

function sizeText(data: Pick<DatasetInfo, 'imageShape' | 'numClasses'>): string {
  return `${data.imageShape.join(' x ')} images, ${data.numClasses} classes`;
}

/**
 * A usage error (exit 2) when the model's input or classes differ from the data set's: then
 * `ait eval` and `ait predict` could not feed it.
 */
function checkModelFitsData(model: VisionModel, preset: string, data: DatasetInfo): void {
  const c = model.getConfig() as Record<string, unknown>;
  const [h, w, ch] = data.imageShape;
  const problems: string[] = [];
  if (typeof c.imageSize === 'number' && (c.imageSize !== h || c.imageSize !== w))
    problems.push(`imageSize ${c.imageSize}, the data ${h} x ${w}`);
  if (typeof c.channels === 'number' && c.channels !== ch) problems.push(`channels ${c.channels}, the data ${ch}`);
  if (typeof c.classes === 'number' && c.classes !== data.numClasses) problems.push(`classes ${c.classes}, the data ${data.numClasses}`);
  const question = data.extraInputs.find((e) => e.name === 'question')?.shape[0];
  const questionDim = typeof c.questionDim === 'number' ? c.questionDim : undefined;
  if (questionDim !== question) problems.push(`questionDim ${questionDim ?? 'none'}, the data ${question ?? 'no question input'}`);
  if (problems.length > 0) {
    throw new CliError(
      `The model (${preset}) does not fit data set ${data.name} (${sizeText(data)}): the model has ${problems.join('; ')}. ` +
        'Give --dataset with the data the weights were trained on, or the model config that matches it (--config with modelConfig).',
      2,
    );
  }
}

/**
 * `ait import <file.safetensors> --out <run dir>`: builds the model the weights are for (from
 * `--model`, `--config`, or the `ait-model.json` that `ait export --format safetensors` wrote beside
 * the file), loads the weights (AiT.js names, or with `layout: 'official'` the official PyTorch
 * AiT / ViT `state_dict` through `@ait/vision`'s weight maps) and writes a run directory (see
 * `writeImportedRun`) that `ait eval`, `ait predict`, `ait visualize`, `ait inspect`, `ait export`
 * and, for fine-tuning from the imported weights, `ait train --resume` accept.
 *
 * Usage errors (exit 2), each naming the problem and the fix, before anything is written: a
 * missing, truncated or corrupt file; tensors missing from the file, tensors the model has no
 * weight for, and tensors of another shape (named with both shapes); a family without an official
 * map for `layout: 'official'`; a data set the model does not fit; an `out` that holds a run.
 */
export async function importCommand(target: string, options: ImportCommandOptions, io: CliIo): Promise<number> {
  if (options.layout !== undefined && !WEIGHT_LAYOUTS.includes(options.layout)) {
    throw new CliError(`--layout ${String(options.layout)}: choose one of ${WEIGHT_LAYOUTS.join(', ')}.`, 2);
  }
  const file = resolve(target);
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`${target} is not a file; give a .safetensors file.`, 2);
  const out = resolve(options.out);
  if (existsSync(join(out, RUN_FILES.config)) || (await latestCheckpoint(join(out, RUN_FILES.checkpoints)).catch(() => undefined))) {
    throw new CliError(`--out ${options.out} already holds a run; give a new or empty folder for the imported run.`, 2);
  }
  const weights = await readWeightsFile(file);
  const beside = await exportInfoFor(file, options.model === undefined && options.config === undefined);
  const plan = await planImport(file, options, beside);
  const layout = options.layout ?? beside?.layout ?? detectWeightLayout(weights.tensors.keys());
  await initBackend({ backend: options.backend ?? 'auto' });
  const { run } = plan;
  const preset = findPreset(run.model);
  const data = await openSplit(run.dataset, 'test');
  setGlobalSeed(run.seed);
  const modelConfig = plan.fitted ? run.modelConfig : { ...fitPresetToData(preset, data), ...run.modelConfig };
  const model = createPreset(run.model, modelConfig);
  try {
    checkModelFitsData(model, run.model, data);
    try {
      buildForData(model, data);
    } catch (err) {
      throw new CliError(`Model ${run.model} cannot take the data of ${data.name} (${sizeText(data)}): ${(err as Error).message}`, 2, {
        cause: err,
      });
    }
    const loaded = loadWeights(model, weights.tensors, layout, target, run.model, preset.family);
    const imported: RunConfig = { ...run, modelConfig };
    const record: ImportRecord = {
      format: 'ait-cli/import',
      version: 1,
      file,
      sha256: createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
      layout,
      tensors: weights.tensors.size,
      loaded: loaded.loaded,
      ignored: [...loaded.ignored],
      ...(loaded.official !== undefined ? { official: loaded.official } : {}),
      modelFrom: plan.modelFrom,
      time: new Date().toISOString(),
    };
    const prepared = await prepareRunDirectory(out, '--out');
    let checkpoint: string;
    try {
      checkpoint = await writeImportedRun(out, imported, model, record);
    } catch (err) {
      await removeIfEmpty(prepared);
      throw err;
    }
    const parameters = countParameters(model).total;
    if (options.json) {
      printJson(io, {
        command: 'import',
        file,
        layout,
        out,
        checkpoint,
        model: run.model,
        modelFrom: plan.modelFrom,
        dataset: run.dataset.choice,
        parameters,
        tensors: record.tensors,
        loaded: record.loaded,
        ignored: record.ignored,
        ...(record.official !== undefined ? { official: record.official } : {}),
      });
    } else {
      io.stdout(
        `Imported ${file}\n` +
          `  layout    ${layout}${record.official !== undefined ? ` (${record.official.model}, ${record.official.repository} at ${record.official.commit.slice(0, 7)})` : ''}: ` +
          `${record.loaded} weights set from ${record.tensors} tensors${record.ignored.length > 0 ? ` (not used by the official forward pass, skipped: ${record.ignored.join(', ')})` : ''}\n` +
          `  model     ${run.model} (${parameters.toLocaleString('en-US')} numbers; from ${plan.modelFrom})\n` +
          `  data      ${run.dataset.choice} (${sizeText(data)})\n` +
          `  run       ${out} (${RUN_FILES.config}, ${relative(out, checkpoint)}, ${IMPORT_RECORD_FILE})\n` +
          `Next: \`ait eval ${out}\`, \`ait visualize ${out} --image 0\`, \`ait export ${out} --out <dir>\`, ` +
          `or fine-tune from these weights with \`ait train --resume ${out} --epochs <n>\`.\n`,
      );
    }
    return 0;
  } finally {
    if (model.built) model.dispose(); // (an unbuilt layer holds no tensors, and tfjs refuses to dispose it)
  }
}
