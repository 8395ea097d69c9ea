import { countParameters, initBackend, type BackendChoice } from '@ait/core';
import { createModel, listModels } from '@ait/vision';
import { recipeFor, type TrainingRecipe } from '../util/training-recipe';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { buildForData } from '../util/model-for-data';
import { formatTable, printJson } from '../util/output';

/** One row of `ait models`. */
export interface ModelRow {
  readonly name: string;
  readonly family: string;
  readonly scale: 'paper' | 'cpu';
  /** Total parameters of the preset as registered (its own image size and classes). */
  /** `null` when the preset cannot be built from an image alone (e.g. it needs a question input). */
  readonly parameters: number | null;
  readonly description: string;
  /** The training recipe `ait train` uses for this preset (its own settings over its scale's defaults). */
  readonly recipe: TrainingRecipe;
}

function parameterCount(name: string, defaults: Readonly<Record<string, unknown>>): number | null {
  const model = createModel(name);
  try {
    const size = Number(defaults.imageSize ?? 32);
    const channels = Number(defaults.channels ?? 3);
    buildForData(model, { imageShape: [size, size, channels], extraInputs: [] });
    return countParameters(model).total;
  } catch {
    return null;
  } finally {
    if (model.built) model.dispose();
  }
}

/**
 * `ait models`: the model registry (name, family, scale, parameter count, description), optionally
 * one family or scale. Parameter counts come from building each preset once.
 */
export async function modelsCommand(
  options: { family?: string; scale?: string; backend?: BackendChoice; json?: boolean },
  io: CliIo,
): Promise<number> {
  if (options.scale !== undefined && options.scale !== 'cpu' && options.scale !== 'paper') {
    throw new CliError(`Unknown scale "${options.scale}"; choose cpu or paper.`, 2);
  }
  const all = listModels();
  if (options.family !== undefined && !all.some((m) => m.family === options.family)) {
    throw new CliError(`Unknown model family "${options.family}"; choose one of ${[...new Set(all.map((m) => m.family))].join(', ')}.`, 2);
  }
  await initBackend({ backend: options.backend ?? 'auto' });
  const chosen = listModels({
    ...(options.family !== undefined ? { family: options.family } : {}),
    ...(options.scale !== undefined ? { scale: options.scale as 'cpu' | 'paper' } : {}),
  });
  const rows: ModelRow[] = chosen.map((m) => ({
    name: m.name,
    family: m.family,
    scale: m.scale,
    parameters: parameterCount(m.name, m.defaults),
    description: m.description,
    recipe: recipeFor(m),
  }));
  if (options.json) {
    printJson(io, { command: 'models', models: rows });
  } else {
    io.stdout(
      formatTable(
        ['name', 'family', 'scale', 'parameters', 'description'],
        rows.map((r) => [r.name, r.family, r.scale, r.parameters ?? '-', r.description]),
      ),
    );
  }
  return 0;
}
