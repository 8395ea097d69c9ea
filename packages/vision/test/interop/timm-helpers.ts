// Shared by the timm interop tests: the committed fixtures (test/fixtures/timm/, made by
// scripts/reference/make-timm-fixtures.py) and the AiT.js models they describe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, namedWeights, type TensorValues } from '@ait/core';
import { expect } from 'vitest';
import { MlpMixer, VisionTransformer, type MlpMixerArgs, type TimmMappedModel, type VisionTransformerArgs } from '../../src/index';

export const TIMM_FIXTURES = fileURLToPath(new URL('../fixtures/timm/', import.meta.url));

/** One variant of fixture.json. */
export interface TimmVariantInfo {
  timm_model: 'VisionTransformer' | 'MlpMixer';
  timm_args: Record<string, unknown>;
  layer_norm_eps: number;
  embed_norm: boolean;
  aitjs_config: Record<string, unknown>;
}

/** fixture.json. */
export interface TimmFixtureInfo {
  timm_commit: string;
  timm_version: string;
  torch_version: string;
  variants: Record<string, TimmVariantInfo>;
  roundtrip?: Record<string, { aitjs_export_metadata: Record<string, string> }>;
}

export const timmInfo = JSON.parse(readFileSync(join(TIMM_FIXTURES, 'fixture.json'), 'utf8')) as TimmFixtureInfo;

export const TIMM_VARIANTS = ['vit-cls', 'vit-mean', 'mixer'] as const;

export function timmFileBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(TIMM_FIXTURES, name)));
}

export function timmTensors(name: string): Map<string, TensorValues> {
  return decodeSafetensors(timmFileBytes(name), name).tensors;
}

export function getTensor(tensors: ReadonlyMap<string, TensorValues>, name: string): TensorValues {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor "${name}" is missing`);
  return t;
}

/** A new, unbuilt AiT.js model of a fixture variant. */
export function timmVariantModel(variant: string): TimmMappedModel {
  const v = timmInfo.variants[variant] as TimmVariantInfo;
  return v.timm_model === 'VisionTransformer'
    ? new VisionTransformer(v.aitjs_config as VisionTransformerArgs)
    : new MlpMixer(v.aitjs_config as unknown as MlpMixerArgs);
}

/** The fixture's NCHW images as AiT.js's NHWC. */
export function nhwcImages(io: ReadonlyMap<string, TensorValues>): tf.Tensor4D {
  const images = getTensor(io, 'images');
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(images.values as Float32Array, images.shape as [number, number, number, number]), [0, 2, 3, 1]),
  );
}

/** Largest |got - want| divided by the largest |want|. */
export function relativeError(got: ArrayLike<number>, want: TensorValues): number {
  expect(got.length).toBe(want.values.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    const w = want.values[i] as number;
    diff = Math.max(diff, Math.abs((got[i] as number) - w));
    scale = Math.max(scale, Math.abs(w));
  }
  return diff / scale;
}

/** The model's logits for the fixture's images, relative to `want`. */
export function logitsError(model: TimmMappedModel, io: ReadonlyMap<string, TensorValues>, want: TensorValues): number {
  const x = nhwcImages(io);
  const logits = model.apply(x, { training: false }) as tf.Tensor;
  const error = relativeError(logits.dataSync(), want);
  tf.dispose([x, logits]);
  return error;
}

/** Every weight of a built model by name, as plain values. */
export function weightValues(model: TimmMappedModel): Map<string, Float32Array> {
  return new Map([...namedWeights(model)].map(([n, w]) => [n, w.read().dataSync() as Float32Array]));
}

/** Asserts two sets of named values are equal bit for bit (same names, same lengths, `Object.is` per element). */
export function expectBitExact(a: ReadonlyMap<string, ArrayLike<number>>, b: ReadonlyMap<string, ArrayLike<number>>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, values] of a) {
    const other = b.get(name) as ArrayLike<number>;
    expect(other.length, name).toBe(values.length);
    let same = true;
    for (let i = 0; i < values.length; i++) if (!Object.is(values[i], other[i])) same = false;
    expect(same, `${name} is bit-exact`).toBe(true);
  }
}

/** Disposes a model (an unbuilt one has nothing to free, and tfjs refuses to dispose it). */
export function release(model: TimmMappedModel): void {
  if (model.built) model.dispose();
}
