import { validateConfig, z } from '@ait/core';
import { checkLabel } from '../dataset/check-sample';
import { type AsyncRandomAccessDataset, type RandomAccessDataset, type Sample } from '../dataset/dataset';
import { TRIANGLE_IMAGE_SIZE, TRIANGLE_LABEL_NAMES, type Point, type TriangleScene, renderTriangle, sampleTriangle } from './triangle';
import { TRIANGLE_NORMALIZATION, TRIANGLE_SPLIT_SIZES } from './triangle-dataset';
import { SYNTHETIC_FORMAT, type SyntheticManifest } from './synthetic-manifest';
import { readManifest } from './synthetic-manifest-file';
import { type SyntheticSplit, countSchema, exampleRng, seedSchema, splitSchema } from './synthetic-options';
import { memoryRecord, openSetFiles, readRecord, setDataset, writeSetFiles } from './synthetic-set-files';

/** IDX files of a written Triangle set. */
export const TRIANGLE_FILES = {
  images: 'images.idx',
  labels: 'labels.idx',
  vertices: 'vertices.idx',
  points: 'points.idx',
} as const;

/** Options of {@link writeTriangleSet}. */
export interface WriteTriangleSetOptions {
  /** Split; default `train`. */
  split?: SyntheticSplit;
  /** Number of examples; default 50,000 (train) or 10,000 (test). */
  size?: number;
  /** Seed; default 0. The written set equals `triangleDataset` with the same split, size and seed. */
  seed?: number | string;
  /** Called after every 1,000 examples and at the end with (written, total). */
  onProgress?: (written: number, total: number) => void;
}

const writeSchema = z.strictObject({
  split: splitSchema.default('train'),
  size: countSchema.optional(),
  seed: seedSchema.default(0),
  onProgress: z.custom<(written: number, total: number) => void>((v) => typeof v === 'function').optional(),
});

/**
 * Generates a Triangle set and writes it into folder `dir` in streaming fashion (one example at a
 * time; memory use does not grow with the size). The folder then holds, as uncompressed IDX
 * files of unsigned bytes: `images.idx` `[n, 64, 64]`, `labels.idx` `[n]`, `vertices.idx`
 * `[n, 3, 2]` (x, y of p1, p2, p3), `points.idx` `[n, 24, 2]` (the drawn cluster points), and
 * last `manifest.json`. Returns the manifest.
 */
export async function writeTriangleSet(dir: string, options: WriteTriangleSetOptions = {}): Promise<SyntheticManifest> {
  const o = validateConfig('writeTriangleSet', writeSchema, options);
  const n = o.size ?? TRIANGLE_SPLIT_SIZES[o.split];
  const s = TRIANGLE_IMAGE_SIZE;
  const manifest = {
    format: SYNTHETIC_FORMAT,
    version: 1,
    task: 'triangle',
    split: o.split,
    seed: o.seed,
    count: n,
    labelNames: [...TRIANGLE_LABEL_NAMES],
    files: { ...TRIANGLE_FILES },
  } as const;
  const dims = { images: [n, s, s], labels: [n], vertices: [n, 3, 2], points: [n, 24, 2] };
  return writeSetFiles(dir, manifest, dims, { every: 1000, onProgress: o.onProgress }, async (i, w) => {
    const scene = sampleTriangle(exampleRng('triangle', o.split, o.seed, i));
    await w.images.append(renderTriangle(scene, 1));
    await w.labels.append(Uint8Array.of(scene.label));
    await w.vertices.append(Uint8Array.from(scene.vertices.flat()));
    await w.points.append(Uint8Array.from(scene.points.flat()));
  });
}

/** Options of {@link openTriangleSet}. */
export interface OpenTriangleSetOptions {
  /** `memory` (default: read all files) or `disk` (read examples on demand). */
  mode?: 'memory' | 'disk';
  /** 1 (default) or 3 channels. */
  channels?: 1 | 3;
}

