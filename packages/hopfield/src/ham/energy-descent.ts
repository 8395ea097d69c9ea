import * as tf from '@tensorflow/tfjs-core';

/** How an energy descent runs; each descent function documents its own defaults. */
export interface DescentSettings {
  /** Number of steps (an integer >= 0). */
  steps?: number;
  /** Step size `alpha` of `x <- x - alpha dE/dg` (> 0). */
  stepSize?: number;
  /** Whether to record the energy before and after every step; default false. */
  recordEnergies?: boolean;
}

/** One model's energy `[batch, ...] -> [batch]` and its analytic gradient with respect to the activation `g` (the descent direction). */
export interface DescentModel {
  energy(x: tf.Tensor): tf.Tensor;
  gradient(x: tf.Tensor): tf.Tensor;
}

/**
 * Energy descent `x <- x - alpha dE/dg`, `steps` times, with the analytic gradient (so a step is
 * a plain forward computation and training backpropagates through it). `defaults` are the
 * caller's steps and step size when `settings` leave them out; `where` names the caller in errors.
 * Returns the final state (a new tensor, also for 0 steps) and, with `recordEnergies`, the
 * energies before and after every step `[steps + 1, batch]`; the caller owns both.
 */
export function energyDescent(
  where: string,
  x: tf.Tensor,
  model: DescentModel,
  settings: DescentSettings,
  defaults: { readonly steps: number; readonly stepSize: number },
): { state: tf.Tensor; energies: tf.Tensor | null } {
  const steps = settings.steps ?? defaults.steps;
  const alpha = settings.stepSize ?? defaults.stepSize;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`${where}: steps must be an integer >= 0, got ${steps}.`);
  if (!Number.isFinite(alpha) || alpha <= 0) throw new Error(`${where}: stepSize must be a finite number > 0, got ${alpha}.`);
  const record = settings.recordEnergies ?? false;
  const result = tf.tidy(() => {
    let state = x;
    const energies: tf.Tensor[] = record ? [model.energy(state)] : [];
    for (let t = 0; t < steps; t++) {
      state = tf.sub(state, tf.mul(alpha, model.gradient(state)));
      if (record) energies.push(model.energy(state));
    }
    return [steps === 0 ? tf.clone(x) : state, ...(record ? [tf.stack(energies)] : [])];
  });
  return { state: result[0] as tf.Tensor, energies: result[1] ?? null };
}
