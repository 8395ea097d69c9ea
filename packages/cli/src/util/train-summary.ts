import type { ParameterCount } from '@ait/core';
import type { CliIo } from './cli-io';
import { groupSummaryLines, type GroupAccuracyMap } from './group-report';
import type { EpochRecord } from './metrics-log';
import { formatDuration, percent, printJson } from './output';
import type { RecipeName } from './training-recipe';

/** What `ait train` reports at the end (also its `--json` output). */
export interface TrainSummary {
  readonly command: 'train';
  /** `completed`, `stopped` (Ctrl-C), or `max-steps`. */
  readonly status: 'completed' | 'stopped' | 'max-steps';
  readonly runDir: string;
  readonly model: string;
  readonly dataset: string;
  /** The recipe the run started from (`--recipe`). */
  readonly recipe: RecipeName;
  readonly backend: string;
  readonly parameters: ParameterCount;
  /** Epochs completed in total. */
  readonly epochs: number;
  /** Optimiser steps done in total. */
  readonly steps: number;
  /** Best test accuracy over all epochs of the run, and its 1-based epoch. */
  readonly bestAccuracy: number | null;
  readonly bestEpoch: number | null;
  /** Test accuracy and loss after the last completed epoch. */
  readonly finalAccuracy: number | null;
  readonly finalLoss: number | null;
  /** Mean training task loss (comparable with `finalLoss`) and auxiliary loss of the last completed epoch. */
  readonly finalTrainTaskLoss: number | null;
  readonly finalTrainAuxLoss: number | null;
  /** Test accuracy per group after the last completed epoch (Sort-of-CLEVR: by question type and question), or null. */
  readonly finalGroupAccuracy: GroupAccuracyMap | null;
  /** Wall-clock seconds of this process's training (after setup). */
  readonly seconds: number;
  /** Training images per second in this process (evaluation excluded). */
  readonly imagesPerSecond: number;
  /** The newest checkpoint. */
  readonly lastCheckpoint: string | null;
  /** The checkpoint of the epoch with the best test accuracy (`checkpoints/best.ckpt`), or null before any evaluation. */
  readonly bestCheckpoint: string | null;
  /**
   * Warnings of this process, also printed on stderr: a learning rate far outside the recipe's, a
   * final test accuracy at chance level, checkpoints passed over or set aside on resume, a stale
   * lock taken over.
   */
  readonly warnings: readonly string[];
}

/** The best epoch by test accuracy (the earliest of equals) of a run's records. */
export function bestRecord(records: readonly EpochRecord[]): EpochRecord | undefined {
  return records
    .filter((x) => x.testAccuracy !== null)
    .reduce<EpochRecord | undefined>((b, x) => (b === undefined || (x.testAccuracy ?? 0) > (b.testAccuracy ?? 0) ? x : b), undefined);
}

/** Prints the summary: `--json` as JSON on stdout, otherwise an aligned block for people. */
export function printTrainSummary(io: CliIo, summary: TrainSummary, json: boolean): void {
  if (json) {
    printJson(io, summary);
    return;
  }
  const p = summary.parameters;
  const aux = summary.finalTrainAuxLoss !== null && summary.finalTrainAuxLoss !== 0 ? `, aux ${summary.finalTrainAuxLoss.toFixed(4)}` : '';
  io.stdout(
    [
      `Run ${summary.status}: ${summary.epochs} epochs, ${summary.steps} steps in ${formatDuration(summary.seconds)}`,
      `  model            ${summary.model} (${p.total.toLocaleString('en-US')} parameters, ${p.trainable.toLocaleString('en-US')} trainable)`,
      `  data             ${summary.dataset}`,
      `  recipe           ${summary.recipe}`,
      `  backend          ${summary.backend}`,
      `  best accuracy    ${percent(summary.bestAccuracy)}${summary.bestEpoch !== null ? ` (epoch ${summary.bestEpoch})` : ''}`,
      `  final accuracy   ${percent(summary.finalAccuracy)}`,
      ...groupSummaryLines(summary.finalGroupAccuracy),
      `  final loss       train ${summary.finalTrainTaskLoss?.toFixed(4) ?? '-'}${aux}, test ${summary.finalLoss?.toFixed(4) ?? '-'}`,
      `  speed            ${summary.imagesPerSecond.toFixed(1)} images/s`,
      `  run directory    ${summary.runDir}`,
      `  last checkpoint  ${summary.lastCheckpoint ?? '-'}`,
      `  best checkpoint  ${summary.bestCheckpoint ?? '-'}`,
      ...(summary.warnings.length > 0 ? [`  warnings         ${summary.warnings.length} (see above and summary.json)`] : []),
      ...(summary.status === 'stopped' ? [`Continue with: ait train --resume ${summary.runDir}`] : []),
      '',
    ].join('\n'),
  );
}
