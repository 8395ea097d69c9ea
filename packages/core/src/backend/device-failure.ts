import * as tf from '@tensorflow/tfjs-core';

/**
 * A failure of the device a GPU backend computes on, after which its values cannot be trusted:
 * the device was lost (driver reset, GPU removed, out of memory at the driver level) or it ran
 * out of memory while computing.
 */
export interface DeviceFailure {
  /** The tfjs backend whose device failed, e.g. `webgpu`. */
  readonly backend: string;
  /** `lost`: every tensor on the device is gone; `out-of-memory`: an allocation failed, values are wrong. */
  readonly kind: 'lost' | 'out-of-memory';
  /** What the device or driver said. */
  readonly detail: string;
}

const failures = new Map<string, DeviceFailure>();

/**
 * Records that the device of `failure.backend` failed. Called by @ait/core's WebGPU device
 * watcher; the first failure of a backend is kept (later ones are its consequences).
 */
export function reportDeviceFailure(failure: DeviceFailure): void {
  if (!failures.has(failure.backend)) failures.set(failure.backend, failure);
}

/**
 * The recorded failure of `backend`'s device (default: the backend that runs now), or `null`.
 * The {@link Trainer} checks it after every step and before every checkpoint.
 */
export function deviceFailure(backend: string = tf.getBackend()): DeviceFailure | null {
  return failures.get(backend) ?? null;
}

/** Forgets the recorded failures (for tests that simulate one). */
export function clearDeviceFailures(): void {
  failures.clear();
}

/** What to do after `failure`, in words. */
function advice(failure: DeviceFailure): string {
  return failure.kind === 'out-of-memory'
    ? 'Reduce the batch size or the model size (or use backend "wasm"), then resume from the last checkpoint.'
    : 'Restart the process (a lost device cannot be reused; if it ran out of memory, also reduce the batch size or ' +
        'the model size) and resume from the last checkpoint.';
}

/**
 * Thrown by the {@link Trainer} when the GPU device it trains on failed (see
 * {@link DeviceFailure}). Training stops at once and no checkpoint is written after the failure,
 * so the last checkpoint holds the last good state; resume from it (`Trainer.resume`, or
 * `ait train --resume <run dir>`).
 */
export class DeviceFailureError extends Error {
  override readonly name = 'DeviceFailureError';

  /**
   * @param failure what failed.
   * @param epoch 0-based epoch of the step that noticed it.
   * @param step steps completed before that step.
   * @param lastCheckpoint path of the newest checkpoint the trainer wrote or resumed from, if any.
   */
  constructor(
    readonly failure: DeviceFailure,
    readonly epoch: number,
    readonly step: number,
    readonly lastCheckpoint: string | undefined,
  ) {
    const what =
      failure.kind === 'lost'
        ? `the ${failure.backend} device was lost (${failure.detail}); every tensor on it is gone`
        : `the ${failure.backend} device ran out of memory (${failure.detail}); values computed since are wrong`;
    super(
      `Training stopped at epoch ${epoch}, step ${step}: ${what}. No checkpoint was written after the failure; ` +
        (lastCheckpoint === undefined
          ? 'none was written before it either (set a checkpoint directory, e.g. checkpoint.everySteps, to keep progress). '
          : `the last good state is ${lastCheckpoint}. `) +
        advice(failure),
    );
  }
}
