import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/** One run of the suite as it stands in the results. */
export interface ReproResult {
  readonly dataset: string;
  /** The model's label in the plan (`ait-conv`, `vit`, `ait-conv/noMemory`). */
  readonly model: string;
  readonly preset: string;
  /** Parameters of the model as trained (matched widths applied). */
  readonly parameters: number | null;
  readonly seed: number;
  /** Epochs completed. */
  readonly epochs: number;
  /** Wall-clock seconds of every attempt of the run together (set-up included). */
  readonly seconds: number;
  /** Test accuracy after the last epoch (the number reported: no choice of epoch on test data). */
  readonly testAccuracy: number | null;
  /** Best test accuracy over the epochs, for reference only. */
  readonly bestAccuracy: number | null;
  /**
   * Test accuracy per group after the last epoch, keyed `<grouping>/<group>` (Sort-of-CLEVR:
   * `question type/binary`, ...); empty where the data set has no groupings.
   */
  readonly typeAccuracy: Readonly<Record<string, number>>;
  /** `completed`, or what stopped it (`failed`, `stopped`, `pending`). */
  readonly status: string;
}

/** Mean, sample standard deviation, minimum and maximum of some numbers (`sd` 0 for one number). */
export interface Spread {
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

/** The {@link Spread} of `values`, or `undefined` for none. */
export function spread(values: readonly number[]): Spread | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** The columns {@link resultsCsv} writes before the per-group ones. */
const CSV_COLUMNS = [
  'dataset',
  'model',
  'preset',
  'parameters',
  'seed',
  'epochs',
  'wall_seconds',
  'test_accuracy',
  'best_accuracy',
  'status',
] as const;

/** The results as CSV: one row a run, per-group accuracies as `<grouping>/<group>` columns (empty where absent). */
export function resultsCsv(results: readonly ReproResult[]): string {
  const types = [...new Set(results.flatMap((r) => Object.keys(r.typeAccuracy)))];
  const header = [...CSV_COLUMNS, ...types];
  const rows = results.map((r) => [
    r.dataset,
    r.model,
    r.preset,
    r.parameters ?? '',
    r.seed,
    r.epochs,
    r.seconds.toFixed(1),
    r.testAccuracy ?? '',
    r.bestAccuracy ?? '',
    r.status,
    ...types.map((t) => r.typeAccuracy[t] ?? ''),
  ]);
  return stringify([header, ...rows]);
}

/**
 * Reads the results back from {@link resultsCsv}'s text (a suite's `results.csv`). `source` names
 * the file in errors. Throws where a column is missing or a number does not parse, naming the row.
 */
export function parseResultsCsv(text: string, source: string): ReproResult[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (err) {
    throw new Error(`${source} is not a results CSV of ait repro: ${(err as Error).message}`);
  }
  const header = Object.keys(records[0] ?? {});
  const missing = records.length === 0 ? [] : CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new Error(`${source} lacks the column(s) ${missing.join(', ')}: it is not a results CSV of ait repro.`);
  return records.map((rec, i) => {
    const num = (column: string, optional: boolean): number | null => {
      const v = rec[column] ?? '';
      if (v === '' && optional) return null;
      const x = Number(v);
      if (v === '' || !Number.isFinite(x)) throw new Error(`${source}, row ${i + 2}: ${column} "${v}" is not a number.`);
      return x;
    };
    const typeAccuracy: Record<string, number> = {};
    for (const column of header.filter((c) => c.includes('/'))) {
      const x = num(column, true);
      if (x !== null) typeAccuracy[column] = x;
    }
    return {
      dataset: rec.dataset ?? '',
      model: rec.model ?? '',
      preset: rec.preset ?? '',
      parameters: num('parameters', true),
      seed: num('seed', false) as number,
      epochs: num('epochs', false) as number,
      seconds: num('wall_seconds', false) as number,
      testAccuracy: num('test_accuracy', true),
      bestAccuracy: num('best_accuracy', true),
      typeAccuracy,
      status: rec.status ?? '',
    };
  });
}

const pct = (x: number): string => (100 * x).toFixed(2);
/** Models per table of the per-group accuracies (one column each). */
const GROUP_TABLE_MODELS = 4;

const meanSd = (s: Spread | undefined): string => (s === undefined ? '-' : s.n > 1 ? `${pct(s.mean)} ± ${pct(s.sd)}` : pct(s.mean));

/**
 * The results as markdown: per data set, one row a model with its parameters, completed runs,
 * final test accuracy in percent (mean ± sample standard deviation over seeds, and the range) and
 * minutes per run; then, where the data set has question types, the accuracy of each type (a row a
 * type, a column a model with a completed run, four models a table).
 */
export function resultsMarkdown(results: readonly ReproResult[]): string {
  const out: string[] = [];
  const datasets = [...new Set(results.map((r) => r.dataset))];
  for (const dataset of datasets) {
    const rows = results.filter((r) => r.dataset === dataset);
    const models = [...new Set(rows.map((r) => r.model))];
    out.push(`### ${dataset}`, '');
    out.push('| model | preset | parameters | runs | test accuracy % (mean ± sd) | range % | minutes per run |');
    out.push('|---|---|---:|---:|---:|---:|---:|');
    for (const model of models) {
      const mine = rows.filter((r) => r.model === model);
      const done = mine.filter((r) => r.status === 'completed' && r.testAccuracy !== null);
      const acc = spread(done.map((r) => r.testAccuracy as number));
      const minutes = spread(done.map((r) => r.seconds / 60));
      const params = [...new Set(mine.map((r) => r.parameters).filter((p): p is number => p !== null))];
      out.push(
        `| ${model} | ${mine[0]?.preset ?? ''} | ${params.map((p) => p.toLocaleString('en-US')).join(' / ') || '-'} | ` +
          `${done.length} of ${mine.length} | ${meanSd(acc)} | ${acc ? `${pct(acc.min)} – ${pct(acc.max)}` : '-'} | ` +
          `${minutes ? minutes.mean.toFixed(1) : '-'} |`,
      );
    }
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r.typeAccuracy)))];
    const groupings = [...new Set(keys.map((k) => k.split('/')[0] as string))];
    // models with no completed run yet (planned seeds, ablations not run) get no column
    const measured = models.filter((model) => rows.some((r) => r.model === model && r.status === 'completed'));
    for (const grouping of groupings) {
      const mine = keys.filter((k) => k.startsWith(`${grouping}/`));
      out.push('', `Accuracy % by ${grouping} (mean ± sd over completed runs):`);
      // a row a group and a column a model, at most GROUP_TABLE_MODELS models a table: Sort-of-CLEVR
      // has nine questions, too many columns for a page
      for (let first = 0; first < measured.length; first += GROUP_TABLE_MODELS) {
        const some = measured.slice(first, first + GROUP_TABLE_MODELS);
        out.push('', `| ${grouping} | ${some.join(' | ')} |`, `|---|${some.map(() => '---:').join('|')}|`);
        const done = some.map((model) => rows.filter((r) => r.model === model && r.status === 'completed'));
        for (const k of mine) {
          const cells = done.map((runs) =>
            meanSd(spread(runs.flatMap((r) => (r.typeAccuracy[k] === undefined ? [] : [r.typeAccuracy[k]])))),
          );
          out.push(`| ${k.slice(grouping.length + 1)} | ${cells.join(' | ')} |`);
        }
      }
    }
    out.push('');
  }
  return out.join('\n');
}
