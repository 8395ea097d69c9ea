import { initBackend, type BackendChoice } from '@ait/core';
import type { DatasetInfo } from '@ait/datasets';
import { listPretrained, loadPretrainedModel, PretrainedModelError, type PretrainedModelInfo, type VisionModel } from '@ait/vision';
import { CliError } from './cli-error';
import type { DatasetPlan } from './dataset-choice';

/** A shipped pretrained model, loaded, with its manifest entry. */
export interface OpenedPretrained {
  readonly info: PretrainedModelInfo;
  readonly model: VisionModel;
}

/**
 * Initialises `backend` and loads the pretrained model `name` of `@ait/vision` (weights checked
 * against the manifest's SHA-256). An unknown name is a usage error (exit 2) listing the names there
 * are; other problems (missing or damaged weights) fail with exit 1. The caller disposes the model.
 */
export async function openPretrained(name: string, backend: BackendChoice = 'auto'): Promise<OpenedPretrained> {
  await initBackend({ backend });
  try {
    const model = await loadPretrainedModel(name);
    const info = listPretrained().find((m) => m.name === name) as PretrainedModelInfo;
    return { info, model };
  } catch (err) {
    if (err instanceof PretrainedModelError) {
      throw new CliError(`--pretrained ${name}: ${err.message}`, err.kind === 'unknown-name' ? 2 : 1, { cause: err });
    }
    throw err;
  }
}

/** The data set plan a pretrained model was measured with (the `dataset` of its training run's `run.json`). */
export function pretrainedDatasetPlan(info: PretrainedModelInfo): DatasetPlan {
  const plan = info.dataset.plan as Partial<DatasetPlan>;
  if (typeof plan.choice !== 'string' || typeof plan.test !== 'object' || plan.test === null) {
    throw new CliError(`The manifest entry of ${info.name} records no usable data set plan; give --dataset.`, 2);
  }
  return plan as DatasetPlan;
}

/** What a pretrained model's manifest says about its input, in the shape of a data set's facts (for `ait predict`). */
export function pretrainedDataInfo(info: PretrainedModelInfo): DatasetInfo {
  const [h, w, c] = info.input.imageShape;
  return {
    name: info.dataset.name,
    size: undefined,
    imageShape: [h, w, c],
    numClasses: info.input.classes,
    labelNames: [...info.input.labelNames],
    normalization: { mean: [...info.input.normalization.mean], std: [...info.input.normalization.std] },
    extraInputs: info.input.extraInputs.map((e) => ({ name: e.name, shape: [...e.shape] })),
  };
}
