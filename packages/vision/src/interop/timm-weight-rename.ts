import { type TensorValues } from '@ait/core';
import { type VitModelConfig } from '../models/vit/vision-transformer';
import { aitToTimmLayout, timmToAitLayout, TimmWeightsError } from './timm-weight-layout';
import {
  TIMM_MIXER_ANCHOR,
  TIMM_VIT_ANCHOR,
  timmMixerWeightMap,
  timmVitWeightMap,
  type TimmMixerConfig,
  type TimmRenameOptions,
  type TimmWeightMap,
  type TimmWeightPair,
} from './timm-weight-map';
import { anchorPrefix, withoutModulePrefix } from './reference-tensor-checks';
import { nameProblems, renamePairs, type ReferenceSide } from './reference-tensor-rename';

/** A pair's name and shape in timm. */
const timmSide = (p: TimmWeightPair): ReferenceSide => [p.timm, p.timmShape];

/** Why timm tensors the map does not expect may be there: a timm feature AiT.js lacks, or an option to set. */
function hintsForUnexpected(names: readonly string[], map: TimmWeightMap): string[] {
  const hints: string[] = [];
  const any = (re: RegExp): boolean => names.some((n) => re.test(n));
  if (map.timmModel === 'VisionTransformer') {
    if (any(/\.attn\.qkv\.bias$/))
      hints.push('the file has QKV biases (timm qkv_bias=True, its default): build the model with qkvBias: true');
    if (any(/^patch_embed\.norm\./))
      hints.push('the file has a norm after the patch projection (embed_norm_layer): build the model with patchPostNorm: true');
    if (any(/^fc_norm\./)) hints.push("the file averages the tokens (global_pool 'avg', fc_norm): build the model with head: 'mean'");
    if (any(/^norm\./) && map.timmArgs.global_pool === 'avg')
      hints.push("the file normalises before pooling the CLS token (global_pool 'token'): build the model with head: 'cls'");
    if (any(/^cls_token$/)) hints.push("the file has a CLS token: build the model with head: 'cls'");
    if (any(/^pos_embed$/)) hints.push("the file has a learned position table: build the model with positionEmbedding: 'learned'");
    if (any(/^reg_token$/)) hints.push("the file has register tokens (timm reg_tokens), which AiT.js's ViT does not have");
    if (any(/\.ls[12]\.gamma$/)) hints.push("the file has layer scale (timm init_values), which AiT.js's ViT does not have");
    if (any(/\.attn\.[qk]_norm\./)) hints.push("the file normalises queries and keys (timm qk_norm), which AiT.js's ViT does not do");
    if (any(/^norm_pre\./)) hints.push("the file has a norm before the blocks (timm pre_norm, as CLIP), which AiT.js's ViT does not have");
    if (any(/^attn_pool\./)) hints.push("the file pools by attention (timm global_pool 'map' or 'prr'), which AiT.js's ViT does not do");
  } else {
    if (any(/^stem\.norm\./)) hints.push("the file has a norm after the stem (timm stem_norm), which AiT.js's MlpMixer does not have");
    if (any(/\.(ls1|ls2|alpha|beta|gate)\b|\.attn\./))
      hints.push("the file is not a plain MlpMixer (ResMLP, gMLP or another mlp_mixer.py model), which AiT.js's MlpMixer does not compute");
  }
  return hints;
}

/** Why timm tensors the map expects may be missing. */
function hintsForMissing(names: readonly string[]): string[] {
  const hints: string[] = [];
  const any = (re: RegExp): boolean => names.some((n) => re.test(n));
  if (any(/\.attn\.qkv\.bias$/)) hints.push('the file has no QKV biases (timm qkv_bias=False): build the model with qkvBias: false');
  if (any(/^patch_embed\.norm\./)) hints.push('the file has no norm after the patch projection: build the model with patchPostNorm: false');
  if (any(/^cls_token$/)) hints.push("the file has no CLS token (timm class_token=False): build the model with head: 'mean'");
  if (any(/^pos_embed$/))
    hints.push("the file has no position table (timm pos_embed 'none'): build the model with positionEmbedding: 'none'");
  return hints;
}

