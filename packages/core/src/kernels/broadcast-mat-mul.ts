import * as tf from '@tensorflow/tfjs-core';
import { matMulGeometry } from './mat-mul-geometry';
import { reshapeInfo, runKernel } from './wasm/wasm-interop';

interface DisposingBackend {
  disposeData(dataId: tf.DataId): unknown;
}

/**
 * Wraps a backend's `BatchMatMul` so that batch dimensions broadcast both ways (e.g.
 * `[2, 1, m, k] x [1, 3, k, n]`). tfjs 4.22's cpu kernel only handles one operand with batch
 * size 1 and otherwise returns a `[2, 3, m, n]` tensor holding only 3 matrices; here an operand
 * whose batch is neither 1 nor the full broadcast batch is tiled first.
 */
export function broadcastingMatMul(backendName: string, original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    const g = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    const needsA = g.batchA !== 1 && g.batchA !== g.batch;
    const needsB = g.batchB !== 1 && g.batchB !== g.batch;
    if (!needsA && !needsB) return original({ inputs, backend, attrs: attrs ?? {} });
    const temps: tf.TensorInfo[] = [];
    const expand = (x: tf.TensorInfo): tf.TensorInfo => {
      const rank = g.outerOut.length + 2;
      const padded = [...new Array<number>(rank - x.shape.length).fill(1), ...x.shape];
      const reps = padded.map((d, i) => (i < g.outerOut.length ? (g.outerOut[i] as number) / d : 1));
      const r = reshapeInfo(backendName, backend, x, padded);
      temps.push(r);
      const t = runKernel(tf.Tile, backendName, backend, { x: r }, { reps });
      temps.push(t);
      return t;
    };
    try {
      const aa = needsA ? expand(a) : a;
      const bb = needsB ? expand(b) : b;
      return original({ inputs: { a: aa, b: bb }, backend, attrs: attrs ?? {} });
    } finally {
      for (const t of temps) (backend as DisposingBackend).disposeData(t.dataId);
    }
  };
}
