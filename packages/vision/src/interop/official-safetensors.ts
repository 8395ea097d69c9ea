import * as tf from '@tensorflow/tfjs-core';
import { type TensorValues } from '@ait/core';
import { loadUnprefixedWeights, referenceSafetensors, tensorsOf } from './reference-weights-io';
import { AssociativeTransformer } from '../models/ait/associative-transformer';
import { VisionTransformer } from '../models/vit/vision-transformer';
import { OfficialWeightsError } from './official-weight-layout';
import {
  OFFICIAL_AIT_COMMIT,
  OFFICIAL_AIT_REPOSITORY,
  officialAitWeightMap,
  officialVitWeightMap,
  type OfficialWeightMap,
  type OfficialWeightMapOptions,
} from './official-weight-map';
import { findPrefix, fromOfficial, toOfficial } from './official-weight-rename';

/** The AiT.js models with a map to the official code. */
export type OfficialMappedModel = AssociativeTransformer | VisionTransformer;

function mapFor(model: OfficialMappedModel, options: OfficialWeightMapOptions): OfficialWeightMap {
  if (model instanceof AssociativeTransformer) return officialAitWeightMap(model.config, options);
  if (model instanceof VisionTransformer) return officialVitWeightMap(model.config, options);
  throw new TypeError('the official weight maps exist for an AssociativeTransformer or a VisionTransformer only');
}

function describe(model: OfficialMappedModel): string {
  return `${model instanceof AssociativeTransformer ? 'AssociativeTransformer' : 'VisionTransformer'} '${model.name}'`;
}

/** Builds `model` by one forward pass on a zero batch of one example, if it is not built yet. */
function ensureBuilt(model: OfficialMappedModel): void {
  if (model.built) return;
  const c = model.config;
  tf.tidy(() => {
    const images = tf.zeros([1, c.imageSize, c.imageSize, c.channels]);
    const question = model instanceof AssociativeTransformer ? model.config.questionDim : null;
    const inputs = question != null ? [images, tf.zeros([1, question])] : images;
    model.apply(inputs, { training: false });
  });
}

/** Options of {@link loadOfficialSafetensors}. */
export interface LoadOfficialSafetensorsOptions extends OfficialWeightMapOptions {
  /** What the bytes came from, for messages (a file name). */
  readonly source?: string;
}

/** What {@link loadOfficialSafetensors} reports. */
export interface LoadOfficialSafetensorsReport {
  /** Official tensors that were in the file but not loaded: the parameters no official forward pass uses. */
  readonly ignored: readonly string[];
}

/**
 * Loads official PyTorch weights into an {@link AssociativeTransformer} (official AiT,
 * {@link officialAitWeightMap}) or a {@link VisionTransformer} (official ViT baseline,
 * {@link officialVitWeightMap}): `data` is a safetensors file of the official `state_dict` (its
 * bytes, e.g. from `readFile` or `fetch`, or its tensors as `decodeSafetensors` returns them). A
 * `.pth` checkpoint of the official code becomes such a file with, in Python,
 * `safetensors.torch.save_file(torch.load(path, map_location='cpu'), out)`.
 *
 * The model is built first if needed (one forward pass on a zero example). Everything is checked
 * before anything changes: a config the map refuses or tensors that do not fit it throw an
 * {@link OfficialWeightsError} and leave the model as it was. The memory (`priors`) is set to the
 * file's `memoryupdate.memory`, the EMA state the official model had when it was saved.
 */
export function loadOfficialSafetensors(
  model: OfficialMappedModel,
  data: Uint8Array | ReadonlyMap<string, TensorValues>,
  options: LoadOfficialSafetensorsOptions = {},
): LoadOfficialSafetensorsReport {
  const source = options.source ?? 'the official weights';
  const map = mapFor(model, options);
  const tensors = tensorsOf(data, source);
  // Checked and converted before the model is touched; the names get the model's prefix after.
  const converted = fromOfficial(map, tensors, '', `${source} -> ${describe(model)}`, options.strict ?? true);
  ensureBuilt(model);
  loadUnprefixedWeights(model, converted.tensors, (names) => findPrefix(names, describe(model)), source);
  return { ignored: converted.ignored };
}

/** Options of {@link toOfficialSafetensors}. */
export interface ToOfficialSafetensorsOptions extends OfficialWeightMapOptions {
  /** See {@link ToOfficialOptions.unused}; default `zeros`. */
  readonly unused?: 'zeros' | 'omit';
  /** Extra string metadata for the file's header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The weights of a built {@link AssociativeTransformer} or {@link VisionTransformer} as a
 * safetensors file of the official PyTorch model's `state_dict` (official names and layouts; see
 * {@link officialAitWeightMap} and {@link officialVitWeightMap}), which the official model loads with
 * `net.load_state_dict(safetensors.torch.load_file(path))`. The memory is written as the official
 * `memoryupdate.memory`, `memoryMomentum` as the `memoryupdate.beta` buffers; the official
 * parameters no forward pass uses are zeros unless `unused: 'omit'`. The header's metadata records
 * `format: pt` and the official repository and commit the map follows.
 */
export async function toOfficialSafetensors(model: OfficialMappedModel, options: ToOfficialSafetensorsOptions = {}): Promise<Uint8Array> {
  const map = mapFor(model, options);
  const where = `${describe(model)} -> official weights`;
  return referenceSafetensors(
    model,
    (m) => new OfficialWeightsError('not-built', where, [m]),
    (tensors) => toOfficial(map, tensors, undefined, where, options.unused ?? 'zeros'),
    options.metadata,
    { official_repository: OFFICIAL_AIT_REPOSITORY, official_commit: OFFICIAL_AIT_COMMIT, official_model: map.officialModel },
  );
}
