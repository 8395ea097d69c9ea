import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IMAGE_PIXELS, DataFileError, decodeImage, loadImageFolder, resizeBilinear } from '../src/index';
import { forgedPng, withJpegSize } from './helpers/image-bytes';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('images');
afterAll(() => temp.cleanup());

/** A w x h RGBA PNG whose pixel (x, y) is (10x, 20y, x + y, 255 or alpha). */
function pngFile(w: number, h: number, alpha = 255): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) png.data.set([10 * x, 20 * y, x + y, alpha], 4 * (y * w + x));
  }
  return PNG.sync.write(png);
}

function greyPng(w: number, h: number, value: (x: number, y: number) => number): Buffer {
  const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  const data = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = value(x, y);
  (png as unknown as { data: Buffer }).data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

function flatJpeg(w: number, h: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) data.set([...rgb, 255], 4 * p);
  return jpeg.encode({ width: w, height: h, data }, 95).data;
}

async function folder(): Promise<string> {
  const root = await temp.make();
  await mkdir(join(root, 'cat'));
  await mkdir(join(root, 'dog'));
  await writeFile(join(root, 'cat', 'b.png'), pngFile(6, 4));
  await writeFile(join(root, 'cat', 'a.PNG'), pngFile(6, 4, 10));
  await writeFile(join(root, 'cat', 'notes.txt'), 'ignored');
  await writeFile(join(root, 'dog', 'x.jpg'), flatJpeg(6, 4, [200, 40, 90]));
  return root;
}

