import { decodeSafetensors, type TensorValues } from '@ait/core';
import { buildOnZeroImage, loadUnprefixedWeights, referenceSafetensors } from './reference-weights-io';
import { MlpMixer } from '../models/mlp-mixer/mlp-mixer';
import { VisionTransformer } from '../models/vit/vision-transformer';
import { TimmWeightsError } from './timm-weight-layout';
import {
  TIMM_COMMIT,
  TIMM_MIXER_ANCHOR,
  TIMM_REPOSITORY,
  TIMM_VIT_ANCHOR,
  timmMixerWeightMap,
  timmVitWeightMap,
  type TimmWeightMap,
} from './timm-weight-map';
import { findTimmPrefix, fromTimm, toTimm } from './timm-weight-rename';

/** The AiT.js models with a map to timm. */
export type TimmMappedModel = VisionTransformer | MlpMixer;

/** Metadata keys {@link toTimmSafetensors} writes (and {@link loadTimmSafetensors} reads where present). */
export const TIMM_METADATA_KEYS = {
  /** timm's class, `VisionTransformer` or `MlpMixer`. */
  model: 'timm_model',
  /** JSON of {@link TimmWeightMap.timmArgs}. */
  args: 'timm_args',
  /** Epsilon of every LayerNorm, as a decimal number. */
  layerNormEpsilon: 'layer_norm_eps',
  /** `true` when the ViT's patch embedding has timm's `embed_norm_layer`. */
  embedNorm: 'embed_norm',
} as const;

function mapFor(model: TimmMappedModel): TimmWeightMap {
  if (model instanceof VisionTransformer) return timmVitWeightMap(model.config);
  if (model instanceof MlpMixer) return timmMixerWeightMap(model.config);
  throw new TypeError('the timm weight maps exist for a VisionTransformer or an MlpMixer only');
}

function describe(model: TimmMappedModel): string {
  return `${model instanceof VisionTransformer ? 'VisionTransformer' : 'MlpMixer'} '${model.name}'`;
}

function anchorOf(map: TimmWeightMap): string {
  return map.timmModel === 'VisionTransformer' ? TIMM_VIT_ANCHOR : TIMM_MIXER_ANCHOR;
}

/** Refuses a file whose metadata names another timm model or another LayerNorm epsilon than the model's. */
function checkMetadata(map: TimmWeightMap, metadata: Readonly<Record<string, string>>, where: string): void {
  const issues: string[] = [];
  const model = metadata[TIMM_METADATA_KEYS.model];
  if (model !== undefined && model !== map.timmModel)
    issues.push(`the file is the state_dict of timm's ${model}, not of its ${map.timmModel}`);
  const eps = metadata[TIMM_METADATA_KEYS.layerNormEpsilon];
  if (eps !== undefined) {
    const value = Number(eps);
    if (!Number.isFinite(value) || Math.abs(value - map.layerNormEpsilon) > 1e-9 * Math.max(value, map.layerNormEpsilon)) {
      issues.push(
        map.timmModel === 'VisionTransformer'
          ? `the file's LayerNorms use eps ${eps}, the model's ${map.layerNormEpsilon}: build the model with layerNormEpsilon: ${eps}`
          : `the file's LayerNorms use eps ${eps}; AiT.js's MlpMixer (as timm's default) uses ${map.layerNormEpsilon}`,
      );
    }
  }
  if (issues.length > 0) throw new TimmWeightsError('unsupported-config', where, issues);
}

/** Options of {@link loadTimmSafetensors}. */
export interface LoadTimmSafetensorsOptions {
  /** What the bytes came from, for messages (a file name). */
  readonly source?: string;
}

/**
 * Loads the weights of timm's `VisionTransformer` into a {@link VisionTransformer}
 * ({@link timmVitWeightMap}) or of timm's `MlpMixer` into an {@link MlpMixer}
 * ({@link timmMixerWeightMap}): `data` is a safetensors file of the timm model's `state_dict`
 * (its bytes, or its tensors as `decodeSafetensors` returns them). A `.pth` file becomes one with,
 * in Python, `safetensors.torch.save_file(torch.load(path, map_location='cpu'), out)`; timm's own
 * `model.safetensors` files are such files already.
 *
 * A `state_dict` does not record the LayerNorms' epsilon: build the AiT.js model with the one the
 * timm model used (timm's default is 1e-6; see `layerNormEpsilon`). Where the file's metadata
 * records it (files from {@link toTimmSafetensors} and from the fixture script), a different one
 * is refused. The model is built first if needed (one forward pass on a zero example). Everything
 * is checked before anything changes: a config the map refuses or tensors that do not fit it throw
 * a {@link TimmWeightsError} and leave the model as it was.
 */
export function loadTimmSafetensors(
  model: TimmMappedModel,
  data: Uint8Array | ReadonlyMap<string, TensorValues>,
  options: LoadTimmSafetensorsOptions = {},
): void {
  const source = options.source ?? 'the timm weights';
  const map = mapFor(model);
  const where = `${source} -> ${describe(model)}`;
  let tensors: ReadonlyMap<string, TensorValues>;
  if (data instanceof Uint8Array) {
    const decoded = decodeSafetensors(data, source);
    checkMetadata(map, decoded.metadata, where);
    tensors = decoded.tensors;
  } else tensors = data;
  // Checked and converted before the model is touched; the names get the model's prefix after.
  const converted = fromTimm(map, tensors, '', where);
  buildOnZeroImage(model, map.timmArgs.img_size as number, map.timmArgs.in_chans as number);
  loadUnprefixedWeights(model, converted, (names) => findTimmPrefix(names, anchorOf(map), describe(model)), source);
}

/** Options of {@link toTimmSafetensors}. */
export interface ToTimmSafetensorsOptions {
  /** Extra string metadata for the file's header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The weights of a built {@link VisionTransformer} or {@link MlpMixer} as a safetensors file of the
 * `state_dict` of the matching timm model (timm's names and layouts; see {@link timmVitWeightMap}
 * and {@link timmMixerWeightMap}), which that model loads with
 * `model.load_state_dict(safetensors.torch.load_file(path))`. The header's metadata records
 * `format: pt`, the timm repository and commit the map follows, and what builds the timm model
 * ({@link TIMM_METADATA_KEYS}): its class, its keyword arguments as JSON, the LayerNorm epsilon
 * and, for the ViT, whether its patch embedding has a norm.
 */
export async function toTimmSafetensors(model: TimmMappedModel, options: ToTimmSafetensorsOptions = {}): Promise<Uint8Array> {
  const map = mapFor(model);
  const where = `${describe(model)} -> timm weights`;
  return referenceSafetensors(
    model,
    (m) => new TimmWeightsError('not-built', where, [m]),
    (tensors) => toTimm(map, tensors, undefined, where),
    options.metadata,
    {
      timm_repository: TIMM_REPOSITORY,
      timm_commit: TIMM_COMMIT,
      [TIMM_METADATA_KEYS.model]: map.timmModel,
      [TIMM_METADATA_KEYS.args]: JSON.stringify(map.timmArgs),
      [TIMM_METADATA_KEYS.layerNormEpsilon]: String(map.layerNormEpsilon),
      [TIMM_METADATA_KEYS.embedNorm]: String(map.embedNorm),
    },
  );
}
