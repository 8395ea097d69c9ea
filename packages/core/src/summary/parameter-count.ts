import type { LayerVariable, layers } from '@tensorflow/tfjs-layers';
import { layerIsBuilt } from '../training/parameter-ref';

/** Exact parameter counts of a layer or model (number of scalar entries of its weights). */
export interface ParameterCount {
  /** Entries of weights the optimiser updates (`trainableWeights`). */
  trainable: number;
  /** Entries of the other weights (e.g. batch-norm moving averages, AiT memory buffers, frozen layers). */
  nonTrainable: number;
  /** `trainable + nonTrainable`. */
  total: number;
}

/** Number of entries of a weight, from its shape; throws for an unknown (null) dimension. */
export function weightSize(weight: LayerVariable): number {
  let size = 1;
  for (const dim of weight.shape) {
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0) {
      throw new Error(
        `weightSize: weight "${weight.originalName}" has shape [${weight.shape.join(', ')}] with an unknown dimension; ` +
          'build the layer with a fully known input shape first.',
      );
    }
    size *= dim;
  }
  return size;
}

/**
 * The weights of a built layer or model, each once (a shared layer lists its variables twice),
 * split by whether the optimiser trains them. Throws if the layer is not built yet.
 *
 * @param where the calling function's name, used in messages.
 */
export function splitWeights(where: string, layer: layers.Layer): { trainable: LayerVariable[]; nonTrainable: LayerVariable[] } {
  if (!layerIsBuilt(layer)) {
    throw new Error(
      `${where}(${layer.name}): the layer is not built, so its weights do not exist yet. Call it on an input ` +
        '(or build(inputShape)) first.',
    );
  }
  const seen = new Set<number>();
  const unique = (weights: LayerVariable[]): LayerVariable[] =>
    weights.filter((w) => {
      if (seen.has(w.id)) return false;
      seen.add(w.id);
      return true;
    });
  const trainable = unique(layer.trainableWeights);
  const nonTrainable = unique(layer.nonTrainableWeights);
  return { trainable, nonTrainable };
}

/**
 * Exact parameter counts of a built layer or model, from its weights' shapes: trainable
 * (`trainableWeights`), non-trainable (`nonTrainableWeights`) and their total. Each variable is
 * counted once even if a layer is shared. Throws if the layer is not built yet.
 */
export function countParameters(layer: layers.Layer): ParameterCount {
  const { trainable, nonTrainable } = splitWeights('countParameters', layer);
  const sum = (weights: LayerVariable[]): number => weights.reduce((acc, w) => acc + weightSize(w), 0);
  const t = sum(trainable);
  const n = sum(nonTrainable);
  return { trainable: t, nonTrainable: n, total: t + n };
}
