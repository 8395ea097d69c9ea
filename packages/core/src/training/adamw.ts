import * as tf from '@tensorflow/tfjs-core';
import { validateConfig, z } from '../config/validate-config';
import { adamWStepInPlace } from './adamw-in-place';
import type { ParameterRef } from './parameter-ref';

/** Configuration of {@link AdamW}; defaults follow PyTorch's `torch.optim.AdamW`. */
export interface AdamWConfig {
  /** Step size; the schedule overwrites {@link AdamW.learningRate} before each step. Must be >= 0. */
  learningRate: number;
  /** Decay of the first-moment average, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to the denominator for numerical stability, >= 0; default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay coefficient, >= 0; default 0.01. */
  weightDecay?: number;
  /** Which parameters get weight decay; default: every parameter of rank >= 2 (not biases, norms' gains). */
  decayFilter?: (param: ParameterRef) => boolean;
  /**
   * On the wasm and cpu backends, update each parameter and its moments in one pass over their
   * memory instead of through about 17 kernels (same values; several times fewer kernel calls).
   * Default true; false always uses kernels.
   */
  inPlace?: boolean;
}

/** Optimiser state for checkpoints: the step count and both moment estimates of every parameter, keyed by name. */
export interface AdamWState {
  /** Steps taken so far (the `t` of the bias corrections). */
  iterations: number;
  /** First (`m`) and second (`v`) moment estimates per parameter name, each of the parameter's shape. */
  moments: Record<string, { m: tf.Tensor; v: tf.Tensor }>;
}

/**
 * The default {@link AdamWConfig.decayFilter}: decay every parameter of rank >= 2 (kernels,
 * embeddings), not rank-0/1 ones (biases, LayerNorm gains and offsets).
 */
export function defaultDecayFilter(param: ParameterRef): boolean {
  return param.variable.rank >= 2;
}

const adamWSchema = z.strictObject({
  learningRate: z.number('must be a finite number').min(0, 'must be >= 0 (a learning rate cannot be negative)'),
  beta1: z.number('must be a finite number').min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.9),
  beta2: z.number('must be a finite number').min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.999),
  epsilon: z.number('must be a finite number').min(0, 'must be >= 0').default(1e-8),
  weightDecay: z.number('must be a finite number').min(0, 'must be >= 0 (use 0 to switch weight decay off)').default(0.01),
  decayFilter: z
    .custom<(param: ParameterRef) => boolean>((v) => typeof v === 'function', {
      message: 'must be a function (param: ParameterRef) => boolean',
    })
    .optional(),
  inPlace: z.boolean().default(true),
});

interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function checkLearningRate(value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`AdamW: learningRate must be a finite number >= 0, got ${String(value)}. Check the schedule's config.`);
  }
}

/**
 * AdamW with decoupled weight decay, with the semantics of PyTorch's `torch.optim.AdamW`.
 *
 * For each parameter `p` with gradient `g` at step `t` (1-based):
 * `p <- p - lr*wd*p` (only where `decayFilter` says), `m <- b1 m + (1-b1) g`,
 * `v <- b2 v + (1-b2) g^2`, `p <- p - lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)`.
 * Moments are created lazily (zeros) the first time a parameter is seen and are keyed by the
 * parameter's stable name, so {@link AdamW.getState} / {@link AdamW.setState} round-trip through
 * checkpoints. The update runs inside `tf.tidy` and assigns into the variables; no tensor
 * outlives a step except the moment variables themselves.
 */
export class AdamW {
  private lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly decayFilter: (param: ParameterRef) => boolean;
  private moments = new Map<string, Moments>();
  /** Shapes of every parameter passed to applyGradients so far, to check a restored state. */
  private readonly knownShapes = new Map<string, number[]>();
  private step = 0;
  private disposed = false;
  private readonly kernelsOnly: boolean;

  /** @param config validated; throws a `ConfigError` naming each bad field. */
  constructor(config: AdamWConfig) {
    const c = validateConfig('AdamW', adamWSchema, config);
    this.lr = c.learningRate;
    this.beta1 = c.beta1;
    this.beta2 = c.beta2;
    this.epsilon = c.epsilon;
    this.weightDecay = c.weightDecay;
    this.decayFilter = c.decayFilter ?? defaultDecayFilter;
    this.kernelsOnly = !c.inPlace;
  }

