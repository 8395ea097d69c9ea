/**
 * Which GELU formula to use: `none` is the exact erf form (PyTorch's default), `tanh` the
 * approximation. Its own module so that the fused kernel (`kernels/fused/gelu.ts`) and the op
 * (`ops/gelu.ts`), which calls the kernel, can both name it without importing each other.
 */
export type GeluApproximation = 'none' | 'tanh';
