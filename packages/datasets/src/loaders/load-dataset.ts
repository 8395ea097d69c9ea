import { type Dataset } from '../dataset/dataset';
import { type DatasetName, REGISTERED_DATASET_NAMES, isDatasetName } from '../registry/dataset-names';
import { freshOrientedBarsDataset, orientedBarsDataset } from '../synthetic/oriented-bars-dataset';
import { openSyntheticSet } from '../synthetic/open-synthetic-set';
import { freshSortOfClevrDataset, sortOfClevrDataset } from '../synthetic/sort-of-clevr-dataset';
import { freshTriangleDataset, triangleDataset } from '../synthetic/triangle-dataset';
import { loadCifar10, loadCifar100 } from './cifar';
import { loadFashionMnist } from './fashion-mnist';
import { loadImageFolder } from './image-folder';
import { loadMnist } from './mnist';

/** What a registered loader returns. */
type Opened = Dataset | Promise<Dataset>;

/**
 * The loader of every name of `DATASET_REGISTRY` (its facts sit there, in the browser entry; the
 * loaders sit here, in the Node entry, as several read files). The `satisfies` clause makes the
 * compiler refuse a registry name without a loader and a loader without a registry entry. Each
 * loader's parameter is the options type of its {@link DatasetSpec}.
 */
const DATASET_LOADERS = {
  triangle: triangleDataset,
  'triangle-fresh': freshTriangleDataset,
  'sort-of-clevr': sortOfClevrDataset,
  'sort-of-clevr-fresh': freshSortOfClevrDataset,
  'oriented-bars': orientedBarsDataset,
  'oriented-bars-fresh': freshOrientedBarsDataset,
  'synthetic-set': (options: { dir: string; mode?: 'memory' | 'disk' }) =>
    openSyntheticSet(options.dir, options.mode ? { mode: options.mode } : {}),
  mnist: loadMnist,
  'fashion-mnist': loadFashionMnist,
  cifar10: loadCifar10,
  cifar100: loadCifar100,
  'image-folder': loadImageFolder,
} satisfies { readonly [N in DatasetName]: (options: never) => Opened };

type DatasetLoaders = typeof DATASET_LOADERS;

/**
 * A data set by name and options, as a command line or a config file gives it: `{ name }` plus
 * the options of the loader registered under that name (e.g. `{ name: 'mnist', split: 'test' }`,
 * `{ name: 'triangle', size: 1000, seed: 3 }`); see {@link loadDataset} and `DATASET_REGISTRY`.
 */
export type DatasetSpec = {
  [N in DatasetName]: { name: N } & NonNullable<Parameters<DatasetLoaders[N]>[0]>;
}[DatasetName];

/** The names {@link loadDataset} accepts: those of `DATASET_REGISTRY`, in its order. */
export const DATASET_NAMES: readonly DatasetSpec['name'][] = REGISTERED_DATASET_NAMES;

/**
 * Opens a data set from a {@link DatasetSpec}: any name of `DATASET_REGISTRY`, i.e. the generators
 * (`triangle`, `sort-of-clevr`, `oriented-bars`, their `-fresh` modes), a written synthetic set,
 * or a loader (`mnist`, `fashion-mnist`, `cifar10`, `cifar100`, `image-folder`). The CLI and user
 * code share it. An unknown name throws an Error listing the known ones; the loader validates the
 * options.
 *
 * @example
 * ```ts
 * import { datasetBatchSource, loadDataset } from '@ait/datasets';
 *
 * // 2,000 seeded Triangle images [64, 64, 1], labelled equilateral or not
 * const triangle = await loadDataset({ name: 'triangle', size: 2000, seed: 0 });
 * console.log(triangle.size, triangle.imageShape, triangle.labelNames); // 2000 [64, 64, 1] ['equilateral', 'not equilateral']
 * // batches for the Trainer: x [32, 64, 64, 1] float32, y [32] int32
 * const batches = datasetBatchSource(triangle, { batchSize: 32 });
 * ```
 */
export async function loadDataset(spec: DatasetSpec): Promise<Dataset> {
  const { name, ...options } = spec as { name?: unknown };
  if (!isDatasetName(name)) {
    throw new Error(`loadDataset: unknown data set ${JSON.stringify(name)}; choose one of ${DATASET_NAMES.join(', ')}.`);
  }
  // The spec's name picks its loader, whose options type is the rest of the spec (DatasetSpec pairs them).
  const load = DATASET_LOADERS[name] as (options: object) => Opened;
  return load(options);
}
