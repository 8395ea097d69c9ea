import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { validateConfig, z } from '../config/validate-config';
import { dropPath } from '../ops/drop-path';
import { AitLayer, type AitLayerArgs, type CallKwargs } from './ait-layer';
import { layerArgsShape, layerLabel, rateSchema } from './layer-args-schema';
import { singleShape, singleTensor } from './layer-inputs';

const dropPathSchema = z.strictObject({ ...layerArgsShape, rate: rateSchema });

/** Options of {@link DropPath}. */
export interface DropPathArgs extends AitLayerArgs {
  /** Probability of dropping a sample's residual branch while training, in [0, 1). */
  rate: number;
}

/**
 * Drop-path / stochastic depth on a residual branch `[batch, ...] -> [batch, ...]`: while
 * training, each sample is zeroed as a whole with probability `rate` and kept samples are scaled
 * by `1 / (1 - rate)`; identity at inference. Mask seeds come from `globalRng().nextSeed()` at
 * each training call. Serialised as `AitDropPath`.
 */
export class DropPath extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitDropPath';
  /** Drop probability per sample. */
  readonly rate: number;

  constructor(args: DropPathArgs) {
    const cfg = validateConfig(layerLabel('DropPath', args), dropPathSchema, args);
    super(args);
    this.rate = cfg.rate;
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
    return dropPath(x, this.rate, this.isTraining(kwargs));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(DropPath);
