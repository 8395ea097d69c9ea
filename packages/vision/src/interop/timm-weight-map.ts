import { type MlpMixerConfig } from '../models/mlp-mixer/mlp-mixer-config';
import { type VitModelConfig } from '../models/vit/vision-transformer';
import { TimmWeightsError, type TimmLayout } from './timm-weight-layout';

/** The timm repository the weight maps follow. */
export const TIMM_REPOSITORY = 'huggingface/pytorch-image-models';
/** The commit of {@link TIMM_REPOSITORY} the maps were written and checked against (timm 1.0.29.dev0). */
export const TIMM_COMMIT = 'aa4b5850c1543fa488abf260f18390eda46cf85d';

/** One weight in both namings. */
export interface TimmWeightPair {
  /** timm's `state_dict` name, e.g. `blocks.0.attn.qkv.weight`. */
  readonly timm: string;
  /** Its shape in timm. */
  readonly timmShape: readonly number[];
  /** The AiT.js weight name below the model, e.g. `block_0/attn/qkv/kernel` (a model's weights carry a prefix such as `vit/`). */
  readonly aitjs: string;
  /** Its shape in AiT.js. */
  readonly aitjsShape: readonly number[];
  /** How the values are rearranged between the two. */
  readonly layout: TimmLayout;
}

/** The JSON-ready keyword arguments of timm's constructor that build the model a map is for. */
export type TimmModelArgs = Readonly<Record<string, number | boolean | string | readonly number[]>>;

/**
 * The complete correspondence between an AiT.js model's weights and a timm model's `state_dict`,
 * for one config (see {@link timmVitWeightMap} and {@link timmMixerWeightMap}).
 */
export interface TimmWeightMap {
  /** timm's class: `VisionTransformer` (`timm.models.vision_transformer`) or `MlpMixer` (`timm.models.mlp_mixer`). */
  readonly timmModel: 'VisionTransformer' | 'MlpMixer';
  /**
   * The keyword arguments that build the same model in timm, except the norm layers: every
   * LayerNorm is `partial(nn.LayerNorm, eps=layerNormEpsilon)` (`norm_layer`, and
   * `embed_norm_layer` when {@link TimmWeightMap.embedNorm} is true).
   */
  readonly timmArgs: TimmModelArgs;
  /** Epsilon of every LayerNorm of the model (timm's default: 1e-6). Not stored in a `state_dict`. */
  readonly layerNormEpsilon: number;
  /** Whether timm's `PatchEmbed` has a norm after its projection (`embed_norm_layer`; ViT only). */
  readonly embedNorm: boolean;
  /** Weights present on both sides (the maps cover every weight of both models). */
  readonly pairs: readonly TimmWeightPair[];
}

/** Options of the functions that rename tensors between the two namings. */
export interface TimmRenameOptions {
  /**
   * Prefix of the AiT.js weight names. timm -> AiT.js: default `vit/` for the ViT (the names of a
   * model with its default name, as `modelToSafetensors` writes them) and none for the Mixer (whose
   * default name is generated; pass `<model.name>/`). AiT.js -> timm: default found from the names
   * (whatever precedes `patch_embed/proj/kernel`, or `stem/proj/kernel` for the Mixer).
   */
  readonly prefix?: string;
  /** What the tensors came from, for messages (a file name). */
  readonly source?: string;
}

/** The AiT.js weight whose name locates a ViT's weight-name prefix (internal). */
export const TIMM_VIT_ANCHOR = 'patch_embed/proj/kernel';
/** The AiT.js weight whose name locates an MLP-Mixer's weight-name prefix (internal). */
export const TIMM_MIXER_ANCHOR = 'stem/proj/kernel';

/** The MLP-Mixer config fields the map reads (`model.config` of an `MlpMixer`). */
export type TimmMixerConfig = Pick<
  MlpMixerConfig,
  'imageSize' | 'channels' | 'classes' | 'patchSize' | 'dim' | 'depth' | 'tokenMlpDim' | 'channelMlpDim'
