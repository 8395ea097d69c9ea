import * as tf from '@tensorflow/tfjs-core';
import { ConvStem } from './conv-stem';
import { Dense } from './dense';
import { DropPath } from './drop-path';
import { Dropout } from './dropout';
import { FeedForward } from './feed-forward';
import { LayerNorm } from './layer-norm';
import { LearnedPositionEmbedding } from './learned-position-embedding';
import { MultiHeadAttention } from './multi-head-attention';
import { PatchEmbedding } from './patch-embedding';
import { SinusoidalPositionEmbedding2d } from './sinusoidal-position-embedding-2d';
import { TopKAttention } from './top-k-attention';

/** Every serialisable layer class of `@ait/core`, each registered under its `Ait...` class name. */
export const AIT_CORE_LAYER_CLASSES = [
  Dense,
  LayerNorm,
  Dropout,
  DropPath,
  FeedForward,
  MultiHeadAttention,
  TopKAttention,
  PatchEmbedding,
  ConvStem,
  LearnedPositionEmbedding,
  SinusoidalPositionEmbedding2d,
] as const;

/**
 * Registers every `@ait/core` layer with tfjs serialisation (idempotent). Each layer module also
 * registers itself when the package loads (a side effect: the package is deliberately not marked
 * `sideEffects: false`, so that `import '@ait/core'` alone registers them); calling this before
 * `loadLayersModel` states the dependency explicitly, and keeps working under a bundler configured
 * to drop modules it thinks unused.
 */
export function registerAitCoreLayers(): void {
  for (const cls of AIT_CORE_LAYER_CLASSES) tf.serialization.registerClass(cls);
}
