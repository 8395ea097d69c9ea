import type * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';

/** A trainable variable with a name that is stable across processes (a LayerVariable's originalName). */
export interface ParameterRef {
  /** Stable name, e.g. `block_0/attn/query/kernel` (the LayerVariable's `originalName`). */
  readonly name: string;
  /** The variable the optimiser updates in place; any shape, float32. */
  readonly variable: tf.Variable;
}

/**
 * Whether a layer's weights exist: a model (anything with a `layers` list, e.g. `tf.Sequential`,
 * whose own `built` flag stays false until first use) when all its layers' weights exist, any
 * other layer when it is `built`.
 */
export function layerIsBuilt(layer: layers.Layer): boolean {
  const children = (layer as unknown as { layers?: unknown }).layers;
  if (Array.isArray(children)) return (children as layers.Layer[]).every((child) => layerIsBuilt(child));
  return layer.built;
}

/**
 * Parameter refs of a tfjs layer or model, from `layer.trainableWeights` (name =
 * `LayerVariable.originalName`, variable = `LayerVariable.read()` as `tf.Variable`), in the
 * layer's weight order. A variable listed twice (a shared layer) appears once.
 *
 * The names are the keys of optimiser state and checkpoints, so they must be unique: throws if
 * two weights share a name (give child layers fixed, distinct names), or if the layer is not
 * built yet (it would have no weights).
 */
export function parameterRefs(layer: layers.Layer): ParameterRef[] {
  if (!layerIsBuilt(layer)) {
    throw new Error(
      `parameterRefs(${layer.name}): the layer is not built, so it has no weights yet. ` +
        'Call it on an input (or call build(inputShape)) before collecting its parameters.',
    );
  }
  const refs: ParameterRef[] = [];
  const seen = new Map<string, number>();
  const seenIds = new Set<number>();
  for (const weight of layer.trainableWeights) {
    // A layer shared between two places of a model lists the same variable twice: keep one.
    if (seenIds.has(weight.id)) continue;
    seenIds.add(weight.id);
    const name = weight.originalName;
    if (seen.has(name)) {
      throw new Error(
        `parameterRefs(${layer.name}): two trainable weights share the name "${name}" ` +
          `(positions ${seen.get(name)} and ${refs.length}). Optimiser state and checkpoints are keyed by ` +
          'name, so give every (child) layer a distinct fixed `name`.',
      );
    }
    seen.set(name, refs.length);
    refs.push({ name, variable: weight.read() as tf.Variable });
  }
  return refs;
}