  /** The step size of the next step; a schedule sets it before each step. Must be finite and >= 0. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    checkLearningRate(value);
    this.lr = value;
  }

  /** Steps applied so far (restored by {@link AdamW.setState}). */
  get iterations(): number {
    return this.step;
  }

  /** The effective hyper-parameters (with defaults filled in; `learningRate` is the current one). */
  get config(): Required<Omit<AdamWConfig, 'decayFilter' | 'inPlace'>> {
    return {
      learningRate: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  /**
   * One optimisation step. `params[i]` is updated with `gradients[i]` (same shape as the
   * parameter); same order in both arrays. Gradients are not disposed by this call. Everything is
   * checked before any variable changes, so a thrown error leaves the optimiser and the
   * parameters untouched.
   */
  applyGradients(params: readonly ParameterRef[], gradients: readonly tf.Tensor[]): void {
    this.assertUsable('applyGradients');
    checkLearningRate(this.lr);
    if (params.length !== gradients.length) {
      throw new Error(
        `AdamW.applyGradients: got ${params.length} parameters but ${gradients.length} gradients; ` +
          'pass one gradient per parameter, in the same order.',
      );
    }
    const names = new Set<string>();
    for (let i = 0; i < params.length; i++) {
      const param = params[i] as ParameterRef;
      const grad = gradients[i] as tf.Tensor;
      if (names.has(param.name)) {
        throw new Error(
          `AdamW.applyGradients: parameter name "${param.name}" appears twice; optimiser state is keyed by ` +
            'name, so every parameter needs a distinct name.',
        );
      }
      names.add(param.name);
      if (param.variable.isDisposed) {
        throw new Error(`AdamW.applyGradients: parameter "${param.name}" is disposed; collect the parameters again.`);
      }
      if (param.variable.dtype !== 'float32') {
        throw new Error(
          `AdamW.applyGradients: parameter "${param.name}" has dtype ${param.variable.dtype}; only float32 ` + 'parameters can be trained.',
        );
      }
      if (grad.isDisposed) {
        throw new Error(`AdamW.applyGradients: the gradient of "${param.name}" is already disposed.`);
      }
      if (!tf.util.arraysEqual(grad.shape, param.variable.shape)) {
        throw new Error(
          `AdamW.applyGradients: the gradient of "${param.name}" has shape ${shapeText(grad.shape)} but the ` +
            `parameter has shape ${shapeText(param.variable.shape)}; gradients must be in the same order as the parameters.`,
        );
      }
      const known = this.moments.get(param.name);
      if (known && !tf.util.arraysEqual(known.m.shape, param.variable.shape)) {
        throw new Error(
          `AdamW.applyGradients: the optimiser state for "${param.name}" has shape ${shapeText(known.m.shape)} but ` +
            `the parameter has shape ${shapeText(param.variable.shape)}; the state was restored from a different model.`,
        );
      }
    }

    const t = this.step + 1;
    const lr = this.lr;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const biasCorrection1 = 1 - b1 ** t;
    const sqrtBiasCorrection2 = Math.sqrt(1 - b2 ** t);
    const stepSize = lr / biasCorrection1;
    const decayFactor = 1 - lr * this.weightDecay;

    for (let i = 0; i < params.length; i++) {
      const param = params[i] as ParameterRef;
      const grad = gradients[i] as tf.Tensor;
      const moments = this.momentsFor(param);
      const decay = this.weightDecay > 0 && this.decayFilter(param);
      const constants = {
        beta1: b1,
        beta2: b2,
        epsilon: this.epsilon,
        stepSize,
        sqrtBiasCorrection2,
        decayFactor: decay ? decayFactor : 1,
      };
      if (!this.kernelsOnly && adamWStepInPlace(param.variable, grad, moments.m, moments.v, constants)) {
        this.knownShapes.set(param.name, param.variable.shape.slice());
        continue;
      }
      tf.tidy(() => {
        const g = grad.dtype === 'float32' ? grad : tf.cast(grad, 'float32');
        const p = param.variable;
        const decayed = decay ? tf.mul(p, decayFactor) : p;
        const m = tf.add(tf.mul(moments.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(moments.v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBiasCorrection2), this.epsilon);
        const updated = tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize));
        moments.m.assign(m);
        moments.v.assign(v);
        p.assign(updated);
      });
      this.knownShapes.set(param.name, param.variable.shape.slice());
    }
    this.step = t;
  }

  /** Live references to the moments (do not dispose them); for checkpoints. */
  getState(): AdamWState {
    this.assertUsable('getState');
    const moments: Record<string, { m: tf.Tensor; v: tf.Tensor }> = {};
    for (const [name, { m, v }] of this.moments) moments[name] = { m, v };
    return { iterations: this.step, moments };
  }

  /**
   * Copies the given tensors into the optimiser (caller keeps ownership); checks names/shapes
   * with clear errors. Moments of parameters the optimiser has already updated must keep those
   * parameters' shapes, and, once it has updated any, unknown names are rejected. On error the
   * current state is kept.
   */
  setState(state: AdamWState): void {
    this.assertUsable('setState');
    if (typeof state !== 'object' || state === null) {
      throw new Error('AdamW.setState: expected {iterations, moments}; got ' + String(state) + '.');
    }
    const { iterations, moments } = state;
    if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 0) {
      throw new Error(
        `AdamW.setState: iterations must be a non-negative integer, got ${String(iterations)}; the checkpoint may be corrupt.`,
      );
    }
    if (typeof moments !== 'object' || moments === null) {
      throw new Error('AdamW.setState: moments must be an object {name: {m, v}}; the checkpoint may be corrupt.');
    }
    for (const [name, entry] of Object.entries(moments)) {
      const m = (entry as { m?: unknown } | null)?.m;
      const v = (entry as { v?: unknown } | null)?.v;
      if (!(m instanceof tf.Tensor) || !(v instanceof tf.Tensor)) {
        throw new Error(`AdamW.setState: moments["${name}"] must hold two tensors {m, v}; the checkpoint may be corrupt.`);
      }
      if (m.isDisposed || v.isDisposed) {
        throw new Error(`AdamW.setState: a tensor of moments["${name}"] is already disposed.`);
      }
      if (!tf.util.arraysEqual(m.shape, v.shape)) {
        throw new Error(
          `AdamW.setState: moments["${name}"] has m of shape ${shapeText(m.shape)} but v of shape ` +
            `${shapeText(v.shape)}; both must have the parameter's shape.`,
        );
      }
      if (this.knownShapes.size > 0) {
        const expected = this.knownShapes.get(name);
        if (!expected) {
          throw new Error(
            `AdamW.setState: the state has moments for "${name}", which is not one of this optimiser's parameters ` +
              `(${[...this.knownShapes.keys()].join(', ')}); the state comes from a different model.`,
          );
        }
        if (!tf.util.arraysEqual(m.shape, expected)) {
          throw new Error(
            `AdamW.setState: moments["${name}"] have shape ${shapeText(m.shape)} but the parameter has shape ` +
              `${shapeText(expected)}; the state comes from a different model.`,
          );
        }
      }
    }
    const next = new Map<string, Moments>();
    for (const [name, { m, v }] of Object.entries(moments)) {
      next.set(name, {
        m: tf.tidy(() => tf.variable(tf.cast(m, 'float32'), false)),
        v: tf.tidy(() => tf.variable(tf.cast(v, 'float32'), false)),
      });
    }
    this.disposeMoments();
    this.moments = next;
    this.step = iterations;
  }

  /** Releases the moment tensors; the optimiser cannot be used afterwards. */
  dispose(): void {
    this.disposeMoments();
    this.disposed = true;
  }

  private momentsFor(param: ParameterRef): Moments {
    let moments = this.moments.get(param.name);
    if (!moments) {
      const shape = param.variable.shape;
      moments = {
        m: tf.tidy(() => tf.variable(tf.zeros(shape, 'float32'), false)),
        v: tf.tidy(() => tf.variable(tf.zeros(shape, 'float32'), false)),
      };
      this.moments.set(param.name, moments);
    }
    return moments;
  }

  private disposeMoments(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  private assertUsable(method: string): void {
    if (this.disposed) {
      throw new Error(`AdamW.${method}: this optimiser was disposed; create a new AdamW.`);
    }
  }
}
