import * as tf from '@tensorflow/tfjs-core';
import { gelu } from './gelu';

/** Activations the layers accept: `gelu` is the exact erf form, `geluTanh` its tanh approximation. */
export const ACTIVATION_NAMES = ['linear', 'gelu', 'geluTanh', 'relu', 'tanh', 'sigmoid', 'softplus', 'elu'] as const;

/** One of {@link ACTIVATION_NAMES}. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** Applies the named activation elementwise to `x` (any shape); `linear` returns `x` itself. */
export function applyActivation<T extends tf.Tensor>(x: T, activation: ActivationName): T {
  switch (activation) {
    case 'linear':
      return x;
    case 'gelu':
      return gelu(x, 'none');
    case 'geluTanh':
      return gelu(x, 'tanh');
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'elu':
      return tf.elu(x);
    default:
      throw new Error(`applyActivation: unknown activation '${String(activation)}'; use one of ${ACTIVATION_NAMES.join(', ')}.`);
  }
}
