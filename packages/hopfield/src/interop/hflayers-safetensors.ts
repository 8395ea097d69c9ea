import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors, loadSafetensorsWeights, namedWeights, type TensorValues } from '@ait/core';
import { aitjsArgsFromHflayers, hflayersKwargsFor } from './hflayers-config-map';
import { equivalenceIssues } from './hflayers-equivalence';
import { aitjsLayerOf, hflayersModuleOf, type AitjsFromHflayers, type HflayersMappedLayer } from './hflayers-mapped-layer';
import { HflayersInteropError } from './hflayers-error';
import {
  HFLAYERS_COMMIT,
  HFLAYERS_MODULES,
  HFLAYERS_REPOSITORY,
  parseHflayersKwargs,
  type HflayersKwargsOf,
  type HflayersModule,
} from './hflayers-kwargs';
import { hflayersConstructorCall } from './hflayers-python-call';
import { hflayersWeightMap } from './hflayers-weight-map';
import { aitjsToHflayersTensors, hflayersToAitjsTensors } from './hflayers-weight-rename';

/** Metadata keys of the safetensors files {@link toHflayersSafetensors} writes (and {@link loadHflayersSafetensors} reads). */
export const HFLAYERS_METADATA = {
  /** `Hopfield`, `HopfieldPooling` or `HopfieldLayer`. */
  module: 'hflayers_module',
  /** The module's keyword arguments as JSON (see `HflayersHopfieldKwargs`). */
  kwargs: 'hflayers_kwargs',
  /** The Python expression that builds the module (see `hflayersConstructorCall`). */
  call: 'hflayers_call',
} as const;

/** Safetensors data: the file's bytes, or its decoded tensors (and metadata) as `decodeSafetensors` returns them. */
export type HflayersSafetensorsData =
  Uint8Array | { readonly tensors: ReadonlyMap<string, TensorValues>; readonly metadata?: Readonly<Record<string, string>> };

/** Options of {@link loadHflayersSafetensors} and {@link layerFromHflayersSafetensors}. */
export interface LoadHflayersOptions<M extends HflayersModule = HflayersModule> {
  /** The hflayers module the tensors come from; default the file's `hflayers_module` metadata, else the layer's counterpart. */
  readonly module?: M;
  /** Its constructor's keyword arguments; default the file's `hflayers_kwargs` metadata. */
  readonly kwargs?: HflayersKwargsOf[M];
  /** What the data came from, for messages (a file name). */
  readonly source?: string;
}

/** What loading reports. */
export interface LoadHflayersReport {
  /** hflayers numbers the module never reads, not loaded (`name` or `name[start:end]` for rows). */
  readonly ignored: readonly string[];
  /** Differences that do not change the inference output, each in a sentence. */
  readonly notes: readonly string[];
}

function decoded(
  data: HflayersSafetensorsData,
  source: string,
): { tensors: ReadonlyMap<string, TensorValues>; metadata: Readonly<Record<string, string>> } {
  if (data instanceof Uint8Array) return decodeSafetensors(data, source);
  return { tensors: data.tensors, metadata: data.metadata ?? {} };
}

function moduleAndKwargs<M extends HflayersModule>(
  metadata: Readonly<Record<string, string>>,
  options: LoadHflayersOptions<M>,
  fallback: HflayersModule | undefined,
  where: string,
): { module: M; kwargs: HflayersKwargsOf[M] } {
  const fromFile = metadata[HFLAYERS_METADATA.module];
  const module = (options.module ?? fromFile ?? fallback) as M | undefined;
  if (module === undefined || !(HFLAYERS_MODULES as readonly string[]).includes(module)) {
    throw new HflayersInteropError('mismatch', where, [
      `no hflayers module given: pass module (one of ${HFLAYERS_MODULES.join(', ')}); the file has no "${HFLAYERS_METADATA.module}" metadata`,
    ]);
  }
  if (options.kwargs) return { module, kwargs: options.kwargs };
  const text = metadata[HFLAYERS_METADATA.kwargs];
  if (text === undefined) {
    throw new HflayersInteropError('mismatch', where, [
      `no constructor arguments: pass kwargs (the keyword arguments the ${module} was built with); the file has no "${HFLAYERS_METADATA.kwargs}" metadata`,
    ]);
  }
  try {
    return { module, kwargs: JSON.parse(text) as HflayersKwargsOf[M] };
  } catch {
    throw new HflayersInteropError('mismatch', where, [`the "${HFLAYERS_METADATA.kwargs}" metadata is not JSON: ${text.slice(0, 80)}`]);
  }
}