>;

/** Collects the pairs of one model. */
class PairList {
  readonly pairs: TimmWeightPair[] = [];

  add(timm: string, timmShape: readonly number[], aitjs: string, aitjsShape: readonly number[], layout: TimmLayout): void {
    this.pairs.push({ timm, timmShape, aitjs, aitjsShape, layout });
  }

  /** `nn.LayerNorm(width)` <-> AiT.js `LayerNorm` (`weight`/`bias` <-> `gamma`/`beta`). */
  layerNorm(timm: string, aitjs: string, width: number): void {
    this.add(`${timm}.weight`, [width], `${aitjs}/gamma`, [width], { kind: 'copy' });
    this.add(`${timm}.bias`, [width], `${aitjs}/beta`, [width], { kind: 'copy' });
  }

  /** `nn.Linear(inp, out, bias)` <-> AiT.js `Dense` (`weight [out, inp]` <-> `kernel [inp, out]`). */
  linear(timm: string, aitjs: string, inp: number, out: number, bias = true): void {
    this.add(`${timm}.weight`, [out, inp], `${aitjs}/kernel`, [inp, out], { kind: 'linear' });
    if (bias) this.add(`${timm}.bias`, [out], `${aitjs}/bias`, [out], { kind: 'copy' });
  }

  /** timm's `PatchEmbed` projection `Conv2d(C, D, P, stride P)` <-> AiT.js's patch projection `Dense(P*P*C, D)`. */
  patchProjection(timm: string, aitjs: string, patchSize: number, channels: number, dim: number): void {
    const layout: TimmLayout = { kind: 'patch-conv', patchSize, channels };
    this.add(`${timm}.weight`, [dim, channels, patchSize, patchSize], `${aitjs}/kernel`, [patchSize * patchSize * channels, dim], layout);
    this.add(`${timm}.bias`, [dim], `${aitjs}/bias`, [dim], { kind: 'copy' });
  }
}

/**
 * timm's `mlp_ratio` for a hidden width: timm builds `int(dim * mlp_ratio)` units, so the ratio is
 * `hidden / dim`, nudged up by half a unit where floating point would truncate it to `hidden - 1`.
 */
function mlpRatio(hidden: number, dim: number): number {
  const ratio = hidden / dim;
  return Math.trunc(dim * ratio) === hidden ? ratio : (hidden + 0.5) / dim;
}

function refuse(where: string, issues: readonly string[]): void {
  if (issues.length > 0) throw new TimmWeightsError('unsupported-config', where, issues);
}

/**
 * The weight map between a {@link VisionTransformer} with config `config` (`model.config`) and
 * timm's `VisionTransformer` (`timm.models.vision_transformer`, {@link TIMM_COMMIT}).
 *
 * Where the two coincide: patch embedding (timm's strided convolution is AiT.js's linear map of the
 * flattened patches; `patchPreNorm: false`, and `patchPostNorm` as timm's `embed_norm_layer`), CLS
 * token and learned position table over all tokens (timm's `class_token`, `pos_embed: 'learn'`,
 * `no_embed_class: False`), pre-norm blocks with the fused `qkv` (q | k | v, each head-major: the
 * same layout) and exact GELU, then head `cls` = timm's final `norm` and `global_pool: 'token'`
 * (a LayerNorm per token commutes with taking the first), or head `mean` = `class_token: False`,
 * `global_pool: 'avg'` with timm's `fc_norm` after the pooling. Linear weights are transposed; the
 * convolution `[D, C, P, P]` becomes the kernel `[P*P*C, D]` (features as (row, column, channel)).
 *
 * What must be set on each side: `qkvBias` as timm's `qkv_bias` (timm's default is true), and every
 * LayerNorm's epsilon (`layerNormEpsilon`; timm's default is 1e-6, AiT.js's 1e-5: build the timm
 * model with `norm_layer=partial(nn.LayerNorm, eps=...)` or the AiT.js model with
 * `layerNormEpsilon: 1e-6`). The returned {@link TimmWeightMap.timmArgs} build the matching timm model.
 *
 * Throws a {@link TimmWeightsError} (`unsupported-config`), naming the option, where AiT.js computes
 * something timm's ViT cannot: `patchPreNorm: true` (the default: the AiT reference code normalises
 * each flattened patch before projecting it), head `flatten`, `positionEmbedding: 'sincos'`, a `convStem`, and
 * `headDim` other than `dim / numHeads`. timm's layer scale, register tokens, QK norm, `pre_norm`,
 * attention pooling and `no_embed_class` have no AiT.js counterpart: such files are refused when
 * loaded. Dropout and drop-path rates are training settings and are not checked.
 */
