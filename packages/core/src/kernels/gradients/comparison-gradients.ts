import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels whose outputs are booleans and so carry no gradient, but which tfjs 4.22 registers no
 * gradient for: `tf.where(tf.greater(x, 0), a, b)` then fails in backprop with "gradient function
 * not found for Greater" because `x` reaches the loss through the condition.
 */
export const BOOLEAN_KERNELS_WITHOUT_GRADIENT: readonly string[] = [
  tf.Greater,
  tf.Less,
  tf.LessEqual,
  tf.Equal,
  tf.NotEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalNot,
  tf.LogicalXor,
];

/**
 * A zero gradient for a boolean-valued kernel: every input gets `zerosLike(input)` (float32 for
 * boolean inputs). Inputs are saved so the zeros have their shapes.
 */
export function zeroGradConfig(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: kernelName === tf.LogicalNot ? ['x'] : ['a', 'b'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const names = kernelName === tf.LogicalNot ? ['x'] : ['a', 'b'];
      const grads: Record<string, () => tf.Tensor> = {};
      names.forEach((name, i) => {
        const input = saved[i];
        if (input) grads[name] = () => tf.zeros(input.shape, input.dtype === 'bool' ? 'float32' : input.dtype);
      });
      return grads;
    },
  };
}

/** Registers {@link zeroGradConfig} for each boolean kernel that has no gradient yet. */
export function registerBooleanKernelGradients(): void {
  for (const name of BOOLEAN_KERNELS_WITHOUT_GRADIENT) {
    if (!tf.getGradient(name)) tf.registerGradient(zeroGradConfig(name));
  }
}
