import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countParameters, parseSafetensorsHeader, writeSafetensorsFile } from '@ait/core';
import type { VisionModel } from '@ait/vision';
import { version } from '../../package.json';
import { exportedModelInfo, EXPORT_INFO_FILE } from '../util/exported-model-info';
import { findPreset } from '../util/model-for-data';
import type { RestoredRun } from '../util/run-checkpoint';
import {
  SAFETENSORS_EXPORT_FORMAT,
  SAFETENSORS_FILE,
  type SafetensorsExportInfo,
  type WeightLayout,
} from '../util/safetensors-export-info';
import { officialModel, officialSource, weightsToSafetensors } from '../util/safetensors-weights';

/** The model's complete config without the layer bookkeeping (`name`, `trainable`, ...). */
function modelConfigOf(model: VisionModel): Record<string, unknown> {
  const {
    name: _name,
    trainable: _trainable,
    dtype: _dtype,
    batchInputShape: _shape,
    ...config
  } = model.getConfig() as Record<string, unknown>;
  return config;
}

/** What {@link exportSafetensors} wrote. */
export interface SafetensorsExport {
  readonly info: SafetensorsExportInfo;
  readonly files: readonly string[];
  /** Tensors in the weights file. */
  readonly tensors: number;
  readonly bytes: number;
}

/**
 * Writes a restored run's model as `model.safetensors` in `layout` (see `weightsToSafetensors`)
 * plus `ait-model.json` ({@link SafetensorsExportInfo}: preprocessing, preset, model config, data
 * set and recipe of the run, so that `ait import` rebuilds the model without further flags) into
 * the folder `out`, which the caller has checked. A family or config without an official map is
 * refused (exit 2) before anything is written.
 */
export async function exportSafetensors(restored: RestoredRun, layout: WeightLayout, out: string): Promise<SafetensorsExport> {
  const { model, data, config, path, checkpoint } = restored;
  const { family } = findPreset(config.model);
  const official = layout === 'official' ? officialSource(officialModel(model, config.model, family), config.model) : undefined;
  const { output: _probabilities, ...base } = exportedModelInfo(config.model, data, path, checkpoint.position);
  const { changes: _changes, ...run } = config;
  const info: SafetensorsExportInfo = {
    format: SAFETENSORS_EXPORT_FORMAT,
    ...base,
    weights: SAFETENSORS_FILE,
    layout,
    family,
    output: 'logits',
    parameters: countParameters(model).total,
    config: modelConfigOf(model),
    ...(official !== undefined ? { official } : {}),
    run,
  };
  const bytes = await weightsToSafetensors(model, layout, config.model, family, {
    ait_model: config.model,
    ait_cli_version: version,
  });
  await mkdir(out, { recursive: true });
  const weightsPath = join(out, SAFETENSORS_FILE);
  const infoPath = join(out, EXPORT_INFO_FILE);
  await writeSafetensorsFile(weightsPath, bytes);
  await writeFile(infoPath, `${JSON.stringify(info, null, 2)}\n`, 'utf8');
  return {
    info,
    files: [weightsPath, infoPath],
    tensors: parseSafetensorsHeader(bytes, bytes.byteLength, weightsPath).tensors.size,
    bytes: bytes.byteLength,
  };
}
