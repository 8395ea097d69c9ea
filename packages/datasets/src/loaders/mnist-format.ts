import { join } from 'node:path';
import { validateConfig, z } from '@ait/core';
import { type AsyncRandomAccessDataset, type Dataset, type RandomAccessDataset, type StreamingDataset } from '../dataset/dataset';
import { type IdxDatasetOptions, loadIdxDataset } from './idx-dataset';
import { idxDatasetOptionsShape, imageSizeSchema } from './idx-dataset-options';
import { pathExists } from './path-checks';

/** The two splits of an MNIST-format data set: files `train-*` and `t10k-*`. */
export type MnistSplit = 'train' | 'test';

/**
 * Options of {@link loadMnistFormat}: the folder and split instead of the two file paths, and
 * otherwise those of {@link IdxDatasetOptions} (`name` gets the split appended, e.g. `kmnist` ->
 * `kmnist-train`).
 */
export interface MnistFormatOptions extends Omit<IdxDatasetOptions, 'images' | 'labels' | 'imageSize'> {
  /** Folder holding `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-...`. */
  dir: string;
  /** Split; default `train`. */
  split?: MnistSplit;
  /** Expected image size; default 28 x 28. */
  imageSize?: readonly [number, number];
}

const schema = z.strictObject({
  dir: z.string('must be a folder path').min(1, 'must be a folder path'),
  split: z.enum(['train', 'test'], 'must be "train" or "test"').default('train'),
  ...idxDatasetOptionsShape,
  imageSize: imageSizeSchema.default([28, 28]),
});

/**
 * The image and label files of a split in an MNIST-format folder: `<prefix>-images-idx3-ubyte`
 * and `<prefix>-labels-idx1-ubyte` (`prefix` = `train` or `t10k`), each plain or with `.gz`
 * (the plain file wins when both exist). Missing files throw an Error that lists what was looked
 * for, where.
 */
export async function findMnistFiles(dir: string, split: MnistSplit, hint = ''): Promise<{ images: string; labels: string }> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const pick = async (base: string): Promise<string | undefined> => {
    for (const name of [base, `${base}.gz`]) if (await pathExists(join(dir, name))) return join(dir, name);
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
