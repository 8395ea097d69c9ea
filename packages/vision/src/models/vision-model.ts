import { AitLayer } from '@ait/core';
import { MapRecorder } from '../blocks/map-recorder';

export type { InternalMaps } from '../blocks/map-recorder';
import type { InternalMaps } from '../blocks/map-recorder';

/**
 * The contract every model of `@ait/vision` follows: a tfjs Layer (so it trains under the
 * `@ait/core` Trainer, serialises with `model.save` / `loadLayersModel` of `@tensorflow/tfjs-layers`, and can sit inside a
 * user's own model) mapping images `[batch, height, width, channels]` (or, for models with a
 * question input, `[images, questions [batch, questionDim]]`) to logits `[batch, classes]`.
 */
export abstract class VisionModel extends AitLayer {
  /**
   * Where a model records its maps during a forward pass; a model created with
   * `recordMaps: true` replaces it with an enabled recorder in its constructor.
   */
  protected recorder: MapRecorder = new MapRecorder(false);

  /**
   * The internal maps of the last forward pass, when the model was created with
   * `recordMaps: true` (empty otherwise).
   */
  internalMaps(): InternalMaps {
    return this.recorder.maps();
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.recorder.dispose();
  }
}
