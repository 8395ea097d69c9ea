import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  computeNormalizationStats,
  datasetSamples,
  decodeIdx,
  encodeIdx,
  loadIdxDataset,
  loadMnistFormat,
  openIdxStream,
  readIdxFile,
  type Sample,
} from '../src/index';
import { idxBytes } from './helpers/idx-fixture';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('idx');
afterAll(() => temp.cleanup());

const N = 7;
const H = 5;
const W = 4;
const pixels = Array.from({ length: N * H * W }, (_, i) => (i * 37 + 11) % 256);
const labels = Array.from({ length: N }, (_, i) => (i * 3) % 10);
const names = Array.from({ length: 10 }, (_, i) => `c${i}`);

async function writeSet(dir: string, gzip: boolean, prefix = 'train'): Promise<{ images: string; labels: string }> {
  const ext = gzip ? '.gz' : '';
  const pack = (b: Buffer): Buffer => (gzip ? gzipSync(b) : b);
  const images = join(dir, `${prefix}-images-idx3-ubyte${ext}`);
  const labelsPath = join(dir, `${prefix}-labels-idx1-ubyte${ext}`);
  await writeFile(images, pack(idxBytes('uint8', [N, H, W], pixels)));
  await writeFile(labelsPath, pack(idxBytes('uint8', [N], labels)));
  return { images, labels: labelsPath };
}

async function collect(ds: Parameters<typeof datasetSamples>[0]): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of datasetSamples(ds)) out.push(s);
  return out;
}

describe('IDX format', () => {
  it('decodes every element type big-endian, and encodes what it decodes', () => {
    const cases = [
      ['uint8', [2, 3], [0, 1, 2, 200, 254, 255]],
      ['int8', [4], [-128, -1, 0, 127]],
      ['int16', [2, 2], [-32768, -2, 513, 32767]],
      ['int32', [3], [-2147483648, 65536, 2147483647]],
      ['float32', [2], [1.5, -0.25]],
      ['float64', [1, 1, 2], [Math.PI, -1e300]],
    ] as const;
    for (const [type, dims, values] of cases) {
      const bytes = idxBytes(type, [...dims], values);
      const { header, data } = decodeIdx(new Uint8Array(bytes), 'fixture');
      expect(header.dataType).toBe(type);
      expect(header.dims).toEqual(dims);
      expect(Array.from(data)).toEqual(values);
      expect(Buffer.from(encodeIdx(type, dims, values)).equals(bytes)).toBe(true);
    }
  });

  it('rejects bad magic, truncated headers or data, and trailing bytes, naming the file', () => {
    const good = idxBytes('uint8', [2, 2], [1, 2, 3, 4]);
    expect(() => decodeIdx(new Uint8Array([0, 0]), 'a.idx')).toThrow(/IDX file a\.idx: truncated; it has 2 bytes/);
    expect(() => decodeIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), 'b.idx')).toThrow(/b\.idx: bad magic number 0x01000801/);
    expect(() => decodeIdx(new Uint8Array([0, 0, 7, 1, 0, 0, 0, 0]), 'c.idx')).toThrow(/bad magic number 0x00000701/);
    expect(() => decodeIdx(new Uint8Array(good.subarray(0, 10)), 'd.idx')).toThrow(/d\.idx: truncated header/);
    expect(() => decodeIdx(new Uint8Array(good.subarray(0, 13)), 'e.idx')).toThrow(/e\.idx: truncated; .*\[2, 2\].*has 13 bytes/);
    expect(() => decodeIdx(new Uint8Array(Buffer.concat([good, Buffer.from([9])])), 'f.idx')).toThrow(/f\.idx: 1 unexpected bytes/);
    expect(() => decodeIdx(new Uint8Array(gzipSync(good)), 'g.gz')).toThrow(/looks gzip-compressed/);
  });

  it('reads plain and gzip files alike and reports corrupt gzip', async () => {
    const dir = await temp.make();
    const { images } = await writeSet(dir, true);
    const idx = await readIdxFile(images);
    expect(idx.header.dims).toEqual([N, H, W]);
    expect(Array.from(idx.data)).toEqual(pixels);
    const gz = gzipSync(idxBytes('uint8', [N, H, W], pixels));
    await writeFile(join(dir, 'cut.gz'), gz.subarray(0, gz.length - 30));
    await expect(readIdxFile(join(dir, 'cut.gz'))).rejects.toThrow(/cut\.gz is not a valid gzip file or is truncated/);
    const bad = Buffer.from(gz);
    bad.fill(0x55, 12, 40);
    await writeFile(join(dir, 'bad.gz'), bad);
    await expect(readIdxFile(join(dir, 'bad.gz'))).rejects.toThrow(/bad\.gz is not a valid gzip file/);
    await expect(readIdxFile(join(dir, 'none.idx'), 'Get it from X.')).rejects.toThrow(/IDX file not found: .*none\.idx\. Get it from X\./);
  });
});

