import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { SeededRandom } from '../random/seeded-random';
import { disposeBatch, type BatchSource } from './batch-source';
import { applyStateUpdates, createForwardContext, discardStateUpdates, runWithForwardContext } from './forward-context';
import { accuracyByGroup, type ExampleGrouping, type GroupedAccuracy } from './group-accuracy';
import { accuracy } from './metrics';
import { applyModel, releaseAuxLosses, type LossFn } from './train-step';

/** Results of an evaluation pass. */
export interface EvalMetrics {
  /** Mean task loss per example (batches weighted by their size); auxiliary losses are not included. */
  readonly loss: number;
  /**
   * Fraction of examples whose argmax equals the label, or `null` when the model's output is not
   * `[batch, classes]` logits with `[batch]` labels.
   */
  readonly accuracy: number | null;
  /** Examples seen. */
  readonly examples: number;
  /** Batches seen. */
  readonly batches: number;
  /**
   * Accuracy per group, one entry per grouping given to {@link EvaluateOptions.groupings} (absent
   * without groupings or when the output is not classification logits).
   */
  readonly groups?: readonly GroupedAccuracy[];
}

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  /** Task loss, as in training. */
  loss: LossFn;
  /** Epoch number passed to the source; default 0. */
  epoch?: number;
  /**
   * Rng passed to the source; default a fresh `SeededRandom(0)`, so evaluation never advances the
   * training run's data stream.
   */
  rng?: SeededRandom;
  /**
   * Groups of the source's examples (in the order it yields them, so it must not shuffle), for
   * accuracy per group in {@link EvalMetrics.groups}, e.g. Sort-of-CLEVR's question types. Each
   * grouping must have one entry per example; a mismatch throws.
   */
  groupings?: readonly ExampleGrouping[];
}

/**
 * Runs the model over every batch of `source` in inference mode (`training: false`, inside an
 * evaluation forward context) and returns the mean loss and accuracy. State updates that layers
 * report during evaluation are applied after each batch (AiT's reference updates its memory on
 * evaluation passes too; layers decide themselves whether to report them). With `groupings`, the
 * predicted class of every example is kept to report accuracy per group. Disposes every batch.
 */
export async function evaluateModel(model: layers.Layer, source: BatchSource, options: EvaluateOptions): Promise<EvalMetrics> {
  const rng = options.rng ?? new SeededRandom(0);
  let lossSum = 0;
  let correct = 0;
  let examples = 0;
  let batches = 0;
  let classification = true;
  const grouped = options.groupings !== undefined && options.groupings.length > 0;
  const predicted: number[] = [];
  const labels: number[] = [];
  for await (const batch of source.batches(options.epoch ?? 0, rng)) {
    const ctx = createForwardContext(false);
    try {
      const size = batch.y.shape[0] ?? 1;
      const outputs = tf.tidy(() =>
        runWithForwardContext(ctx, () => {
          const output = applyModel(model, batch.x, false);
          const l = options.loss(output, batch.y);
          const isClassification = output.rank === 2 && batch.y.rank === 1 && output.shape[0] === batch.y.shape[0];
          if (!isClassification) return [l];
          return grouped ? [l, accuracy(output, batch.y), tf.argMax(output, 1)] : [l, accuracy(output, batch.y)];
        }),
      );
      const predT = grouped ? (outputs[2] as tf.Tensor | undefined) : undefined;
      if (predT) {
        for (const v of await predT.data()) predicted.push(v);
        for (const v of await batch.y.data()) labels.push(v);
        predT.dispose();
      }
      const [lossT, accT] = outputs;
      const lossValue = (await (lossT as tf.Tensor).data())[0] as number;
      lossT?.dispose();
      if (accT) {
        // accuracy() is a float32 mean of 0/1 values: round back to the exact count.
        correct += Math.round(((await accT.data())[0] as number) * size);
        accT.dispose();
      } else {
        classification = false;
      }
      applyStateUpdates(ctx);
      lossSum += lossValue * size;
      examples += size;
      batches += 1;
    } finally {
      releaseAuxLosses(ctx);
      discardStateUpdates(ctx);
      disposeBatch(batch);
    }
  }
  if (batches === 0) {
    throw new Error('evaluateModel: the evaluation source yielded no batches; check its data and batch size.');
  }
  const groups = grouped && classification ? options.groupings?.map((g) => accuracyByGroup(predicted, labels, g)) : undefined;
  return {
    loss: lossSum / examples,
    accuracy: classification ? correct / examples : null,
    examples,
    batches,
    ...(groups ? { groups } : {}),
  };
}
