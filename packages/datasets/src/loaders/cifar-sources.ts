import { type CifarVariant } from '../formats/cifar-format';

/** Where the official CIFAR binary archives live and what they hold. */
export interface CifarSource {
  /** Human name, e.g. `CIFAR-10`. */
  readonly title: string;
  /** File name of the official archive. */
  readonly archive: string;
  /** Folder inside the archive holding the `.bin` files. */
  readonly folder: string;
  /** Official download address. */
  readonly url: string;
  /** MD5 of the official archive. */
  readonly md5: string;
  /** `.bin` files of each split. */
  readonly files: Readonly<Record<'train' | 'test', readonly string[]>>;
  /** Records in each official `.bin` file of a split (every CIFAR-10 batch holds 10,000). */
  readonly recordsPerFile: Readonly<Record<'train' | 'test', number>>;
}

/** The official CIFAR-10 and CIFAR-100 binary archives (Krizhevsky, 2009). */
export const CIFAR_SOURCES: Readonly<Record<CifarVariant, CifarSource>> = {
  cifar10: {
    title: 'CIFAR-10',
    archive: 'cifar-10-binary.tar.gz',
    folder: 'cifar-10-batches-bin',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    files: {
      train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
      test: ['test_batch.bin'],
    },
    recordsPerFile: { train: 10_000, test: 10_000 },
  },
  cifar100: {
    title: 'CIFAR-100',
    archive: 'cifar-100-binary.tar.gz',
    folder: 'cifar-100-binary',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    md5: '03b5dce01913d631647c71ecec9e9cb8',
    files: { train: ['train.bin'], test: ['test.bin'] },
    recordsPerFile: { train: 50_000, test: 10_000 },
  },
};
