import { type AsyncRandomAccessDataset, type Dataset, type RandomAccessDataset, type StreamingDataset } from '../dataset/dataset';
import { FASHION_MNIST_LABEL_NAMES, FASHION_MNIST_NORMALIZATION } from './fashion-mnist-info';
import { type LoadMode } from './load-mode';
import { type MnistSplit, loadMnistFormat } from './mnist-format';

/** Where Debian's `dataset-fashion-mnist` package installs the gzipped IDX files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /** `train` (60,000, default) or `test` (10,000). */
  split?: MnistSplit;
  /** Folder with the IDX files (plain or `.gz`); default {@link FASHION_MNIST_DEBIAN_DIR}. */
  dir?: string;
  /** `memory` (default), `disk` (uncompressed files only) or `stream`. */
  mode?: LoadMode;
}

/**
 * Loads Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research): 28 x 28 grey product images
 * `[28, 28, 1]`, 10 classes, from the folder where Debian's `dataset-fashion-mnist` puts it
 * (`apt install dataset-fashion-mnist`) or any folder `dir` with the official files.
 */
export function loadFashionMnist(options?: FashionMnistOptions & { mode?: 'memory' }): Promise<RandomAccessDataset<undefined>>;
export function loadFashionMnist(options: FashionMnistOptions & { mode: 'disk' }): Promise<AsyncRandomAccessDataset<undefined>>;
export function loadFashionMnist(options: FashionMnistOptions & { mode: 'stream' }): Promise<StreamingDataset<undefined>>;
export function loadFashionMnist(options?: FashionMnistOptions): Promise<Dataset<undefined>>;
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<Dataset<undefined>> {
  const dir = options.dir ?? FASHION_MNIST_DEBIAN_DIR;
  return loadMnistFormat({
    dir,
    split: options.split ?? 'train',
    name: 'fashion-mnist',
    labelNames: FASHION_MNIST_LABEL_NAMES,
    normalization: FASHION_MNIST_NORMALIZATION,
    mode: options.mode ?? 'memory',
    hint:
      `Install Debian's package (apt install dataset-fashion-mnist, which fills ${FASHION_MNIST_DEBIAN_DIR}) or put ` +
      'the four files from https://github.com/zalandoresearch/fashion-mnist (train-images-idx3-ubyte.gz, ' +
      'train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in a folder and pass it as dir.',
  });
}
