import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { validateConfig, z } from '../config/validate-config';
import { dropout } from '../ops/dropout';
import { AitLayer, type AitLayerArgs, type CallKwargs } from './ait-layer';
import { layerArgsShape, layerLabel, rateSchema } from './layer-args-schema';
import { singleShape, singleTensor } from './layer-inputs';

const dropoutSchema = z.strictObject({ ...layerArgsShape, rate: rateSchema });

/** Options of {@link Dropout}. */
export interface DropoutArgs extends AitLayerArgs {
  /** Probability of zeroing each element while training, in [0, 1). */
  rate: number;
}

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
  /** Drop probability. */
  readonly rate: number;

  constructor(args: DropoutArgs) {
    const cfg = validateConfig(layerLabel('Dropout', args), dropoutSchema, args);
    super(args);
    this.rate = cfg.rate;
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
    return dropout(x, this.rate, this.isTraining(kwargs));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(Dropout);
