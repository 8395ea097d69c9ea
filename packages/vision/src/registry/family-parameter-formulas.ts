import { convStemOutputSize } from '@ait/core';
import { AttentionFreeTransformer } from '../models/aft/attention-free-transformer';
import { AssociativeTransformer } from '../models/ait/associative-transformer';
import { Coordination } from '../models/coordination/coordination';
import { MlpMixer } from '../models/mlp-mixer/mlp-mixer';
import { ParallelMlpMixer } from '../models/parallel-mixer/parallel-mlp-mixer';
import { Perceiver } from '../models/perceiver/perceiver';
import { perceiverCrossAttentionDim, perceiverInputWidth } from '../models/perceiver/perceiver-config';
import { SetTransformer } from '../models/set-transformer/set-transformer';
import type { VisionModel } from '../models/vision-model';
import { VisionTransformer } from '../models/vit/vision-transformer';

/** The image a count is made for: side and channels of `[side, side, channels]` inputs. */
export interface CountedImage {
  readonly side: number;
  readonly channels: number;
}

/**
 * Weights of a model split as `countParameters` splits them (`trainable`: what the optimiser
 * updates; `nonTrainable`: the buffers, such as AiT's EMA priors, or everything of a frozen model),
 * and the image they are counted for.
 */
export interface FamilyWeights {
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly image: CountedImage;
}

/** Image side a count assumes when a config leaves `imageSize` open (`null`), as `ait models` builds them. */
export const DEFAULT_COUNTED_SIDE = 32;
/** Image channels a count assumes when a config leaves `channels` open (`null`). */
export const DEFAULT_COUNTED_CHANNELS = 3;

/** The image a model config is counted for: its own `imageSize` and `channels`, or the defaults where open. */
function countedImage(c: { readonly imageSize: number | null; readonly channels: number | null }): CountedImage {
  return { side: c.imageSize ?? DEFAULT_COUNTED_SIDE, channels: c.channels ?? DEFAULT_COUNTED_CHANNELS };
}

// Weight counts of the @ait/core layers the families are made of (each mirrors the layer's `build`).

/** `Dense(in -> out)`: kernel `[in, out]` and, with a bias, `[out]`. */
const dense = (inputs: number, units: number, bias = true): number => inputs * units + (bias ? units : 0);
/** `LayerNorm(d)`: gain and offset `[d]`. */
const layerNorm = (d: number): number => 2 * d;
/** `FeedForward`: `Dense(d -> hidden) -> act -> Dense(hidden -> d)`, both with biases. */
const feedForward = (d: number, hidden: number): number => dense(d, hidden) + dense(hidden, d);
/** Self-attention `MultiHeadAttention` of width `d`: fused QKV `[d, 3 * inner]` and output `[inner, d]` with bias. */
const selfAttention = (d: number, inner: number, qkvBias: boolean): number => dense(d, 3 * inner, qkvBias) + dense(inner, d);
/** Cross-attention `MultiHeadAttention`: query `[d, inner]`, key-value `[context, 2 * inner]`, output `[inner, d]`. */
const crossAttention = (d: number, context: number, inner: number, qkvBias: boolean): number =>
  dense(d, inner, qkvBias) + dense(context, 2 * inner, qkvBias) + dense(inner, d);
/** `PatchEmbedding`: optional `LN(P*P*C)`, `Dense(P*P*C -> D)`, optional `LN(D)`. */
const patchEmbedding = (patchFeatures: number, d: number, norms: boolean): number =>
  (norms ? layerNorm(patchFeatures) : 0) + dense(patchFeatures, d) + (norms ? layerNorm(d) : 0);
/** The classification head: `LN(features) -> Dense(features -> classes)`. */
const classificationHead = (features: number, classes: number): number => layerNorm(features) + dense(features, classes);

/** `ConvStem`: a 3x3 kernel with bias per stage; `channels` is what the patch embedding then sees. */
function convStemWeights(stages: readonly number[], imageChannels: number): { weights: number; channels: number } {
  let channels = imageChannels;
  let weights = 0;
  for (const out of stages) {
    weights += 3 * 3 * channels * out + out;
    channels = out;
  }
  return { weights, channels };
}

/** A model whose every weight is trainable. */
const allTrainable = (n: number, image: CountedImage): FamilyWeights => ({ trainable: n, nonTrainable: 0, image });

