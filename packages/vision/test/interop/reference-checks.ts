// Checks the reference-fixture interop tests (official AiT, Coordination, Set Transformer,
// paramixer) each make of their weight map: logits on the fixture's passes, the export that loads
// back into a fresh model, the configs the map refuses, and a DataParallel checkpoint.
import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import type { TensorValues } from '@ait/core';
import { expectBitExact, fixtureTensor, relativeError, thrownBy } from '@ait/core/testing';
import { expect } from 'vitest';
import { OfficialWeightsError } from '../../src/index';
import {
  nhwc,
  release,
  RELATIVE_TOLERANCE,
  weightPrefix,
  weightValues,
  type GradientCounterpart,
  type ReferenceFixtureFiles,
} from './reference-fixture';

/** The {@link OfficialWeightsError} `fn` throws (fails when it throws nothing or something else). */
export function refusal(fn: () => unknown): OfficialWeightsError {
  return thrownBy(fn, OfficialWeightsError);
}

/** The files of one variant of a fixture. */
export interface VariantFiles {
  /** The inputs and outputs of `<variant>.io.safetensors`. */
  readonly io: Map<string, TensorValues>;
  /** The bytes of `<variant>.weights.safetensors`. */
  readonly weights: () => Uint8Array;
  /** That file's name, the `source` of messages. */
  readonly source: string;
}

/** The files of variant `variant` of `fixture`. */
export function variantFiles(fixture: ReferenceFixtureFiles, variant: string): VariantFiles {
  const source = `${variant}.weights.safetensors`;
  return { io: fixture.tensors(`${variant}.io.safetensors`), weights: () => fixture.bytes(source), source };
}

/** Relative error of the logits `[batch, classes]` of `model` on the fixture's pass-`p` images. */
export function passLogitsError(model: layers.Layer, io: ReadonlyMap<string, TensorValues>, p: number, training: boolean): number {
  return tf.tidy(() =>
    relativeError(
      (model.apply(nhwc(fixtureTensor(io, `pass${p}.images`)), { training }) as tf.Tensor).dataSync(),
      fixtureTensor(io, `pass${p}.logits`),
    ),
  );
}

/**
 * Asserts the logits of `model` on the fixture's two batches (pass 1 in training mode
 * `training[0]`, pass 2 in `training[1]`) equal the reference's within the tolerance, and that the
 * passes leave no tensor behind.
 */
export function expectReferenceLogits(
  model: layers.Layer,
  io: ReadonlyMap<string, TensorValues>,
  training: readonly [boolean, boolean],
): void {
  const before = tf.memory().numTensors;
  training.forEach((mode, i) => expect(passLogitsError(model, io, i + 1, mode), `pass ${i + 1} logits`).toBeLessThan(RELATIVE_TOLERANCE));
  expect(tf.memory().numTensors).toBe(before);
}

/** Builds `model` with one forward pass on the fixture's pass-1 images (the output is freed). */
export function buildOnPassImages(model: layers.Layer, io: ReadonlyMap<string, TensorValues>): void {
  tf.tidy(() => {
    model.apply(nhwc(fixtureTensor(io, 'pass1.images')));
  });
}

/**
 * Asserts `copy` (loaded from an export of `model`) holds the weights of `model` bit for bit; the
 * names are compared below each model's weight-name prefix, found from `anchor`.
 */
export function expectSameWeights(copy: layers.Layer, model: layers.Layer, anchor: string): void {
  const [from, to] = [weightPrefix(copy, anchor), weightPrefix(model, anchor)];
  expectBitExact(new Map([...weightValues(copy)].map(([n, w]) => [to + n.slice(from.length), w])), weightValues(model));
}

/** A weight map's pairs as gradient counterparts: each pair's reference name and its conversion to AiT.js's layout. */
export function gradientCounterparts<P extends { readonly aitjs: string }>(
  pairs: readonly P[],
  reference: (pair: P) => string,
  toAit: (grad: TensorValues, pair: P) => TensorValues,
): GradientCounterpart[] {
  return pairs.map((p) => ({ aitjs: p.aitjs, reference: reference(p), toAit: (g: TensorValues) => toAit(g, p) }));
}

/** A config the map must refuse: the options changed from the fixture's, and what the message must say. */
export type RefusedConfig<A> = readonly [overrides: Partial<A>, message: RegExp];

/**
 * Asserts every config is refused before anything loads: `load` throws an 'unsupported-config'
 * {@link OfficialWeightsError} whose message matches the config's pattern, and the model stays unbuilt.
 */
export function expectRefusedConfigs<A, M extends layers.Layer>(
  configs: readonly RefusedConfig<A>[],
  make: (overrides: Partial<A>) => M,
  load: (model: M) => unknown,
): void {
  for (const [overrides, pattern] of configs) {
    const model = make(overrides);
    const e = refusal(() => load(model));
    expect(e.kind, pattern.source).toBe('unsupported-config');
    expect(e.message).toMatch(pattern);
    expect(model.built).toBe(false);
    release(model);
  }
}

/**
 * A reference weights file as a checkpoint of a DataParallel model has it: every name behind
 * "module.", with zero tensors of the listed shapes for the entries the fixture left out.
 */
export function dataParallelCheckpoint(
  tensors: ReadonlyMap<string, TensorValues>,
  leftOut: Readonly<Record<string, readonly number[]>>,
): Map<string, TensorValues> {
  const full = new Map(tensors);
  for (const [name, shape] of Object.entries(leftOut)) {
    full.set(name, { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  }
  return new Map([...full].map(([n, t]) => [`module.${n}`, t]));
}
