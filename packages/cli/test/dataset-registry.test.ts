// The CLI reads the data set registry of @ait/datasets: its choices, default sizes, the --dataset and
// --augment help and the plans of each data set come from DATASET_REGISTRY.
import { CLI_DATASET_ENTRIES, DATASET_REGISTRY, DataFileError, type DatasetEntry } from '@ait/datasets';
import { describe, expect, it } from 'vitest';
import { REPRO_DATASETS } from '../src/repro/repro-plan';
import { buildProgram, captureIo } from '../src/index';
import { augmentHelp, augmentRefusalsHelp, checkAugmentForData } from '../src/util/augment-option';
import { CLI_DATASETS, GENERATED_DEFAULT_SIZES, openSplit, planDataset } from '../src/util/dataset-choice';

function trainOption(long: string): string {
  const train = buildProgram(captureIo(), { code: 0 }).commands.find((c) => c.name() === 'train');
  const option = train?.options.find((o) => o.long === long);
  expect(option, long).toBeDefined();
  return option!.description;
}

describe('the CLI reads DATASET_REGISTRY', () => {
  it('offers exactly the entries marked for the CLI, in registry order, and lists them in ait train --help', () => {
    const marked = DATASET_REGISTRY.filter((e) => e.cli !== null).map((e) => e.name);
    expect(CLI_DATASETS).toEqual(marked);
    expect(CLI_DATASETS).toEqual(['triangle', 'sort-of-clevr', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100']);
    const listed = /^data set: (.*), or a folder from `ait data generate`/.exec(trainOption('--dataset'))?.[1];
    expect(listed?.split(', ')).toEqual(marked);
  });

  it('takes the default sizes of generated sets from their entries', () => {
    expect(GENERATED_DEFAULT_SIZES).toEqual({ triangle: { train: 30_000, test: 2_000 }, 'sort-of-clevr': { train: 2_000, test: 200 } });
    for (const e of CLI_DATASET_ENTRIES) {
      const g = e.cli.generated;
      if (g === undefined) continue;
      const plan = planDataset(e.name);
      expect(plan.train).toEqual({ name: e.name, split: 'train', [g.sizeOption]: g.train });
      expect(plan.test).toEqual({ name: e.name, split: 'test', [g.sizeOption]: g.test });
    }
  });

  it('plans and opens every CLI data set: generated at the asked size, loaded ones cut to the first n, a missing one naming the fix', async () => {
    for (const e of CLI_DATASET_ENTRIES) {
      const plan = planDataset(e.name, { trainSize: 2, testSize: 1 });
      const g = e.cli.generated;
      if (g !== undefined) {
        expect(plan).toEqual({
          choice: e.name,
          train: { name: e.name, split: 'train', [g.sizeOption]: 2 },
          test: { name: e.name, split: 'test', [g.sizeOption]: 1 },
        });
      } else {
        expect(plan).toEqual({
          choice: e.name,
          train: { name: e.name, split: 'train' },
          test: { name: e.name, split: 'test' },
          trainLimit: 2,
          testLimit: 1,
        });
      }
      const opened = await openSplit(plan, 'test').catch((err: unknown) => err);
      if (opened instanceof Error) {
        // Only a data set whose files are not on this machine (CIFAR, Fashion-MNIST) may fail, and it says what to do.
        expect(e.kind, `${e.name}: ${opened.message}`).toBe('file-loader');
        expect(opened.message).toMatch(new RegExp(`^Could not open the test split of data set "${e.name}"`));
        expect(opened.cause instanceof DataFileError || /not found/.test(opened.message)).toBe(true);
        expect(opened.message).toMatch(/Put the official archive|apt install|pass dir/);
      } else {
        expect((opened as { imageShape: unknown }).imageShape).toEqual(e.imageShape);
      }
    }
  });

  it('generates the --augment help from the augmentation facts of the CLI data sets', () => {
    const help = trainOption('--augment');
    expect(help).toContain(augmentHelp());
    expect(help).toMatch(
      /^training augmentation: crop \(random crop with zero padding\), flip \(horizontal\), crop,flip, or none \(default: /,
    );
    expect(augmentRefusalsHelp()).toBe(
      'Refused where it changes labels: flip on sort-of-clevr (left/right questions) and mnist (mirrored digits); ' +
        'crop on sort-of-clevr (objects cross the centre lines); triangle, fashion-mnist, cifar10 and cifar100 take both',
    );
    // every CLI data set is named in it, and each refusal agrees with the check ait train makes
    for (const e of CLI_DATASET_ENTRIES) {
      expect(help).toContain(e.name);
      if (typeof e.augmentation === 'string') continue;
      for (const [flag, verdict] of [
        ['flip', e.augmentation.horizontalFlip],
        ['crop', e.augmentation.crop],
      ] as const) {
        const augment = { cropPadding: flag === 'crop' ? 4 : 0, horizontalFlip: flag === 'flip' };
        if (verdict === true) expect(() => checkAugmentForData(augment, e.name)).not.toThrow();
        else expect(() => checkAugmentForData(augment, e.name)).toThrow(verdict.reason);
      }
    }
  });

  it('words the sentence for any table: one set, none refused, sets without facts left out', () => {
    const base: DatasetEntry = { ...DATASET_REGISTRY[0]!, name: 'dice', augmentation: { crop: true, horizontalFlip: true } };
    expect(augmentRefusalsHelp([base])).toBe('Refused where it changes labels: dice takes both');
    expect(augmentRefusalsHelp([{ ...base, augmentation: 'yours to judge' }])).toBe('');
    const coins = { ...base, name: 'coins', augmentation: { crop: { reason: 'r', brief: 'edges' }, horizontalFlip: true } } as const;
    const cards = {
      ...base,
      name: 'cards',
      augmentation: { crop: { reason: 'r', brief: 'corners' }, horizontalFlip: { reason: 'r', brief: 'suits' } },
    } as const;
    expect(augmentRefusalsHelp([base, coins, cards])).toBe(
      'Refused where it changes labels: flip on cards (suits); crop on coins (edges) and cards (corners); dice takes both',
    );
  });

  it('runs the reproduction suite on data sets the CLI offers', () => {
    for (const d of REPRO_DATASETS) expect(CLI_DATASETS).toContain(d);
  });
});
