import type * as tf from '@tensorflow/tfjs-core';
import type { TrainingPosition } from '@ait/core';
import type { DatasetInfo } from '@ait/datasets';

/** The sidecar file `ait export` writes beside `model.json`. */
export const EXPORT_INFO_FILE = 'ait-model.json';

/**
 * What an application needs to feed an exported model (`ait-model.json`, and
 * `userDefinedMetadata.ait` of `model.json`): the input image shape, how pixels are normalised,
 * the extra inputs and the names of the output classes.
 */
export interface ExportedModelInfo {
  /** Version of this description; 1. */
  readonly formatVersion: 1;
  /** Registered preset the model was trained from, e.g. `ait-tiny`. */
  readonly model: string;
  /** Data set it was trained on, e.g. `triangle-test`. */
  readonly dataset: string;
  /** `[height, width, channels]` of one input image. */
  readonly imageShape: readonly [number, number, number];
  /** How pixels become model inputs: `x = (byte / 255 - mean[c]) / std[c]` per channel `c`. */
  readonly normalization: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Inputs beside the image, in order (e.g. the Sort-of-CLEVR question `[18]`); empty for image-only models. */
  readonly extraInputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** Class names, in the order of the output probabilities `[batch, classes]`. */
  readonly labelNames: readonly string[];
  /** What the model outputs. */
  readonly output: 'probabilities';
  /** The checkpoint it was exported from, and its training position. */
  readonly source: { readonly checkpoint: string; readonly epoch: number; readonly step: number };
}

/** The {@link ExportedModelInfo} of a model trained on `data`, exported from `checkpoint`. */
export function exportedModelInfo(model: string, data: DatasetInfo, checkpoint: string, position: TrainingPosition): ExportedModelInfo {
  const [h, w, c] = data.imageShape;
  return {
    formatVersion: 1,
    model,
    dataset: data.name,
    imageShape: [h, w, c],
    normalization: { mean: [...data.normalization.mean], std: [...data.normalization.std] },
    extraInputs: data.extraInputs.map((e) => ({ name: e.name, shape: [...e.shape] })),
    labelNames: Array.from({ length: data.numClasses }, (_, i) => data.labelNames[i] ?? String(i)),
    output: 'probabilities',
    source: { checkpoint, epoch: position.epoch, step: position.step },
  };
}

/** The AiT option `memoryUpdateInEval` as written in a topology (tfjs-layers writes config keys in snake case). */
const MEMORY_UPDATE_KEYS = new Set(['memory_update_in_eval', 'memoryUpdateInEval']);

function freezeMemory(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(freezeMemory);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, MEMORY_UPDATE_KEYS.has(k) && typeof v === 'boolean' ? false : freezeMemory(v)]),
  );
}

/**
 * The artifacts with every `memoryUpdateInEval` (`memory_update_in_eval`) of the topology set to false: an exported AiT keeps
 * its trained memory at inference instead of updating it on each call (as `ait predict` and
 * `ait eval` leave it), so the same image always gets the same answer.
 */
export function withoutMemoryUpdates(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) return artifacts;
  return { ...artifacts, modelTopology: freezeMemory(artifacts.modelTopology) as object };
}
