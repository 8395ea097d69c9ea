import * as tf from '@tensorflow/tfjs-core';
import { dropPath } from '../ops/drop-path';
import { RateLayer, type RateLayerArgs } from './rate-layer';

/** Options of {@link DropPath}: `rate` (see {@link RateLayerArgs}) and the tfjs layer arguments. */
export type DropPathArgs = RateLayerArgs;

/**
 * Drop-path / stochastic depth on a residual branch `[batch, ...] -> [batch, ...]`: while
 * training, each sample is zeroed as a whole with probability `rate` and kept samples are scaled
 * by `1 / (1 - rate)`; identity at inference. Mask seeds come from `globalRng().nextSeed()` at
 * each training call. Serialised as `AitDropPath`.
 */
export class DropPath extends RateLayer {
  /** tfjs serialisation name. */
  static className = 'AitDropPath';

  constructor(args: DropPathArgs) {
    super('DropPath', args);
  }

  protected drop(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
    return dropPath(x, rate, training);
  }
}
tf.serialization.registerClass(DropPath);
