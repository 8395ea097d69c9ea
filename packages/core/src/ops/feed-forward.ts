import * as tf from '@tensorflow/tfjs-core';
import { applyActivation, type ActivationName } from './activation';
import { dropout } from './dropout';
import { linear } from './linear';

/** Weights of {@link feedForward}. */
export interface FeedForwardWeights {
  /** `[dim, hidden]`. */
  kernel1: tf.Tensor;
  /** `[hidden]`, optional. */
  bias1?: tf.Tensor | null;
  /** `[hidden, outDim]`. */
  kernel2: tf.Tensor;
  /** `[outDim]`, optional. */
  bias2?: tf.Tensor | null;
}

/** Options of {@link feedForward}. */
export interface FeedForwardOptions {
  /** Hidden activation; default `gelu` (exact erf form). */
  activation?: ActivationName;
  /** Dropout rate after the activation and after the second linear map; default 0. */
  dropoutRate?: number;
  /** Whether dropout applies; default false. */
  training?: boolean;
}

/**
 * Transformer MLP: `dropout(linear2(dropout(act(linear1(x)))))`.
 *
 * Shapes: `x [..., dim]` -> `[..., outDim]` via a hidden width `hidden`.
 */
export function feedForward(x: tf.Tensor, weights: FeedForwardWeights, options: FeedForwardOptions = {}): tf.Tensor {
  const rate = options.dropoutRate ?? 0;
  const training = options.training ?? false;
  return tf.tidy(() => {
    const h = applyActivation(linear(x, weights.kernel1, weights.bias1), options.activation ?? 'gelu');
    const y = linear(dropout(h, rate, training), weights.kernel2, weights.bias2);
    return dropout(y, rate, training);
  });
}