/** Associative Transformer: stem, patch embedding, question / CLS tokens, positions, AiT blocks, head. */
function aitWeights(model: AssociativeTransformer): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  const stem = convStemWeights(c.convStem, image.channels);
  let trainable = stem.weights;
  trainable += patchEmbedding(c.patchSize * c.patchSize * stem.channels, d, true);
  if (c.questionDim != null) trainable += layerNorm(c.questionDim) + dense(c.questionDim, d) + layerNorm(d);
  if (c.head === 'cls') trainable += d;
  const grid = convStemOutputSize(image.side, c.convStem.length) / c.patchSize;
  const tokens = grid * grid + (c.questionDim != null ? 1 : 0) + (c.head === 'cls' ? 1 : 0);
  if (c.positionEmbedding === 'learned') trainable += tokens * d;

  // one block: attention sub-layer, then the global workspace layer in the MLP's place
  let block = layerNorm(d) + (c.ablation.noSelfAttention ? 0 : selfAttention(d, c.numHeads * c.headDim, false));
  block += layerNorm(d) + feedForward(d, c.mlpDim) + layerNorm(d);
  let priors = 0;
  if (!c.ablation.noMemory) {
    const m = c.memoryDim;
    const inner = c.memoryHeads * m;
    priors = c.memorySlots * m;
    // bottleneck write (query from the priors, key and value from the tokens, no biases), its norm, the up-projection
    block += dense(m, inner, false) + 2 * dense(d, inner, false) + dense(inner, m, false) + layerNorm(m) + dense(m, d);
    if (c.ablation.noHopfield) {
      block += crossAttention(d, d, d, true);
    } else if (c.hopfieldProjections) {
      const heads = c.hopfieldHeads * (c.hopfieldHeadDim ?? d / c.hopfieldHeads);
      // @ait/hopfield's Hopfield: norms of stored, state and projected patterns; three input projections; output projection
      block += 3 * layerNorm(d) + 3 * dense(d, heads) + dense(heads, d);
    }
  }
  trainable += c.depth * block;
  trainable += classificationHead(c.head === 'flatten' ? tokens * d : d, c.classes);
  const learnedPriors = c.memory === 'learned';
  return { trainable: trainable + (learnedPriors ? c.depth * priors : 0), nonTrainable: learnedPriors ? 0 : c.depth * priors, image };
}

/** ViT: optional stem, patch embedding, question / CLS tokens, learned positions, pre-norm blocks, head. */
function vitWeights(model: VisionTransformer): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  const grid = convStemOutputSize(image.side, c.convStem.length) / c.patchSize;
  const tokens = grid * grid + (c.questionDim != null ? 1 : 0) + (c.head === 'cls' ? 1 : 0);
  const stem = convStemWeights(c.convStem, image.channels);
  const patchFeatures = c.patchSize * c.patchSize * stem.channels;
  let n = stem.weights + (c.patchPreNorm ? layerNorm(patchFeatures) : 0) + dense(patchFeatures, d) + (c.patchPostNorm ? layerNorm(d) : 0);
  if (c.questionDim != null) n += layerNorm(c.questionDim) + dense(c.questionDim, d) + layerNorm(d);
  if (c.head === 'cls') n += d;
  if (c.positionEmbedding === 'learned') n += tokens * d;
  n += c.depth * (layerNorm(d) + selfAttention(d, c.numHeads * c.headDim, false) + layerNorm(d) + feedForward(d, c.mlpDim));
  n += classificationHead(c.head === 'flatten' ? tokens * d : d, c.classes);
  return allTrainable(n, image);
}

/** Coordination: patch embedding, CLS token, (shared) shared-workspace layers, linear head. */
function coordinationWeights(model: Coordination): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  const qk = c.heads * c.keyDim;
  const gate = c.gateStyle === 'unit' ? d : 1;
  // SharedWorkspace: input, query, key, value and memory-MLP projections, two memory norms, the gates (and per-slot gate biases), two scalar biases
  const workspace =
    dense(d, d) +
    2 * dense(d, qk) +
    dense(d, d) +
    dense(d, d) +
    2 * layerNorm(d) +
    dense(d, 2 * gate) +
    d +
    c.slots * d * 2 * gate +
    (c.slotGateBias ? c.slots * 2 * gate : 0) +
    2;
  const layer = layerNorm(d) + workspace + layerNorm(d) + feedForward(d, c.ffnDim);
  let n = dense(c.patchSize * c.patchSize * image.channels, d);
  if (c.pool === 'cls') n += d;
  n += (c.sharedParameters ? 1 : c.layers) * layer;
  return allTrainable(n + dense(d, c.classes), image);
}

/** Set Transformer: patch embedding, positions, SAB or ISAB encoder, PMA pooling, SAB decoder, head. */
function setTransformerWeights(model: SetTransformer): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  // MAB: query, key, value and output projections (all d -> d here), and two norms when layerNorm is on
  const mab = 4 * dense(d, d) + (c.layerNorm ? 2 * layerNorm(d) : 0);
  const grid = image.side / c.patchSize;
  let n = dense(c.patchSize * c.patchSize * image.channels, d);
  if (c.positionEmbedding === 'learned') n += grid * grid * d;
  n += c.encoderLayers * (c.inducingPoints === null ? mab : c.inducingPoints * d + 2 * mab);
  n += c.seeds * d + mab;
  n += c.decoderLayers * mab;
  return allTrainable(n + dense(c.seeds * d, c.classes), image);
}