export function timmVitWeightMap(config: VitModelConfig): TimmWeightMap {
  const c = config;
  const issues: string[] = [];
  if (c.patchPreNorm) {
    issues.push(
      "patchPreNorm: timm's PatchEmbed has no LayerNorm over each flattened patch before its projection; build the model with patchPreNorm: false",
    );
  }
  if (c.head === 'flatten') {
    issues.push(
      "head 'flatten': timm's VisionTransformer has no flatten head; use 'cls' (timm global_pool 'token') or 'mean' (class_token False, global_pool 'avg')",
    );
  }
  if (c.convStem.length > 0) {
    issues.push("convStem: timm's VisionTransformer embeds raw image patches (PatchEmbed); use convStem: []");
  }
  if (c.positionEmbedding === 'sincos') {
    issues.push(
      "positionEmbedding 'sincos': timm's VisionTransformer learns its position table or has none (pos_embed 'learn' or 'none'); use 'learned' or 'none'",
    );
  }
  if (c.numHeads * c.headDim !== c.dim) {
    const fix =
      c.dim % c.numHeads === 0
        ? `set headDim: ${c.dim / c.numHeads}`
        : `choose numHeads dividing dim ${c.dim} and headDim = dim / numHeads`;
    issues.push(
      `headDim ${c.headDim} with numHeads ${c.numHeads} and dim ${c.dim}: timm's Attention splits dim into heads of dim / numHeads; ${fix}`,
    );
  }
  refuse("the VisionTransformer config for timm's VisionTransformer", issues);

  const dim = c.dim;
  const cls = c.head === 'cls';
  const tokens = (c.imageSize / c.patchSize) ** 2 + (cls ? 1 : 0);
  const list = new PairList();
  list.patchProjection('patch_embed.proj', 'patch_embed/proj', c.patchSize, c.channels, dim);
  if (c.patchPostNorm) list.layerNorm('patch_embed.norm', 'patch_embed/norm_out', dim);
  if (cls) list.add('cls_token', [1, 1, dim], 'cls_token/token', [dim], { kind: 'reshape' });
  if (c.positionEmbedding === 'learned')
    list.add('pos_embed', [1, tokens, dim], 'pos_embed/embeddings', [tokens, dim], { kind: 'reshape' });
  for (let i = 0; i < c.depth; i++) {
    const at = `blocks.${i}`;
    list.layerNorm(`${at}.norm1`, `block_${i}/attn_norm`, dim);
    list.linear(`${at}.attn.qkv`, `block_${i}/attn/qkv`, dim, 3 * dim, c.qkvBias);
    list.linear(`${at}.attn.proj`, `block_${i}/attn/output`, dim, dim);
    list.layerNorm(`${at}.norm2`, `block_${i}/mlp_norm`, dim);
    list.linear(`${at}.mlp.fc1`, `block_${i}/mlp/fc1`, dim, c.mlpDim);
    list.linear(`${at}.mlp.fc2`, `block_${i}/mlp/fc2`, c.mlpDim, dim);
  }
  list.layerNorm(cls ? 'norm' : 'fc_norm', 'head/norm', dim);
  list.linear('head', 'head/proj', dim, c.classes);
  return {
    timmModel: 'VisionTransformer',
    timmArgs: {
      img_size: c.imageSize,
      patch_size: c.patchSize,
      in_chans: c.channels,
      num_classes: c.classes,
      embed_dim: dim,
      depth: c.depth,
      num_heads: c.numHeads,
      mlp_ratio: mlpRatio(c.mlpDim, dim),
      qkv_bias: c.qkvBias,
      class_token: cls,
      global_pool: cls ? 'token' : 'avg',
      pos_embed: c.positionEmbedding === 'learned' ? 'learn' : 'none',
    },
    layerNormEpsilon: c.layerNormEpsilon,
    embedNorm: c.patchPostNorm,
    pairs: list.pairs,
  };
}