/** The prefix every weight name of `layer` carries before its own names (e.g. `hopfield_pooling_1/`). */
function weightPrefix(layer: HflayersMappedLayer, where: string): string {
  const names = [...namedWeights(layer).keys()];
  const marker = `${layer.name}/`;
  const first = names[0];
  const at = first === undefined ? -1 : first.indexOf(marker);
  const prefix = at < 0 || first === undefined ? '' : first.slice(0, at + marker.length);
  if (at < 0 || !names.every((n) => n.startsWith(prefix))) {
    throw new HflayersInteropError('mismatch', where, [
      `the weights of '${layer.name}' do not all start with "${marker}"; they cannot be told apart from their layer`,
    ]);
  }
  return prefix;
}

/** Builds `layer` by one call on a zero batch with the widths of `from` (and ones for enabled mask inputs). */
function buildWith(layer: HflayersMappedLayer, from: AitjsFromHflayers): void {
  if (layer.built) return;
  const cfg = layer.config;
  tf.tidy(() => {
    const inputs: tf.Tensor[] = from.inputShapes.map((s) => tf.zeros([1, 1, s[2] as number]));
    const S = from.module === 'HopfieldLayer' ? from.config.quantity : 1;
    const L = from.module === 'HopfieldPooling' ? from.config.quantity : 1;
    if (cfg.storedPatternPaddingMaskInput) inputs.push(tf.ones([1, S]));
    if (cfg.associationMaskInput) inputs.push(tf.ones([L, S]));
    layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false });
  });
}

/**
 * Loads the weights of an hflayers module (a safetensors file of its `state_dict`, e.g. written in
 * Python by `safetensors.torch.save_file(module.state_dict(), path)`, or a file from
 * {@link toHflayersSafetensors}) into an AiT.js `Hopfield`, `HopfieldPooling` or `HopfieldLayer`.
 * The module's constructor arguments come from `options.kwargs` or the file's `hflayers_kwargs`
 * metadata. The layer is built with the module's widths if it is not built yet.
 *
 * Everything is checked before a weight changes: arguments hflayers computes differently
 * (see `aitjsArgsFromHflayers`), a layer whose options or widths differ from the module's, and
 * tensors that do not fit throw an {@link HflayersInteropError} and leave the weights as they were.
 */
export function loadHflayersSafetensors<M extends HflayersModule>(
  layer: HflayersMappedLayer,
  data: HflayersSafetensorsData,
  options: LoadHflayersOptions<M> = {},
): LoadHflayersReport {
  const source = options.source ?? 'the hflayers weights';
  const own = hflayersModuleOf(layer);
  const where = `hflayers ${own} from ${source} -> AiT.js ${own} '${layer.name}'`;
  const file = decoded(data, source);
  const { module, kwargs } = moduleAndKwargs(file.metadata, options, own, where);
  if (module !== own)
    throw new HflayersInteropError('mismatch', where, [`the weights are of an hflayers ${module}; load them into an AiT.js ${module}`]);
  const from = aitjsArgsFromHflayers(module, kwargs);
  const converted = hflayersToAitjsTensors(hflayersWeightMap(from.config), file.tensors, where);
  buildWith(layer, from);
  const differences = equivalenceIssues(layer, from);
  if (differences.length > 0) throw new HflayersInteropError('unsupported-config', where, differences);
  const prefix = weightPrefix(layer, where);
  const named = new Map([...converted.tensors].map(([name, t]) => [`${prefix}${name}`, t]));
  loadSafetensorsWeights(layer, named, { source });
  return { ignored: converted.ignored, notes: from.notes };
}

/** What {@link layerFromHflayersSafetensors} and {@link createLayerFromHflayers} return. */
export interface LayerFromHflayers extends LoadHflayersReport {
  /** The built AiT.js layer computing what the module computes. */
  readonly layer: HflayersMappedLayer;
}

/**
 * A new built AiT.js layer computing what hflayers module `module` with keyword arguments `kwargs`
 * computes (`Hopfield`, `HopfieldPooling` or `HopfieldLayer`, options from
 * `aitjsArgsFromHflayers`), with the module's weights when `data` is given. `name` names the layer.
 */
