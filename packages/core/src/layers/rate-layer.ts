import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { AitLayer, type CallKwargs } from './ait-layer';
import { layerArgsShape, rateSchema } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { singleShape, singleTensor } from './layer-inputs';

const rateLayerSchema = z.strictObject({
  ...layerArgsShape,
  /**
   * Probability, in [0, 1), with which the layer drops while training what it drops: each element
   * ({@link Dropout}) or each sample's whole residual branch ({@link DropPath}).
   */
  rate: rateSchema,
});

/** Options of a {@link RateLayer} (each documented on the schema), plus the tfjs layer arguments. */
export type RateLayerArgs = LayerArgsOf<typeof rateLayerSchema>;

/**
 * What {@link Dropout} and {@link DropPath} share: one option, `rate`, no weights, the output shape
 * of the input, and a training-only random op `[...] -> [...]` (identity at inference; `training`
 * from the keyword, else the training loop's forward context). A subclass names itself and gives
 * the op ({@link RateLayer.drop}).
 */
export abstract class RateLayer extends AitLayer {
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof rateLayerSchema>;

  /** `kind`: the class name, for error messages. */
  protected constructor(kind: string, args: RateLayerArgs) {
    super(args);
    this.config = this.configureLayer(kind, rateLayerSchema, args);
  }

  /** The op: `x` with `rate` applied when `training`, else `x` unchanged. */
  protected abstract drop(x: tf.Tensor, rate: number, training: boolean): tf.Tensor;

  override build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.layerLabel, inputShape);
  }

  /** `[...] -> [...]`, the input's shape. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    return this.drop(x, this.config.rate, this.isTraining(kwargs));
  }
}
