import type { GroupedAccuracy } from '@ait/core';
import { formatTable, percent } from './output';

/** Accuracy per group in compact form, by grouping and group: `{ "question type": { "binary": 0.71, ... } }`. */
export type GroupAccuracyMap = Readonly<Record<string, Readonly<Record<string, number | null>>>>;

/** The compact form of accuracies per group, for `metrics.jsonl` and `summary.json`. */
export function groupAccuracyMap(groups: readonly GroupedAccuracy[]): GroupAccuracyMap {
  return Object.fromEntries(groups.map((g) => [g.name, Object.fromEntries(g.groups.map((e) => [e.group, e.accuracy]))]));
}

/** `non-relational 95.00 %, binary 70.00 %, ternary 50.00 %`: the first grouping on one line, or '' without groupings. */
export function firstGroupingLine(groups: GroupAccuracyMap | undefined): string {
  const first = groups === undefined ? undefined : Object.values(groups)[0];
  return first === undefined
    ? ''
    : Object.entries(first)
        .map(([group, accuracy]) => `${group} ${percent(accuracy)}`)
        .join(', ');
}

/** One aligned table per grouping (`Accuracy by question type`, ...): group, examples, correct, accuracy. */
export function groupTables(groups: readonly GroupedAccuracy[]): string {
  return groups
    .map(
      (g) =>
        `Accuracy by ${g.name}\n` +
        formatTable(
          [g.name, 'examples', 'correct', 'accuracy'],
          g.groups.map((e) => [e.group, e.examples, e.correct, percent(e.accuracy)]),
        ),
    )
    .join('\n');
}

/** Indented `name  accuracy` lines of every grouping, for the end-of-training summary. */
export function groupSummaryLines(groups: GroupAccuracyMap | null): string[] {
  if (groups === null) return [];
  const lines: string[] = [];
  for (const [name, entries] of Object.entries(groups)) {
    lines.push(`  by ${name}`);
    const width = Math.max(...Object.keys(entries).map((k) => k.length));
    for (const [group, accuracy] of Object.entries(entries)) lines.push(`    ${group.padEnd(width)}  ${percent(accuracy)}`);
  }
  return lines;
}
