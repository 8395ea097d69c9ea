import { type AitModelConfig } from '../models/ait/associative-transformer';
import { type VitModelConfig } from '../models/vit/vision-transformer';
import { type OfficialLayout } from './official-weight-layout';
import { refuseUnsupportedConfig } from './official-config-refusal';

/** The official PyTorch code of the AiT paper that the weight maps follow. */
export const OFFICIAL_AIT_REPOSITORY = 'yuweisunn/associative-transformer';
/** The commit of {@link OFFICIAL_AIT_REPOSITORY} the weight maps were written and checked against. */
export const OFFICIAL_AIT_COMMIT = '107ae934f0cf98f000e437de6f6102dbcd5a329a';
/** Width of the question vector of the official Sort-of-CLEVR model (`vit_hn_clevr.py` hard-codes 18). */
export const OFFICIAL_QUESTION_DIM = 18;

/** One weight in both namings. */
export interface OfficialWeightPair {
  /** The official `state_dict` name, e.g. `transformer.layers.0.0.fn.to_qkv.weight`. */
  readonly official: string;
  /** Its shape in the official code. */
  readonly officialShape: readonly number[];
  /** The AiT.js weight name below the model, e.g. `block_0/attn/qkv/kernel` (the model's weights carry a prefix such as `ait/`). */
  readonly aitjs: string;
  /** Its shape in AiT.js. */
  readonly aitjsShape: readonly number[];
  /** How the values are rearranged between the two. */
  readonly layout: OfficialLayout;
}

/** An official tensor with no AiT.js weight. */
export interface OfficialExtraTensor {
  /** The official `state_dict` name. */
  readonly official: string;
  /** Its shape in the official code. */
  readonly officialShape: readonly number[];
  /** What it is and how the map treats it. */
  readonly note: string;
}

/**
 * The complete correspondence between an AiT.js model's weights and the official `state_dict`,
 * for one config (see {@link officialAitWeightMap} and {@link officialVitWeightMap}).
 */
export interface OfficialWeightMap {
  /** The official model the map is for. */
  readonly officialModel: string;
  /** Weights present on both sides. */
  readonly pairs: readonly OfficialWeightPair[];
  /**
   * The memory's EMA momentum buffers (`...memoryupdate.beta`, a scalar per block, 0.9 when the
   * official code builds it): AiT.js keeps the momentum in its config (`memoryMomentum`), not in a
   * weight. Checked against the config when loading, written from it when exporting.
   */
  readonly momentumBuffers: readonly OfficialExtraTensor[];
  /**
   * Official parameters the official forward pass never uses (the AiT models' CNN stem, position
   * embedding and CLS token): ignored when loading, written as zeros when exporting (unless
   * omitted) so that PyTorch's strict `load_state_dict` accepts the file.
   */
  readonly unused: readonly OfficialExtraTensor[];
  /** The AiT.js momentum the buffers stand for (AiT; `null` for the ViT). */
  readonly memoryMomentum: number | null;
}

/** Options of the weight-map functions. */
export interface OfficialWeightMapOptions {
  /**
   * Whether to refuse configs that keep the official parameters but compute differently from the
   * official code (AiT: `competition: 'sample'`, `memory: 'learned'`, `memoryUpdateInEval: false`,
   * `ablation.resetMemory`, `hopfieldSteps` other than 1; when loading, a momentum buffer that
   * differs from `memoryMomentum`); default true. With `false` the weights are mapped anyway (e.g.
   * to run official weights with per-sample competition). Configs whose parameters have no
   * official counterpart are refused either way.
   */
  readonly strict?: boolean;
}

/** Options of the functions that rename tensors between the two namings. */
export interface OfficialRenameOptions extends OfficialWeightMapOptions {
  /**
   * Prefix of the AiT.js weight names. Official -> AiT.js: default `ait/` (AiT) or `vit/` (ViT), the
   * names of a model with its default name built by its first call, as `modelToSafetensors` writes
   * them. AiT.js -> official: default found from the names (whatever precedes
   * `patch_embed/proj/kernel`).
   */
  readonly prefix?: string;
  /** What the tensors came from, for messages (a file name). */
  readonly source?: string;
}

