// Helpers of the hflayers interop tests: reading the committed fixtures of
// scripts/reference/make-hflayers-fixtures.py, comparing values, and turning hflayers' inputs and
// masks into AiT.js's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, namedWeights, type TensorValues } from '@ait/core';
import { expect } from 'vitest';
import type { HflayersMappedLayer, HflayersModule } from '../../src/index';

export const FIXTURES = fileURLToPath(new URL('../fixtures/hflayers/', import.meta.url));
/** Largest difference allowed, relative to the largest magnitude of the reference tensor. */
export const RELATIVE_TOLERANCE = 1e-5;

/** One configuration of fixture.json. */
export interface FixtureConfig {
  module: HflayersModule;
  kwargs: Record<string, unknown>;
  inputs: Record<string, number[]>;
  masks: Record<string, number[][]>;
  output_shape: number[];
  associations_shape: number[];
  state_dict: Record<string, number[]>;
}

export interface FixtureInfo {
  hflayers_commit: string;
  hflayers_files_from: string;
  torch_version: string;
  configs: Record<string, FixtureConfig>;
  round_trips: Record<string, { module: HflayersModule; call: string; state_dict_bit_exact_in_torch: boolean }>;
}

export function fixtureInfo(): FixtureInfo {
  return JSON.parse(readFileSync(join(FIXTURES, 'fixture.json'), 'utf8')) as FixtureInfo;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fixtureTensors(name: string): Map<string, TensorValues> {
  return decodeSafetensors(fixtureBytes(name), name).tensors;
}

export function get(tensors: ReadonlyMap<string, TensorValues>, name: string): TensorValues {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor "${name}" is missing`);
  return t;
}

export function toTensor(t: TensorValues): tf.Tensor {
  return tf.tensor(t.values, [...t.shape], 'float32');
}

/** Largest |got - want| divided by the largest |want|. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    const w = want[i] as number;
    diff = Math.max(diff, Math.abs((got[i] as number) - w));
    scale = Math.max(scale, Math.abs(w));
  }
  return diff / scale;
}

/** Every weight of a built layer by its name below the layer, as plain values. */
export function weightValues(layer: HflayersMappedLayer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, w] of namedWeights(layer))
    out.set(name.slice(name.indexOf(`${layer.name}/`) + layer.name.length + 1), w.read().dataSync() as Float32Array);
  return out;
}

/** Whether two sets of named values are equal bit for bit (same names, same float32 bits). */
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

/** The layer's data inputs (batch-first) from a fixture's `input.*` tensors. */
export function layerInputs(module: HflayersModule, io: ReadonlyMap<string, TensorValues>, batchFirst: boolean): tf.Tensor | tf.Tensor[] {
  const read = (k: string): tf.Tensor => {
    const t = toTensor(get(io, `input.${k}`));
    if (batchFirst) return t;
    const transposed = tf.transpose(t, [1, 0, 2]);
    t.dispose();
    return transposed;
  };
  if (io.has('input.input')) return read('input');
  if (module === 'HopfieldPooling') return [read('stored'), read('projection')];
  return [read('stored'), read('state'), read('projection')];
}

/** hflayers' boolean masks (1 = blocked) as AiT.js masks (1 = allowed). */
export function layerMasks(io: ReadonlyMap<string, TensorValues>): { storedPatternPaddingMask?: tf.Tensor; associationMask?: tf.Tensor } {
  const allowed = (k: string): tf.Tensor | undefined => {
    const t = io.get(`mask.${k}`);
    return t ? tf.tidy(() => tf.sub(1, toTensor(t))) : undefined;
  };
  const pad = allowed('stored_pattern_padding_mask');
  const assoc = allowed('association_mask');
  return { ...(pad ? { storedPatternPaddingMask: pad } : {}), ...(assoc ? { associationMask: assoc } : {}) };
}
