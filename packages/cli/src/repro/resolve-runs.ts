import { countParameters } from '@ait/core';
import type { DatasetInfo } from '@ait/datasets';
import { presetParameterCount } from '@ait/vision';
import { openSplit, planDataset } from '../util/dataset-choice';
import { buildForData, createPreset, findPreset, fitPresetToData } from '../util/model-for-data';
import type { ReproDatasetPlan, ReproRun } from './repro-plan';
import type { ResolvedRun } from './repro-runner';
import { matchWidth } from './width-match';

/**
 * Parameters (all weights) of a preset fitted to a data set with overrides: counted from the config
 * (`presetParameterCount`, no weight created), or on a built model for a family without a formula.
 */
export function parametersFor(preset: string, overrides: Readonly<Record<string, unknown>>, data: DatasetInfo): number {
  const config = { ...fitPresetToData(findPreset(preset), data), ...overrides };
  const counted = presetParameterCount(preset, config);
  if (counted !== null) return counted.total;
  const model = createPreset(preset, config);
  buildForData(model, data);
  try {
    return countParameters(model).total;
  } finally {
    model.dispose();
  }
}

/** The shapes, classes and extra inputs of a data set of the suite (its test split, opened and closed again). */
export async function reproDatasetInfo(dataset: string): Promise<DatasetInfo> {
  const data = await openSplit(planDataset(dataset, { trainSize: 1, testSize: 1 }), 'test');
  await data.close?.();
  return data;
}

/**
 * Resolves the widths of a plan's runs: a model with `matchWidth` gets the value of its width
 * option whose parameter count is closest to the data set's reference model (built on the data
 * set's shapes, as `ait train` builds it). Needs an initialised backend; runs without a match
 * come back unchanged.
 */
export async function resolveMatchedWidths(plans: readonly ReproDatasetPlan[], runs: readonly ReproRun[]): Promise<ResolvedRun[]> {
  const infos = new Map<string, DatasetInfo>();
  const matched = new Map<string, { value: number; target: number }>();
  const out: ResolvedRun[] = [];
  for (const run of runs) {
    const plan = plans.find((p) => p.dataset === run.dataset);
    const model = plan?.models.find((m) => m.label === run.label);
    if (plan === undefined || model?.matchWidth === undefined) {
      out.push(run);
      continue;
    }
    const match = model.matchWidth;
    const id = `${run.dataset}/${run.label}`;
    let found = matched.get(id);
    if (found === undefined) {
      let data = infos.get(run.dataset);
      if (data === undefined) {
        data = await reproDatasetInfo(run.dataset);
        infos.set(run.dataset, data);
      }
      const reference = plan.referenceModel ?? plan.models.find((m) => m.label === plan.reference);
      if (reference === undefined) throw new Error(`The suite's plan for ${run.dataset} names no model "${plan.reference}".`);
      const info = data;
      const target = parametersFor(reference.preset, reference.modelConfig, info);
      const width = await matchWidth(target, match, (value) =>
        Promise.resolve(parametersFor(model.preset, { ...model.modelConfig, [match.key]: value }, info)),
      );
      found = { value: width.value, target };
      matched.set(id, found);
    }
    out.push({ ...run, modelConfig: { ...run.modelConfig, [match.key]: found.value }, matchedTo: found.target });
  }
  return out;
}
