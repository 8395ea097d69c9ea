import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { validateConfig, z } from '@ait/core';
import { arrayDataset } from '../dataset/array-dataset';
import {
  type AsyncRandomAccessDataset,
  type Dataset,
  type ImageShape,
  type NormalizationStats,
  type RandomAccessDataset,
  imageLength,
} from '../dataset/dataset';
import { IMAGENET_GREY_NORMALIZATION, IMAGENET_NORMALIZATION } from '../dataset/imagenet-normalization';
import { DataFileError } from '../formats/data-file-error';
import { decodeImage } from '../formats/image-decode';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../formats/image-pixel-limit';
import { rgbaToChannels } from '../formats/rgba-to-channels';
import { errorCode } from '../formats/read-data-file';
import { resizeBilinear } from '../formats/resize-bilinear';

/** File extensions {@link loadImageFolder} reads (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Root folder laid out as `root/<class>/<image>.png|jpg|jpeg`. */
  root: string;
  /** Output `[height, width]`; every image is resized to it (bilinear, half-pixel centres). */
  imageSize: readonly [number, number];
  /** 3 (RGB, default; alpha dropped) or 1 (luma). */
  channels?: 1 | 3;
  /** Decode every image now and hold them in memory (random access); default false (decode on each read). */
  preload?: boolean;
  /** Class folders to use, in label order; default every sub-folder, sorted by name. */
  classes?: readonly string[];
  /** Data set name; default the root folder's name. */
  name?: string;
  /** Normalisation statistics; default ImageNet's (or their grey average for 1 channel). */
  normalization?: NormalizationStats;
  /** Images decoded at once while preloading; default 8. */
  concurrency?: number;
  /**
   * Largest image accepted, in pixels (width x height): each file's header (PNG IHDR, JPEG start
   * of frame) is read first, and a larger image is refused with an error, without being decoded.
   * Default {@link DEFAULT_MAX_IMAGE_PIXELS} (4096 x 4096 = 16,777,216 pixels).
   */
  maxImagePixels?: number;
}

/** The extra of an image-folder sample: the file it came from. */
export interface ImageFolderExtra {
  readonly path: string;
}

const schema = z.strictObject({
  root: z.string('must be a folder path').min(1, 'must be a folder path'),
  imageSize: z.tuple([z.number().int().min(1), z.number().int().min(1)], 'must be [height, width]'),
  channels: z.union([z.literal(1), z.literal(3)], { message: 'must be 1 or 3' }).default(3),
  preload: z.boolean().default(false),
  classes: z.array(z.string().min(1)).min(1).optional(),
  name: z.string().optional(),
  normalization: z.custom<NormalizationStats>((v) => typeof v === 'object' && v !== null).optional(),
  concurrency: z.number().int().min(1).default(8),
  maxImagePixels: z.number().int().min(1).default(DEFAULT_MAX_IMAGE_PIXELS),
});

const LIMIT_OPTION = "loadImageFolder's maxImagePixels option";

function isImage(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(file).toLowerCase());
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Lists `root/<class>/<image>` files: classes in order, images sorted by name. */
export async function scanImageFolder(
  root: string,
  classes?: readonly string[],
): Promise<{ classes: string[]; files: { path: string; label: number }[] }> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') throw new Error(`Image folder not found: ${root}. It must be laid out as ${root}/<class>/<image>.png|jpg.`);
    if (code === 'ENOTDIR') throw new Error(`Image folder ${root} is a file, not a folder of class folders.`);
    throw err;
  }
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(byName);
  const chosen = classes ? [...classes] : dirs;
  if (chosen.length === 0) {
    throw new Error(`Image folder ${root} has no class folders; lay it out as ${root}/<class>/<image>.png|jpg.`);
  }
  const missing = chosen.filter((c) => !dirs.includes(c));
  if (missing.length > 0) throw new Error(`Image folder ${root} lacks the class folder(s) ${missing.join(', ')}.`);
  const files: { path: string; label: number }[] = [];
  for (const [label, cls] of chosen.entries()) {
    const names = (await readdir(join(root, cls), { withFileTypes: true }))
      .filter((e) => e.isFile() && isImage(e.name))
      .map((e) => e.name)
      .sort(byName);
    if (names.length === 0) {
      throw new Error(
        `Image folder ${root}: class folder ${cls} holds no ${IMAGE_EXTENSIONS.join('/')} images; add images or remove the folder.`,
      );
    }
    for (const n of names) files.push({ path: join(root, cls, n), label });
  }
  return { classes: chosen, files };
}

