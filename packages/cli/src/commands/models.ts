import { countParameters, initBackend, type BackendChoice } from '@ait/core';
import { createModel, listModels, presetParameterCount, type ModelInfo } from '@ait/vision';
import { recipeFor, type TrainingRecipe } from '../util/training-recipe';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { buildForData } from '../util/model-for-data';
import { formatTable, printJson } from '../util/output';

/** Columns the `ait models` table fits in unless `--wide` is given. */
export const MODELS_TABLE_WIDTH = 100;

/** One row of `ait models`. */
export interface ModelRow {
  readonly name: string;
  readonly family: string;
  readonly scale: 'paper' | 'cpu';
  /**
   * Total parameters of the preset as registered, for its own image size and classes (images
   * `imageShape`); `null` when the preset cannot be built from an image alone.
   */
  readonly parameters: number | null;
  /** The images `[height, width, channels]` the count is for; `null` with `parameters`. */
  readonly imageShape: readonly [number, number, number] | null;
  readonly description: string;
  /** The training recipe `ait train` uses for this preset (its own settings over its scale's defaults). */
  readonly recipe: TrainingRecipe;
}

/** Options of {@link modelsCommand}. */
export interface ModelsCommandOptions {
  /** Only this family. */
  readonly family?: string;
  /** Only `cpu` or `paper` presets. */
  readonly scale?: string;
  /** Backend for building a preset whose parameters cannot be counted from its config (none of `@ait/vision`'s). */
  readonly backend?: BackendChoice;
  /** Whole descriptions, however long the lines get. */
  readonly wide?: boolean;
  /** JSON instead of the table. */
  readonly json?: boolean;
}

/**
 * Parameters of a preset whose family has no formula in `@ait/vision`: built once for its own
 * image size (the backend is started on first use) and counted; `null` if it cannot be built.
 */
async function builtParameterCount(
  preset: ModelInfo,
  startBackend: () => Promise<void>,
): Promise<Pick<ModelRow, 'parameters' | 'imageShape'>> {
  await startBackend();
  const size = Number(preset.defaults.imageSize ?? 32);
  const channels = Number(preset.defaults.channels ?? 3);
  const model = createModel(preset.name);
  try {
    buildForData(model, { imageShape: [size, size, channels], extraInputs: [] });
    return { parameters: countParameters(model).total, imageShape: [size, size, channels] };
  } catch {
    return { parameters: null, imageShape: null };
  } finally {
    if (model.built) model.dispose();
  }
}

/** `text` cut to at most `width` characters, ending in `…` when cut. */
function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1)).trimEnd()}…`;
}

/**
 * The registry as a text table: name, family, scale, parameters and description. Unless `wide`,
 * descriptions are shortened so that every line fits {@link MODELS_TABLE_WIDTH} columns, and a
 * last line says how to see them whole.
 */
export function formatModelsTable(rows: readonly ModelRow[], wide = false): string {
  const header = ['name', 'family', 'scale', 'parameters', 'description'];
  const cells = rows.map((r) => [r.name, r.family, r.scale, r.parameters ?? '-'] as (string | number)[]);
  // the columns before the description, as formatTable lays them out (two spaces between columns)
  const before = header
    .slice(0, 4)
    .reduce((sum, title, i) => sum + 2 + Math.max(title.length, ...cells.map((c) => (c[i] ?? '').toLocaleString('en-US').length)), 0);
  const room = Math.max(header[4]?.length ?? 0, MODELS_TABLE_WIDTH - before);
  const shortened = rows.some((r) => !wide && r.description.length > room);
  const table = formatTable(
    header,
    rows.map((r, i) => [...(cells[i] ?? []), wide ? r.description : shorten(r.description, room)]),
  );
  return shortened ? `${table}(descriptions shortened: \`ait models --wide\` shows them whole, \`--json\` shows everything)\n` : table;
}

/**
 * `ait models`: the model registry (name, family, scale, parameter count, description), optionally
 * one family or scale. Parameter counts come from each preset's config (`presetParameterCount` of
 * `@ait/vision`: nothing is built, so the 90 M-parameter presets cost nothing); a preset of a
 * family without a formula is built once to be counted.
 */
export async function modelsCommand(options: ModelsCommandOptions, io: CliIo): Promise<number> {
  if (options.scale !== undefined && options.scale !== 'cpu' && options.scale !== 'paper') {
    throw new CliError(`Unknown scale "${options.scale}"; choose cpu or paper.`, 2);
  }
  const all = listModels();
  if (options.family !== undefined && !all.some((m) => m.family === options.family)) {
    throw new CliError(`Unknown model family "${options.family}"; choose one of ${[...new Set(all.map((m) => m.family))].join(', ')}.`, 2);
  }
  const chosen = listModels({
    ...(options.family !== undefined ? { family: options.family } : {}),
    ...(options.scale !== undefined ? { scale: options.scale as 'cpu' | 'paper' } : {}),
  });
  let backend: Promise<unknown> | undefined;
  const startBackend = async (): Promise<void> => {
    backend ??= initBackend({ backend: options.backend ?? 'auto' });
    await backend;
  };
  const rows: ModelRow[] = [];
  for (const m of chosen) {
    const counted = presetParameterCount(m.name);
    const count = counted ? { parameters: counted.total, imageShape: counted.imageShape } : await builtParameterCount(m, startBackend);
    rows.push({ name: m.name, family: m.family, scale: m.scale, ...count, description: m.description, recipe: recipeFor(m) });
  }
  if (options.json) printJson(io, { command: 'models', models: rows });
  else io.stdout(formatModelsTable(rows, options.wide ?? false));
  return 0;
}
