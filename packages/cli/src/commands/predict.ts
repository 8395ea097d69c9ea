import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { type BackendChoice, disposeBatch } from '@ait/core';
import { assembleBatch, IMAGE_EXTENSIONS, readImageFile, type DatasetInfo } from '@ait/datasets';
import type { VisionModel } from '@ait/vision';
import { resolveBestCheckpoint } from '../util/best-checkpoint';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { inferProbabilities } from '../util/model-inference';
import { formatTable, printJson } from '../util/output';
import { openPretrained, pretrainedDataInfo } from '../util/pretrained-choice';
import { restoreRun } from '../util/run-checkpoint';

/** Options of `ait predict`. */
export interface PredictCommandOptions {
  /** Use the run's best checkpoint (`checkpoints/best.ckpt`) instead of its newest. */
  best?: boolean;
  /** The target names a pretrained model shipped with `@ait/vision`, not a run. */
  pretrained?: boolean;
  /** Classes listed per image, most probable first (default 3, at most the number of classes). */
  top?: number;
  backend?: BackendChoice;
  json?: boolean;
}

/** One image's answer: the most probable class and the `top` most probable with their probabilities. */
export interface Prediction {
  readonly image: string;
  readonly predicted: string;
  readonly probability: number;
  readonly top: readonly { readonly label: string; readonly probability: number }[];
}

/**
 * Images per forward pass: one, because an AiT with `competition: 'batch'` lets the images of a
 * batch compete for the memory slots, so an image's answer would depend on the others beside it.
 */
const PREDICT_BATCH = 1;

const isImageFile = (name: string): boolean => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

/** The image files `inputs` name: files as given, folders searched (sub-folders too) for PNG / JPEG files, sorted. */
export async function collectImages(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const given of inputs) {
    const path = resolve(given);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new CliError(`${given} does not exist; give PNG/JPEG files or folders holding them.`, 2);
    if (info.isFile()) {
      files.push(path);
      continue;
    }
    const found = (await readdir(path, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && isImageFile(e.name))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    if (found.length === 0) throw new CliError(`Folder ${given} holds no ${IMAGE_EXTENSIONS.join('/')} images.`, 2);
    files.push(...found);
  }
  return files;
}

function checkImageOnly(data: DatasetInfo, model: string): void {
  if (data.extraInputs.length === 0) return;
  const extras = data.extraInputs.map((e) => `${e.name} [${e.shape.join(', ')}]`).join(', ');
  throw new CliError(
    `Model ${model} was trained on ${data.name}, which feeds it ${extras} beside each image; ait predict reads images only. ` +
      'Use `ait eval` on its test split, or `ait export` it and pass [images, questions] to the loaded model yourself.',
    2,
  );
}

/** The model `ait predict` runs, with the facts of its training data and where it came from. */
interface PredictModel {
  readonly model: VisionModel;
  readonly data: DatasetInfo;
  readonly preset: string;
  readonly from: string;
}

async function predictModel(target: string, options: PredictCommandOptions): Promise<PredictModel> {
  if (options.pretrained === true) {
    if (options.best === true)
      throw new CliError('--best picks a checkpoint of a run; a pretrained model has one set of weights. Drop --best.', 2);
    const { info, model } = await openPretrained(target, options.backend);
    return { model, data: pretrainedDataInfo(info), preset: info.preset, from: `pretrained model ${info.name}` };
  }
  const { model, data, config, path } = await restoreRun(
    options.best === true ? resolveBestCheckpoint(target) : target,
    undefined,
    {},
    options.backend,
  );
  return { model, data, preset: config.model, from: path };
}

/**
 * `ait predict <run dir or checkpoint> <images or folders...>`: rebuilds the checkpoint's model (the
 * newest of a run, or with `best` its best), reads each PNG / JPEG as `@ait/datasets`' image-folder
 * loader does (converted to the model's channels, resized bilinearly to its image size), normalises
 * it as the run's data set was during training, and prints the `top` most probable classes with
 * their probabilities (a table, or with `json` a JSON array of {@link Prediction}). Models with an
 * input beside the image (Sort-of-CLEVR questions) are refused. With `pretrained`, `target` names a
 * pretrained model of `@ait/vision` instead (images normalised as its manifest says).
 */
export async function predictCommand(
  target: string,
  images: readonly string[],
  options: PredictCommandOptions,
  io: CliIo,
): Promise<number> {
  const files = await collectImages(images);
  const { model, data, preset, from } = await predictModel(target, options);
  try {
    checkImageOnly(data, preset);
    const labels = Array.from({ length: data.numClasses }, (_, i) => data.labelNames[i] ?? String(i));
    const top = Math.min(options.top ?? 3, labels.length);
    const predictions: Prediction[] = [];
    for (let start = 0; start < files.length; start += PREDICT_BATCH) {
      const chunk = files.slice(start, start + PREDICT_BATCH);
      const samples = [];
      for (const file of chunk) {
        try {
          samples.push({ image: await readImageFile(file, data.imageShape), label: 0 });
        } catch (err) {
          throw new CliError((err as Error).message, 1, { cause: err });
        }
      }
      const batch = assembleBatch(samples, data, data.normalization);
      try {
        const rows = await inferProbabilities(model, batch.x);
        rows.forEach((row, i) => {
          const ranked = Array.from(row, (p, k) => ({ label: labels[k] as string, probability: p }))
            .sort((a, b) => b.probability - a.probability)
            .slice(0, top);
          const best = ranked[0] as { label: string; probability: number };
          predictions.push({ image: chunk[i] as string, predicted: best.label, probability: best.probability, top: ranked });
        });
      } finally {
        disposeBatch(batch);
      }
    }
    if (options.json) {
      printJson(io, predictions);
    } else {
      const [h, w, c] = data.imageShape;
      io.stdout(
        `Model ${preset} from ${from}\n` +
          `Images are read as ${c === 1 ? 'grey' : 'RGB'} and resized to ${h} x ${w} (bilinear) where they differ.\n\n` +
          formatTable(
            ['image', 'predicted', 'probability', ...(top > 1 ? [`top ${top}`] : [])],
            predictions.map((p) => [
              p.image,
              p.predicted,
              p.probability.toFixed(4),
              ...(top > 1 ? [p.top.map((t) => `${t.label} ${t.probability.toFixed(3)}`).join(', ')] : []),
            ]),
          ),
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}
