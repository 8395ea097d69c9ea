// Property-based fuzzing of the readers with fast-check: valid files are mutated (truncated,
// bytes set or flipped, extended, header lengths and shapes forged) and every outcome must be
// either a consistent result no larger than the file allows or a DataFileError naming the file,
// never a raw RangeError / TypeError, an out-of-memory or a hang. Seeded, so every run is the same.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_IMAGE_PIXELS,
  DataFileError,
  type Dataset,
  datasetSamples,
  decodeIdx,
  decodeImage,
  loadCifar10,
  loadIdxDataset,
  parseCifarRecords,
} from '../src/index';
import { cifarBytes, fixtureImages } from './helpers/cifar-fixture';
import { idxBytes } from './helpers/idx-fixture';
import { jpegSofOffset, withJpegSize, withPngSize } from './helpers/image-bytes';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('fuzz');
afterAll(() => temp.cleanup());

/** A change to a file's bytes; positions are taken modulo the length. */
type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'extend'; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'u32'; at: number; value: number }
  | { op: 'u16'; at: number; value: number };

/** Sizes that break arithmetic: zero, one, powers of two around 2^16 and 2^31, the 32-bit maximum. */
const extreme = fc.oneof(
  fc.constantFrom(0, 1, 2, 255, 256, 65_535, 65_536, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff),
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc.integer({ min: 0, max: 64 }),
);

const genericMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
);

/** Forges a big-endian 32-bit field at one of `offsets` (header lengths, dimensions, sizes). */
const forgeU32 = (offsets: readonly number[]): fc.Arbitrary<Mutation> =>
  fc.record({ op: fc.constant('u32' as const), at: fc.constantFrom(...offsets), value: extreme });
const forgeU16 = (offsets: readonly number[]): fc.Arbitrary<Mutation> =>
  fc.record({ op: fc.constant('u16' as const), at: fc.constantFrom(...offsets), value: extreme.map((v) => v & 0xffff) });
const forgeByte = (offsets: readonly number[]): fc.Arbitrary<Mutation> =>
  fc.record({ op: fc.constant('set' as const), at: fc.constantFrom(...offsets), value: fc.integer({ min: 0, max: 255 }) });

function mutate(original: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(original);
  for (const m of mutations) {
    const len = b.length;
    switch (m.op) {
      case 'truncate':
        b = b.subarray(0, m.at % (len + 1));
        break;
      case 'set':
        if (len > 0) b[m.at % len] = m.value;
        break;
      case 'flip':
        if (len > 0) b[m.at % len] = (b[m.at % len] as number) ^ (1 << m.bit);
        break;
      case 'extend':
        b = Buffer.concat([b, m.bytes]);
        break;
      case 'delete': {
        const at = len === 0 ? 0 : m.at % len;
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
      }
      case 'u32':
        if (m.at + 4 <= len) b.writeUInt32BE(m.value >>> 0, m.at);
        break;
      case 'u16':
        if (m.at + 2 <= len) b.writeUInt16BE(m.value & 0xffff, m.at);
        break;
    }
  }
  return Buffer.from(b);
}

