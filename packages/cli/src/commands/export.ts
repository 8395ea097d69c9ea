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
import { SAFETENSORS_FILE, WEIGHT_LAYOUTS, type WeightLayout } from '../util/safetensors-export-info';
import { exportSafetensors } from './export-safetensors';

/**
 * Formats `ait export` writes: `layers`, a TF.js Layers model (`model.json` + `weights.bin`);
 * `safetensors`, the weights (`model.safetensors`, AiT.js or official PyTorch names) for `ait import` and PyTorch.
 */
export const EXPORT_FORMATS = ['layers', 'safetensors'] as const;

/** Options of `ait export`. */
export interface ExportCommandOptions {
  /** Output folder (created if missing; it must not hold another model). */
  out: string;
  /** Export the run's best checkpoint (`checkpoints/best.ckpt`) instead of its newest. */
  best?: boolean;
  format?: (typeof EXPORT_FORMATS)[number];
  /** Tensor names of `--format safetensors`: `aitjs` (default) or `official` (the official PyTorch AiT's `state_dict`). */
  layout?: WeightLayout;
  backend?: BackendChoice;
  json?: boolean;
}

function checkOutFolder(out: string, given: string, files: readonly string[]): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new CliError(`--out ${given} is a file; give a folder for ${files.join(' and ')}.`, 2);
  const clash = [MODEL_JSON_FILE_NAME, WEIGHTS_FILE_NAME, SAFETENSORS_FILE, EXPORT_INFO_FILE].filter((f) => readdirSync(out).includes(f));
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
 *
 * With `format: 'safetensors'` it writes the weights instead, as `model.safetensors` with AiT.js
 * names (`layout: 'aitjs'`) or as the official PyTorch AiT's `state_dict` (`layout: 'official'`,
 * AiT and ViT only), plus `ait-model.json` with the preset, model config, data set, recipe and
 * preprocessing, from which `ait import` rebuilds the run.
 */
export async function exportCommand(target: string, options: ExportCommandOptions, io: CliIo): Promise<number> {
  const format = options.format ?? 'layers';
  if (!EXPORT_FORMATS.includes(format)) throw new CliError(`--format ${String(format)}: choose one of ${EXPORT_FORMATS.join(', ')}.`, 2);
  if (options.layout !== undefined && format !== 'safetensors') {
    throw new CliError(`--layout applies to --format safetensors only; add --format safetensors, or drop --layout.`, 2);
  }
  const layout = options.layout ?? 'aitjs';
  if (!WEIGHT_LAYOUTS.includes(layout)) throw new CliError(`--layout ${String(layout)}: choose one of ${WEIGHT_LAYOUTS.join(', ')}.`, 2);
  const out = resolve(options.out);
  checkOutFolder(
    out,
    options.out,
    format === 'safetensors' ? [SAFETENSORS_FILE, EXPORT_INFO_FILE] : [MODEL_JSON_FILE_NAME, WEIGHTS_FILE_NAME],
  );
  const restored = await restoreRun(options.best === true ? resolveBestCheckpoint(target) : target, undefined, {}, options.backend);
  const { model, data, config, path, checkpoint } = restored;
  try {
    if (format === 'safetensors') {
      const written = await exportSafetensors(restored, layout, out);
      const { info } = written;
      if (options.json) {
        const { format: _infoFormat, ...fields } = info;
        printJson(io, {
          command: 'export',
          checkpoint: path,
          format,
          out,
          files: written.files,
          tensors: written.tensors,
          bytes: written.bytes,
          ...fields,
        });
      } else {
        io.stdout(
          `Exported ${config.model} from ${path}\n` +
            `  to        ${out} (${SAFETENSORS_FILE}, ${EXPORT_INFO_FILE})\n` +
            (info.official !== undefined
              ? `  layout    official: the state_dict of ${info.official.model} (${info.official.repository} at ${info.official.commit.slice(0, 7)})\n`
              : `  layout    aitjs: AiT.js weight names\n`) +
            `  tensors   ${written.tensors} (${info.parameters.toLocaleString('en-US')} numbers, ${written.bytes.toLocaleString('en-US')} bytes)\n` +
            `  input     images [batch, ${data.imageShape.join(', ')}]` +
            (data.extraInputs.length > 0
              ? ` + ${data.extraInputs.map((e) => `${e.name} [batch, ${e.shape.join(', ')}]`).join(', ')}`
              : '') +
            `, pixels / 255, then (x - mean) / std per channel; output logits [batch, ${info.labelNames.length}]\n` +
            (info.official !== undefined
              ? `Load it in PyTorch with net.load_state_dict(safetensors.torch.load_file('${join(out, SAFETENSORS_FILE)}')) into the official model built with the "official.arguments" of ${EXPORT_INFO_FILE}.\n`
              : '') +
            `Bring it back with \`ait import ${join(out, SAFETENSORS_FILE)} --out <run dir>\`.\n`,
        );
      }
      return 0;
    }
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
