import { validateConfig, z } from '@ait/core';
import { arrayDataset } from '../dataset/array-dataset';
import {
  type AsyncRandomAccessDataset,
  type Dataset,
  type ImageShape,
  type NormalizationStats,
  type RandomAccessDataset,
  type StreamingDataset,
} from '../dataset/dataset';
import { normalizationFromPixels } from '../dataset/normalization-stats';
import { DataFileError } from '../formats/data-file-error';
import { openIdxRecordFile, openIdxStream, readIdxFile } from '../formats/idx-file';
import { type IdxHeader, formatMagic } from '../formats/idx-format';
import { idxDatasetOptionsShape, imageSizeSchema } from './idx-dataset-options';
import { type LoadMode } from './load-mode';

/** Options of {@link loadIdxDataset}. */
export interface IdxDatasetOptions {
  /** Image file: IDX unsigned bytes `[n, H, W]` (magic 0x00000803) or `[n, H, W, C]` (0x00000804), plain or gzip. */
  images: string;
  /** Label file: IDX unsigned bytes `[n]` (magic 0x00000801), plain or gzip. */
  labels: string;
  /** Name of the data set. */
  name: string;
  /** One name per class; its length is the class count, and every label must be below it. */
  labelNames: readonly string[];
  /** Normalisation statistics; computed from (up to 2,000 of) the images when left out. */
  normalization?: NormalizationStats;
  /** `memory` (default), `disk` (uncompressed images only) or `stream`; see {@link LoadMode}. */
  mode?: LoadMode;
  /** Expected `[H, W]`; a file of another size throws (e.g. 28 x 28 for MNIST). */
  imageSize?: readonly [number, number];
  /** Appended to "file not found" errors: where to get the files. */
  hint?: string;
}

const schema = z.strictObject({
  images: z.string('must be a file path').min(1, 'must be a file path'),
  labels: z.string('must be a file path').min(1, 'must be a file path'),
  ...idxDatasetOptionsShape,
  imageSize: imageSizeSchema.optional(),
});

const STATS_SAMPLE = 2000;

function imageShapeOf(h: IdxHeader, file: string, labelsFile: string, expected?: readonly [number, number]): ImageShape {
  if (h.dataType === 'uint8' && h.dims.length === 1) {
    throw new DataFileError(
      'wrong-format',
      file,
      `IDX image file ${file} has magic ${formatMagic(h.magic)} (a 1-d label file); did you swap the images (${file}) ` +
        `and labels (${labelsFile}) paths?`,
    );
  }
  if (h.dataType !== 'uint8' || (h.dims.length !== 3 && h.dims.length !== 4)) {
    throw new DataFileError(
      'wrong-format',
      file,
      `IDX image file ${file} has magic ${formatMagic(h.magic)} (${h.dataType}, ${h.dims.length} dims); images must be ` +
        'unsigned bytes [n, H, W] (magic 0x00000803) or [n, H, W, C] (0x00000804).',
    );
  }
  const shape: ImageShape = [h.dims[1] as number, h.dims[2] as number, (h.dims[3] ?? 1) as number];
  if (expected && (shape[0] !== expected[0] || shape[1] !== expected[1])) {
    throw new DataFileError(
      'mismatch',
      file,
      `IDX image file ${file} holds ${shape[0]} x ${shape[1]} images but ${expected[0]} x ${expected[1]} are expected; ` +
        'it belongs to another data set.',
    );
  }
  return shape;
}

function checkLabelHeader(h: IdxHeader, file: string, imagesFile: string): number {
  if (h.dataType !== 'uint8' || h.dims.length !== 1) {
    const swapped =
      h.dataType === 'uint8' && h.dims.length >= 3
        ? ` It looks like an image file; did you swap the images (${imagesFile}) and labels (${file}) paths?`
        : '';
    throw new DataFileError(
      'wrong-format',
      file,
      `IDX label file ${file} has magic ${formatMagic(h.magic)} (${h.dataType}, ${h.dims.length} dims); labels must be ` +
        `unsigned bytes [n] (magic 0x00000801).${swapped}`,
    );
  }
  return h.dims[0] as number;
}

function checkCounts(images: number, labels: number, imagesFile: string, labelsFile: string): void {
  if (images !== labels) {
    throw new DataFileError(
      'mismatch',
      imagesFile,
      `IDX files do not match: ${imagesFile} holds ${images} images but ${labelsFile} holds ${labels} labels; ` +
        'they must come from the same split.',
    );
  }
  if (images === 0) {
    throw new DataFileError(
      'mismatch',
      imagesFile,
      `IDX image file ${imagesFile} holds no images; use a file of the split that holds them.`,
    );
  }
}

