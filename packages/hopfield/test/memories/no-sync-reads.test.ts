// Retrieval never reads a tensor synchronously (dataSync / arraySync / bufferSync), so that it runs
// on webgpu under Node (where such a read fails) and stalls no GPU: the reads throw here while
// every memory retrieves, and the iterated updates used inside layers (hopfieldIterate,
// hopfieldAssociation) give the cpu result on webgpu, where their convergence test runs on the
// device.
import * as tf from '@tensorflow/tfjs-core';
import { forbidSyncReads, restoreBackendAfterwards, webgpuMissing } from '@ait/core/testing';
import { describe, expect, it } from 'vitest';
import {
  ClassicalHopfield,
  DenseAssociativeMemory,
  exponentialInteraction,
  flipEntries,
  Hopfield,
  hopfieldIterate,
  initBackend,
  maskEntries,
  randomBinaryPatterns,
  retrieve,
  SeededRandom,
} from '../../src/index';
import { hopfieldAssociation } from '../../src/layers/hopfield-association';

const missing = await webgpuMissing('the Hopfield retrieval tests on webgpu');
const backends = missing === null ? (['cpu', 'webgpu'] as const) : (['cpu'] as const);

/** Reads every tensor asynchronously. */
async function read(ts: tf.Tensor[]): Promise<number[][]> {
  return (await Promise.all(ts.map((t) => t.data()))).map((v) => Array.from(v as ArrayLike<number>));
}

/** Largest absolute difference over lists of equally long arrays. */
function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.map((row, i) => Math.max(...row.map((v, j) => Math.abs(v - ((b[i] as number[])[j] as number))))));
}

describe('Hopfield retrieval without synchronous reads', () => {
  restoreBackendAfterwards();

  it.each(backends)('retrieve on every memory, hopfieldIterate and an iterating Hopfield layer (%s)', async (backend) => {
    await initBackend({ backend });
    const rng = new SeededRandom(4);
    const X = randomBinaryPatterns([4, 24], rng);
    const q = flipEntries(X, 0.1, rng);
    const memories = [
      new ClassicalHopfield(X),
      new ClassicalHopfield(X, { update: 'synchronous', rule: 'projection', thresholds: tf.zeros([24]) }),
      new DenseAssociativeMemory(X),
      new DenseAssociativeMemory(X, { interaction: exponentialInteraction(1), update: 'synchronous' }),
    ];
    const layer = new Hopfield({ numHeads: 2, updateStepsMax: 3, updateStepsEps: 1e-3 });
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1);
    const restore = forbidSyncReads('during retrieval');
    try {
      for (const mem of memories) {
        const r = await retrieve(q, mem, { steps: 6, rng });
        expect(r.steps).toBeGreaterThan(0);
        r.dispose();
      }
      const modern = await retrieve(maskEntries(X, 0.5, rng), X, { beta: 1, steps: 4 });
      expect(modern.energies.shape[0]).toBe(modern.steps + 1);
      modern.dispose();
      const it = hopfieldIterate(tf.expandDims(q, 0), X, { beta: 0.5, steps: 4, eps: 1e-3 });
      tf.dispose([it.retrieved, it.associations]);
      tf.dispose(layer.apply(x) as tf.Tensor);
      layer.retrieve(x).dispose();
    } finally {
      restore();
      memories.forEach((m) => m.dispose());
      tf.dispose([X, q, x]);
    }
  });

  it.skipIf(missing !== null)(
    'hopfieldIterate and hopfieldAssociation give the cpu result on webgpu (convergence on the device)',
    async () => {
      const run = async (backend: 'cpu' | 'webgpu') => {
        // inputs made on the backend itself (tfjs moves data between backends with a synchronous read)
        await initBackend({ backend });
        const G = tf.randomNormal([6, 8], 0, 1, 'float32', 2);
        const Z = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 3);
        const q = tf.randomNormal([2, 2, 4, 8], 0, 1, 'float32', 4);
        const k = tf.randomNormal([2, 2, 6, 8], 0, 1, 'float32', 5);
        const it = hopfieldIterate(Z, G, { beta: 2, steps: 8, eps: 1e-3 });
        const assoc = hopfieldAssociation(q, k, { beta: [0.3, 2], updateStepsMax: 6, updateStepsEps: [1e-3, 1e-5], recordEnergies: true });
        const values = await read([it.retrieved, it.associations, assoc.state, assoc.associations, assoc.energies as tf.Tensor]);
        tf.dispose([it.retrieved, it.associations, assoc.state, assoc.associations, assoc.energies as tf.Tensor, G, Z, q, k]);
        return { values, iterSteps: it.steps, assocSteps: assoc.steps };
      };
      const gpu = await run('webgpu');
      const cpu = await run('cpu');
      // the cpu stops at convergence, webgpu runs every update with the converged state frozen
      expect(cpu.iterSteps).toBeLessThan(8);
      expect(gpu.iterSteps).toBe(8);
      expect(gpu.assocSteps).toBe(6);
      const [gpuEnergies, cpuEnergies] = [gpu.values.pop() as number[], cpu.values.pop() as number[]];
      expect(maxDiff(gpu.values, cpu.values)).toBeLessThan(1e-4);
      // energies: one row per update run; the rows the cpu recorded agree
      expect(maxDiff([gpuEnergies.slice(0, cpuEnergies.length)], [cpuEnergies])).toBeLessThan(1e-4);
    },
  );
});