/** Perceiver: latent array, cross-attention blocks, latent transformer blocks, final norm, head. */
function perceiverWeights(model: Perceiver): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.latentDim;
  const mlp = Math.max(1, Math.round(c.mlpRatio * d));
  // each input position: its patch's pixels and the Fourier features (2 coordinates + sin and cos of each band per axis)
  const inputWidth = perceiverInputWidth({ ...c, channels: image.channels }) as number;
  const inner = perceiverCrossAttentionDim(c) ?? d;
  const cross = layerNorm(d) + layerNorm(inputWidth) + crossAttention(d, inputWidth, inner, true) + layerNorm(d) + feedForward(d, mlp);
  const latent = layerNorm(d) + selfAttention(d, d, true) + layerNorm(d) + feedForward(d, mlp);
  const crossBlocks = c.weightSharing ? Math.min(2, c.repeats) : c.repeats;
  const latentBlocks = c.weightSharing ? c.latentLayers : c.latentLayers * c.repeats;
  const n = c.latents * d + crossBlocks * cross + latentBlocks * latent + layerNorm(d) + dense(d, c.classes);
  return allTrainable(n, image);
}

/** AFT (full, local, simple, conv): patch embedding, positions, AFT blocks, final norm, head. */
function aftWeights(model: AttentionFreeTransformer): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  const hidden = c.hiddenDim ?? d;
  const grid = image.side / c.patchSize;
  const tokens = grid * grid;
  let mixer: number;
  if (c.variant === 'conv') {
    // K has one channel per head; per-head s x s kernels with a gain and a bias each
    mixer = 2 * dense(d, hidden) + dense(d, c.convHeads) + dense(hidden, d) + c.convHeads * c.kernelSize * c.kernelSize + 2 * c.convHeads;
  } else {
    mixer = 3 * dense(d, hidden) + dense(hidden, d);
    // full and local: position biases w [T, T], or factorised as u v^T with u, v [T, rank]
    if (c.variant !== 'simple') mixer += c.positionRank === null ? tokens * tokens : 2 * tokens * c.positionRank;
  }
  const mlp = Math.max(1, Math.round(c.mlpRatio * d));
  let n = dense(c.patchSize * c.patchSize * image.channels, d);
  if (c.positionEmbedding === 'learned') n += tokens * d;
  n += c.depth * (layerNorm(d) + mixer + layerNorm(d) + feedForward(d, mlp));
  return allTrainable(n + layerNorm(d) + dense(d, c.classes), image);
}

/** MLP-Mixer: stem, blocks of token-mixing (across the tokens) and channel-mixing MLPs, final norm, head. */
function mlpMixerWeights(model: MlpMixer): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  const grid = image.side / c.patchSize;
  const tokens = grid * grid;
  const block = layerNorm(d) + feedForward(tokens, c.tokenMlpDim) + layerNorm(d) + feedForward(d, c.channelMlpDim);
  const n = dense(c.patchSize * c.patchSize * image.channels, d) + c.depth * block + layerNorm(d) + dense(d, c.classes);
  return allTrainable(n, image);
}

/** Parallelized MLP-Mixer: stem, `ParallelMixerBlock`s of @ait/hopfield, final norm, head. */
function parallelMixerWeights(model: ParallelMlpMixer): FamilyWeights {
  const c = model.config;
  const image = countedImage(c);
  const d = c.dim;
  const grid = image.side / c.patchSize;
  const tokens = grid * grid;
  const [mt, mc] = [c.tokenMlpDim, c.channelMlpDim];
  // W [mt, N] and [mc, C]; a second weight of the transposed shape for symmetry breaking or free MLPs
  let block = mt * tokens + mc * d;
  if (c.variant !== 'symmetric') block += tokens * mt + d * mc;
  if (c.useBias) block += mt + mc + tokens + d;
  // the matrix layer norm: gain (one per block, or [N, C]) and offset [N, C]
  block += (c.normGain === 'perEntry' ? tokens * d : 1) + tokens * d;
  const n = dense(c.patchSize * c.patchSize * image.channels, d) + c.depth * block + layerNorm(d) + dense(d, c.classes);
  return allTrainable(n, image);
}

/**
 * The weights `model` will have once built (it may be unbuilt: only its validated config is read),
 * derived from its family's layer shapes, and the image `[side, side, channels]` they are counted
 * for (the config's `imageSize` and `channels`, {@link DEFAULT_COUNTED_SIDE} and
 * {@link DEFAULT_COUNTED_CHANNELS} where it leaves them open); `null` for a model class without a
 * formula here.
 */
export function familyWeights(model: VisionModel): FamilyWeights | null {
  let weights: FamilyWeights;
  if (model instanceof AssociativeTransformer) weights = aitWeights(model);
  else if (model instanceof VisionTransformer) weights = vitWeights(model);
  else if (model instanceof Coordination) weights = coordinationWeights(model);
  else if (model instanceof SetTransformer) weights = setTransformerWeights(model);
  else if (model instanceof Perceiver) weights = perceiverWeights(model);
  else if (model instanceof AttentionFreeTransformer) weights = aftWeights(model);
  else if (model instanceof MlpMixer) weights = mlpMixerWeights(model);
  else if (model instanceof ParallelMlpMixer) weights = parallelMixerWeights(model);
  else return null;
  // a frozen model (trainable: false) keeps every weight, none of them trainable
  return model.trainable ? weights : { trainable: 0, nonTrainable: weights.trainable + weights.nonTrainable, image: weights.image };
}
