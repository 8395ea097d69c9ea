import type { DatasetCliOffer, DatasetEntry } from './dataset-entry';
import { DATASET_REGISTRY } from './dataset-registry';

/** One entry of {@link DATASET_REGISTRY}, with its literal types. */
export type RegisteredDataset = (typeof DATASET_REGISTRY)[number];
/** A name of {@link DATASET_REGISTRY}: what `loadDataset` takes. */
export type DatasetName = RegisteredDataset['name'];
/** An entry the CLI offers by name. */
export type CliDatasetEntry = Extract<RegisteredDataset, { readonly cli: DatasetCliOffer }>;
/** A data set name the CLI takes (`ait train --dataset <name>`). */
export type CliDatasetName = CliDatasetEntry['name'];
/** A generated data set the CLI offers, with default sizes for `ait train` and `ait data generate`. */
export type GeneratedCliDatasetName = Extract<RegisteredDataset, { readonly cli: { readonly generated: object } }>['name'];

function offeredByCli(e: RegisteredDataset): e is CliDatasetEntry {
  return e.cli !== null;
}

/** The names of {@link DATASET_REGISTRY}, in its order. */
export const REGISTERED_DATASET_NAMES: readonly DatasetName[] = DATASET_REGISTRY.map((e) => e.name);

/** The entries the CLI offers by name, in registry order. */
export const CLI_DATASET_ENTRIES: readonly CliDatasetEntry[] = DATASET_REGISTRY.filter(offeredByCli);

/** The names the CLI offers (`ait train --dataset`, `ait eval --dataset`, `ait data info`), in registry order. */
export const CLI_DATASET_NAMES: readonly CliDatasetName[] = CLI_DATASET_ENTRIES.map((e) => e.name);

/** Whether `name` is a registered data set name. */
export function isDatasetName(name: unknown): name is DatasetName {
  return typeof name === 'string' && (REGISTERED_DATASET_NAMES as readonly string[]).includes(name);
}

/** The registry entry named `name`, or `undefined` for a name that is not registered. */
export function datasetEntry(name: string): DatasetEntry | undefined {
  return DATASET_REGISTRY.find((e) => e.name === name);
}
