import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { loadSafetensorsWeights, namedWeights, type TensorValues } from '@ait/core';

/**
 * What the reference-code weight maps (official AiT, Coordination, Set Transformer, paramixer,
 * timm) share when they read or write a model: building it on a zero image, its weights as plain
 * values, and loading weights converted to its own names.
 */

/**
 * Builds `model` by one inference pass on a zero image `[1, size, size, channels]`, if it is not
 * built yet (a model's weights exist only once it has seen an input).
 */
export function buildOnZeroImage(model: layers.Layer, size: number, channels: number): void {
  if (model.built) return;
  tf.tidy(() => {
    model.apply(tf.zeros([1, size, size, channels]), { training: false });
  });
}

/**
 * The weights of a built `model` by name (with the model's scope prefix), as float32 values for a
 * weight map; `notBuilt(message)` makes the error thrown when the model has no weights yet.
 */
export async function builtWeightValues(model: layers.Layer, notBuilt: (message: string) => Error): Promise<Map<string, TensorValues>> {
  if (!model.built) throw notBuilt('the model is not built: call it once (or load weights into it) before exporting');
  const tensors = new Map<string, TensorValues>();
  for (const [name, w] of namedWeights(model)) {
    tensors.set(name, { dtype: 'float32', shape: w.shape as number[], values: Float32Array.from(await w.read().data()) });
  }
  return tensors;
}

/**
 * Loads `converted` (weights under the model's names without its scope prefix) into `model`, the
 * prefix found by `prefixOf` from the model's weight names; every tensor is checked before any
 * weight changes (`loadSafetensorsWeights`).
 */
export function loadUnprefixedWeights(
  model: layers.Layer,
  converted: ReadonlyMap<string, TensorValues>,
  prefixOf: (names: Iterable<string>) => string,
  source: string,
): void {
  const prefix = prefixOf(namedWeights(model).keys());
  loadSafetensorsWeights(model, new Map([...converted].map(([name, t]) => [`${prefix}${name}`, t])), { source });
}
