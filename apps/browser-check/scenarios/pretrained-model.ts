import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom } from '@ait/core';
import { listPretrained, loadPretrainedModel } from '@ait/vision';
import type { ScenarioBackend } from './scenario';

/** What {@link pretrainedPredictions} reports: which model answered, on which backend, and its class probabilities. */
export interface PretrainedPredictions {
  readonly name: string;
  readonly backend: string;
  /** Class probabilities `[inputs, classes]` of the seeded inputs. */
  readonly probabilities: number[][];
}

/** Inputs per check. */
const INPUTS = 4;

/**
 * @ait/vision's first shipped pretrained model, loaded by name with `loadPretrainedModel` (its
 * weights from the package's on-demand weight module, checked against the manifest's SHA-256), asked
 * for the class probabilities of four seeded inputs of its input shape (images, plus seeded extra
 * inputs such as Sort-of-CLEVR's question). Fails when no pretrained model ships.
 */
export async function pretrainedPredictions(backend: ScenarioBackend): Promise<PretrainedPredictions> {
  const info = await initBackend({ backend, ...(backend === 'wasm' ? { wasmThreads: 1 } : {}) });
  const first = listPretrained()[0];
  if (first === undefined) throw new Error('@ait/vision ships no pretrained model: listPretrained() is empty.');
  const model = await loadPretrainedModel(first.name);
  const rng = new SeededRandom(21);
  const seeded = (shape: readonly number[]): tf.Tensor => {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, INPUTS) }, () => rng.normal());
    return tf.tensor(values, [INPUTS, ...shape]);
  };
  const inputs = [seeded(first.input.imageShape), ...first.input.extraInputs.map((e) => seeded(e.shape))];
  const probs = tf.tidy(() =>
    tf.softmax(model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor),
  );
  const probabilities = (await probs.array()) as number[][];
  tf.dispose([...inputs, probs]);
  model.dispose();
  return { name: first.name, backend: info.tfjsBackend, probabilities };
}