export function createLayerFromHflayers<M extends HflayersModule>(
  module: M,
  kwargs: HflayersKwargsOf[M],
  data?: HflayersSafetensorsData,
  options: { readonly name?: string; readonly source?: string } = {},
): LayerFromHflayers {
  const from = aitjsArgsFromHflayers(module, kwargs);
  if (data !== undefined)
    hflayersToAitjsTensors(
      hflayersWeightMap(from.config),
      decoded(data, options.source ?? 'the hflayers weights').tensors,
      `hflayers ${module} -> AiT.js`,
    );
  const layer = aitjsLayerOf(module, { ...from.args, ...(options.name ? { name: options.name } : {}) });
  buildWith(layer, from);
  const differences = equivalenceIssues(layer, from);
  if (differences.length > 0) {
    layer.dispose();
    throw new HflayersInteropError('unsupported-config', `hflayers ${module} -> AiT.js ${module}`, differences);
  }
  if (data === undefined) return { layer, ignored: [], notes: from.notes };
  return { layer, ...loadHflayersSafetensors(layer, data, { module, kwargs, ...(options.source ? { source: options.source } : {}) }) };
}

/**
 * A new built AiT.js layer with the weights of a safetensors file of an hflayers module whose
 * metadata names the module and its arguments (as {@link toHflayersSafetensors} writes them, or
 * give `options.module` / `options.kwargs`).
 */
export function layerFromHflayersSafetensors<M extends HflayersModule>(
  data: HflayersSafetensorsData,
  options: LoadHflayersOptions<M> & { readonly name?: string } = {},
): LayerFromHflayers {
  const source = options.source ?? 'the hflayers weights';
  const file = decoded(data, source);
  const { module, kwargs } = moduleAndKwargs(file.metadata, options, undefined, `hflayers weights from ${source} -> AiT.js`);
  return createLayerFromHflayers(module, kwargs, file, { ...(options.name ? { name: options.name } : {}), source });
}

/** Options of {@link toHflayersSafetensors}. */
export interface ToHflayersSafetensorsOptions {
  /** Extra string metadata for the file's header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The weights of a built AiT.js `Hopfield`, `HopfieldPooling` or `HopfieldLayer` as a safetensors
 * file of the `state_dict` of the hflayers module computing the same function. In Python:
 *
 * ```python
 * import json, hflayers
 * from safetensors import safe_open; from safetensors.torch import load_file
 * with safe_open(path, 'pt') as f:
 *     meta = f.metadata()
 * cls = getattr(hflayers, meta['hflayers_module'])   # Hopfield, HopfieldPooling or HopfieldLayer
 * module = cls(**json.loads(meta['hflayers_kwargs']))  # e.g. HopfieldPooling(input_size=8, ...)
 * module.load_state_dict(load_file(path))             # strict: every tensor fits
 * ```
 *
 * The header's metadata holds `format: pt`, `hflayers_module`, `hflayers_kwargs` (JSON),
 * `hflayers_call` (the same as a Python constructor call, to read: never `eval` a downloaded file's text) and the hflayers repository and commit the map
 * follows. Numbers hflayers allocates but never reads are zeros. Throws an
 * {@link HflayersInteropError} where no hflayers module computes what the layer computes (see
 * `hflayersKwargsFor`).
 */
export async function toHflayersSafetensors(layer: HflayersMappedLayer, options: ToHflayersSafetensorsOptions = {}): Promise<Uint8Array> {
  const { module, kwargs } = hflayersKwargsFor(layer);
  const where = `AiT.js ${module} '${layer.name}' -> hflayers ${module}`;
  const map = hflayersWeightMap(parseHflayersKwargs(module, kwargs));
  const prefix = weightPrefix(layer, where);
  const weights = new Map<string, TensorValues>();
  for (const [name, w] of namedWeights(layer)) {
    weights.set(name.slice(prefix.length), {
      dtype: 'float32',
      shape: [...(w.shape as number[])],
      values: Float32Array.from(await w.read().data()),
    });
  }
  const tensors = aitjsToHflayersTensors(map, weights, where);
  return encodeSafetensors(Object.fromEntries(tensors), {
    ...options.metadata,
    format: 'pt',
    hflayers_repository: HFLAYERS_REPOSITORY,
    hflayers_commit: HFLAYERS_COMMIT,
    [HFLAYERS_METADATA.module]: module,
    [HFLAYERS_METADATA.kwargs]: JSON.stringify(kwargs),
    [HFLAYERS_METADATA.call]: hflayersConstructorCall(module, kwargs),
  });
}
