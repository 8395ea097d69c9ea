import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient of `Tile` (which `tf.tile` and `tf.broadcastTo` run) as one reshape and one sum:
 * `dy [r0*d0, r1*d1, ...]` is viewed as `[r0, d0, r1, d1, ...]` and summed over the repeat axes.
 * tfjs' own gradient slices `dy` once per tile and adds the slices (for a `[1, M, D]` tensor
 * broadcast over a batch of 64: 64 slices and 64 additions, per call).
 */
export const tileGradConfig: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const reps = (attrs as { reps: number[] }).reps;
    const g = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
    return {
      x: () => {
        if (reps.every((r) => r === 1)) return tf.reshape(g, x.shape);
        const interleaved: number[] = [];
        const repeatAxes: number[] = [];
        x.shape.forEach((d, i) => {
          const r = reps[i] ?? 1;
          if (r !== 1) {
            repeatAxes.push(interleaved.length);
            interleaved.push(r);
          }
          interleaved.push(d);
        });
        return tf.reshape(tf.sum(tf.reshape(g, interleaved), repeatAxes), x.shape);
      },
    };
  },
};
