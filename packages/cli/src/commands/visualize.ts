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
import { AssociativeTransformer } from '@ait/vision';
import { type Figure, figurePng, figureSvg } from '../util/figure';
import { type HeatmapPanel, heatmapFigure, panelsOf } from '../util/svg-heatmap';
import { firstImageMap, imageRgb, overlayPanels, scaleOfMap } from '../util/token-maps';

/** Options of `ait visualize`. */
export interface VisualizeOptions {
  /** Index into the run's test split, or a PNG / JPEG file. */
  image: string;
  /** Output folder; default `<run dir>/visualize/<image>`. */
  out?: string;
  backend?: BackendChoice;
  /**
   * AiT only: how the bottleneck's tokens compete in the figure. `sample` (the default for every
   * AiT): the image's tokens compete alone; `batch`: the image is the first of a real batch of
   * `batchSize` test images and all their tokens compete, as in training with batch competition.
   */
  competition?: 'sample' | 'batch';
  /** Images in the batch of `competition: 'batch'`; default 64 (at most the test split's size). */
  batchSize?: number;
  json?: boolean;
}

/** What `ait visualize` reports about AiT's bottleneck in the figures. */
export interface BottleneckReport {
  /** Competition the model was trained (configured) with. */
  readonly trained: 'batch' | 'sample';
  /** Competition the figures were computed with. */
  readonly shown: 'batch' | 'sample';
  /** Images whose tokens competed together (1 with per-sample competition). */
  readonly images: number;
  /** Tokens each memory slot chose from (per head). */
  readonly competingTokens: number;
  /** Bottleneck size k. */
  readonly topK: number;
  /** True when k >= competing tokens or the noBottleneck ablation is on: every token is selected. */
  readonly off: boolean;
  /** How the gates were computed, as in the figures' captions. */
  readonly note: string;
  /** Why the bottleneck is off in the figures (`off`), or null. */
  readonly warning: string | null;
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

interface AitFacts {
  readonly competition: 'batch' | 'sample';
  readonly topK: number;
  readonly tokens: number;
  readonly noBottleneck: boolean;
  readonly noMemory: boolean;
}

function aitFacts(model: unknown): AitFacts | null {
  if (!(model instanceof AssociativeTransformer)) return null;
  const c = model.config;
  return {
    competition: c.competition,
    topK: c.topK,
    tokens: model.numTokens,
    noBottleneck: c.ablation.noBottleneck,
    noMemory: c.ablation.noMemory,
  };
}

function bottleneckReport(ait: AitFacts, shown: 'batch' | 'sample', images: number): BottleneckReport {
  const competing = shown === 'batch' ? images * ait.tokens : ait.tokens;
  const off = ait.noBottleneck || ait.topK >= competing;
  const how =
    shown === 'sample'
      ? `per-sample competition: this image's ${ait.tokens} tokens compete alone for each memory slot`
      : `batch competition: this image is the first of a batch of ${images} test images whose ${competing} tokens compete together`;
  const trained =
    shown === ait.competition ? `as the model was trained (${shown})` : `the model was trained with ${ait.competition} competition`;
  const warning = ait.noBottleneck
    ? 'The noBottleneck ablation is on: every slot attends to every token, nothing is selected.'
    : off
      ? `k = ${ait.topK} >= ${competing} competing tokens: every token is selected, so the bottleneck is off in these figures.` +
        (shown === 'sample' ? ' Use --competition batch to let the tokens of a batch of test images compete.' : '')
      : null;
  return {
    trained: ait.competition,
    shown,
    images,
    competingTokens: competing,
    topK: ait.topK,
    off,
    note: `Gates computed with ${how} (${trained}); each slot keeps k = ${ait.topK} of ${competing} tokens per head.${warning ? ` ${warning}` : ''}`,
    warning,
  };
}

async function batchPeers(data: Dataset, first: Sample, skip: number | null, size: number): Promise<Sample[]> {
  if (data.access === 'stream') {
    throw new CliError(`--competition batch needs an indexable test split; ${data.name} is streamed. Use --competition sample.`, 2);
  }
  const samples = [first];
  for (let i = 0; i < data.size && samples.length < size; i++) {
    if (i === skip) continue;
    samples.push(data.access === 'random' ? data.get(i) : await data.read(i));
  }
  return samples;
}

async function writeFigure(out: string, base: string, figure: Figure, files: string[]): Promise<void> {
  await writeFile(join(out, `${base}.svg`), figureSvg(figure), 'utf8');
  await writeFile(join(out, `${base}.png`), figurePng(figure));
  files.push(join(out, `${base}.svg`), join(out, `${base}.png`));
}

/**
 * `ait visualize <checkpoint> --image <index|file>`: runs the checkpoint's model on one image with
 * its internal maps recorded and writes each map as a heat-map figure, SVG (with text) and PNG
 * (pixels only), with a colour bar on every heat map (gates, selections and attention on the
 * fixed scale [0, 1]): AiT's self-attention per head, bottleneck gates and selections per head,
 * priors, the priors the pass read and Hopfield associations, plus overlays of the token maps on
 * the input image and the input itself. An AiT runs its bottleneck with per-sample competition by
 * default, so that one image does not switch it off (`competition: 'batch'` with a single image
 * lets every slot keep all tokens whenever k >= tokens); `--competition batch` instead places the
 * image in a real batch of test images. The figures' captions and the output say which, and warn
 * when k >= the competing tokens.
 */
export async function visualizeCommand(target: string, options: VisualizeOptions, io: CliIo): Promise<number> {
  let restored = await restoreRun(target, undefined, { recordMaps: true }, options.backend);
  const ait = aitFacts(restored.model);
  if (!ait && options.competition !== undefined) {
    restored.model.dispose();
    throw new CliError(`--competition applies to AiT models only; ${restored.config.model} has no bottleneck competition. Remove it.`, 2);
  }
  const shown = options.competition ?? 'sample';
  if (ait && shown !== ait.competition) {
    restored.model.dispose();
    restored = await restoreRun(target, undefined, { recordMaps: true, competition: shown }, options.backend);
  }
  const { model, data, config, path } = restored;
  try {
    const { sample, label } = await sampleFor(options.image, data);
    const out = resolve(options.out ?? join(path, '..', '..', 'visualize', options.image.replace(/[^a-z0-9._-]+/gi, '_')));
    await mkdir(out, { recursive: true });
    const skip = /^\d+$/.test(options.image) ? Number(options.image) : null;
    const samples = ait && shown === 'batch' ? await batchPeers(data, sample, skip, options.batchSize ?? 64) : [sample];
    const report = ait && !ait.noMemory ? bottleneckReport(ait, shown, samples.length) : null;
    const warnings = report?.warning ? [report.warning] : [];
    const caption = [`${config.model} on ${label}.`, ...(report ? [report.note] : [])];
    const batch = assembleBatch(samples, data, data.normalization);
    const ctx = createForwardContext(false);
    const files: string[] = [];
    let probabilities: number[] = [];
    try {
      const probs = tf.tidy(() =>
        runWithForwardContext(ctx, () => tf.softmax(tf.slice(applyModel(model, batch.x, false), [0, 0], [1, -1]))),
      );
      probabilities = Array.from(await probs.data());
      probs.dispose();
      const maps = model.internalMaps();
      if (Object.keys(maps).length === 0) {
        throw new CliError(`Model ${config.model} records no internal maps; visualize works with models that expose them (AiT, ViT, ...).`);
      }
      const [h, w, c] = data.imageShape;
      const imageValues = Array.from(sample.image, (v) => (sample.image instanceof Uint8Array ? v / 255 : v));
      const input = imageRgb(imageValues, h, w, c);
      const inputPanel: HeatmapPanel = { title: `${h}x${w}, ${c} channel${c === 1 ? '' : 's'}`, rows: h, cols: w, image: input };
      await writeFigure(
        out,
        'input',
        heatmapFigure(`Input: ${label}`, [inputPanel], { cell: Math.max(1, Math.floor(256 / Math.max(h, w))) }),
        files,
      );
      for (const [name, tensor] of Object.entries(maps)) {
        const map = firstImageMap(name, tensor.shape, await tensor.data(), samples.length, ait?.tokens ?? null, shown === 'batch');
        const base = name.replace(/[^a-z0-9_-]+/gi, '_');
        const leaf = name.split('/').pop() ?? name;
        const title = `${name} [${map.shape.join(', ')}] of ${config.model}`;
        await writeFigure(
          out,
          base,
          heatmapFigure(title, panelsOf(map.values, map.shape, map.shape.length >= 3 ? `${leaf}, head` : leaf, scaleOfMap(name)), {
            caption,
          }),
          files,
        );
        const overlay = overlayPanels(name, map, input);
        if (overlay.panels.length > 0) {
          const figure = heatmapFigure(`${name} over the input: ${overlay.what}`, overlay.panels, {
            caption,
            cell: Math.max(1, Math.floor(160 / Math.max(h, w))),
          });
          await writeFigure(out, `${base}_overlay`, figure, files);
        }
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
      bottleneck: report,
      warnings,
      out,
      files,
    };
    if (options.json) printJson(io, result);
    else {
      for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
      io.stdout(
        `Predicted ${result.predicted}${result.label !== null ? ` (true: ${result.label})` : ''}; wrote ${files.length / 2} figures (SVG and PNG) to ${out}\n` +
          (report ? `${report.note}\n` : ''),
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}
