import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochRecord } from './metrics-log';
import { RUN_FILES } from './run-config';
import { lineChartSvg } from './svg-chart';

/** Writes `loss.svg` (training and test loss per epoch) and `accuracy.svg` (test accuracy) into a run directory. */
export async function writeCurves(dir: string, records: readonly EpochRecord[]): Promise<void> {
  const loss = lineChartSvg(
    [
      { name: 'train loss', colour: '#1f77b4', points: records.map((r) => [r.epoch, r.loss] as const) },
      { name: 'test loss', colour: '#ff7f0e', points: records.map((r) => [r.epoch, r.testLoss ?? Number.NaN] as const) },
    ],
    { title: 'Loss', xLabel: 'epoch', yLabel: 'loss' },
  );
  const accuracy = lineChartSvg(
    [{ name: 'test accuracy', colour: '#2ca02c', points: records.map((r) => [r.epoch, r.testAccuracy ?? Number.NaN] as const) }],
    { title: 'Test accuracy', xLabel: 'epoch', yLabel: 'accuracy', yRange: [0, 1] },
  );
  await writeFile(join(dir, RUN_FILES.lossCurve), loss, 'utf8');
  await writeFile(join(dir, RUN_FILES.accuracyCurve), accuracy, 'utf8');
}
