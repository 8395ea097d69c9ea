import type { BackendChoice } from '@ait/core';
import { datasetBatchSource, exampleGroupings, type Dataset } from '@ait/datasets';
import type { VisionModel } from '@ait/vision';
import { resolveBestCheckpoint } from '../util/best-checkpoint';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { classificationReport, type ClassificationReport } from '../util/confusion-matrix';
import { openSplit, planDataset } from '../util/dataset-choice';
import { groupTables } from '../util/group-report';
import { formatTable, percent, printJson } from '../util/output';
import { openPretrained, pretrainedDatasetPlan } from '../util/pretrained-choice';
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
  /** The target names a pretrained model shipped with `@ait/vision`, not a run. */
  pretrained?: boolean;
  backend?: BackendChoice;
  json?: boolean;
}

/** Loss, accuracy, confusion matrix and (Sort-of-CLEVR) accuracy per group of `model` on `data`. */
async function evaluate(model: VisionModel, data: Dataset, batchSize: number | undefined): Promise<ClassificationReport> {
  const source = datasetBatchSource(data, { batchSize: batchSize ?? 128, shuffle: false });
  const groupings = data.access !== 'stream' ? await exampleGroupings(data) : [];
  return classificationReport(model, source, data.numClasses, groupings);
}

/** The report's lines after the header: loss, accuracy (with `recorded` beside it), groups, confusion matrix. */
function reportText(report: ClassificationReport, data: Dataset, recorded = ''): string {
  const names = data.labelNames;
  return (
    `  loss      ${report.loss.toFixed(4)}\n  accuracy  ${percent(report.accuracy)}${recorded}\n\n` +
    (report.groups.length > 0 ? `${groupTables(report.groups)}\n` : '') +
    'Confusion matrix (rows: true class, columns: predicted)\n' +
    formatTable(
      ['true \\ predicted', ...names],
      report.confusion.map((row, i) => [names[i] ?? String(i), ...row]),
    )
  );
}

/** The part of a result every `ait eval` reports, run or pretrained model. */
function measured(report: ClassificationReport, data: Dataset): Record<string, unknown> {
  return {
    dataset: data.name,
    examples: report.examples,
    loss: report.loss,
    accuracy: report.accuracy,
    groups: report.groups,
    labelNames: [...data.labelNames],
    confusion: report.confusion,
  };
}

/**
 * `ait eval --pretrained <name>`: loads a pretrained model shipped with `@ait/vision` and reports
 * the same as for a run on the test split it was measured on (or `--dataset`'s), with the accuracy
 * its manifest records beside the one measured now.
 */
async function evalPretrained(name: string, options: EvalCommandOptions, io: CliIo): Promise<number> {
  if (options.best === true)
    throw new CliError('--best picks a checkpoint of a run; a pretrained model has one set of weights. Drop --best.', 2);
  const { info, model } = await openPretrained(name, options.backend);
  try {
    const limit = options.limit !== undefined ? { testLimit: options.limit } : {};
    const plan =
      options.dataset !== undefined
        ? planDataset(options.dataset, options.limit !== undefined ? { testSize: options.limit } : {})
        : { ...pretrainedDatasetPlan(info), ...limit };
    const data = await openSplit(plan, 'test');
    const report = await evaluate(model, data, options.batchSize);
    const recorded = {
      accuracy: info.accuracy,
      examples: info.dataset.testSize,
      dataset: info.dataset.name,
      meetsTarget: info.meetsTarget,
    };
    if (options.json) {
      printJson(io, { command: 'eval', pretrained: name, model: info.preset, ...measured(report, data), recorded });
    } else {
      const subset =
        options.dataset !== undefined
          ? `; measured now on ${data.name}`
          : report.examples !== info.dataset.testSize
            ? `; measured now on the first ${report.examples}`
            : '';
      io.stdout(
        `Pretrained model ${name} (${info.preset}, trained on ${info.dataset.name}, commit ${info.commit.slice(0, 7)})\n` +
          `Model ${info.preset} on ${data.name} (${report.examples} examples)\n` +
          reportText(
            report,
            data,
            `   (manifest: ${percent(info.accuracy)} on ${info.dataset.testSize} ${info.dataset.name} test examples${subset})`,
          ),
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * `ait eval <run dir or checkpoint>`: rebuilds the checkpoint's model (the newest of a run, or with
 * `best` its best) and reports its loss, accuracy and confusion matrix on the run's test split (or
 * `--dataset`'s test split), and for data sets with groupings (Sort-of-CLEVR) the accuracy per
 * question type and per sub-question. With `pretrained`, `target` names a pretrained model of
 * `@ait/vision` instead, evaluated beside the accuracy its manifest records.
 */
export async function evalCommand(target: string, options: EvalCommandOptions, io: CliIo): Promise<number> {
  if (options.pretrained === true) return evalPretrained(target, options, io);
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
    const report = await evaluate(model, data, options.batchSize);
    if (options.json) {
      printJson(io, {
        command: 'eval',
        checkpoint: path,
        position: { ...checkpoint.position },
        model: config.model,
        ...measured(report, data),
      });
    } else {
      const pos = checkpoint.position;
      const where = pos.stepInEpoch === 0 ? `after epoch ${pos.epoch}` : `epoch ${pos.epoch + 1}, batch ${pos.stepInEpoch}`;
      io.stdout(
        `Checkpoint ${path} (${where}, step ${pos.step})\n` +
          `Model ${config.model} on ${data.name} (${report.examples} examples)\n` +
          reportText(report, data),
      );
    }
    return 0;
  } finally {
    model.dispose();
  }
}