const openSchema = z.strictObject({
  mode: z.enum(['memory', 'disk'], 'must be "memory" or "disk"').default('memory'),
  channels: z.union([z.literal(1), z.literal(3)], { message: 'must be 1 or 3' }).default(1),
});

function pairs(bytes: Uint8Array): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < bytes.length; i += 2) out.push([bytes[i] as number, bytes[i + 1] as number]);
  return out;
}

function toChannels(image: Uint8Array, channels: 1 | 3): Uint8Array {
  if (channels === 1) return image;
  const out = new Uint8Array(image.length * 3);
  for (let i = 0; i < image.length; i++) out.fill(image[i] as number, 3 * i, 3 * i + 3);
  return out;
}

/**
 * Opens a Triangle set written by {@link writeTriangleSet}. Checks the manifest and that every
 * file has the shape it implies; errors name the file and the problem. Samples carry their
 * {@link TriangleScene} as `extra`.
 */
export function openTriangleSet(
  dir: string,
  options?: OpenTriangleSetOptions & { mode?: 'memory' },
): Promise<RandomAccessDataset<TriangleScene>>;
export function openTriangleSet(
  dir: string,
  options: OpenTriangleSetOptions & { mode: 'disk' },
): Promise<AsyncRandomAccessDataset<TriangleScene>>;
export function openTriangleSet(
  dir: string,
  options?: OpenTriangleSetOptions,
): Promise<RandomAccessDataset<TriangleScene> | AsyncRandomAccessDataset<TriangleScene>>;
export async function openTriangleSet(
  dir: string,
  options: OpenTriangleSetOptions = {},
): Promise<RandomAccessDataset<TriangleScene> | AsyncRandomAccessDataset<TriangleScene>> {
  const o = validateConfig('openTriangleSet', openSchema, options);
  const m = await readManifest(dir, 'triangle', 'writeTriangleSet');
  const n = m.count;
  const s = TRIANGLE_IMAGE_SIZE;
  const { files, paths, close } = await openSetFiles(dir, m, TRIANGLE_FILES, {
    images: { dims: [n, s, s], mode: o.mode },
    labels: { dims: [n], mode: 'memory' },
    vertices: { dims: [n, 3, 2], mode: o.mode },
    points: { dims: [n, 24, 2], mode: o.mode },
  });
  const { images, labels, vertices, points } = files;
  const labelBytes = labels.kind === 'memory' ? labels.data : new Uint8Array(0);
  labelBytes.forEach((l, i) => checkLabel(l, 2, `${paths.labels}, record ${i}`));
  const datasetName = `triangle-${m.split}`;
  const assemble = (i: number, image: Uint8Array, v: Uint8Array, p: Uint8Array): Sample<TriangleScene> => {
    const label = labelBytes[i] as 0 | 1;
    const [p1, p2, p3] = pairs(v) as [Point, Point, Point];
    const scene: TriangleScene = { label, vertices: [p1, p2, p3], points: pairs(p) };
    return { image: toChannels(image, o.channels), label, extra: scene };
  };
  const info = {
    name: datasetName,
    size: n,
    imageShape: [s, s, o.channels] as const,
    numClasses: 2,
    labelNames: m.labelNames,
    normalization: {
      mean: Array.from({ length: o.channels }, () => TRIANGLE_NORMALIZATION.mean[0] as number),
      std: Array.from({ length: o.channels }, () => TRIANGLE_NORMALIZATION.std[0] as number),
    },
    extraInputs: [] as const,
    close,
  };
  return setDataset(
    info,
    o.mode,
    (i) => assemble(i, memoryRecord(images, i), memoryRecord(vertices, i), memoryRecord(points, i)),
    async (i) => {
      const [image, v, p] = await Promise.all([readRecord(images, i), readRecord(vertices, i), readRecord(points, i)]);
      return assemble(i, image, v, p);
    },
  );
}
