import * as tf from '@tensorflow/tfjs-core';
import { globalRng, type SeededRandom } from '@ait/core';

function assertFraction(where: string, fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`${where}: fraction must be in [0, 1], got ${fraction}.`);
}

/**
 * Chooses exactly `round(fraction * dim)` entries of every row (last axis) at random from `rng`
 * and returns a 0/1 mask of the same shape with 1 on the chosen entries.
 */
function chosenEntries(where: string, x: tf.Tensor, fraction: number, rng: SeededRandom): Float32Array {
  assertFraction(where, fraction);
  if (x.rank < 1) throw new Error(`${where}: x must have rank >= 1 [..., dim], got a scalar.`);
  const dim = x.shape[x.rank - 1] as number;
  const rows = x.size / dim;
  const k = Math.round(fraction * dim);
  const chosen = new Float32Array(x.size);
  for (let r = 0; r < rows; r++) {
    const perm = rng.permutation(dim);
    for (let j = 0; j < k; j++) chosen[r * dim + (perm[j] as number)] = 1;
  }
  return chosen;
}

/**
 * Flips the sign of exactly `round(fraction * dim)` randomly chosen entries in every row of `x`
 * `[..., dim]` (corrupted queries for +-1 patterns). Drawn from `rng` (default {@link globalRng}).
 */
export function flipEntries(x: tf.Tensor, fraction: number, rng: SeededRandom = globalRng()): tf.Tensor {
  const chosen = chosenEntries('flipEntries', x, fraction, rng);
  return tf.tidy(() => tf.mul(x, tf.sub(1, tf.mul(2, tf.tensor(chosen, x.shape, 'float32')))));
}

/**
 * Sets exactly `round(fraction * dim)` randomly chosen entries in every row of `x` `[..., dim]`
 * to `fill` (default 0: unknown), e.g. half-masked queries with `fraction = 0.5`.
 */
export function maskEntries(x: tf.Tensor, fraction: number, rng: SeededRandom = globalRng(), fill = 0): tf.Tensor {
  const chosen = chosenEntries('maskEntries', x, fraction, rng);
  return tf.tidy(() => {
    const m = tf.tensor(chosen, x.shape, 'float32');
    return tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(m, fill));
  });
}
