import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { dropout } from '../ops/dropout';
import { AitLayer, type CallKwargs } from './ait-layer';
import { layerArgsShape, rateSchema } from './layer-args-schema';
import { parseLayerConfig, type LayerArgsOf, type LayerConfigOf } from './layer-config';
import { singleShape, singleTensor } from './layer-inputs';

const dropoutSchema = z.strictObject({
  ...layerArgsShape,
  /** Probability of zeroing each element while training, in [0, 1). */
  rate: rateSchema,
});

/** Options of {@link Dropout} (each documented on the schema). */
export type DropoutArgs = LayerArgsOf<typeof dropoutSchema>;

/**
 * Inverted dropout, `[...] -> [...]`: while training (the `training` keyword, else the training
 * loop's forward context) each element is zeroed with probability `rate` and kept ones are
 * scaled by `1 / (1 - rate)`; identity at inference. Each training call draws its mask seed from
 * `globalRng().nextSeed()`, so a run is reproducible from `setGlobalSeed`. Serialised as
 * `AitDropout`.
 */
export class Dropout extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitDropout';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof dropoutSchema>;

  constructor(args: DropoutArgs) {
    const config = parseLayerConfig('Dropout', dropoutSchema, args);
    super(args);
    this.config = this.useConfig(config);
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(`Dropout '${this.name}'`, inputShape);
  }

  /** `[...] -> [...]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(`Dropout '${this.name}'`, inputs);
    return dropout(x, this.config.rate, this.isTraining(kwargs));
  }
}
tf.serialization.registerClass(Dropout);
