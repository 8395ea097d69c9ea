import * as tf from '@tensorflow/tfjs-core';
import { globalRng } from '../random/seeded-random';
import { assertRate } from './assert-shape';

/**
 * Inverted dropout on any shape `[...]`: while training, each element is zeroed with probability
 * `rate` and the kept ones are scaled by `1 / (1 - rate)`, so the expectation is unchanged.
 * Identity (returns `x` itself) when `training` is false or `rate` is 0.
 *
 * @param seed Seed of the mask; by default a fresh one is drawn from `globalRng().nextSeed()`
 *   at each call, so one `setGlobalSeed` makes a whole run reproducible.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, seed?: number): T {
  assertRate('dropout', 'rate', rate);
  if (!training || rate === 0) return x;
  const maskSeed = seed ?? globalRng().nextSeed();
  return tf.tidy(() => {
    const keep = 1 - rate;
    const mask = tf.floor(tf.add(tf.randomUniform(x.shape, 0, 1, 'float32', maskSeed), keep));
    return tf.mul(x, tf.div(mask, keep));
  }) as T;
}
