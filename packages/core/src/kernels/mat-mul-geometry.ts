import * as tf from '@tensorflow/tfjs-core';

/** The shapes of one `BatchMatMul`, resolved from its inputs and transpose flags. */
export interface MatMulGeometry {
  /** Rows of the result. */
  readonly m: number;
  /** Shared (contracted) dimension. */
  readonly k: number;
  /** Columns of the result. */
  readonly n: number;
  /** Batch dimensions of `a`, of `b` and of the result (broadcast of the two). */
  readonly outerA: number[];
  readonly outerB: number[];
  readonly outerOut: number[];
  readonly batchA: number;
  readonly batchB: number;
  readonly batch: number;
  /** Shape of the result, `[...outerOut, m, n]`. */
  readonly outShape: number[];
}

/**
 * Resolves the shapes of `matMul(a, b, transposeA, transposeB)` for `a` = `[...batchA, m, k]`
 * (or `[..., k, m]` transposed) and `b` = `[...batchB, k, n]` (or `[..., n, k]`). Throws an Error
 * naming the shapes when the inner dimensions differ, a rank is below 2, or the batch dimensions
 * do not broadcast.
 */
export function matMulGeometry(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulGeometry {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) {
    throw new Error(
      `matMul: both operands need rank >= 2, got shapes [${aShape.join(', ')}] and [${bShape.join(', ')}]; ` +
        'reshape a vector to [1, n] or [n, 1] first.',
    );
  }
  const m = transposeA ? (aShape[ra - 1] as number) : (aShape[ra - 2] as number);
  const kA = transposeA ? (aShape[ra - 2] as number) : (aShape[ra - 1] as number);
  const kB = transposeB ? (bShape[rb - 1] as number) : (bShape[rb - 2] as number);
  const n = transposeB ? (bShape[rb - 2] as number) : (bShape[rb - 1] as number);
  if (kA !== kB) {
    throw new Error(
      `matMul: inner dimensions differ (${kA} vs ${kB}) for shapes [${aShape.join(', ')}] and ` +
        `[${bShape.join(', ')}] with transposeA=${transposeA}, transposeB=${transposeB}; ` +
        'transpose one operand or fix its shape so that they match.',
    );
  }
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outerOut = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return {
    m,
    k: kA,
    n,
    outerA,
    outerB,
    outerOut,
    batchA: tf.util.sizeFromShape(outerA),
    batchB: tf.util.sizeFromShape(outerB),
    batch: tf.util.sizeFromShape(outerOut),
    outShape: [...outerOut, m, n],
  };
}
