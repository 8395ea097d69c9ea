import { type TensorValues } from '@ait/core';
import { buildOnZeroImage, loadUnprefixedWeights, referenceSafetensors, tensorsOf } from './reference-weights-io';
import { sharedWorkspacePositionValues } from '../blocks/sinusoidal-position-embedding-1d';
import { type Coordination } from '../models/coordination/coordination';
import { type CoordinationConfig } from '../models/coordination/coordination-config';
import {
  OFFICIAL_COORDINATION_COMMIT,
  OFFICIAL_COORDINATION_REPOSITORY,
  officialCoordinationWeightMap,
  type OfficialCoordinationWeightMap,
  type OfficialFixedTensor,
} from './official-coordination-weight-map';
import { OfficialWeightsError } from './official-weight-layout';
import { type OfficialRenameOptions, type OfficialWeightMap, type OfficialWeightMapOptions } from './official-weight-map';
import { findPrefix, fromOfficial, toOfficial } from './official-weight-rename';
import { formatShape, quotedNames, sameShape, withoutModulePrefix } from './reference-tensor-checks';

/** Largest difference a read {@link OfficialFixedTensor} may have from its expected values when loading. */
const FIXED_TOLERANCE = 1e-6;

/** The values of a fixed tensor. */
function fixedValues(f: OfficialFixedTensor): Float32Array {
  const [, rows, dim] = f.officialShape as [number, number, number];
  return f.values === 'ones' ? new Float32Array(rows * dim).fill(1) : sharedWorkspacePositionValues(rows, dim, false);
}

/** The map in the form the shared rename helpers take (the fixed tensors are handled here). */
function asRenameMap(map: OfficialCoordinationWeightMap): OfficialWeightMap {
  return { officialModel: map.officialModel, pairs: map.pairs, momentumBuffers: [], unused: [], memoryMomentum: null };
}

/** Why a file may not fit the config's layer layout. */
function layoutHints(names: readonly string[], config: CoordinationConfig): string[] {
  const hints: string[] = [];
  if (config.sharedParameters && names.some((n) => /^net\.layers\.\d+\./.test(n)))
    hints.push('the file has one set of weights per layer (share_vanilla_parameters False): build the model with sharedParameters: false');
  if (!config.sharedParameters && names.some((n) => n.startsWith('net.enc.')))
    hints.push('the file has one set of layer weights (share_vanilla_parameters True): build the model with sharedParameters: true');
  if (names.some((n) => /\.self_attn\.(q|k|v|out)_proj\./.test(n)))
    hints.push(
      'the file has self-attention projections: it comes from a run without the shared workspace (--shared_memory_attention False)',
    );
  return hints;
}

/** What {@link officialCoordinationTensors} returns. */
interface Converted {
  tensors: Map<string, TensorValues>;
  ignored: string[];
}

function officialCoordinationTensors(
  map: OfficialCoordinationWeightMap,
  config: CoordinationConfig,
  given: ReadonlyMap<string, TensorValues>,
  prefix: string,
  where: string,
  strict: boolean,
): Converted {
  const tensors = new Map(withoutModulePrefix(given));
  const problems: string[] = [];
  const ignored: string[] = [];
  const missing: string[] = [];
  for (const f of map.fixed) {
    const t = tensors.get(f.official);
    tensors.delete(f.official);
    if (!t) {
      if (f.read) missing.push(f.official);
      continue;
    }
    if (!f.read) {
      ignored.push(f.official);
      continue;
    }
    if (!sameShape(t.shape, f.officialShape)) {
      problems.push(`"${f.official}" has shape ${formatShape(t.shape)}; this config needs ${formatShape(f.officialShape)}`);
      continue;
    }
    if (!strict) continue;
    const want = fixedValues(f);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(Number(t.values[i]) - (want[i] as number)));
    if (!(worst <= FIXED_TOLERANCE)) {
      problems.push(
        f.values === 'ones'
          ? `"${f.official}" is not all ones (largest difference ${worst.toPrecision(3)}): the official table is scaled by its sigmoid, and AiT.js's 'official' table assumes the ones it starts with and keeps (it gets no gradient); pass strict: false to load anyway`
          : `"${f.official}" differs from the official position table by up to ${worst.toPrecision(3)}: the file's PositionEncoder is not that of commit ${OFFICIAL_COORDINATION_COMMIT.slice(0, 8)}; pass strict: false to load anyway`,
      );
    }
  }
  let converted: Converted = { tensors: new Map(), ignored: [] };
  try {
    const result = fromOfficial(asRenameMap(map), tensors, prefix, where, strict);
    converted = { tensors: result.tensors, ignored: result.ignored };
  } catch (e) {
    if (!(e instanceof OfficialWeightsError)) throw e;
    problems.push(...e.issues, ...layoutHints([...tensors.keys()], config));
  }
  if (missing.length > 0) problems.push(`missing: ${quotedNames(missing, Infinity)}`);
  if (problems.length > 0) throw new OfficialWeightsError('mismatch', where, problems);
  return { tensors: converted.tensors, ignored: [...ignored, ...converted.ignored] };
}

