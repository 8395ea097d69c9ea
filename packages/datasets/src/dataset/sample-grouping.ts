import type { Sample } from './sample';

/**
 * A named way to sort a data set's samples into groups for accuracy per group, e.g. Sort-of-CLEVR's
 * question types (`non-relational`, `binary`, `ternary`). Declared by a data set in
 * `DatasetInfo.groupings`; {@link exampleGroupings} turns it into the group of every sample.
 */
export interface SampleGrouping {
  /** What the groups are, e.g. `question type`. */
  readonly name: string;
  /** Group names, in report order. */
  readonly groups: readonly string[];
  /**
   * The group (an index into `groups`) of one sample, computed from its label, extra inputs or
   * `extra`; -1 for a sample in no group.
   */
  groupOf(sample: Sample): number;
}
