import * as tf from '@tensorflow/tfjs-core';

/**
 * Internal maps a model exposes for visualisation after a forward pass, by name
 * (e.g. `block0/attention` `[batch, heads, tokens, tokens]`, `block0/gwl/gate` `[heads, slots, tokens]`,
 * `block0/gwl/priors` `[slots, memoryDim]`). The tensors belong to the model and stay valid until
 * its next call or `dispose()`; clone one to keep it longer.
 */
export type InternalMaps = Record<string, tf.Tensor>;

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
