import * as tf from '@tensorflow/tfjs-core';
import {
  accuracyByGroup,
  applyModel,
  createForwardContext,
  crossEntropy,
  discardStateUpdates,
  disposeBatch,
  releaseAuxLosses,
  runWithForwardContext,
  SeededRandom,
  type BatchSource,
  type ExampleGrouping,
  type GroupedAccuracy,
} from '@ait/core';
import type { layers } from '@tensorflow/tfjs-layers';

/** Loss, accuracy and confusion matrix of a classifier on a data set. */
export interface ClassificationReport {
  /** Mean cross-entropy per example. */
  readonly loss: number;
  /** Fraction of examples classified correctly. */
  readonly accuracy: number;
  readonly examples: number;
  /** `matrix[true][predicted]`: counts, `[classes, classes]`. */
  readonly confusion: number[][];
  /** Accuracy per group, one entry per grouping given (empty without). */
  readonly groups: readonly GroupedAccuracy[];
}

/**
 * Runs `model` in inference mode over every batch of `source` (logits `[batch, classes]`, labels
 * `[batch]`) and counts predictions per (true, predicted) class, and with `groupings` (of the
 * examples in the order the unshuffled source yields them) the accuracy per group. State updates
 * the model reports (AiT's memory) are discarded, so evaluating never changes the model.
 */
export async function classificationReport(
  model: layers.Layer,
  source: BatchSource,
  classes: number,
  groupings: readonly ExampleGrouping[] = [],
): Promise<ClassificationReport> {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const predictions: number[] = [];
  const labels: number[] = [];
  let lossSum = 0;
  let examples = 0;
  for await (const batch of source.batches(0, new SeededRandom(0))) {
    const ctx = createForwardContext(false);
    try {
      const [lossT, predT] = tf.tidy(() =>
        runWithForwardContext(ctx, () => {
          const logits = applyModel(model, batch.x, false);
          return [crossEntropy(logits, batch.y), tf.argMax(logits, -1)] as const;
        }),
      );
      const [lossValue] = await lossT.data();
      const predicted = await predT.data();
      const truth = await batch.y.data();
      lossT.dispose();
      predT.dispose();
      for (let i = 0; i < truth.length; i++) {
        predictions.push(predicted[i] as number);
        labels.push(truth[i] as number);
        const row = confusion[truth[i] as number];
        if (row) row[predicted[i] as number] = (row[predicted[i] as number] ?? 0) + 1;
      }
      lossSum += (lossValue as number) * truth.length;
      examples += truth.length;
    } finally {
      releaseAuxLosses(ctx);
      discardStateUpdates(ctx);
      disposeBatch(batch);
    }
  }
  const correct = confusion.reduce((s, row, i) => s + (row[i] ?? 0), 0);
  return {
    loss: examples > 0 ? lossSum / examples : Number.NaN,
    accuracy: examples > 0 ? correct / examples : Number.NaN,
    examples,
    confusion,
    groups: groupings.map((g) => accuracyByGroup(predictions, labels, g)),
  };
}
