import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { assertRank, createKernelInitializer, singleShape, type z } from '@ait/core';
import { VisionLayer } from '../../blocks/vision-layer';

/**
 * Base of the Set Transformer blocks that attend from learned vectors: the inducing points of
 * {@link InducedSetAttentionBlock} and the seeds of {@link PoolingByMultiheadAttention}, a weight
 * `[count, units]` (Glorot-uniform init, as the reference) broadcast over the batch.
 */
export abstract class LearnedQueryBlock<S extends z.ZodType> extends VisionLayer<S> {
  private queries: LayerVariable | null = null;

  /** Adds the learned vectors `[count, units]` as the weight `name` (call it from `build`). */
  protected addQueries(name: string, count: number, units: number): void {
    this.queries = this.addWeight(name, [count, units], 'float32', createKernelInitializer('glorotUniform'));
  }

  /** The learned vectors broadcast to `[batch, count, units]`. */
  protected batchQueries(batch: number): tf.Tensor {
    const q = (this.queries as LayerVariable).read();
    return tf.broadcastTo(tf.expandDims(q, 0), [batch, ...q.shape]);
  }

  /** Checks `attend`'s set `x [batch, n, dim]` (and that the layer is built). */
  protected checkSet(x: tf.Tensor, what: string): void {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    assertRank(this.where, what, x, [3], '[batch, n, dim]');
  }

  /** `[batch, n, dim] -> [batch, rows, units]`: `rows` is the set size (ISAB, `null`) or the number of seeds (PMA). */
  protected setOutputShape(inputShape: Shape | Shape[], rows: number | null, units: number): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, rows ?? shape[1] ?? null, units];
  }
}
