import { type Dataset } from '../dataset/dataset';
import { openSyntheticSet } from '../synthetic/open-synthetic-set';
import {
  type FreshSortOfClevrOptions,
  type SortOfClevrDatasetOptions,
  freshSortOfClevrDataset,
  sortOfClevrDataset,
} from '../synthetic/sort-of-clevr-dataset';
import {
  type FreshTriangleOptions,
  type TriangleDatasetOptions,
  freshTriangleDataset,
  triangleDataset,
} from '../synthetic/triangle-dataset';
import { type Cifar100Options, type CifarOptions, loadCifar10, loadCifar100 } from './cifar';
import { type FashionMnistOptions, loadFashionMnist } from './fashion-mnist';
import { type ImageFolderOptions, loadImageFolder } from './image-folder';
import { type MnistOptions, loadMnist } from './mnist';

/**
 * A data set by name and options, as a command line or a config file gives it; see
 * {@link loadDataset}.
 */
export type DatasetSpec =
  | ({ name: 'triangle' } & TriangleDatasetOptions)
  | ({ name: 'triangle-fresh' } & FreshTriangleOptions)
  | ({ name: 'sort-of-clevr' } & SortOfClevrDatasetOptions)
  | ({ name: 'sort-of-clevr-fresh' } & FreshSortOfClevrOptions)
  | { name: 'synthetic-set'; dir: string; mode?: 'memory' | 'disk' }
  | ({ name: 'mnist' } & MnistOptions)
  | ({ name: 'fashion-mnist' } & FashionMnistOptions)
  | ({ name: 'cifar10' } & CifarOptions)
  | ({ name: 'cifar100' } & Cifar100Options)
  | ({ name: 'image-folder' } & ImageFolderOptions);

/** The names {@link loadDataset} accepts. */
export const DATASET_NAMES: readonly DatasetSpec['name'][] = [
  'triangle',
  'triangle-fresh',
  'sort-of-clevr',
  'sort-of-clevr-fresh',
  'synthetic-set',
  'mnist',
  'fashion-mnist',
  'cifar10',
  'cifar100',
  'image-folder',
];

/** A spec's options: everything but its `name`. */
function withoutName<S extends { name: string }>(spec: S): Omit<S, 'name'> {
  const { name: _name, ...options } = spec;
  return options;
}

/**
 * Opens a data set from a {@link DatasetSpec}: the generators (`triangle`, `sort-of-clevr`, their
 * `-fresh` modes), a written synthetic set, or a loader (`mnist`, `fashion-mnist`, `cifar10`,
 * `cifar100`, `image-folder`). The CLI and user code share it. An unknown name throws an Error
 * listing the known ones.
 */
export async function loadDataset(spec: DatasetSpec): Promise<Dataset> {
  switch (spec.name) {
    case 'triangle':
      return triangleDataset(withoutName(spec));
    case 'triangle-fresh':
      return freshTriangleDataset(withoutName(spec));
    case 'sort-of-clevr':
      return sortOfClevrDataset(withoutName(spec));
    case 'sort-of-clevr-fresh':
      return freshSortOfClevrDataset(withoutName(spec));
    case 'synthetic-set':
      return openSyntheticSet(spec.dir, spec.mode ? { mode: spec.mode } : {});
    case 'mnist':
      return loadMnist(withoutName(spec));
    case 'fashion-mnist':
      return loadFashionMnist(withoutName(spec));
    case 'cifar10':
      return loadCifar10(withoutName(spec));
    case 'cifar100':
      return loadCifar100(withoutName(spec));
    case 'image-folder':
      return loadImageFolder(withoutName(spec));
    default: {
      const name = (spec as { name?: unknown }).name;
      throw new Error(`loadDataset: unknown data set ${JSON.stringify(name)}; choose one of ${DATASET_NAMES.join(', ')}.`);
    }
  }
}
