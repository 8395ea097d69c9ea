import {
  loadSafetensorsWeights,
  modelToSafetensors,
  namedWeights,
  readSafetensorsFile,
  SafetensorsError,
  type TensorValues,
} from '@ait/core';
import {
  AssociativeTransformer,
  loadOfficialSafetensors,
  OFFICIAL_AIT_COMMIT,
  OFFICIAL_AIT_REPOSITORY,
  officialAitWeightMap,
  officialVitWeightMap,
  OfficialWeightsError,
  toOfficialSafetensors,
  VisionTransformer,
  type VisionModel,
} from '@ait/vision';
import { CliError } from './cli-error';
import type { OfficialSource, WeightLayout } from './safetensors-export-info';

/** The AiT.js models with a weight map to the official PyTorch code. */
type OfficialModel = AssociativeTransformer | VisionTransformer;

/** How to say which model and config the weights need, for messages. */
const MODEL_FIX =
  'import it with the preset and model config it was trained with: `ait export` writes them to ait-model.json beside ' +
  'model.safetensors (`ait import` reads it from there), or give --model, or --config with model and modelConfig';

/** The official settings that must match, for messages about official files. */
const OFFICIAL_FIX =
  'give --config with the modelConfig of the official run: dim (hidden_dim), depth (n_layer), numHeads (heads), headDim (dim_head, 64), ' +
  'mlpDim (mlp_dim), patchSize, imageSize, classes, and for AiT memorySlots (--pattern_size), memoryDim (--memory_dim), ' +
  'memoryHeads (--memory_head), topK (--bottleneck), beta (--beta), questionDim 18 for vit_hn_clevr.py, ' +
  'ablation.noSelfAttention for SA = False (see the guide "Scale out with PyTorch")';

/**
 * The model as one the official weight maps cover (an AiT or a ViT), or a usage error (exit 2)
 * saying that the family has no official counterpart.
 */
export function officialModel(model: VisionModel, preset: string, family: string): OfficialModel {
  if (model instanceof AssociativeTransformer || model instanceof VisionTransformer) return model;
  throw new CliError(
    `--layout official: ${preset} belongs to the ${family} family, and the official AiT code (${OFFICIAL_AIT_REPOSITORY}) has no such model; ` +
      'official weight maps exist for the ait and vit families only. Use --layout aitjs.',
    2,
  );
}

/** The official code a file of `model` in the official layout follows (the map's checks run here too), with the settings to build it. */
export function officialSource(model: OfficialModel, preset: string): OfficialSource {
  try {
    const map = model instanceof AssociativeTransformer ? officialAitWeightMap(model.config) : officialVitWeightMap(model.config);
    return {
      repository: OFFICIAL_AIT_REPOSITORY,
      commit: OFFICIAL_AIT_COMMIT,
      model: map.officialModel,
      arguments: officialArguments(model),
    };
  } catch (err) {
    throw officialError(err, `${preset} with this config`);
  }
}

/** The official code's settings of a model (see {@link OfficialSource.arguments}). */
function officialArguments(model: OfficialModel): Record<string, number | boolean | string> {
  const c = model.config;
  const common = {
    image_size: c.imageSize,
    patch_size: c.patchSize,
    channels: c.channels,
    num_classes: c.classes,
    dim: c.dim,
    depth: c.depth,
    heads: c.numHeads,
    dim_head: c.headDim,
    mlp_dim: c.mlpDim,
  };
  if (model instanceof VisionTransformer) return { file: 'vit_org.py', ...common };
  const a = model.config;
  const tokens = (a.imageSize / a.patchSize) ** 2 + (a.questionDim != null ? 1 : 0);
  return {
    file: a.questionDim != null ? 'vit_hn_clevr.py' : 'vit_hn.py',
    ...common,
    tokens,
    pattern_size: a.memorySlots,
    memory_dim: a.memoryDim,
    memory_head: a.memoryHeads,
    bottleneck: a.topK,
    beta: a.beta,
    SA: !a.ablation.noSelfAttention,
  };
}

function officialError(err: unknown, what: string): unknown {
  if (!(err instanceof OfficialWeightsError)) return err;
  const issues = err.issues.join('; ');
  if (err.kind === 'unsupported-config') {
    return new CliError(
      `--layout official: ${what} has no counterpart in the official AiT code: ${issues.replace(/\s*\(the official parameters fit, but[^)]*\)/g, ' (the official code computes otherwise)')}. Use --layout aitjs.`,
      2,
      { cause: err },
    );
  }
  return new CliError(`${err.where}: ${issues}. Nothing was imported; ${OFFICIAL_FIX}.`, 2, { cause: err });
}

/**
 * The weights of a built model as a safetensors file: `aitjs`, every weight under its AiT.js
 * name (`ait/block_0/attn/qkv/kernel`, memory included); `official`, the official PyTorch
 * model's `state_dict` (names, layouts, the memory's momentum buffers, and the parameters the
 * official forward pass never uses as zeros, so that a strict `load_state_dict` accepts it).
 */
export async function weightsToSafetensors(
  model: VisionModel,
  layout: WeightLayout,
  preset: string,
  family: string,
  metadata: Readonly<Record<string, string>>,
): Promise<Uint8Array> {
  if (layout === 'aitjs') return modelToSafetensors(model, { ...metadata, ait_layout: 'aitjs' });
  const official = officialModel(model, preset, family);
  try {
    return await toOfficialSafetensors(official, { metadata: { ...metadata, ait_layout: 'official' } });
  } catch (err) {
    throw officialError(err, `${preset} with this config`);
  }
}

