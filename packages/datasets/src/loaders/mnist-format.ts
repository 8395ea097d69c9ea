import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig, z } from '@ait/core';
import {
  type AsyncRandomAccessDataset,
  type Dataset,
  type NormalizationStats,
  type RandomAccessDataset,
  type StreamingDataset,
} from '../dataset/dataset';
import { loadIdxDataset } from './idx-dataset';
import { type LoadMode, loadModeSchema } from './load-mode';

/** The two splits of an MNIST-format data set: files `train-*` and `t10k-*`. */
export type MnistSplit = 'train' | 'test';

/** Options of {@link loadMnistFormat}. */
export interface MnistFormatOptions {
  /** Folder holding `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-...`. */
  dir: string;
  /** Split; default `train`. */
  split?: MnistSplit;
  /** Data set name; the split is appended (e.g. `kmnist` -> `kmnist-train`). */
  name: string;
  /** One name per class. */
  labelNames: readonly string[];
  /** Normalisation statistics; computed from the images when left out. */
  normalization?: NormalizationStats;
  /** `memory` (default), `disk` (uncompressed files only) or `stream`. */
  mode?: LoadMode;
  /** Expected image size; default 28 x 28. */
  imageSize?: readonly [number, number];
  /** Appended to "not found" errors: where to get the files. */
  hint?: string;
}

const schema = z.strictObject({
  dir: z.string('must be a folder path').min(1, 'must be a folder path'),
  split: z.enum(['train', 'test'], 'must be "train" or "test"').default('train'),
  name: z.string('must be a string'),
  labelNames: z.array(z.string()).min(1),
  normalization: z.custom<NormalizationStats>((v) => typeof v === 'object' && v !== null).optional(),
  mode: loadModeSchema.default('memory'),
  imageSize: z.tuple([z.number().int().min(1), z.number().int().min(1)]).default([28, 28]),
  hint: z.string().default(''),
});

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The image and label files of a split in an MNIST-format folder: `<prefix>-images-idx3-ubyte`
 * and `<prefix>-labels-idx1-ubyte` (`prefix` = `train` or `t10k`), each plain or with `.gz`
 * (the plain file wins when both exist). Missing files throw an Error that lists what was looked
 * for, where.
 */
export async function findMnistFiles(dir: string, split: MnistSplit, hint = ''): Promise<{ images: string; labels: string }> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const pick = async (base: string): Promise<string | undefined> => {
    for (const name of [base, `${base}.gz`]) if (await exists(join(dir, name))) return join(dir, name);
    return undefined;
  };
  const images = await pick(`${prefix}-images-idx3-ubyte`);
  const labels = await pick(`${prefix}-labels-idx1-ubyte`);
  if (images === undefined || labels === undefined) {
    const missing = [images ? undefined : `${prefix}-images-idx3-ubyte[.gz]`, labels ? undefined : `${prefix}-labels-idx1-ubyte[.gz]`]
      .filter((x) => x !== undefined)
      .join(' and ');
    throw new Error(`MNIST-format ${split} files not found: ${dir} lacks ${missing}.${hint ? ` ${hint}` : ''}`);
  }
  return { images, labels };
}

/**
 * Loads a split of any MNIST-format data set (MNIST, Fashion-MNIST, KMNIST, ...) from a folder of
 * IDX files, plain or gzip; see {@link loadIdxDataset} for the checks and modes.
 */
export function loadMnistFormat(options: MnistFormatOptions & { mode?: 'memory' }): Promise<RandomAccessDataset<undefined>>;
export function loadMnistFormat(options: MnistFormatOptions & { mode: 'disk' }): Promise<AsyncRandomAccessDataset<undefined>>;
export function loadMnistFormat(options: MnistFormatOptions & { mode: 'stream' }): Promise<StreamingDataset<undefined>>;
export function loadMnistFormat(options: MnistFormatOptions): Promise<Dataset<undefined>>;
export async function loadMnistFormat(options: MnistFormatOptions): Promise<Dataset<undefined>> {
  const o = validateConfig('loadMnistFormat', schema, options);
  const files = await findMnistFiles(o.dir, o.split, o.hint);
  return loadIdxDataset({
    ...files,
    name: `${o.name}-${o.split}`,
    labelNames: o.labelNames,
    mode: o.mode,
    imageSize: o.imageSize,
    hint: o.hint,
    ...(o.normalization ? { normalization: o.normalization } : {}),
  });
}
