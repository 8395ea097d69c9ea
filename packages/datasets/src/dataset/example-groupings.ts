import type { ExampleGrouping } from '@ait/core';
import type { Dataset } from './dataset';
import type { SampleGrouping } from './sample-grouping';

/**
 * The group of every sample of `dataset`, in index order, for each of its groupings (or of the
 * `groupings` given): what `evaluateModel` and `Trainer.fit` (`evalGroupings`) take to report
 * accuracy per group on an unshuffled `datasetBatchSource` over the same data set. Reads every
 * sample once. A data set without groupings gives `[]`; a streamed data set (no fixed order) throws.
 */
export async function exampleGroupings(
  dataset: Dataset,
  groupings: readonly SampleGrouping[] = dataset.groupings ?? [],
): Promise<ExampleGrouping[]> {
  if (groupings.length === 0) return [];
  if (dataset.access === 'stream') {
    throw new Error(
      `exampleGroupings: '${dataset.name}' is streamed, so its samples have no fixed order to group; ` +
        'use a random-access data set (e.g. a fixed, seeded set instead of fresh samples).',
    );
  }
  const indices = groupings.map(() => new Int32Array(dataset.size));
  for (let i = 0; i < dataset.size; i++) {
    const sample = dataset.access === 'random' ? dataset.get(i) : await dataset.read(i);
    groupings.forEach((g, k) => {
      const group = g.groupOf(sample);
      if (!Number.isInteger(group) || group < -1 || group >= g.groups.length) {
        throw new Error(
          `exampleGroupings: grouping "${g.name}" of '${dataset.name}' puts sample ${i} in group ${group}, outside [-1, ${g.groups.length}).`,
        );
      }
      (indices[k] as Int32Array)[i] = group;
    });
  }
  return groupings.map((g, k) => ({ name: g.name, groups: [...g.groups], indices: indices[k] as Int32Array }));
}
