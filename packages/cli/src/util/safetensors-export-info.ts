import { readFile } from 'node:fs/promises';
import { z } from '@ait/core';
import { CliError } from './cli-error';
import type { ExportedModelInfo } from './exported-model-info';
import { parseRunConfig, type RunConfig } from './run-config';

/** The weights file `ait export --format safetensors` writes. */
export const SAFETENSORS_FILE = 'model.safetensors';

/** Tensor names and layouts of a safetensors export: AiT.js's own, or the official PyTorch AiT's `state_dict`. */
export const WEIGHT_LAYOUTS = ['aitjs', 'official'] as const;

/** One of {@link WEIGHT_LAYOUTS}. */
export type WeightLayout = (typeof WEIGHT_LAYOUTS)[number];

/** Value of the `format` field that marks an `ait-model.json` written beside a safetensors export. */
export const SAFETENSORS_EXPORT_FORMAT = 'ait-cli/safetensors';

/** The official code a file of the `official` layout follows. */
export interface OfficialSource {
  readonly repository: string;
  readonly commit: string;
  /** The official module the `state_dict` belongs to, e.g. `vit_hn.ViT with ait.ModularNN blocks`. */
  readonly model: string;
  /**
   * The settings to build that module with, in the official code's names (`ViT(image_size=...,
   * dim=..., heads=..., dim_head=...)` and `ait.py`'s globals `pattern_size`, `memory_dim`,
   * `memory_head`, `bottleneck`, `beta`, `dim` = tokens per image, `SA`), and the `file` that
   * defines the `ViT`. Written by `ait export`.
   */
  readonly arguments?: Readonly<Record<string, number | boolean | string>>;
}

/**
 * `ait-model.json` of a safetensors export: what an application needs to feed the model (the
 * preprocessing facts of the Layers export's `ait-model.json`), and what `ait import` needs to
 * rebuild it (the run's preset, model config, data set and recipe). The model maps normalised
 * images `[batch, height, width, channels]` (plus the extra inputs) to logits `[batch, classes]`.
 */
export interface SafetensorsExportInfo extends Omit<ExportedModelInfo, 'output'> {
  readonly format: typeof SAFETENSORS_EXPORT_FORMAT;
  /** The weights file beside this one. */
  readonly weights: string;
  readonly layout: WeightLayout;
  /** The model family of the preset, e.g. `ait`. */
  readonly family: string;
  /** What the model outputs: logits (no softmax). */
  readonly output: 'logits';
  /** Trainable and non-trainable numbers in the file (AiT's memory included). */
  readonly parameters: number;
  /** The model's complete config (the preset's values with the run's overrides), for reference. */
  readonly config: Readonly<Record<string, unknown>>;
  /** For the `official` layout: the official code whose `state_dict` the file holds. */
  readonly official?: OfficialSource;
  /** The run configuration the weights were trained with (without its resume history). */
  readonly run: RunConfig;
}

const infoSchema = z.object({
  format: z.literal(SAFETENSORS_EXPORT_FORMAT),
  formatVersion: z.literal(1),
  weights: z.string(),
  layout: z.enum(WEIGHT_LAYOUTS),
  model: z.string(),
  family: z.string(),
  run: z.unknown(),
});

/**
 * Reads the `ait-model.json` at `path` when it describes a safetensors export, checking the
 * fields `ait import` relies on; `undefined` when the file is absent or belongs to a Layers export
 * (which has no `format` field). A corrupt file is a usage error (exit 2) naming it.
 */
export async function readSafetensorsExportInfo(path: string): Promise<SafetensorsExportInfo | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON; delete it, or give --model or --config to say which model the weights are for.`, 2);
  }
  if (typeof value !== 'object' || value === null || !('format' in value)) return undefined;
  const parsed = infoSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError(
      `${path} is not a valid safetensors export description (${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
        .join('; ')}); give --model or --config instead.`,
      2,
    );
  }
  const run = parseRunConfig(parsed.data.run, `The "run" field of ${path}`);
  return { ...(value as SafetensorsExportInfo), run };
}
