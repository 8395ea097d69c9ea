import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs' engine state that a gradient computation leaves behind. */
interface TapeState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

/**
 * Frees what a gradient computation (`tf.variableGrads`, `tf.grads`) leaves behind when its
 * function throws before returning: every op on the tape keeps copies of the tensors its backward
 * pass needs (the fused kernels' activations included), and tfjs frees them only at the end of a
 * completed backward pass, so an exception in the forward function (a loss that throws, a bad
 * label) would leak them all. Does nothing while a gradient computation is still running (nested
 * gradients) or when none was abandoned. Call it where such an exception is caught.
 */
export function releaseAbandonedTape(): void {
  const state = tf.engine().state as unknown as TapeState;
  if (state.gradientDepth !== 0 || state.activeTape === null) return;
  for (const node of state.activeTape) {
    for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  }
  state.activeTape = null;
}