/** Options of the AiT.js -> official direction. */
export interface ToOfficialOptions extends OfficialRenameOptions {
  /**
   * The official parameters no forward pass uses ({@link OfficialWeightMap.unused}): `zeros`
   * (default) writes them as zeros so that PyTorch's strict `load_state_dict` accepts the file;
   * `omit` leaves them out (load with `strict=False`).
   */
  readonly unused?: 'zeros' | 'omit';
}

/** The AiT.js weight whose name locates a model's weight-name prefix (internal). */
export const ANCHOR = 'patch_embed/proj/kernel';

// ------------------------------------------------------------------------------------------
// Building the maps
// ------------------------------------------------------------------------------------------

/** Collects the pairs of one model. */
class PairList {
  readonly pairs: OfficialWeightPair[] = [];

  add(official: string, officialShape: readonly number[], aitjs: string, aitjsShape: readonly number[], layout: OfficialLayout): void {
    this.pairs.push({ official, officialShape, aitjs, aitjsShape, layout });
  }

  /** `nn.LayerNorm(width)` <-> AiT.js `LayerNorm` (`weight`/`bias` <-> `gamma`/`beta`). */
  layerNorm(official: string, aitjs: string, width: number): void {
    this.add(`${official}.weight`, [width], `${aitjs}/gamma`, [width], { kind: 'copy' });
    this.add(`${official}.bias`, [width], `${aitjs}/beta`, [width], { kind: 'copy' });
  }

  /** `nn.Linear(inp, out, bias)` <-> AiT.js `Dense` (`weight [out, inp]` <-> `kernel [inp, out]`). */
  linear(official: string, aitjs: string, inp: number, out: number, bias: boolean, layout: OfficialLayout = { kind: 'linear' }): void {
    this.add(`${official}.weight`, [out, inp], `${aitjs}/kernel`, [inp, out], layout);
    if (bias) this.add(`${official}.bias`, [out], `${aitjs}/bias`, [out], { kind: 'copy' });
  }

  /** The patch embedding: `to_patch_embedding` = `[Rearrange, LN(P*P*C), Linear(P*P*C, D), LN(D)]`. */
  patchEmbedding(patchDim: number, dim: number): void {
    this.layerNorm('to_patch_embedding.1', 'patch_embed/norm_in', patchDim);
    this.linear('to_patch_embedding.2', 'patch_embed/proj', patchDim, dim, true);
    this.layerNorm('to_patch_embedding.3', 'patch_embed/norm_out', dim);
  }

  /** The self-attention of block `i`: `transformer.layers.i.0` = `PreNorm(LN, Attention)`. */
  selfAttention(i: number, dim: number, inner: number, attention: boolean): void {
    const at = `transformer.layers.${i}.0`;
    this.layerNorm(`${at}.norm`, `block_${i}/attn_norm`, dim);
    if (!attention) return;
    // to_qkv: chunk(3) into q | k | v, each 'b n (h d)': the layout of AiT.js's fused qkv kernel.
    this.linear(`${at}.fn.to_qkv`, `block_${i}/attn/qkv`, dim, 3 * inner, false);
    // to_out: its input is 'b n (h d)', as AiT.js's merged heads.
    this.linear(`${at}.fn.to_out.0`, `block_${i}/attn/output`, inner, dim, true);
  }

  /** The head: `mlp_head` = `[LN(features), Linear(features, classes)]`. */
  head(features: number, classes: number): void {
    this.layerNorm('mlp_head.0', 'head/norm', features);
    this.linear('mlp_head.1', 'head/proj', features, classes, true);
  }
}

function patchCount(imageSize: number, patchSize: number): number {
  return (imageSize / patchSize) ** 2;
}

