import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { dropPath } from '../ops/drop-path';
import { AitLayer, type CallKwargs } from './ait-layer';
import { layerArgsShape, rateSchema } from './layer-args-schema';
import { parseLayerConfig, type LayerArgsOf, type LayerConfigOf } from './layer-config';
import { singleShape, singleTensor } from './layer-inputs';

const dropPathSchema = z.strictObject({
  ...layerArgsShape,
  /** Probability of dropping a sample's residual branch while training, in [0, 1). */
  rate: rateSchema,
});

/** Options of {@link DropPath} (each documented on the schema). */
export type DropPathArgs = LayerArgsOf<typeof dropPathSchema>;

/**
 * Drop-path / stochastic depth on a residual branch `[batch, ...] -> [batch, ...]`: while
 * training, each sample is zeroed as a whole with probability `rate` and kept samples are scaled
 * by `1 / (1 - rate)`; identity at inference. Mask seeds come from `globalRng().nextSeed()` at
 * each training call. Serialised as `AitDropPath`.
 */
export class DropPath extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitDropPath';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof dropPathSchema>;

  constructor(args: DropPathArgs) {
    const config = parseLayerConfig('DropPath', dropPathSchema, args);
    super(args);
    this.config = this.useConfig(config);
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(`DropPath '${this.name}'`, inputShape);
  }

  /** `[batch, ...] -> [batch, ...]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(`DropPath '${this.name}'`, inputs);
    return dropPath(x, this.config.rate, this.isTraining(kwargs));
  }
}
tf.serialization.registerClass(DropPath);
