// Shared by the timm interop tests: the committed fixtures (test/fixtures/timm/, made by
// scripts/reference/make-timm-fixtures.py) and the AiT.js models they describe.
import * as tf from '@tensorflow/tfjs-core';
import { type TensorValues } from '@ait/core';
import { MlpMixer, VisionTransformer, type MlpMixerArgs, type TimmMappedModel, type VisionTransformerArgs } from '../../src/index';
import { fixtureTensor, nhwc, referenceFixtureFiles, relativeError } from './reference-fixture';

const files = referenceFixtureFiles('timm');
export const TIMM_FIXTURES = files.folder;

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

export const timmInfo = files.info<TimmFixtureInfo>();

export const TIMM_VARIANTS = ['vit-cls', 'vit-mean', 'mixer'] as const;

/** A fixture file's bytes. */
export const timmFileBytes = files.bytes;

/** A fixture safetensors file's tensors. */
export const timmTensors = files.tensors;

/** A new, unbuilt AiT.js model of a fixture variant. */
export function timmVariantModel(variant: string): TimmMappedModel {
  const v = timmInfo.variants[variant] as TimmVariantInfo;
  return v.timm_model === 'VisionTransformer'
    ? new VisionTransformer(v.aitjs_config as VisionTransformerArgs)
    : new MlpMixer(v.aitjs_config as unknown as MlpMixerArgs);
}

/** The fixture's NCHW images as AiT.js's NHWC. */
export function nhwcImages(io: ReadonlyMap<string, TensorValues>): tf.Tensor4D {
  return nhwc(fixtureTensor(io, 'images'));
}

/** The model's logits for the fixture's images, relative to `want`. */
export function logitsError(model: TimmMappedModel, io: ReadonlyMap<string, TensorValues>, want: TensorValues): number {
  const x = nhwcImages(io);
  const logits = model.apply(x, { training: false }) as tf.Tensor;
  const error = relativeError(logits.dataSync(), want);
  tf.dispose([x, logits]);
  return error;
}
