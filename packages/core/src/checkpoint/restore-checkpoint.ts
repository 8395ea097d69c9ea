import type * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import type { RandomState, SeededRandom } from '../random/seeded-random';
import type { AdamW } from '../training/adamw';
import { CheckpointError } from './checkpoint-error';
import type { CheckpointContents, LoadedCheckpoint, TrainingPosition } from './checkpoint-contents';
import { namedWeights } from './named-weights';

/** Where {@link restoreCheckpoint} writes. */
export interface RestoreCheckpointOptions {
  /** A built model with exactly the checkpoint's weights (names, shapes, dtypes). */
  model: layers.Layer;
  /** Optimiser that receives the stored moments and step count; the checkpoint must have them. */
  optimizer?: AdamW;
  /** Random streams to move to the stored states, by the names they were saved under. */
  rngs?: Record<string, SeededRandom>;
}

const shapeText = (shape: readonly (number | null)[]): string => `[${shape.join(', ')}]`;

function listText(items: string[], max = 12): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, ... (${items.length - max} more)` : shown;
}

/**
 * Restores a checkpoint into a model, an optimiser and random streams, and returns the stored
 * position. Everything is checked before anything changes: if a weight is missing, unexpected,
 * or has another shape or dtype, if the optimiser state does not fit the model's trainable
 * weights, or if a requested random stream was not saved, a {@link CheckpointError}
 * (`mismatch`) lists every problem and nothing is modified. Weights are copied, so the contents
 * can be disposed afterwards.
 */
export function restoreCheckpoint(contents: CheckpointContents, options: RestoreCheckpointOptions): TrainingPosition {
  const path = (contents as Partial<LoadedCheckpoint>).info?.path || undefined;
  const source = path ? `checkpoint ${path}` : 'the checkpoint';
  const model = options.model;
  const byName = namedWeights(model);
  const problems: string[] = [];

  const missing = [...byName.keys()].filter((n) => !(n in contents.weights));
  const unexpected = Object.keys(contents.weights).filter((n) => !byName.has(n));
  const misShaped: string[] = [];
  for (const [name, w] of byName) {
    const t = contents.weights[name];
    if (!t) continue;
    if (t.isDisposed) problems.push(`weight "${name}" in the checkpoint contents is already disposed`);
    else if (!sameShape(t.shape, w.shape)) misShaped.push(`${name} (checkpoint ${shapeText(t.shape)}, model ${shapeText(w.shape)})`);
    else if (t.dtype !== w.dtype) misShaped.push(`${name} (checkpoint ${t.dtype}, model ${w.dtype})`);
  }
  if (missing.length > 0) problems.push(`missing from the checkpoint: ${listText(missing)}`);
  if (unexpected.length > 0) problems.push(`not in the model: ${listText(unexpected)}`);
  if (misShaped.length > 0) problems.push(`different shape or dtype: ${listText(misShaped)}`);

  const optimizer = options.optimizer;
  if (optimizer) {
    const stored = contents.optimizer;
    if (!stored) {
      problems.push('it holds no optimiser state (a weights-only checkpoint); restore without `optimizer` to load the weights only');
    } else {
      const trainable = new Map(model.trainableWeights.map((w) => [w.originalName, w.shape] as const));
      const bad: string[] = [];
      for (const [name, { m, v }] of Object.entries(stored.moments)) {
        const shape = trainable.get(name);
        if (!shape) bad.push(`${name} (not a trainable weight of the model)`);
        else if (!sameShape(m.shape, shape) || !sameShape(v.shape, shape)) {
          bad.push(`${name} (moments ${shapeText(m.shape)}, weight ${shapeText(shape)})`);
        }
      }
      if (bad.length > 0) problems.push(`optimiser moments that do not fit the model: ${listText(bad)}`);
    }
  }

  const rngs = options.rngs ?? {};
  const missingRngs = Object.keys(rngs).filter((n) => !(n in contents.rng));
  if (missingRngs.length > 0) {
    problems.push(`random stream state(s) not saved: ${missingRngs.join(', ')} (saved: ${Object.keys(contents.rng).join(', ') || 'none'})`);
  }

  if (problems.length > 0) {
    throw new CheckpointError(
      'mismatch',
      path,
      `Cannot restore ${source} into model "${model.name}":\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'The checkpoint was written for a different model or config; rebuild the model with the config stored in ' +
        'the checkpoint (contents.config), or start training fresh. Nothing was changed.',
    );
  }

  if (optimizer && contents.optimizer) {
    try {
      optimizer.setState({ iterations: contents.optimizer.iterations, moments: contents.optimizer.moments });
    } catch (err) {
      throw new CheckpointError(
        'mismatch',
        path,
        `Cannot restore the optimiser state of ${source}: ${(err as Error).message} Nothing was changed.`,
        { cause: err },
      );
    }
  }
  for (const [name, w] of byName) {
    (w.read() as tf.Variable).assign(contents.weights[name] as tf.Tensor);
  }
  for (const [name, r] of Object.entries(rngs)) r.setState(contents.rng[name] as RandomState);
  const p = contents.position;
  return { epoch: p.epoch, step: p.step, stepInEpoch: p.stepInEpoch };
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
