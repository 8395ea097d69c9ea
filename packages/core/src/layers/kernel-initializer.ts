import { initializers } from '@tensorflow/tfjs-layers';
import { globalRng } from '../random/seeded-random';

/** Kernel initialisers the layers accept. */
export const KERNEL_INITIALIZER_NAMES = ['glorotUniform', 'truncatedNormal', 'zeros'] as const;

/**
 * One of {@link KERNEL_INITIALIZER_NAMES}: `glorotUniform` (Xavier uniform), `truncatedNormal`
 * (mean 0, stddev 0.02 by default, cut at 2 stddev, as ViT implementations use) or `zeros`.
 */
export type KernelInitializerName = (typeof KERNEL_INITIALIZER_NAMES)[number];

/** A tfjs-layers weight initialiser. */
export type WeightInitializer = ReturnType<typeof initializers.zeros>;

/**
 * Creates the named initialiser, seeded from `globalRng().nextSeed()` (so one `setGlobalSeed`
 * reproduces every layer's initial weights; layers call it in `build`, in build order).
 *
 * @param stddev Standard deviation for `truncatedNormal`; default 0.02.
 */
export function createKernelInitializer(name: KernelInitializerName, stddev = 0.02): WeightInitializer {
  switch (name) {
    case 'glorotUniform':
      return initializers.glorotUniform({ seed: globalRng().nextSeed() });
    case 'truncatedNormal':
      return initializers.truncatedNormal({ mean: 0, stddev, seed: globalRng().nextSeed() });
    case 'zeros':
      return initializers.zeros();
    default:
      throw new Error(`createKernelInitializer: unknown initialiser '${String(name)}'; use one of ${KERNEL_INITIALIZER_NAMES.join(', ')}.`);
  }
}