/**
 * The weight map between an {@link AssociativeTransformer} with config `config` (`model.config`)
 * and the official AiT: `vit_hn.py`'s `ViT` whose blocks' MLPs are `ait.py`'s `ModularNN`
 * (`net.transformer.layers[i][1].fn = ModularNN(beta, i)`), with the static Hopfield layer (the
 * official default); with `questionDim: 18`, `vit_hn_clevr.py`'s Sort-of-CLEVR `ViT`; with
 * `ablation.noSelfAttention`, `ait.py`'s `SA = False` (`layers[i][0].fn = IdentityLayer()`).
 *
 * Layouts (see {@link OfficialLayout}): every `nn.Linear` is transposed; the fused `to_qkv`
 * (q | k | v, heads as `(h d)`) and the attention output (`(h d)`) have AiT.js's layout; the
 * bottleneck write's output projection `memoryupdate.mha.fc` also has its rows permuted, because
 * the official write stacks its per-head outputs as `[M, heads, d]` and flattens them after
 * `transpose(1, 2)` as (feature, head) where AiT.js concatenates (head, feature); the memory
 * `memoryupdate.memory` is the AiT.js weight `priors`; `memoryupdate.beta` (a buffer) is
 * `memoryMomentum`.
 *
 * Throws an {@link OfficialWeightsError} (`unsupported-config`) for configs with no official
 * counterpart: a convolutional stem, a position embedding, a head other than `flatten`, a question
 * width other than 18, the `noMemory` and `noHopfield` ablations, learned Hopfield projections (the
 * official `static = False` variant is not mapped), and one head of width `dim` (the official
 * attention then has no output projection); with `strict` (default) also for the modes listed on
 * {@link OfficialWeightMapOptions.strict}. The official `beta` (Hopfield) and `bottleneck` (k) are
 * command-line settings, not weights: set `beta` and `topK` to the values the official model ran with.
 */