function checkLabels(labels: Uint8Array, numClasses: number, file: string): void {
  const bad = labels.findIndex((label) => label >= numClasses);
  if (bad >= 0) {
    throw new DataFileError(
      'label-out-of-range',
      file,
      `IDX label file ${file}, record ${bad}: label ${labels[bad]} is outside [0, ${numClasses}); the file is corrupt or ` +
        `belongs to another data set (this one has ${numClasses} classes).`,
    );
  }
}

/** Reads up to `limit` records of a stream and returns them as one array (only the bytes read). */
async function firstRecords(records: AsyncGenerator<Uint8Array>, limit: number): Promise<Uint8Array> {
  const got: Uint8Array[] = [];
  let bytes = 0;
  for await (const r of records) {
    got.push(r);
    bytes += r.length;
    if (got.length >= limit) break;
  }
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const r of got) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/**
 * Loads an MNIST-format data set from an IDX image file and an IDX label file (plain or gzip,
 * detected from the bytes). Checks magic numbers, sizes, that the counts agree and that every
 * label is below the class count; every file problem throws a {@link DataFileError} naming the
 * file, the problem and the fix. Returns a random-access
 * data set (`memory`), an async random-access one reading images from disk (`disk`), or a
 * streaming one (`stream`). Images are `[H, W, C]` bytes (`C = 1` for 3-d files).
 */
export function loadIdxDataset(options: IdxDatasetOptions & { mode?: 'memory' }): Promise<RandomAccessDataset<undefined>>;
export function loadIdxDataset(options: IdxDatasetOptions & { mode: 'disk' }): Promise<AsyncRandomAccessDataset<undefined>>;
export function loadIdxDataset(options: IdxDatasetOptions & { mode: 'stream' }): Promise<StreamingDataset<undefined>>;
export function loadIdxDataset(options: IdxDatasetOptions): Promise<Dataset<undefined>>;
export async function loadIdxDataset(options: IdxDatasetOptions): Promise<Dataset<undefined>> {
  const o = validateConfig('loadIdxDataset', schema, options);
  const labelsIdx = await readIdxFile(o.labels, o.hint);
  const n = checkLabelHeader(labelsIdx.header, o.labels, o.images);
  const labels = labelsIdx.data as Uint8Array;
  const numClasses = o.labelNames.length;
  checkLabels(labels, numClasses, o.labels);
  const info = { name: o.name, numClasses, labelNames: o.labelNames, extraInputs: [] as const };

  if (o.mode === 'memory') {
    const imagesIdx = await readIdxFile(o.images, o.hint);
    const imageShape = imageShapeOf(imagesIdx.header, o.images, o.labels, o.imageSize);
    checkCounts(imagesIdx.header.dims[0] as number, n, o.images, o.labels);
    return arrayDataset({
      name: o.name,
      imageShape,
      images: imagesIdx.data as Uint8Array,
      labels,
      labelNames: o.labelNames,
      ...(o.normalization ? { normalization: o.normalization } : {}),
    });
  }

  if (o.mode === 'disk') {
    const file = await openIdxRecordFile(o.images, o.hint);
    try {
      const imageShape = imageShapeOf(file.header, o.images, o.labels, o.imageSize);
      checkCounts(file.count, n, o.images, o.labels);
      let normalization = o.normalization;
      if (!normalization) {
        const k = Math.min(n, STATS_SAMPLE);
        const first = await Promise.all(Array.from({ length: k }, (_, i) => file.read(i)));
        const pixels = new Uint8Array(k * file.recordBytes);
        first.forEach((r, i) => pixels.set(r, i * file.recordBytes));
        normalization = normalizationFromPixels(pixels, imageShape[2]);
      }
      return {
        ...info,
        access: 'async-random',
        size: n,
        imageShape,
        normalization,
        async read(index: number) {
          return { image: await file.read(index), label: labels[index] as number };
        },
        close: () => file.close(),
      };
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  const probe = await openIdxStream(o.images, o.hint);
  let normalization = o.normalization;
  let imageShape: ImageShape;
  try {
    imageShape = imageShapeOf(probe.header, o.images, o.labels, o.imageSize);
    checkCounts(probe.count, n, o.images, o.labels);
    if (!normalization) {
      // Collected record by record: a gzip file's header is not checked against its size up front.
      normalization = normalizationFromPixels(await firstRecords(probe.records, Math.min(n, STATS_SAMPLE)), imageShape[2]);
    }
  } finally {
    await probe.records.return(undefined);
  }
  const images = o.images;
  return {
    ...info,
    access: 'stream',
    size: n,
    imageShape,
    normalization,
    async *stream() {
      const s = await openIdxStream(images);
      checkCounts(s.count, n, images, o.labels);
      let i = 0;
      for await (const image of s.records) {
        yield { image, label: labels[i] as number };
        i += 1;
      }
    },
  };
}
