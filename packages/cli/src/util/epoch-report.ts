import type { EpochLogs } from '@ait/core';
import { firstGroupingLine, groupAccuracyMap } from './group-report';
import type { EpochRecord } from './metrics-log';
import { formatDuration, percent } from './output';

/** The `metrics.jsonl` record of a finished epoch (`epoch` 0-based as the Trainer counts). */
export function epochRecord(
  epoch: number,
  step: number,
  logs: EpochLogs,
  timing: { readonly imagesPerSecond: number; readonly seconds: number },
): EpochRecord {
  const groups = logs.eval?.groups;
  return {
    type: 'epoch',
    epoch: epoch + 1,
    step,
    loss: logs.loss,
    taskLoss: logs.taskLoss,
    auxLoss: logs.auxLoss,
    learningRate: logs.learningRate,
    testLoss: logs.eval?.loss ?? null,
    testAccuracy: logs.eval?.accuracy ?? null,
    ...(groups !== undefined && groups.length > 0 ? { testGroupAccuracy: groupAccuracyMap(groups) } : {}),
    imagesPerSecond: timing.imagesPerSecond,
    seconds: timing.seconds,
    time: new Date().toISOString(),
  };
}

/**
 * The progress line of a finished epoch: the training task loss (comparable with the test loss),
 * the auxiliary loss when the model has one, the test loss and accuracy (per question type for
 * Sort-of-CLEVR), speed and time.
 */
export function epochLine(record: EpochRecord, epochs: number): string {
  const aux = Number.isFinite(record.auxLoss) && record.auxLoss !== 0 ? ` aux loss ${record.auxLoss.toFixed(4)}` : '';
  const groups = firstGroupingLine(record.testGroupAccuracy);
  return (
    `epoch ${record.epoch}/${epochs} loss ${record.taskLoss.toFixed(4)}${aux} test loss ${record.testLoss?.toFixed(4) ?? '-'} ` +
    `test accuracy ${percent(record.testAccuracy)}${groups !== '' ? ` (${groups})` : ''} ` +
    `${record.imagesPerSecond.toFixed(1)} img/s ${formatDuration(record.seconds)}`
  );
}
