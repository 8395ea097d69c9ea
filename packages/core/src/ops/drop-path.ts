import * as tf from '@tensorflow/tfjs-core';
import { globalRng } from '../random/seeded-random';
import { assertMinRank, assertRate } from './assert-shape';

/**
 * Drop-path (stochastic depth) for a residual branch `x [batch, ...]`: while training, each
 * sample (index along axis 0) is zeroed as a whole with probability `rate`, and kept samples are
 * scaled by `1 / (1 - rate)`. Identity (returns `x` itself) when not training or `rate` is 0.
 *
 * @param seed Seed of the per-sample mask; by default drawn from `globalRng().nextSeed()` at
 *   each call.
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, training: boolean, seed?: number): T {
  assertRate('dropPath', 'rate', rate);
  assertMinRank('dropPath', 'x', x, 1, '[batch, ...]');
  if (!training || rate === 0) return x;
  const maskSeed = seed ?? globalRng().nextSeed();
  return tf.tidy(() => {
    const keep = 1 - rate;
    const maskShape = [x.shape[0] as number, ...new Array<number>(x.rank - 1).fill(1)];
    const mask = tf.floor(tf.add(tf.randomUniform(maskShape, 0, 1, 'float32', maskSeed), keep));
    return tf.mul(x, tf.div(mask, keep));
  }) as T;
}
