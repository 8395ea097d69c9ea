import { type TensorValues } from '@ait/core';
import { type AitModelConfig } from '../models/ait/associative-transformer';
import { type VitModelConfig } from '../models/vit/vision-transformer';
import { aitToOfficialLayout, officialToAitLayout, OfficialWeightsError } from './official-weight-layout';
import {
  ANCHOR,
  OFFICIAL_QUESTION_DIM,
  officialAitWeightMap,
  officialVitWeightMap,
  type OfficialRenameOptions,
  type OfficialWeightMap,
  type OfficialWeightPair,
  type ToOfficialOptions,
} from './official-weight-map';
import { anchorPrefix, formatShape, withoutModulePrefix } from './reference-tensor-checks';
import { nameProblems, renamePairs, type ReferenceSide } from './reference-tensor-rename';

/** A pair's official name and shape. */
const officialSide = (p: OfficialWeightPair): ReferenceSide => [p.official, p.officialShape];

/** Why official tensors the map does not expect may be there. */
function hintsForUnexpected(names: readonly string[], map: OfficialWeightMap): string[] {
  const hints: string[] = [];
  const any = (re: RegExp): boolean => names.some((n) => re.test(n));
  const isAit = map.momentumBuffers.length > 0;
  if (any(/\.fn\.hopfield\./))
    hints.push(
      "the file has hflayers parameters: it comes from the official '--static' off variant (learned Hopfield projections), which is not mapped",
    );
  if (any(/\.fn\.mha_hn\./))
    hints.push(
      'the file comes from the official HN = False variant (torch_multi_head_attention instead of the Hopfield layer), which is not mapped',
    );
  if (isAit && any(/\.1\.fn\.net\./))
    hints.push('the file has plain MLP blocks: it looks like the official ViT baseline (vit_org.py); load it into a VisionTransformer');
  if (!isAit && any(/memoryupdate/))
    hints.push('the file has memory blocks: it looks like an official AiT; load it into an AssociativeTransformer');
  if (any(/^question_to_embedding\./))
    hints.push(`the file has a question embedding (vit_hn_clevr.py): build the model with questionDim: ${OFFICIAL_QUESTION_DIM}`);
  if (any(/\.0\.fn\.to_(qkv|out)\./)) hints.push('the file has self-attention: build the model without ablation.noSelfAttention');
  return hints;
}

/** Why official tensors the map expects may be missing. */
function hintsForMissing(names: readonly string[]): string[] {
  const hints: string[] = [];
  if (names.some((n) => /\.0\.fn\.to_qkv\./.test(n)))
    hints.push("the file has no self-attention (ait.py's SA = False): build the model with ablation: { noSelfAttention: true }");
  if (names.some((n) => n.startsWith('question_to_embedding.')))
    hints.push('the file has no question embedding: build the model without questionDim');
  return hints;
}

/** What {@link fromOfficial} returns. */
interface FromOfficial {
  tensors: Map<string, TensorValues>;
  ignored: string[];
}

/** @internal */
export function fromOfficial(
  map: OfficialWeightMap,
  given: ReadonlyMap<string, TensorValues>,
  prefix: string,
  where: string,
  strict: boolean,
): FromOfficial {
  const tensors = withoutModulePrefix(given);
  const renamed = renamePairs(
    'to-aitjs',
    map.pairs,
    officialSide,
    (t, p) => officialToAitLayout(t, p.layout, p.aitjsShape),
    tensors,
    prefix,
  );
  const { tensors: out, problems, used, missing } = renamed;
  for (const b of map.momentumBuffers) {
    const t = tensors.get(b.official);
    if (!t) {
      missing.push(b.official);
      continue;
    }
    used.add(b.official);
    const value = t.values.length === 1 ? Number(t.values[0]) : NaN;
    const shown = Number(value.toPrecision(7)); // the float32 0.9 as 0.9
    if (!Number.isFinite(value)) problems.push(`"${b.official}" must be a scalar momentum, got shape ${formatShape(t.shape)}`);
    else if (strict && map.memoryMomentum !== null && Math.abs(value - map.memoryMomentum) > 1e-6) {
      problems.push(
        `"${b.official}" is ${shown}, the config's memoryMomentum ${map.memoryMomentum}: build the model with memoryMomentum: ${shown} (or pass strict: false)`,
      );
    }
  }
  const ignored: string[] = [];
  for (const u of map.unused) {
    if (tensors.has(u.official)) {
      used.add(u.official);
      ignored.push(u.official);
    }
  }
  const all = nameProblems(renamed, tensors, {
    model: 'the official model',
    missingHints: hintsForMissing,
    unexpectedHints: (unexpected) => hintsForUnexpected(unexpected, map),
  });
  if (all.length > 0) throw new OfficialWeightsError('mismatch', where, all);
  return { tensors: out, ignored };
}

