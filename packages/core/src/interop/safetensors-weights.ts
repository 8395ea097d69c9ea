import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, layers } from '@tensorflow/tfjs-layers';
import { namedWeights } from '../checkpoint/named-weights';
import { SafetensorsError } from './safetensors-error';
import { encodeSafetensors, type TensorValues } from './safetensors-format';

/**
 * Every weight of a built layer or model (state buffers included), keyed by the same stable names
 * as checkpoints (`block_0/attn/qkv/kernel`), as a safetensors file. Reads the weights back
 * asynchronously (any backend).
 */
export async function modelToSafetensors(model: layers.Layer, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const tensors: Record<string, TensorValues> = {};
  for (const [name, w] of namedWeights(model)) {
    const value = w.read();
    const data = await value.data();
    tensors[name] = {
      dtype: value.dtype === 'int32' ? 'int32' : value.dtype === 'bool' ? 'bool' : 'float32',
      shape: value.shape,
      values: value.dtype === 'int32' ? Int32Array.from(data) : value.dtype === 'bool' ? Uint8Array.from(data) : Float32Array.from(data),
    };
  }
  return encodeSafetensors(tensors, metadata);
}

/** Options of {@link loadSafetensorsWeights}. */
export interface LoadSafetensorsWeightsOptions {
  /** What the tensors came from, for messages (a file name). */
  readonly source?: string;
  /** Model weight name -> tensor name in the file, for files written with other names; default the same name. */
  readonly rename?: (weightName: string) => string;
}

/**
 * Sets every weight of a built layer or model from safetensors tensors (see `decodeSafetensors`
 * and `readSafetensorsFile`), by name. Everything is checked first: a weight missing from the
 * file, a tensor the model has no weight for, or a shape or dtype that differs is a
 * {@link SafetensorsError} (`mismatch`) listing every problem, and nothing changes then.
 */
export function loadSafetensorsWeights(
  model: layers.Layer,
  tensors: ReadonlyMap<string, TensorValues>,
  options: LoadSafetensorsWeightsOptions = {},
): void {
  const source = options.source ?? 'the safetensors data';
  const rename = options.rename ?? ((n: string) => n);
  const weights = namedWeights(model);
  const problems: string[] = [];
  const used = new Set<string>();
  const assignments: [LayerVariable, TensorValues][] = [];
  for (const [name, w] of weights) {
    const key = rename(name);
    const t = tensors.get(key);
    if (!t) {
      problems.push(`missing: "${key}"${key === name ? '' : ` (for weight "${name}")`}`);
      continue;
    }
    used.add(key);
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      problems.push(`"${key}" has shape [${t.shape.join(', ')}], the weight "${name}" [${w.shape.join(', ')}]`);
    } else if (t.dtype !== w.dtype) {
      problems.push(`"${key}" holds ${t.dtype}, the weight "${name}" ${w.dtype}`);
    } else {
      assignments.push([w, t]);
    }
  }
  const extra = [...tensors.keys()].filter((k) => !used.has(k));
  if (extra.length > 0)
    problems.push(
      `not in the model: ${extra
        .slice(0, 12)
        .map((k) => `"${k}"`)
        .join(', ')}${extra.length > 12 ? `, ... (${extra.length - 12} more)` : ''}`,
    );
  if (problems.length > 0) {
    throw new SafetensorsError(
      'mismatch',
      source,
      `Cannot load ${source} into "${model.name}":\n  - ${problems.join('\n  - ')}\n` +
        'The file was written for another model or config (or with other weight names: give `rename`). Nothing was changed.',
    );
  }
  for (const [w, t] of assignments) {
    const value = tf.tensor(t.values, [...t.shape], t.dtype);
    w.write(value);
    value.dispose();
  }
}