export function officialAitWeightMap(config: AitModelConfig, options: OfficialWeightMapOptions = {}): OfficialWeightMap {
  const c = config;
  const structural: string[] = [];
  const behaviour: string[] = [];
  if (c.convStem.length > 0)
    structural.push('convStem: the official AiT has no convolutional stem (its to_patch_embedding_cnn is never used); use convStem: []');
  if (c.positionEmbedding !== 'none')
    structural.push(
      `positionEmbedding '${c.positionEmbedding}': the official AiT adds no position embedding (its pos_embedding is never used); use 'none'`,
    );
  if (c.head !== 'flatten')
    structural.push(`head '${c.head}': the official AiT classifies the flattened tokens (LN(N*D) -> Linear); use 'flatten'`);
  if (c.questionDim != null && c.questionDim !== OFFICIAL_QUESTION_DIM) {
    structural.push(
      `questionDim ${c.questionDim}: the official Sort-of-CLEVR model (vit_hn_clevr.py) takes ${OFFICIAL_QUESTION_DIM}-d questions`,
    );
  }
  if (c.ablation.noMemory) structural.push('ablation.noMemory: the official code has no model without the memory');
  if (c.ablation.noHopfield)
    structural.push('ablation.noHopfield: the official HN = False variant (torch_multi_head_attention) is not mapped');
  if (c.hopfieldProjections)
    structural.push(
      "hopfieldProjections: only the official static Hopfield layer (its default) is mapped, not the learned hflayers projections of '--static' off",
    );
  if (!c.ablation.noSelfAttention && c.numHeads === 1 && c.headDim === c.dim) {
    structural.push(
      'numHeads 1 with headDim = dim: the official Attention then has no output projection (nn.Identity) while AiT.js has one',
    );
  }
  if (c.competition !== 'batch')
    behaviour.push(`competition '${c.competition}': the official write lets the tokens of the whole batch compete ('batch')`);
  if (c.memory !== 'ema') behaviour.push(`memory '${c.memory}': the official memory is an EMA buffer ('ema')`);
  if (!c.memoryUpdateInEval) behaviour.push('memoryUpdateInEval false: the official code updates the memory in evaluation too');
  if (c.ablation.resetMemory) behaviour.push('ablation.resetMemory: the official code keeps its memory across passes');
  if (c.hopfieldSteps !== 1) behaviour.push(`hopfieldSteps ${c.hopfieldSteps}: the official static Hopfield layer makes one update`);
  refuseUnsupportedConfig(
    'the AssociativeTransformer config for the official AiT weight map',
    structural,
    behaviour,
    options.strict ?? true,
  );

  const dim = c.dim;
  const inner = c.numHeads * c.headDim;
  const patches = patchCount(c.imageSize, c.patchSize);
  const tokens = patches + (c.questionDim != null ? 1 : 0);
  const m = c.memorySlots;
  const dm = c.memoryDim;
  const hm = c.memoryHeads;
  const list = new PairList();
  list.patchEmbedding(c.patchSize * c.patchSize * c.channels, dim);
  if (c.questionDim != null) {
    list.layerNorm('question_to_embedding.0', 'question_embed/norm_in', OFFICIAL_QUESTION_DIM);
    list.linear('question_to_embedding.1', 'question_embed/proj', OFFICIAL_QUESTION_DIM, dim, true);
    list.layerNorm('question_to_embedding.2', 'question_embed/norm_out', dim);
  }
  const momentumBuffers: OfficialExtraTensor[] = [];
  for (let i = 0; i < c.depth; i++) {
    list.selfAttention(i, dim, inner, !c.ablation.noSelfAttention);
    const at = `transformer.layers.${i}.1`;
    const gwl = `block_${i}/gwl`;
    const mu = `${at}.fn.memoryupdate`;
    list.layerNorm(`${at}.norm`, `block_${i}/gwl_norm`, dim);
    list.linear(`${at}.fn.fc1`, `${gwl}/ff/fc1`, dim, c.mlpDim, true);
    list.linear(`${at}.fn.fc2`, `${gwl}/ff/fc2`, c.mlpDim, dim, true);
    list.layerNorm(`${at}.fn.norm`, `${gwl}/ff_norm`, dim);
    list.add(`${mu}.memory`, [m, dm], `${gwl}/priors`, [m, dm], { kind: 'copy' });
    list.linear(`${mu}.mha.w_qs`, `${gwl}/write/query`, dm, hm * dm, false);
    list.linear(`${mu}.mha.w_ks`, `${gwl}/write/key`, dim, hm * dm, false);
    list.linear(`${mu}.mha.w_vs`, `${gwl}/write/value`, dim, hm * dm, false);
    list.linear(`${mu}.mha.fc`, `${gwl}/write/output`, hm * dm, dm, false, { kind: 'linear-feature-major-heads', heads: hm, headDim: dm });
    list.layerNorm(`${mu}.mha.layer_norm`, `${gwl}/write_norm`, dm);
    list.linear(`${at}.fn.fc3`, `${gwl}/up`, dm, dim, true);
    momentumBuffers.push({
      official: `${mu}.beta`,
      officialShape: [],
      note: `the memory's EMA momentum of block ${i} (AiT.js: memoryMomentum)`,
    });
  }
  list.head(tokens * dim, c.classes);
  const unusedNote = 'never used by the official forward pass';
  return {
    officialModel: c.questionDim != null ? 'vit_hn_clevr.ViT with ait.ModularNN blocks' : 'vit_hn.ViT with ait.ModularNN blocks',
    pairs: list.pairs,
    momentumBuffers,
    unused: [
      // The official ViT builds this stem with fixed sizes whatever the model's.
      { official: 'to_patch_embedding_cnn.0.weight', officialShape: [768, 3, 5, 5], note: `Conv2d(3, 768, 5, stride 4), ${unusedNote}` },
      { official: 'to_patch_embedding_cnn.0.bias', officialShape: [768], note: `Conv2d bias, ${unusedNote}` },
      { official: 'pos_embedding', officialShape: [1, patches + 1, dim], note: `position embedding, ${unusedNote}` },
      { official: 'cls_token', officialShape: [1, 1, dim], note: `CLS token, ${unusedNote}` },
    ],
    memoryMomentum: c.memoryMomentum,
  };
}