/**
 * The weight map between an {@link MlpMixer} with config `config` (`model.config`) and timm's
 * `MlpMixer` (`timm.models.mlp_mixer`, {@link TIMM_COMMIT}) with its default `MixerBlock`s: the
 * two coincide with AiT.js's defaults (patch embedding without norms, token-mixing MLP across the
 * patches, exact GELU, LayerNorm epsilon 1e-6 on both sides, final norm, average pooling, linear
 * head). timm's `mlp_ratio` is `(tokenMlpDim / dim, channelMlpDim / dim)`; the convolution of the
 * stem `[D, C, P, P]` becomes the kernel `[P*P*C, D]`, linear weights are transposed.
 *
 * Throws a {@link TimmWeightsError} (`unsupported-config`) when `imageSize` or `channels` is
 * `null` (timm's Mixer is built for one image size and channel count: set both). timm's
 * `stem_norm` and the other blocks of `mlp_mixer.py` (ResMLP, gMLP, ...) have no AiT.js
 * counterpart: such files are refused when loaded.
 */
export function timmMixerWeightMap(config: TimmMixerConfig): TimmWeightMap {
  const c = config;
  const issues: string[] = [];
  if (c.imageSize === null) issues.push("imageSize: null; timm's MlpMixer is built for one image size: set imageSize");
  if (c.channels === null) issues.push("channels: null; timm's MlpMixer is built for one channel count: set channels");
  refuse("the MlpMixer config for timm's MlpMixer", issues);
  const imageSize = c.imageSize as number;
  const channels = c.channels as number;
  const dim = c.dim;
  const patches = (imageSize / c.patchSize) ** 2;
  const list = new PairList();
  list.patchProjection('stem.proj', 'stem/proj', c.patchSize, channels, dim);
  for (let i = 0; i < c.depth; i++) {
    const at = `blocks.${i}`;
    list.layerNorm(`${at}.norm1`, `layer${i}_norm1`, dim);
    list.linear(`${at}.mlp_tokens.fc1`, `layer${i}_token_mlp/fc1`, patches, c.tokenMlpDim);
    list.linear(`${at}.mlp_tokens.fc2`, `layer${i}_token_mlp/fc2`, c.tokenMlpDim, patches);
    list.layerNorm(`${at}.norm2`, `layer${i}_norm2`, dim);
    list.linear(`${at}.mlp_channels.fc1`, `layer${i}_channel_mlp/fc1`, dim, c.channelMlpDim);
    list.linear(`${at}.mlp_channels.fc2`, `layer${i}_channel_mlp/fc2`, c.channelMlpDim, dim);
  }
  list.layerNorm('norm', 'final_norm', dim);
  list.linear('head', 'head', dim, c.classes);
  return {
    timmModel: 'MlpMixer',
    timmArgs: {
      img_size: imageSize,
      in_chans: channels,
      num_classes: c.classes,
      patch_size: c.patchSize,
      num_blocks: c.depth,
      embed_dim: dim,
      mlp_ratio: [mlpRatio(c.tokenMlpDim, dim), mlpRatio(c.channelMlpDim, dim)],
    },
    layerNormEpsilon: 1e-6,
    embedNorm: false,
    pairs: list.pairs,
  };
}
