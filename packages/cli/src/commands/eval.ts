import type { BackendChoice } from '@ait/core';
import { datasetBatchSource, exampleGroupings } from '@ait/datasets';
import { resolveBestCheckpoint } from '../util/best-checkpoint';
import type { CliIo } from '../util/cli-io';
import { classificationReport } from '../util/confusion-matrix';
import { openSplit, planDataset } from '../util/dataset-choice';
import { groupTables } from '../util/group-report';
import { formatTable, percent, printJson } from '../util/output';
import { restoreRun } from '../util/run-checkpoint';

/** Options of `ait eval`. */
export interface EvalCommandOptions {
  /** Another data set (name or folder) instead of the run's test split. */
  dataset?: string;
  /** Evaluate only the first n examples. */
  limit?: number;
  batchSize?: number;
  /** Evaluate the run's best checkpoint (`checkpoints/best.ckpt`) instead of its newest. */
  best?: boolean;
  backend?: BackendChoice;
  json?: boolean;
}

/**
 * `ait eval <run dir or checkpoint>`: rebuilds the checkpoint's model (the newest of a run, or with
 * `best` its best) and reports its loss, accuracy and confusion matrix on the run's test split (or
 * `--dataset`'s test split), and for data sets with groupings (Sort-of-CLEVR) the accuracy per
 * question type and per sub-question.
 */
export async function evalCommand(target: string, options: EvalCommandOptions, io: CliIo): Promise<number> {
  const sizes = options.limit !== undefined ? { testSize: options.limit } : {};
  const restored = await restoreRun(
    options.best === true ? resolveBestCheckpoint(target) : target,
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
  const { model, data, config, path, checkpoint } = restored;
  try {
    const source = datasetBatchSource(data, { batchSize: options.batchSize ?? 128, shuffle: false });
    const groupings = data.access !== 'stream' ? await exampleGroupings(data) : [];
    const report = await classificationReport(model, source, data.numClasses, groupings);
    const result = {
      command: 'eval',
      checkpoint: path,
      position: { ...checkpoint.position },
      model: config.model,
      dataset: data.name,
      examples: report.examples,
      loss: report.loss,
      accuracy: report.accuracy,
      groups: report.groups,
      labelNames: [...data.labelNames],
      confusion: report.confusion,
    };
    if (options.json) {
      printJson(io, result);
    } else {
      const names = data.labelNames;
      const pos = checkpoint.position;
      const where = pos.stepInEpoch === 0 ? `after epoch ${pos.epoch}` : `epoch ${pos.epoch + 1}, batch ${pos.stepInEpoch}`;
      io.stdout(
        `Checkpoint ${path} (${where}, step ${pos.step})\n` +
          `Model ${config.model} on ${data.name} (${report.examples} examples)\n` +
          `  loss      ${report.loss.toFixed(4)}\n  accuracy  ${percent(report.accuracy)}\n\n` +
          (report.groups.length > 0 ? `${groupTables(report.groups)}\n` : '') +
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
