import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig, z } from '@ait/core';
import { arrayDataset } from '../dataset/array-dataset';
import { type AsyncRandomAccessDataset, type Dataset, type RandomAccessDataset } from '../dataset/dataset';
import {
  CIFAR_IMAGE_BYTES,
  CIFAR_IMAGE_SIZE,
  type Cifar100Extra,
  type CifarRecords,
  type CifarVariant,
  checkCifarLength,
  cifarRecordBytes,
  parseCifarRecords,
  planarToInterleaved,
  readCifarLabels,
} from '../formats/cifar-format';
import { DataFileError } from '../formats/data-file-error';
import { readFileBytes } from '../formats/read-data-file';
import { RecordFile } from '../formats/record-file';
import { readTarMembers } from '../formats/tar-archive';
import { type CifarDownloadOptions, downloadCifar } from './cifar-download';
import { checkCifarRecordCount } from './cifar-record-count';
import { CIFAR_SOURCES, type CifarSource } from './cifar-sources';
import { defaultDataDirectory } from './data-directory';
import { isFile, pathExists } from './path-checks';
import { CIFAR100_COARSE_LABEL_NAMES, CIFAR100_FINE_LABEL_NAMES, CIFAR10_LABEL_NAMES } from './cifar-label-names';
import { CIFAR100_NORMALIZATION, CIFAR10_NORMALIZATION } from './cifar-normalization';

/** Options of {@link loadCifar10} and {@link loadCifar100}. */
export interface CifarOptions {
  /** `train` (default) or `test`. */
  split?: 'train' | 'test';
  /**
   * Folder to look in: the `.bin` files themselves, the archive's folder (`cifar-10-batches-bin`,
   * `cifar-100-binary`) inside it, or the official `.tar.gz` inside it. Default
   * {@link defaultDataDirectory} (`~/.cache/ait-datasets`).
   */
  dir?: string;
  /** Path of the official `.tar.gz` to read (instead of looking in `dir`). */
  archive?: string;
  /**
   * Opt-in download of the official archive when nothing is found: `true`, or options (cache
   * folder, URL and MD5 overrides). Default false: a missing data set throws an Error saying which
   * file to put where.
   */
  download?: boolean | CifarDownloadOptions;
  /** `memory` (default) or `disk` (reads records from the extracted `.bin` files on demand). */
  mode?: 'memory' | 'disk';
  /**
   * Check that each official file holds the official number of records (CIFAR-10: 10,000 per
   * batch file; CIFAR-100: 50,000 in `train.bin`, 10,000 in `test.bin`), so that a file cut at a
   * record boundary is refused. Default true; set false to load a custom subset stored under the
   * official file names.
   */
  checkRecordCounts?: boolean;
}

/** Options of {@link loadCifar100}. */
export interface Cifar100Options extends CifarOptions {
  /** Which label is the class: `fine` (100 classes, default) or `coarse` (20 superclasses). */
  labels?: 'fine' | 'coarse';
}

const schema = z.strictObject({
  split: z.enum(['train', 'test'], 'must be "train" or "test"').default('train'),
  dir: z.string().min(1).optional(),
  archive: z.string().min(1).optional(),
  download: z.union([z.boolean(), z.custom<CifarDownloadOptions>((v) => typeof v === 'object' && v !== null)]).default(false),
  mode: z.enum(['memory', 'disk'], 'must be "memory" or "disk"').default('memory'),
  labels: z.enum(['fine', 'coarse'], 'must be "fine" or "coarse"').optional(),
  checkRecordCounts: z.boolean('must be true or false').default(true),
});

type Located = { kind: 'files'; paths: string[] } | { kind: 'archive'; path: string };

function placementHelp(source: CifarSource, split: 'train' | 'test', dir: string): string {
  return (
    `Put the official archive ${source.archive} (${source.url}, MD5 ${source.md5}) at ${join(dir, source.archive)}, ` +
    `or its extracted ${split} files (${source.files[split].join(', ')}) into ${join(dir, source.folder)}/ ` +
    '(or pass dir / archive); or pass download: true to fetch it where the network allows.'
  );
}

async function locate(source: CifarSource, split: 'train' | 'test', dir: string, archive: string | undefined): Promise<Located | string> {
  if (archive !== undefined) {
    if (!(await isFile(archive))) return `the archive ${archive} does not exist.`;
    return { kind: 'archive', path: archive };
  }
  const wanted = source.files[split];
  let partial = '';
  for (const folder of [dir, join(dir, source.folder)]) {
    const present = await Promise.all(wanted.map((f) => isFile(join(folder, f))));
    if (present.every(Boolean)) return { kind: 'files', paths: wanted.map((f) => join(folder, f)) };
    if (present.some(Boolean)) {
      const missing = wanted.filter((_, i) => !present[i]);
      partial = ` ${folder} holds only some ${split} files: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing.`;
    }
  }
  const inDir = join(dir, source.archive);
  if (await isFile(inDir)) return { kind: 'archive', path: inDir };
  return `no ${split} files found in ${dir}${(await pathExists(dir)) ? '' : ' (the folder does not exist)'}.${partial}`;
}

