import type { DatasetInfo } from '@ait/datasets';
import { createModel, fitPresetToData as visionFitPresetToData, listModels, type ModelInfo, type VisionModel } from '@ait/vision';
import { CliError } from './cli-error';

/** Finds a registered preset or throws a {@link CliError} listing the registered ones. */
export function findPreset(name: string): ModelInfo {
  const all = listModels();
  const info = all.find((m) => m.name === name);
  if (!info) {
    throw new CliError(`Unknown model "${name}". Choose one of: ${all.map((m) => m.name).join(', ')} (see \`ait models\`).`, 2);
  }
  return info;
}

/**
 * The config overrides that fit a preset to a data set: `@ait/vision`'s {@link visionFitPresetToData}
 * (the rule the docs playground follows too), its errors as a {@link CliError} (exit code 2).
 */
export function fitPresetToData(preset: ModelInfo, data: DatasetInfo): Record<string, unknown> {
  try {
    return visionFitPresetToData(preset, data);
  } catch (err) {
    throw new CliError((err as Error).message, 2, { cause: err });
  }
}

/**
 * Creates a preset with overrides; config errors become a {@link CliError} that names the
 * offending keys.
 */
export function createPreset(name: string, overrides: Record<string, unknown>): VisionModel {
  findPreset(name);
  try {
    return createModel(name, overrides);
  } catch (err) {
    throw new CliError(`Model "${name}" rejects its config: ${(err as Error).message}`, 2, { cause: err });
  }
}

// Builds a model's weights for a data set by one inference pass on zeros, its state updates discarded.
export { buildModelForData as buildForData } from '@ait/vision';
