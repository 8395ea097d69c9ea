import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from '../config/validate-config';

/** The URL scheme the Node file handler answers, as tfjs-node's: `file://path`. */
export const FILE_URL_SCHEME = 'file://';

/** File name of the weights that {@link fileSystemHandler} writes beside `model.json`. */
export const WEIGHTS_FILE_NAME = 'weights.bin';

/** File name of the topology and weight manifest that {@link fileSystemHandler} writes. */
export const MODEL_JSON_FILE_NAME = 'model.json';

/** A failure of the Node file handler: the path, the problem in words and the fix. */
export class ModelFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelFileError';
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function describe(err: unknown): string {
  const code = errorCode(err);
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'ENOSPC') return 'the disk is full';
  return (err as Error).message;
}

/** `dir/model.json` for a folder, the path itself for a `.json` file. */
function modelJsonPath(path: string): string {
  return path.toLowerCase().endsWith('.json') ? path : join(path, MODEL_JSON_FILE_NAME);
}

async function saveArtifacts(path: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelFileError(path, `Cannot save to ${path}: the model topology is binary; the file handler writes JSON topologies only.`);
  }
  const jsonPath = modelJsonPath(path);
  const dir = dirname(jsonPath);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile() && jsonPath !== path) {
    throw new ModelFileError(
      path,
      `Cannot save a model to ${path}: it is a file; give a folder (it is created if missing) or a .json path.`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ModelFileError(dir, `Cannot create the folder ${dir} for the model: ${describe(err)}. Give a writable folder.`, {
      cause: err,
    });
  }
  const weightsPath = join(dir, WEIGHTS_FILE_NAME);
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    weightsManifest: [{ paths: [WEIGHTS_FILE_NAME], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.signature !== undefined ? { signature: artifacts.signature } : {}),
    ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    ...(artifacts.modelInitializer !== undefined ? { modelInitializer: artifacts.modelInitializer } : {}),
  };
  // written under temporary names and renamed, so that a failed save leaves no half-written model
  const stamp = `${process.pid}-${Date.now()}`;
  try {
    await writeFile(`${weightsPath}.${stamp}.tmp`, new Uint8Array(weightData));
    await writeFile(`${jsonPath}.${stamp}.tmp`, JSON.stringify(modelJson), 'utf8');
    await rename(`${weightsPath}.${stamp}.tmp`, weightsPath);
    await rename(`${jsonPath}.${stamp}.tmp`, jsonPath);
  } catch (err) {
    throw new ModelFileError(dir, `Cannot write the model into ${dir}: ${describe(err)}. Give a writable folder with free space.`, {
      cause: err,
    });
  }
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
}

/**
 * What a model.json must hold for the file handler to read its weights: a topology object and, if
 * any, a manifest of weight groups whose files lie in the model's folder. The weight entries
 * themselves are checked by tfjs when it builds the tensors.
 */
const modelJsonSchema = z.looseObject({
  modelTopology: z.looseObject({}),
  weightsManifest: z
    .array(z.looseObject({ paths: z.array(z.string().min(1)), weights: z.array(z.looseObject({ name: z.string() })) }))
    .optional(),
});

