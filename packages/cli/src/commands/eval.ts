import type { BackendChoice } from '@ait/core';
import { datasetBatchSource } from '@ait/datasets';
import type { CliIo } from '../util/cli-io';
import { classificationReport } from '../util/confusion-matrix';
import { openSplit, planDataset } from '../util/dataset-choice';
import { formatTable, percent, printJson } from '../util/output';
import { restoreRun } from '../util/run-checkpoint';

/** Options of `ait eval`. */
export interface EvalCommandOptions {
  /** Another data set (name or folder) instead of the run's test split. */
  dataset?: string;
  /** Evaluate only the first n examples. */
  limit?: number;
  batchSize?: number;
  backend?: BackendChoice;
  json?: boolean;
}

/**
 * `ait eval <run dir or checkpoint>`: rebuilds the checkpoint's model and reports its loss,
 * accuracy and confusion matrix on the run's test split (or `--dataset`'s test split).
 */
export async function evalCommand(target: string, options: EvalCommandOptions, io: CliIo): Promise<number> {
  const sizes = options.limit !== undefined ? { testSize: options.limit } : {};
  const restored = await restoreRun(
    target,
    (config) =>
      openSplit(
        options.dataset !== undefined
          ? planDataset(options.dataset, sizes)
          : { ...config.dataset, ...(options.limit !== undefined ? { testLimit: options.limit } : {}) },
        'test',
      ),
    {},
    options.backend,
  );
  const { model, data, config, path } = restored;
  try {
    const source = datasetBatchSource(data, { batchSize: options.batchSize ?? 128, shuffle: false });
    const report = await classificationReport(model, source, data.numClasses);
    const result = {
      command: 'eval',
      checkpoint: path,
      model: config.model,
      dataset: data.name,
      examples: report.examples,
      loss: report.loss,
      accuracy: report.accuracy,
      labelNames: [...data.labelNames],
      confusion: report.confusion,
    };
    if (options.json) {
      printJson(io, result);
    } else {
      const names = data.labelNames;
      io.stdout(
        `Checkpoint ${path}\nModel ${config.model} on ${data.name} (${report.examples} examples)\n` +
          `  loss      ${report.loss.toFixed(4)}\n  accuracy  ${percent(report.accuracy)}\n\n` +
          'Confusion matrix (rows: true class, columns: predicted)\n' +
          formatTable(
            ['true \\ predicted', ...names],
            report.confusion.map((row, i) => [names[i] ?? String(i), ...row]),
          ),
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}