async function loadRecords(
  variant: CifarVariant,
  source: CifarSource,
  split: 'train' | 'test',
  located: Located,
  checkCounts: boolean,
): Promise<CifarRecords> {
  const names = source.files[split];
  const parts: CifarRecords[] = [];
  const parse = (bytes: Uint8Array, file: string): CifarRecords => {
    const count = checkCifarLength(bytes.length, variant, file);
    if (checkCounts) checkCifarRecordCount(source, split, count, file);
    return parseCifarRecords(bytes, variant, file);
  };
  if (located.kind === 'files') {
    for (const path of located.paths) parts.push(parse(await readFileBytes(path, `${source.title} file`), path));
  } else {
    const members = await readTarMembers(located.path, names, `Use the official ${source.archive} (MD5 ${source.md5}).`);
    for (const name of names) {
      const bytes = members.get(name);
      if (bytes === undefined) {
        throw new DataFileError(
          'missing',
          `${located.path}:${name}`,
          `Archive ${located.path} lacks ${name} (it should hold ${source.folder}/${names.join(`, ${source.folder}/`)}); ` +
            `it is not the official ${source.archive} or is incomplete.`,
        );
      }
      parts.push(parse(bytes, `${located.path}:${name}`));
    }
  }
  if (parts.length === 1) return parts[0] as CifarRecords;
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const coarseLabels = variant === 'cifar100' ? new Uint8Array(count) : undefined;
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * CIFAR_IMAGE_BYTES);
    labels.set(p.labels, at);
    if (coarseLabels && p.coarseLabels) coarseLabels.set(p.coarseLabels, at);
    at += p.count;
  }
  return coarseLabels ? { count, images, labels, coarseLabels } : { count, images, labels };
}

async function openRecordFiles(
  variant: CifarVariant,
  paths: readonly string[],
  checkCount: ((found: number, file: string) => void) | undefined,
): Promise<{ files: RecordFile[]; starts: number[]; count: number }> {
  const files: RecordFile[] = [];
  const starts: number[] = [];
  let count = 0;
  for (const path of paths) {
    const n = checkCifarLength((await stat(path)).size, variant, path);
    checkCount?.(n, path);
    starts.push(count);
    files.push(new RecordFile(path, { headerBytes: 0, recordBytes: cifarRecordBytes(variant), count: n }));
    count += n;
  }
  return { files, starts, count };
}

