import * as tf from '@tensorflow/tfjs-core';
import { dropout } from '../ops/dropout';
import { RateLayer, type RateLayerArgs } from './rate-layer';

/** Options of {@link Dropout}: `rate` (see {@link RateLayerArgs}) and the tfjs layer arguments. */
export type DropoutArgs = RateLayerArgs;

/**
 * Inverted dropout, `[...] -> [...]`: while training (the `training` keyword, else the training
 * loop's forward context) each element is zeroed with probability `rate` and kept ones are
 * scaled by `1 / (1 - rate)`; identity at inference. Each training call draws its mask seed from
 * `globalRng().nextSeed()`, so a run is reproducible from `setGlobalSeed`. Serialised as
 * `AitDropout`.
 */
export class Dropout extends RateLayer {
  /** tfjs serialisation name. */
  static className = 'AitDropout';

  constructor(args: DropoutArgs) {
    super('Dropout', args);
  }

  protected drop(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
    return dropout(x, rate, training);
  }
}
tf.serialization.registerClass(Dropout);
