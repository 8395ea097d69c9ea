import * as tf from '@tensorflow/tfjs-core';
import {
  applyStateUpdates,
  createForwardContext,
  currentForwardContext,
  discardStateUpdates,
  runWithForwardContext,
  type AuxLoss,
  type ForwardContext,
} from './forward-context';

/** Options of {@link collectAuxLosses}. */
export interface CollectAuxLossesOptions {
  /**
   * Whether the pass is a training pass for layers that take it from the forward context (an
   * explicit `training` keyword of `apply` wins); default true. Layers report auxiliary losses
   * while training only (AiT's balance loss, the parallel Mixer's symmetry penalty).
   */
  training?: boolean;
}

/**
 * What {@link collectAuxLosses} returns. Every tensor in it belongs to the caller, exactly as the
 * result of any tfjs op: inside a `tf.tidy` (or `tf.variableGrads`, `tf.grads`) the scope frees
 * it, outside one the caller disposes it.
 */
export interface CollectedForward<T> {
  /** What the forward function returned (e.g. logits `[batch, classes]`). */
  readonly output: T;
  /** Each auxiliary loss a layer reported during the pass, a weighted scalar `[]`, in reporting order. */
  readonly auxLosses: readonly AuxLoss[];
  /** Their sum, a scalar `[]` (0 when no layer reported one); add it to the task loss. */
  readonly auxLoss: tf.Scalar;
}

/** Throws when a layer reported a loss that a `tf.tidy` of its own disposed before the pass ended. */
function assertAlive(ctx: ForwardContext): void {
  for (const { name, value } of ctx.auxLosses) {
    if (value.isDisposed) {
      throw new Error(
        `collectAuxLosses: the auxiliary loss "${name}" was disposed before the forward pass ended: the layer created ` +
          'it inside a tf.tidy that ended before the model returned. Report it from outside the tidy ' +
          '(e.g. addAuxLoss(name, tf.tidy(() => ...))) or tf.keep it.',
      );
    }
  }
}

/** Disposes the kept loss tensors of a context and empties its list. */
function release(ctx: ForwardContext): void {
  for (const { value } of ctx.auxLosses) if (!value.isDisposed) value.dispose();
  ctx.auxLosses.length = 0;
}

/**
 * Runs a forward pass and hands back the auxiliary losses its layers reported (AiT's balance loss
 * `block_i/gwl/balance`, the parallel Mixer's `block{i}/symmetryPenalty`, ...), which a plain
 * `model.apply(x, { training: true })` computes and drops. For a training loop of your own: add
 * `auxLoss` to the task loss, as `trainStep` and the `Trainer` do.
 *
 * `fn` runs synchronously inside a fresh forward context ({@link runWithForwardContext}). The
 * losses come back as tensors of the caller's scope, with their gradient paths, so the call works
 * inside `tf.variableGrads` / `tf.grads` / `tf.tidy`. State updates that layers schedule during the
 * pass (AiT's memory EMA) are applied when `fn` returns, as they are when a model runs outside any
 * context (a pass reads its own copy of the state, and tfjs keeps the values a gradient needs, so
 * applying them before the backward pass does not change any gradient); inside an enclosing
 * forward context they are handed to that context instead. If `fn` throws, the losses are freed,
 * the state updates are dropped and the error propagates.
 *
 * @param fn the forward pass, e.g. `() => model.apply(x, { training: true }) as tf.Tensor`
 * @returns `{ output, auxLosses, auxLoss }`; `auxLoss` and every `auxLosses[i].value` are scalars `[]`
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { collectAuxLosses, crossEntropy, initBackend, parameterRefs } from '@ait/core';
 * import { createModel } from '@ait/vision';
 *
 * await initBackend({ backend: 'cpu' });
 * const model = createModel('ait-tiny', { classes: 2 });
 * model.build([null, 16, 16, 3]);
 * const params = parameterRefs(model);
 * const x = tf.randomNormal([8, 16, 16, 3]); // images [batch, H, W, C]
 * const y = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'); // labels [batch]
 * const { value, grads } = tf.variableGrads(() => {
 *   const { output, auxLoss } = collectAuxLosses(() => model.apply(x, { training: true }) as tf.Tensor);
 *   return tf.add(crossEntropy(output, y), auxLoss) as tf.Scalar;
 * }, params.map((p) => p.variable));
 * ```
 */
export function collectAuxLosses<T>(fn: () => T, options: CollectAuxLossesOptions = {}): CollectedForward<T> {
  const outer = currentForwardContext();
  const ctx = createForwardContext(options.training ?? true);
  let output: T;
  try {
    output = runWithForwardContext(ctx, fn);
    assertAlive(ctx);
  } catch (err) {
    release(ctx);
    discardStateUpdates(ctx);
    throw err;
  }
  // Copies in the caller's scope (same gradient path); the kept originals are freed.
  const auxLosses = ctx.auxLosses.map(({ name, value }): AuxLoss => ({ name, value: tf.clone(value) }));
  release(ctx);
  const auxLoss = (auxLosses.length === 0 ? tf.scalar(0) : tf.addN(auxLosses.map((a) => a.value))) as tf.Scalar;
  if (outer) {
    outer.stateUpdates.push(...ctx.stateUpdates);
    ctx.stateUpdates.length = 0;
  } else {
    applyStateUpdates(ctx);
  }
  return { output, auxLosses, auxLoss };
}
