import type { BackendChoice, z } from '@ait/core';
import { AUGMENT_NAMES, augmentHelp, DEFAULT_CROP_PADDING } from './augment-option';
import {
  choiceValue,
  integerValue,
  listValue,
  mappingValue,
  numberValue,
  switchValue,
  textValue,
  type OptionValue,
} from './option-parsers';
import { RECIPE_NAMES } from './training-recipe';

/** The AiT CPU preset `ait train` uses without `--model`. */
export const DEFAULT_MODEL = 'ait-tiny-conv';
/** The data set `ait train` uses without `--dataset`. */
export const DEFAULT_DATASET = 'triangle';
/** Backends `--backend` accepts. */
export const BACKEND_CHOICES = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
] as const satisfies readonly BackendChoice[];

/**
 * What `ait train --resume` does with an option: `may-change` (a setting of the run that may take
 * a new value), `must-match` (a setting that defines the run: only the run's own value is
 * accepted), `per-invocation` (chosen anew on every call, not part of the run) or `not-a-setting`
 * (`--config` and `--resume` themselves).
 */
export type ResumeRole = 'may-change' | 'must-match' | 'per-invocation' | 'not-a-setting';

/** One option of `ait train`: its flag, its config-file key (the camelCase key of the table) and its value. */
export interface TrainOptionSpec {
  /** One-letter alias (`-e`). */
  readonly short?: string;
  /** Name of the flag's value in `--help` (`n` for `--epochs <n>`); absent for a switch. */
  readonly valueName?: string;
  /**
   * Help text, without the default and the resume rule (both are added from the fields below); a
   * function where it is made from the table or elsewhere. Absent for `--dataset`, whose text the
   * command passes (it names the data sets).
   */
  readonly help?: string | (() => string);
  /** A remark put in the parentheses before the default: `see \`ait models\``. */
  readonly note?: string;
  /** The value: the one check for the flag and the config-file key. */
  readonly value: OptionValue;
  /** Whether the option is a flag of `ait train` (`--batch-size` for `batchSize`). */
  readonly flag: boolean;
  /** Whether a `--config` file may set it. */
  readonly configFile: boolean;
  readonly onResume: ResumeRole;
  /** The default, in words (`the recipe`, `4`); absent when the help text says it (`--augment`) or there is none. */
  readonly defaultText?: string;
}

/**
 * The options of `ait train`, by config-file key, in `--help` order: the one place an option is
 * written. The command's flags, `trainConfigFileSchema`, `TrainCommandOptions`, the settings
 * `--resume` may change and the help sentences listing them are made from it.
 */
