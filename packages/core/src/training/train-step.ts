import * as tf from '@tensorflow/tfjs-core';
import { releaseAbandonedTape } from './abandoned-tape';
import type { layers } from '@tensorflow/tfjs-layers';
import type { AdamW } from './adamw';
import type { Batch } from './batch-source';
import { clipByGlobalNorm, globalNorm } from './clip-grad-norm';
import {
  applyStateUpdates,
  createForwardContext,
  discardStateUpdates,
  runWithForwardContext,
  type ForwardContext,
} from './forward-context';
import { NonFiniteLossError } from './non-finite-loss-error';
import type { ParameterRef } from './parameter-ref';

/** A task loss: model output (e.g. logits `[batch, classes]`) and targets -> scalar `[]`. */
export type LossFn = (output: tf.Tensor, y: tf.Tensor) => tf.Scalar;

/** What one training step reports. */
export interface StepMetrics {
  /** 0-based epoch of the step. */
  readonly epoch: number;
  /** 0-based index of the step in the run (= optimiser steps done before it). */
  readonly step: number;
  /** 0-based index of the batch in its epoch. */
  readonly stepInEpoch: number;
  /** Total loss that was differentiated: `taskLoss + auxLoss`. */
  readonly loss: number;
  /** The task loss (e.g. cross-entropy). */
  readonly taskLoss: number;
  /** Sum of the auxiliary losses layers reported (AiT's balance loss); 0 if none. */
  readonly auxLoss: number;
  /** Global L2 norm of the gradients before clipping. */
  readonly gradNorm: number;
  /** Learning rate used for this step. */
  readonly learningRate: number;
  /** Examples in the batch (its first dimension), which the last batch of an epoch may have fewer of. */
  readonly examples: number;
}

/** Inputs of {@link trainStep}. */
export interface TrainStepOptions {
  /** The model, called as `model.apply(x, { training: true })` on eager tensors. */
  model: layers.Layer;
  /** The model's trainable parameters (from `parameterRefs(model)`). */
  params: readonly ParameterRef[];
  optimizer: AdamW;
  batch: Batch;
  loss: LossFn;
  /** Learning rate for this step; default: the optimiser's current one. */
  learningRate?: number;
  /** Clip the gradients' global L2 norm to this value; default: no clipping. */
  clipNorm?: number;
  /**
   * Called with the step's (finite) total loss before anything changes; throw (or reject) to
   * reject the step, which then changes no weight, optimiser moment or state buffer. The Trainer
   * uses it to stop an exploding loss (`LossExplosionError`).
   */
  checkLoss?: (loss: number) => void | Promise<void>;
  /** Epoch / step of this step, for metrics and error messages. */
  epoch: number;
  step: number;
  stepInEpoch: number;
}

/**
 * Model output for one batch: `model.apply(x, { training })` on eager tensors, checked to be a
 * single tensor (e.g. logits `[batch, classes]`). Used by the training step and by evaluation.
 */
