import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { SeededRandom } from '../random/seeded-random';
import { disposeBatch, type BatchSource } from './batch-source';
import { applyStateUpdates, createForwardContext, discardStateUpdates, runWithForwardContext } from './forward-context';
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
}

/**
 * Runs the model over every batch of `source` in inference mode (`training: false`, inside an
 * evaluation forward context) and returns the mean loss and accuracy. State updates that layers
 * report during evaluation are applied after each batch (AiT's reference updates its memory on
 * evaluation passes too; layers decide themselves whether to report them). Disposes every batch.
 */
export async function evaluateModel(model: layers.Layer, source: BatchSource, options: EvaluateOptions): Promise<EvalMetrics> {
  const rng = options.rng ?? new SeededRandom(0);
  let lossSum = 0;
  let correct = 0;
  let examples = 0;
  let batches = 0;
  let classification = true;
  for await (const batch of source.batches(options.epoch ?? 0, rng)) {
    const ctx = createForwardContext(false);
    try {
      const size = batch.y.shape[0] ?? 1;
      const [lossT, accT] = tf.tidy(() =>
        runWithForwardContext(ctx, () => {
          const output = applyModel(model, batch.x, false);
          const l = options.loss(output, batch.y);
          const isClassification = output.rank === 2 && batch.y.rank === 1 && output.shape[0] === batch.y.shape[0];
          return isClassification ? [l, accuracy(output, batch.y)] : [l];
        }),
      );
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
  return { loss: lossSum / examples, accuracy: classification ? correct / examples : null, examples, batches };
}
