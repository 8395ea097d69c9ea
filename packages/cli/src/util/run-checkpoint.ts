import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  CheckpointError,
  disposeCheckpoint,
  initBackend,
  type BackendChoice,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  restoreCheckpoint,
  type LoadedCheckpoint,
} from '@ait/core';
import { checkpointProblem, DAMAGED_CHECKPOINT_KINDS } from './checkpoint-problem';
import type { Dataset } from '@ait/datasets';
import type { VisionModel } from '@ait/vision';
import { CliError } from './cli-error';
import { openSplit } from './dataset-choice';
import { buildForData, createPreset } from './model-for-data';
import { parseRunConfig, RUN_FILES, type RunConfig } from './run-config';

/**
 * The checkpoint file a user means: a `.ckpt` file as is, or the newest checkpoint of a run
 * directory (its `checkpoints/` folder) or of a folder of checkpoints.
 */
export async function resolveCheckpointPath(target: string): Promise<string> {
  const path = resolve(target);
  if (!existsSync(path)) throw new CliError(`${target} does not exist; give a run directory or a .ckpt file.`, 2);
  if (statSync(path).isFile()) return path;
  const inRun = await latestCheckpoint(join(path, RUN_FILES.checkpoints));
  const found = inRun ?? (await latestCheckpoint(path));
  if (!found) throw new CliError(`${target} holds no checkpoint (ckpt-*.ckpt); train first with \`ait train --out ${target}\`.`, 2);
  return found;
}

/**
 * Loads a checkpoint, turning format errors into a one-line {@link CliError} that says what is
 * wrong and names the other checkpoints of its folder to use instead.
 */
export async function openCheckpoint(path: string): Promise<LoadedCheckpoint> {
  try {
    return await loadCheckpoint(path);
  } catch (err) {
    if (err instanceof CheckpointError) {
      const others = (await listCheckpoints(dirname(path)).catch(() => [])).map((e) => e.path).filter((p) => p !== path);
      const advice = DAMAGED_CHECKPOINT_KINDS.has(err.kind)
        ? others.length > 0
          ? ` Give an earlier checkpoint instead: ${others
              .map((p) => basename(p))
              .reverse()
              .join(', ')} (in ${dirname(path)}, newest first).`
          : ' There is no other checkpoint beside it.'
        : '';
      throw new CliError(`Cannot use checkpoint ${path}: ${checkpointProblem(err)}.${advice}`, 1, { cause: err });
    }
    throw err;
  }
}

/** A checkpoint's model, restored, with its run config and test data. */
export interface RestoredRun {
  readonly path: string;
  readonly checkpoint: LoadedCheckpoint;
  readonly config: RunConfig;
  readonly model: VisionModel;
  readonly data: Dataset;
}

/**
 * Rebuilds the model a checkpoint was trained with (from the run config stored in it), restores
 * its weights and opens the data set (`dataset`, default the run's test split); `modelOverrides`
 * (e.g. `recordMaps: true`) are merged into the stored model config; `backend` is initialised first. The caller
 * disposes the model; the checkpoint's tensors are disposed here.
 */
export async function restoreRun(
  target: string,
  dataset?: (config: RunConfig) => Promise<Dataset>,
  modelOverrides: Record<string, unknown> = {},
  backend: BackendChoice = 'auto',
): Promise<RestoredRun> {
  await initBackend({ backend });
  const path = await resolveCheckpointPath(target);
  const checkpoint = await openCheckpoint(path);
  try {
    const config = parseRunConfig(checkpoint.config, `Checkpoint ${path}`);
    const data = dataset ? await dataset(config) : await openSplit(config.dataset, 'test');
    const model = createPreset(config.model, { ...config.modelConfig, ...modelOverrides });
    buildForData(model, data);
    try {
      restoreCheckpoint(checkpoint, { model });
    } catch (err) {
      model.dispose();
      throw new CliError((err as Error).message, 1, { cause: err });
    }
    return { path, checkpoint, config, model, data };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}
