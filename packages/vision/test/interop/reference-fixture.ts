// Shared by the interop tests that check a weight map against committed fixtures of reference
// PyTorch code (test/fixtures/<name>/, made by scripts/reference/make-*-fixture*.py): reading the
// files, comparing outputs and gradients with the reference within a relative tolerance, and the
// bit-exact and refusal checks.
import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { namedWeights, type TensorValues } from '@ait/core';
import { fixtureFolder, fixtureTensor, maxAbs, maxDifference, relativeError, type FixtureFolder } from '@ait/core/testing';
import { expect } from 'vitest';

export { expectBitExact, expectSameTensors, fixtureTensor, maxAbs, relativeError, thrownBy } from '@ait/core/testing';

/** Largest difference allowed, relative to the largest magnitude of the reference tensor. */
export const RELATIVE_TOLERANCE = 1e-5;

/** The committed files of one fixture folder. */
export type ReferenceFixtureFiles = FixtureFolder;

/** The files of `test/fixtures/<name>/`. */
export function referenceFixtureFiles(name: string): ReferenceFixtureFiles {
  return fixtureFolder(new URL(`../fixtures/${name}/`, import.meta.url));
}

/** The reference's NCHW images `[batch, channels, height, width]` as AiT.js's NHWC `[batch, height, width, channels]`. */
export function nhwc(t: TensorValues): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.values, t.shape as [number, number, number, number], 'float32'), [0, 2, 3, 1]));
}

/** The weight-name prefix of a built model: whatever precedes `anchor` in its weight names. */
export function weightPrefix(model: layers.Layer, anchor: string): string {
  const name = [...namedWeights(model).keys()].find((n) => n.endsWith(anchor)) as string;
  return name.slice(0, name.length - anchor.length);
}

/** Every weight of a built model by name, as plain values. */
export function weightValues(model: layers.Layer): Map<string, Float32Array> {
  return new Map([...namedWeights(model)].map(([n, w]) => [n, w.read().dataSync() as Float32Array]));
}

/** Disposes a model (an unbuilt one has nothing to free, and tfjs refuses to dispose it). */
export function release(model: layers.Layer): void {
  if (model.built) model.dispose();
}

/** A trainable weight's counterpart in the reference `state_dict`. */
export interface GradientCounterpart {
  /** The AiT.js weight name below the model (the model's prefix is found from `anchor`). */
  readonly aitjs: string;
  /** The reference name; the fixture holds its gradient as `pass1.grad.<reference>`. */
  readonly reference: string;
  /** A reference gradient in AiT.js's layout. */
  readonly toAit: (grad: TensorValues) => TensorValues;
}

/** What {@link expectReferenceGradients} compares. */
export interface ReferenceGradientCheck {
  /** A model with the fixture's weights loaded. */
  readonly model: layers.Layer;
  /** The fixture's inputs and outputs: `pass1.images`, `pass1.loss_weights`, `pass1.grad.*`. */
  readonly io: ReadonlyMap<string, TensorValues>;
  /** The AiT.js weight whose name locates the model's weight-name prefix. */
  readonly anchor: string;
  /** Every trainable weight's counterpart. */
  readonly counterparts: readonly GradientCounterpart[];
  /** The name of the tf variable made of the images (unique per test). */
  readonly imagesName: string;
  /** Whether the forward pass runs in training mode. */
  readonly training: boolean;
  /**
   * The reference names whose gradient is zero in exact arithmetic (float32 rounding noise on
   * AiT.js's side): only these may miss the tolerance relative to their own magnitude, and are then
   * compared relative to 1 % of the largest gradient. Absent: every gradient meets the tolerance.
   */
  readonly zeroInTheory?: (reference: string) => boolean;
}

/** What {@link expectReferenceGradients} found. */
export interface ReferenceGradients {
  /** The reference names compared, one per trainable weight. */
  readonly compared: readonly string[];
  /** The `pass1.grad.*` entries of the fixture's weights (not the images). */
  readonly referenceGradNames: readonly string[];
  /** The largest reference gradient entry of any weight. */
  readonly largest: number;
  /** The reference names compared within the tolerance of 1 % of {@link ReferenceGradients.largest} only. */
  readonly belowOwnPrecision: readonly string[];
}

/**
 * Asserts the gradients of `sum(model(images) * loss_weights)` with respect to every trainable
 * weight and to the images equal the fixture's within {@link RELATIVE_TOLERANCE} (relative to the
 * largest magnitude of each reference gradient; see {@link ReferenceGradientCheck.zeroInTheory}),
 * and that every reference gradient was compared. Frees every tensor it makes.
 */
export function expectReferenceGradients(check: ReferenceGradientCheck): ReferenceGradients {
  const { model, io, zeroInTheory } = check;
  const start = nhwc(fixtureTensor(io, 'pass1.images'));
  const images = tf.variable(start, true, check.imagesName);
  start.dispose();
  const lw = fixtureTensor(io, 'pass1.loss_weights');
  const lossWeights = tf.tensor(lw.values, [...lw.shape], 'float32');
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(model.apply(images, { training: check.training }) as tf.Tensor, lossWeights)) as tf.Scalar,
    [...vars, images],
  );
  const prefix = weightPrefix(model, check.anchor);
  const byName = new Map(check.counterparts.map((c) => [`${prefix}${c.aitjs}`, c]));
  const referenceGradNames = [...io.keys()].filter((k) => k.startsWith('pass1.grad.') && k !== 'pass1.grad.images');
  const largest = Math.max(...referenceGradNames.map((k) => maxAbs(fixtureTensor(io, k).values)));
  const compared: string[] = [];
  const belowOwnPrecision: string[] = [];
  for (const w of model.trainableWeights) {
    const pair = byName.get(w.originalName);
    expect(pair, `${w.originalName} has a reference counterpart`).toBeDefined();
    if (!pair) continue;
    const want = pair.toAit(fixtureTensor(io, `pass1.grad.${pair.reference}`));
    const got = (grads[(w.read() as tf.Variable).name] as tf.Tensor).dataSync();
    compared.push(pair.reference);
    const error = relativeError(got, want);
    if (error < RELATIVE_TOLERANCE) continue;
    if (!zeroInTheory) {
      expect(error, `gradient of ${pair.reference}`).toBeLessThan(RELATIVE_TOLERANCE);
      continue;
    }
    belowOwnPrecision.push(pair.reference);
    expect(maxDifference(got, want) / Math.max(maxAbs(want.values), 0.01 * largest), `gradient of ${pair.reference}`).toBeLessThan(
      RELATIVE_TOLERANCE,
    );
  }
  if (zeroInTheory) expect(belowOwnPrecision.every(zeroInTheory), belowOwnPrecision.join(', ')).toBe(true);
  expect(compared.sort()).toEqual(referenceGradNames.map((k) => k.slice('pass1.grad.'.length)).sort());
  const imageGrad = tf.tidy(() => tf.transpose(grads[images.name] as tf.Tensor, [0, 3, 1, 2]).dataSync());
  expect(relativeError(imageGrad, fixtureTensor(io, 'pass1.grad.images')), 'gradient of the images').toBeLessThan(RELATIVE_TOLERANCE);
  tf.dispose([value, images, lossWeights, ...Object.values(grads)]);
  return { compared, referenceGradNames, largest, belowOwnPrecision };
}
