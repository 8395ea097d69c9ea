import { z } from '@ait/core';
import { PretrainedModelError } from './pretrained-error';

/**
 * The accuracy a pretrained model must reach on its data set's test split to ship: overall
 * (`accuracy`) and, for Sort-of-CLEVR, per question type (`questionTypes`: `non-relational`, `binary`
 * (the relational questions about two objects, what the reference code reports as relational),
 * `ternary`, or `binary and ternary` pooled). Fractions in `[0, 1]`.
 */
export interface PretrainedTarget {
  /** Overall test accuracy. */
  readonly accuracy?: number;
  /** Test accuracy per question type (`non-relational`, `binary`, `ternary`, or `binary and ternary` pooled). */
  readonly questionTypes?: Readonly<Record<string, number>>;
}

/** What a pretrained model takes and gives: everything needed to feed it. */
export interface PretrainedInput {
  /** `[height, width, channels]` of one image; the model takes images `[batch, height, width, channels]`. */
  readonly imageShape: readonly [number, number, number];
  /** How pixels become model inputs: `x = (byte / 255 - mean[c]) / std[c]` per channel `c`. */
  readonly normalization: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Inputs beside the image, in order (Sort-of-CLEVR: `question` `[18]`, fed as `[batch, 18]`); empty for image-only models. */
  readonly extraInputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** Number of classes: the model's logits are `[batch, classes]`. */
  readonly classes: number;
  /** Class names, by label. */
  readonly labelNames: readonly string[];
}

/**
 * One pretrained model of `@ait/vision`, as its manifest records it: the preset and its full
 * config, what it takes, the data set and split it was measured on, the measured accuracy, the
 * recipe it was trained with and the weight file's size and SHA-256.
 */
export interface PretrainedModelInfo {
  /** Name to load it by, e.g. `ait-tiny-conv-triangle`. */
  readonly name: string;
  /** Registered preset the model was trained from (see `listModels`). */
  readonly preset: string;
  /** The preset's family, e.g. `ait`. */
  readonly family: string;
  /** The model's complete config (the preset's defaults with the run's overrides), as the run built it. */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  /** Parameters (weights and state buffers) of the model. */
  readonly parameters: number;
  /** Input shape, normalisation, extra inputs and classes. */
  readonly input: PretrainedInput;
  /** The data set and held-out split the accuracy was measured on. */
  readonly dataset: {
    /** Data set name: `triangle`, `mnist`, `fashion-mnist`, `sort-of-clevr`, ... */
    readonly name: string;
    /** Always `test`: the held-out split `ait eval` uses. */
    readonly split: 'test';
    /** Test examples the accuracy was measured on. */
    readonly testSize: number;
    /** The training run's data set plan (the `dataset` of its `run.json`), so `ait eval --pretrained` opens the same split. */
    readonly plan: Readonly<Record<string, unknown>>;
  };
  /** Measured test accuracy, a fraction in `[0, 1]`. */
  readonly accuracy: number;
  /** Sort-of-CLEVR: measured test accuracy per question type, and `binary and ternary` pooled. */
  readonly questionTypeAccuracy?: Readonly<Record<string, number | null>>;
  /** The target of the data set from the manifest's target table when published, or `null` when it has none. */
  readonly target: PretrainedTarget | null;
  /** Whether the measured accuracy reached the target (false only when published with `--allow-below-target`). */
  readonly meetsTarget: boolean;
  /** The training settings of the run (`run.json`'s recipe, with `recipeName` and any resume changes). */
  readonly recipe: Readonly<Record<string, unknown>>;
  /** Seed of initialisation, dropout and data order. */
  readonly seed: number;
  /** Backend the run trained on, when recorded. */
  readonly backend?: string;
  /** Training position of the checkpoint the weights come from (the run's best). */
  readonly checkpoint: { readonly epoch: number; readonly step: number };
  /** Git commit of the code that published it. */
  readonly commit: string;
  /** Weight file (safetensors, float32, AiT.js weight names), beside the manifest. */
  readonly file: string;
  /** Size of the weight file in bytes. */
  readonly bytes: number;
  /** Hex SHA-256 of the weight file. */
  readonly sha256: string;
}

/** The pretrained-model manifest (`packages/vision/pretrained/manifest.json`). */
export interface PretrainedManifest {
  readonly format: 'ait-vision/pretrained';
  readonly version: 1;
  /** Targets by data set name; a model is published only when it reaches its data set's. */
  readonly targets: Readonly<Record<string, PretrainedTarget>>;
  /** The models, sorted by name. */
  readonly models: readonly PretrainedModelInfo[];
}

/** Pretrained-model names: lower-case words and digits joined by dashes, as preset names. */
export const PRETRAINED_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const fraction = z.number().min(0).max(1);
const count = z.number().int().min(0);
const targetSchema = z.strictObject({ accuracy: fraction.optional(), questionTypes: z.record(z.string(), fraction).optional() });

const entrySchema = z.strictObject({
  name: z.string().regex(PRETRAINED_NAME_PATTERN, 'lower-case words and digits joined by dashes'),
  preset: z.string().min(1),
  family: z.string().min(1),
  modelConfig: z.record(z.string(), z.unknown()),
  parameters: count,
  input: z.strictObject({
    imageShape: z.tuple([count, count, count]),
    normalization: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number()) }),
    extraInputs: z.array(z.strictObject({ name: z.string(), shape: z.array(count) })),
    classes: count,
    labelNames: z.array(z.string()),
  }),
  dataset: z.strictObject({ name: z.string(), split: z.literal('test'), testSize: count, plan: z.record(z.string(), z.unknown()) }),
  accuracy: fraction,
  questionTypeAccuracy: z.record(z.string(), fraction.nullable()).optional(),
  target: targetSchema.nullable(),
  meetsTarget: z.boolean(),
  recipe: z.record(z.string(), z.unknown()),
  seed: z.number(),
  backend: z.string().optional(),
  checkpoint: z.strictObject({ epoch: count, step: count }),
  commit: z.string(),
  file: z.string().regex(/^[\w.-]+\.safetensors$/, 'a file name ending in .safetensors, beside the manifest'),
  bytes: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
});

const manifestSchema = z.strictObject({
  format: z.literal('ait-vision/pretrained'),
  version: z.literal(1),
  targets: z.record(z.string(), targetSchema),
  models: z.array(entrySchema),
});

/**
 * Checks that `value` (a parsed `manifest.json`) is a {@link PretrainedManifest}: every field, and
 * names that are unique. Throws a {@link PretrainedModelError} (`invalid-manifest`) naming each
 * problem and `where` the manifest came from.
 */
export function parsePretrainedManifest(value: unknown, where: string): PretrainedManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new PretrainedModelError(
      'invalid-manifest',
      `${where} is not a pretrained-model manifest (${issues.join('; ')}). Write it with scripts/publish-pretrained.ts of @ait/vision.`,
    );
  }
  const manifest: PretrainedManifest = parsed.data;
  const seen = new Set<string>();
  for (const m of manifest.models) {
    if (seen.has(m.name)) {
      throw new PretrainedModelError('invalid-manifest', `${where} lists the pretrained model "${m.name}" twice; keep one entry per name.`);
    }
    seen.add(m.name);
  }
  return manifest;
}
