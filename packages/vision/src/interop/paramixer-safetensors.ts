import { type TensorValues } from '@ait/core';
import { buildOnZeroImage, loadUnprefixedWeights, referenceSafetensors, tensorsOf } from './reference-weights-io';
import { type ParallelMlpMixer } from '../models/parallel-mixer/parallel-mlp-mixer';
import { type ParallelMlpMixerConfig } from '../models/parallel-mixer/parallel-mlp-mixer-config';
import { OfficialWeightsError } from './official-weight-layout';
import { type OfficialWeightMapOptions } from './official-weight-map';
import { aitToParamixerLayout, paramixerToAitLayout } from './paramixer-weight-layout';
import {
  PARAMIXER_REFERENCE_COMMIT,
  PARAMIXER_REFERENCE_REPOSITORY,
  paramixerWeightMap,
  type ParamixerWeightMap,
} from './paramixer-weight-map';
import { anchorPrefix, withoutModulePrefix } from './reference-tensor-checks';
import { nameProblems, renamePairs, type ReferenceSide } from './reference-tensor-rename';

/** The AiT.js weight whose name locates a ParallelMlpMixer's weight-name prefix. */
const ANCHOR = 'stem/proj/kernel';

/** A pair's name and shape in the authors' code. */
function paramixerSide(p: ParamixerWeightMap['pairs'][number]): ReferenceSide {
  return [p.reference, p.referenceShape];
}

/** Options of the paramixer rename functions. */
export interface ParamixerRenameOptions extends OfficialWeightMapOptions {
  /**
   * Prefix of the AiT.js weight names. Authors' -> AiT.js: default none (the names below the
   * model). AiT.js -> authors': default found from the names (whatever precedes `stem/proj/kernel`).
   */
  readonly prefix?: string;
  /** What the tensors came from, for messages (a file name). */
  readonly source?: string;
}

/** The prefix of AiT.js weight names (whatever precedes `stem/proj/kernel`). */
function findPrefix(names: Iterable<string>, where: string): string {
  const prefix = anchorPrefix(names, ANCHOR);
  if (prefix !== undefined) return prefix;
  throw new OfficialWeightsError('mismatch', where, [
    `no weight named "…${ANCHOR}": these are not the weights of an AiT.js ParallelMlpMixer`,
  ]);
}

/** Why a file may not fit the config's variant. */
function variantHints(names: readonly string[], config: ParallelMlpMixerConfig): string[] {
  const hasFc1 = names.some((n) => /\.mlp_tokens\.fc1\.weight$/.test(n));
  if (config.variant === 'symmetric' && hasFc1)
    return ["the file has fc1 weights: it comes from an asymmixer (variant: 'symmetryBreaking') or paramixer (variant: 'free') model"];
  if (config.variant !== 'symmetric' && !hasFc1 && names.some((n) => /\.mlp_tokens\.fc2\.weight$/.test(n)))
    return ["the file has only fc2 weights: it comes from a symmixer model; build the model with variant: 'symmetric'"];
  return [];
}

function fromParamixer(
  map: ParamixerWeightMap,
  config: ParallelMlpMixerConfig,
  given: ReadonlyMap<string, TensorValues>,
  prefix: string,
  where: string,
): Map<string, TensorValues> {
  const names = [...given.keys()];
  const tensors = withoutModulePrefix(given);
  const renamed = renamePairs(
    'to-aitjs',
    map.pairs,
    paramixerSide,
    (t, p) => paramixerToAitLayout(t, p.layout, p.aitjsShape),
    tensors,
    prefix,
  );
  const problems = nameProblems(renamed, tensors, { model: "the authors' model", maxNames: Infinity });
  if (problems.length > 0) throw new OfficialWeightsError('mismatch', where, [...problems, ...variantHints(names, config)]);
  return renamed.tensors;
}

/**
 * Tensors of the authors' paramixer model (a decoded safetensors file of its `state_dict`, see
 * `decodeSafetensors`) renamed and rearranged into the weights of a {@link ParallelMlpMixer} with
 * config `config`, keyed `<prefix><AiT.js name>` (see {@link paramixerWeightMap}); a DataParallel
 * `module.` prefix is removed. Every missing, unknown or misshapen tensor is reported at once in an
 * {@link OfficialWeightsError} (`mismatch`).
 */