/** Asserts that `err` is a DataFileError about `file` whose message names it. */
function expectNamedError(err: unknown, file: string): void {
  if (!(err instanceof DataFileError)) {
    throw new Error(`expected a DataFileError about ${file}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  expect(err.message).toContain(file);
}

/** Growth of the process's peak resident memory while `run` runs, in MiB (0 if the old peak was higher). */
async function peakGrowthMiB(run: () => unknown): Promise<number> {
  const before = process.resourceUsage().maxRSS; // KiB on every platform (libuv normalises it)
  await run();
  return (process.resourceUsage().maxRSS - before) / 1024;
}

/**
 * Most that the peak memory may grow during a property: the mutated files are a few KiB, so
 * whatever a reader allocates for them is small; only a reader that believes a forged size grows
 * it by gigabytes (the PNG reader before the header check: +2.9 GiB on this property).
 */
const PEAK_GROWTH_LIMIT_MIB = 256;

async function drain(ds: Dataset): Promise<number> {
  let n = 0;
  try {
    for await (const s of datasetSamples(ds)) n += s.image.length > 0 ? 1 : 0;
  } finally {
    await ds.close?.();
  }
  return n;
}

const mutationsOf = (forged: fc.Arbitrary<Mutation>): fc.Arbitrary<Mutation[]> =>
  fc.array(fc.oneof({ arbitrary: genericMutation, weight: 2 }, { arbitrary: forged, weight: 2 }), { minLength: 1, maxLength: 3 });

describe('untrusted files: IDX', () => {
  const N = 6;
  const images = idxBytes(
    'uint8',
    [N, 5, 4],
    Array.from({ length: N * 20 }, (_, i) => (i * 37) % 256),
  );
  const labels = idxBytes(
    'uint8',
    [N],
    Array.from({ length: N }, (_, i) => i % 10),
  );
  const typed = idxBytes('int16', [3, 2], [1, -2, 3, -4, 5, -6]);
  // The type and rank bytes, and the dimension fields of a rank-3 header.
  const idxForge = fc.oneof(forgeByte([2, 3]), forgeU32([4, 8, 12]));

  it('decodeIdx: a consistent array no larger than the file, or a DataFileError', async () => {
    const growth = await peakGrowthMiB(() =>
      fc.assert(
        fc.property(fc.constantFrom(images, labels, typed), mutationsOf(idxForge), (file, mutations) => {
          const bytes = mutate(file, mutations);
          try {
            const { header, data } = decodeIdx(bytes, 'fuzz.idx');
            expect(data.length).toBe(header.dims.reduce((a, b) => a * b, 1));
            expect(data.byteLength).toBeLessThanOrEqual(bytes.length);
          } catch (err) {
            expectNamedError(err, 'fuzz.idx');
          }
        }),
        { seed: 22_071, numRuns: 400 },
      ),
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_LIMIT_MIB);
  });

  it('loadIdxDataset in every mode, plain or gzip: samples or a DataFileError', async () => {
    const dir = await temp.make();
    let run = 0;
    const growth = await peakGrowthMiB(() =>
      fc.assert(
        fc.asyncProperty(
          mutationsOf(idxForge),
          fc.boolean(),
          fc.constantFrom('memory', 'disk', 'stream'),
          fc.boolean(),
          async (mutations, mutateLabels, mode, gzip) => {
            run += 1;
            const imagesPath = join(dir, `images-${run}`);
            const labelsPath = join(dir, `labels-${run}`);
            const pack = (b: Buffer): Buffer => (gzip ? gzipSync(b) : b);
            await writeFile(imagesPath, pack(mutateLabels ? Buffer.from(images) : mutate(images, mutations)));
            await writeFile(labelsPath, pack(mutateLabels ? mutate(labels, mutations) : Buffer.from(labels)));
            const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
            try {
              const ds = await loadIdxDataset({ images: imagesPath, labels: labelsPath, name: 'fuzz', labelNames: names, mode });
              expect(await drain(ds)).toBe(ds.size);
            } catch (err) {
              expectNamedError(err, dir);
            }
          },
        ),
        { seed: 22_072, numRuns: 150 },
      ),
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_LIMIT_MIB);
  });
});

describe('untrusted files: CIFAR', () => {
  const cifar10 = cifarBytes(fixtureImages(3, 5, 10), 'cifar10');
  const cifar100 = cifarBytes(fixtureImages(2, 6, 100, 20), 'cifar100');
  // Label bytes of each record, and cuts at record boundaries.
  const cifarForge: fc.Arbitrary<Mutation> = fc.oneof(
    forgeByte([0, 1, 3073, 3074, 3075, 6146, 6148]),
    fc.record({ op: fc.constant('truncate' as const), at: fc.constantFrom(0, 3073, 3074, 6146, 6148) }),
  );

  it('parseCifarRecords: records that fit the file, or a DataFileError', async () => {
    const growth = await peakGrowthMiB(() =>
      fc.assert(
        fc.property(fc.constantFrom('cifar10', 'cifar100'), fc.boolean(), mutationsOf(cifarForge), (variant, swap, mutations) => {
          const source = (variant === 'cifar10') !== swap ? cifar10 : cifar100;
          const bytes = mutate(source, mutations);
          try {
            const records = parseCifarRecords(bytes, variant, 'fuzz.bin');
            expect(records.images.length).toBe(records.count * 3072);
            expect(records.images.length).toBeLessThanOrEqual(bytes.length);
            expect(Math.max(0, ...records.labels)).toBeLessThan(variant === 'cifar10' ? 10 : 100);
          } catch (err) {
            expectNamedError(err, 'fuzz.bin');
          }
        }),
        { seed: 22_091, numRuns: 300 },
      ),
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_LIMIT_MIB);
  });

  it('loadCifar10 in memory and disk modes, counts checked or not: samples or a DataFileError', async () => {
    const dir = await temp.make();
    let run = 0;
    const growth = await peakGrowthMiB(() =>
      fc.assert(
        fc.asyncProperty(
          mutationsOf(cifarForge),
          fc.constantFrom('memory', 'disk'),
          fc.boolean(),
          async (mutations, mode, checkRecordCounts) => {
            run += 1;
            const folder = join(dir, `${run}`);
            await mkdir(folder);
            await writeFile(join(folder, 'test_batch.bin'), mutate(cifar10, mutations));
            try {
              const ds = await loadCifar10({ dir: folder, split: 'test', mode, checkRecordCounts });
              expect(await drain(ds)).toBe(ds.size);
            } catch (err) {
              expectNamedError(err, join(folder, 'test_batch.bin'));
            }
          },
        ),
        { seed: 22_092, numRuns: 100 },
      ),
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_LIMIT_MIB);
  });
});

describe('untrusted files: PNG and JPEG decoders', () => {
  function png(width: number, height: number, colorType: 0 | 2 | 6): Buffer {
    const p = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
    for (let i = 0; i < p.data.length; i++) p.data[i] = (i * 29) % 256;
    return PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true });
  }
  function jpg(width: number, height: number): Buffer {
    const data = Buffer.alloc(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
    return jpeg.encode({ width, height, data }, 80).data;
  }
  const pngs = [png(7, 5, 6), png(16, 3, 2), png(4, 9, 0)];
  const jpgs = [jpg(9, 7), jpg(17, 16)];

  /** The decoded image is what the header says, within the default pixel limit. */
  function checkDecoded(bytes: Uint8Array, file: string): void {
    try {
      const img = decodeImage(bytes, file);
      expect(img.data.length).toBe(img.width * img.height * 4);
      expect(img.width * img.height).toBeLessThanOrEqual(DEFAULT_MAX_IMAGE_PIXELS);
    } catch (err) {
      expectNamedError(err, file);
    }
  }

  it('PNG: forged IHDR sizes (CRC fixed), flipped and cut bytes: an image or a DataFileError', async () => {
    // IHDR width / height with a valid CRC, so the forged size gets past the chunk check.
    const forgedSize = fc.record({ w: extreme, h: extreme });
    const growth = await peakGrowthMiB(() =>
      fc.assert(
        fc.property(
          fc.constantFrom(...pngs),
          fc.option(forgedSize, { nil: undefined }),
          fc.array(fc.oneof(genericMutation, forgeByte([24, 25, 26, 27, 28]), forgeU32([8, 33, 37])), { maxLength: 3 }),
          (source, size, mutations) => {
            const sized = size ? withPngSize(source, size.w, size.h) : source;
            checkDecoded(mutate(sized, mutations), 'fuzz.png');
          },
        ),
        { seed: 22_007, numRuns: 400 },
      ),
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_LIMIT_MIB);
  });

  it('JPEG: forged frame sizes and segment lengths, flipped and cut bytes: an image or a DataFileError', async () => {
    const offsets = jpgs.map((j) => jpegSofOffset(j));
    const growth = await peakGrowthMiB(() =>
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: jpgs.length - 1 }),
          fc.option(fc.record({ w: extreme, h: extreme }), { nil: undefined }),
          fc.array(fc.oneof(genericMutation, forgeU16([4, 20, 22, 24])), { maxLength: 3 }),
          (k, size, mutations) => {
            const source = jpgs[k] as Buffer;
            const sized = size ? withJpegSize(source, size.w, size.h) : source;
            // Also forge the frame's own segment length and component count.
            const sof = offsets[k] as number;
            const more: Mutation[] = mutations.map((m) => (m.op === 'u16' && m.at === 24 ? { ...m, at: sof + 2 } : m));
            checkDecoded(mutate(sized, more), 'fuzz.jpg');
          },
        ),
        { seed: 22_008, numRuns: 400 },
      ),
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_LIMIT_MIB);
  });
});