/** @internal */
export function findPrefix(names: Iterable<string>, where: string): string {
  const prefix = anchorPrefix(names, ANCHOR);
  if (prefix !== undefined) return prefix;
  throw new OfficialWeightsError('mismatch', where, [
    `no weight named "…${ANCHOR}": these are not the weights of an AiT.js AssociativeTransformer or VisionTransformer`,
  ]);
}

/** @internal */
export function toOfficial(
  map: OfficialWeightMap,
  tensors: ReadonlyMap<string, TensorValues>,
  prefix: string | undefined,
  where: string,
  unused: 'zeros' | 'omit',
): Map<string, TensorValues> {
  const pre = prefix ?? findPrefix(tensors.keys(), where);
  const renamed = renamePairs(
    'to-reference',
    map.pairs,
    officialSide,
    (t, p) => aitToOfficialLayout(t, p.layout, p.officialShape),
    tensors,
    pre,
  );
  const problems = nameProblems(renamed, tensors, { model: 'the AiT.js model' });
  if (problems.length > 0) throw new OfficialWeightsError('mismatch', where, problems);
  const out = renamed.tensors;
  for (const b of map.momentumBuffers) {
    out.set(b.official, { dtype: 'float32', shape: [], values: Float32Array.of(map.memoryMomentum ?? 0) });
  }
  if (unused === 'zeros') {
    for (const u of map.unused) {
      out.set(u.official, {
        dtype: 'float32',
        shape: [...u.officialShape],
        values: new Float32Array(u.officialShape.reduce((a, b) => a * b, 1)),
      });
    }
  }
  return out;
}

/**
 * Official AiT tensors (a decoded safetensors file of the official `state_dict`, see
 * `decodeSafetensors` / `readSafetensorsFile`) renamed and rearranged into the weights of an
 * {@link AssociativeTransformer} with config `config`, keyed `<prefix><AiT.js name>` (load them with
 * `loadSafetensorsWeights`, or use {@link loadOfficialSafetensors}). The map is
 * {@link officialAitWeightMap}; the official parameters no forward pass uses are ignored, a
 * DataParallel `module.` prefix is removed. Every missing, unknown or misshapen tensor is reported
 * at once in an {@link OfficialWeightsError} (`mismatch`).
 */
export function officialAitToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: AitModelConfig,
  options: OfficialRenameOptions = {},
): Map<string, TensorValues> {
  const map = officialAitWeightMap(config, options);
  const where = `official AiT weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return fromOfficial(map, tensors, options.prefix ?? 'ait/', where, options.strict ?? true).tensors;
}

/**
 * The weights of an {@link AssociativeTransformer} with config `config` (as `modelToSafetensors`
 * writes them: AiT.js names, any prefix) renamed and rearranged into the official `state_dict` of
 * {@link officialAitWeightMap}: the memory's momentum buffers come from `memoryMomentum`, and the
 * official parameters no forward pass uses are zeros (or left out, `unused: 'omit'`).
 */
export function aitJsToOfficialAit(
  tensors: ReadonlyMap<string, TensorValues>,
  config: AitModelConfig,
  options: ToOfficialOptions = {},
): Map<string, TensorValues> {
  const map = officialAitWeightMap(config, options);
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> official AiT`;
  return toOfficial(map, tensors, options.prefix, where, options.unused ?? 'zeros');
}

/**
 * Official ViT-baseline tensors (`vit_org.py`) renamed and rearranged into the weights of a
 * {@link VisionTransformer} with config `config` (see {@link officialVitWeightMap} and
 * {@link officialAitToAitJs}); default prefix `vit/`.
 */
export function officialVitToAitJs(
  tensors: ReadonlyMap<string, TensorValues>,
  config: VitModelConfig,
  options: OfficialRenameOptions = {},
): Map<string, TensorValues> {
  const map = officialVitWeightMap(config, options);
  const where = `official ViT weights${options.source ? ` from ${options.source}` : ''} -> AiT.js`;
  return fromOfficial(map, tensors, options.prefix ?? 'vit/', where, options.strict ?? true).tensors;
}

/**
 * The weights of a {@link VisionTransformer} with config `config` renamed and rearranged into the
 * official ViT baseline's `state_dict` (see {@link officialVitWeightMap} and {@link aitJsToOfficialAit}).
 */
export function aitJsToOfficialVit(
  tensors: ReadonlyMap<string, TensorValues>,
  config: VitModelConfig,
  options: OfficialRenameOptions = {},
): Map<string, TensorValues> {
  const map = officialVitWeightMap(config, options);
  const where = `AiT.js weights${options.source ? ` from ${options.source}` : ''} -> official ViT`;
  return toOfficial(map, tensors, options.prefix, where, 'zeros');
}

// ------------------------------------------------------------------------------------------
// Models
// ------------------------------------------------------------------------------------------
