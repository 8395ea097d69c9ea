import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, Trainer } from '@ait/core';
import type { VisionModel } from '@ait/vision';
import { RUN_FILES, writeJsonAtomic, type RunConfig } from './run-config';
import type { OfficialSource, WeightLayout } from './safetensors-export-info';

/** The file of an imported run that says where its weights came from. */
export const IMPORT_RECORD_FILE = 'import.json';

/** `import.json`: where the weights of a run written by `ait import` came from. */
export interface ImportRecord {
  readonly format: 'ait-cli/import';
  readonly version: 1;
  /** The safetensors file, as an absolute path. */
  readonly file: string;
  /** Hex SHA-256 of its bytes. */
  readonly sha256: string;
  readonly layout: WeightLayout;
  /** Tensors in the file. */
  readonly tensors: number;
  /** Model weights set from it. */
  readonly loaded: number;
  /** Official tensors that were in the file but not loaded (parameters no official forward pass uses). */
  readonly ignored: readonly string[];
  /** The official code the file followed (official layout). */
  readonly official?: OfficialSource;
  /** Where the model and config came from: `--model`, `--config <file>`, or the `ait-model.json` beside the file. */
  readonly modelFrom: string;
  /** ISO-8601 time of the import. */
  readonly time: string;
}

/**
 * Writes a run directory for a built model whose weights were imported: `run.json` (`run`), one
 * checkpoint at step 0 (`checkpoints/ckpt-s000000000-e00000.ckpt`, written by a `Trainer` like
 * every checkpoint of `ait train`: weights with AiT's memory, a fresh AdamW state, the random
 * streams of `run.seed`, `run` as its config) and {@link IMPORT_RECORD_FILE}. `ait eval`, `ait
 * predict`, `ait visualize`, `ait inspect` and `ait export` read it as any run, and `ait train
 * --resume <dir>` fine-tunes from the imported weights with the run's recipe. `dir` must exist
 * and hold no run. Returns the checkpoint's path.
 */
export async function writeImportedRun(dir: string, run: RunConfig, model: VisionModel, record: ImportRecord): Promise<string> {
  const checkpoints = join(dir, RUN_FILES.checkpoints);
  await mkdir(checkpoints, { recursive: true });
  await writeJsonAtomic(join(dir, RUN_FILES.config), run);
  const optimizer = new AdamW({ learningRate: run.recipe.lr, weightDecay: run.recipe.weightDecay });
  try {
    const trainer = new Trainer({ model, optimizer, seed: run.seed, config: run, checkpoint: { dir: checkpoints } });
    const path = await trainer.saveCheckpoint();
    await writeJsonAtomic(join(dir, IMPORT_RECORD_FILE), record);
    return path;
  } finally {
    optimizer.dispose();
  }
}
