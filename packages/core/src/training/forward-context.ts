import * as tf from '@tensorflow/tfjs-core';

/** A named scalar loss that a layer contributes during a forward pass (e.g. AiT's balance loss). */
export interface AuxLoss {
  /** Who reported it, e.g. `block_0/gwl/balance`. */
  readonly name: string;
  /** Scalar loss, already weighted; added to the task loss by the training loop. */
  readonly value: tf.Scalar;
}

/** A new value for a non-trainable variable, applied after the optimiser step (no gradient). */
export interface StateUpdate {
  readonly variable: tf.Variable;
  readonly value: tf.Tensor;
}

/**
 * What a forward pass collects besides its outputs. The training loop opens one per step with
 * {@link runWithForwardContext}; layers report into it with {@link addAuxLoss} and
 * {@link scheduleStateUpdate}.
 */
export interface ForwardContext {
  /** Whether this is a training pass (dropout on, state updates applied). */
  readonly training: boolean;
  readonly auxLosses: AuxLoss[];
  readonly stateUpdates: StateUpdate[];
}

const stack: ForwardContext[] = [];

/** Creates an empty forward context. */
export function createForwardContext(training: boolean): ForwardContext {
  return { training, auxLosses: [], stateUpdates: [] };
}

/**
 * Runs `fn` with `ctx` as the current forward context; nested calls see the innermost one.
 * Forward passes are synchronous, so a plain stack is enough.
 */
export function runWithForwardContext<T>(ctx: ForwardContext, fn: () => T): T {
  stack.push(ctx);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** The innermost forward context, or `undefined` outside any training loop. */
export function currentForwardContext(): ForwardContext | undefined {
  return stack[stack.length - 1];
}

/**
 * Reports an auxiliary loss. Inside a training loop's context it is kept (so a layer may call this
 * from inside its own `tf.tidy`), added to the task loss and so receives gradients; outside one it is dropped (the layer still computes it, so layers keep a
 * copy of their last value themselves if users need it).
 *
 * @param value scalar `[]`
 */
export function addAuxLoss(name: string, value: tf.Scalar): void {
  if (value.rank !== 0) {
    throw new Error(`addAuxLoss(${name}): an auxiliary loss must be a scalar, got shape [${value.shape.join(', ')}].`);
  }
  const ctx = currentForwardContext();
  // Kept so that a layer may report from inside its own tf.tidy; the training loop disposes it.
  if (ctx) ctx.auxLosses.push({ name, value: tf.keep(value) });
}

/**
 * Schedules `variable <- value` for a state buffer that is updated outside the gradient (AiT's
 * memory EMA). Inside a training loop's context the update is kept and applied after the
 * optimiser step; outside one it is applied at once. The value must match the variable's shape.
 *
 * @param value same shape as `variable`
 */
export function scheduleStateUpdate(variable: tf.Variable, value: tf.Tensor): void {
  if (!tf.util.arraysEqual(variable.shape, value.shape)) {
    throw new Error(
      `scheduleStateUpdate(${variable.name}): value shape [${value.shape.join(', ')}] does not ` +
        `match the variable's shape [${variable.shape.join(', ')}].`,
    );
  }
  const ctx = currentForwardContext();
  if (ctx) {
    ctx.stateUpdates.push({ variable, value: tf.keep(value) });
  } else {
    variable.assign(value);
  }
}

/**
 * Applies and disposes the state updates a context collected, in the order they were reported.
 * The training loop calls this after the optimiser step.
 */
export function applyStateUpdates(ctx: ForwardContext): void {
  for (const { variable, value } of ctx.stateUpdates) {
    variable.assign(value);
    value.dispose();
  }
  ctx.stateUpdates.length = 0;
}

/** Disposes state updates without applying them (e.g. when a step is rejected for a NaN loss). */
export function discardStateUpdates(ctx: ForwardContext): void {
  for (const { value } of ctx.stateUpdates) value.dispose();
  ctx.stateUpdates.length = 0;
}