describe('loadImageFolder', () => {
  it('labels class folders in sorted order, decodes PNG exactly and JPEG closely, keeps files in name order', async () => {
    const root = await folder();
    const ds = await loadImageFolder({ root, imageSize: [4, 6] });
    expect(ds.access).toBe('async-random');
    expect(ds.labelNames).toEqual(['cat', 'dog']);
    expect(ds.size).toBe(3);
    expect(ds.imageShape).toEqual([4, 6, 3]);
    const a = await ds.read(0);
    expect(a.extra?.path).toMatch(/cat[\\/]a\.PNG$/);
    expect(a.label).toBe(0);
    const expected: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) expected.push(10 * x, 20 * y, x + y);
    expect(Array.from(a.image)).toEqual(expected); // alpha dropped, colours kept
    const dog = await ds.read(2);
    expect(dog.label).toBe(1);
    for (let p = 0; p < 24; p++) {
      expect(Math.abs((dog.image[3 * p] as number) - 200)).toBeLessThanOrEqual(4);
      expect(Math.abs((dog.image[3 * p + 1] as number) - 40)).toBeLessThanOrEqual(4);
      expect(Math.abs((dog.image[3 * p + 2] as number) - 90)).toBeLessThanOrEqual(4);
    }
    const pre = await loadImageFolder({ root, imageSize: [4, 6], preload: true, concurrency: 2 });
    expect(pre.access).toBe('random');
    for (let i = 0; i < 3; i++) expect(Array.from(pre.get(i).image)).toEqual(Array.from((await ds.read(i)).image));
  });

  it('resizes bilinearly to the requested size and converts grey', async () => {
    const root = await temp.make();
    await mkdir(join(root, 'only'));
    await writeFile(
      join(root, 'only', 'g.png'),
      greyPng(5, 3, (x, y) => 40 * x + 7 * y),
    );
    await writeFile(join(root, 'only', 'c.png'), pngFile(6, 4));
    const ds = await loadImageFolder({ root, imageSize: [6, 10], channels: 1, preload: true });
    expect(ds.imageShape).toEqual([6, 10, 1]);
    // The grey ramp resized: independent half-pixel-centre bilinear values, rounded.
    const g = ds.get(1).image;
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 10; x++) {
        const sx = Math.min(Math.max((x + 0.5) * 0.5 - 0.5, 0), 4);
        const sy = Math.min(Math.max((y + 0.5) * 0.5 - 0.5, 0), 2);
        expect(g[y * 10 + x]).toBe(Math.round(40 * sx + 7 * sy)); // bilinear is exact on a linear ramp
      }
    }
    // Colour to luma: round(0.299 R + 0.587 G + 0.114 B), before resizing (6x4 -> 10x6).
    const direct = resizeBilinear(
      Array.from({ length: 24 }, (_, p) =>
        Math.round(0.299 * 10 * (p % 6) + 0.587 * 20 * Math.floor(p / 6) + 0.114 * ((p % 6) + Math.floor(p / 6))),
      ),
      [4, 6, 1],
      6,
      10,
    );
    expect(Array.from(ds.get(0).image)).toEqual(Array.from(direct, (v) => Math.round(v)));
  });

  it('names the file for corrupt or unknown images and explains bad layouts', async () => {
    const root = await folder();
    const png = pngFile(6, 4);
    await writeFile(join(root, 'cat', 'c.png'), png.subarray(0, png.length - 20));
    await writeFile(join(root, 'dog', 'y.jpg'), 'this is text');
    const ds = await loadImageFolder({ root, imageSize: [4, 6] });
    await expect(ds.read(2)).rejects.toThrow(/Image .*cat[\\/]c\.png: cannot decode it as PNG .*truncated or corrupt/);
    await expect(ds.read(4)).rejects.toThrow(/Image .*dog[\\/]y\.jpg: neither PNG nor JPEG \(it starts with bytes 74 68 69 73\)/);
    await expect(loadImageFolder({ root, imageSize: [4, 6], preload: true })).rejects.toThrow(/c\.png: cannot decode/);
    await expect(loadImageFolder({ root: join(root, 'missing'), imageSize: [4, 6] })).rejects.toThrow(/Image folder not found/);
    const empty = await temp.make();
    await expect(loadImageFolder({ root: empty, imageSize: [4, 6] })).rejects.toThrow(/has no class folders/);
    await mkdir(join(empty, 'a'));
    await expect(loadImageFolder({ root: empty, imageSize: [4, 6] })).rejects.toThrow(
      /class folder a holds no \.png\/\.jpg\/\.jpeg images/,
    );
    await expect(loadImageFolder({ root, imageSize: [4, 6], classes: ['cat', 'cow'] })).rejects.toThrow(/lacks the class folder\(s\) cow/);
    expect(() => decodeImage(new Uint8Array(flatJpeg(4, 4, [1, 2, 3]).subarray(0, 30)), 'cut.jpg')).toThrow(
      /cut\.jpg: cannot read its JPEG header .*truncated or corrupt/,
    );
  });

  it('checks the size in the header before decoding: a pixel limit (maxImagePixels) and what the file can hold', async () => {
    expect(DEFAULT_MAX_IMAGE_PIXELS).toBe(4096 * 4096);
    const root = await temp.make();
    await mkdir(join(root, 'bomb'));
    // The issue's file: 69 bytes whose IHDR claims 16,000 x 16,000 pixels (1 GB of RGBA).
    const bomb = forgedPng(16_000, 16_000);
    expect(bomb.length).toBe(69);
    const bombPath = join(root, 'bomb', 'bomb.png');
    await writeFile(bombPath, bomb);
    const started = Date.now();
    const ds = await loadImageFolder({ root, imageSize: [4, 6] });
    const err: unknown = await ds.read(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).kind).toBe('too-large');
    expect((err as DataFileError).file).toBe(bombPath);
    expect((err as Error).message).toMatch(
      /^Image .*bomb\.png: its PNG header claims 16000 x 16000 pixels \(256,000,000\), more than the limit of 16,777,216 pixels; .*It was not decoded\. Shrink the image, or raise the limit with loadImageFolder's maxImagePixels option/,
    );
    await expect(loadImageFolder({ root, imageSize: [4, 6], preload: true })).rejects.toThrow(
      /bomb\.png: its PNG header claims 16000 x 16000/,
    );
    // Above the limit it is still refused, without decoding: 69 bytes cannot hold that many pixels.
    const raised = await loadImageFolder({ root, imageSize: [4, 6], maxImagePixels: 300_000_000 });
    await expect(raised.read(0)).rejects.toThrow(
      /bomb\.png: its PNG header claims 16000 x 16000 pixels \(256,000,000\), which a file of 69 bytes cannot hold/,
    );
    expect(Date.now() - started).toBeLessThan(2000);

    // A genuine image above a lowered limit is refused; at the limit it loads.
    const small = await temp.make();
    await mkdir(join(small, 'a'));
    await writeFile(join(small, 'a', 'p.png'), pngFile(6, 4));
    await writeFile(join(small, 'a', 'q.jpg'), flatJpeg(6, 4, [9, 9, 9]));
    const strict = await loadImageFolder({ root: small, imageSize: [4, 6], maxImagePixels: 23 });
    await expect(strict.read(0)).rejects.toThrow(/p\.png: its PNG header claims 6 x 4 pixels \(24\), more than the limit of 23 pixels/);
    await expect(strict.read(1)).rejects.toThrow(/q\.jpg: its JPEG header claims 6 x 4 pixels \(24\), more than the limit of 23 pixels/);
    const enough = await loadImageFolder({ root: small, imageSize: [4, 6], maxImagePixels: 24, preload: true });
    expect(enough.size).toBe(2);
    await expect(loadImageFolder({ root: small, imageSize: [4, 6], maxImagePixels: 0 })).rejects.toThrow(/maxImagePixels/);

    // JPEG: the start-of-frame size is read first too; decodeImage takes the limit as maxPixels.
    const hugeJpeg = withJpegSize(flatJpeg(8, 8, [1, 2, 3]), 60_000, 60_000);
    expect(() => decodeImage(hugeJpeg, 'huge.jpg')).toThrow(
      /huge\.jpg: its JPEG header claims 60000 x 60000 pixels .*decodeImage's maxPixels option/,
    );
    expect(() => decodeImage(hugeJpeg, 'huge.jpg', { maxPixels: 4e9 })).toThrow(/huge\.jpg: .*which a file of \d+ bytes cannot hold/);
    expect(decodeImage(pngFile(6, 4), 'ok.png', { maxPixels: 24 }).width).toBe(6);
  });
});
