import { z } from '@ait/core';
import { Option, type Command } from 'commander';
import { flagParser } from './option-parsers';
import type { GivenSetting, GivenSettings } from './resume-settings';
import {
  flagName,
  TRAIN_OPTIONS,
  trainOptionEntries,
  type TrainOptionKey,
  type TrainOptionKeysWhere,
  type TrainOptionsHelpedByCommand,
  type TrainOptionSpec,
  type TrainOptionValue,
} from './train-option-table';

export { flagName } from './train-option-table';

/** The options of `ait train` a `--config` file may set. */
type ConfigFileKey = TrainOptionKeysWhere<'configFile', true>;

/** The settings of `ait train`, each optional: one per entry of {@link TRAIN_OPTIONS}. */
type TableOptions = { [K in TrainOptionKey]?: TrainOptionValue<K> };

/**
 * Options of `ait train` (flags and config file keys; flags win): one field per entry of
 * `TRAIN_OPTIONS` (`util/train-option-table.ts`, where each is described), plus `--json`.
 */
export interface TrainCommandOptions extends TableOptions {
  /** Machine-readable JSON output on stdout (the `--json` of every command). */
  json?: boolean;
}

/** The zod shape of a config file: each option a config file may set, optional. */
type ConfigFileShape = { [K in ConfigFileKey]: z.ZodOptional<(typeof TRAIN_OPTIONS)[K]['value']['schema']> };

/**
 * Schema of a `--config` file (JSON or YAML): the flags' long names in camelCase (`batchSize`),
 * and the keys that have no flag (`labelSmoothing`, `modelConfig`); unknown keys are refused.
 * Made from `TRAIN_OPTIONS`: a key is checked by the same schema as its flag.
 */
export const trainConfigFileSchema = z.strictObject(
  Object.fromEntries(
    trainOptionEntries().flatMap(({ key, spec }) => (spec.configFile ? [[key, spec.value.schema.optional()]] : [])),
  ) as ConfigFileShape,
);

/** The settings of a `--config` file. */
export type FileSettings = z.output<typeof trainConfigFileSchema>;

/** The settings given by flags (first) and the config file, each with where it came from. */
export function givenSettings(options: TrainCommandOptions, file: FileSettings, filePath: string | undefined): GivenSettings {
  const given: Record<string, GivenSetting> = {};
  for (const key of Object.keys(trainConfigFileSchema.shape) as ConfigFileKey[]) {
    const flag = options[key];
    if (flag !== undefined) given[key] = { value: flag, source: TRAIN_OPTIONS[key].flag ? flagName(key) : key };
    else if (file[key] !== undefined) given[key] = { value: file[key], source: `key "${key}" of ${filePath ?? 'the config file'}` };
  }
  return given;
}
/** `-e, --epochs <n>`: the flags of an option as commander and `--help` write them. */
export function trainOptionFlags(key: TrainOptionKey): string {
  const spec: TrainOptionSpec = TRAIN_OPTIONS[key];
  return `${spec.short !== undefined ? `${spec.short}, ` : ''}${flagName(key)}${spec.valueName !== undefined ? ` <${spec.valueName}>` : ''}`;
}

/**
 * The `--help` text of an option: its help, then in parentheses its note, its default (`default
 * 4`, `default: the recipe`) and `may change on --resume` where that applies.
 */
export function trainOptionDescription(key: TrainOptionKey, help?: string): string {
  const spec: TrainOptionSpec = TRAIN_OPTIONS[key];
  const text = help ?? (typeof spec.help === 'function' ? spec.help() : spec.help);
  if (text === undefined) throw new Error(`ait train: option ${key} has no help text; pass it to addTrainOptions.`);
  const d = spec.defaultText;
  const notes = [
    ...(spec.note !== undefined ? [spec.note] : []),
    ...(d !== undefined ? [/\s/.test(d) ? `default: ${d}` : `default ${d}`] : []),
    ...(spec.onResume === 'may-change' ? ['may change on --resume'] : []),
  ];
  return notes.length > 0 ? `${text} (${notes.join('; ')})` : text;
}

/** The commander option of a flag of {@link TRAIN_OPTIONS}, its value parsed by the entry's schema. */
export function trainCommanderOption(key: TrainOptionKey, help?: string): Option {
  const spec: TrainOptionSpec = TRAIN_OPTIONS[key];
  const option = new Option(trainOptionFlags(key), trainOptionDescription(key, help));
  if (spec.value.choices !== undefined) option.choices(spec.value.choices);
  if (spec.value.kind !== 'switch') option.argParser(flagParser(spec.value));
  return option;
}

/**
 * Adds the flags of {@link TRAIN_OPTIONS} to `command` in table order; `help` holds the help text
 * of the options whose entry has none (`--dataset`). Returns `command`.
 */
export function addTrainOptions(command: Command, help: Readonly<Record<TrainOptionsHelpedByCommand, string>>): Command {
  const passed: Readonly<Partial<Record<TrainOptionKey, string>>> = help;
  for (const { key, spec } of trainOptionEntries()) {
    if (spec.flag) command.addOption(trainCommanderOption(key, passed[key]));
  }
  return command;
}
