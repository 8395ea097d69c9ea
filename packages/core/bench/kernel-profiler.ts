import * as tf from '@tensorflow/tfjs-core';

/** Self time (ms) and call count of one kernel. */
export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/**
 * Wraps every kernel registered for `backendName` with a timer that counts self time (time spent
 * in kernels it calls itself is attributed to those). Returns `stop()`, which restores the
 * original registrations and returns the times, largest first. `detail` names the bucket a call
 * is counted in (default: the kernel name; e.g. add shapes to see which calls cost).
 */
export function profileKernels(
  backendName: string,
  detail: (kernelName: string, params: Parameters<tf.KernelFunc>[0]) => string = (k) => k,
): { stop: () => KernelTime[] } {
  const originals = tf.getKernelsForBackend(backendName);
  const times = new Map<string, { ms: number; calls: number }>();
  const stack: number[] = [];
  for (const config of originals) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const wrapped: tf.KernelFunc = (params) => {
      const key = detail(name, params);
      stack.push(0);
      const t0 = performance.now();
      try {
        return inner(params);
      } finally {
        const total = performance.now() - t0;
        const children = stack.pop() ?? 0;
        if (stack.length > 0) stack[stack.length - 1] = (stack[stack.length - 1] as number) + total;
        const e = times.get(key) ?? { ms: 0, calls: 0 };
        e.ms += total - children;
        e.calls += 1;
        times.set(key, e);
      }
    };
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
  return {
    stop: () => {
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config);
      }
      return [...times.entries()].map(([kernel, t]) => ({ kernel, ...t })).sort((a, b) => b.ms - a.ms);
    },
  };
}
