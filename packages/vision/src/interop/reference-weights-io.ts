import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { decodeSafetensors, encodeSafetensors, loadSafetensorsWeights, namedWeights, type TensorValues } from '@ait/core';

/**
 * What the reference-code weight maps (official AiT, Coordination, Set Transformer, paramixer,
 * timm) share when they read or write a model: reading the given file, building the model on a
 * zero image, its weights as plain values, loading weights converted to its own names, and writing
 * the converted weights as a file.
 */

/** The tensors of `data`: the bytes of a safetensors file decoded (`source` names it in errors), or the tensors themselves. */
export function tensorsOf(data: Uint8Array | ReadonlyMap<string, TensorValues>, source: string): ReadonlyMap<string, TensorValues> {
  return data instanceof Uint8Array ? decodeSafetensors(data, source).tensors : data;
}

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

/**
 * A safetensors file of the reference-code tensors that `toReference` makes of the weights of a
 * built `model` (see {@link builtWeightValues} for `notBuilt`). The header's metadata is
 * `metadata`, then `format: pt`, then `reference` (the repository, commit and model the map follows).
 */
export async function referenceSafetensors(
  model: layers.Layer,
  notBuilt: (message: string) => Error,
  toReference: (tensors: ReadonlyMap<string, TensorValues>) => ReadonlyMap<string, TensorValues>,
  metadata: Readonly<Record<string, string>> | undefined,
  reference: Readonly<Record<string, string>>,
): Promise<Uint8Array> {
  const converted = toReference(await builtWeightValues(model, notBuilt));
  return encodeSafetensors(Object.fromEntries(converted), { ...metadata, format: 'pt', ...reference });
}
