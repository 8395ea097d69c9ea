import { type TensorValues } from '@ait/core';
import { buildOnZeroImage, loadUnprefixedWeights, referenceSafetensors, tensorsOf } from './reference-weights-io';
import { type SetTransformer } from '../models/set-transformer/set-transformer';
import { type SetTransformerConfig } from '../models/set-transformer/set-transformer-config';
import { OfficialWeightsError } from './official-weight-layout';
import { type OfficialWeightMap } from './official-weight-map';
import { findPrefix, fromOfficial, toOfficial } from './official-weight-rename';
import {
  SET_TRANSFORMER_REFERENCE_COMMIT,
  SET_TRANSFORMER_REFERENCE_REPOSITORY,
  setTransformerWeightMap,
  type SetTransformerWeightMap,
} from './set-transformer-weight-map';

/** Options of the Set Transformer rename functions. */
export interface SetTransformerRenameOptions {
  /**
   * Prefix of the AiT.js weight names. Reference -> AiT.js: default none (the names below the
   * model). AiT.js -> reference: default found from the names (whatever precedes
   * `patch_embed/proj/kernel`).
   */
  readonly prefix?: string;
  /** What the tensors came from, for messages (a file name). */
  readonly source?: string;
}

/** The map in the form the shared rename helpers take. */
function asRenameMap(map: SetTransformerWeightMap): OfficialWeightMap {
  return { officialModel: map.referenceModel, pairs: map.pairs, momentumBuffers: [], unused: [], memoryMomentum: null };
}

/**
 * Reference set_transformer tensors (a decoded safetensors file of the reference `state_dict`, see
 * `decodeSafetensors`) renamed and rearranged into the weights of a {@link SetTransformer} with
 * config `config`, keyed `<prefix><AiT.js name>` (see {@link setTransformerWeightMap}); a
 * DataParallel `module.` prefix is removed. Every missing, unknown or misshapen tensor is reported at
 * once in an {@link OfficialWeightsError} (`mismatch`); a config with no reference counterpart
 * throws `unsupported-config`.
 */
export function setTransformerReferenceToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: SetTransformerConfig,
  options: SetTransformerRenameOptions = {},
): Map<string, TensorValues> {
  const map = setTransformerWeightMap(config);
  const where = `reference set_transformer weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return fromOfficial(asRenameMap(map), tensors, options.prefix ?? '', where, true).tensors;
}

/**
 * The weights of a {@link SetTransformer} with config `config` (AiT.js names, any prefix) renamed
 * and rearranged into the reference `state_dict` of {@link setTransformerWeightMap}, which PyTorch's
 * strict `load_state_dict` accepts.
 */
export function aitJsToSetTransformerReference(
  tensors: ReadonlyMap<string, TensorValues>,
  config: SetTransformerConfig,
  options: SetTransformerRenameOptions = {},
): Map<string, TensorValues> {
  const map = setTransformerWeightMap(config);
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> reference set_transformer`;
  return toOfficial(asRenameMap(map), tensors, options.prefix, where, 'omit');
}

/**
 * Loads reference set_transformer weights into a {@link SetTransformer} (see
 * {@link setTransformerWeightMap}): `data` is a safetensors file of the reference `state_dict` (its
 * bytes, or its tensors as `decodeSafetensors` returns them). The model is built first if needed
 * (one forward pass on a zero image). Everything is checked before anything changes: a refused
 * config or tensors that do not fit throw an {@link OfficialWeightsError} and leave the model as it was.
 */
export function loadSetTransformerReferenceSafetensors(
  model: SetTransformer,
  data: Uint8Array | ReadonlyMap<string, TensorValues>,
  options: { readonly source?: string } = {},
): void {
  const source = options.source ?? 'the reference weights';
  const map = setTransformerWeightMap(model.config);
  const tensors = tensorsOf(data, source);
  const converted = fromOfficial(asRenameMap(map), tensors, '', `${source} -> SetTransformer '${model.name}'`, true).tensors;
  buildOnZeroImage(model, model.config.imageSize as number, model.config.channels as number);
  loadUnprefixedWeights(model, converted, (names) => findPrefix(names, `SetTransformer '${model.name}'`), source);
}

/**
 * The weights of a built {@link SetTransformer} as a safetensors file of the reference
 * `state_dict` (see {@link setTransformerWeightMap}); the header's metadata records `format: pt` and
 * the reference repository and commit.
 */
export async function toSetTransformerReferenceSafetensors(
  model: SetTransformer,
  options: { readonly metadata?: Readonly<Record<string, string>> } = {},
): Promise<Uint8Array> {
  const map = setTransformerWeightMap(model.config);
  const where = `SetTransformer '${model.name}' -> reference weights`;
  return referenceSafetensors(
    model,
    (m) => new OfficialWeightsError('not-built', where, [m]),
    (tensors) => toOfficial(asRenameMap(map), tensors, undefined, where, 'omit'),
    options.metadata,
    {
      reference_repository: SET_TRANSFORMER_REFERENCE_REPOSITORY,
      reference_commit: SET_TRANSFORMER_REFERENCE_COMMIT,
      reference_model: map.referenceModel,
    },
  );
}