describe('loadIdxDataset', () => {
  it('gives the same samples in memory, disk and stream modes, from plain and gzip files', async () => {
    const dir = await temp.make();
    const plain = await writeSet(dir, false);
    const gzDir = await temp.make();
    const gz = await writeSet(gzDir, true);
    const expected = labels.map((label, i) => ({ label, image: pixels.slice(i * H * W, (i + 1) * H * W) }));
    const variants = [
      await loadIdxDataset({ ...plain, name: 'p', labelNames: names }),
      await loadIdxDataset({ ...plain, name: 'p', labelNames: names, mode: 'disk' }),
      await loadIdxDataset({ ...plain, name: 'p', labelNames: names, mode: 'stream' }),
      await loadIdxDataset({ ...gz, name: 'g', labelNames: names }),
      await loadIdxDataset({ ...gz, name: 'g', labelNames: names, mode: 'stream' }),
    ];
    for (const ds of variants) {
      expect(ds.size).toBe(N);
      expect(ds.imageShape).toEqual([H, W, 1]);
      expect(ds.numClasses).toBe(10);
      const got = (await collect(ds)).map((s) => ({ label: s.label, image: Array.from(s.image) }));
      expect(got).toEqual(expected);
      // Twice: a stream can be read again.
      expect((await collect(ds)).length).toBe(N);
      await ds.close?.();
    }
    // Normalisation computed from the pixels (independent float64 sums).
    const mean = pixels.reduce((a, v) => a + v / 255, 0) / pixels.length;
    const std = Math.sqrt(pixels.reduce((a, v) => a + (v / 255 - mean) ** 2, 0) / pixels.length);
    for (const ds of variants) {
      expect(ds.normalization.mean[0]).toBeCloseTo(mean, 6);
      expect(ds.normalization.std[0]).toBeCloseTo(std, 6);
    }
    const stats = await computeNormalizationStats(variants[0] as (typeof variants)[0]);
    expect(stats.mean[0]).toBeCloseTo(mean, 6);
  });

  it('finds MNIST-format files in a folder, plain or gzip, and says what is missing', async () => {
    const dir = await temp.make();
    await writeSet(dir, true, 't10k');
    const ds = await loadMnistFormat({ dir, split: 'test', name: 'kmnist', labelNames: names, imageSize: [H, W] });
    expect(ds.name).toBe('kmnist-test');
    expect(ds.size).toBe(N);
    await expect(loadMnistFormat({ dir, split: 'train', name: 'x', labelNames: names, hint: 'Fetch them.' })).rejects.toThrow(
      /MNIST-format train files not found: .* lacks train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\]\. Fetch them\./,
    );
    await expect(loadMnistFormat({ dir, split: 'test', name: 'x', labelNames: names })).rejects.toThrow(
      /holds 5 x 4 images but 28 x 28 are expected/,
    );
  });

  it('reports mismatched, swapped, out-of-range and truncated files by name', async () => {
    const dir = await temp.make();
    const { images, labels: labelsPath } = await writeSet(dir, false);
    const base = { name: 't', labelNames: names };
    // Swapped paths.
    await expect(loadIdxDataset({ ...base, images: labelsPath, labels: images })).rejects.toThrow(
      /labels must be unsigned bytes \[n\].*did you swap the images/,
    );
    // Count mismatch.
    const short = join(dir, 'short-labels');
    await writeFile(short, idxBytes('uint8', [N - 1], labels.slice(1)));
    await expect(loadIdxDataset({ ...base, images, labels: short })).rejects.toThrow(
      /IDX files do not match: .*holds 7 images but .*short-labels holds 6 labels/,
    );
    // Label out of range for the class count.
    await expect(loadIdxDataset({ ...base, images, labels: labelsPath, labelNames: ['a', 'b', 'c'] })).rejects.toThrow(
      /train-labels-idx1-ubyte, record 1: label 3 is outside \[0, 3\)/,
    );
    // Wrong element type for images.
    const floats = join(dir, 'float-images');
    await writeFile(floats, idxBytes('float32', [N, H, W], pixels));
    await expect(loadIdxDataset({ ...base, images: floats, labels: labelsPath })).rejects.toThrow(
      /float-images has magic 0x00000d03 \(float32, 3 dims\); images must be unsigned bytes/,
    );
    // Truncated image file in each mode: a plain file is checked against its header when opened.
    const cut = join(dir, 'cut-images');
    await writeFile(cut, idxBytes('uint8', [N, H, W], pixels).subarray(0, 50));
    for (const mode of ['memory', 'disk', 'stream'] as const) {
      await expect(loadIdxDataset({ ...base, images: cut, labels: labelsPath, mode })).rejects.toThrow(
        /cut-images: truncated; its header announces dims \[7, 5, 4\] of uint8 \(156 bytes in all\) but it has 50 bytes/,
      );
    }
    // A gzip stream holds no size up front: the stream stops at the missing record.
    const cutGz = join(dir, 'cut-images.gz');
    await writeFile(cutGz, gzipSync(idxBytes('uint8', [N, H, W], pixels).subarray(0, 50)));
    const stream = await loadIdxDataset({
      ...base,
      images: cutGz,
      labels: labelsPath,
      mode: 'stream',
      normalization: { mean: [0], std: [1] },
    });
    await expect(collect(stream)).rejects.toThrow(/cut-images\.gz: truncated; .* ends inside record 1/);
    // Disk mode cannot seek in gzip.
    const gzDir = await temp.make();
    const gz = await writeSet(gzDir, true);
    await expect(loadIdxDataset({ ...base, ...gz, mode: 'disk' })).rejects.toThrow(/gzip-compressed, which allows no random access/);
  });

  it('streams records of a gzip file without reading it whole', async () => {
    const dir = await temp.make();
    const { images } = await writeSet(dir, true);
    const s = await openIdxStream(images);
    expect(s.count).toBe(N);
    expect(s.recordBytes).toBe(H * W);
    const first = await s.records.next();
    expect(Array.from(first.value as Uint8Array)).toEqual(pixels.slice(0, H * W));
    await s.records.return(undefined);
  });

  it.skipIf(!existsSync('/proc/self/fd'))('closes the file when a stream is stopped before its first record', async () => {
    const dir = await temp.make();
    const { images, labels: labelsPath } = await writeSet(dir, false);
    const openFiles = (): number => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    for (let i = 0; i < 10; i++) {
      const s = await openIdxStream(images);
      await s.records.return(undefined);
      // Stream mode with given statistics never reads the probe's records.
      await loadIdxDataset({
        images,
        labels: labelsPath,
        name: 's',
        labelNames: names,
        mode: 'stream',
        normalization: { mean: [0], std: [1] },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFiles()).toBeLessThanOrEqual(before);
  });
});
