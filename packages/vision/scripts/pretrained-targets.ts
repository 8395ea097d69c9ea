// The accuracy check of scripts/publish-pretrained.ts: what `ait eval` measured against the target
// of the manifest's target table for the run's data set.
import type { PretrainedTarget } from '@ait/vision';

/** Accuracy of one group, as `ait eval --json` reports it. */
export interface EvalGroup {
  readonly group: string;
  readonly examples: number;
  readonly correct: number;
  readonly accuracy: number | null;
}

/** What `ait eval --json` reports that publishing reads. */
export interface EvalReport {
  readonly accuracy: number;
  readonly examples: number;
  readonly dataset: string;
  readonly groups: readonly { readonly name: string; readonly groups: readonly EvalGroup[] }[];
}

/** The grouping of Sort-of-CLEVR's question types in `ait eval`'s report. */
const QUESTION_TYPE_GROUPING = 'question type';

/** The key of {@link questionTypeAccuracy}'s record that pools the binary and ternary questions. */
const BINARY_AND_TERNARY = 'binary and ternary';

/**
 * Accuracy per question type (Sort-of-CLEVR: `non-relational`, `binary`, `ternary`), plus
 * `binary and ternary`: the two relational types pooled by examples; `undefined` without question
 * types. The manifest's target counts `binary` as "relational", as the reference code does (its
 * "relations accuracy" is over the binary questions, its ternary accuracy a separate figure).
 */
export function questionTypeAccuracy(report: EvalReport): Record<string, number | null> | undefined {
  const types = report.groups.find((g) => g.name === QUESTION_TYPE_GROUPING)?.groups;
  if (types === undefined) return undefined;
  const out: Record<string, number | null> = Object.fromEntries(types.map((t) => [t.group, t.accuracy]));
  const relational = types.filter((t) => t.group === 'binary' || t.group === 'ternary');
  const examples = relational.reduce((s, t) => s + t.examples, 0);
  out[BINARY_AND_TERNARY] = examples > 0 ? relational.reduce((s, t) => s + t.correct, 0) / examples : null;
  return out;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

/**
 * The ways the measured accuracy falls short of `target` (empty when it reaches it): overall, and
 * per question type where the target names one.
 */
export function targetShortfalls(target: PretrainedTarget, accuracy: number, perType: Record<string, number | null> | undefined): string[] {
  const short: string[] = [];
  if (target.accuracy !== undefined && accuracy < target.accuracy) short.push(`accuracy ${pct(accuracy)} < ${pct(target.accuracy)}`);
  for (const [type, wanted] of Object.entries(target.questionTypes ?? {})) {
    const measured = perType?.[type];
    if (typeof measured !== 'number') short.push(`${type} not measured (target ${pct(wanted)})`);
    else if (measured < wanted) short.push(`${type} ${pct(measured)} < ${pct(wanted)}`);
  }
  return short;
}
