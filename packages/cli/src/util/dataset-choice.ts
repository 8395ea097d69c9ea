import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CLI_DATASET_ENTRIES,
  CLI_DATASET_NAMES,
  loadDataset,
  type CliDatasetName,
  type Dataset,
  type DatasetSpec,
  type GeneratedCliDatasetName,
  type RandomAccessDataset,
} from '@ait/datasets';
import { CliError } from './cli-error';

/**
 * Data set names `ait train`, `ait eval` and `ait data info` accept besides a folder path: the
 * entries of `DATASET_REGISTRY` (`@ait/datasets`) that the CLI offers, in registry order.
 */
export const CLI_DATASETS: readonly CliDatasetName[] = CLI_DATASET_NAMES;

/**
 * Default number of training / test examples of the generated data sets (Triangle; Sort-of-CLEVR
 * counts images), from their registry entries.
 */
export const GENERATED_DEFAULT_SIZES: Readonly<Record<GeneratedCliDatasetName, { train: number; test: number }>> = Object.fromEntries(
  CLI_DATASET_ENTRIES.flatMap(({ name, cli: { generated: g } }) => (g === undefined ? [] : [[name, { train: g.train, test: g.test }]])),
) as Record<GeneratedCliDatasetName, { train: number; test: number }>;

/** Sizes asked for on the command line or in a config file. */
export interface DatasetSizes {
  /** Training examples (generated sets: examples to generate; loaded sets: keep the first n). */
  readonly trainSize?: number | undefined;
  /** Test examples, likewise. */
  readonly testSize?: number | undefined;
}

/** The two splits of a data set choice, as `loadDataset` specs plus size limits for loaded sets. */
export interface DatasetPlan {
  /** What the user asked for (name or absolute folder path). */
  readonly choice: string;
  readonly train: DatasetSpec;
  readonly test: DatasetSpec;
  /** Keep only the first n examples of a loaded training set. */
  readonly trainLimit?: number;
  /** Keep only the first n examples of a loaded test set. */
  readonly testLimit?: number;
}

function hasManifest(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json'));
}

/**
 * The spec of one split of a data set the CLI offers by name: the name, the split and, for a
 * generated set, its size option (`size` or `images`, as its registry entry says).
 */
function splitSpec(name: CliDatasetName, split: 'train' | 'test', size: Readonly<Record<string, number>> = {}): DatasetSpec {
  // Every loader the CLI offers takes a split, and a generated one the size option of its entry.
  return { name, split, ...size } as DatasetSpec;
}

/**
 * Turns a data set name (`triangle`, `mnist`, ...) or a folder written by `ait data generate`
 * (with `train/` and `test/` sub-folders, or one set with a `manifest.json`) into the specs of
 * its training and test splits. Unknown names throw a {@link CliError} listing the valid ones.
 */
export function planDataset(choice: string, sizes: DatasetSizes = {}): DatasetPlan {
  const limits = {
    ...(sizes.trainSize !== undefined ? { trainLimit: sizes.trainSize } : {}),
    ...(sizes.testSize !== undefined ? { testLimit: sizes.testSize } : {}),
  };
  const entry = CLI_DATASET_ENTRIES.find((e) => e.name === choice);
  if (entry !== undefined) {
    // A generated set is generated at the asked size; a loaded one is cut to its first n examples.
    const generated = entry.cli.generated;
    if (generated === undefined) return { choice, train: splitSpec(entry.name, 'train'), test: splitSpec(entry.name, 'test'), ...limits };
    return {
      choice,
      train: splitSpec(entry.name, 'train', { [generated.sizeOption]: sizes.trainSize ?? generated.train }),
      test: splitSpec(entry.name, 'test', { [generated.sizeOption]: sizes.testSize ?? generated.test }),
    };
  }
  const dir = resolve(choice);
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    if (hasManifest(join(dir, 'train')) && hasManifest(join(dir, 'test'))) {
      return {
        choice: dir,
        train: { name: 'synthetic-set', dir: join(dir, 'train') },
        test: { name: 'synthetic-set', dir: join(dir, 'test') },
        ...limits,
      };
    }
    if (hasManifest(dir)) {
      return { choice: dir, train: { name: 'synthetic-set', dir }, test: { name: 'synthetic-set', dir }, ...limits };
    }
    throw new CliError(
      `Folder ${dir} holds no data set: expected a manifest.json (or train/ and test/ folders with one each), ` +
        'as written by `ait data generate`.',
      2,
    );
  }
  throw new CliError(
    `Unknown data set "${choice}". Choose one of: ${CLI_DATASETS.join(', ')}, or a folder written by \`ait data generate\`.`,
    2,
  );
}

/**
 * What kind of data a plan holds, for decisions that depend on what the labels mean (which
 * augmentation keeps them true, the AiT paper's batch size): the built-in name (`triangle`,
 * `sort-of-clevr`, `mnist`, ...), or for a folder written by `ait data generate` the task in its
 * `manifest.json`; `synthetic-set` when that cannot be read.
 */
export function datasetKind(plan: DatasetPlan): string {
  const spec = plan.train as { readonly name: string; readonly dir?: string };
  if (spec.name !== 'synthetic-set' || spec.dir === undefined) return spec.name;
  try {
    const task = (JSON.parse(readFileSync(join(spec.dir, 'manifest.json'), 'utf8')) as { task?: unknown }).task;
    return typeof task === 'string' ? task : spec.name;
  } catch {
    return spec.name;
  }
}

/** The first `n` examples of a random-access data set (the whole set if it is smaller). */
export function firstExamples(dataset: Dataset, n: number | undefined): Dataset {
  if (n === undefined || dataset.access !== 'random' || n >= dataset.size) return dataset;
  const base: RandomAccessDataset = dataset;
  return {
    ...base,
    name: `${base.name}[:${n}]`,
    size: n,
    get: (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new Error(`${base.name}[:${n}]: index ${index} is out of range [0, ${n}).`);
      }
      return base.get(index);
    },
  };
}

/** Opens one split of a plan; loader errors become a {@link CliError} naming the data set. */
export async function openSplit(plan: DatasetPlan, split: 'train' | 'test'): Promise<Dataset> {
  const spec = split === 'train' ? plan.train : plan.test;
  let dataset: Dataset;
  try {
    dataset = await loadDataset(spec);
  } catch (err) {
    throw new CliError(`Could not open the ${split} split of data set "${plan.choice}": ${(err as Error).message}`, 1, { cause: err });
  }
  return firstExamples(dataset, split === 'train' ? plan.trainLimit : plan.testLimit);
}
