import { existsSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { input, layers, model as functionalModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { type BackendChoice, fileSystemHandler, MODEL_JSON_FILE_NAME, WEIGHTS_FILE_NAME } from '@ait/core';
import { resolveBestCheckpoint } from '../util/best-checkpoint';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { exportedModelInfo, type ExportedModelInfo, EXPORT_INFO_FILE, withoutMemoryUpdates } from '../util/exported-model-info';
import { printJson } from '../util/output';
import { restoreRun } from '../util/run-checkpoint';

/** Formats `ait export` writes: `layers`, a TF.js Layers model (`model.json` + `weights.bin`). */
export const EXPORT_FORMATS = ['layers'] as const;

/** Options of `ait export`. */
export interface ExportCommandOptions {
  /** Output folder (created if missing; it must not hold another model). */
  out: string;
  /** Export the run's best checkpoint (`checkpoints/best.ckpt`) instead of its newest. */
  best?: boolean;
  format?: (typeof EXPORT_FORMATS)[number];
  backend?: BackendChoice;
  json?: boolean;
}

function checkOutFolder(out: string, given: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new CliError(`--out ${given} is a file; give a folder for model.json and weights.bin.`, 2);
  const clash = [MODEL_JSON_FILE_NAME, WEIGHTS_FILE_NAME, EXPORT_INFO_FILE].filter((f) => readdirSync(out).includes(f));
  if (clash.length > 0) {
    throw new CliError(`--out ${given} already holds ${clash.join(', ')}; give an empty or new folder, or delete them first.`, 2);
  }
}

/**
 * `ait export <run dir or checkpoint> --out <dir>`: rebuilds the checkpoint's model (the newest of a
 * run, or with `best` its best) and writes it as a TF.js Layers model: `model.json` (topology with
 * the `@ait/*` layer classes, weight manifest, and the preprocessing in `userDefinedMetadata.ait`)
 * and `weights.bin`, plus `ait-model.json` with the same preprocessing facts. The exported model maps
 * normalised images `[batch, height, width, channels]` (and, for models with a question input,
 * questions `[batch, questionDim]`) to class probabilities `[batch, classes]`; AiT's memory is
 * frozen (`memoryUpdateInEval: false`), so predictions do not depend on earlier calls. Load it with
 * `tfl.loadLayersModel` after `import '@ait/vision'`.
 */
export async function exportCommand(target: string, options: ExportCommandOptions, io: CliIo): Promise<number> {
  const format = options.format ?? 'layers';
  if (!EXPORT_FORMATS.includes(format)) throw new CliError(`--format ${String(format)}: choose one of ${EXPORT_FORMATS.join(', ')}.`, 2);
  const out = resolve(options.out);
  checkOutFolder(out, options.out);
  const { model, data, config, path, checkpoint } = await restoreRun(
    options.best === true ? resolveBestCheckpoint(target) : target,
    undefined,
    {},
    options.backend,
  );
  try {
    const info: ExportedModelInfo = exportedModelInfo(config.model, data, path, checkpoint.position);
    const imageInput = input({ shape: [...data.imageShape], name: 'image' });
    const extraInputs = data.extraInputs.map((e) => input({ shape: [...e.shape], name: e.name.replace(/[^a-zA-Z0-9_]/g, '_') }));
    const inputs = [imageInput, ...extraInputs];
    const logits = model.apply(inputs.length === 1 ? imageInput : inputs) as SymbolicTensor;
    const probabilities = layers.activation({ activation: 'softmax', name: 'probabilities' }).apply(logits) as SymbolicTensor;
    const wrapped = functionalModel({ inputs, outputs: probabilities, name: `${config.model}-export` });
    wrapped.setUserDefinedMetadata({ ait: info as unknown as Record<string, unknown> });
    const handler = fileSystemHandler(out);
    let weightBytes = 0;
    await wrapped.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const result = await (handler.save as tf.io.SaveHandler)(withoutMemoryUpdates(artifacts));
        weightBytes = result.modelArtifactsInfo.weightDataBytes ?? 0;
        return result;
      }),
    );
    await writeFile(join(out, EXPORT_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`, 'utf8');
    const result = {
      command: 'export',
      checkpoint: path,
      format,
      out,
      files: [join(out, MODEL_JSON_FILE_NAME), join(out, WEIGHTS_FILE_NAME), join(out, EXPORT_INFO_FILE)],
      parameters: wrapped.countParams(),
      weightBytes,
      ...info,
    };
    if (options.json) printJson(io, result);
    else
      io.stdout(
        `Exported ${config.model} from ${path}\n` +
          `  to        ${out} (model.json, weights.bin, ${EXPORT_INFO_FILE})\n` +
          `  input     images [batch, ${data.imageShape.join(', ')}]` +
          (data.extraInputs.length > 0 ? ` + ${data.extraInputs.map((e) => `${e.name} [batch, ${e.shape.join(', ')}]`).join(', ')}` : '') +
          `, pixels / 255, then (x - mean) / std per channel\n` +
          `  mean      [${info.normalization.mean.join(', ')}]\n  std       [${info.normalization.std.join(', ')}]\n` +
          `  output    probabilities [batch, ${info.labelNames.length}]: ${info.labelNames.join(', ')}\n` +
          `Load it with tfl.loadLayersModel('file://${join(out, MODEL_JSON_FILE_NAME)}') after import '@ait/vision' ` +
          '(see the guide "Use a trained model in your app").\n',
      );
    return 0;
  } finally {
    model.dispose();
  }
}
