import * as tf from '@tensorflow/tfjs-core';
import { einsumLabelSizes, parseEinsumEquation } from '../einsum-equation';
import { reshapeInfo, runKernel, Scratch } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

interface Operand {
  info: tf.TensorInfo;
  labels: string[];
}

/**
 * `Einsum` for the wasm backend (tfjs-wasm has none). Labels that only one operand has and the
 * output does not are summed out first; operands are then combined left to right, each pair as
 * one batched matrix product `[batch, freeA, contracted] x [batch, contracted, freeB]` (so the
 * work runs on the fast GEMM), and the result is transposed to the output's label order.
 * Inputs are float32 tensors `inputs[0..n-1]`; `attrs.equation` e.g. `'bhid,bhjd->bhij'`.
 */
export function wasmEinsum(call: WasmKernelCall): tf.TensorInfo {
  const { backend, backendName, backendRaw, inputs } = call;
  const equation = call.attrs.equation;
  if (typeof equation !== 'string') throw new Error('einsum: attrs.equation must be a string.');
  const tensors = (Array.isArray(inputs) ? inputs : Object.values(inputs)) as tf.TensorInfo[];
  const eq = parseEinsumEquation(equation, tensors.length);
  const sizes = einsumLabelSizes(
    eq,
    tensors.map((t) => t.shape),
  );
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`einsum on wasm needs float32 operands, got ${t.dtype}.`);
  }
  const scratch = new Scratch(backend);
  const sizeOf = (labels: readonly string[]): number[] => labels.map((l) => sizes.get(l) as number);
  const transposeTo = (op: Operand, order: string[]): Operand => {
    if (order.every((l, i) => op.labels[i] === l)) return op;
    const perm = order.map((l) => op.labels.indexOf(l));
    return { info: scratch.keep(runKernel(tf.Transpose, backendName, backendRaw, { x: op.info }, { perm })), labels: order };
  };
  try {
    const ops: Operand[] = tensors.map((info, i) => ({ info, labels: [...(eq.inputs[i] as string[])] }));
    // Sum out labels that only this operand has and the output drops.
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Operand;
      const elsewhere = new Set([...eq.output, ...ops.filter((_, j) => j !== i).flatMap((o) => o.labels)]);
      const axes = op.labels.map((l, axis) => (elsewhere.has(l) ? -1 : axis)).filter((a) => a >= 0);
      if (axes.length > 0) {
        const summed = scratch.keep(runKernel(tf.Sum, backendName, backendRaw, { x: op.info }, { axis: axes, keepDims: false }));
        ops[i] = { info: summed, labels: op.labels.filter((l) => elsewhere.has(l)) };
      }
    }
    let cur = ops[0] as Operand;
    for (let j = 1; j < ops.length; j++) {
      const next = ops[j] as Operand;
      const keep = new Set([...eq.output, ...ops.slice(j + 1).flatMap((o) => o.labels)]);
      const inB = new Set(next.labels);
      const inA = new Set(cur.labels);
      const batch = cur.labels.filter((l) => inB.has(l) && keep.has(l));
      const contract = cur.labels.filter((l) => inB.has(l) && !keep.has(l));
      const freeA = cur.labels.filter((l) => !inB.has(l));
      const freeB = next.labels.filter((l) => !inA.has(l));
      const a = transposeTo(cur, [...batch, ...freeA, ...contract]);
      const b = transposeTo(next, [...batch, ...contract, ...freeB]);
      const nb = tf.util.sizeFromShape(sizeOf(batch));
      const fa = tf.util.sizeFromShape(sizeOf(freeA));
      const fb = tf.util.sizeFromShape(sizeOf(freeB));
      const k = tf.util.sizeFromShape(sizeOf(contract));
      const a3 = scratch.keep(reshapeInfo(backendName, backendRaw, a.info, [nb, fa, k]));
      const b3 = scratch.keep(reshapeInfo(backendName, backendRaw, b.info, [nb, k, fb]));
      const prod = scratch.keep(
        runKernel(tf.BatchMatMul, backendName, backendRaw, { a: a3, b: b3 }, { transposeA: false, transposeB: false }),
      );
      const labels = [...batch, ...freeA, ...freeB];
      cur = { info: scratch.keep(reshapeInfo(backendName, backendRaw, prod, sizeOf(labels))), labels };
    }
    // A single operand may still hold labels the output drops (e.g. 'ij->i' was handled above,
    // but keep this for safety), then order the labels as the output asks.
    const extra = cur.labels.map((l, axis) => (eq.output.includes(l) ? -1 : axis)).filter((a) => a >= 0);
    if (extra.length > 0) {
      cur = {
        info: scratch.keep(runKernel(tf.Sum, backendName, backendRaw, { x: cur.info }, { axis: extra, keepDims: false })),
        labels: cur.labels.filter((l) => eq.output.includes(l)),
      };
    }
    const ordered = transposeTo(cur, [...eq.output]);
    // Hand back a reference of our own, so releasing the scratch cannot free the result (and an
    // input passed straight through stays owned by its tensor).
    const result = reshapeInfo(backendName, backendRaw, ordered.info, sizeOf(eq.output));
    return result;
  } finally {
    scratch.release();
  }
}