export function paramixerToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: ParallelMlpMixerConfig,
  options: ParamixerRenameOptions = {},
): Map<string, TensorValues> {
  const map = paramixerWeightMap(config, options);
  const where = `paramixer weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return fromParamixer(map, config, tensors, options.prefix ?? '', where);
}

/**
 * The weights of a {@link ParallelMlpMixer} with config `config` (AiT.js names, any prefix) renamed
 * and rearranged into the authors' `state_dict` (see {@link paramixerWeightMap}), which PyTorch's
 * strict `load_state_dict` accepts.
 */
export function aitJsToParamixer(
  tensors: ReadonlyMap<string, TensorValues>,
  config: ParallelMlpMixerConfig,
  options: ParamixerRenameOptions = {},
): Map<string, TensorValues> {
  const map = paramixerWeightMap(config, options);
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> paramixer`;
  const prefix = options.prefix ?? findPrefix(tensors.keys(), where);
  // The AiT.js side is not checked for float32: a model's weights are.
  const toReference = (t: TensorValues, p: ParamixerWeightMap['pairs'][number]): TensorValues =>
    aitToParamixerLayout(t, p.layout, p.referenceShape);
  const renamed = renamePairs('to-reference', map.pairs, paramixerSide, toReference, tensors, prefix, false);
  const problems = nameProblems(renamed, tensors, { model: 'the AiT.js model', maxNames: Infinity });
  if (problems.length > 0) throw new OfficialWeightsError('mismatch', where, problems);
  return renamed.tensors;
}

/** Options of {@link loadParamixerSafetensors}. */
export interface LoadParamixerOptions extends OfficialWeightMapOptions {
  /** What the bytes came from, for messages (a file name). */
  readonly source?: string;
}

/**
 * Loads the weights of the authors' paramixer model into a {@link ParallelMlpMixer} (see
 * {@link paramixerWeightMap}): `data` is a safetensors file of its `state_dict` (its bytes, or its
 * tensors as `decodeSafetensors` returns them). The model is built first if needed (one forward
 * pass on a zero image). Everything is checked before anything changes: a refused config or
 * tensors that do not fit throw an {@link OfficialWeightsError} and leave the model as it was.
 */
export function loadParamixerSafetensors(
  model: ParallelMlpMixer,
  data: Uint8Array | ReadonlyMap<string, TensorValues>,
  options: LoadParamixerOptions = {},
): void {
  const source = options.source ?? 'the paramixer weights';
  const map = paramixerWeightMap(model.config, options);
  const tensors = tensorsOf(data, source);
  const converted = fromParamixer(map, model.config, tensors, '', `${source} -> ParallelMlpMixer '${model.name}'`);
  buildOnZeroImage(model, model.config.imageSize as number, model.config.channels as number);
  loadUnprefixedWeights(model, converted, (names) => findPrefix(names, `ParallelMlpMixer '${model.name}'`), source);
}

/** Options of {@link toParamixerSafetensors}. */
export interface ToParamixerOptions extends OfficialWeightMapOptions {
  /** Extra string metadata for the file's header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The weights of a built {@link ParallelMlpMixer} as a safetensors file of the authors'
 * `state_dict` (see {@link paramixerWeightMap}), which their model loads with
 * `model.load_state_dict(safetensors.torch.load_file(path))`. The header's metadata records
 * `format: pt` and the repository and commit the map follows.
 */
export async function toParamixerSafetensors(model: ParallelMlpMixer, options: ToParamixerOptions = {}): Promise<Uint8Array> {
  const map = paramixerWeightMap(model.config, options);
  const where = `ParallelMlpMixer '${model.name}' -> paramixer weights`;
  return referenceSafetensors(
    model,
    (m) => new OfficialWeightsError('not-built', where, [m]),
    (tensors) => aitJsToParamixer(tensors, model.config, options),
    options.metadata,
    {
      reference_repository: PARAMIXER_REFERENCE_REPOSITORY,
      reference_commit: PARAMIXER_REFERENCE_COMMIT,
      reference_model: map.referenceModel,
    },
  );
}