export const TRAIN_OPTIONS = {
  model: {
    short: '-m',
    valueName: 'preset',
    help: 'registered model preset',
    note: 'see `ait models`',
    defaultText: DEFAULT_MODEL,
    value: textValue('a model name (see `ait models`)'),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  dataset: {
    short: '-d',
    valueName: 'name|dir',
    value: textValue('a data set name or folder'),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  recipe: {
    valueName: 'name',
    help: "base recipe: preset (the model preset's own) or paper (the AiT paper's set-up: AdamW lr 1e-4, weight decay 0.01, 100 epochs, 5 warm-up epochs from 1e-5, cosine to 1e-6, batch 512 or 64 on sort-of-clevr, crop 4 + flip on CIFAR); the flags below override its values",
    defaultText: 'preset',
    value: choiceValue(RECIPE_NAMES),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  epochs: {
    short: '-e',
    valueName: 'n',
    help: 'epochs to train',
    defaultText: 'the recipe',
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: true,
    onResume: 'may-change',
  },
  batchSize: {
    short: '-b',
    valueName: 'n',
    help: 'examples per step',
    defaultText: 'the recipe',
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  lr: {
    valueName: 'rate',
    help: 'peak learning rate of the warm-up + cosine schedule',
    defaultText: 'the recipe',
    value: numberValue({ above: 0 }),
    flag: true,
    configFile: true,
    onResume: 'may-change',
  },
  weightDecay: {
    valueName: 'w',
    help: "AdamW's decoupled weight decay",
    defaultText: 'the recipe',
    value: numberValue({ min: 0 }),
    flag: true,
    configFile: true,
    onResume: 'may-change',
  },
  clipNorm: {
    valueName: 'norm',
    help: 'clip the global gradient norm to this value, 0 = off',
    defaultText: 'the recipe',
    value: numberValue({ min: 0 }),
    flag: true,
    configFile: true,
    onResume: 'may-change',
  },
  warmupEpochs: {
    valueName: 'n',
    help: 'linear warm-up length in epochs, fractions allowed',
    defaultText: 'the recipe',
    value: numberValue({ min: 0 }),
    flag: true,
    configFile: true,
    onResume: 'may-change',
  },
  labelSmoothing: {
    help: 'label smoothing of the cross-entropy',
    defaultText: 'the recipe',
    value: numberValue({ min: 0, below: 1 }),
    flag: false,
    configFile: true,
    onResume: 'must-match',
  },
  augment: {
    valueName: 'list',
    // names the data sets each augmentation is refused for, and the default
    help: augmentHelp,
    value: listValue(AUGMENT_NAMES),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  cropPadding: {
    valueName: 'n',
    help: 'zero padding of --augment crop, in pixels',
    defaultText: String(DEFAULT_CROP_PADDING),
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  seed: {
    valueName: 'n',
    help: 'seed of initialisation, dropout and data order',
    defaultText: '0',
    value: integerValue(),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  backend: {
    valueName: 'name',
    help: 'compute backend',
    defaultText: 'auto',
    value: choiceValue(BACKEND_CHOICES),
    flag: true,
    configFile: true,
    onResume: 'per-invocation',
  },
  threads: {
    valueName: 'n',
    help: 'wasm threads for matrix products, 1-8',
    defaultText: 'every core, at most 8',
    value: integerValue({ min: 1, max: 8 }),
    flag: true,
    configFile: true,
    onResume: 'per-invocation',
  },
  out: {
    short: '-o',
    valueName: 'dir',
    help: 'run directory for checkpoints, metrics and curves',
    defaultText: 'runs/<model>-<data>-<time>',
    value: textValue('a folder path'),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  config: {
    short: '-c',
    valueName: 'file',
    help: (): string => configHelp(),
    value: textValue('a file path'),
    flag: true,
    configFile: false,
    onResume: 'not-a-setting',
  },
  resume: {
    short: '-r',
    valueName: 'dir|ckpt',
    help: (): string => resumeHelp(),
    value: textValue('a run directory or .ckpt file'),
    flag: true,
    configFile: false,
    onResume: 'not-a-setting',
  },
  trainSize: {
    valueName: 'n',
    help: 'training examples (generated data) or the first n of a loaded set',
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  testSize: {
    valueName: 'n',
    help: 'test examples, likewise',
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: true,
    onResume: 'must-match',
  },
  checkpointEvery: {
    valueName: 'steps',
    help: 'also save a checkpoint every this many steps',
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: true,
    onResume: 'may-change',
  },
  maxSteps: {
    valueName: 'n',
    help: 'stop (with a checkpoint) once this many steps are done in total',
    value: integerValue({ min: 1 }),
    flag: true,
    configFile: false,
    onResume: 'per-invocation',
  },
  modelConfig: {
    help: "settings of the model preset's config (dim, depth, ...)",
    value: mappingValue('a mapping of model config keys to values'),
    flag: false,
    configFile: true,
    onResume: 'must-match',
  },
  quiet: { short: '-q', help: 'no progress output', value: switchValue(), flag: true, configFile: false, onResume: 'per-invocation' },
} as const satisfies Record<string, TrainOptionSpec>;

type Table = typeof TRAIN_OPTIONS;
/** A key of {@link TRAIN_OPTIONS}: an option of `ait train` (`batchSize`). */
export type TrainOptionKey = keyof Table;
/** The keys of {@link TRAIN_OPTIONS} whose entry has `field` of type `V`. */
export type TrainOptionKeysWhere<F extends keyof TrainOptionSpec, V> = {
  [K in TrainOptionKey]: Table[K] extends Record<F, V> ? K : never;
}[TrainOptionKey];
/** The value of option `K` after validation. */
export type TrainOptionValue<K extends TrainOptionKey> = z.output<Table[K]['value']['schema']>;
/** The options whose help text the command passes (see {@link TrainOptionSpec.help}). */
export type TrainOptionsHelpedByCommand = Exclude<TrainOptionKey, TrainOptionKeysWhere<'help', unknown>>;

/** The entries of {@link TRAIN_OPTIONS} in order, each with its key. */
export function trainOptionEntries(): { readonly key: TrainOptionKey; readonly spec: TrainOptionSpec }[] {
  return (Object.keys(TRAIN_OPTIONS) as TrainOptionKey[]).map((key) => ({ key, spec: TRAIN_OPTIONS[key] }));
}

/** The keys of the options `--resume` treats as `role`, in table order. */
export function trainOptionsWithRole<R extends ResumeRole>(role: R): TrainOptionKeysWhere<'onResume', R>[] {
  return trainOptionEntries()
    .filter((e) => e.spec.onResume === role)
    .map((e) => e.key as TrainOptionKeysWhere<'onResume', R>);
}

/** `--batch-size` for `batchSize`: the long flag of an option (or config key). */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** `a, b and c`. */
function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The flags of the options `--resume` treats as `role`, in words: `--epochs, --lr and --clip-norm`. */
export function flagsWithRole(role: ResumeRole): string {
  return listInWords(
    trainOptionsWithRole(role)
      .filter((key) => TRAIN_OPTIONS[key].flag)
      .map(flagName),
  );
}

function resumeHelp(): string {
  return (
    'continue a run from its newest checkpoint that verifies, or from the given .ckpt file of its checkpoints/ folder; ' +
    `${flagsWithRole('may-change')} may change, ${flagsWithRole('per-invocation')} are chosen anew, the rest must match the run's`
  );
}

function configHelp(): string {
  const entries = trainOptionEntries();
  const flagOnly = entries.filter((e) => e.spec.flag && !e.spec.configFile).map((e) => flagName(e.key));
  const keyOnly = entries.filter((e) => !e.spec.flag && e.spec.configFile).map((e) => e.key);
  return (
    'JSON or YAML file with these options under camelCase keys (batchSize: 64 for --batch-size 64; flags win), ' +
    `all but ${listInWords(flagOnly)}, plus ${listInWords(keyOnly)}`
  );
}
