import { dirname, join } from 'node:path';
import { countParameters, modelSummary, type BackendChoice } from '@ait/core';
import type { CliIo } from '../util/cli-io';
import { readRecords } from '../util/metrics-log';
import { printJson } from '../util/output';
import { RUN_FILES } from '../util/run-config';
import { restoreRun } from '../util/run-checkpoint';

/**
 * `ait inspect <checkpoint or run dir>`: the checkpoint file's facts (format, size, hash, time),
 * its position, the run config, the model summary and parameter counts, and the run's metrics
 * (from `metrics.jsonl` beside the checkpoints, if there is one).
 */
export async function inspectCommand(target: string, options: { backend?: BackendChoice; json?: boolean }, io: CliIo): Promise<number> {
  const { model, checkpoint, config, path } = await restoreRun(target, undefined, {}, options.backend);
  try {
    const parameters = countParameters(model);
    const summary = modelSummary(model, { maxRows: 40 });
    const runDir = dirname(dirname(path));
    const metrics = await readRecords(join(runDir, RUN_FILES.metrics));
    const result = {
      command: 'inspect',
      checkpoint: { ...checkpoint.info },
      position: { ...checkpoint.position },
      config,
      parameters,
      lastEpoch: checkpoint.metadata.lastEpoch ?? null,
      metrics,
      summary,
    };
    if (options.json) {
      printJson(io, result);
      return 0;
    }
    const i = checkpoint.info;
    const p = checkpoint.position;
    io.stdout(
      [
        `Checkpoint ${path}`,
        `  written     ${i.createdAt} by @ait/core ${i.libraryVersion} (format ${i.formatVersion}, ${i.bytes.toLocaleString('en-US')} bytes, sha256 ${i.sha256.slice(0, 16)}...)`,
        `  position    epoch ${p.epoch} (0-based, in progress), step ${p.step}, batch ${p.stepInEpoch} of the epoch`,
        `  model       ${config.model} ${JSON.stringify(config.modelConfig)}`,
        `  data        ${config.dataset.choice}`,
        `  recipe      ${JSON.stringify(config.recipe)}, seed ${config.seed}`,
        '',
        summary.trimEnd(),
        '',
        ...(metrics.length > 0
          ? [
              'Metrics (metrics.jsonl)',
              ...metrics.map(
                (m) =>
                  `  epoch ${m.epoch}: loss ${m.loss.toFixed(4)}, test loss ${m.testLoss?.toFixed(4) ?? '-'}, test accuracy ${m.testAccuracy?.toFixed(4) ?? '-'}`,
              ),
            ]
          : ['No metrics.jsonl next to this checkpoint.']),
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    model.dispose();
  }
}