/**
 * Official shared_workspace tensors (a decoded safetensors file of the official `state_dict`, see
 * `decodeSafetensors`) renamed and rearranged into the weights of a {@link Coordination} model with
 * config `config`, keyed `<prefix><AiT.js name>` (default prefix `coordination/`, the names of a
 * model with its default name). The map is {@link officialCoordinationWeightMap}: the position-table
 * buffer and its scale are checked (with `strict`, default) and not loaded (AiT.js computes the
 * table), the tensors no official forward pass reads are ignored, a DataParallel `module.` prefix is
 * removed. Every missing, unknown or misshapen tensor is reported at once in an
 * {@link OfficialWeightsError} (`mismatch`).
 */
export function officialCoordinationToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: CoordinationConfig,
  options: OfficialRenameOptions = {},
): Map<string, TensorValues> {
  const map = officialCoordinationWeightMap(config, options);
  const where = `official shared_workspace weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return officialCoordinationTensors(map, config, tensors, options.prefix ?? 'coordination/', where, options.strict ?? true).tensors;
}

/**
 * The weights of a {@link Coordination} model with config `config` (AiT.js names, any prefix)
 * renamed and rearranged into the official `state_dict` of {@link officialCoordinationWeightMap},
 * with every {@link OfficialFixedTensor} written with its values (the official position table and
 * ones), so that PyTorch's strict `load_state_dict` accepts the result.
 */
export function aitJsToOfficialCoordination(
  tensors: ReadonlyMap<string, TensorValues>,
  config: CoordinationConfig,
  options: OfficialRenameOptions = {},
): Map<string, TensorValues> {
  const map = officialCoordinationWeightMap(config, options);
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> official shared_workspace`;
  const out = toOfficial(asRenameMap(map), tensors, options.prefix, where, 'omit');
  for (const f of map.fixed) out.set(f.official, { dtype: 'float32', shape: [...f.officialShape], values: fixedValues(f) });
  return out;
}

/** Options of {@link loadOfficialCoordinationSafetensors}. */
export interface LoadOfficialCoordinationOptions extends OfficialWeightMapOptions {
  /** What the bytes came from, for messages (a file name). */
  readonly source?: string;
}

/** What {@link loadOfficialCoordinationSafetensors} reports. */
export interface LoadOfficialCoordinationReport {
  /** Official tensors that were in the file but not loaded: those no official forward pass reads. */
  readonly ignored: readonly string[];
}

/**
 * Loads the weights of the official shared_workspace model into a {@link Coordination} model
 * (see {@link officialCoordinationWeightMap}): `data` is a safetensors file of the official
 * `state_dict` (its bytes, or its tensors as `decodeSafetensors` returns them); a `.pth` of the
 * official code becomes one with `safetensors.torch.save_file(net.state_dict(), out)`. The model
 * is built first if needed (one forward pass on a zero image). Everything is checked before
 * anything changes: a refused config or tensors that do not fit throw an {@link OfficialWeightsError}
 * and leave the model as it was.
 */
export function loadOfficialCoordinationSafetensors(
  model: Coordination,
  data: Uint8Array | ReadonlyMap<string, TensorValues>,
  options: LoadOfficialCoordinationOptions = {},
): LoadOfficialCoordinationReport {
  const source = options.source ?? 'the official weights';
  const map = officialCoordinationWeightMap(model.config, options);
  const tensors = tensorsOf(data, source);
  const where = `${source} -> Coordination '${model.name}'`;
  const converted = officialCoordinationTensors(map, model.config, tensors, '', where, options.strict ?? true);
  buildOnZeroImage(model, model.config.imageSize as number, model.config.channels as number);
  loadUnprefixedWeights(model, converted.tensors, (names) => findPrefix(names, `Coordination '${model.name}'`), source);
  return { ignored: converted.ignored };
}

/** Options of {@link toOfficialCoordinationSafetensors}. */
export interface ToOfficialCoordinationOptions extends OfficialWeightMapOptions {
  /** Extra string metadata for the file's header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The weights of a built {@link Coordination} model as a safetensors file of the official
 * shared_workspace `state_dict` (official names and layouts, the fixed tensors included; see
 * {@link officialCoordinationWeightMap}), which the official model loads with
 * `net.load_state_dict(safetensors.torch.load_file(path))`. The header's metadata records
 * `format: pt` and the official repository and commit the map follows.
 */
export async function toOfficialCoordinationSafetensors(
  model: Coordination,
  options: ToOfficialCoordinationOptions = {},
): Promise<Uint8Array> {
  const map = officialCoordinationWeightMap(model.config, options);
  const where = `Coordination '${model.name}' -> official weights`;
  return referenceSafetensors(
    model,
    (m) => new OfficialWeightsError('not-built', where, [m]),
    (tensors) => aitJsToOfficialCoordination(tensors, model.config, options),
    options.metadata,
    {
      official_repository: OFFICIAL_COORDINATION_REPOSITORY,
      official_commit: OFFICIAL_COORDINATION_COMMIT,
      official_model: map.officialModel,
    },
  );
}
