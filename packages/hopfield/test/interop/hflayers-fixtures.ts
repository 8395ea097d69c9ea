// Helpers of the hflayers interop tests: reading the committed fixtures of
// scripts/reference/make-hflayers-fixtures.py, comparing values, and turning hflayers' inputs and
// masks into AiT.js's.
import * as tf from '@tensorflow/tfjs-core';
import { namedWeights, type TensorValues } from '@ait/core';
import { fixtureFolder, fixtureTensor } from '@ait/core/testing';
import type { HflayersMappedLayer, HflayersModule } from '../../src/index';

export { expectBitExact, relativeError } from '@ait/core/testing';

const files = fixtureFolder(new URL('../fixtures/hflayers/', import.meta.url));
export const FIXTURES = files.folder;
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
  return files.info<FixtureInfo>();
}

/** A fixture file's bytes. */
export const fixtureBytes = files.bytes;

/** A fixture safetensors file's tensors. */
export const fixtureTensors = files.tensors;

/** The fixture tensor `name` (an error naming it when it is missing). */
export const get = fixtureTensor;

export function toTensor(t: TensorValues): tf.Tensor {
  return tf.tensor(t.values, [...t.shape], 'float32');
}

/** Every weight of a built layer by its name below the layer, as plain values. */
export function weightValues(layer: HflayersMappedLayer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, w] of namedWeights(layer))
    out.set(name.slice(name.indexOf(`${layer.name}/`) + layer.name.length + 1), w.read().dataSync() as Float32Array);
  return out;
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
