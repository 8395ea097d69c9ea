import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochRecord } from './metrics-log';
import { RUN_FILES } from './run-config';
import { lineChartSvg, type ChartSeries } from './svg-chart';

const GROUP_COLOURS = ['#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/**
 * Writes `loss.svg` and `accuracy.svg` into a run directory. The loss chart shows the training
 * task loss beside the test loss (both without auxiliary terms, so they compare), and the
 * auxiliary loss (AiT's balance loss) as its own series when a record has one. The accuracy chart
 * shows the test accuracy and, for data sets with groupings (Sort-of-CLEVR), the test accuracy of
 * each group of the first grouping (question type).
 */
export async function writeCurves(dir: string, records: readonly EpochRecord[]): Promise<void> {
  const hasAux = records.some((r) => Number.isFinite(r.auxLoss) && r.auxLoss !== 0);
  const lossSeries: ChartSeries[] = [
    { name: 'train task loss', colour: '#1f77b4', points: records.map((r) => [r.epoch, r.taskLoss ?? r.loss] as const) },
    { name: 'test loss', colour: '#ff7f0e', points: records.map((r) => [r.epoch, r.testLoss ?? Number.NaN] as const) },
    ...(hasAux ? [{ name: 'train aux loss', colour: '#d62728', points: records.map((r) => [r.epoch, r.auxLoss] as const) }] : []),
  ];
  const loss = lineChartSvg(lossSeries, { title: 'Loss', xLabel: 'epoch', yLabel: 'loss' });
  const grouping = records.map((r) => Object.keys(r.testGroupAccuracy ?? {})[0]).find((g) => g !== undefined);
  const groups = grouping === undefined ? [] : [...new Set(records.flatMap((r) => Object.keys(r.testGroupAccuracy?.[grouping] ?? {})))];
  const accuracy = lineChartSvg(
    [
      { name: 'test accuracy', colour: '#2ca02c', points: records.map((r) => [r.epoch, r.testAccuracy ?? Number.NaN] as const) },
      ...groups.map((group, i) => ({
        name: group,
        colour: GROUP_COLOURS[i % GROUP_COLOURS.length] as string,
        points: records.map((r) => [r.epoch, r.testGroupAccuracy?.[grouping as string]?.[group] ?? Number.NaN] as const),
      })),
    ],
    { title: 'Test accuracy', xLabel: 'epoch', yLabel: 'accuracy', yRange: [0, 1] },
  );
  await writeFile(join(dir, RUN_FILES.lossCurve), loss, 'utf8');
  await writeFile(join(dir, RUN_FILES.accuracyCurve), accuracy, 'utf8');
}
