/**
 * A partition of an evaluation set's examples into named groups, for accuracy per group (e.g. the
 * question types of Sort-of-CLEVR). `indices[i]` is the group of the `i`-th example in the order
 * the evaluation source yields them (an unshuffled source); -1 leaves an example out of every group.
 */
export interface ExampleGrouping {
  /** What the groups are, e.g. `question type`. */
  readonly name: string;
  /** Group names, in report order; `indices` point into this list. */
  readonly groups: readonly string[];
  /** Group index of every example, `[examples]`, each in `[-1, groups.length)`. */
  readonly indices: ArrayLike<number>;
}

/** Accuracy of one group. */
export interface GroupAccuracy {
  /** The group's name. */
  readonly group: string;
  /** Examples of the group. */
  readonly examples: number;
  /** Of them, predicted correctly. */
  readonly correct: number;
  /** `correct / examples`, or `null` for a group without examples. */
  readonly accuracy: number | null;
}

/** Accuracy per group of one {@link ExampleGrouping}. */
export interface GroupedAccuracy {
  /** The grouping's name, e.g. `question type`. */
  readonly name: string;
  /** One entry per group, in the grouping's order. */
  readonly groups: readonly GroupAccuracy[];
}

/**
 * Accuracy per group: for every group of `grouping`, how many of its examples have
 * `predicted[i] === labels[i]`.
 *
 * @param predicted predicted class per example, `[examples]` (e.g. the argmax of the logits).
 * @param labels true class per example, `[examples]`.
 * @param grouping the group of each example, `[examples]` (see {@link ExampleGrouping}).
 * @throws when the three lengths differ or a group index is outside `[-1, groups.length)`.
 */
export function accuracyByGroup(predicted: ArrayLike<number>, labels: ArrayLike<number>, grouping: ExampleGrouping): GroupedAccuracy {
  const n = grouping.indices.length;
  if (predicted.length !== n || labels.length !== n) {
    throw new Error(
      `accuracyByGroup: grouping "${grouping.name}" has ${n} examples, but there are ${predicted.length} predictions and ` +
        `${labels.length} labels; the grouping must cover the evaluated examples in the order the (unshuffled) source yields them.`,
    );
  }
  const count = grouping.groups.length;
  const examples = new Array<number>(count).fill(0);
  const correct = new Array<number>(count).fill(0);
  for (let i = 0; i < n; i++) {
    const g = grouping.indices[i] as number;
    if (g === -1) continue;
    if (!Number.isInteger(g) || g < -1 || g >= count) {
      throw new Error(`accuracyByGroup: grouping "${grouping.name}" puts example ${i} in group ${g}, outside [-1, ${count}).`);
    }
    examples[g] = (examples[g] as number) + 1;
    if (predicted[i] === labels[i]) correct[g] = (correct[g] as number) + 1;
  }
  return {
    name: grouping.name,
    groups: grouping.groups.map((group, g) => {
      const e = examples[g] as number;
      const c = correct[g] as number;
      return { group, examples: e, correct: c, accuracy: e > 0 ? c / e : null };
    }),
  };
}