/**
 * Reads a safetensors file whole; a missing, truncated or corrupt file is a usage error (exit 2)
 * naming the file and the problem.
 */
export async function readWeightsFile(path: string): Promise<{ metadata: Record<string, string>; tensors: Map<string, TensorValues> }> {
  try {
    return await readSafetensorsFile(path);
  } catch (err) {
    if (err instanceof SafetensorsError) {
      const fix =
        err.kind === 'read-failed'
          ? 'Check the path.'
          : 'The file is damaged or not a safetensors file: export or copy it again (compare its size with the original).';
      throw new CliError(`Cannot import ${path}: ${err.message.replace(/\s+$/, '')} ${fix}`, 2, { cause: err });
    }
    throw err;
  }
}

/**
 * The layout of a file from its tensor names: AiT.js names are paths (`ait/block_0/...`), the
 * official `state_dict` names are dotted (`transformer.layers.0.0.fn.to_qkv.weight`).
 */
export function detectWeightLayout(names: Iterable<string>): WeightLayout {
  for (const n of names) if (n.includes('/')) return 'aitjs';
  return 'official';
}

/** The first path segment shared by every name (`ait/` of `ait/block_0/...`), or `''`. */
function commonPrefix(names: readonly string[]): string {
  const first = names[0]?.split('/')[0];
  if (first === undefined || names.some((n) => !n.startsWith(`${first}/`))) return '';
  return `${first}/`;
}

function shape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function listed(names: readonly string[], max = 6): string {
  const shown = names
    .slice(0, max)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > max ? `${shown}, ... (${names.length - max} more)` : shown;
}

/** What {@link loadWeights} did. */
export interface LoadedWeights {
  /** Weights of the model that were set. */
  readonly loaded: number;
  /** Tensors of the file that were not loaded: the official parameters no official forward pass uses. */
  readonly ignored: readonly string[];
  /** The official code the file followed (official layout). */
  readonly official?: OfficialSource;
}

/**
 * Sets every weight of a built model from a file's tensors. `aitjs`: by AiT.js name (a file of a
 * model with another name prefix, `ait_1/` for `ait/`, is matched by the rest of the names);
 * `official`: through the official weight map. Everything is checked first; tensors missing from
 * the file, tensors the model has no weight for, and tensors of another shape or dtype are one
 * usage error (exit 2) that names each tensor with both shapes and says what to do; the model is
 * unchanged then.
 */
export function loadWeights(
  model: VisionModel,
  tensors: ReadonlyMap<string, TensorValues>,
  layout: WeightLayout,
  source: string,
  preset: string,
  family: string,
): LoadedWeights {
  if (layout === 'official') {
    const official = officialModel(model, preset, family);
    const info = officialSource(official, preset);
    if (tensors.size > 0 && detectWeightLayout(tensors.keys()) === 'aitjs') {
      throw new CliError(
        `${source} holds AiT.js weight names (e.g. "${[...tensors.keys()][0]}"), not an official state_dict: import it with --layout aitjs.`,
        2,
      );
    }
    try {
      const report = loadOfficialSafetensors(official, tensors, { source });
      return { loaded: namedWeights(model).size, ignored: report.ignored, official: info };
    } catch (err) {
      throw officialError(err, `${preset} with this config`);
    }
  }
  const weights = namedWeights(model);
  const modelNames = [...weights.keys()];
  const fileNames = [...tensors.keys()];
  const modelPrefix = commonPrefix(modelNames);
  const filePrefix = commonPrefix(fileNames);
  const toFile = (name: string): string =>
    modelPrefix !== filePrefix && modelPrefix !== '' && filePrefix !== '' ? `${filePrefix}${name.slice(modelPrefix.length)}` : name;
  const used = new Set<string>();
  const missing: string[] = [];
  const misfits: string[] = [];
  for (const [name, w] of weights) {
    const key = toFile(name);
    const t = tensors.get(key);
    if (!t) {
      missing.push(key);
      continue;
    }
    used.add(key);
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      misfits.push(`"${key}" is ${shape(t.shape)} in the file but ${shape(w.shape as number[])} in the model`);
    } else if (t.dtype !== w.dtype) {
      misfits.push(`"${key}" holds ${t.dtype} in the file but ${w.dtype} in the model`);
    }
  }
  const unexpected = fileNames.filter((n) => !used.has(n));
  const problems = [
    ...misfits,
    ...(missing.length > 0 ? [`missing from the file: ${listed(missing)}`] : []),
    ...(unexpected.length > 0 ? [`in the file but not in the model: ${listed(unexpected)}`] : []),
  ];
  if (problems.length > 0) {
    throw new CliError(
      `${source} does not fit ${preset} with this config (${problems.length} problem${problems.length > 1 ? 's' : ''}): ${problems.join('; ')}. ` +
        `Nothing was imported; ${MODEL_FIX}.` +
        (fileNames.length > 0 && detectWeightLayout(fileNames) === 'official' ? ' The names look official: try --layout official.' : ''),
      2,
    );
  }
  const renamed = new Map(modelNames.map((n) => [n, tensors.get(toFile(n)) as TensorValues]));
  loadSafetensorsWeights(model, renamed, { source });
  return { loaded: modelNames.length, ignored: [] };
}