/**
 * The weight map between a {@link VisionTransformer} with config `config` (`model.config`) and the
 * official ViT baseline, `vit_org.py`'s `ViT` as `ait.py` builds it (`pool = 'cls'`): patch
 * embedding, CLS token `cls_token [1, 1, D]` (AiT.js `cls_token/token [D]`), learned position
 * table `pos_embedding [1, N + 1, D]` (AiT.js `pos_embed/embeddings [N + 1, D]`, the CLS token's
 * row first), pre-norm blocks with `FeedForward` (`net.0`, `net.3`) and the head `LN(D) -> Linear`
 * on the CLS token. Linear weights are transposed; `to_qkv` and `to_out` have AiT.js's head layout.
 *
 * Throws an {@link OfficialWeightsError} (`unsupported-config`) for a head other than `cls` (the
 * official `pool = 'mean'` averages the CLS token too, which AiT.js's `mean` head, without one,
 * cannot), a position embedding other than `learned`, a convolutional stem, and one head of width
 * `dim` (no official output projection). Dropout, drop-path and token dropout rates are training settings and are not
 * checked.
 */
export function officialVitWeightMap(config: VitModelConfig, _options: OfficialWeightMapOptions = {}): OfficialWeightMap {
  const c = config;
  const structural: string[] = [];
  if (c.head !== 'cls') {
    structural.push(
      `head '${c.head}': the official ViT baseline pools its CLS token (pool = 'cls'; its 'mean' pool averages the CLS token too); use 'cls'`,
    );
  }
  if (c.positionEmbedding !== 'learned')
    structural.push(`positionEmbedding '${c.positionEmbedding}': the official ViT baseline learns its position table; use 'learned'`);
  if (c.convStem.length > 0) structural.push('convStem: the official ViT baseline embeds raw image patches; use convStem: []');
  if (c.numHeads === 1 && c.headDim === c.dim) {
    structural.push(
      'numHeads 1 with headDim = dim: the official Attention then has no output projection (nn.Identity) while AiT.js has one',
    );
  }
  if (!c.patchPreNorm || !c.patchPostNorm)
    structural.push(
      'patchPreNorm / patchPostNorm false: the official ViT baseline normalises before and after the patch projection; use true',
    );
  if (c.qkvBias) structural.push('qkvBias: the official ViT baseline has no QKV bias; use false');
  if (c.layerNormEpsilon !== 1e-5)
    structural.push(`layerNormEpsilon ${c.layerNormEpsilon}: the official ViT baseline's LayerNorms use PyTorch's 1e-5; use 1e-5`);
  refuseUnsupportedConfig('the VisionTransformer config for the official ViT weight map', structural, [], false);
  const dim = c.dim;
  const inner = c.numHeads * c.headDim;
  const tokens = patchCount(c.imageSize, c.patchSize) + 1;
  const list = new PairList();
  list.patchEmbedding(c.patchSize * c.patchSize * c.channels, dim);
  list.add('cls_token', [1, 1, dim], 'cls_token/token', [dim], { kind: 'reshape' });
  list.add('pos_embedding', [1, tokens, dim], 'pos_embed/embeddings', [tokens, dim], { kind: 'reshape' });
  for (let i = 0; i < c.depth; i++) {
    list.selfAttention(i, dim, inner, true);
    const at = `transformer.layers.${i}.1`;
    list.layerNorm(`${at}.norm`, `block_${i}/mlp_norm`, dim);
    list.linear(`${at}.fn.net.0`, `block_${i}/mlp/fc1`, dim, c.mlpDim, true);
    list.linear(`${at}.fn.net.3`, `block_${i}/mlp/fc2`, c.mlpDim, dim, true);
  }
  list.head(dim, c.classes);
  return { officialModel: 'vit_org.ViT', pairs: list.pairs, momentumBuffers: [], unused: [], memoryMomentum: null };
}

// ------------------------------------------------------------------------------------------
// Renaming tensors
// ------------------------------------------------------------------------------------------
