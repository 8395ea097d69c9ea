import type { Dataset } from '@ait/datasets';
import type { CliIo } from '../util/cli-io';
import { openSplit, planDataset } from '../util/dataset-choice';
import { printJson } from '../util/output';

/** What `ait data info` reports for one split. */
export interface SplitInfo {
  readonly name: string;
  readonly size: number | null;
  readonly imageShape: readonly number[];
  readonly classes: number;
  readonly labelNames: readonly string[];
  readonly normalization: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly extraInputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly access: Dataset['access'];
}

function describeSplit(d: Dataset): SplitInfo {
  return {
    name: d.name,
    size: d.size ?? null,
    imageShape: [...d.imageShape],
    classes: d.numClasses,
    labelNames: [...d.labelNames],
    normalization: { mean: [...d.normalization.mean], std: [...d.normalization.std] },
    extraInputs: d.extraInputs.map((e) => ({ name: e.name, shape: [...e.shape] })),
    access: d.access,
  };
}

/** `ait data info <dataset>`: sizes, image shape, classes and label names of both splits. */
export async function dataInfoCommand(dataset: string, options: { json?: boolean }, io: CliIo): Promise<number> {
  const plan = planDataset(dataset);
  const splits: Record<'train' | 'test', SplitInfo> = {
    train: describeSplit(await openSplit(plan, 'train')),
    test: describeSplit(await openSplit(plan, 'test')),
  };
  if (options.json) {
    printJson(io, { command: 'data info', dataset: plan.choice, ...splits });
    return 0;
  }
  const t = splits.train;
  io.stdout(
    [
      `Data set ${plan.choice}`,
      `  train        ${t.name}: ${t.size ?? 'streamed'} examples`,
      `  test         ${splits.test.name}: ${splits.test.size ?? 'streamed'} examples`,
      `  image shape  [${t.imageShape.join(', ')}] (height, width, channels)`,
      `  classes      ${t.classes}: ${t.labelNames.join(', ')}`,
      `  normalise    mean [${t.normalization.mean.join(', ')}], std [${t.normalization.std.join(', ')}]`,
      ...(t.extraInputs.length > 0 ? [`  extra inputs ${t.extraInputs.map((e) => `${e.name} [${e.shape.join(', ')}]`).join(', ')}`] : []),
      '',
    ].join('\n'),
  );
  return 0;
}
