import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, formatShape } from '@ait/core';
import { sumPerSample } from './lagrangian';
import type { Synapse } from './synapse';

/** Options of {@link convSynapse}. */
export interface ConvSynapseOptions {
  /** Strides `[sh, sw]` or one number; default 1. */
  strides?: number | [number, number];
  /** `valid` (default) or `same`. */
  padding?: 'valid' | 'same';
}

/**
 * Convolutional synapse between an image-like layer `g_in [batch, H, W, cin]` and a feature layer
 * `g_out [batch, H', W', cout]`: `E = -sum g_out * conv2d(g_in, kernel)` with
 * `kernel [kh, kw, cin, cout]`. Its gradients come from automatic differentiation.
 */
export function convSynapse(kernel: tf.Tensor, options: ConvSynapseOptions = {}): Synapse {
  const where = 'convSynapse';
  assertFloat(where, 'kernel', kernel);
  if (kernel.rank !== 4) throw new Error(`${where}: kernel must be [kh, kw, cin, cout], got ${formatShape(kernel.shape)}.`);
  const strides = options.strides ?? 1;
  const padding = options.padding ?? 'valid';
  return {
    kind: 'conv',
    arity: 2,
    weights: [kernel],
    energy: (acts) => {
      if (acts.length !== 2) throw new Error(`${where}: connects 2 layers, got ${acts.length} activations.`);
      const [gin, gout] = acts as [tf.Tensor, tf.Tensor];
      if (gin.rank !== 4 || gout.rank !== 4) {
        throw new Error(`${where}: activations must be [batch, H, W, C], got ${formatShape(gin.shape)} and ${formatShape(gout.shape)}.`);
      }
      return tf.tidy(() => {
        const drive = tf.conv2d(gin as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding);
        if (!tf.util.arraysEqual(drive.shape, gout.shape)) {
          throw new Error(
            `${where}: the convolution of ${formatShape(gin.shape)} gives ${formatShape(drive.shape)}, but the output layer is ` +
              `${formatShape(gout.shape)}; match the layer shape to the kernel, strides and padding.`,
          );
        }
        return tf.neg(sumPerSample(tf.mul(drive, gout)));
      });
    },
  };
}
