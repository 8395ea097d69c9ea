import { decodeSafetensors, loadSafetensorsWeights, runtimePlatform } from '@ait/core';
import type { VisionModel } from '../models/vision-model';
import { buildModelForData } from '../registry/build-model-for-data';
import { createModel } from '../registry/model-registry';
import { decodeBase64 } from './base64';
import { PretrainedModelError } from './pretrained-error';
import type { PretrainedModelInfo } from './pretrained-manifest';
import { SHIPPED_WEIGHT_MODULES } from './shipped-weight-modules';
import { findPretrained } from './shipped-pretrained';

/** Options of {@link loadPretrainedModel}. */
export interface LoadPretrainedOptions {
  /**
   * Gets the weight file's bytes instead of importing the weight module shipped in `@ait/vision`
   * (for example from your own server: `(info) => fetch(url + info.file).then(...)`). The bytes are
   * checked against the manifest's size and SHA-256 all the same.
   */
  readonly weights?: (info: PretrainedModelInfo) => Promise<Uint8Array>;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function checkWeightBytes(info: PretrainedModelInfo, bytes: Uint8Array, source: string): void {
  if (bytes.byteLength !== info.bytes) {
    throw new PretrainedModelError(
      'size',
      `${source}: the weights are ${bytes.byteLength} bytes, but the manifest's ${info.file} has ${info.bytes}: a truncated or other file. ` +
        'Reinstall @ait/vision (or fetch the file again); nothing was loaded.',
    );
  }
  const actual = hex(runtimePlatform().sha256(bytes));
  if (actual !== info.sha256) {
    throw new PretrainedModelError(
      'checksum',
      `${source}: the weights' SHA-256 is ${actual}, but the manifest's ${info.file} has ${info.sha256}: the bytes were changed or damaged. ` +
        'Reinstall @ait/vision (or fetch the file again); nothing was loaded.',
    );
  }
}

/**
 * The config a pretrained model is built with: the manifest's, with AiT's memory frozen at
 * inference (`memoryUpdateInEval: false`). A call's output does not depend on that setting, only
 * later calls do: frozen, every call sees the trained memory, as `ait eval` measured it (it
 * discards the updates), and the same image always gets the same answer.
 */
function inferenceConfig(modelConfig: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return 'memoryUpdateInEval' in modelConfig ? { ...modelConfig, memoryUpdateInEval: false } : { ...modelConfig };
}

/**
 * Builds the model a pretrained entry describes (its preset with its full `modelConfig`, built for
 * its input shape; AiT's memory frozen, see `memoryUpdateInEval`) and sets every weight from `bytes`,
 * the entry's safetensors file, after checking the bytes' size and SHA-256 against the entry. The model is in inference form: call it on images
 * `[batch, height, width, channels]` normalised as `info.input.normalization` says (plus the extra
 * inputs, e.g. questions `[batch, 18]`) for logits `[batch, classes]`. Needs a backend
 * (`initBackend`) like any model.
 *
 * Throws a {@link PretrainedModelError}: `size` or `checksum` when the bytes are not the manifest's
 * file, `mismatch` when the weights do not fit the model this version of `@ait/vision` builds.
 */
export function modelFromPretrainedWeights(
  info: PretrainedModelInfo,
  bytes: Uint8Array,
  source = `pretrained model "${info.name}"`,
): VisionModel {
  checkWeightBytes(info, bytes, source);
  let model: VisionModel;
  try {
    model = createModel(info.preset, inferenceConfig(info.modelConfig));
  } catch (err) {
    throw new PretrainedModelError(
      'mismatch',
      `${source}: preset ${info.preset} rejects the manifest's model config (${(err as Error).message}); ` +
        'this version of @ait/vision cannot build it. Use the @ait/vision version that published it.',
      { cause: err },
    );
  }
  try {
    const { tensors } = decodeSafetensors(bytes, source);
    buildModelForData(model, info.input);
    loadSafetensorsWeights(model, tensors, { source });
  } catch (err) {
    model.dispose();
    throw new PretrainedModelError(
      'mismatch',
      `${source}: the weights do not fit ${info.preset} with the manifest's config: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return model;
}

/** The base64 text a weight module exports (as `default`, however a bundler wrapped the CommonJS module). */
function moduleText(loaded: unknown): string | undefined {
  let value = loaded;
  for (let depth = 0; depth < 3; depth++) {
    if (typeof value === 'string') return value;
    if (typeof value !== 'object' || value === null || !('default' in value)) return undefined;
    value = (value as { default: unknown }).default;
  }
  return typeof value === 'string' ? value : undefined;
}

async function shippedWeights(info: PretrainedModelInfo): Promise<Uint8Array> {
  const load = SHIPPED_WEIGHT_MODULES[info.name];
  if (!load) {
    throw new PretrainedModelError(
      'weights-unavailable',
      `The manifest of @ait/vision lists the pretrained model "${info.name}", but this build has no weight module for it ` +
        '(src/pretrained/shipped-weight-modules.ts): publish it again with scripts/publish-pretrained.ts, or pass `weights`.',
    );
  }
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (err) {
    throw new PretrainedModelError(
      'weights-unavailable',
      `Could not import the weights of the pretrained model "${info.name}" (@ait/vision/pretrained/${info.name}: ${(err as Error).message}). ` +
        `Build @ait/vision (its build writes dist/pretrained/${info.name}.cjs), or pass \`weights\` to load ${info.file} from elsewhere.`,
      { cause: err },
    );
  }
  const text = moduleText(loaded);
  if (text === undefined) {
    throw new PretrainedModelError(
      'weights-unavailable',
      `The weight module of the pretrained model "${info.name}" exports no base64 text; rebuild @ait/vision.`,
    );
  }
  return decodeBase64(text, `the weight module of "${info.name}"`);
}

/**
 * Loads a pretrained model shipped in `@ait/vision` by name (see {@link listPretrained}): its weights
 * come from a module of the package that bundlers put in a chunk of its own, fetched only now (so a
 * page that never asks for pretrained weights never downloads them), or from `options.weights`.
 * The bytes are checked against the manifest's size and SHA-256, then the model is built as
 * {@link modelFromPretrainedWeights} says. Asynchronous because the weights are imported on demand.
 *
 * Throws a {@link PretrainedModelError}: `unknown-name` (listing the names there are),
 * `weights-unavailable`, `size`, `checksum` or `mismatch`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@ait/core';
 * import { listPretrained, loadPretrainedModel } from '@ait/vision';
 *
 * await initBackend({ backend: 'auto' });
 * const info = listPretrained({ dataset: 'triangle' })[0];
 * if (info !== undefined) {
 *   const model = await loadPretrainedModel(info.name);
 *   // normalised images [batch, height, width, channels] -> logits [batch, classes]
 *   const logits = model.apply(tf.zeros([2, ...info.input.imageShape]), { training: false }) as tf.Tensor;
 *   console.log(info.name, `${(100 * info.accuracy).toFixed(2)} %`, logits.shape);
 * }
 * ```
 */
export async function loadPretrainedModel(name: string, options: LoadPretrainedOptions = {}): Promise<VisionModel> {
  const info = findPretrained(name);
  let bytes: Uint8Array;
  if (options.weights) {
    try {
      bytes = await options.weights(info);
    } catch (err) {
      throw new PretrainedModelError('weights-unavailable', `Could not get the weights of "${name}": ${(err as Error).message}`, {
        cause: err,
      });
    }
  } else {
    bytes = await shippedWeights(info);
  }
  return modelFromPretrainedWeights(info, bytes, `pretrained model "${name}"`);
}
