import type { LayerVariable, layers } from '@tensorflow/tfjs-layers';
import { CheckpointError } from './checkpoint-error';

/**
 * Every weight of a built layer or model, trainable and non-trainable (state buffers such as
 * AiT's memory), keyed by its stable `originalName` (e.g. `block_0/gwl/memory`), in weight order.
 * These names are the keys of checkpoints. A variable shared by two layers appears once.
 *
 * Throws a {@link CheckpointError} (`invalid-contents`) if the layer is not built or two
 * different weights share a name.
 */
export function namedWeights(layer: layers.Layer): Map<string, LayerVariable> {
  if (!layer.built) {
    throw new CheckpointError(
      'invalid-contents',
      undefined,
      `Layer "${layer.name}" is not built, so it has no weights to save or restore yet. Call it once on an ` +
        'input (or give its first layer an inputShape) before saving or restoring a checkpoint.',
    );
  }
  const out = new Map<string, LayerVariable>();
  const ids = new Set<number>();
  for (const w of layer.weights) {
    if (ids.has(w.id)) continue;
    ids.add(w.id);
    if (out.has(w.originalName)) {
      throw new CheckpointError(
        'invalid-contents',
        undefined,
        `Layer "${layer.name}" has two weights named "${w.originalName}". Checkpoints key weights by name, so give ` +
          'every (child) layer a distinct fixed `name`.',
      );
    }
    out.set(w.originalName, w);
  }
  return out;
}
