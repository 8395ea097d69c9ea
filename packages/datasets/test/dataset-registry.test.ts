// The contract of DATASET_REGISTRY: every entry opens through loadDataset (from tiny generated sets
// or fixture files written here in the official formats) with the facts its entry states, and the
// names, augmentation checks and standard sizes derived from the table agree with it.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '@ait/core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  AUGMENTATION_KINDS,
  AUGMENTATION_SAFETY,
  CIFAR_SOURCES,
  CLI_DATASET_NAMES,
  DATASET_NAMES,
  DATASET_REGISTRY,
  DataFileError,
  FASHION_MNIST_DEBIAN_DIR,
  SORT_OF_CLEVR_QUESTIONS_PER_TYPE,
  augmentationProblems,
  datasetEntry,
  isDatasetName,
  loadDataset,
  writeTriangleSet,
  type AugmentationKind,
  type CliDatasetName,
  type Dataset,
  type DatasetName,
  type DatasetSpec,
  type GeneratedCliDatasetName,
  type Sample,
} from '../src/index';
import { cifarBytes, fixtureImages } from './helpers/cifar-fixture';
import { idxBytes } from './helpers/idx-fixture';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('registry-contract');
afterAll(() => temp.cleanup());

/** Three 28 x 28 digits and their labels as MNIST-format files of both splits. */
async function mnistFolder(): Promise<string> {
  const dir = await temp.make();
  const images = Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 7) % 256);
  for (const prefix of ['train', 't10k']) {
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte`), idxBytes('uint8', [3, 28, 28], images));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes('uint8', [3], [7, 0, 9]));
  }
  return dir;
}

/** A CIFAR test file of four records; the loader is told not to expect the official 10,000. */
async function cifarFolder(variant: 'cifar10' | 'cifar100'): Promise<string> {
  const dir = await temp.make();
  const images = variant === 'cifar10' ? fixtureImages(4, 1, 10) : fixtureImages(4, 2, 100, 20);
  await writeFile(join(dir, CIFAR_SOURCES[variant].files.test[0] as string), cifarBytes(images, variant));
  return dir;
}

/** Two class folders of one 5 x 3 PNG each. */
async function imageFolder(): Promise<string> {
  const root = await temp.make();
  for (const [cls, value] of [
    ['cat', 40],
    ['dog', 200],
  ] as const) {
    const png = new PNG({ width: 5, height: 3 });
    png.data.fill(value);
    await mkdir(join(root, cls));
    await writeFile(join(root, cls, 'a.png'), PNG.sync.write(png));
  }
  return root;
}

/** A tiny spec of every registered name: adding a data set without one here fails to compile. */
const TINY_SPECS: { readonly [N in DatasetName]: () => Promise<Extract<DatasetSpec, { name: N }>> } = {
  triangle: async () => ({ name: 'triangle', split: 'test', size: 3 }),
  'triangle-fresh': async () => ({ name: 'triangle-fresh', samplesPerEpoch: 3 }),
  'sort-of-clevr': async () => ({ name: 'sort-of-clevr', images: 1, questionsPerType: 1 }),
  'sort-of-clevr-fresh': async () => ({ name: 'sort-of-clevr-fresh', imagesPerEpoch: 1, questionsPerType: 1 }),
  'oriented-bars': async () => ({ name: 'oriented-bars', size: 4 }),
  'oriented-bars-fresh': async () => ({ name: 'oriented-bars-fresh', samplesPerEpoch: 4 }),
  'synthetic-set': async () => {
    const dir = await temp.make();
    await writeTriangleSet(dir, { split: 'test', size: 2 });
    return { name: 'synthetic-set', dir, mode: 'disk' };
  },
  mnist: async () => ({ name: 'mnist', dir: await mnistFolder(), split: 'test' }),
  'fashion-mnist': async () => ({ name: 'fashion-mnist', dir: await mnistFolder() }),
  cifar10: async () => ({ name: 'cifar10', dir: await cifarFolder('cifar10'), split: 'test', checkRecordCounts: false }),
  cifar100: async () => ({ name: 'cifar100', dir: await cifarFolder('cifar100'), split: 'test', checkRecordCounts: false }),
  'image-folder': async () => ({ name: 'image-folder', root: await imageFolder(), imageSize: [4, 4] }),
};

async function firstSample(ds: Dataset): Promise<Sample> {
  if (ds.access === 'random') return ds.get(0);
  if (ds.access === 'async-random') return ds.read(0);
  for await (const sample of ds.stream(new SeededRandom(0))) return sample;
  throw new Error(`${ds.name} streamed no sample`);
}

describe('DATASET_REGISTRY: every entry opens through loadDataset with the facts it states', () => {
  it.each(DATASET_REGISTRY.map((e) => e.name))('%s', async (name) => {
    const entry = datasetEntry(name)!;
    const ds = await loadDataset(await TINY_SPECS[name]());
    try {
      const sample = await firstSample(ds);
      if (typeof entry.classes === 'number') expect(ds.numClasses).toBe(entry.classes);
      if (typeof entry.imageShape !== 'string') expect(ds.imageShape).toEqual(entry.imageShape);
      if (typeof entry.extraInputs !== 'string') expect(ds.extraInputs).toEqual(entry.extraInputs);
      expect(ds.labelNames).toHaveLength(ds.numClasses);
      expect(sample.image.length).toBe(ds.imageShape[0] * ds.imageShape[1] * ds.imageShape[2]);
      expect(sample.label).toBeGreaterThanOrEqual(0);
      expect(sample.label).toBeLessThan(ds.numClasses);
      expect(ds.access === 'stream').toBe(entry.variantOf !== undefined);
    } finally {
      await ds.close?.();
    }
  });
});

describe('DATASET_REGISTRY: the table itself', () => {
  it('has unique names, one-line descriptions, variants of registered sets, CLI sizes only for generated sets', () => {
    const names = DATASET_REGISTRY.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(DATASET_NAMES).toEqual(names);
    for (const e of DATASET_REGISTRY) {
      expect(e.description, e.name).not.toMatch(/\n/);
      expect(e.description.length, e.name).toBeLessThan(120);
      expect(isDatasetName(e.name)).toBe(true);
      if (e.variantOf !== undefined) {
        const base = datasetEntry(e.variantOf);
        expect(base?.variantOf, e.name).toBeUndefined();
        expect([e.kind, e.classes, e.imageShape, e.augmentation]).toEqual([
          base?.kind,
          base?.classes,
          base?.imageShape,
          base?.augmentation,
        ]);
        expect(e.cli).toBeNull();
      }
      if (e.cli?.generated !== undefined) expect(e.kind, e.name).toBe('generated');
    }
    expect(CLI_DATASET_NAMES).toEqual(['triangle', 'sort-of-clevr', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100']);
    expect(isDatasetName('imagenet')).toBe(false);
    expect(datasetEntry('imagenet')).toBeUndefined();
  });

  it('derives the name types from the entries (checked by the typecheck)', () => {
    expectTypeOf<DatasetSpec['name']>().toEqualTypeOf<DatasetName>();
    expectTypeOf<CliDatasetName>().toEqualTypeOf<'triangle' | 'sort-of-clevr' | 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100'>();
    expectTypeOf<GeneratedCliDatasetName>().toEqualTypeOf<'triangle' | 'sort-of-clevr'>();
    expectTypeOf<AugmentationKind>().toEqualTypeOf<
      'triangle' | 'sort-of-clevr' | 'oriented-bars' | 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100'
    >();
    expectTypeOf<Extract<DatasetSpec, { name: 'sort-of-clevr' }>>().toHaveProperty('images');
    expect(DATASET_NAMES).toHaveLength(DATASET_REGISTRY.length);
  });

  it('loadDataset refuses a name outside the registry, listing every registered one', async () => {
    await expect(loadDataset({ name: 'imagenet' } as unknown as DatasetSpec)).rejects.toThrow(
      `loadDataset: unknown data set "imagenet"; choose one of ${DATASET_NAMES.join(', ')}.`,
    );
  });

  it('states the standard split sizes the loaders give without a size option', async () => {
    for (const e of DATASET_REGISTRY.filter((x) => x.kind === 'generated' && x.variantOf === undefined)) {
      if (typeof e.sizes === 'string') throw new Error(`${e.name}: a generated set states its split sizes`);
      const perImage = e.sizes.unit === 'images' ? 3 * SORT_OF_CLEVR_QUESTIONS_PER_TYPE : 1;
      for (const split of ['train', 'test'] as const) {
        const ds = await loadDataset({ name: e.name, split } as DatasetSpec);
        expect(ds.size, `${e.name} ${split}`).toBe(e.sizes[split] * perImage);
      }
    }
    // MNIST ships with the package: the file headers give the counts.
    for (const split of ['train', 'test'] as const) {
      const ds = await loadDataset({ name: 'mnist', split, mode: 'disk' });
      expect(ds.size).toBe((datasetEntry('mnist')!.sizes as { train: number; test: number })[split]);
      await ds.close?.();
    }
    if (existsSync(FASHION_MNIST_DEBIAN_DIR)) {
      const ds = await loadDataset({ name: 'fashion-mnist', split: 'test', mode: 'stream' });
      expect(ds.size).toBe((datasetEntry('fashion-mnist')!.sizes as { test: number }).test);
    }
  });

  it('says where to put CIFAR when it is missing (typed DataFileError naming the archive, its address and the download option)', async () => {
    const empty = await temp.make();
    for (const variant of ['cifar10', 'cifar100'] as const) {
      const source = CIFAR_SOURCES[variant];
      const missing = await loadDataset({ name: variant, dir: empty, split: 'test' }).catch((err: unknown) => err);
      expect(missing).toBeInstanceOf(DataFileError);
      expect((missing as DataFileError).kind).toBe('missing');
      expect((missing as Error).message).toContain(source.archive);
      expect((missing as Error).message).toContain(source.url);
      expect((missing as Error).message).toMatch(/download: true/);
    }
    // The default folder: real CIFAR where it was downloaded, else the same advice.
    const cache = join(homedir(), '.cache', 'ait-datasets');
    const defaultLoad = await loadDataset({ name: 'cifar10', split: 'test', mode: 'disk' }).catch((err: unknown) => err);
    if (defaultLoad instanceof Error) {
      expect(defaultLoad).toBeInstanceOf(DataFileError);
      expect(defaultLoad.message).toContain(join(cache, CIFAR_SOURCES.cifar10.archive));
    } else {
      expect((defaultLoad as Dataset).size).toBe(10_000);
      await (defaultLoad as Dataset).close?.();
    }
  });
});

describe('augmentation safety from the registry', () => {
  it('lists the sets with augmentation facts, fresh modes left out, as before the registry', () => {
    expect(AUGMENTATION_KINDS).toEqual(['triangle', 'sort-of-clevr', 'oriented-bars', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100']);
    expect(Object.keys(AUGMENTATION_SAFETY)).toEqual([...AUGMENTATION_KINDS]);
  });

  it('refuses exactly what each entry refuses, with its reason; fresh modes as their set; no facts, no objection', () => {
    for (const e of DATASET_REGISTRY) {
      const problems = augmentationProblems(e.name, { cropPadding: 4, horizontalFlip: true });
      if (typeof e.augmentation === 'string') {
        expect(problems, e.name).toEqual([]);
        continue;
      }
      const expected = [
        ...(e.augmentation.crop === true ? [] : [`random crop changes ${e.name} labels: ${e.augmentation.crop.reason}`]),
        ...(e.augmentation.horizontalFlip === true
          ? []
          : [`horizontal flip changes ${e.name} labels: ${e.augmentation.horizontalFlip.reason}`]),
      ];
      expect(problems, e.name).toEqual(expected);
      const safety = AUGMENTATION_SAFETY[(e.variantOf ?? e.name) as keyof typeof AUGMENTATION_SAFETY];
      expect(safety.crop === true).toBe(e.augmentation.crop === true);
      expect(safety.horizontalFlip === true).toBe(e.augmentation.horizontalFlip === true);
    }
    expect(augmentationProblems('sort-of-clevr-fresh', { horizontalFlip: true })).toEqual([expect.stringMatching(/swaps left and right/)]);
  });
});