/** Whether `file` (a manifest path) names a file inside `dir`, not `../elsewhere` or `/etc/...`. */
function insideFolder(dir: string, file: string): boolean {
  const rel = relative(dir, resolve(dir, file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !isAbsolute(file);
}

async function loadArtifacts(path: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = modelJsonPath(path);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (err) {
    const code = errorCode(err);
    const hint =
      code === 'EISDIR'
        ? `${jsonPath} is a folder`
        : code === 'ENOENT'
          ? `${jsonPath} does not exist`
          : `cannot read ${jsonPath} (${describe(err)})`;
    throw new ModelFileError(
      jsonPath,
      `Cannot load a model from ${path}: ${hint}. Give the model.json written by model.save or ait export.`,
      {
        cause: err,
      },
    );
  }
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(text) as tf.io.ModelJSON;
  } catch (err) {
    throw new ModelFileError(jsonPath, `Cannot load a model from ${jsonPath}: it is not valid JSON (${(err as Error).message}).`, {
      cause: err,
    });
  }
  if (typeof modelJson !== 'object' || modelJson === null || modelJson.modelTopology === undefined) {
    throw new ModelFileError(jsonPath, `Cannot load a model from ${jsonPath}: it has no modelTopology; it is not a TF.js model.json.`);
  }
  const checked = modelJsonSchema.safeParse(modelJson);
  if (!checked.success) {
    const problems = checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ModelFileError(
      jsonPath,
      `Cannot load a model from ${jsonPath}: it is not a valid TF.js model.json (${problems.join('; ')}). Give the model.json written by model.save or ait export.`,
    );
  }
  const dir = dirname(jsonPath);
  for (const group of checked.data.weightsManifest ?? []) {
    const outside = group.paths.find((file) => !insideFolder(dir, file));
    if (outside !== undefined) {
      throw new ModelFileError(
        jsonPath,
        `Cannot load a model from ${jsonPath}: its weights manifest names the file "${outside}", which is not inside the ` +
          'folder of model.json; a model.json may only name weight files beside it. Do not load a model.json from an untrusted source.',
      );
    }
  }
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const file of group.paths) {
        const weightsPath = join(dir, file);
        try {
          const bytes = await readFile(weightsPath);
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        } catch (err) {
          throw new ModelFileError(
            weightsPath,
            `Cannot load the weights of ${jsonPath}: ${weightsPath}: ${describe(err)}. Keep ${basename(weightsPath)} beside model.json.`,
            { cause: err },
          );
        }
      }
    }
    return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
  });
}

/**
 * A TF.js IO handler that saves a model into a folder on disk (`model.json` with the topology and
 * weight manifest, plus one `weights.bin`) and loads it back, for plain Node with the cpu / wasm
 * backends (tfjs-node brings its own). `path` is a folder (created if missing) or a `.json` file
 * path; a `file://` prefix is removed. Failures throw a {@link ModelFileError} naming the path.
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { Dense, fileSystemHandler, initBackend } from '@ait/core';
 *
 * await initBackend({ backend: 'cpu' });
 * const model = tfl.sequential({ layers: [new Dense({ units: 2, inputShape: [4] })] });
 * await model.save(fileSystemHandler('models/mine'));
 * const loaded = await tfl.loadLayersModel(fileSystemHandler('models/mine/model.json'));
 * ```
 */
export function fileSystemHandler(path: string): tf.io.IOHandler {
  const local = resolve(path.startsWith(FILE_URL_SCHEME) ? path.slice(FILE_URL_SCHEME.length) : path);
  return {
    save: (artifacts) => saveArtifacts(local, artifacts),
    load: () => loadArtifacts(local),
  };
}

/** True while the router asks the registry whether another router answers a URL. */
let probing = false;

/** Whether a router other than this module's (e.g. tfjs-node's) answers `url`. */
function anotherRouterHandles(url: string, kind: 'save' | 'load'): boolean {
  probing = true;
  try {
    return (kind === 'save' ? tf.io.getSaveHandlers(url) : tf.io.getLoadHandlers(url)).length > 0;
  } finally {
    probing = false;
  }
}

/** What a router answers for a URL it does not handle; tfjs checks for null, though its `IORouter` type omits it. */
const NOT_HANDLED = null as unknown as tf.io.IOHandler;

function fileRouter(kind: 'save' | 'load'): (url: string | string[]) => tf.io.IOHandler {
  return (url) => {
    if (probing || typeof url !== 'string' || !url.startsWith(FILE_URL_SCHEME)) return NOT_HANDLED;
    // tfjs-node registers its own file:// router; it wins, so that a save never finds two handlers
    if (anotherRouterHandles(url, kind)) return NOT_HANDLED;
    return fileSystemHandler(url);
  };
}

let registered = false;

/**
 * Registers {@link fileSystemHandler} as the `file://` save and load router of tfjs, so that
 * `model.save('file://dir')` and tfjs-layers' `loadLayersModel('file://dir/model.json')` work in plain Node.
 * Called when @ait/core's Node entry is imported; calling it again does nothing. Where another
 * router answers `file://` (tfjs-node's), this one steps aside, whatever the import order.
 */
export function registerFileSystemRouter(): void {
  if (registered) return;
  registered = true;
  tf.io.registerSaveRouter(fileRouter('save'));
  tf.io.registerLoadRouter(fileRouter('load'));
}
