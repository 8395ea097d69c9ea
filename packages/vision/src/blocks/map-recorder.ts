import * as tf from '@tensorflow/tfjs-core';
import type { InternalMaps } from '../models/vision-model';

/**
 * Keeps copies of a model's internal maps (attention weights, gates, biases ...) from its last
 * forward pass, for {@link VisionModel.internalMaps}. When disabled every call is a no-op, so a
 * model can record unconditionally and pay nothing unless it was created with `recordMaps: true`.
 *
 * Recorded tensors are clones kept outside any `tf.tidy`; they stay valid until the next
 * {@link MapRecorder.begin} (the model's next call) or {@link MapRecorder.dispose}.
 */
export class MapRecorder {
  private current: InternalMaps = {};

  /** @param enabled Whether to record at all. */
  constructor(readonly enabled: boolean) {}

  /** Starts a new forward pass: disposes the maps of the previous one. */
  begin(): void {
    if (!this.enabled) return;
    this.dispose();
  }

  /** Records a copy of `value` under `name` (replacing an earlier one of this pass). Any shape. */
  record(name: string, value: tf.Tensor): void {
    if (!this.enabled) return;
    const copy = tf.keep(tf.clone(value));
    this.current[name]?.dispose();
    this.current[name] = copy;
  }

  /** The maps of the last pass, by name (empty when disabled). The tensors belong to the recorder. */
  maps(): InternalMaps {
    return { ...this.current };
  }

  /** Disposes every recorded map. */
  dispose(): void {
    for (const t of Object.values(this.current)) if (!t.isDisposed) t.dispose();
    this.current = {};
  }
}