export function applyModel(model: layers.Layer, x: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor {
  const out = model.apply(x, { training });
  if (!(out instanceof tf.Tensor)) {
    throw new Error(
      `Model "${model.name}" returned ${Array.isArray(out) ? 'a list of outputs' : 'a non-tensor'}; the training ` +
        'loop needs a single output tensor (e.g. logits [batch, classes]).',
    );
  }
  return out;
}

/**
 * Sum of the auxiliary losses a forward context collected, as a scalar `[]` (0 when there are
 * none). Throws if a layer reported a loss that was disposed before the loop could add it (it was
 * created inside a `tf.tidy` that has ended: report it outside the tidy, or `tf.keep` it).
 */
export function sumAuxLosses(ctx: ForwardContext): tf.Scalar {
  if (ctx.auxLosses.length === 0) return tf.scalar(0);
  for (const { name, value } of ctx.auxLosses) {
    if (value.isDisposed) {
      throw new Error(
        `The auxiliary loss "${name}" was disposed before the training loop could add it to the loss: the layer ` +
          'created it inside a tf.tidy that ended before the model returned. Report it from outside the tidy ' +
          '(e.g. addAuxLoss(name, tf.tidy(() => ...))) or tf.keep it.',
      );
    }
  }
  return tf.addN(ctx.auxLosses.map((a) => a.value)) as tf.Scalar;
}

/**
 * Disposes auxiliary-loss tensors of a finished forward pass that are still alive (kept by the
 * layer that reported them), and empties the list.
 */
export function releaseAuxLosses(ctx: ForwardContext): void {
  for (const { value } of ctx.auxLosses) if (!value.isDisposed) value.dispose();
  ctx.auxLosses.length = 0;
}

/**
 * One optimisation step on one batch, top to bottom:
 * 1. open a training forward context; inside `tf.variableGrads` run the model (dropout on),
 *    compute `loss = task loss + sum of the context's auxiliary losses`, and differentiate it
 *    w.r.t. the trainable parameters only (state buffers receive no gradient);
 * 2. reject a non-finite loss or gradient norm with {@link NonFiniteLossError}, or a loss that
 *    `checkLoss` throws for, discarding the context's state updates (nothing changes);
 * 3. optionally clip the gradients to a global norm;
 * 4. set the optimiser's learning rate and apply the gradients (AdamW);
 * 5. apply the state updates layers scheduled (e.g. AiT's memory EMA), after the optimiser step.
 *
 * Parameters that the loss does not reach get no gradient and are left alone (as in PyTorch).
 * Does not dispose the batch. No tensor outlives the call except the updated variables.
 */
export async function trainStep(options: TrainStepOptions): Promise<StepMetrics> {
  const { model, params, optimizer, batch, loss, clipNorm, checkLoss, epoch, step, stepInEpoch } = options;
  const learningRate = options.learningRate ?? optimizer.learningRate;
  if (params.length === 0) {
    throw new Error(`trainStep: model "${model.name}" has no trainable parameters; nothing to train (is it frozen?).`);
  }

  // 1. Forward and backward pass inside a training forward context.
  const ctx = createForwardContext(true);
  let taskLoss: tf.Scalar | undefined;
  let auxLoss: tf.Scalar | undefined;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(
      () =>
        runWithForwardContext(ctx, () => {
          const output = applyModel(model, batch.x, true);
          const task = loss(output, batch.y);
          if (!(task instanceof tf.Tensor) || task.rank !== 0) {
            throw new Error('trainStep: the loss function must return a scalar tensor [].');
          }
          const aux = sumAuxLosses(ctx);
          taskLoss = tf.keep(task);
          auxLoss = tf.keep(aux);
          return tf.add(task, aux) as tf.Scalar;
        }),
      params.map((p) => p.variable),
    );
  } catch (err) {
    taskLoss?.dispose();
    auxLoss?.dispose();
    discardStateUpdates(ctx);
    releaseAbandonedTape();
    throw err;
  } finally {
    releaseAuxLosses(ctx);
  }
  const kept = [result.value, taskLoss as tf.Scalar, auxLoss as tf.Scalar];
  const withGrad = params.filter((p) => result.grads[p.variable.name] != null);
  let grads = withGrad.map((p) => result.grads[p.variable.name] as tf.Tensor);
  const release = (): void => {
    for (const t of kept) t.dispose();
    for (const g of grads) g.dispose();
  };

  try {
    // 2. Reject a diverged step before anything changes.
    const [lossValue, taskValue, auxValue] = (await Promise.all(kept.map((t) => t.data()))).map((d) => d[0] as number);
    if (!Number.isFinite(lossValue as number)) {
      throw new NonFiniteLossError('loss', lossValue as number, epoch, step, learningRate);
    }
    if (checkLoss) await checkLoss(lossValue as number);

    // 3. Gradient norm, and clipping.
    let gradNorm: number;
    if (clipNorm !== undefined) {
      const clipped = await clipByGlobalNorm(grads, clipNorm);
      for (const g of grads) g.dispose();
      grads = clipped.gradients;
      gradNorm = clipped.norm;
    } else {
      const norm = globalNorm(grads);
      gradNorm = (await norm.data())[0] as number;
      norm.dispose();
    }
    if (!Number.isFinite(gradNorm)) {
      throw new NonFiniteLossError('gradient norm', gradNorm, epoch, step, learningRate);
    }

    // 4. Optimiser step.
    optimizer.learningRate = learningRate;
    optimizer.applyGradients(withGrad, grads);

    // 5. State buffers, updated outside the gradient.
    applyStateUpdates(ctx);
    return {
      epoch,
      step,
      stepInEpoch,
      loss: lossValue as number,
      taskLoss: taskValue as number,
      auxLoss: auxValue as number,
      gradNorm,
      learningRate,
      examples: batch.y.shape[0] ?? 0,
    };
  } finally {
    discardStateUpdates(ctx);
    release();
  }
}
