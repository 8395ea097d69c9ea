import manifestJson from '../../pretrained/manifest.json';
import { PretrainedModelError } from './pretrained-error';
import { parsePretrainedManifest, type PretrainedManifest, type PretrainedModelInfo } from './pretrained-manifest';

let shipped: PretrainedManifest | undefined;

/** The manifest of the pretrained models shipped in this build of `@ait/vision` (checked on first use). */
export function shippedPretrainedManifest(): PretrainedManifest {
  shipped ??= parsePretrainedManifest(manifestJson, "@ait/vision's pretrained/manifest.json");
  return shipped;
}

/** Which pretrained models {@link listPretrained} lists. */
export interface PretrainedFilter {
  /** Only models trained from this preset, e.g. `ait-tiny-conv`. */
  readonly preset?: string;
  /** Only models trained on this data set, e.g. `mnist`. */
  readonly dataset?: string;
}

/**
 * The pretrained models shipped in `@ait/vision`, sorted by name, each with its facts: preset and
 * config, input shape, normalisation and classes, the data set and test split it was measured on,
 * its measured accuracy, the recipe and seed it was trained with, the code commit, and the weight
 * file's size and SHA-256. Synchronous: the manifest is part of the package; the weights are not
 * loaded (see {@link loadPretrainedModel}).
 */
export function listPretrained(filter: PretrainedFilter = {}): PretrainedModelInfo[] {
  return shippedPretrainedManifest()
    .models.filter(
      (m) =>
        (filter.preset === undefined || m.preset === filter.preset) && (filter.dataset === undefined || m.dataset.name === filter.dataset),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The shipped pretrained model `name`, or a {@link PretrainedModelError} (`unknown-name`) that lists
 * the names there are (and, for a preset name, the pretrained models of that preset).
 */
export function findPretrained(name: string): PretrainedModelInfo {
  const models = listPretrained();
  const found = models.find((m) => m.name === name);
  if (found) return found;
  const ofPreset = models.filter((m) => m.preset === name).map((m) => m.name);
  const available = models.length > 0 ? `Available: ${models.map((m) => m.name).join(', ')}` : 'This version of @ait/vision ships none';
  throw new PretrainedModelError(
    'unknown-name',
    ofPreset.length > 0
      ? `"${name}" is a model preset, not a pretrained model: its pretrained weights are ${ofPreset.join(', ')}. Load one of those names.`
      : `Unknown pretrained model "${name}". ${available} (see listPretrained()).`,
  );
}
