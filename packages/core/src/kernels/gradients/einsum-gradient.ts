import * as tf from '@tensorflow/tfjs-core';
import { parseEinsumEquation } from '../einsum-equation';

/**
 * Gradient of `Einsum` (tfjs 4.22 has none). For operand `i` the gradient is itself an einsum of
 * `dy` with the other operands, `'<others>,<out>-><labels of i>'`; labels that only operand `i`
 * has (summed out in the forward pass) receive `dy`'s value broadcast along them. Works for one
 * or two operands on every backend (tfjs' own cpu Einsum kernel takes at most two), and for more
 * where the backend's Einsum does (the wasm one from {@link registerFastKernels}).
 */
export const einsumGradConfig: tf.GradConfig = {
  kernelName: tf.Einsum,
  saveAllInputs: true,
  gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy = dyIn as tf.Tensor;
    const equation = attrs.equation as string;
    const eq = parseEinsumEquation(equation, saved.length);
    const grads: Record<string, () => tf.Tensor> = {};
    saved.forEach((x, i) => {
      grads[String(i)] = () => {
        const labels = eq.inputs[i] as string[];
        const others = saved.filter((_, j) => j !== i);
        const otherTerms = eq.inputs.filter((_, j) => j !== i).map((t) => t.join(''));
        const reachable = new Set([...eq.output, ...otherTerms.join('')]);
        const kept = labels.filter((l) => reachable.has(l));
        const terms = [...otherTerms, eq.output.join('')];
        let g = tf.einsum(`${terms.join(',')}->${kept.join('')}`, ...others, dy);
        if (kept.length === labels.length) return g;
        // Broadcast along the labels that only this operand had.
        const shape = labels.map((l, axis) => (reachable.has(l) ? (x.shape[axis] as number) : 1));
        g = tf.reshape(g, shape);
        return tf.broadcastTo(g, x.shape);
      };
    });
    return grads;
  },
};