async function loadCifar(
  variant: CifarVariant,
  options: CifarOptions & { labels?: 'fine' | 'coarse' },
): Promise<Dataset<Cifar100Extra | undefined>> {
  const o = validateConfig(variant === 'cifar10' ? 'loadCifar10' : 'loadCifar100', schema, options);
  if (variant === 'cifar10' && o.labels !== undefined) {
    throw new Error('loadCifar10: the labels option is for CIFAR-100 only (fine or coarse); remove it.');
  }
  const source = CIFAR_SOURCES[variant];
  const downloadOptions = o.download === false ? undefined : o.download === true ? {} : o.download;
  const dir = o.dir ?? downloadOptions?.cacheDir ?? defaultDataDirectory();
  let located = await locate(source, o.split, dir, o.archive);
  if (typeof located === 'string') {
    if (downloadOptions === undefined || o.archive !== undefined) {
      throw new DataFileError(
        'missing',
        o.archive ?? join(dir, source.folder),
        `${source.title} ${o.split} set not found: ${located} ${placementHelp(source, o.split, dir)}`,
      );
    }
    const folder = await downloadCifar(variant, { ...downloadOptions, cacheDir: downloadOptions.cacheDir ?? dir });
    located = { kind: 'files', paths: source.files[o.split].map((f) => join(folder, f)) };
  } else if (located.kind === 'archive' && o.mode === 'disk') {
    throw new DataFileError(
      'missing',
      join(dir, source.folder),
      `${source.title}: mode 'disk' reads the extracted .bin files, but only the archive ${located.path} was found; ` +
        `extract it (tar xzf ${located.path} -C ${dir}) or use mode 'memory'.`,
    );
  }

  const fine = variant === 'cifar10' || (o.labels ?? 'fine') === 'fine';
  const labelNames = variant === 'cifar10' ? CIFAR10_LABEL_NAMES : fine ? CIFAR100_FINE_LABEL_NAMES : CIFAR100_COARSE_LABEL_NAMES;
  const name = `${variant}-${o.split}${variant === 'cifar100' && !fine ? '-coarse' : ''}`;
  const normalization = variant === 'cifar10' ? CIFAR10_NORMALIZATION : CIFAR100_NORMALIZATION;
  const imageShape = [CIFAR_IMAGE_SIZE, CIFAR_IMAGE_SIZE, 3] as const;

  if (o.mode === 'memory') {
    const records = await loadRecords(variant, source, o.split, located, o.checkRecordCounts);
    if (variant === 'cifar10') {
      return arrayDataset({ name, imageShape, images: records.images, labels: records.labels, labelNames, normalization });
    }
    const coarse = records.coarseLabels as Uint8Array;
    const extras = Array.from(records.labels, (f, i) => ({ fine: f, coarse: coarse[i] as number }));
    return arrayDataset<Cifar100Extra>({
      name,
      imageShape,
      images: records.images,
      labels: fine ? records.labels : coarse,
      labelNames,
      normalization,
      extras,
    });
  }

  const { files, starts, count } = await openRecordFiles(
    variant,
    (located as { paths: string[] }).paths,
    o.checkRecordCounts ? (found, file) => checkCifarRecordCount(source, o.split, found, file) : undefined,
  );
  const labelBytes = cifarRecordBytes(variant) - CIFAR_IMAGE_BYTES;
  const dataset: AsyncRandomAccessDataset<Cifar100Extra | undefined> = {
    access: 'async-random',
    name,
    size: count,
    imageShape,
    numClasses: labelNames.length,
    labelNames,
    normalization,
    extraInputs: [],
    async read(index: number) {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`Dataset '${name}': index ${index} is outside [0, ${count}).`);
      }
      let f = starts.length - 1;
      while ((starts[f] as number) > index) f -= 1;
      const file = files[f] as RecordFile;
      const local = index - (starts[f] as number);
      const bytes = await file.read(local);
      const { label, coarseLabel } = readCifarLabels(bytes, 0, variant, file.path, local);
      const image = new Uint8Array(CIFAR_IMAGE_BYTES);
      planarToInterleaved(bytes, labelBytes, image, 0);
      if (variant === 'cifar10') return { image, label };
      const extra = { fine: label, coarse: coarseLabel as number };
      return { image, label: fine ? label : (coarseLabel as number), extra };
    },
    async close() {
      await Promise.all(files.map((f) => f.close()));
    },
  };
  return dataset;
}

/**
 * Loads CIFAR-10 (Krizhevsky, 2009), binary version: 32 x 32 RGB `[32, 32, 3]`, 10 classes
 * (50,000 train in `data_batch_1..5.bin`, 10,000 test in `test_batch.bin`), from a folder, the
 * official `.tar.gz`, or an opt-in download into a cache folder with MD5 verification. Each file
 * must hold the official 10,000 records (unless `checkRecordCounts: false`). File problems
 * (missing, truncated, wrong record size or count, label out of range) throw a
 * {@link DataFileError} naming the file, the problem and the fix.
 */
export function loadCifar10(options?: CifarOptions & { mode?: 'memory' }): Promise<RandomAccessDataset<undefined>>;
export function loadCifar10(options: CifarOptions & { mode: 'disk' }): Promise<AsyncRandomAccessDataset<undefined>>;
export function loadCifar10(options?: CifarOptions): Promise<Dataset<undefined>>;
export async function loadCifar10(options: CifarOptions = {}): Promise<Dataset<undefined>> {
  return (await loadCifar('cifar10', options)) as Dataset<undefined>;
}

/**
 * Loads CIFAR-100 (Krizhevsky, 2009), binary version: 32 x 32 RGB, 100 fine classes (or 20 coarse
 * ones with `labels: 'coarse'`), 50,000 train (`train.bin`) and 10,000 test (`test.bin`), counts
 * that are checked unless `checkRecordCounts: false`. Each sample's `extra` holds both labels.
 * Sources and errors as for {@link loadCifar10}.
 */
export function loadCifar100(options?: Cifar100Options & { mode?: 'memory' }): Promise<RandomAccessDataset<Cifar100Extra>>;
export function loadCifar100(options: Cifar100Options & { mode: 'disk' }): Promise<AsyncRandomAccessDataset<Cifar100Extra>>;
export function loadCifar100(options?: Cifar100Options): Promise<Dataset<Cifar100Extra>>;
export async function loadCifar100(options: Cifar100Options = {}): Promise<Dataset<Cifar100Extra>> {
  return (await loadCifar('cifar100', options)) as Dataset<Cifar100Extra>;
}