/**
 * Reads one image file as `[H, W, C]` bytes at the requested size: decodes PNG or JPEG (see
 * {@link decodeImage}; images above `maxPixels` pixels are refused before decoding), converts
 * to `channels`, resizes bilinearly and rounds to bytes. Failures throw a {@link DataFileError}.
 */
export async function readImageFile(path: string, shape: ImageShape, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const missing = errorCode(err) === 'ENOENT';
    throw new DataFileError(
      missing ? 'missing' : 'unreadable',
      path,
      `Image ${path}: cannot read it (${(err as Error).message}); ${missing ? 'it was removed after the folder was listed' : 'check that it is a readable file'}.`,
      { cause: err },
    );
  }
  const decoded = decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, {
    maxPixels,
    limitOption: LIMIT_OPTION,
  });
  const [h, w, c] = shape;
  const pixels = rgbaToChannels(decoded.data, c as 1 | 3);
  if (decoded.height === h && decoded.width === w) return pixels;
  const resized = resizeBilinear(pixels, [decoded.height, decoded.width, c], h, w);
  const out = new Uint8Array(resized.length);
  for (let i = 0; i < resized.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(resized[i] as number)));
  return out;
}

/**
 * Loads an image-folder data set (`root/<class>/<image>.png|jpg`, e.g. Oxford-IIIT Pet sorted by
 * breed): labels follow the class folders in sorted order (or `classes`), images are decoded
 * with `pngjs` / `jpeg-js` and resized to `imageSize`. By default images are decoded on each read
 * (async random access, for folders larger than memory); `preload: true` decodes them all now.
 * Each header is checked before decoding: an image above `maxImagePixels` (default 4096 x 4096)
 * is refused. A file that cannot be decoded throws a {@link DataFileError} naming it.
 */
export function loadImageFolder(options: ImageFolderOptions & { preload: true }): Promise<RandomAccessDataset<ImageFolderExtra>>;
export function loadImageFolder(options: ImageFolderOptions & { preload?: false }): Promise<AsyncRandomAccessDataset<ImageFolderExtra>>;
export function loadImageFolder(options: ImageFolderOptions): Promise<Dataset<ImageFolderExtra>>;
export async function loadImageFolder(options: ImageFolderOptions): Promise<Dataset<ImageFolderExtra>> {
  const o = validateConfig('loadImageFolder', schema, options);
  const { classes, files } = await scanImageFolder(o.root, o.classes);
  const imageShape: ImageShape = [o.imageSize[0], o.imageSize[1], o.channels];
  const name = o.name ?? basename(o.root);
  const normalization = o.normalization ?? (o.channels === 3 ? IMAGENET_NORMALIZATION : IMAGENET_GREY_NORMALIZATION);
  if (o.preload) {
    const per = imageLength(imageShape);
    const images = new Uint8Array(files.length * per);
    let next = 0;
    const failures = new Map<number, unknown>();
    const worker = async (): Promise<void> => {
      while (next < files.length && failures.size === 0) {
        const i = next++;
        try {
          images.set(await readImageFile((files[i] as { path: string }).path, imageShape, o.maxImagePixels), i * per);
        } catch (err) {
          failures.set(i, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, files.length) }, worker));
    // Files are taken in order, so the lowest failing index is the first bad file, whatever the timing.
    if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
    return arrayDataset<ImageFolderExtra>({
      name,
      imageShape,
      images,
      labels: files.map((f) => f.label),
      labelNames: classes,
      normalization,
      extras: files.map((f) => ({ path: f.path })),
    });
  }
  return {
    access: 'async-random',
    name,
    size: files.length,
    imageShape,
    numClasses: classes.length,
    labelNames: classes,
    normalization,
    extraInputs: [],
    async read(index: number) {
      const f = files[index];
      if (f === undefined) throw new RangeError(`Dataset '${name}': index ${index} is outside [0, ${files.length}).`);
      return { image: await readImageFile(f.path, imageShape, o.maxImagePixels), label: f.label, extra: { path: f.path } };
    },
  };
}