/** @internal timm tensors -> AiT.js tensors named `<prefix><AiT.js name>`; every problem reported at once. */
export function fromTimm(
  map: TimmWeightMap,
  given: ReadonlyMap<string, TensorValues>,
  prefix: string,
  where: string,
): Map<string, TensorValues> {
  const tensors = withoutModulePrefix(given);
  const renamed = renamePairs('to-aitjs', map.pairs, timmSide, (t, p) => timmToAitLayout(t, p.layout, p.aitjsShape), tensors, prefix);
  const problems = nameProblems(renamed, tensors, {
    model: "timm's model",
    missingHints: hintsForMissing,
    unexpectedHints: (unexpected) => hintsForUnexpected(unexpected, map),
  });
  if (problems.length > 0) throw new TimmWeightsError('mismatch', where, problems);
  return renamed.tensors;
}

/** @internal The prefix of AiT.js weight names: whatever precedes `anchor`. */
export function findTimmPrefix(names: Iterable<string>, anchor: string, where: string): string {
  const prefix = anchorPrefix(names, anchor);
  if (prefix !== undefined) return prefix;
  throw new TimmWeightsError('mismatch', where, [
    `no weight named "…${anchor}": these are not the weights of the AiT.js model the map is for`,
  ]);
}

/** @internal AiT.js tensors (any prefix) -> timm tensors; every problem reported at once. */
export function toTimm(
  map: TimmWeightMap,
  tensors: ReadonlyMap<string, TensorValues>,
  prefix: string | undefined,
  where: string,
): Map<string, TensorValues> {
  const anchor = map.timmModel === 'VisionTransformer' ? TIMM_VIT_ANCHOR : TIMM_MIXER_ANCHOR;
  const pre = prefix ?? findTimmPrefix(tensors.keys(), anchor, where);
  const renamed = renamePairs('to-reference', map.pairs, timmSide, (t, p) => aitToTimmLayout(t, p.layout, p.timmShape), tensors, pre);
  const problems = nameProblems(renamed, tensors, { model: 'the AiT.js model' });
  if (problems.length > 0) throw new TimmWeightsError('mismatch', where, problems);
  return renamed.tensors;
}

/**
 * timm `VisionTransformer` tensors (a decoded safetensors file of its `state_dict`, see
 * `decodeSafetensors` / `readSafetensorsFile`) renamed and rearranged into the weights of a
 * {@link VisionTransformer} with config `config`, keyed `<prefix><AiT.js name>` (default prefix
 * `vit/`; load them with `loadSafetensorsWeights`, or use {@link loadTimmSafetensors}). The map is
 * {@link timmVitWeightMap}; a DataParallel `module.` prefix is removed. Every missing, unknown or
 * misshapen tensor is reported at once in a {@link TimmWeightsError} (`mismatch`), with the option
 * to set where the file shows one.
 */
export function timmVitToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: VitModelConfig,
  options: TimmRenameOptions = {},
): Map<string, TensorValues> {
  const where = `timm ViT weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return fromTimm(timmVitWeightMap(config), tensors, options.prefix ?? 'vit/', where);
}

/**
 * The weights of a {@link VisionTransformer} with config `config` (AiT.js names, any prefix, as
 * `modelToSafetensors` writes them) renamed and rearranged into the `state_dict` of timm's
 * `VisionTransformer` built with {@link TimmWeightMap.timmArgs} of {@link timmVitWeightMap}.
 */
export function aitJsToTimmVit(
  tensors: ReadonlyMap<string, TensorValues>,
  config: VitModelConfig,
  options: TimmRenameOptions = {},
): Map<string, TensorValues> {
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> timm ViT`;
  return toTimm(timmVitWeightMap(config), tensors, options.prefix, where);
}

/**
 * timm `MlpMixer` tensors renamed and rearranged into the weights of an {@link MlpMixer} with config
 * `config` (see {@link timmMixerWeightMap} and {@link timmVitToAitJs}); default prefix none (pass
 * `<model.name>/` to load them with `loadSafetensorsWeights`).
 */
export function timmMixerToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: TimmMixerConfig,
  options: TimmRenameOptions = {},
): Map<string, TensorValues> {
  const where = `timm MlpMixer weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return fromTimm(timmMixerWeightMap(config), tensors, options.prefix ?? '', where);
}

/**
 * The weights of an {@link MlpMixer} with config `config` renamed and rearranged into the
 * `state_dict` of timm's `MlpMixer` (see {@link timmMixerWeightMap} and {@link aitJsToTimmVit}).
 */
export function aitJsToTimmMixer(
  tensors: ReadonlyMap<string, TensorValues>,
  config: TimmMixerConfig,
  options: TimmRenameOptions = {},
): Map<string, TensorValues> {
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> timm MlpMixer`;
  return toTimm(timmMixerWeightMap(config), tensors, options.prefix, where);
}
