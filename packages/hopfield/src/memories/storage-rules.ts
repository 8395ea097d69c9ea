import * as tf from '@tensorflow/tfjs-core';
import { canonicalPatterns } from '../energy/memory-shapes';

/** How a classical Hopfield network stores its patterns in a weight matrix. */
export type StorageRule = 'hebbian' | 'projection';

/** Options of {@link hebbianWeights} and {@link projectionWeights}. */
export interface StorageOptions {
  /**
   * Whether to zero the diagonal (no self-coupling); default true for the Hebbian rule, false for
   * the projection rule (whose diagonal keeps stored patterns exact fixed points).
   */
  zeroDiagonal?: boolean;
}

function zeroDiagonalOf(w: tf.Tensor3D): tf.Tensor3D {
  const dim = w.shape[2];
  return tf.mul(w, tf.sub(1, tf.eye(dim))) as tf.Tensor3D;
}

function restoreRank(w: tf.Tensor3D, batched: boolean): tf.Tensor {
  return batched ? w : tf.squeeze(w, [0]);
}

/**
 * Hebbian storage (Hopfield 1982): `W = (1/dim) sum_mu x_mu x_mu^T`, by default with a zero
 * diagonal. Patterns are rows of `[patterns, dim]` (-> `[dim, dim]`) or `[batch, patterns, dim]`
 * (-> `[batch, dim, dim]`), usually with entries +-1. About `0.14 dim` random patterns can be
 * stored with few errors, `dim / (2 ln dim)` without any.
 */
export function hebbianWeights(patterns: tf.Tensor, options: StorageOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { patterns: p, batched } = canonicalPatterns('hebbianWeights', patterns);
    const dim = p.shape[2];
    let w = tf.div(tf.matMul(p, p, true, false), dim) as tf.Tensor3D;
    if (options.zeroDiagonal ?? true) w = zeroDiagonalOf(w);
    return restoreRank(w, batched);
  });
}

/**
 * Projection (pseudo-inverse) storage (Personnaz, Guyon and Dreyfus 1985): `W` is the orthogonal
 * projection onto the span of the patterns, `W = X^T (X X^T)^-1 X`, so every stored pattern is an
 * exact fixed point while the patterns are linearly independent (at most `dim` of them).
 *
 * Built incrementally (Greville's recursion, each residual orthogonalised twice for float32
 * accuracy); a pattern already in the span of the earlier ones adds nothing. Shapes as
 * {@link hebbianWeights}.
 */
export function projectionWeights(patterns: tf.Tensor, options: StorageOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { patterns: p, batched } = canonicalPatterns('projectionWeights', patterns);
    const [b, n, dim] = p.shape;
    let w = tf.zeros([b, dim, dim]) as tf.Tensor3D;
    for (let k = 0; k < n; k++) {
      const next = tf.tidy(() => {
        const x = tf.slice(p, [0, k, 0], [b, 1, dim]);
        let r = tf.sub(x, tf.matMul(x, w));
        r = tf.sub(r, tf.matMul(r, w));
        const rr = tf.sum(tf.square(r), -1, true);
        const xx = tf.sum(tf.square(x), -1, true);
        const independent = tf.greater(rr, tf.mul(xx, 1e-8));
        const coef = tf.where(independent, tf.div(1, tf.maximum(rr, 1e-30)), tf.zerosLike(rr));
        return tf.add(w, tf.mul(coef, tf.matMul(r, r, true, false))) as tf.Tensor3D;
      });
      w.dispose();
      w = next;
    }
    if (options.zeroDiagonal ?? false) w = zeroDiagonalOf(w);
    return restoreRank(w, batched);
  });
}
