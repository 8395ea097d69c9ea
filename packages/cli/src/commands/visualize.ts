import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  applyModel,
  type BackendChoice,
  createForwardContext,
  discardStateUpdates,
  disposeBatch,
  releaseAuxLosses,
  runWithForwardContext,
} from '@ait/core';
import { assembleBatch, decodeImage, resizeBilinear, rgbaToChannels, type Dataset, type Sample } from '@ait/datasets';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { printJson } from '../util/output';
import { restoreRun } from '../util/run-checkpoint';
import { heatmapSvg, panelsOf } from '../util/svg-heatmap';

/** Options of `ait visualize`. */
export interface VisualizeOptions {
  /** Index into the run's test split, or a PNG / JPEG file. */
  image: string;
  /** Output folder; default `<run dir>/visualize/<image>`. */
  out?: string;
  backend?: BackendChoice;
  json?: boolean;
}

async function sampleFor(image: string, data: Dataset): Promise<{ sample: Sample; label: string }> {
  if (/^\d+$/.test(image)) {
    const index = Number(image);
    if (data.access === 'stream' || index >= (data.size ?? 0)) {
      throw new CliError(
        `--image ${image}: the test split ${data.name} has ${data.size ?? 'no indexable'} examples; give an index below that, or an image file.`,
        2,
      );
    }
    const sample = data.access === 'random' ? data.get(index) : await data.read(index);
    return { sample, label: `${data.name} #${index}` };
  }
  const path = resolve(image);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new CliError(`--image ${image}: no such file, and not a data set index; give a PNG/JPEG file or an index.`, 2);
  }
  let decoded;
  try {
    decoded = decodeImage(bytes, path);
  } catch (err) {
    throw new CliError((err as Error).message, 2, { cause: err });
  }
  const [h, w, c] = data.imageShape;
  if (c !== 1 && c !== 3) throw new CliError(`The model takes ${c}-channel images; only 1 or 3 channels can be read from files.`, 2);
  const pixels = rgbaToChannels(decoded.data, c);
  const imageData =
    decoded.height === h && decoded.width === w
      ? pixels
      : resizeBilinear(pixels, [decoded.height, decoded.width, c], h, w).map((v) => v / 255);
  if (data.extraInputs.length > 0)
    throw new CliError(
      `Data set ${data.name} needs extra inputs (${data.extraInputs.map((e) => e.name).join(', ')}); use a data set index instead of a file.`,
      2,
    );
  return { sample: { image: imageData, label: 0 }, label: path };
}

/**
 * `ait visualize <checkpoint> --image <index|file>`: runs the checkpoint's model on one image with
 * its internal maps recorded and writes each map as an SVG heat-map figure (AiT: self-attention
 * per head, bottleneck gates and selections per head, priors, the priors the pass read, Hopfield
 * associations), plus the input image and the predicted class probabilities.
 */
export async function visualizeCommand(target: string, options: VisualizeOptions, io: CliIo): Promise<number> {
  const { model, data, config, path } = await restoreRun(target, undefined, { recordMaps: true }, options.backend);
  try {
    const { sample, label } = await sampleFor(options.image, data);
    const out = resolve(options.out ?? join(path, '..', '..', 'visualize', options.image.replace(/[^a-z0-9._-]+/gi, '_')));
    await mkdir(out, { recursive: true });
    const batch = assembleBatch([sample], data, data.normalization);
    const ctx = createForwardContext(false);
    const files: string[] = [];
    let probabilities: number[] = [];
    try {
      const probs = tf.tidy(() => runWithForwardContext(ctx, () => tf.softmax(applyModel(model, batch.x, false))));
      probabilities = Array.from(await probs.data());
      probs.dispose();
      const maps = model.internalMaps();
      if (Object.keys(maps).length === 0) {
        throw new CliError(`Model ${config.model} records no internal maps; visualize works with models that expose them (AiT, ViT, ...).`);
      }
      const [h, w, c] = data.imageShape;
      const imageValues = Array.from(sample.image, (v) => (sample.image instanceof Uint8Array ? v / 255 : v));
      const inputPanels = panelsOf(
        Array.from({ length: c * h * w }, (_, k) => imageValues[(k % (h * w)) * c + Math.floor(k / (h * w))] as number),
        [c, h, w],
        'channel',
      );
      await writeFile(join(out, 'input.svg'), heatmapSvg(`Input ${label}`, inputPanels, { grey: true }), 'utf8');
      files.push(join(out, 'input.svg'));
      for (const [name, tensor] of Object.entries(maps)) {
        const shape = tensor.shape[0] === 1 && tensor.rank >= 3 ? tensor.shape.slice(1) : tensor.shape;
        const values = await tensor.data();
        const file = join(out, `${name.replace(/[^a-z0-9_-]+/gi, '_')}.svg`);
        await writeFile(
          file,
          heatmapSvg(`${name} [${tensor.shape.join(', ')}] of ${config.model}`, panelsOf(values, shape, name.split('/').pop() ?? name)),
          'utf8',
        );
        files.push(file);
      }
    } finally {
      releaseAuxLosses(ctx);
      discardStateUpdates(ctx);
      disposeBatch(batch);
    }
    const predicted = probabilities.indexOf(Math.max(...probabilities));
    const result = {
      command: 'visualize',
      checkpoint: path,
      image: label,
      label: /^\d+$/.test(options.image) ? (data.labelNames[sample.label] ?? String(sample.label)) : null,
      predicted: data.labelNames[predicted] ?? String(predicted),
      probabilities,
      out,
      files,
    };
    if (options.json) printJson(io, result);
    else
      io.stdout(
        `Predicted ${result.predicted}${result.label !== null ? ` (true: ${result.label})` : ''}; wrote ${files.length} figures to ${out}\n`,
      );
    return 0;
  } finally {
    model.dispose();
  }
}
