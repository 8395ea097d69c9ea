import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '@ait/core';
import type { HopfieldMasks } from './hopfield-inputs';

/** The sizes a Hopfield mask must fit: batch, heads, state patterns `L` and stored patterns `S`. */
export interface HopfieldMaskSizes {
  readonly batch: number;
  readonly heads: number;
  readonly L: number;
  readonly S: number;
}

/**
 * Brings a stored-pattern padding mask `[batch, S]` and an association mask (`[L, S]`,
 * `[batch, L, S]` or `[batch, heads, L, S]`; size-1 axes broadcast) to one float 0/1 mask
 * `[batch | 1, heads | 1, L | 1, S]` (1 = allowed), or `null` when neither is given. Any non-zero
 * entry counts as 1. A mask that does not fit throws an error naming `where` and the shapes to use.
 */
export function combineHopfieldMasks(where: string, masks: HopfieldMasks, sizes: HopfieldMaskSizes): tf.Tensor | null {
  const { batch, heads, L, S } = sizes;
  const fits = (d: number | undefined, n: number): boolean => d === 1 || d === n;
  let mask: tf.Tensor | null = null;
  const pad = masks.storedPatternPaddingMask ?? null;
  if (pad) {
    if (pad.rank !== 2 || !fits(pad.shape[0], batch) || pad.shape[1] !== S) {
      throw new Error(
        `${where}: storedPatternPaddingMask must have shape [${batch}, ${S}] (1 = valid, 0 = padding), got ${formatShape(pad.shape)}.`,
      );
    }
    mask = tf.reshape(tf.cast(tf.notEqual(pad, 0), 'float32'), [pad.shape[0] as number, 1, 1, S]);
  }
  const assoc = masks.associationMask ?? null;
  if (assoc) {
    const bad = (): Error =>
      new Error(
        `${where}: associationMask of shape ${formatShape(assoc.shape)} does not fit batch ${batch}, heads ${heads}, ` +
          `L ${L}, S ${S}; use [L, S], [batch, L, S] or [batch, heads, L, S] (1 = allowed, 0 = blocked).`,
      );
    let m4: tf.Tensor;
    if (assoc.rank === 2) {
      if (!fits(assoc.shape[0], L) || assoc.shape[1] !== S) throw bad();
      m4 = tf.reshape(assoc, [1, 1, assoc.shape[0] as number, S]);
    } else if (assoc.rank === 3) {
      if (!fits(assoc.shape[0], batch) || !fits(assoc.shape[1], L) || assoc.shape[2] !== S) throw bad();
      m4 = tf.expandDims(assoc, 1);
    } else if (assoc.rank === 4) {
      const [b, h, l, s] = assoc.shape as [number, number, number, number];
      if (!fits(b, batch) || !fits(h, heads) || !fits(l, L) || s !== S) throw bad();
      m4 = assoc;
    } else {
      throw bad();
    }
    const m = tf.cast(tf.notEqual(m4, 0), 'float32');
    mask = mask ? tf.mul(mask, m) : m;
  }
  return mask;
}
